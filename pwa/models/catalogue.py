"""The learning catalogue: items and their immutable revisions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pwa.extensions import db
from pwa.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from pwa.models.profiles import CompetencyIdentity


class Item(db.Model):  # type: ignore[name-defined,misc]
    """A catalogue learning item; its content lives in immutable revisions."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("organisation_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(80))
    current_revision: Mapped[int] = mapped_column(Integer, default=1)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    revisions: Mapped[list[ItemRevision]] = relationship(
        back_populates="item", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ItemRevision.revision",
    )


class ItemRevision(db.Model):  # type: ignore[name-defined,misc]
    """One immutable revision of an item: what it is, whom it suits, its cards and questions."""

    __tablename__ = "item_revisions"
    __table_args__ = (UniqueConstraint("item_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(160))
    format: Mapped[str] = mapped_column(String(40), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(16), default="en")
    level_from: Mapped[int] = mapped_column(Integer)
    level_to: Mapped[int] = mapped_column(Integer)
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # What the item costs per learner, in minor units of the organisation's currency.
    fee_cents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cards: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )

    item: Mapped[Item] = relationship(back_populates="revisions")
    competencies: Mapped[list[CompetencyIdentity]] = relationship(
        secondary="item_competencies", order_by="CompetencyIdentity.id"
    )


class ItemCompetency(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "item_competencies"

    item_revision_id: Mapped[int] = mapped_column(
        ForeignKey("item_revisions.id", ondelete="CASCADE"), primary_key=True
    )
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ItemTranslation(db.Model):  # type: ignore[name-defined,misc]
    """An item revision's text in another language, written by L&D beside the original.

    Not a revision: the item's meaning, its answer key and every learner's practice stay
    the revision's. ``source`` holds the original's words each part was translated from
    (``engine.catalogue.original_texts``); a part whose original has changed since is out
    of date, and learners are shown the original instead. A new revision of the item
    carries its translations forward with their sources, so what changed shows as out of
    date. ``version`` moves with every save: the translated content's address names it.
    """

    __tablename__ = "item_translations"
    __table_args__ = (UniqueConstraint("item_revision_id", "locale"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_revision_id: Mapped[int] = mapped_column(
        ForeignKey("item_revisions.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(String(16))  # a language subtag: "es"
    title: Mapped[str] = mapped_column(String(160), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    cards: Mapped[list[str]] = mapped_column(JSON, default=list)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    source: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    made_from_revision: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True)

    revision: Mapped[ItemRevision] = relationship()
