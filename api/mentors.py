"""The signed-in person's mentoring: their offer, requests sent and received, suggested mentors.

Mentoring changes only through events (``POST /api/v1/sync``:
``mentor.offer.changed``, ``mentor.requested``, ``mentor.request.answered``,
``mentor.request.ended``), so that what is done offline and online is the same.
"""

from __future__ import annotations

from flask import Blueprint, Response

from api.http import no_store, responds, signed_in
from pwa.store import mentors

bp = Blueprint("api_mentors", __name__, url_prefix="/api/v1")


@bp.get("/mentors")
@responds(200, 401)
def mentoring() -> Response:
    """What the bootstrap's ``mentoring`` holds: nobody's rating but a learner's shared one."""
    return no_store({"mentoring": mentors.mentoring(signed_in())})
