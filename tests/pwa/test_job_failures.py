"""A job that fails is tried again later, and after its last try recorded where L&D see it.

On both backends: the in-process runner (its own timer) and RQ (``Retry``, and the
``on_failure`` callback ``pwa.worker.failed``). What is recorded names no person:
the exception's text (which may quote a row) is never kept.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pwa import jobs
from pwa.extensions import db
from pwa.jobs import schedule
from pwa.models import JobFailure, Organisation, Person
from tests.factories import make_person, own_rq_queue, sign_in_as, token

# Redis databases are shared by the machine: under xdist (CI's PostgreSQL run) every
# module that uses one runs on the same worker, one test at a time (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("redis")

REDIS = "redis://127.0.0.1:6379/8"
SECRET = "Ana Ruiz rated herself 2: 'my manager shouts'"

RUNS: list[int] = []
FAIL_TIMES = {"left": 0}


def flaky(value):
    """Fails while ``FAIL_TIMES['left']`` is above 0, with personal data in its message."""
    RUNS.append(value)
    if FAIL_TIMES["left"] > 0:
        FAIL_TIMES["left"] -= 1
        raise ValueError(SECRET)


@pytest.fixture
def flaky_job(monkeypatch):
    RUNS.clear()
    FAIL_TIMES["left"] = 0
    monkeypatch.setitem(jobs.JOBS, "test.flaky", f"{__name__}:flaky")
    monkeypatch.setitem(jobs.SCOPE, "test.flaky", "person")
    return "test.flaky"


def failures(app):
    with app.app_context():
        return [(f.job, f.arguments, f.organisation_id, f.attempts, f.error, f.kind,
                 f.message, f.job_id, f.resolved_at is not None)
                for f in db.session.scalars(sa.select(JobFailure).order_by(JobFailure.id))]


def org_id(app):
    with app.app_context():
        return db.session.scalar(sa.select(Organisation.id))


def run_in_process(app, name, *args):
    """Ask for a job as a request does, and wait for the runner's thread to finish it."""
    with app.test_request_context():
        jobs._submit(name, args)
    assert jobs._runner(app).settle(10)


def test_in_process_a_failing_job_is_tried_again_later_and_then_runs(
        app_factory, org, flaky_job, monkeypatch):
    app = app_factory(SKILLPATH_JOBS_INLINE=False, SKILLPATH_JOBS_DELAY_MS=0)
    monkeypatch.setattr(jobs, "RETRY_SECONDS", [0.2, 0.2, 0.2])
    ana = make_person(app)
    FAIL_TIMES["left"] = 2
    run_in_process(app, flaky_job, ana)
    assert RUNS == [ana, ana, ana]  # two failures, then it ran
    assert failures(app) == []  # it succeeded within its tries: nothing to record


def test_in_process_after_the_last_try_the_failure_is_recorded_without_personal_data(
        app_factory, org, flaky_job, monkeypatch):
    app = app_factory(SKILLPATH_JOBS_INLINE=False, SKILLPATH_JOBS_DELAY_MS=0)
    monkeypatch.setattr(jobs, "RETRY_SECONDS", [0.05, 0.1, 0.15])
    ana = make_person(app)
    FAIL_TIMES["left"] = 99
    run_in_process(app, flaky_job, ana)
    assert RUNS == [ana] * 4  # the first try and three more
    [failed] = failures(app)
    job, arguments, organisation, attempts, error, kind, message, job_id, resolved = failed
    assert (job, arguments, organisation, attempts) == ("test.flaky", f"[{ana}]", org["id"], 4)
    assert (error, kind, resolved) == ("ValueError", "code", False)
    # Where in the app's own code (a test's frames are not named): the job's call.
    assert message.startswith("pwa/jobs/__init__.py:") and message.endswith(" in run_here")
    assert job_id.startswith("test_flaky-")
    assert "Ana" not in repr(failed) and "manager" not in repr(failed)
    # The same job, succeeding later, marks it resolved; another person's does not.
    FAIL_TIMES["left"] = 0
    run_in_process(app, flaky_job, ana + 1000)
    assert failures(app)[0][-1] is False
    run_in_process(app, flaky_job, ana)
    assert failures(app)[0][-1] is True


