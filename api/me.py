"""The signed-in person: who they are, their passkeys, their data."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from api.errors import ApiError
from pwa import accounts
from pwa.auth import current_person, sign_out
from pwa.extensions import db
from pwa.models import Person

bp = Blueprint("api_me", __name__, url_prefix="/api/v1/me")


def _person() -> Person:
    person = current_person()
    if person is None:
        raise ApiError(401, "sign_in_required", "Please sign in first.")
    return person


@bp.get("")
def me() -> Response:
    """The signed-in person: name, role, future role, time zone, locale, permissions."""
    return jsonify(accounts.person_summary(_person()))


@bp.get("/export")
def export() -> Response:
    """Everything we hold about the signed-in person, as a JSON download."""
    person = _person()
    response = jsonify(accounts.export_person(person, accounts.now()))
    response.headers["Content-Disposition"] = 'attachment; filename="skillpath-my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.delete("")
def delete_me() -> Response:
    """Delete the signed-in person's account and everything that is theirs."""
    accounts.delete_person(_person())
    db.session.commit()
    sign_out()
    return jsonify({"deleted": True})


@bp.get("/passkeys")
def passkeys() -> Response:
    """The signed-in person's passkeys (no key material)."""
    person = _person()
    return jsonify({"passkeys": [
        {"id": p.id, "name": p.name, "created_at": p.created_at.isoformat(),
         "last_used_at": p.last_used_at.isoformat() if p.last_used_at else None}
        for p in person.passkeys
    ]})


@bp.delete("/passkeys/<int:passkey_id>")
def remove_passkey(passkey_id: int) -> Response:
    """Remove one passkey; the last one is refused (409) so nobody locks themselves out."""
    removed = accounts.remove_passkey(_person(), passkey_id)
    db.session.commit()
    return jsonify({"removed": removed.id})
