"""A learner's reminder settings: one row per person, the last change to happen wins.

Nothing is on until the learner asks (``kinds`` empty). The time zone is the
person's own (``people.time_zone``), which these settings edit too; every time
here is a wall-clock time in it.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import JSON, Boolean, ForeignKey, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from pwa.extensions import db
from pwa.models.base import UTCDateTime


class ReminderSettings(db.Model):  # type: ignore[name-defined,misc]
    """When reminders come, on which days, the quiet hours, and which kinds are on."""

    __tablename__ = "reminder_settings"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    remind_at: Mapped[time] = mapped_column(Time)
    days: Mapped[list[int]] = mapped_column(JSON)  # ISO weekdays, 1 is Monday
    # Quiet hours, local; both NULL: none. An end before the start wraps midnight.
    quiet_start: Mapped[time | None] = mapped_column(Time, nullable=True)
    quiet_end: Mapped[time | None] = mapped_column(Time, nullable=True)
    kinds: Mapped[list[str]] = mapped_column(JSON)  # engine.reminders.Kind values that are on
    # Learned from the learner's own practice, used only once they confirmed it.
    usual_practice: Mapped[time | None] = mapped_column(Time, nullable=True)
    usual_confirmed: Mapped[bool] = mapped_column(Boolean)
    # The change that set them: when it happened, and its id (at one instant, the higher
    # id wins, as the sync orders them, whichever arrives first).
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    event_id: Mapped[str] = mapped_column(String(36))
