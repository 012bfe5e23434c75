"""Sessions: the signed-in devices, and the server-side session records their cookies name."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pwa.extensions import db
from pwa.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from pwa.models.passkeys import Passkey
    from pwa.models.people import Person


class Session(db.Model):  # type: ignore[name-defined,misc]
    """A signed-in device. Deleting the row ends the session, wherever its data is kept.

    Opened with one passkey: removing that passkey removes the row (ON DELETE
    CASCADE), as deleting the person does. Only the browser's and system's names
    are kept of the User-Agent header.
    """

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    passkey_id: Mapped[int] = mapped_column(
        ForeignKey("passkeys.id", ondelete="CASCADE"), index=True
    )
    browser: Mapped[str | None] = mapped_column(String(40), nullable=True)
    os: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()
    passkey: Mapped[Passkey] = relationship()


class SessionData(db.Model):  # type: ignore[name-defined,misc]
    """Flask-Session's record of one session: the data behind a cookie's random id.

    Holds the CSRF secret, flashed messages and, once signed in, the id of the
    ``sessions`` row. Used only when no ``REDIS_URL`` is set.

    ``session_id`` repeats that id outside the data, so that the record is read joined
    with its row; no foreign key: the data decides, and a row gone is found by the join.
    """

    __tablename__ = "session_data"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    session_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
