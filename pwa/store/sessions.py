"""Sessions: the signed-in devices of a person, started, found, touched and ended.

A session is a row here; ending one deletes its row. Whether a row still
stands is judged by ``engine.sessions`` (idle and absolute lifetimes); a row
found past them is deleted as it is found. The caller commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, delete, select
from sqlalchemy.orm import joinedload

from engine import sessions as rules
from engine.errors import N_, NotFound
from pwa.extensions import db
from pwa.models import Person, Session, as_dict
from pwa.store import bundles

_TABLE = Session.__table__
_START = _TABLE.insert().returning(_TABLE.c.id)
_END = (_TABLE.delete().where(_TABLE.c.id == bindparam("session_id"))
        .returning(_TABLE.c.person_id))


def start(person_id: int, passkey_id: int, user_agent: str | None, now: datetime) -> int:
    """A new session for the person ``person_id``, opened with the passkey ``passkey_id`` on
    the device of ``user_agent``; its id. One INSERT on the session's connection: a sign-in
    needs only the id."""
    device = rules.describe(user_agent)
    return int(db.session.connection().execute(_START, {
        "person_id": person_id, "passkey_id": passkey_id, "browser": device.browser,
        "os": device.os, "created_at": now, "last_seen_at": now}).scalar_one())


# The person, their roles and organisation come with a session: every signed-in request
# reads them (the bootstrap's ETag, the organisation's counter). Also the options of the
# session record's joined read (``pwa.session``).
WITH_PERSON = [joinedload(Session.person).options(joinedload(Person.role),
                                                 joinedload(Person.future_role),
                                                 joinedload(Person.organisation))]


def standing(session_id: int, now: datetime, lifetimes: rules.Lifetimes) -> Session | None:
    """The session ``session_id`` if it still stands at ``now``, its use recorded.

    ``None`` when it was ended (signed out, its passkey removed, the account
    deleted) or has just run out, in which case its row is deleted now.
    """
    return still_standing(db.session.get(Session, session_id, options=WITH_PERSON), now,
                          lifetimes)


def still_standing(row: Session | None, now: datetime,
                   lifetimes: rules.Lifetimes) -> Session | None:
    """``row``, a session loaded in this transaction (``None``: none was found), as
    ``standing`` judges it: its use recorded, or deleted if it has just run out."""
    if row is None:
        return None
    if rules.has_ended(_state(row), now, lifetimes):
        db.session.delete(row)
        return None
    if rules.needs_touch(_state(row), now):
        row.last_seen_at = now
    return row


def of_person(person: Person, now: datetime, lifetimes: rules.Lifetimes) -> list[Session]:
    """``person``'s standing sessions, last used first; those that ran out are deleted."""
    rows = db.session.scalars(
        select(Session).where(Session.person_id == person.id)
        .order_by(Session.last_seen_at.desc(), Session.id.desc())
    ).all()
    standing_rows = []
    for row in rows:
        if rules.has_ended(_state(row), now, lifetimes):
            db.session.delete(row)
        else:
            standing_rows.append(row)
    return standing_rows


def end(session_id: int) -> None:
    """End one session, whoever's it is (signing out of this device).

    Its device's push subscription goes with it (ON DELETE CASCADE): the person's other
    devices list it no more."""
    bundles.people(db.session.connection().execute(
        _END, {"session_id": session_id}).scalars())


def end_own(person: Person, session_id: int) -> Session:
    """End one of ``person``'s sessions; another person's is as unknown as a missing one."""
    row = db.session.get(Session, session_id)
    if row is None or row.person_id != person.id:
        raise NotFound(N_("That device is not signed in."))
    db.session.delete(row)
    return row


def end_others(person: Person, keep: int | None) -> int:
    """End every session of ``person`` but ``keep``; how many ended."""
    query = delete(Session).where(Session.person_id == person.id)
    if keep is not None:
        query = query.where(Session.id != keep)
    ended = cast(CursorResult[Any], db.session.execute(query)).rowcount
    if ended:
        bundles.people([person.id])  # their devices' push subscriptions went with them
    return ended


def export(person: Person) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(Session).where(Session.person_id == person.id).order_by(Session.created_at)
    ).all()
    return [{**as_dict(s, "browser", "os", "created_at", "last_seen_at"),
             "passkey": s.passkey.name} for s in rows]


def _state(row: Session) -> rules.SessionState:
    return rules.SessionState(created_at=row.created_at, last_seen_at=row.last_seen_at)