def test_in_process_the_log_of_each_failed_try_never_quotes_the_error(
        app_factory, org, flaky_job, monkeypatch, caplog):
    """The log says which job failed (its id, which the failures page tells L&D to quote),
    its class and where, but not the exception's text: it may quote a rating or a note."""
    app = app_factory(SKILLPATH_JOBS_INLINE=False, SKILLPATH_JOBS_DELAY_MS=0)
    monkeypatch.setattr(jobs, "RETRY_SECONDS", [0.05, 0.05, 0.05])
    ana = make_person(app)
    FAIL_TIMES["left"] = 99
    with caplog.at_level("INFO"):
        run_in_process(app, flaky_job, ana)
    [failed] = failures(app)
    job_id = failed[7]
    assert RUNS == [ana] * 4
    tries = [r for r in caplog.records if r.name == "pwa.jobs" and r.levelname != "INFO"]
    assert tries and all(job_id in r.getMessage() for r in tries if "tried" in r.getMessage()
                         or "after 4 tries" in r.getMessage())
    assert any("ValueError" in r.getMessage() and "in flaky" in r.getMessage() for r in tries)
    assert "Ana Ruiz" not in caplog.text and "manager" not in caplog.text


def flaky_tick():
    """The minute's tick, failing as ``flaky`` does."""
    flaky("tick")


def clock_ask(app, monkeypatch):
    """What the app hands its own minute clock to ask with, as its first request starts it."""
    handed = []
    monkeypatch.setattr(schedule, "start_in_process", lambda app, ask: handed.append(ask))
    assert app.test_client().get("/healthz").status_code == 200
    [ask] = handed
    return ask


def test_in_process_a_job_the_clock_asks_for_is_tried_again_then_recorded_for_ld(
        app_factory, org, monkeypatch):
    """One machine: the minute's tick that fails is tried again as the page says, not run
    once and forgotten; after its last try L&D see it, as the server's."""
    app = app_factory(SKILLPATH_JOBS_INLINE=False, SKILLPATH_JOBS_DELAY_MS=0)
    monkeypatch.setattr(jobs, "RETRY_SECONDS", [0.05, 0.05, 0.05])
    monkeypatch.setitem(jobs.JOBS, "reminders.tick", f"{__name__}:flaky_tick")
    RUNS.clear()
    FAIL_TIMES["left"] = 99
    schedule._ask(app, clock_ask(app, monkeypatch), schedule.EVERY_MINUTE)
    assert jobs._runner(app).settle(10)
    assert RUNS == ["tick"] * 4  # the first try and three more
    [failed] = failures(app)
    assert failed[:6] == ("reminders.tick", "[]", None, 4, "ValueError", "code")
    assert failed[7].startswith("reminders_tick-") and failed[8] is False
    admin = sign_in_as(app, "Priya Nair", ld_admin=True)
    html = admin.get("/admin/jobs").get_data(as_text=True)
    assert "Deciding which reminders are due" in html and "for everyone on this server" in html
    assert "after 4 tries" in html and failed[7] in html
    # The next minute's tick, succeeding, marks it resolved.
    FAIL_TIMES["left"] = 0
    schedule._ask(app, clock_ask(app, monkeypatch), schedule.EVERY_MINUTE)
    assert jobs._runner(app).settle(10)
    assert failures(app)[0][-1] is True


def test_in_process_each_job_the_hours_routine_asks_for_is_tried_again_on_its_own(
        app_factory, org, monkeypatch):
    """The routine (run by the runner) hands the jobs it asks for to the runner: a release
    that fails twice is tried again and published, and the routine itself did not fail."""
    app = app_factory(SKILLPATH_JOBS_INLINE=False, SKILLPATH_JOBS_DELAY_MS=0)
    monkeypatch.setattr(jobs, "RETRY_SECONDS", [0.05, 0.05, 0.05])
    monkeypatch.setitem(jobs.JOBS, "releases.publish", f"{__name__}:flaky")
    for other in ("practice.fit", "mentors.reassign"):
        monkeypatch.setitem(jobs.JOBS, other, f"{__name__}:unused")
    RUNS.clear()
    FAIL_TIMES["left"] = 2
    schedule._ask(app, clock_ask(app, monkeypatch), schedule.EVERY_HOUR)
    assert jobs._runner(app).settle(10)
    assert RUNS == [org["id"]] * 3  # failed twice, then ran
    assert failures(app) == []


