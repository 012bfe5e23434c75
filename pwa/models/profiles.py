"""Success Profiles: versions of a role's competencies."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pwa.extensions import db
from pwa.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from pwa.models.people import Person, Role


class CompetencyIdentity(db.Model):  # type: ignore[name-defined,misc]
    """The stable identity of a competency across a role's profile versions."""

    __tablename__ = "competencies"
    __table_args__ = (UniqueConstraint("role_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    role: Mapped[Role] = relationship()


class ProfileVersion(db.Model):  # type: ignore[name-defined,misc]
    """One numbered version of a role's Success Profile; immutable once published."""

    __tablename__ = "profile_versions"
    __table_args__ = (UniqueConstraint("role_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    summary: Mapped[str] = mapped_column(Text, default="")
    # Bumped by every save of a draft: two authors never overwrite each other silently.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )

    role: Mapped[Role] = relationship()
    created_by: Mapped[Person | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[Person | None] = relationship(foreign_keys=[updated_by_id])
    published_by: Mapped[Person | None] = relationship(foreign_keys=[published_by_id])
    lines: Mapped[list[VersionCompetency]] = relationship(
        back_populates="version",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="VersionCompetency.position",
        lazy="selectin",
    )


class VersionCompetency(db.Model):  # type: ignore[name-defined,misc]
    """A competency as one profile version words it."""

    __tablename__ = "version_competencies"
    __table_args__ = (UniqueConstraint("version_id", "competency_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("profile_versions.id", ondelete="CASCADE"), index=True
    )
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    group_name: Mapped[str] = mapped_column(String(60))
    levels: Mapped[list[str]] = mapped_column(JSON)
    target: Mapped[int] = mapped_column(Integer)
    importance: Mapped[int] = mapped_column(Integer)

    version: Mapped[ProfileVersion] = relationship(back_populates="lines")
    competency: Mapped[CompetencyIdentity] = relationship(lazy="joined")
