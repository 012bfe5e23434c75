"""Passkeys and the WebAuthn challenges handed to browsers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import joinedload

from engine import people as people_rules
from engine.errors import N_, NotFound
from pwa.extensions import db
from pwa.models import Passkey, Person, WebAuthnChallenge, as_dict


@dataclass(frozen=True)
class Challenge:
    """A challenge taken back from the store: what it was handed out for, and to whom."""

    challenge: str
    purpose: str
    person_id: int | None
    invite_id: int | None
    expires_at: datetime


# When this process last swept out expired challenges. Expired rows do no harm (a
# challenge is checked for expiry when used), so the sweep is done now and then, not on
# each sign-in: at most once per challenge lifetime (a minute at least) per process.
_last_sweep: datetime | None = None
_MIN_SWEEP = timedelta(minutes=1)


def issue_challenge(
    challenge: str, purpose: str, now: datetime, *, person_id: int | None = None,
    invite_id: int | None = None,
) -> None:
    """Remember a challenge we handed out; stale ones are swept now and then."""
    global _last_sweep
    ttl = timedelta(seconds=current_app.config["SKILLPATH_CHALLENGE_TTL_SECONDS"])
    if _last_sweep is None or not _last_sweep <= now < _last_sweep + max(ttl, _MIN_SWEEP):
        # (a clock that went back, as in tests, sweeps too)
        db.session.execute(delete(WebAuthnChallenge).where(WebAuthnChallenge.expires_at < now))
        _last_sweep = now
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


_CHALLENGES = WebAuthnChallenge.__table__
_TAKE_BACK = (_CHALLENGES.delete().where(_CHALLENGES.c.challenge == bindparam("challenge"))
              .returning(_CHALLENGES.c.challenge, _CHALLENGES.c.purpose,
                         _CHALLENGES.c.person_id, _CHALLENGES.c.invite_id,
                         _CHALLENGES.c.expires_at))


def consume_challenge(challenge: str, purpose: str, now: datetime) -> Challenge | None:
    """Take a challenge out of the store; ``None`` if unknown, used or expired.

    One ``DELETE ... RETURNING`` in the caller's transaction: of two requests racing
    with one challenge, the second waits for the first's row lock (PostgreSQL) or
    write lock (SQLite) and then deletes nothing. The row is gone whatever happens
    next, so a challenge works at most once even if verification fails.
    """
    # On the session's connection: a table's DELETE needs none of the ORM's bookkeeping.
    row = db.session.connection().execute(_TAKE_BACK, {"challenge": challenge}).first()
    if row is None:
        return None
    taken = Challenge(*row)
    if taken.purpose != purpose or taken.expires_at <= now:
        return None
    return taken


# Everything a sign-in reads, in one query: the passkey, its person and what the answer
# shows of them (roles, and the roles they author, which decide their permissions).
_SIGNING_IN = joinedload(Passkey.person).options(
    joinedload(Person.role), joinedload(Person.future_role), joinedload(Person.authored_roles))


def for_sign_in(credential_id: bytes) -> Passkey | None:
    """The passkey of ``credential_id`` with its person, or ``None`` if none is registered."""
    found: Passkey | None = db.session.scalars(
        select(Passkey).where(Passkey.credential_id == credential_id).options(_SIGNING_IN)
    ).unique().first()
    return found


def record_use(passkey: Passkey, sign_count: int, now: datetime) -> bool:
    """Store the counter an authenticator reported and when it was used; ``False`` if the
    stored counter has meanwhile reached it (another sign-in with the same passkey, or a
    clone of it, got there first).

    One conditional UPDATE in the caller's transaction, so the counter only ever goes
    up even when two sign-ins race: the counter check is the database's, not a read
    made before the other sign-in committed. Authenticators that count nothing say 0
    every time, and that stays allowed, as WebAuthn says.
    """
    table = Passkey.__table__
    counts = (table.c.sign_count == 0) if sign_count == 0 else (table.c.sign_count < sign_count)
    done = db.session.connection().execute(
        update(table).where(table.c.id == passkey.id, counts)
        .values(sign_count=sign_count, last_used_at=now))
    return done.rowcount == 1


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
