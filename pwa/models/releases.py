"""Releases: the stored, noisy snapshots every report reads (see engine/releases.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pwa.extensions import db
from pwa.models.base import UTCDateTime


class Release(db.Model):  # type: ignore[name-defined,misc]
    """One attempt at a release of an organisation's numbers: published, or refused.

    ``sequence`` numbers an organisation's attempts; it is unique, so two
    workers computing at once publish one release, not two (the second insert
    fails and spends nothing). ``rho`` is what it spent (0 when refused);
    ``data`` holds only aggregates: per role its released numbers, never a
    row about a person.
    """

    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("organisation_id", "sequence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # "published" or "refused"
    rho: Mapped[float] = mapped_column(Float)
    epsilon: Mapped[float] = mapped_column(Float)
    delta: Mapped[float] = mapped_column(Float)
    days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
