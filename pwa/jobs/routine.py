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

from flask import current_app
from sqlalchemy import select

from pwa import clock
from pwa.extensions import db
from pwa.jobs import enqueue
from pwa.models import Organisation


def hourly() -> int:
    """Ask for each organisation's scheduled jobs; how many were asked for."""
    nightly = clock.now().hour == int(current_app.config["SKILLPATH_NIGHTLY_HOUR"])
    names = ["releases.publish", "practice.fit", *(["mentors.reassign"] if nightly else [])]
    organisations = list(db.session.scalars(select(Organisation.id).order_by(Organisation.id)))
    db.session.rollback()  # the read is over: the jobs run in transactions of their own
    for org in organisations:
        for name in names:
            enqueue(name, org)
    return len(organisations) * len(names)
