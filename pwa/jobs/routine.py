"""The hour's routine: each organisation's release, FSRS fit and nightly mentor assignment.

The scheduler (``flask jobs schedule``, or the app's own clock on one machine) asks for
``routine.hourly`` once an hour. It asks, per organisation, for the jobs that keep
themselves to a schedule of their own: ``releases.publish`` (publishes only when the
release is due), ``practice.fit`` (fits only a week after the last fit) and, in the
hour ``SKILLPATH_NIGHTLY_HOUR`` (UTC), ``mentors.reassign`` (the whole organisation's
assignment, which covers the most gaps any assignment can; the runs after each sync
decide only what changed). An hour asked twice (a new leader in the same hour) costs
a few cheap checks: each job is merged while it waits and checks its own schedule.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from pwa import clock
from pwa.extensions import db
from pwa.jobs import enqueue
from pwa.models import Organisation

log = logging.getLogger(__name__)


def hourly() -> int:
    """Ask for each organisation's scheduled jobs; how many were asked for.

    Each job goes to the runner's thread (one machine) or the queue (RQ), tried again
    on its own when it fails. Where jobs run at once (the tests, a command), each runs
    here and now as it is asked for: one that fails is logged (by its class: its text
    may quote a row) and the others still run; the routine then fails with the first
    error, so that it is seen.
    """
    nightly = clock.now().hour == int(current_app.config["SKILLPATH_NIGHTLY_HOUR"])
    names = ["releases.publish", "practice.fit", *(["mentors.reassign"] if nightly else [])]
    organisations = list(db.session.scalars(select(Organisation.id).order_by(Organisation.id)))
    db.session.rollback()  # the read is over: the jobs run in transactions of their own
    failed: Exception | None = None
    for org in organisations:
        for name in names:
            try:
                enqueue(name, org)
            except Exception as exc:  # one organisation's job never holds up the others'
                # Where jobs run at once (no runner, no queue), it ran here and now.
                log.error("routine: %s(%s) failed: %s", name, org, type(exc).__name__)
                failed = failed or exc
    if failed is not None:
        raise failed
    return len(organisations) * len(names)
