"""L&D reports: curriculum gaps, role-wide priorities, the case for leaders.

Every number comes from ``pwa.store.analytics``, which hands all the cells a
view can show to ``protect`` at once; a number it withholds reads "fewer
than 5" here and nothing is computed from it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import format_decimal, format_percent, gettext

from engine.analytics import K_ANONYMITY
from engine.errors import DomainError
from engine.levels import LEVELS
from pwa.i18n import translate_error
from pwa.session import ld_admin_required, me
from pwa.store import analytics, people

bp = Blueprint("reports", __name__, url_prefix="/reports")

BAR = 220  # the widest bar of a chart, in SVG units


def count(value: int | None) -> str:
    """A published count, or the words for one that is withheld."""
    if value is None:
        return str(gettext("fewer than %(k)s", k=K_ANONYMITY))
    return str(format_decimal(value))


def percent(value: float | None) -> str:
    return "—" if value is None else str(format_percent(value))


def number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else str(format_decimal(round(value, digits)))


HELPERS = {"count": count, "percent": percent, "number": number, "levels": LEVELS,
           "bar": BAR, "k": K_ANONYMITY}


@bp.get("")
@ld_admin_required
def index() -> str:
    roles = [r for r in people.roles(me().organisation_id) if analytics.lines(r)]
    return render_template("reports/index.html", roles=roles)


@bp.get("/gaps")
@ld_admin_required
def gaps() -> str:
    found = analytics.curriculum_gaps(me().organisation_id)
    return render_template("reports/gaps.html", found=found, **HELPERS)


@bp.get("/priorities/<role_slug>")
@ld_admin_required
def priorities(role_slug: str) -> Any:
    role = people.role_in_org(me().organisation_id, role_slug)
    site = request.args.get("site") or None
    future = request.args.get("future_role") or None
    error = None
    try:
        view, rows = analytics.priorities(role, site, future)
    except DomainError as exc:
        error = translate_error(exc)
        view, rows = analytics.priorities(role)
        site = future = None
    top = max((r.score or 0 for r in rows), default=0) or 1
    return render_template("reports/priorities.html", role=role, view=view, rows=rows,
                           site=site, future=future, error=error, top=top,
                           **HELPERS), 422 if error else 200


@bp.get("/case/<role_slug>")
@ld_admin_required
def case(role_slug: str) -> str:
    role = people.role_in_org(me().organisation_id, role_slug)
    return render_template("reports/case.html", role=role, view=analytics.case_for(role),
                           **HELPERS)
