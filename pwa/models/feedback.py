"""Learners' feedback on a Success Profile."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pwa.extensions import db
from pwa.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from pwa.models.people import Person, Role
    from pwa.models.profiles import CompetencyIdentity, ProfileVersion


class Feedback(db.Model):  # type: ignore[name-defined,misc]
    """A learner's note that a profile (or one competency of it) is off."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("profile_versions.id"))
    competency_id: Mapped[int | None] = mapped_column(
        ForeignKey("competencies.id"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    replied_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    addressed_in_id: Mapped[int | None] = mapped_column(
        ForeignKey("profile_versions.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    role: Mapped[Role] = relationship()
    version: Mapped[ProfileVersion] = relationship(foreign_keys=[version_id])
    competency: Mapped[CompetencyIdentity | None] = relationship()
    replied_by: Mapped[Person | None] = relationship(foreign_keys=[replied_by_id])
    addressed_in: Mapped[ProfileVersion | None] = relationship(foreign_keys=[addressed_in_id])
