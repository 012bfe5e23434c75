"""Curriculum gaps for L&D: competencies where learners need a level no active item covers,
counted in the latest release."""

from __future__ import annotations

from flask import Blueprint, Response

from api.analytics import estimate, ld_admin, release_info
from api.http import no_store, responds
from pwa.store import releases

bp = Blueprint("api_gaps", __name__, url_prefix="/api/v1")


@bp.get("/gaps")
@responds(200, 401, 403)
def gaps() -> Response:
    """Each role's curriculum gaps, highest impact first; null learners: too few to show."""
    admin = ld_admin()
    view, info = release_info(admin)
    found = [] if view is None else releases.curriculum_gaps(admin.organisation_id, view)
    return no_store({**info, "gaps": [
        {"role": part.slug, "competency": g.key, "name": g.name, "importance": g.importance,
         "target": g.target, "learners": estimate(g.learners),
         "levels_needed": [{"level": level, "learners": estimate(n)} for level, n in g.levels],
         "mentors_available": g.mentors,
         "impact": None if g.impact is None else round(g.impact, 4)}
        for part, found_gaps in found for g in found_gaps]})
