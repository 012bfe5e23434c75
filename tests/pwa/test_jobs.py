"""Background jobs: after the request, once per request; on RQ when Redis is configured."""

from __future__ import annotations

import logging
import re
import threading
import time

import pytest
import sqlalchemy as sa
from flask import Blueprint, current_app
from redis import Redis
from rq import Queue

from pwa import jobs
from pwa.extensions import db
from pwa.models import MentorSuggestion, Organisation, PlanSummary
from tests.factories import PICKER_COMPS as PICKER
from tests.factories import mentor_offer as offer
from tests.factories import own_queue, own_rq_queue, person_named, publish_profile
from tests.factories import picker_rating as rate
from tests.factories import picker_signed_in as picker

# Redis databases are shared by the machine: under xdist (CI's PostgreSQL run) every
# module that uses one runs on the same worker, one test at a time (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("redis")

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
    name = own_queue()
    queued = app_factory(REDIS_URL=REDIS, SKILLPATH_JOBS_QUEUE=name)
    queue = Queue(name, connection=redis)
    picker(queued, "Marcus Johnson", rate(4), offer())
    picker(queued, "Lucia Fernandez", rate(2))
    # The plans' summaries were kept by the syncs themselves; the organisation's mentors
    # wait for a worker, asked for once, since the first sync's assignment still waited.
    kept = summarised(app)
    assert suggestions(app) == [] and {marcus_id(app), person_named(app, "Lucia Fernandez")} \
        <= kept
    assert queue.count == 1
    with queued.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        jobs.worker(queue, simple=True).work(burst=True)
    assert queue.count == 0
    assert [(m, c) for _, c, m in suggestions(app)] == [(marcus_id(app), "scan")] and org_id
    assert summarised(app) == kept


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


@pytest.fixture
def rq_app(app_factory):
    """An app whose jobs go to a queue of this test's own, and that queue; emptied after."""
    with own_rq_queue(app_factory, REDIS) as found:
        yield found


def ask(app, name, *args, times=1):
    with app.app_context():
        for _ in range(times):
            jobs.enqueue(name, *args)


def work(app, queue):
    with app.app_context():
        jobs.worker(queue, simple=True).work(burst=True)


def test_on_rq_a_thousand_asks_for_the_same_job_queue_one(rq_app, monkeypatch):
    app, queue = rq_app
    monkeypatch.setitem(jobs.JOBS, "test.note", "tests.pwa.test_jobs:note")
    errors = []

    def asker():
        try:
            ask(app, "test.note", 5, times=250)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=asker) for _ in range(4)]  # racing each other
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    ask(app, "test.note", 6)  # other arguments: another job
    assert queue.count == 2
    key = jobs.waiting_key(queue.name, "test.note", (5,))
    assert 0 < queue.connection.ttl(key) <= 900  # it expires
    RAN.clear()
    work(app, queue)
    assert sorted(RAN) == [5, 6]
    assert queue.connection.exists(key) == 0  # started: no longer waiting
    ask(app, "test.note", 5)
    assert queue.count == 1


ASKED_WHILE_RUNNING: list[int] = []


def ask_while_running(value):
    """A job during whose run (after it read its data) five changes ask for it again."""
    ASKED_WHILE_RUNNING.append(value)
    if len(ASKED_WHILE_RUNNING) == 1:
        for _ in range(5):
            jobs.enqueue("test.again", value)
        assert Queue(current_app.config["SKILLPATH_JOBS_QUEUE"],
                     connection=Redis.from_url(REDIS)).count == 1


def test_on_rq_asks_while_the_job_runs_queue_exactly_one_more_run(rq_app, monkeypatch):
    app, queue = rq_app
    monkeypatch.setitem(jobs.JOBS, "test.again", "tests.pwa.test_jobs:ask_while_running")
    ASKED_WHILE_RUNNING.clear()
    ask(app, "test.again", 1, times=3)
    assert queue.count == 1
    work(app, queue)
    assert ASKED_WHILE_RUNNING == [1, 1]  # the run, and the one more it was asked for
    assert queue.count == 0


def test_a_worker_killed_mid_job_or_an_asker_killed_mid_ask_blocks_nothing(rq_app,
                                                                          monkeypatch):
    from rq.job import JobStatus

    app, queue = rq_app
    monkeypatch.setitem(jobs.JOBS, "test.note", "tests.pwa.test_jobs:note")
    connection = queue.connection
    key = jobs.waiting_key(queue.name, "test.note", (9,))
    # A worker took the job and was killed before it started it: the job is marked
    # started (rq does so as it takes it) and gone from the queue, the key still set.
    ask(app, "test.note", 9)
    job = queue.jobs[0]
    queue.remove(job)
    job.set_status(JobStatus.STARTED)
    assert connection.exists(key) == 1
    ask(app, "test.note", 9)
    assert queue.count == 1  # queued again at once, not after the key's expiry
    queue.empty()  # an operator emptied the queue: its jobs are gone, the key is not
    ask(app, "test.note", 9)
    assert queue.count == 1
    queue.empty()
    # A process set the key and died before it queued the job: within the seconds an
    # ask takes the key still counts as one being queued; after them it blocks nothing.
    connection.set(key, f"test_note-dead {time.time():.3f}", ex=900)
    ask(app, "test.note", 9)
    assert queue.count == 0
    connection.set(key, f"test_note-dead {time.time() - 60:.3f}", ex=900)
    ask(app, "test.note", 9)
    assert queue.count == 1
    # And whatever is left, the key expires.
    queue.empty()
    connection.delete(key)
    app.config["SKILLPATH_JOBS_WAITING_SECONDS"] = 1  # the expiry is the app's setting
    ask(app, "test.note", 9)
    assert 0 < connection.ttl(key) <= 1
    queue.empty()
    time.sleep(1.2)
    assert connection.exists(key) == 0


FAILED: list[int] = []


def fail(value):
    FAILED.append(value)
    raise RuntimeError("the job failed")


def test_a_failed_job_is_tried_again_later_and_every_run_logs_its_duration(
        rq_app, monkeypatch, caplog):
    from rq.registry import ScheduledJobRegistry

    app, queue = rq_app
    monkeypatch.setitem(jobs.JOBS, "test.fail", "tests.pwa.test_jobs:fail")
    monkeypatch.setitem(jobs.JOBS, "test.note", "tests.pwa.test_jobs:note")
    FAILED.clear()
    # The migrations' logging set-up disables the loggers that existed before it ran.
    monkeypatch.setattr(logging.getLogger("pwa.jobs"), "disabled", False)
    caplog.set_level(logging.INFO, logger="pwa.jobs")
    ask(app, "test.fail", 4)
    ask(app, "test.note", 3)
    job = next(j for j in queue.jobs if j.args[0] == "test.fail")
    assert job.retries_left == 3 and job.retry_intervals == jobs.RETRY_SECONDS
    work(app, queue)
    assert FAILED == [4]
    job.refresh()
    assert job.retries_left == 2
    assert job.id in ScheduledJobRegistry(queue=queue)  # due again in RETRY_SECONDS[0]
    lines = [r.getMessage() for r in caplog.records if r.name == "pwa.jobs"]
    assert any(re.fullmatch(r"job test\.note\(3,\) took \d+\.\d{3} s", m) for m in lines)
    assert any(re.fullmatch(r"job test\.fail\(4,\) failed after \d+\.\d{3} s", m)
               for m in lines)
