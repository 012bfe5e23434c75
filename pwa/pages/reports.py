"""L&D reports: curriculum gaps, role-wide priorities, the case for leaders, the question
analysis, read from releases; and how practice is scheduled (the last fit of FSRS to the
organisation's answers).

Every number comes from the organisation's latest release
(``pwa.store.releases``); no page reads anyone's ratings or plans. A number
below the threshold reads "too few people to show", the others "about 24 (±3)".
When a release is due, a page asks for one as a background job and goes on
showing the last one until it is stored.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import format_decimal, gettext

from engine import fitting as fitting_rules
from engine import gaps as gap_rules
from engine import leaders as leader_rules
from engine import priorities as priority_rules
from engine.errors import DomainError
from pwa import clock, jobs
from pwa.i18n import translate_error
from pwa.pages.figures import HELPERS, page
from pwa.session import ld_admin_required, me
from pwa.store import fitting, people, profiles, releases

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("")
@ld_admin_required
def index() -> tuple[str, int]:
    roles = [r for r in people.roles(me().organisation_id) if profiles.current(r) is not None]
    return page("reports/index.html", roles=roles)


@bp.get("/gaps")
@ld_admin_required
def gaps() -> tuple[str, int]:
    view = releases.latest(me().organisation_id)
    found: list[tuple[releases.RoleView, list[gap_rules.CurriculumGap]]] = []
    if view is not None:
        found = releases.curriculum_gaps(me().organisation_id, view)
    return page("reports/gaps.html", found=found)


@bp.get("/priorities/<role_slug>")
@ld_admin_required
def priorities(role_slug: str) -> tuple[str, int]:
    org = me().organisation_id
    role = people.role_in_org(org, role_slug)
    view = releases.latest(org)
    part = view.role(role.slug) if view is not None else None
    site = request.args.get("site") or None
    future = request.args.get("future_role") or None
    error, rows, offered = None, [], None
    try:
        where = releases.check_filter(role, part, site, future)
    except DomainError as exc:
        error = translate_error(exc)
        where, site, future = (None, None), None, None
    if part is not None:
        offered = releases.filters(org, part)
        rows = priority_rules.report(part.lines, part.numbers, where)
    top = max((r.band[1] if r.band else r.score or 0 for r in rows), default=0) or 1
    return page("reports/priorities.html", 422 if error else 200, role=role, part=part,
                 offered=offered, rows=rows, site=site, future=future, error=error, top=top)


@bp.get("/case/<role_slug>")
@ld_admin_required
def case(role_slug: str) -> tuple[str, int]:
    org = me().organisation_id
    role = people.role_in_org(org, role_slug)
    costs = people.costs(people.organisation(org))
    hourly = None if costs.hourly_cost_cents is None else costs.hourly_cost_cents / 100
    view = releases.latest(org)
    part = view.role(role.slug) if view is not None else None
    history = releases.releases_of(org, role.slug)
    context: dict[str, Any] = {"role": role, "part": part, "currency": costs.currency,
                               "hourly": hourly}
    if part is not None:
        context["case"] = leader_rules.case(part.numbers, hourly)
        context["trends"] = leader_rules.trends(part.lines, history)
        context["top_trend"] = leader_rules.top_trend(part.lines, history)
        context["history"] = history
    return page("reports/case.html", **context)


@bp.get("/questions/<role_slug>")
@ld_admin_required
def questions(role_slug: str) -> tuple[str, int]:
    """Per question of the role's micro-lessons: how often it is answered wrong on first sight
    and a week or more later (what the authors of the role see on their desk too)."""
    org = me().organisation_id
    role = people.role_in_org(org, role_slug)
    view = releases.latest(org)
    part = view.role(role.slug) if view is not None else None
    found = releases.question_analysis(part) if part is not None else []
    return page("reports/questions.html", role=role, part=part, lessons=found)



def figure(value: Any) -> Any:
    """A fit's number in the reader's locale: a metric to four decimals, a count whole."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return format_decimal(value, format="#,##0.0000" if isinstance(value, float) else "#,##0")


def hundreds(count: int) -> int:
    """Everyone's answers counted to the hundred: one person's practice between two fits
    does not show in a figure the page prints."""
    return int(round(count, -2))


@bp.get("/practice")
@ld_admin_required
def practice() -> tuple[str, int]:
    """The last fit of FSRS to the organisation's answers: old against new, and the verdict.

    Asks for a fit as a background job when one is due (a week after the last).
    """
    org = me().organisation_id
    if fitting.due(org, clock.now()):
        jobs.enqueue("practice.fit", org)
    found = fitting.last(org)
    verdict = None
    if found is not None:
        if found.fit.reason == fitting_rules.TOO_FEW:  # no count, however coarse, below 100
            verdict = str(gettext("Too few answers yet: a fit needs %(needed)s.",
                                  needed=figure(found.fit.params["needed"])))
        else:
            verdict = str(gettext(found.fit.reason, **{
                k: figure(hundreds(v) if k in ("logs", "test") else v)
                for k, v in found.fit.params.items()}))
    return render_template("reports/practice.html", evaluation=found, verdict=verdict,
                           adopted_at=fitting.adopted_at(org), min_logs=fitting.min_logs(),
                           every=fitting.EVERY.days, figure=figure, hundreds=hundreds,
                           **HELPERS), 200
