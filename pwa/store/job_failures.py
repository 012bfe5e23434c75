"""Background jobs that failed on their last try: recorded, resolved, listed for L&D.

A failure is recorded once a job has used up its tries (``pwa.jobs`` decides when,
on either backend). The same job with the same arguments succeeding later marks
every open failure of it resolved, so the page shows what still needs a look.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, update

from engine.errors import N_, NotFound
from pwa.extensions import db
from pwa.models import JobFailure

SHOWN = 50  # the newest failures the page lists


@dataclass(frozen=True)
class Failed:
    """What is recorded of a failure: nothing in it names or quotes a person."""

    job: str
    arguments: str  # the job's ids, as JSON
    organisation_id: int | None
    job_id: str
    attempts: int
    error: str  # the exception's class
    kind: str  # database, conflict, redis, timeout, worker, network or code
    message: str  # where in our code it was raised


def record(failed: Failed, now: datetime) -> JobFailure:
    """Add the failure; the caller commits."""
    row = JobFailure(job=failed.job[:60], arguments=failed.arguments[:200],
                     organisation_id=failed.organisation_id, job_id=failed.job_id[:120],
                     attempts=failed.attempts, error=failed.error[:120],
                     kind=failed.kind[:20], message=failed.message[:300], failed_at=now)
    db.session.add(row)
    return row


def resolve(job: str, arguments: str, now: datetime, before: datetime | None = None) -> int:
    """Mark the open failures of ``job(arguments)`` resolved; how many there were.

    Asked after every successful run, so it first looks (an indexed read) and writes
    only when there is something to resolve. ``before``: only the failures recorded
    before then (when the run began): a run that itself records a failure of its
    arguments (the xAPI sender, of a statement the LRS refused again) leaves it open.
    """
    open_ = (JobFailure.job == job, JobFailure.arguments == arguments,
             JobFailure.resolved_at.is_(None),
             *((JobFailure.failed_at < before,) if before is not None else ()))
    if db.session.scalar(select(JobFailure.id).where(*open_).limit(1)) is None:
        return 0
    done = db.session.execute(update(JobFailure).where(*open_).values(resolved_at=now))
    return int(getattr(done, "rowcount", 0) or 0)


def _visible(organisation_id: int) -> ColumnElement[bool]:
    # An organisation's own failures, and the server's (the reminder tick, the push
    # sender), which affect everyone.
    return or_(JobFailure.organisation_id == organisation_id,
               JobFailure.organisation_id.is_(None))


def recent(organisation_id: int, limit: int = SHOWN) -> list[JobFailure]:
    """The newest failures an organisation's L&D may see, open and resolved."""
    return list(db.session.scalars(
        select(JobFailure).where(_visible(organisation_id))
        .order_by(JobFailure.failed_at.desc(), JobFailure.id.desc()).limit(limit)))


def failure_of(organisation_id: int, failure_id: int) -> JobFailure:
    """One failure L&D of ``organisation_id`` may see, or NotFound."""
    row: JobFailure | None = db.session.scalar(
        select(JobFailure).where(JobFailure.id == failure_id, _visible(organisation_id)))
    if row is None:
        raise NotFound(N_("There is no such failed job."))
    return row
