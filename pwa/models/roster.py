"""A roster file uploaded for a preview, kept until it is applied or a day has passed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pwa.extensions import db
from pwa.models.base import UTCDateTime, utcnow


class RosterUpload(db.Model):  # type: ignore[name-defined,misc]
    """The text of one uploaded file, so that a confirmation applies that very file.

    Kept in the database, not on an app server's disk: the confirmation may land on
    any worker. Deleted when applied, when its uploader's account ends, or after a day.
    """

    __tablename__ = "roster_uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
