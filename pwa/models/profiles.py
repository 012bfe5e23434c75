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


class ProfileTranslation(db.Model):  # type: ignore[name-defined,misc]
    """A competency of one profile version in another language, written by the role's
    authors: its words (``texts``, by field: ``name``, ``description``, ``group``,
    ``level 1`` ... ``level 5``; an empty one is not translated) and the original's words
    each was translated from (``source``), so a changed original marks it out of date.

    Per version line (the version and the competency name one line) and language. Not part
    of what a version means: editable on a published version (``engine.profiles``)."""

    __tablename__ = "profile_translations"
    __table_args__ = (UniqueConstraint("version_id", "competency_id", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("profile_versions.id", ondelete="CASCADE"), index=True)
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competencies.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(16))
    texts: Mapped[dict[str, str]] = mapped_column(JSON)
    source: Mapped[dict[str, str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    competency: Mapped[CompetencyIdentity] = relationship(lazy="joined")


class RoleTranslation(db.Model):  # type: ignore[name-defined,misc]
    """A role's name and short description in another language, written by its authors on
    the same page as its profile's translation: the words (``texts``, by field: ``name``,
    ``description``; an empty one is not translated) and the original's words each was
    translated from (``source``), so a renamed role's translation shows as out of date.

    Per role and language: a role's name is not versioned, as its profile is."""

    __tablename__ = "role_translations"
    __table_args__ = (UniqueConstraint("role_id", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(16))
    texts: Mapped[dict[str, str]] = mapped_column(JSON)
    source: Mapped[dict[str, str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
