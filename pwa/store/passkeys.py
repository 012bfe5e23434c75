"""Passkeys and the WebAuthn challenges handed to browsers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from engine import people as people_rules
from engine.errors import N_, NotFound
from pwa.extensions import db
from pwa.models import Passkey, Person, WebAuthnChallenge, as_dict


def issue_challenge(
    challenge: str, purpose: str, now: datetime, *, person_id: int | None = None,
    invite_id: int | None = None,
) -> None:
    """Remember a challenge we handed out; stale ones are swept as we go."""
    ttl = timedelta(seconds=current_app.config["SKILLPATH_CHALLENGE_TTL_SECONDS"])
    db.session.execute(delete(WebAuthnChallenge).where(WebAuthnChallenge.expires_at < now))
    db.session.add(
        WebAuthnChallenge(
            challenge=challenge,
            purpose=purpose,
            person_id=person_id,
            invite_id=invite_id,
            created_at=now,
            expires_at=now + ttl,
        )
    )


def consume_challenge(challenge: str, purpose: str, now: datetime) -> WebAuthnChallenge | None:
    """Take a challenge out of the store; ``None`` if unknown, used or expired.

    The row is deleted whatever happens next, so a challenge works at most once
    even if verification fails.
    """
    row: WebAuthnChallenge | None = db.session.scalar(
        select(WebAuthnChallenge).where(WebAuthnChallenge.challenge == challenge).with_for_update()
    )
    if row is None:
        return None
    db.session.delete(row)
    db.session.flush()
    if row.purpose != purpose or row.expires_at <= now:
        return None
    return row


def remove_passkey(person: Person, passkey_id: int) -> Passkey:
    """Remove one of ``person``'s passkeys, but never the last one."""
    passkey = db.session.get(Passkey, passkey_id)
    if passkey is None or passkey.person_id != person.id:
        raise NotFound(N_("That passkey does not exist."))
    people_rules.require_removable_passkey(len(person.passkeys))
    db.session.delete(passkey)
    return passkey


def export(person: Person) -> list[dict[str, Any]]:
    return [{**as_dict(p, "name", "created_at", "last_used_at", "backed_up", "transports"),
             "credential_id": p.credential_id.hex()} for p in person.passkeys]
