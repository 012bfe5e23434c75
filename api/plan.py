"""The signed-in learner's plan, and finding a colleague to suggest something to.

The plan changes only through events (``POST /api/v1/sync``: ``plan.item.changed``,
``plan.item.added``, ``plan.goal.added``/``removed``, ``plan.settings.changed``,
``plan.suggestion.sent``/``answered``), so that a change made offline and one
made online are the same thing.
"""

from __future__ import annotations

from flask import Blueprint, Response
from pydantic import Field

from api.http import Query, no_store, query, responds, signed_in
from pwa.i18n import translate
from pwa.store import people, plans

bp = Blueprint("api_plan", __name__, url_prefix="/api/v1")


class ColleagueQuery(Query):
    q: str = Field(min_length=2, max_length=100, description="part of a colleague's name")


@bp.get("/plan")
@responds(200, 401)
def plan() -> Response:
    """The learner's plan: weeks, done, gaps no item covers, readiness, suggestions."""
    return no_store({"plan": plans.plan_for(signed_in(), translate)})


@bp.get("/colleagues")
@responds(200, 401)
@query(ColleagueQuery)
def colleagues(query: ColleagueQuery) -> Response:
    """Colleagues of the organisation by name, with their role (to suggest an item to)."""
    return no_store({"colleagues": people.colleagues(signed_in(), query.q)})
