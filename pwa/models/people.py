"""The organisation, its roles, its people and who writes which role's profile."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.costs import DEFAULT_CURRENCY
from pwa.extensions import db
from pwa.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from pwa.models.passkeys import Passkey


class Organisation(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # What an hour of a learner's time costs, in minor units of ``currency`` (NULL: not
    # set yet); the currency (ISO 4217) of this and of every item's fee.
    hourly_cost_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default=DEFAULT_CURRENCY,
                                          server_default=DEFAULT_CURRENCY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moves whenever something every member's bootstrap bundle may show changes (a profile
    # published, the catalogue, a release, a colleague's name): ``pwa.store.bundles``.
    bundle_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

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
    # A unique index rather than a constraint: SQLite adds one without copying ``people``.
    __table_args__ = (Index("ix_people_organisation_id_external_id", "organisation_id",
                            "external_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    display_name: Mapped[str] = mapped_column(String(120))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"), index=True)
    future_role_id: Mapped[int | None] = mapped_column(
        ForeignKey("roles.id", ondelete="SET NULL"), nullable=True
    )
    # Where the person works (a store, a depot, a care team): reports filter by it.
    site: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    # The HR system's id for the person, for people brought in from a roster file (NULL:
    # made another way, and never touched by a roster). See engine/roster.py.
    external_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # When the zone was last chosen (the account page's time, or the reminder settings'
    # change's occurred_at): an older change synced later does not undo a newer one.
    time_zone_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    # When the language was last chosen (the account page's time, or the occurred_at of a
    # person.language.changed from a phone): an older change synced later does not undo it.
    locale_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    is_ld_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Moves in the transaction of anything that changes this person's own bootstrap bundle
    # (``pwa.store.bundles``): with the organisation's, what the bundle's ETag is made of.
    bundle_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The WebAuthn user handle: random, never personal data.
    user_handle: Mapped[bytes] = mapped_column(LargeBinary(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    role: Mapped[Role] = relationship(foreign_keys=[role_id])
    future_role: Mapped[Role | None] = relationship(foreign_keys=[future_role_id])
    # Read, never written through: loaded with the session for the bootstrap's ETag.
    organisation: Mapped[Organisation] = relationship(viewonly=True)
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
