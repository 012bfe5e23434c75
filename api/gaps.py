"""Curriculum gaps for L&D: competencies where learners need a level no active item covers."""

from __future__ import annotations

from flask import Blueprint, Response

from api.analytics import ld_admin
from api.http import no_store, responds
from engine.analytics import K_ANONYMITY
from pwa.store import analytics

bp = Blueprint("api_gaps", __name__, url_prefix="/api/v1")


@bp.get("/gaps")
@responds(200, 401, 403)
def gaps() -> Response:
    """Each role's curriculum gaps, highest impact first; null learners: fewer than 5."""
    admin = ld_admin()
    return no_store({"k_anonymity": K_ANONYMITY, "gaps": [
        {"role": role.slug, "competency": g.key, "name": g.name, "importance": g.importance,
         "target": g.target, "learners": g.learners,
         "levels_needed": [{"level": level, "learners": n} for level, n in g.levels],
         "mentors_available": g.mentors,
         "impact": None if g.impact is None else round(g.impact, 4)}
        for role, found in analytics.curriculum_gaps(admin.organisation_id) for g in found]})
