"""The signed-in person: who they are, their passkeys, their data."""

from __future__ import annotations

from flask import Blueprint, Response

from api.http import no_store, responds, signed_in
from pwa import clock
from pwa.extensions import db
from pwa.session import sign_out
from pwa.store import passkeys as passkey_store
from pwa.store import people
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
    personal_data.delete_person(signed_in())
    db.session.commit()
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
    """Remove one passkey; the last one is refused (409) so nobody locks themselves out."""
    removed = passkey_store.remove_passkey(signed_in(), passkey_id)
    db.session.commit()
    return no_store({"removed": removed.id})
