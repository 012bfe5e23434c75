"""One-time enrolment links: only the SHA-256 of a token is stored."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import insert, select, update

from engine import invites as invite_rules
from engine.errors import N_, NotFound
from pwa.extensions import db
from pwa.models import Invite, Person, as_dict


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_invite(
    person: Person, now: datetime, *, created_by: Person | None = None, ttl_days: int | None = None
) -> tuple[Invite, str]:
    """Create a one-time invite for ``person``; returns it and its secret token."""
    days = ttl_days if ttl_days is not None else current_app.config["SKILLPATH_INVITE_TTL_DAYS"]
    expires_at = invite_rules.expiry(now, timedelta(days=days))
    token = secrets.token_urlsafe(32)
    invite = Invite(
        person_id=person.id,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=expires_at,
        created_by_id=created_by.id if created_by else None,
    )
    db.session.add(invite)
    db.session.flush()
    return invite, token


def create_invites(person_ids: Sequence[int], now: datetime, *,
                   created_by: Person | None = None, ttl_days: int | None = None
                   ) -> tuple[datetime, dict[int, str]]:
    """One invite for each of ``person_ids`` in one statement: when they expire, and
    person id -> secret token.

    What :func:`create_invite` does for one person, for a roster's thousands: the
    tokens exist only in what this returns, to be printed once.
    """
    days = ttl_days if ttl_days is not None else current_app.config["SKILLPATH_INVITE_TTL_DAYS"]
    expires_at = invite_rules.expiry(now, timedelta(days=days))
    tokens = {pid: secrets.token_urlsafe(32) for pid in person_ids}
    if tokens:
        db.session.execute(insert(Invite.__table__), [
            {"person_id": pid, "token_hash": token_hash(token), "created_at": now,
             "expires_at": expires_at, "created_by_id": created_by.id if created_by else None}
            for pid, token in tokens.items()])
    return expires_at, tokens


def usable_invitees(organisation_id: int, now: datetime) -> set[int]:
    """The people of the organisation holding an invite they could still use."""
    return set(db.session.scalars(
        select(Invite.person_id).join(Person, Invite.person_id == Person.id)
        .where(Person.organisation_id == organisation_id, Invite.used_at.is_(None),
               Invite.revoked_at.is_(None), Invite.expires_at > now).distinct()))


def invite_link(token: str) -> str:
    origin: str = current_app.config["SKILLPATH_ORIGIN"]
    return origin.rstrip("/") + "/enrol/" + token


def usable_invite(token: str, now: datetime) -> Invite:
    """The invite behind ``token`` if it can still be redeemed; else InviteUnusable."""
    invite: Invite | None = db.session.scalar(
        select(Invite).where(Invite.token_hash == token_hash(token))
    )
    if invite is None:
        raise invite_rules.unknown_invite()
    invite_rules.require_usable(invite_state(invite), now)
    return invite


def redeem(invite: Invite, now: datetime) -> None:
    """Use ``invite`` up, once: one conditional UPDATE in the caller's transaction.

    Two enrolments racing with one link both passed ``usable_invite``; the row
    lock (PostgreSQL) or the write lock (SQLite) lets one UPDATE match, and the
    other, re-reading the row, finds it used and gets the plain "already used".
    """
    done = db.session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None), Invite.revoked_at.is_(None),
               Invite.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        db.session.refresh(invite)  # what the winner committed
        invite_rules.require_usable(invite_state(invite), now)
        raise invite_rules.unknown_invite()  # not reached: the row changed under us
    invite.used_at = now


def invite_state(invite: Invite) -> invite_rules.InviteState:
    return invite_rules.InviteState(
        created_at=invite.created_at,
        expires_at=invite.expires_at,
        used_at=invite.used_at,
        revoked_at=invite.revoked_at,
    )


def revoke(invite: Invite, now: datetime) -> bool:
    """Withdraw an unused invite; True if it was withdrawn now."""
    if not invite_rules.can_revoke(invite_state(invite)):
        return False
    invite.revoked_at = now
    return True


def invite_in_org(organisation_id: int, invite_id: int) -> Invite:
    invite = db.session.get(Invite, invite_id)
    if invite is None or invite.person.organisation_id != organisation_id:
        raise NotFound(N_("There is no such invite."))
    return invite


def pending(organisation_id: int, now: datetime) -> list[Invite]:
    """Invites of the organisation that can still be used, newest first."""
    return list(db.session.scalars(
        select(Invite).join(Person, Invite.person_id == Person.id)
        .where(Person.organisation_id == organisation_id, Invite.used_at.is_(None),
               Invite.revoked_at.is_(None), Invite.expires_at > now)
        .order_by(Invite.created_at.desc())))


def export(person: Person) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(Invite).where(Invite.person_id == person.id).order_by(Invite.created_at))
    return [as_dict(i, "created_at", "expires_at", "used_at", "revoked_at") for i in rows]
