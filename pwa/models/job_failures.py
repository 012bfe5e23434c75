"""A background job that failed on its last try, kept where L&D can see it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pwa.extensions import db
from pwa.models.base import UTCDateTime, utcnow


class JobFailure(db.Model):  # type: ignore[name-defined,misc]
    """One job that failed after all its tries: which job, for which organisation, when,
    how many tries, and what went wrong, said without personal data.

    ``error`` is the exception's class, ``kind`` what sort of trouble that class is (the
    page explains each in plain words) and ``message`` where in our code it was raised
    (file, line, function): never the exception's own text, which may quote a row's
    values (a name, a note). ``arguments`` are the job's ids as JSON, so
    that the same job succeeding later marks the failure resolved, and L&D can run it
    again. ``organisation_id`` is empty for the jobs of the whole server (the reminder
    tick, the push sender).
    """

    __tablename__ = "job_failures"
    __table_args__ = (
        Index("ix_job_failures_organisation_id_failed_at", "organisation_id", "failed_at"),
        Index("ix_job_failures_job_arguments_resolved_at", "job", "arguments", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    arguments: Mapped[str] = mapped_column(String(200), default="[]")
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), nullable=True)
    job_id: Mapped[str] = mapped_column(String(120))
    attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(String(300))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
