"""A person's event log: every event their devices sent and the server stored, as sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pwa.extensions import db
from pwa.models import Event, Person


def as_sent(row: Event) -> dict[str, Any]:
    """A stored event as a phone sends it (the export adds when it arrived)."""
    return {"id": row.id, "type": row.type, "schema": row.schema,
            "occurred_at": row.occurred_at.isoformat(), "device_id": row.device_id,
            "data": row.data}


def export(person: Person) -> list[dict[str, Any]]:
    """Every event the person's devices sent, as it arrived: their part of "Download my data"."""
    rows = db.session.scalars(select(Event).where(Event.person_id == person.id)
                              .order_by(Event.occurred_at, Event.id))
    return [{**as_sent(e), "received_at": e.received_at.isoformat()} for e in rows]
