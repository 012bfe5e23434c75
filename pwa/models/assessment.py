"""Self-ratings and submitted self-assessments: owner-only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pwa.extensions import db
from pwa.models.base import UTCDateTime


class Rating(db.Model):  # type: ignore[name-defined,misc]
    """A person's self-rating of one competency at one moment. Owner-only, always."""

    __tablename__ = "ratings"
    __table_args__ = (
        Index("ix_ratings_person_competency_time", "person_id", "competency_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("profile_versions.id"))
    level: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    event_id: Mapped[str] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), unique=True
    )


class LatestRating(db.Model):  # type: ignore[name-defined,misc]
    """Each person's latest rating of each competency: the read model the reports count.

    A copy of one row of ``ratings`` per person and competency (the latest by
    time, then event id), kept by the sync applier in the same transaction as
    the rating itself. Owner-only like the ratings it copies; never shown on its own.
    """

    __tablename__ = "latest_ratings"
    __table_args__ = (
        # The reports group a role's competencies by level and join the people.
        Index("ix_latest_ratings_competency_level", "competency_id", "level", "person_id"),
    )

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           primary_key=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id", ondelete="CASCADE"),
                                               primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The rating's event (no foreign key: ratings go only with their person, and so does this).
    event_id: Mapped[str] = mapped_column(String(36))


class AssessmentSubmission(db.Model):  # type: ignore[name-defined,misc]
    """A learner finished their self-assessment of one profile version."""

    __tablename__ = "assessment_submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("profile_versions.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    event_id: Mapped[str] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), unique=True
    )
