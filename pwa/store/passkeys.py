"""Passkeys and the WebAuthn challenges handed to browsers.

A registration's challenge is stored when it is handed out (it is bound to the
invite or the person it was started for) and taken back when it is answered. A
sign-in's is not stored until it is answered: it carries the moment it was made,
signed with the app's secret key (itsdangerous), so asking for sign-in options writes
nothing, and the one transaction of a sign-in, its verify, records it as used. Either way a
challenge works once, for a few minutes.
"""

from __future__ import annotations

import binascii
import hashlib
import secrets
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, TimestampSigner
from sqlalchemy import bindparam, delete, select

from engine import people as people_rules
from engine import profiles as profile_rules
from engine.errors import N_, NotFound
from pwa.extensions import db
from pwa.models import Passkey, Person, Role, RoleAuthor, WebAuthnChallenge, as_dict
from pwa.models.base import dialect_insert, dialect_name
from pwa.store import people, role_words

SIGN_IN = "authenticate"  # a sign-in challenge's purpose, as a used one is recorded


@dataclass(frozen=True)
class Challenge:
    """A challenge taken back from the store: what it was handed out for, and to whom."""

    challenge: str
    purpose: str
    person_id: int | None
    invite_id: int | None
    expires_at: datetime


_CHALLENGES = WebAuthnChallenge.__table__

# When this process last swept out expired challenges. Expired rows do no harm (a
# challenge is checked for expiry when used), so the sweep is done now and then, not on
# each sign-in: at most once per challenge lifetime (a minute at least) per process.
_last_sweep: datetime | None = None
_MIN_SWEEP = timedelta(minutes=1)
# A used sign-in challenge is kept a minute past its expiry: app servers whose clocks
# differ a little then never forget one that another still takes for unexpired.
_KEPT_PAST_EXPIRY = timedelta(minutes=1)


def _ttl() -> timedelta:
    return timedelta(seconds=current_app.config["SKILLPATH_CHALLENGE_TTL_SECONDS"])


def sweep_challenges(now: datetime) -> bool:
    """Delete the expired challenges, if this process has not done so for a while;
    whether it did (then the caller has something to commit)."""
    global _last_sweep
    if _last_sweep is not None and _last_sweep <= now < _last_sweep + max(_ttl(), _MIN_SWEEP):
        return False  # (a clock that went back, as in tests, sweeps)
    db.session.execute(delete(WebAuthnChallenge)
                       .where(WebAuthnChallenge.expires_at < now - _KEPT_PAST_EXPIRY))
    _last_sweep = now
    return True


def issue_challenge(
    challenge: str, purpose: str, now: datetime, *, person_id: int | None = None,
    invite_id: int | None = None,
) -> None:
    """Remember a registration's challenge we handed out; stale ones are swept now and then."""
    sweep_challenges(now)
    db.session.add(
        WebAuthnChallenge(
            challenge=challenge,
            purpose=purpose,
            person_id=person_id,
            invite_id=invite_id,
            created_at=now,
            expires_at=now + _ttl(),
        )
    )


# A sign-in challenge: 16 random bytes (URL-safe text) signed with the time it was made,
# under the app's secret key, by itsdangerous (what Flask signs its own cookies with).
_NONCE = 16
_SALT = "skillpath sign-in challenge"  # what else the secret key signs never reads as one


class _SignedAt(TimestampSigner):
    """A signer whose clock is the app's (``pwa.clock``, offset and all), at ``now``."""

    def __init__(self, now: datetime) -> None:
        key = current_app.secret_key  # always set: create_app refuses to start without one
        if not key:
            raise RuntimeError("no SECRET_KEY to sign a sign-in challenge with")
        super().__init__(key, salt=_SALT, digest_method=hashlib.sha256)
        self._now = now

    def get_timestamp(self) -> int:
        return int(self._now.timestamp())


def sign_in_challenge(now: datetime) -> bytes:
    """A new sign-in challenge, valid for the challenge lifetime from ``now``.

    Nothing is stored: its signature proves we made it, and when. ``use_sign_in_challenge``
    records it as used, in the sign-in's transaction.
    """
    return _SignedAt(now).sign(secrets.token_urlsafe(_NONCE))


_USED: dict[str, Any] = {}


def _used_marker() -> Any:
    """INSERT of a used sign-in challenge that inserts nothing if it is there already:
    built once per dialect."""
    dialect = dialect_name()
    found = _USED.get(dialect)
    if found is None:
        found = _USED[dialect] = (
            dialect_insert(_CHALLENGES, dialect)
            .values(challenge=bindparam("challenge"), purpose=SIGN_IN,
                    created_at=bindparam("now"), expires_at=bindparam("expires_at"))
            .on_conflict_do_nothing(index_elements=[_CHALLENGES.c.challenge])
            .returning(_CHALLENGES.c.id))
    return found


def use_sign_in_challenge(challenge: str, now: datetime) -> Challenge | None:
    """Check a sign-in challenge's signature and expiry, and record it as used; ``None`` if it
    is not one of ours, has expired or was used before.

    The record is one ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` in the caller's
    transaction: of two requests racing with one challenge, the second waits for the
    first's (PostgreSQL: its row's unique key; SQLite: its write lock) and then inserts
    nothing. The record stays until the challenge expires, so it works at most once.
    """
    try:
        raw = urlsafe_b64decode(challenge + "=" * (-len(challenge) % 4))
        _, signed_at = _SignedAt(now).unsign(raw, return_timestamp=True)
    except (binascii.Error, ValueError, BadSignature):
        return None
    expires_at = signed_at + _ttl()
    if expires_at <= now:
        return None
    canonical = urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    used = db.session.connection().execute(_used_marker(), {
        "challenge": canonical, "now": now, "expires_at": expires_at}).first()
    if used is None:
        return None
    return Challenge(canonical, SIGN_IN, None, None, expires_at)


