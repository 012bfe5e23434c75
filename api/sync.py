"""POST /api/v1/sync: the phone's outbox arrives here in batches.

Answers ``{"accepted": [...], "duplicates": [...], "refused": [{"id", "code",
"message"}]}``. A re-sent event is acknowledged as a duplicate and applied
nothing twice; a refused event is kept in the quarantine with its reason.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from pydantic import Field

from api.caching import content_response
from api.errors import ApiError
from api.requests import Schema, json_body
from engine import sync as rules
from pwa import accounts, assessment
from pwa import sync as store
from pwa.auth import current_person
from pwa.extensions import db

bp = Blueprint("api_sync", __name__, url_prefix="/api/v1")


class SyncRequest(Schema):
    events: list[Any] = Field(description=f"at most {rules.MAX_BATCH} events")


REQUEST_SCHEMAS: dict[str, type[Schema]] = {"api_sync.sync": SyncRequest}


@bp.get("/bootstrap")
def bootstrap() -> Response:
    """Everything the phone needs to work offline: revalidate it with its ETag."""
    person = current_person()
    if person is None:
        raise ApiError(401, "sign_in_required", "Please sign in first.")
    return content_response(assessment.bootstrap(person), immutable=False)


@bp.post("/sync")
def sync() -> Response:
    """Store and apply a batch of events from the signed-in person's device."""
    person = current_person()
    if person is None:
        raise ApiError(401, "sign_in_required",
                       "Please sign in again. Your answers are kept on this phone meanwhile.")
    body = json_body(SyncRequest)
    if len(body.events) > rules.MAX_BATCH:
        raise ApiError(413, "batch_too_large",
                       f"Send at most {rules.MAX_BATCH} events per batch.",
                       {"max_events": rules.MAX_BATCH, "max_bytes": rules.MAX_BATCH_BYTES,
                        "events": len(body.events)})
    result = store.ingest(person, body.events, accounts.now())
    db.session.commit()
    response = jsonify(result.to_dict())
    response.headers["Cache-Control"] = "no-store"
    return response
