"""The latest release as stored, for L&D's own tools: every released number of every role.

The same numbers the report pages read (with calibrated noise, counts under the
threshold included: noise makes them safe to hand out, the pages only leave
them out because they would mislead). Never a row about a person.
"""

from __future__ import annotations

from flask import Blueprint, Response

from api.analytics import ld_admin, release_info
from api.http import no_store, responds
from pwa.store import releases

bp = Blueprint("api_releases", __name__, url_prefix="/api/v1")


@bp.get("/releases/latest")
@responds(200, 401, 403)
def latest() -> Response:
    """The organisation's latest release (``release`` null before the first)."""
    admin = ld_admin()
    _, info = release_info(admin)
    stored = releases.latest_stored(admin.organisation_id)
    return no_store({**info, "roles": [] if stored is None else stored.data.get("roles", [])})
