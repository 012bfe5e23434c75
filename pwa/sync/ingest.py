"""Storing and applying a batch of events from a phone, in one transaction.

Each event is checked on its own (``engine.sync``); a refused one goes to the
quarantine with its payload and reason. Accepted events are stored once
(unique on their id) and applied to the read models in the same transaction.
A batch is written with a handful of bulk statements; events go in with
``ON CONFLICT DO NOTHING``, so a batch racing another sync of the same events
applies only what it stored itself: nothing is doubled and nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from engine import sync as rules
from engine.errors import N_
from pwa.extensions import db
from pwa.models import Event, Person, QuarantinedEvent, Role
from pwa.store import profiles
from pwa.sync.registry import registry


@dataclass
class Result:
    """What became of a batch; each refusal keeps its id and its translatable reason."""

    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    refused: list[tuple[str, rules.Refusal]] = field(default_factory=list)

    def to_dict(self, words: Callable[[rules.Refusal], str]) -> dict[str, Any]:
        """The answer to the phone; ``words`` turns a refusal into the person's language."""
        return {"accepted": self.accepted, "duplicates": self.duplicates,
                "refused": [{"id": event_id, "code": refusal.code, "message": words(refusal)}
                            for event_id, refusal in self.refused]}


class Batch:
    """What the checks of one batch share: the person, and lookups made once per batch.

    A published version never changes, so what it maps (competency key to id)
    is kept for the life of the app process: most batches then cost no lookup.
    """

    def __init__(self, person: Person) -> None:
        self.person = person
        self._roles: dict[str, Role] | None = None
        cache = current_app.extensions.setdefault("skillpath_published_versions", {})
        self.versions: dict[tuple[int, str, int], tuple[int, dict[str, int]] | None] = cache

    @property
    def roles(self) -> dict[str, Role]:
        if self._roles is None:
            self._roles = {r.slug: r for r in db.session.scalars(
                select(Role).where(Role.organisation_id == self.person.organisation_id))}
        return self._roles

    def role(self, slug: str) -> Role:
        found = self.roles.get(slug)
        if found is None:
            raise rules.Refused("unknown_role", N_("There is no role '%(slug)s'."), slug=slug)
        return found

    def version(self, role_slug: str, number: int) -> tuple[int, dict[str, int]]:
        """A published version's id and its competency ids by key, or Refused."""
        key = (self.person.organisation_id, role_slug, number)
        if self.versions.get(key) is None:
            role = self.roles.get(role_slug)
            if role is not None:
                found = profiles.published_competency_ids(role, number)
                if found is not None:
                    self.versions[key] = found  # published versions never change
        found = self.versions.get(key)
        if found is None:
            raise rules.Refused("unknown_version",
                                N_("'%(role)s' has no published version %(number)s."),
                                role=role_slug, number=number)
        return found


def ingest(person: Person, raw_events: list[Any], now: datetime) -> Result:
    """Check, store and apply ``raw_events`` for ``person``; the caller commits."""
    result = Result()
    checked: list[rules.Event] = []
    seen: set[str] = set()
    events = registry().events
    data_rules = registry().data_rules
    for raw in raw_events:
        try:
            event = rules.check(_for_me(person, raw), now, data_rules)
        except rules.Refused as refused:
            _quarantine(person, raw, refused.refusal, now, result)
            continue
        if event.id in seen:
            result.duplicates.append(event.id)
            continue
        seen.add(event.id)
        checked.append(event)
    batch = Batch(person)
    planned: list[tuple[rules.Event, dict[str, Any]]] = []
    for event in rules.order(checked):
        try:
            planned.append((event, events[event.type].check(batch, event)))
        except rules.Refused as refused:
            _quarantine(person, _raw(event), refused.refusal, now, result)
    stored_now = _write(person, planned, now)
    # An id not stored now was stored before: a re-sent event (a duplicate), or, if it
    # is someone else's, an id this device may not use.
    earlier = [e for e, _ in planned if e.id not in stored_now]
    owners = dict(db.session.execute(
        select(Event.id, Event.person_id).where(Event.id.in_([e.id for e in earlier]))
    ).all()) if earlier else {}
    for event, _ in planned:
        if event.id in stored_now:
            result.accepted.append(event.id)
        elif owners.get(event.id) == person.id:
            result.duplicates.append(event.id)
        else:
            _quarantine(person, _raw(event), rules.Refusal(
                "id_taken", N_("This event id belongs to someone else's event.")), now, result)
    position = {event.id: index for index, event in enumerate(checked)}
    result.accepted.sort(key=position.__getitem__)  # answer in the order they came
    result.duplicates.sort(key=position.__getitem__)
    return result


