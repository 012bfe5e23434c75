"""The hour's routine: the clock asks for it once an hour, and it asks for each
organisation's release, FSRS fit and (at night) whole mentor assignment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from pwa import clock
from pwa.extensions import db
from pwa.jobs import routine, schedule
from pwa.models import Organisation, Release
from tests.factories import make_org, populate

NIGHT = datetime(2031, 3, 30, 3, 15, tzinfo=UTC)  # a Sunday, in the default nightly hour


def two_organisations(app_factory):
    """An app with the demo-like organisation and a second one; their ids in order."""
    app = app_factory()
    make_org(app)
    with app.app_context():
        db.session.add(Organisation(name="Second Org", slug="second-org"))
        db.session.commit()
        return app, list(db.session.scalars(sa.select(Organisation.id)
                                            .order_by(Organisation.id)))


def test_the_clock_asks_for_the_routine_in_the_first_tick_of_each_hour(monkeypatch):
    at = [NIGHT.replace(minute=59, second=30)]
    monkeypatch.setattr(clock, "now", lambda: at[0])
    ticks = schedule.Clock()
    asked = []
    for step in (0, 20, 20, 20, 3600, 1, 7200):
        at[0] += timedelta(seconds=step)
        asked.append(ticks.names())
    minute, hour = schedule.EVERY_MINUTE, schedule.EVERY_MINUTE + schedule.EVERY_HOUR
    # 03:59:30 (the first tick after a start), 03:59:50, 04:00:10, 04:00:30, an hour
    # later (05:00:30), a second later, two hours later (a clock that skipped an hour).
    assert asked == [hour, minute, hour, minute, hour, minute, hour]


@pytest.mark.parametrize("hour, nightly", [(3, True), (2, False), (4, False), (15, False)])
def test_the_routine_asks_each_organisation_for_its_jobs(app_factory, monkeypatch, hour,
                                                         nightly):
    app, orgs = two_organisations(app_factory)
    monkeypatch.setattr(clock, "now", lambda: NIGHT.replace(hour=hour))
    asked: list[tuple[str, Any]] = []
    monkeypatch.setattr(routine, "enqueue", lambda name, *args: asked.append((name, *args)))
    with app.app_context():
        count = routine.hourly()
    names = ["releases.publish", "practice.fit", *(["mentors.reassign"] if nightly else [])]
    assert asked == [(name, org) for org in orgs for name in names]
    assert count == len(asked)


def test_the_nightly_hour_is_a_setting(app_factory, monkeypatch):
    app = app_factory(SKILLPATH_NIGHTLY_HOUR=22)
    make_org(app)
    monkeypatch.setattr(clock, "now", lambda: NIGHT.replace(hour=22))
    asked: list[str] = []
    monkeypatch.setattr(routine, "enqueue", lambda name, *args: asked.append(name))
    with app.app_context():
        routine.hourly()
    assert "mentors.reassign" in asked
    for bad in (24, -1, "3", True, 2.5):
        with pytest.raises(RuntimeError, match="SKILLPATH_NIGHTLY_HOUR"):
            app_factory(SKILLPATH_NIGHTLY_HOUR=bad)


def test_a_due_release_is_published_by_the_routine_and_only_then(app_factory):
    app = app_factory()
    make_org(app)
    populate(app)
    with app.app_context():
        routine.hourly()  # the tests run jobs at once
        routine.hourly()  # an hour asked twice: the release is not due again
        published = db.session.scalars(sa.select(Release.sequence)).all()
    assert published == [1]


def test_one_organisations_failing_job_holds_up_no_other_job(app_factory, monkeypatch):
    """On one machine the clock's routine runs each job as it asks for it: one that
    fails (a broken release of one organisation) must not keep the others' releases,
    fits and mentor assignments from running that hour. The routine still fails, so
    that its failure is seen."""
    app, orgs = two_organisations(app_factory)
    monkeypatch.setattr(clock, "now", lambda: NIGHT)
    asked: list[tuple[str, Any]] = []

    def enqueue(name: str, *args: Any) -> None:
        asked.append((name, *args))
        if (name, *args) == ("releases.publish", orgs[0]):
            raise RuntimeError("this organisation's release is broken")

    monkeypatch.setattr(routine, "enqueue", enqueue)
    with app.app_context(), pytest.raises(RuntimeError, match="broken"):
        routine.hourly()
    names = ["releases.publish", "practice.fit", "mentors.reassign"]
    assert asked == [(name, org) for org in orgs for name in names]
