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
from pwa.models import Event, Person, Role
from pwa.models.base import dialect_insert
from pwa.store import profiles
from pwa.sync import quarantine
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
        self.scratch: dict[Any, Any] = {}  # what a concept's checks learn once per batch
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
    first: dict[str, tuple[rules.Event, Any]] = {}  # each id's first event in this batch
    events = registry().events
    data_rules = registry().data_rules

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
                result.duplicates.append(event.id)
            else:
                refuse({"sent": raw, "sent_before": earlier_raw}, CONFLICT, event.id)
            continue
        first[event.id] = (event, raw)
        checked.append(event)
    batch = Batch(person)
    planned: list[tuple[rules.Event, dict[str, Any]]] = []
    rank = {name: n for n, name in enumerate(events)}  # the registry's order, at one instant
    for event in rules.order(checked, rank):
        try:
            planned.append((event, events[event.type].check(batch, event)))
        except rules.Refused as refused:
            refuse(first[event.id][1], refused.refusal)
    stored_now = _write(person, planned, now)
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
            refuse(first[event.id][1], rules.Refusal(
                "id_taken", N_("This event id belongs to someone else's event.")))
        elif _same(_checked(stored), event):
            result.duplicates.append(event.id)
        else:
            refuse({"sent": first[event.id][1], "stored": _as_sent(stored)}, CONFLICT,
                   event.id)
    position = {event.id: index for index, event in enumerate(checked)}
    result.accepted.sort(key=position.__getitem__)  # answer in the order they came
    result.duplicates.sort(key=position.__getitem__)
    return result


CONFLICT = rules.Refusal("id_conflict", N_(
    "An event with this id was already saved with different content; the first one stands."))


def _same(a: rules.Event, b: rules.Event) -> bool:
    """The same event sent again: every field but the id equal (a moment is an instant)."""
    return (a.type, a.schema, a.occurred_at, a.device_id, a.data) == \
        (b.type, b.schema, b.occurred_at, b.device_id, b.data)


def _checked(row: Event) -> rules.Event:
    return rules.Event(row.id, row.type, row.schema, row.occurred_at, row.device_id, row.data)


def _as_sent(row: Event) -> dict[str, Any]:
    """A stored event as a phone sends it (the export adds when it arrived)."""
    return {"id": row.id, "type": row.type, "schema": row.schema,
            "occurred_at": row.occurred_at.isoformat(), "device_id": row.device_id,
            "data": row.data}


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
    statement = dialect_insert(Event).on_conflict_do_nothing(index_elements=["id"])
    return set(db.session.scalars(statement.returning(Event.id), rows))


def export_events(person: Person) -> list[dict[str, Any]]:
    """Every event the person's devices sent, as it arrived."""
    rows = db.session.scalars(select(Event).where(Event.person_id == person.id)
                              .order_by(Event.occurred_at, Event.id))
    return [{**_as_sent(e), "received_at": e.received_at.isoformat()} for e in rows]