def unused(value):
    """A job of the routine this test does not look at."""


def test_on_rq_a_job_the_clock_asks_for_is_tried_again_then_recorded_for_ld(
        rq_app, org, monkeypatch):
    """``flask jobs schedule`` asks with the same function: on RQ the tick has RQ's retries
    and, after the last, its failure recorded, as any job queued by a request."""
    app, queue = rq_app
    monkeypatch.setattr(jobs, "RETRY_SECONDS", [0, 0])
    monkeypatch.setitem(jobs.JOBS, "reminders.tick", f"{__name__}:flaky_tick")
    RUNS.clear()
    FAIL_TIMES["left"] = 99
    schedule._ask(app, jobs.ask_from_clock, schedule.EVERY_MINUTE)
    [job] = queue.jobs
    assert job.retries_left == 2 and job.failure_callback is not None
    with app.app_context():
        jobs.worker(queue, simple=True).work(burst=True)
    assert RUNS == ["tick"] * 3
    [failed] = failures(app)
    assert failed[:6] == ("reminders.tick", "[]", None, 3, "ValueError", "code")
    assert failed[7] == job.id


def test_a_failure_is_described_by_its_class_kind_and_our_line_never_its_text(app, org):
    make_person(app, "Ana Ruiz")
    with app.app_context():
        ana = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
        try:  # the database quotes the row it refused, name and all
            db.session.execute(sa.insert(Person).values(
                id=ana.id, organisation_id=ana.organisation_id, role_id=ana.role_id,
                display_name="Ana Ruiz", user_handle=b"x"))
        except sa.exc.IntegrityError as exc:
            error, kind, where = jobs.describe(exc)
        db.session.rollback()
    assert (error, kind) == ("sqlalchemy.exc.IntegrityError", "conflict")
    assert "Ana" not in where and "Ruiz" not in where
    try:
        raise TimeoutError(SECRET)
    except TimeoutError as exc:
        error, kind, where = jobs.describe(exc)
    assert (error, kind, where) == ("TimeoutError", "timeout", "")  # raised in a test: not ours
    try:
        jobs._function("no.such.job")
    except KeyError as exc:
        error, kind, where = jobs.describe(exc)
    assert (error, kind) == ("KeyError", "code")
    assert where.startswith("pwa/jobs/__init__.py:") and where.endswith(" in _function")


def test_every_job_says_whose_it_is():
    assert set(jobs.SCOPE) == set(jobs.JOBS)
    assert set(jobs.SCOPE.values()) <= {"organisation", "person", "server"}


def test_every_job_has_a_name_ld_can_read():
    """The failures page names each job in words; a job left out showed its id."""
    from pwa.pages.admin import JOB_NAMES

    assert set(JOB_NAMES) == set(jobs.JOBS)


@pytest.fixture
def rq_app(app_factory):
    with own_rq_queue(app_factory, REDIS) as found:
        yield found


def test_on_rq_the_last_failed_try_is_recorded_and_a_later_success_resolves_it(
        rq_app, org, flaky_job, monkeypatch):
    app, queue = rq_app
    # Tried again at once (no wait), so one burst of the worker sees every try.
    monkeypatch.setattr(jobs, "RETRY_SECONDS", [0, 0])
    ana = make_person(app)
    FAIL_TIMES["left"] = 99
    with app.app_context():
        jobs.enqueue(flaky_job, ana)
        [job] = queue.jobs
        assert job.failure_callback is not None
        jobs.worker(queue, simple=True).work(burst=True)
    assert RUNS == [ana] * 3
    [failed] = failures(app)
    assert failed[:6] == ("test.flaky", f"[{ana}]", org["id"], 3, "ValueError", "code")
    assert failed[7] == job.id and failed[8] is False
    assert SECRET not in repr(failed)
    FAIL_TIMES["left"] = 0
    with app.app_context():
        jobs.enqueue(flaky_job, ana)
        jobs.worker(queue, simple=True).work(burst=True)
    assert failures(app)[0][-1] is True


