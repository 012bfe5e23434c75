"""xAPI: the statements of finished lessons and practice answers, queued for the LRS.

One row per event (``event_id`` unique), written in the transaction that applies the
event and only when an LRS is configured: the statement as it will be posted, and
where its sending stands. A sender takes due rows by moving ``leased_until`` ahead
(committed before it posts), so two senders never post one statement and one that
dies is replaced once the lease has run out. The rows are the person's: in their
data export (what was sent, and when) and gone with their account.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from pwa.extensions import db
from pwa.models.base import UTCDateTime


class XapiStatement(db.Model):  # type: ignore[name-defined,misc]
    """One statement for the LRS.

    ``state``: ``pending`` (to post at ``next_try_at``, unless a sender holds its
    lease), ``sent`` (the LRS has it), ``failed`` (the LRS refused it, or did not take
    it after every try; ``detail`` says why).
    """

    __tablename__ = "xapi_statements"
    __table_args__ = (Index("ix_xapi_statements_state_next_try_at", "state", "next_try_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # completed, answered
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    tries: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    detail: Mapped[str | None] = mapped_column(String(200), nullable=True)
