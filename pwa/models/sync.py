"""Events sent by devices, stored once; refused ones kept in the quarantine."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pwa.extensions import db
from pwa.models.base import UTCDateTime


class Event(db.Model):  # type: ignore[name-defined,misc]
    """An event a device sent, stored once (its id is the client's UUID)."""

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    schema: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    device_id: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class QuarantinedEvent(db.Model):  # type: ignore[name-defined,misc]
    """A refused event, kept with its payload and the reason: nothing sent is dropped."""

    __tablename__ = "quarantined_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), nullable=True, index=True
    )
    event_id: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    # What arrived, as escaped ASCII JSON text (pwa.sync.quarantine): any value, both databases.
    payload: Mapped[str] = mapped_column(Text)
    code: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
