"""Storing and applying a batch of events from a phone, in one transaction.

Each event is checked on its own (``engine.sync``); a refused one goes to the
quarantine with its payload and reason. Accepted events are stored once
(unique on their id) and applied to the read models in the same transaction.
A batch is written with a handful of bulk statements; events go in with
``ON CONFLICT DO NOTHING``, so a batch racing another sync of the same events
applies only what it stored itself: nothing is doubled and nothing is lost.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, select
from sqlalchemy.orm import Session

from engine import sync as rules
from engine.errors import N_
from pwa.extensions import db
from pwa.models import Event, Person
from pwa.models.base import dialect_insert, dialect_name
from pwa.store.batch import Batch, take_turns
from pwa.sync import quarantine
from pwa.sync.events import as_sent
from pwa.sync.registry import Job, registry

# A checked event and what its check found for its apply (its type's own ``P``).
Planned = tuple[rules.Event[rules.Data], object]


@dataclass
class Result:
    """What became of a batch; each refusal keeps its id and its translatable reason.

    ``jobs`` are the follow-ups the accepted events' types ask for, to queue once
    the batch is committed.
    """

    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    refused: list[tuple[str, rules.Refusal]] = field(default_factory=list)
    jobs: set[Job] = field(default_factory=set)

    def to_dict(self, words: Callable[[rules.Refusal], str]) -> dict[str, Any]:
        """The answer to the phone; ``words`` turns a refusal into the person's language."""
        return {"accepted": self.accepted, "duplicates": self.duplicates,
                "refused": [_refused(event_id, refusal, words)
                            for event_id, refusal in self.refused]}


def _refused(event_id: str, refusal: rules.Refusal,
             words: Callable[[rules.Refusal], str]) -> dict[str, Any]:
    """One refused event for the phone; one with several problems lists each, by field."""
    if not refusal.problems:
        return {"id": event_id, "code": refusal.code, "message": words(refusal)}
    each = [words(r) for r in refusal.each()]
    return {"id": event_id, "code": refusal.code, "message": " ".join(each),
            "problems": [{"field": p["field"], "message": m}
                         for p, m in zip(refusal.problems, each, strict=True)]}


def ingest(person: Person, raw_events: list[Any], now: datetime) -> Result:
    """Check, store and apply ``raw_events`` for ``person``; the caller commits."""
    result = Result()
    checked: list[rules.Event[rules.Data]] = []
    first: dict[str, tuple[rules.Event[rules.Data], Any]] = {}  # each id's first in this batch
    events = registry().events
    data_rules = registry().data_rules

    # A later copy of an event in this batch, the same to the letter (a phone that put
    # one event twice in a batch): it gets what its first copy gets.
    copies: list[tuple[str, Any]] = []
    # What refused the first copy of an id, and the stored event it conflicts with if any.
    refusals: dict[str, tuple[rules.Refusal, Any]] = {}

    def refuse(raw: Any, refusal: rules.Refusal, event_id: str | None = None) -> None:
        result.refused.append((quarantine.keep(person, raw, refusal, now, event_id), refusal))

    for raw in raw_events:
        try:
            event = rules.check(_for_me(person, raw), now, data_rules)
        except rules.Refused as refused:
            refuse(raw, refused.refusal)
            continue
        if event.id in first:
            earlier, earlier_raw = first[event.id]
            if _same(earlier, event):
                copies.append((event.id, raw))
            else:
                refuse({"sent": raw, "sent_before": earlier_raw}, CONFLICT, event.id)
            continue
        first[event.id] = (event, raw)
        checked.append(event)
    batch = Batch(person)
    planned: list[Planned] = []
    rank = {name: n for n, name in enumerate(events)}  # the registry's order, at one instant
    for event in rules.order(checked, rank):
        try:
            planned.append((event, events[event.type].check(batch, event)))
        except rules.Refused as refused:
            refuse(first[event.id][1], refused.refusal)
            refusals[event.id] = (refused.refusal, None)
    stored_now = _write(person, planned, now, result.jobs)
    # An id not stored now was stored before: a re-sent event (a duplicate), the same id
    # with another payload (a conflict), or, if it is someone else's, an id this device
    # may not use.
    before = {row.id: row for row in db.session.scalars(select(Event).where(
        Event.id.in_([e.id for e, _ in planned if e.id not in stored_now])))} \
        if len(stored_now) < len(planned) else {}
    for event, _ in planned:
        stored = before.get(event.id)
        if event.id in stored_now:
            result.accepted.append(event.id)
        elif stored is None or stored.person_id != person.id:
            refuse(first[event.id][1], TAKEN)
            refusals[event.id] = (TAKEN, None)
        elif _same_as_stored(stored, event):
            result.duplicates.append(event.id)
        else:
            refuse({"sent": first[event.id][1], "stored": as_sent(stored)}, CONFLICT,
                   event.id)
            refusals[event.id] = (CONFLICT, as_sent(stored))
    for event_id, raw in copies:  # stored (now or before): a duplicate; else refused again
        refused_first = refusals.get(event_id)
        if refused_first is None:
            result.duplicates.append(event_id)
        elif refused_first[1] is None:
            refuse(raw, refused_first[0])
        else:
            refuse({"sent": raw, "stored": refused_first[1]}, refused_first[0], event_id)
    position = {event.id: index for index, event in enumerate(checked)}
    result.accepted.sort(key=position.__getitem__)  # answer in the order they came
    result.duplicates.sort(key=position.__getitem__)
    return result


