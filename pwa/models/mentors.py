"""Peer mentors: who offers help with what, requests between learners, and who is suggested to whom.

A mentor's exact self-rating is never stored here: an offer names competencies
the person rated at or above their role's target when they offered (checked
then), and nothing more. ``load`` counts the requests holding a place (pending
or accepted); it changes only by conditional updates (``load < capacity``), so
two requests racing for the last place cannot both win.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pwa.extensions import db
from pwa.models.base import UTCDateTime


class MentorOffer(db.Model):  # type: ignore[name-defined,misc]
    """An offer to mentor: how many at once, in which languages, when, how to reach them."""

    __tablename__ = "mentor_offers"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # active | paused | left
    capacity: Mapped[int] = mapped_column(Integer)
    load: Mapped[int] = mapped_column(Integer, default=0)
    languages: Mapped[list[str]] = mapped_column(JSON)
    availability: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(Text, default="")  # shown to a mentee once accepted
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MentorCompetency(db.Model):  # type: ignore[name-defined,misc]
    """A competency (by key, as plans name it) a mentor offers help with."""

    __tablename__ = "mentor_competencies"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_offers.person_id", ondelete="CASCADE"), primary_key=True)
    competency: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class MentorRequest(db.Model):  # type: ignore[name-defined,misc]
    """A learner asks a mentor for help with one competency.

    ``status``: pending, accepted, declined, full (no place was left when it
    arrived), withdrawn, ended. ``shared_level`` is the learner's rating, only
    if they chose to share it with this mentor. ``ended_by_id`` is whichever of the
    two ended an accepted mentoring (the other one hears of it); None while it runs,
    for a withdrawn request, and for one ended before it was recorded.
    """

    __tablename__ = "mentor_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # made on the phone
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True)
    competency: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(Text, default="")  # shown to the mentor once accepted
    shared_level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True)


class MentorSuggestion(db.Model):  # type: ignore[name-defined,misc]
    """The global assignment's answer: this mentor is suggested to this learner for this gap."""

    __tablename__ = "mentor_suggestions"

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    competency: Mapped[str] = mapped_column(String(100), primary_key=True)
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MentorChange(db.Model):  # type: ignore[name-defined,misc]
    """Someone the next mentor assignment must look at again: their uncovered gaps, their
    wish for suggestions or their languages changed, or their offer, or a request between
    them and a colleague. ``person_id`` None: the whole organisation (an account ended).

    Written in the transaction of the change; the assignment takes the organisation's
    rows as it starts (``pwa.store.mentors.assign_changes``), so a change committed
    after that is the next run's.
    """

    __tablename__ = "mentor_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), nullable=True)
