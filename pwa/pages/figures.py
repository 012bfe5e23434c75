"""How released numbers read on a page, and what every page showing a release says about it.

Shared by the pages that show a release (L&D's reports, the author's question
analysis), as ``forms`` is by those with forms: no blueprint here.
"""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import format_currency, format_decimal, format_percent, gettext

from engine.leaders import Amount
from engine.levels import LEVELS
from engine.releases import THRESHOLD, Estimate, Share
from pwa import clock, jobs
from pwa.session import me
from pwa.store import releases

BAR = 220  # the widest bar of a chart, in SVG units


def count(value: Estimate | None) -> str:
    """A released count with its margin, or the words for one too small to show."""
    if value is None:
        return str(gettext("too few people to show"))
    return str(gettext("about %(n)s (±%(margin)s)", n=format_decimal(value.value),
                       margin=format_decimal(value.margin)))


def hours(value: Amount | None) -> str:
    if value is None:
        return "—"
    return str(gettext("about %(n)s hours (±%(margin)s)", n=format_decimal(round(value.value)),
                       margin=format_decimal(max(1, round(value.margin)))))


def money(value: Amount | float | None, currency: str) -> str:
    """An amount of money: a released one in whole units with its margin, a rate exactly."""
    if value is None:
        return "—"
    if isinstance(value, Amount):
        def whole(x: float) -> str:
            return str(format_currency(round(x), currency, format="¤#,##0",
                                       currency_digits=False))

        return str(gettext("about %(n)s (±%(margin)s)", n=whole(value.value),
                           margin=whole(max(1.0, value.margin))))
    return str(format_currency(value, currency))


def percent(value: float | None) -> str:
    return "—" if value is None else str(format_percent(value))


def share(value: Share | None) -> str:
    """A released share with its margin (in percentage points: "about 30% (±12%)" is 18% to
    42%), or the words for one withheld."""
    if value is None:
        return str(gettext("too few people to show"))
    return str(gettext("about %(share)s (±%(margin)s)", share=format_percent(value.value),
                       margin=format_percent(max(0.01, round(value.margin, 2)))))


def number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else str(format_decimal(round(value, digits)))


def tiny(value: float) -> str:
    """A small probability written out (delta: 0.000001), never as 1e-06."""
    return str(format_decimal(value, format="0.############"))


HELPERS = {"tiny": tiny, "count": count, "hours": hours, "money": money, "percent": percent,
           "share": share, "number": number, "levels": LEVELS, "bar": BAR,
           "threshold": THRESHOLD}


def release_context() -> dict[str, Any]:
    """The latest release and what the page says about it; asks for the next one when due."""
    org = me().organisation_id
    now = clock.now()
    planned = releases.schedule(org, now)
    if planned.due:
        jobs.enqueue("releases.publish", org)
    view = releases.latest(org)
    limits = releases.budget()
    return {"release": view, "refused": planned.refused, "next_at": planned.next_at,
            "budget": limits, "year_epsilon": limits.epsilon(limits.rho_year),
            "spent_epsilon": limits.epsilon(releases.spent(org, now)) if view else 0.0}


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, **release_context(), **HELPERS, **context), status
