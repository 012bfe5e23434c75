"""POST /api/v1/sync: the phone's outbox arrives here in batches; GET /api/v1/bootstrap.

Sync answers ``{"accepted": [...], "duplicates": [...], "refused": [{"id", "code",
"message"}]}``. A re-sent event is acknowledged as a duplicate and applied
nothing twice; a refused event is kept in the quarantine with its reason.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from flask_babel import get_locale
from pydantic import Field

from api.errors import ApiError
from api.http import Schema, body, no_store, responds, signed_in, validated_response
from engine import sync as rules
from engine.errors import N_
from pwa import clock, jobs
from pwa.extensions import db
from pwa.i18n import translate
from pwa.models.base import again_after_race
from pwa.session import current_session_id
from pwa.sync import bootstrap as bundle
from pwa.sync import ingest, quarantine

bp = Blueprint("api_sync", __name__, url_prefix="/api/v1")


class SyncRequest(Schema):
    events: list[Any] = Field(description=f"at most {rules.MAX_BATCH} events")


@bp.get("/bootstrap")
@responds(200, 401, etag=True)
def bootstrap() -> Response:
    """Everything the phone needs to work offline: revalidate it with its ETag.

    The ETag is known without the bundle (``pwa.sync.bootstrap.validator``): a phone that
    holds the current one is answered 304 from one query, and the bundle is built only
    when it changed.
    """
    person = signed_in()
    now = clock.now()
    # Which of the person's devices this one is: known to the request, not to the bundle.
    this_session = current_session_id()
    locale = str(get_locale())  # the plan's reasons: the person's, else the browser's

    def build() -> dict[str, Any]:
        found = bundle.bundle(person, now)
        if "push" in found:
            found["push"] = {**found["push"], "this_session": this_session}
        return found

    return validated_response(
        bundle.validator(person, now, locale=locale, session_id=this_session), build,
        vary=("Accept-Language",))


SIGN_IN_AGAIN = N_("Please sign in again. Your answers are kept on this phone meanwhile.")


def keep_unreadable(error: ApiError) -> None:
    """A body that cannot be read as a batch is kept whole in the quarantine, then refused.

    The phone then halves the batch until it finds the events at fault; the server
    keeps each try, so nothing a phone sent is lost with it. Bytes that are not
    UTF-8 are kept as surrogate escapes (``surrogateescape``): the kept text
    encodes back to the very bytes that arrived.
    """
    person = signed_in(SIGN_IN_AGAIN)
    sent = request.get_data().decode("utf-8", "surrogateescape")
    quarantine.keep(person, sent,
                    rules.Refusal(error.error, error.template, error.params), clock.now())
    db.session.commit()


@bp.post("/sync")
@responds(200, 401, 500)  # 500: nothing of the batch saved; the phone sends it again
@body(SyncRequest, refused=keep_unreadable)
def sync(body: SyncRequest) -> Response:
    """Store and apply a batch of events from the signed-in person's device."""
    person = signed_in(SIGN_IN_AGAIN)
    if len(body.events) > rules.MAX_BATCH:
        raise ApiError(413, "batch_too_large", N_("Send at most %(limit)s events per batch."),
                       {"max_events": rules.MAX_BATCH, "max_bytes": rules.MAX_BATCH_BYTES,
                        "events": len(body.events)}, limit=rules.MAX_BATCH)

    def store_and_apply() -> ingest.Result:
        done = ingest.ingest(person, body.events, clock.now())
        db.session.commit()
        return done

    # Two syncs that touch each other's rows (a mentor request and its answer) may meet
    # in a deadlock on PostgreSQL, which ends one of them: nothing of it was stored, so
    # it is done again rather than answered with a 500.
    result = again_after_race(store_and_apply)
    for job in sorted(result.jobs):  # what the accepted events' types ask for
        jobs.enqueue(job.name, *job.args)
    # The quarantine keeps the English reason; the phone gets it in the person's language.
    return no_store(result.to_dict(translate))
