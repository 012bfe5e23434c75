"""Role-wide priorities for L&D: counts of everyone's self-assessments, never one of them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from pydantic import Field

from api.http import Query, no_store, query, responds, signed_in
from engine import priorities as rules
from engine.analytics import K_ANONYMITY
from engine.errors import N_, Forbidden
from engine.levels import LEVELS
from engine.people import Permission
from pwa.models import Person
from pwa.store import analytics, people

bp = Blueprint("api_analytics", __name__, url_prefix="/api/v1")


def ld_admin() -> Person:
    """The signed-in L&D admin, or 401/403 in the one error shape."""
    person = signed_in()
    if Permission.LD_ADMIN not in people.permissions(person):
        raise Forbidden(N_("Only learning and development admins see reports."))
    return person


class PrioritiesQuery(Query):
    role: str = Field(min_length=1, max_length=64, description="the role's slug")
    site: str | None = Field(None, max_length=80, description="one site of the role's people")
    future_role: str | None = Field(None, max_length=64,
                                    description="a future role some of the role's people chose")


def row(r: rules.Row) -> dict[str, Any]:
    """A competency's numbers; null is a number withheld (a group of fewer than 5)."""
    return {"competency": r.key, "name": r.name, "target": r.target,
            "importance": r.importance, "assessed": r.assessed,
            "levels": {str(level): n for level, n in zip(LEVELS, r.levels, strict=True)},
            "below_target": r.below, "share_below": None if r.share is None else round(r.share, 4),
            "priority": None if r.score is None else round(r.score, 4), "estimate": r.estimate}


@bp.get("/analytics/priorities")
@responds(200, 401, 403, 404)
@query(PrioritiesQuery)
def priorities(query: PrioritiesQuery) -> Response:
    """A role's competencies, top priority first, for everyone or one site and future role."""
    admin = ld_admin()
    role = people.role_in_org(admin.organisation_id, query.role)
    view, rows = analytics.priorities(role, query.site or None, query.future_role or None)
    return no_store({
        "role": role.slug, "site": query.site or None, "future_role": query.future_role or None,
        "k_anonymity": K_ANONYMITY,
        "filters": {"sites": view.sites, "future_roles": [s for s, _ in view.future_roles]},
        "competencies": [row(r) for r in rows]})
