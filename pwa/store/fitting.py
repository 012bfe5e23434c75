"""Fitting FSRS to an organisation's practice answers: loading them, storing each fit's verdict.

:func:`run` reads every answer of the organisation's people (one Core select,
ordered by time and id so that a fit repeats), asks ``engine.fitting.fit`` to
fit and judge, and stores the verdict as a :class:`~pwa.models.PracticeFit` row,
adopted or not. :func:`current_parameters` is what practice schedules with: the
latest adopted fit's parameters, or None for FSRS' defaults. A question already
scheduled keeps its due date; its next answer is scheduled with the parameters
then in use.

Below ``SKILLPATH_FIT_MIN_LOGS`` answers the engine fits nothing; the answers are
still read (there are fewer than that many), and the verdict says how many more
are needed. A fit is due a week after the last one (:func:`due`): the L&D page
asks for one then, and ``flask practice fit`` runs one at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import BindParameter, Select, func, select

from engine import fitting as rules
from engine import practice
from pwa.extensions import db
from pwa.models import Person, PracticeFit, PracticeReview

EVERY = timedelta(days=7)  # a fit is due this long after the last one (or when none has run)


@dataclass(frozen=True)
class Evaluation:
    """A stored fit, read back: when it ran, and the engine's verdict."""

    fitted_at: datetime
    fit: rules.Fit


def min_logs() -> int:
    """Answers an organisation needs before parameters are fitted to them."""
    return int(current_app.config["SKILLPATH_FIT_MIN_LOGS"])


def logs(organisation_id: int) -> list[rules.Log]:
    """Every practice answer of the organisation's people, oldest first, as the engine reads them.

    A question is one (person, lesson, question) triple, named by
    ``engine.practice.card_id``, the number its FSRS card carries.
    """
    rows = db.session.execute(
        select(PracticeReview.person_id, PracticeReview.item_id, PracticeReview.question,
               PracticeReview.occurred_at, PracticeReview.grade)
        .join(Person, Person.id == PracticeReview.person_id)
        .where(Person.organisation_id == organisation_id)
        .order_by(PracticeReview.occurred_at, PracticeReview.id))
    return [rules.Log(practice.card_id(person, item, question), at, grade)
            for person, item, question, at, grade in rows]


def run(organisation_id: int, now: datetime) -> PracticeFit:
    """Fit FSRS to the organisation's answers, judge it, and store the verdict (not committed).

    The parameters in use are the latest adopted ones; they stay in use unless the
    new ones predict the later answers with a lower log loss.
    """
    result = rules.fit(logs(organisation_id), current_parameters(organisation_id),
                       min_logs=min_logs())
    row = PracticeFit(
        organisation_id=organisation_id, fitted_at=now, logs=result.logs, train=result.train,
        test=result.test, old_parameters=list(result.old),
        new_parameters=None if result.new is None else list(result.new),
        old_metrics=None if result.old_metrics is None else result.old_metrics.to_dict(),
        new_metrics=None if result.new_metrics is None else result.new_metrics.to_dict(),
        adopted=result.adopted, reason=result.reason, reason_params=dict(result.params))
    db.session.add(row)
    db.session.flush()
    return row


def due(organisation_id: int, now: datetime) -> bool:
    """Whether a fit is due: none has run, the last ran :data:`EVERY` or longer ago, or it
    had too few answers and the organisation has enough now.

    Every sync that stores answers asks for the job; this is what makes most of those
    runs one indexed read.
    """
    last_at, last_logs = db.session.execute(
        select(PracticeFit.fitted_at, PracticeFit.logs)
        .where(PracticeFit.organisation_id == organisation_id)
        .order_by(PracticeFit.fitted_at.desc(), PracticeFit.id.desc()).limit(1)).first() \
        or (None, 0)
    if last_at is None or now - last_at >= EVERY:
        return True
    if last_logs >= min_logs():
        return False
    answers = db.session.scalar(
        select(func.count()).select_from(PracticeReview)
        .join(Person, Person.id == PracticeReview.person_id)
        .where(Person.organisation_id == organisation_id))
    return (answers or 0) >= min_logs()


def run_if_due(organisation_id: int, now: datetime) -> PracticeFit | None:
    """:func:`run` when a fit is due; else None."""
    return run(organisation_id, now) if due(organisation_id, now) else None


def current_parameters(organisation_id: int) -> tuple[float, ...] | None:
    """The parameters of the organisation's latest adopted fit; None: FSRS' defaults."""
    return as_parameters(db.session.scalar(adopted_parameters(organisation_id)))


def adopted_parameters(organisation_id: int | BindParameter[int]
                       ) -> Select[list[float] | None]:
    """The query :func:`current_parameters` runs, for a statement that reads them besides."""
    fits = PracticeFit.__table__.c  # Core columns: the sync reads these on its hot path
    return (select(fits.new_parameters)
            .where(fits.organisation_id == organisation_id, fits.adopted.is_(True))
            .order_by(fits.fitted_at.desc(), fits.id.desc()).limit(1))


def as_parameters(found: list[float] | None) -> tuple[float, ...] | None:
    """What :func:`adopted_parameters` read, as the scheduler takes it."""
    return None if found is None else tuple(float(w) for w in found)


def last(organisation_id: int) -> Evaluation | None:
    """The organisation's latest fit, adopted or not; None when none has run."""
    row = db.session.scalars(
        select(PracticeFit).where(PracticeFit.organisation_id == organisation_id)
        .order_by(PracticeFit.fitted_at.desc(), PracticeFit.id.desc()).limit(1)).first()
    return None if row is None else Evaluation(row.fitted_at, _fit(row))


def adopted_at(organisation_id: int) -> datetime | None:
    """When the parameters in use were adopted; None while FSRS' defaults are in use."""
    return db.session.scalar(
        select(PracticeFit.fitted_at)
        .where(PracticeFit.organisation_id == organisation_id, PracticeFit.adopted.is_(True))
        .order_by(PracticeFit.fitted_at.desc(), PracticeFit.id.desc()).limit(1))


def _fit(row: PracticeFit) -> rules.Fit:
    return rules.Fit.from_dict({
        "logs": row.logs, "train": row.train, "test": row.test, "old": row.old_parameters,
        "new": row.new_parameters, "old_metrics": row.old_metrics,
        "new_metrics": row.new_metrics, "adopted": row.adopted, "reason": row.reason,
        "params": row.reason_params})
