"""Role-wide priorities for L&D admins, read from the latest release: counts of a role's
self-assessments with calibrated noise, never one of them."""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, Response
from pydantic import Field

from api.http import Query, no_store, query, responds, signed_in
from engine import priorities as rules
from engine.errors import N_, Forbidden
from engine.levels import LEVELS
from engine.people import Permission
from engine.releases import THRESHOLD, Estimate
from pwa import clock, jobs
from pwa.models import Person
from pwa.store import people, releases

bp = Blueprint("api_analytics", __name__, url_prefix="/api/v1")


def ld_admin() -> Person:
    """The signed-in L&D admin, or 401/403 in the one error shape."""
    person = signed_in()
    if Permission.LD_ADMIN not in people.permissions(person):
        raise Forbidden(N_("Only learning and development admins see reports."))
    return person


def estimate(value: Estimate | None) -> dict[str, int] | None:
    """A released count and its margin (about 95%); null: too few people to show."""
    return None if value is None else {"value": value.value, "margin": value.margin}


def release_info(admin: Person) -> tuple[releases.View | None, dict[str, Any]]:
    """The latest release and what a reader needs to know of it; asks for one when due."""
    org = admin.organisation_id
    now = clock.now()
    planned = releases.schedule(org, now)
    if planned.due:
        jobs.enqueue("releases.publish", org)
    view = releases.latest(org)
    info = {"threshold": THRESHOLD, "next_release_at": planned.next_at.isoformat(),
            "release": None if view is None else {
                "sequence": view.sequence, "published_at": view.computed_at.isoformat(),
                "rho": view.rho, "delta": view.delta,
                "epsilon": round(view.epsilon, 4) if math.isfinite(view.epsilon) else None}}
    return view, info


class PrioritiesQuery(Query):
    role: str = Field(min_length=1, max_length=64, description="the role's slug")
    site: str | None = Field(None, max_length=80, description="one site of the role's people")
    future_role: str | None = Field(None, max_length=64,
                                    description="a role of the organisation, as a future role")


def row(r: rules.Row) -> dict[str, Any]:
    """A competency's released numbers; null is a number too small to show."""
    return {"competency": r.key, "name": r.name, "target": r.target,
            "importance": r.importance, "assessed": estimate(r.assessed),
            "levels": {str(level): estimate(n) for level, n in zip(LEVELS, r.levels, strict=True)},
            "below_target": estimate(r.below),
            "share_below": None if r.share is None else round(r.share, 4),
            "priority": None if r.score is None else round(r.score, 4)}


@bp.get("/analytics/priorities")
@responds(200, 401, 403, 404)
@query(PrioritiesQuery)
def priorities(query: PrioritiesQuery) -> Response:
    """A role's competencies, top priority first, for everyone or one site and future role,
    from the latest release (``release`` null: none yet)."""
    admin = ld_admin()
    role = people.role_in_org(admin.organisation_id, query.role)
    view, info = release_info(admin)
    part = view.role(role.slug) if view is not None else None
    rows: list[rules.Row] = []
    offered = releases.Filters([], [])
    where = releases.check_filter(role, part, query.site or None, query.future_role or None)
    if part is not None:
        rows = rules.report(part.lines, part.numbers, where)
        offered = releases.filters(admin.organisation_id, part)
    return no_store({
        "role": role.slug, "site": query.site or None, "future_role": query.future_role or None,
        **info, "filters": {"sites": offered.sites,
                            "future_roles": [s for s, _ in offered.future_roles]},
        "competencies": [row(r) for r in rows]})