def _for_me(person: Person, raw: Any) -> Any:
    """An event acts only for the signed-in person; one that names another is refused."""
    if isinstance(raw, dict) and "person_id" in raw:
        if raw["person_id"] != person.id:
            raise rules.Refused("wrong_person",
                                N_("This event belongs to another person and was not applied."))
        raw = {k: v for k, v in raw.items() if k != "person_id"}
    return raw


def _write(person: Person, planned: list[tuple[rules.Event, dict[str, Any]]],
           now: datetime) -> set[str]:
    """Store the events (once each) and apply those stored now; returns their ids."""
    if not planned:
        return set()
    inserted = _insert_new_events([
        {"id": e.id, "person_id": person.id, "type": e.type, "schema": e.schema,
         "occurred_at": e.occurred_at, "received_at": now, "device_id": e.device_id,
         "data": e.data} for e, _ in planned])
    applied = [(e, plan) for e, plan in planned if e.id in inserted]
    for type_, event_type in registry().events.items():
        mine = [(e, plan) for e, plan in applied if e.type == type_]
        if mine:
            event_type.apply(person, mine)
    return inserted


def _insert_new_events(rows: list[dict[str, Any]]) -> set[str]:
    """INSERT ... ON CONFLICT (id) DO NOTHING RETURNING id, in one round trip.

    Two syncs of the same outbox at once (two tabs, a retry racing the first
    try) then store each event once, with no savepoints and no retries.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = db.session.get_bind().dialect.name
    statement: Any
    if dialect == "postgresql":
        statement = postgresql.insert(Event).on_conflict_do_nothing(index_elements=["id"])
    elif dialect == "sqlite":
        statement = sqlite.insert(Event).on_conflict_do_nothing(index_elements=["id"])
    else:  # SQLite and PostgreSQL are the supported databases
        raise RuntimeError(f"unsupported database: {dialect}")
    return set(db.session.scalars(statement.returning(Event.id), rows))


def _quarantine(person: Person, raw: Any, refusal: rules.Refusal, now: datetime,
                result: Result) -> None:
    event_id = raw.get("id") if isinstance(raw, dict) else None
    event_id = str(event_id)[:100] if event_id is not None else None
    db.session.add(QuarantinedEvent(person_id=person.id, event_id=event_id, payload=raw,
                                    code=refusal.code, message=refusal.message,
                                    received_at=now))
    result.refused.append((event_id or "", refusal))


def _raw(event: rules.Event) -> dict[str, Any]:
    return {"id": event.id, "type": event.type, "schema": event.schema,
            "occurred_at": event.occurred_at.isoformat(), "device_id": event.device_id,
            "data": event.data}


def export_events(person: Person) -> list[dict[str, Any]]:
    """Every event the person's devices sent, as it arrived."""
    rows = db.session.scalars(select(Event).where(Event.person_id == person.id)
                              .order_by(Event.occurred_at, Event.id))
    return [{"id": e.id, "type": e.type, "schema": e.schema,
             "occurred_at": e.occurred_at.isoformat(), "received_at": e.received_at.isoformat(),
             "device_id": e.device_id, "data": e.data} for e in rows]


def export_quarantine(person: Person) -> list[dict[str, Any]]:
    """What the person's devices sent that was refused, with the reason."""
    rows = db.session.scalars(select(QuarantinedEvent)
                              .where(QuarantinedEvent.person_id == person.id)
                              .order_by(QuarantinedEvent.received_at, QuarantinedEvent.id))
    return [{"event_id": q.event_id, "payload": q.payload, "code": q.code,
             "message": q.message, "received_at": q.received_at.isoformat()} for q in rows]
