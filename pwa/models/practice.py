"""Daily practice: each started question's FSRS state, every answer, and finished lessons.

A question of a micro-lesson becomes a learner's practice item the first time they
answer it. ``practice_reviews`` keeps every answer (the event's own id is the key,
so a retried sync stores it once); ``practice_cards`` is what those answers add up
to, replayed in ``occurred_at`` order whenever a late one arrives. Both are the
learner's own: nobody else reads them, and the reports see them only through a
release.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from pwa.extensions import db
from pwa.models.base import UTCDateTime


class PracticeCard(db.Model):  # type: ignore[name-defined,misc]
    """One question of one lesson for one learner, as FSRS has scheduled it."""

    __tablename__ = "practice_cards"
    __table_args__ = (Index("ix_practice_cards_person_due", "person_id", "due"),)

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    question: Mapped[int] = mapped_column(Integer, primary_key=True)  # its place, from 0
    state: Mapped[int] = mapped_column(SmallInteger)  # fsrs.State
    step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stability: Mapped[float | None] = mapped_column(Float, nullable=True)
    difficulty: Mapped[float | None] = mapped_column(Float, nullable=True)
    due: Mapped[datetime] = mapped_column(UTCDateTime)
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reps: Mapped[int] = mapped_column(Integer)
    lapses: Mapped[int] = mapped_column(Integer)


class PracticeReview(db.Model):  # type: ignore[name-defined,misc]
    """One answer to a practice question, as the phone sent it (``card.reviewed``)."""

    __tablename__ = "practice_reviews"
    __table_args__ = (
        Index("ix_practice_reviews_card", "person_id", "item_id", "question", "occurred_at"),
        Index("ix_practice_reviews_item", "item_id", "question"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the event's id
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    question: Mapped[int] = mapped_column(Integer)
    answer: Mapped[list[Any]] = mapped_column(JSON)  # the options chosen, by place
    correct: Mapped[bool] = mapped_column(Boolean)
    hinted: Mapped[bool] = mapped_column(Boolean)
    grade: Mapped[int] = mapped_column(SmallInteger)  # 1 Again, 2 Hard, 3 Good, 4 Easy
    response_ms: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LessonCompletion(db.Model):  # type: ignore[name-defined,misc]
    """A micro-lesson the learner went through to its end (the first time counts)."""

    __tablename__ = "lesson_completions"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str] = mapped_column(String(36))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
