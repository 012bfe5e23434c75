"""The signed-in person: who they are, their passkeys, their sessions, their data."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from flask_wtf.csrf import generate_csrf

from api.http import no_store, responds, signed_in
from pwa import clock, jobs
from pwa.extensions import db
from pwa.models import Session
from pwa.session import current_passkey_id, current_session_id, lifetimes, sign_out
from pwa.store import passkeys as passkey_store
from pwa.store import people, sessions
from pwa.sync import export as personal_data

bp = Blueprint("api_me", __name__, url_prefix="/api/v1/me")


@bp.get("")
@responds(200, 401)
def me() -> Response:
    """The signed-in person: name, role, future role, time zone, locale, permissions."""
    return no_store(people.person_summary(signed_in()))


@bp.get("/export")
@responds(200, 401)
def export() -> Response:
    """Everything we hold about the signed-in person, as a JSON download."""
    response = no_store(personal_data.export_person(signed_in(), clock.now()))
    response.headers["Content-Disposition"] = 'attachment; filename="skillpath-my-data.json"'
    return response


@bp.delete("")
@responds(200, 401)
def delete_me() -> Response:
    """Delete the signed-in person's account and everything that is theirs."""
    person = signed_in()
    organisation_id = person.organisation_id
    personal_data.delete_person(person)
    db.session.commit()
    # Whom they mentored or learned from is decided again (their end marked everyone).
    jobs.enqueue("mentors.assign", organisation_id)
    sign_out()
    return no_store({"deleted": True})


@bp.get("/passkeys")
@responds(200, 401)
def passkeys() -> Response:
    """The signed-in person's passkeys (no key material)."""
    return no_store({"passkeys": [
        {"id": p.id, "name": p.name, "created_at": p.created_at.isoformat(),
         "last_used_at": p.last_used_at.isoformat() if p.last_used_at else None}
        for p in signed_in().passkeys
    ]})


@bp.delete("/passkeys/<id:passkey_id>")
@responds(200, 401, 409)
def remove_passkey(passkey_id: int) -> Response:
    """Remove one passkey, ending the sessions it opened; the last one is refused (409).

    Removing the passkey this device signed in with signs this device out too
    (``signed_in`` is then false, with the new session's ``csrf_token``).
    """
    removed = passkey_store.remove_passkey(signed_in(), passkey_id)
    db.session.commit()
    return _ended({"removed": removed.id}, here=removed.id == current_passkey_id())


@bp.get("/sessions")
@responds(200, 401)
def list_sessions() -> Response:
    """The devices signed in as this person, last used first; ``current`` is this one."""
    rows = sessions.of_person(signed_in(), clock.now(), lifetimes())
    db.session.commit()  # those that ran out are deleted
    here = current_session_id()
    return no_store({"sessions": [_session(row, here) for row in rows]})


@bp.delete("/sessions/<id:session_id>")
@responds(200, 401, 404)
def end_session(session_id: int) -> Response:
    """Sign one device out. Ending this device's own session signs this device out."""
    ended = sessions.end_own(signed_in(), session_id)
    db.session.commit()
    return _ended({"ended": ended.id}, here=ended.id == current_session_id())


@bp.post("/sessions/end-others")
@responds(200, 401)
def end_other_sessions() -> Response:
    """Sign out every other device; this one stays signed in."""
    count = sessions.end_others(signed_in(), keep=current_session_id())
    db.session.commit()
    return no_store({"ended": count})


def _ended(answer: dict[str, Any], *, here: bool) -> Response:
    """The answer to ending something; if it ended this device's session, sign out here."""
    if not here:
        return no_store({**answer, "signed_in": True})
    sign_out()
    return no_store({**answer, "signed_in": False, "csrf_token": generate_csrf()})


def _session(row: Session, here: int | None) -> dict[str, Any]:
    return {"id": row.id, "browser": row.browser, "os": row.os,
            "passkey": {"id": row.passkey_id, "name": row.passkey.name},
            "created_at": row.created_at.isoformat(),
            "last_seen_at": row.last_seen_at.isoformat(), "current": row.id == here}
