"""Background jobs: after the request, once per request; on RQ when Redis is configured."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Blueprint
from redis import Redis
from rq import Queue, SimpleWorker

from pwa import jobs
from pwa.extensions import db
from pwa.models import MentorSuggestion, Organisation, PlanSummary
from tests.factories import PICKER_COMPS as PICKER
from tests.factories import mentor_offer as offer
from tests.factories import person_named, publish_profile
from tests.factories import picker_rating as rate
from tests.factories import picker_signed_in as picker

REDIS = "redis://127.0.0.1:6379/15"


def marcus_id(app):
    return person_named(app, "Marcus Johnson")


def suggestions(app):
    with app.app_context():
        return [(s.learner_id, s.competency, s.mentor_id)
                for s in db.session.scalars(sa.select(MentorSuggestion))]


def summarised(app):
    with app.app_context():
        return set(db.session.scalars(sa.select(PlanSummary.person_id)))


def test_a_job_runs_after_the_request_once_however_often_it_was_asked(app_factory, monkeypatch):
    app = app_factory()
    ran = RAN
    ran.clear()
    monkeypatch.setitem(jobs.JOBS, "test.note", "tests.pwa.test_jobs:note")
    bp = Blueprint("jobs_test", __name__)

    @bp.get("/jobs-test")
    def ask():
        jobs.enqueue("test.note", 1)
        jobs.enqueue("test.note", 1)
        jobs.enqueue("test.note", 2)
        assert ran == []  # not while the request works
        return "asked"

    app.register_blueprint(bp)
    assert app.test_client().get("/jobs-test").status_code == 200
    assert ran == [1, 2]
    with pytest.raises(KeyError):
        with app.test_request_context():
            jobs.enqueue("no.such.job")


RAN: list[int] = []


def note(value):
    RAN.append(value)


def test_the_cli_assigns_every_organisation(app, org, runner):
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=PICKER)
    picker(app, "Marcus Johnson", rate(4), offer())
    picker(app, "Lucia Fernandez", rate(2))
    with app.app_context():
        db.session.execute(sa.delete(MentorSuggestion))
        db.session.commit()
    result = runner.invoke(args=["mentors", "assign"])
    assert result.exit_code == 0, result.output
    assert result.output == "Acme Stores: 1 mentors suggested.\n"
    assert len(suggestions(app)) == 1


def test_with_redis_the_job_goes_to_rq_and_a_worker_runs_it(app_factory, org, app):
    redis = Redis.from_url(REDIS)
    redis.ping()  # the local Redis must be there: without it this test fails, never skips
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=PICKER)
    queued = app_factory(REDIS_URL=REDIS)
    queue = Queue(jobs.QUEUE, connection=redis)
    queue.empty()
    picker(queued, "Marcus Johnson", rate(4), offer())
    picker(queued, "Lucia Fernandez", rate(2))
    assert suggestions(app) == [] and summarised(app) == set()  # waiting for a worker
    # Per sync that changed them: the mentors assigned again, the learner's plan summarised.
    assert queue.count == 4
    with queued.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        SimpleWorker([queue], connection=redis).work(burst=True)
    assert queue.count == 0
    assert [(m, c) for _, c, m in suggestions(app)] == [(marcus_id(app), "scan")] and org_id
    assert summarised(app) == {marcus_id(app), person_named(app, "Lucia Fernandez")}


def test_without_inline_jobs_run_on_one_thread_after_the_answer_and_a_waiting_job_once(
        app_factory, monkeypatch):
    import sys
    import threading

    app = app_factory(SKILLPATH_JOBS_INLINE=False)
    release = threading.Event()
    started = threading.Event()
    SLOW.clear()

    def slow(value):
        started.set()
        release.wait(10)
        SLOW.append((value, threading.current_thread().name))

    monkeypatch.setattr(sys.modules[__name__], "slow", slow, raising=False)
    client = asking(app, monkeypatch, "slow")
    assert client.get("/slow/1").status_code == 200  # answered while the job waits
    assert started.wait(10)
    for _ in range(5):  # a burst while job 1 runs: job 2 waits once, not five times
        assert client.get("/slow/2").status_code == 200
    assert SLOW == []
    release.set()
    assert jobs._runner(app).settle(10)
    assert SLOW == [(1, "skillpath-jobs"), (2, "skillpath-jobs")]


SLOW: list[tuple[int, str]] = []


def asking(app, monkeypatch, function):
    """A client of ``app`` whose GET /<function>/<n> asks for job test.<function>(n) of
    this module."""
    monkeypatch.setitem(jobs.JOBS, f"test.{function}", f"{__name__}:{function}")
    bp = Blueprint(f"jobs_{function}_test", __name__)

    @bp.get(f"/{function}/<int:value>")
    def ask(value):
        jobs.enqueue(f"test.{function}", value)
        return "asked"

    app.register_blueprint(bp)
    return app.test_client()


def test_a_burst_of_requests_within_the_delay_runs_the_job_once(app_factory, monkeypatch):
    import time

    app = app_factory(SKILLPATH_JOBS_INLINE=False, SKILLPATH_JOBS_DELAY_MS=1500)
    RAN.clear()
    client = asking(app, monkeypatch, "note")
    started = time.monotonic()
    for _ in range(5):
        assert client.get("/note/7").status_code == 200
    assert client.get("/note/8").status_code == 200
    waited_for = time.monotonic() - started
    if waited_for < 1.0:  # the burst itself took less than the delay: nothing ran yet
        assert RAN == []
    assert jobs._runner(app).settle(10)
    assert RAN == [7, 8]
    assert time.monotonic() - started >= 1.5
