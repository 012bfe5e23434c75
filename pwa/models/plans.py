"""The learner's plan: their settings, goals, own items, choices, and colleagues' suggestions.

The plan itself is never stored: ``engine.plan`` computes it from these rows,
the learner's ratings, the profiles and the catalogue, so a recomputation can
never override a choice. Every row is the learner's own (owner-only); the last
event to happen wins (``occurred_at``), whatever order the phone's events arrive in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from pwa.extensions import db
from pwa.models.base import UTCDateTime


class PlanSettings(db.Model):  # type: ignore[name-defined,misc]
    """Minutes a week, preferred formats in order, peer mentors on or off, the languages
    the learner can learn in, and the daily practice's minutes and weekly goal."""

    __tablename__ = "plan_settings"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    weekly_minutes: Mapped[int] = mapped_column(Integer)
    formats: Mapped[list[str]] = mapped_column(JSON)
    # May the plan suggest a peer mentor for a gap no item covers?
    mentor_suggestions: Mapped[bool] = mapped_column(Boolean, default=True,
                                                     server_default=sa_true())
    # The languages the learner can learn in (tags, their own first); NULL: not said,
    # and the mentor assignment guesses from their locale.
    languages: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    # Daily practice: minutes a day and days a week the learner aims for; NULL: the defaults.
    daily_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    weekly_goal: Mapped[int | None] = mapped_column(Integer, nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlanGoal(db.Model):  # type: ignore[name-defined,misc]
    """A competency the learner wants to grow ("I want to grow this"); ``wanted`` false: removed."""

    __tablename__ = "plan_goals"
    __table_args__ = (UniqueConstraint("person_id", "competency"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    competency: Mapped[str] = mapped_column(String(100))
    wanted: Mapped[bool] = mapped_column(Boolean)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OwnItem(db.Model):  # type: ignore[name-defined,misc]
    """An item of the learner's own, or one a colleague suggested and the learner accepted."""

    __tablename__ = "own_items"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # made on the phone
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    competency: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(160))
    format: Mapped[str] = mapped_column(String(40))
    minutes: Mapped[int] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    suggestion_id: Mapped[str | None] = mapped_column(
        ForeignKey("plan_suggestions.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlanChoice(db.Model):  # type: ignore[name-defined,misc]
    """The learner's last word on an item for a competency (accepted, pinned, dropped, ...).

    ``item`` is ``c:<catalogue item id>`` or ``own:<own item id>``; ``origin``
    is ``own`` or ``suggestion`` for items not proposed by the plan.
    """

    __tablename__ = "plan_choices"
    __table_args__ = (UniqueConstraint("person_id", "item", "competency"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(String(60))
    competency: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16))
    position: Mapped[int | None] = mapped_column(Integer, nullable=True)
    origin: Mapped[str | None] = mapped_column(String(16), nullable=True)
    suggestion_id: Mapped[str | None] = mapped_column(
        ForeignKey("plan_suggestions.id", ondelete="SET NULL"), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlanSuggestion(db.Model):  # type: ignore[name-defined,misc]
    """A colleague's suggestion of a catalogue item or an item of their own.

    It belongs to the learner it was sent to (``person_id``); the sender is
    kept by id and by name while their account exists. Deleting the sender's
    account withdraws what is still pending and forgets the name on the rest
    (the learner keeps the item, "suggested by a former colleague").
    ``status``: pending, accepted or dismissed.
    """

    __tablename__ = "plan_suggestions"
    __table_args__ = (Index("ix_plan_suggestions_from", "from_person_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # made on the sender's phone
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    from_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True)
    from_name: Mapped[str] = mapped_column(String(120))
    competency: Mapped[str] = mapped_column(String(100))
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), nullable=True)
    own: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PlanSummary(db.Model):  # type: ignore[name-defined,misc]
    """Each learner's current plan, reduced to its size: the read model a release sums.

    The plan is computed, never stored, and computing it takes a dozen queries
    per person: too many for a release over a whole organisation. So a job
    (``plans.summarise``) computes it again whenever what it is made of
    changes, and keeps here what the case for leaders adds up: its minutes,
    its fees, the competencies its lines aim to grow (``covered``) and the
    gaps no item covers (``uncovered``). ``computed_at`` is when that
    computation began: a row is replaced only by one begun later, so a slow
    job never writes an older plan over a newer one. Derived from the
    learner's own rows; never shown on its own.
    """

    __tablename__ = "plan_summaries"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    minutes: Mapped[int] = mapped_column(Integer)
    fee_cents: Mapped[int] = mapped_column(Integer)
    covered: Mapped[int] = mapped_column(Integer)
    uncovered: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UncoveredGap(db.Model):  # type: ignore[name-defined,misc]
    """One of a learner's gaps that no suitable item covers (the plan's ``uncovered``):
    the read model the mentor assignment reads instead of building every plan.

    Refreshed in the transaction of whatever changed it (``pwa.store.gaps``): the
    learner's sync of what their plan is made of, a published profile of their role or
    future role, a catalogue change in their organisation. ``level`` is where the
    learner stands, ``needed`` the level the plan aims for. Derived from the learner's
    own ratings; never shown on its own.
    """

    __tablename__ = "uncovered_gaps"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    competency: Mapped[str] = mapped_column(String(100), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    needed: Mapped[int] = mapped_column(Integer)