TAKEN = rules.Refusal("id_taken", N_("This event id belongs to someone else's event."))
CONFLICT = rules.Refusal("id_conflict", N_(
    "An event with this id was already saved with different content; the first one stands."))


def _same(a: rules.Event[rules.Data], b: rules.Event[rules.Data]) -> bool:
    """The same event sent again: every field but the id equal (a moment is an instant)."""
    return (a.type, a.schema, a.occurred_at, a.device_id, a.data) == \
        (b.type, b.schema, b.occurred_at, b.device_id, b.data)


def _same_as_stored(row: Event, event: rules.Event[rules.Data]) -> bool:
    """:func:`_same` against a stored event, whose data is stored as its ``to_dict``."""
    return (row.type, row.schema, row.occurred_at, row.device_id, row.data) == \
        (event.type, event.schema, event.occurred_at, event.device_id, event.data.to_dict())


def _for_me(person: Person, raw: Any) -> Any:
    """An event acts only for the signed-in person; one that names another is refused."""
    if isinstance(raw, dict) and "person_id" in raw:
        if raw["person_id"] != person.id:
            raise rules.Refused("wrong_person",
                                N_("This event belongs to another person and was not applied."))
        raw = {k: v for k, v in raw.items() if k != "person_id"}
    return raw


def _write(person: Person, planned: list[Planned], now: datetime, jobs: set[Job]) -> set[str]:
    """Store the events (once each) and apply those stored now; returns their ids.

    The follow-ups of each type applied now are added to ``jobs``.
    """
    if not planned:
        return set()
    inserted = _insert_new_events([
        {"id": e.id, "person_id": person.id, "type": e.type, "schema": e.schema,
         "occurred_at": e.occurred_at, "received_at": now, "device_id": e.device_id,
         "data": e.data.to_dict()} for e, _ in planned])
    applied: dict[str, list[Planned]] = {}  # by type, each in time order
    for e, plan in planned:
        if e.id in inserted:
            applied.setdefault(e.type, []).append((e, plan))
    if applied:
        # The appliers read what earlier events left (a question's state, the settings) and
        # write what follows: another sync of this person waits here until this one commits.
        take_turns(person)
    for type_, event_type in registry().events.items():
        mine = applied.get(type_)
        if mine:
            event_type.apply(person, mine)
            jobs.update(follow_up(person) for follow_up in event_type.jobs)
    return inserted


def _insert_new_events(rows: list[dict[str, Any]]) -> set[str]:
    """INSERT ... ON CONFLICT (id) DO NOTHING; returns the ids this insert stored.

    Two syncs of the same outbox at once (two tabs, a retry racing the first
    try) then store each event once, with no savepoints and no retries. The
    rows go in as one ``executemany`` with neither RETURNING nor a look-up
    first: a statement carrying a hundred rows' values costs the driver more
    than the rows do, and a look-up by a hundred ids is a query more (one whose
    plan PostgreSQL may have made while the table was small). The count of rows
    written says whether every id was new, as it almost always is.

    When some were not, an id the insert skipped is held by a row that another
    sync committed (an insert that meets another's uncommitted row waits for it
    to end) or that an earlier batch of this same transaction stored (a caller
    may ingest several before it commits). The first are read on a connection
    outside this transaction, which sees nothing this one wrote; the second are
    counted as they are stored. Nobody else can commit one of the ids this insert
    stored before this transaction ends, so the rest are exactly those.
    """
    session = db.session()
    statements = _statements(dialect_name())
    written = cast(CursorResult[Any], session.execute(statements.insert, rows)).rowcount
    ids = {row["id"] for row in rows}
    earlier = _stored_in(session)
    if written != len(ids):
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            ids -= set(conn.scalars(statements.committed, {"ids": list(ids)}))
        ids -= earlier
    earlier |= ids
    return ids


_STORED = "skillpath_stored_events"  # session info: (its transaction, the ids ingest stored)


def _stored_in(session: Session) -> set[str]:
    """The ids ingest stored in the session's transaction so far (a set to add to), kept
    in the session's info; a new transaction starts an empty one."""
    transaction = session.get_transaction()
    kept = session.info.get(_STORED)
    if kept is None or kept[0]() is not transaction:
        kept = session.info[_STORED] = (weakref.ref(transaction), set())
    stored: set[str] = kept[1]
    return stored


@dataclass(frozen=True)
class _Statements:
    """What storing events executes, built once per database dialect."""

    insert: Any
    committed: Any


@cache
def _statements(dialect: str) -> _Statements:
    events = Event.__table__
    return _Statements(
        # The count of rows written is read once the cursor is closed: kept, as not every
        # driver keeps it then.
        insert=dialect_insert(events, dialect).on_conflict_do_nothing(index_elements=["id"])
        .execution_options(preserve_rowcount=True),
        committed=select(events.c.id).where(events.c.id.in_(bindparam("ids", expanding=True))))
