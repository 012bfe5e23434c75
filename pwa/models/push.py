"""Push: the devices that asked for notifications, each notification claimed, and its deliveries.

A subscription belongs to the signed-in device that made it: signing that
device out (or removing its passkey, or deleting the account) removes the
subscription with the session (ON DELETE CASCADE), so a phone handed on stops
getting someone else's reminders.

A notification is claimed before it is sent, by inserting its row: the
unique ``(person, kind, local_date)`` makes two ticks or two app servers
deciding the same thing at the same minute claim it once. The sender takes a
row whose ``next_attempt_at`` has come, pushes it off by a lease before
posting, and records each device it reached in ``push_deliveries``: a sender
killed after its lease began is retried when the lease ends; a device already
reached is not posted to again.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pwa.extensions import db
from pwa.models.base import UTCDateTime, utcnow


class PushSubscription(db.Model):  # type: ignore[name-defined,misc]
    """One browser's push subscription, made on one signed-in device."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"),
                                            index=True)
    endpoint: Mapped[str] = mapped_column(String(1024), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(200))
    device: Mapped[str] = mapped_column(String(120))  # "Pixel 7 · Chrome on Android"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Notification(db.Model):  # type: ignore[name-defined,misc]
    """One notification for one person: claimed once per kind and local day, then sent.

    ``state``: ``pending`` (to send at ``next_attempt_at``), ``sent`` (reached at
    least one device), ``failed`` (no device took it: gone, refused, or retried
    until ``engine.push.MAX_ATTEMPTS``), ``expired`` (not sent before
    ``expires_at``, the end of its local day or the start of quiet hours), or
    ``nowhere`` (the person had no device to send to).
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("person_id", "kind", "local_date",
                         name="uq_notifications_person_kind_local_date"),
        Index("ix_notifications_state_next", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    local_date: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(600))
    url: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    detail: Mapped[str | None] = mapped_column(String(200), nullable=True)


class PushDelivery(db.Model):  # type: ignore[name-defined,misc]
    """One post of a notification to one device, and what the push service answered.

    ``device`` is copied from the subscription, so the log still reads "to
    Pixel 7" after that device was removed.
    """

    __tablename__ = "push_deliveries"
    __table_args__ = (Index("ix_push_deliveries_person_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="SET NULL"), nullable=True, index=True)
    device: Mapped[str] = mapped_column(String(120))
    status: Mapped[int] = mapped_column(SmallInteger)  # the push service's HTTP status
    outcome: Mapped[str] = mapped_column(String(16))  # engine.push.Outcome
    at: Mapped[datetime] = mapped_column(UTCDateTime)
