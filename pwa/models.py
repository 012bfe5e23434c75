"""Database models. The schema is created and changed only by migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pwa.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Organisation(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    roles: Mapped[list[Role]] = relationship(back_populates="organisation", order_by="Role.name")


class Role(db.Model):  # type: ignore[name-defined,misc]
    """A job role, such as "Store associate"."""

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("organisation_id", "slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")

    organisation: Mapped[Organisation] = relationship(back_populates="roles")


class Person(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    display_name: Mapped[str] = mapped_column(String(120))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"), index=True)
    future_role_id: Mapped[int | None] = mapped_column(
        ForeignKey("roles.id", ondelete="SET NULL"), nullable=True
    )
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    is_ld_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # The WebAuthn user handle: random, never personal data.
    user_handle: Mapped[bytes] = mapped_column(LargeBinary(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    role: Mapped[Role] = relationship(foreign_keys=[role_id])
    future_role: Mapped[Role | None] = relationship(foreign_keys=[future_role_id])
    passkeys: Mapped[list[Passkey]] = relationship(
        back_populates="person",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Passkey.created_at",
    )
    authored_roles: Mapped[list[RoleAuthor]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )


class RoleAuthor(db.Model):  # type: ignore[name-defined,misc]
    """A person nominated by L&D to write their role's Success Profile."""

    __tablename__ = "role_authors"

    role_id: Mapped[int] = mapped_column(
        ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    nominated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    role: Mapped[Role] = relationship()
    person: Mapped[Person] = relationship(back_populates="authored_roles")


class Invite(db.Model):  # type: ignore[name-defined,misc]
    """A one-time enrolment link. Only the SHA-256 of its token is stored."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class Passkey(db.Model):  # type: ignore[name-defined,misc]
    """A WebAuthn credential registered by a person on one of their devices."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1024), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    transports: Mapped[list[str]] = mapped_column(JSON, default=list)
    backed_up: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    person: Mapped[Person] = relationship(back_populates="passkeys")


class WebAuthnChallenge(db.Model):  # type: ignore[name-defined,misc]
    """A challenge handed to a browser; deleted when used, so it works once."""

    __tablename__ = "webauthn_challenges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    challenge: Mapped[str] = mapped_column(String(128), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), nullable=True
    )
    invite_id: Mapped[int | None] = mapped_column(
        ForeignKey("invites.id", ondelete="CASCADE"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def as_dict(row: Any, *fields: str) -> dict[str, Any]:
    """Plain-dict view of ``row`` for JSON export."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(row, name)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out


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
    format: Mapped[str] = mapped_column(String(20), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(16), default="en")
    level_from: Mapped[int] = mapped_column(Integer)
    level_to: Mapped[int] = mapped_column(Integer)
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
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
    payload: Mapped[Any] = mapped_column(JSON)
    code: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


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