_TAKE_BACK = (_CHALLENGES.delete().where(_CHALLENGES.c.challenge == bindparam("challenge"))
              .returning(_CHALLENGES.c.challenge, _CHALLENGES.c.purpose,
                         _CHALLENGES.c.person_id, _CHALLENGES.c.invite_id,
                         _CHALLENGES.c.expires_at))


def consume_challenge(challenge: str, purpose: str, now: datetime) -> Challenge | None:
    """Take a registration's challenge out of the store; ``None`` if unknown, used or
    expired.

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


@dataclass(frozen=True)
class SigningIn:
    """A passkey presented to sign in, and what the answer shows of its person."""

    passkey_id: int
    person_id: int
    public_key: bytes
    sign_count: int
    user_handle: bytes
    summary: dict[str, Any]


# Everything a sign-in reads, in one statement built once: the passkey, its person, their
# roles and the roles they author (which decide their permissions; one row for each, or
# one row with none). Plain rows, no ORM objects: nothing of them is changed or kept.
_PASSKEYS, _PEOPLE, _AUTHORS = Passkey.__table__, Person.__table__, RoleAuthor.__table__
_ROLE, _FUTURE = Role.__table__.alias("role"), Role.__table__.alias("future_role")
_SIGNING_IN = (
    select(_PASSKEYS.c.id, _PASSKEYS.c.person_id, _PASSKEYS.c.public_key,
           _PASSKEYS.c.sign_count, _PEOPLE.c.user_handle, _PEOPLE.c.display_name,
           _PEOPLE.c.site, _PEOPLE.c.time_zone, _PEOPLE.c.locale, _PEOPLE.c.is_ld_admin,
           _PEOPLE.c.role_id, _ROLE.c.slug.label("role_slug"),
           _ROLE.c.name.label("role_name"), _PEOPLE.c.future_role_id,
           _FUTURE.c.slug.label("future_slug"), _FUTURE.c.name.label("future_name"),
           _AUTHORS.c.role_id.label("authored_role_id"))
    .join(_PEOPLE, _PEOPLE.c.id == _PASSKEYS.c.person_id)
    .join(_ROLE, _ROLE.c.id == _PEOPLE.c.role_id)
    .outerjoin(_FUTURE, _FUTURE.c.id == _PEOPLE.c.future_role_id)
    .outerjoin(_AUTHORS, _AUTHORS.c.person_id == _PEOPLE.c.id)
    .where(_PASSKEYS.c.credential_id == bindparam("credential_id")))


def for_sign_in(credential_id: bytes) -> SigningIn | None:
    """The passkey of ``credential_id`` with its person, or ``None`` if none is registered."""
    rows = db.session.connection().execute(_SIGNING_IN, {"credential_id": credential_id}).all()
    if not rows:
        return None
    row = rows[0]
    facts = people_rules.PersonFacts(
        is_ld_admin=row.is_ld_admin,
        authored_role_ids=frozenset(r.authored_role_id for r in rows
                                    if r.authored_role_id is not None))
    # The roles' names in the person's language: one more query only for a reader of a
    # language their authors translate into.
    named = role_words.names(
        {(row.role_id, row.role_name),
         *([(row.future_role_id, row.future_name)] if row.future_slug else [])},
        profile_rules.reading_language(row.locale))
    return SigningIn(
        passkey_id=row.id, person_id=row.person_id, public_key=row.public_key,
        sign_count=row.sign_count, user_handle=row.user_handle,
        summary=people.summary(
            id=row.person_id, display_name=row.display_name,
            role=named[row.role_id].to_dict(row.role_slug),
            future_role=named[row.future_role_id].to_dict(row.future_slug)
            if row.future_slug else None,
            site=row.site, time_zone=row.time_zone, locale=row.locale, facts=facts))


_COUNTED = _PASSKEYS.update().where(
    _PASSKEYS.c.id == bindparam("passkey_id"),
    _PASSKEYS.c.sign_count < bindparam("counted")).values(
    sign_count=bindparam("counted"), last_used_at=bindparam("now"))
_UNCOUNTED = _PASSKEYS.update().where(
    _PASSKEYS.c.id == bindparam("passkey_id"), _PASSKEYS.c.sign_count == 0).values(
    last_used_at=bindparam("now"))


def record_use(passkey_id: int, sign_count: int, now: datetime) -> bool:
    """Store the counter an authenticator reported and when it was used; ``False`` if the
    stored counter has meanwhile reached it (another sign-in with the same passkey, or a
    clone of it, got there first).

    One conditional UPDATE in the caller's transaction, so the counter only ever goes
    up even when two sign-ins race: the counter check is the database's, not a read
    made before the other sign-in committed. Authenticators that count nothing say 0
    every time, and that stays allowed, as WebAuthn says.
    """
    done = db.session.connection().execute(
        _UNCOUNTED if sign_count == 0 else _COUNTED,
        {"passkey_id": passkey_id, "counted": sign_count, "now": now})
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
