"""The quarantine: every refused event, kept exactly as it arrived, with the reason.

A phone can send any JSON value, including text no database accepts as it is
(a lone surrogate, a NUL on PostgreSQL) and numbers JSON itself forbids (NaN,
Infinity, which Python reads). The payload is therefore kept as JSON text with
every non-ASCII character escaped: plain ASCII that SQLite and PostgreSQL both
store, and that reads back to the very value that arrived.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine import sync as rules
from pwa.extensions import db
from pwa.models import Person, QuarantinedEvent


def as_text(value: Any) -> str:
    """``value`` as escaped ASCII JSON text, losslessly (NaN and lone surrogates included)."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True)


def payload_of(kept: QuarantinedEvent) -> Any:
    """The value that arrived, read back from its text."""
    return json.loads(kept.payload)


def keep(person: Person, raw: Any, refusal: rules.Refusal, now: datetime,
         event_id: Any = None) -> str:
    """Quarantine ``raw`` for ``person``; returns the id to name it by in the answer.

    The id is ``raw``'s own unless ``event_id`` names it (a conflict keeps both versions).
    """
    if event_id is None and isinstance(raw, dict):
        event_id = raw.get("id")
    answer_id = event_id if isinstance(event_id, str) else ("" if event_id is None
                                                            else as_text(event_id))
    db.session.add(QuarantinedEvent(
        person_id=person.id,
        event_id=_short(answer_id) if answer_id else None,
        payload=as_text(raw), code=refusal.code, message=_short(refusal.message, 2000),
        received_at=now))
    return answer_id


def _short(text: str, limit: int = 100) -> str:
    """Text any database stores: escaped where it is not plain text, then cut to ``limit``."""
    try:
        rules.storable(text)
    except rules.Refused:
        text = as_text(text)[1:-1]
    return text[:limit]


def export(person: Person) -> list[dict[str, Any]]:
    """What the person's devices sent that was refused, with the reason.

    ``payload`` is the event as it arrived when it is plain JSON; otherwise
    (NaN, a lone surrogate) ``payload_text`` holds it as escaped JSON text.
    """
    rows = db.session.scalars(select(QuarantinedEvent)
                              .where(QuarantinedEvent.person_id == person.id)
                              .order_by(QuarantinedEvent.received_at, QuarantinedEvent.id))
    out = []
    for q in rows:
        entry: dict[str, Any] = {"event_id": q.event_id, "code": q.code, "message": q.message,
                                 "received_at": q.received_at.isoformat()}
        plain = _plain(q.payload)
        if plain is not None:
            entry["payload"] = plain[0]
        else:
            entry["payload_text"] = q.payload
        out.append(entry)
    return out


def _plain(text: str) -> tuple[Any] | None:
    """The value of ``text`` if it is plain JSON any reader takes as it is, else None."""
    def no_constants(name: str) -> Any:
        raise ValueError(name)

    try:
        value = json.loads(text, parse_constant=no_constants)
        rules.storable(value)
    except (ValueError, rules.Refused):
        return None
    return (value,)