def test_on_rq_the_workers_log_and_redis_name_the_job_and_error_never_its_text(
        rq_app, org, flaky_job, monkeypatch, caplog):
    app, queue = rq_app
    monkeypatch.setattr(jobs, "RETRY_SECONDS", [0])
    FAIL_TIMES["left"] = 99
    with app.app_context(), caplog.at_level("DEBUG"):
        jobs.enqueue(flaky_job, org["id"])
        [job] = queue.jobs
        jobs.worker(queue, simple=True).work(burst=True)
    failed = [r.getMessage() for r in caplog.records
              if r.name.startswith("rq") and r.levelname == "ERROR"]
    assert len(failed) == 2  # the first try and the one retry
    assert all(job.id in m and "ValueError (code)" in m and "in flaky" in m for m in failed)
    assert "Ana Ruiz" not in caplog.text and "manager" not in caplog.text
    assert "ValueError" in job.latest_result().exc_string
    assert "Ana Ruiz" not in job.latest_result().exc_string


def test_on_rq_a_try_that_has_a_retry_left_records_nothing(rq_app, org, flaky_job,
                                                           monkeypatch):
    app, queue = rq_app
    monkeypatch.setattr(jobs, "RETRY_SECONDS", [0, 0])
    FAIL_TIMES["left"] = 2  # fails twice, succeeds on the last try
    with app.app_context():
        jobs.enqueue(flaky_job, org["id"])
        jobs.worker(queue, simple=True).work(burst=True)
    assert RUNS == [org["id"]] * 3 and failures(app) == []


def test_ld_sees_their_failures_and_the_servers_not_other_organisations_and_can_retry(
        app, org, flaky_job):
    admin = sign_in_as(app, "Priya Nair", ld_admin=True)
    from pwa import clock
    from pwa.store import job_failures

    with app.app_context():
        other = Organisation(slug="other", name="Other Co")
        db.session.add(other)
        db.session.flush()
        for job, organisation, kind in [("mentors.assign", org["id"], "database"),
                                        ("push.send", None, "network"),
                                        ("releases.publish", other.id, "code")]:
            job_failures.record(job_failures.Failed(
                job=job, arguments=f"[{organisation}]" if organisation else "[]",
                organisation_id=organisation, job_id=f"{job}-1", attempts=4,
                error="SomeError", kind=kind, message="pwa/jobs/x.py:1 in y"), clock.now())
        job_failures.record(job_failures.Failed(
            job=flaky_job, arguments=f"[{org['id']}]", organisation_id=org["id"],
            job_id="test_flaky-2", attempts=4, error="ValueError", kind="code", message=""),
            clock.now())
        db.session.commit()
        flaky_id = db.session.scalar(sa.select(JobFailure.id).where(JobFailure.job == flaky_job))
    page = admin.get("/admin/jobs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Suggesting mentors" in html and "The database could not be reached" in html
    assert "Sending reminders to phones" in html and "for everyone on this server" in html
    assert "Publishing the reports" not in html  # another organisation's
    assert "3 not resolved" in html and "mentors.assign-1" in html
    assert html.count(" after 4 tries") == 3
    # Try again: the job runs (inline in tests), succeeds, and its failure is resolved.
    answer = admin.client.post(f"/admin/jobs/{flaky_id}/retry",
                               data={"csrf_token": token(html)}, follow_redirects=True)
    assert answer.status_code == 200 and RUNS == [org["id"]]
    after = answer.get_data(as_text=True)
    assert "The job was asked to run again" in after and "2 not resolved" in after
    assert "Resolved" in after
    with app.app_context():
        hidden = db.session.scalar(sa.select(JobFailure.id)
                                   .where(JobFailure.job == "releases.publish"))
    assert admin.client.post(f"/admin/jobs/{hidden}/retry",
                             data={"csrf_token": token(html)}).status_code == 404
    assert "Background jobs that failed" in admin.get("/admin").get_data(as_text=True)
