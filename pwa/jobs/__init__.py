"""Background jobs: ``enqueue(name, *args)``, run in this process or by RQ workers.

One machine: the in-process backend hands each job, once the request that
asked for it has done its work (the route commits before it enqueues), to one
background thread of this process, so the person's answer never waits for it.
A job waits ``SKILLPATH_JOBS_DELAY_MS`` after it was first asked for before it
runs, and a job already waiting is not queued again: a burst of syncs that each
ask to assign mentors again costs one assignment, not one per sync. With
``SKILLPATH_JOBS_INLINE`` (the tests' setting) it runs before the answer
instead, so a test sees its effect at once. More than one
machine (``REDIS_URL`` set and ``rq`` installed): the job goes to the RQ
queue and a worker (``flask jobs work``) runs it in its own app context. There
too a job already waiting is not queued again: asking sets a Redis key for the
job's name and arguments (``SET NX`` with an expiry) and only the ask that set it
queues the job; the worker deletes the key as the job starts, before it reads
anything, so a change made while a job runs queues exactly one more run. A
job that fails is tried again three times, later each time (RQ's ``Retry``).
Outside a request (a command, the demo seed) the in-process backend runs it at once.

Every run logs one line: the job, its arguments and how long it took.

This package is the only place that imports rq.
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, Response, current_app, g, has_request_context
from flask.cli import AppGroup

QUEUE = "skillpath"  # the default of SKILLPATH_JOBS_QUEUE
RETRY_SECONDS = [10, 60, 300]  # a failed job is tried again after these waits, then kept
WORKER_ENTRY = "pwa.worker.run"  # what an RQ worker calls: pwa/worker.py
# name -> "module:function"; a job takes plain arguments (ids), never objects.
JOBS: dict[str, str] = {
    "mentors.assign": "pwa.jobs.mentors:assign_changes",
    "mentors.reassign": "pwa.jobs.mentors:assign_organisation",
    "plans.summarise": "pwa.jobs.plans:summarise_person",
    "plans.summarise_organisation": "pwa.jobs.plans:summarise_organisation",
    "practice.fit": "pwa.jobs.fitting:fit_due",
    "push.send": "pwa.jobs.push:send_due",
    "reminders.tick": "pwa.jobs.reminders:tick",
    "releases.publish": "pwa.jobs.releases:publish_due",
    "routine.hourly": "pwa.jobs.routine:hourly",
}

log = logging.getLogger(__name__)


def _function(name: str) -> Callable[..., Any]:
    module, _, attribute = JOBS[name].partition(":")
    found: Callable[..., Any] = getattr(importlib.import_module(module), attribute)
    return found


def enqueue(name: str, *args: Any) -> None:
    """Ask for job ``name`` with ``args``; the same job twice in one request runs once."""
    if name not in JOBS:
        raise KeyError(f"no job {name!r}")
    if has_request_context():
        waiting: list[tuple[str, tuple[Any, ...]]] = g.setdefault("skillpath_jobs", [])
        if (name, args) not in waiting:
            waiting.append((name, args))
        return
    _submit(name, args)


def _queue() -> Any:
    """The RQ queue when Redis is configured and rq is installed, else None."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    try:
        from redis import Redis
        from rq import Queue
    except ImportError:  # pragma: no cover - rq is a dependency; a slim install may lack it
        return None
    return Queue(current_app.config.get("SKILLPATH_JOBS_QUEUE") or QUEUE,
                 connection=Redis.from_url(url))


def waiting_key(queue_name: str, name: str, args: tuple[Any, ...]) -> str:
    """The Redis key that says job ``name(*args)`` waits in ``queue_name``, not yet started."""
    try:
        said = json.dumps(list(args), separators=(",", ":"))
    except TypeError:  # plain ids are JSON; anything else by its repr
        said = repr(args)
    return f"skillpath:jobs:{queue_name}:waiting:{name}:{said}"


# The waiting key holds "<job id> <unix time asked>", and " queued" once the job is in
# the queue. Deleted, or taken over by a new
# ask, only if it still holds what the caller read: a key that expired and was set
# again by a later ask belongs to the job that ask queued.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
_TAKE_OVER = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('set', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
end
return false
"""
# An ask that set the key queues its job within milliseconds; a key naming a job that
# does not exist for longer than this was left by a process that died between the two.
_QUEUEING_SECONDS = 30.0


def _still_waiting(queue: Any, held: str) -> bool:
    """Whether the job a waiting key names is still in the queue, not yet started."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    job_id, asked, *queued = held.split(" ")
    try:
        status = Job.fetch(job_id, connection=queue.connection).get_status(refresh=False)
    except NoSuchJobError:  # emptied or deleted; or being queued, or the asker died first
        return not queued and time.time() - float(asked or 0) < _QUEUEING_SECONDS
    # Started, done, failed or stopped: the worker that started it died before it
    # deleted the key, or the queue was emptied; either way nothing waits.
    return status in (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED,
                      JobStatus.CREATED)


def _enqueue_once(queue: Any, name: str, args: tuple[Any, ...]) -> bool:
    """Queue job ``name(*args)`` unless the same one waits; True if this call queued it."""
    from rq import Retry

    connection = queue.connection
    key = waiting_key(queue.name, name, args)
    job_id = f"{name}-{uuid.uuid4().hex}".replace(".", "_")
    value = f"{job_id} {time.time():.3f}"
    seconds = int(current_app.config.get("SKILLPATH_JOBS_WAITING_SECONDS") or 900)
    if not connection.set(key, value, nx=True, ex=seconds):
        held = connection.get(key)
        if held is None:  # it expired or started this instant: ask once more
            if not connection.set(key, value, nx=True, ex=seconds):
                return False
        elif _still_waiting(queue, held.decode()) or not connection.eval(
                _TAKE_OVER, 1, key, held, value, seconds):
            return False
    try:
        # By its path: the worker's entry builds the app, which imports this package.
        queue.enqueue(WORKER_ENTRY, name, *args, job_id=job_id, meta={"waiting": key},
                      retry=Retry(max=len(RETRY_SECONDS), interval=RETRY_SECONDS))
    except Exception:
        connection.eval(_RELEASE, 1, key, value)  # not queued: the next ask must queue it
        raise
    connection.eval(_TAKE_OVER, 1, key, value, f"{value} queued", seconds)
    return True


def run_queued(name: str, args: tuple[Any, ...]) -> None:
    """What a worker runs: the job stops waiting (a new ask queues another), then it runs."""
    from rq import get_current_job

    job = get_current_job()
    key = job.meta.get("waiting") if job is not None else None
    if job is not None and key:
        held = job.connection.get(key)
        if isinstance(held, bytes) and held.decode().partition(" ")[0] == job.id:
            job.connection.eval(_RELEASE, 1, key, held)
    run_here(name, args)


def _submit(name: str, args: tuple[Any, ...]) -> None:
    queue = _queue()
    if queue is not None:
        _enqueue_once(queue, name, args)
    elif current_app.config.get("SKILLPATH_JOBS_INLINE") or not has_request_context():
        # Outside a request (a command, the minute's clock, a job asking for the next)
        # nobody waits for an answer, and a command's process may end before a
        # background thread would run: the job runs here and now.
        run_here(name, args)
    else:
        _runner(current_app._get_current_object()).submit(name, args)  # type: ignore[attr-defined]


class Runner:
    """One daemon thread per app runs its jobs in order, each ``delay`` seconds after it was
    first asked for; a job already waiting is skipped."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.delay = app.config.get("SKILLPATH_JOBS_DELAY_MS", 0) / 1000
        self.changed = threading.Condition()
        self.waiting: list[tuple[str, tuple[Any, ...]]] = []
        self.due: dict[tuple[str, tuple[Any, ...]], float] = {}
        self.busy = False
        self.thread: threading.Thread | None = None

    def submit(self, name: str, args: tuple[Any, ...]) -> None:
        with self.changed:
            if (name, args) in self.waiting:
                return
            self.waiting.append((name, args))
            self.due[(name, args)] = time.monotonic() + self.delay
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._work, name="skillpath-jobs",
                                               daemon=True)
                self.thread.start()
            self.changed.notify_all()

    def _work(self) -> None:
        while True:
            with self.changed:
                while not self.waiting or (
                        wait := self.due[self.waiting[0]] - time.monotonic()) > 0:
                    self.changed.wait(wait if self.waiting else None)
                name, args = self.waiting.pop(0)
                del self.due[(name, args)]
                self.busy = True
            try:
                with self.app.app_context():
                    run_here(name, args)
            except Exception:  # logged; the next request that asks runs it again
                log.exception("job %s%r failed", name, args)
            finally:
                with self.changed:
                    self.busy = False
                    self.changed.notify_all()

    def settle(self, timeout: float = 30.0) -> bool:
        """Wait until nothing waits or runs; True if it settled in time."""
        with self.changed:
            return self.changed.wait_for(lambda: not self.waiting and not self.busy, timeout)


def _runner(app: Flask) -> Runner:
    found: Runner = app.extensions.setdefault("skillpath_jobs", Runner(app))
    return found


def run_here(name: str, args: tuple[Any, ...]) -> None:
    """Run job ``name`` in the app context at hand and commit what it wrote."""
    from pwa.extensions import db

    started = time.perf_counter()
    try:
        _function(name)(*args)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.warning("job %s%r failed after %.3f s", name, tuple(args),
                    time.perf_counter() - started)
        raise
    log.info("job %s%r took %.3f s", name, tuple(args), time.perf_counter() - started)


def _after_request(response: Response) -> Response:
    """Submit what the request asked for, once it answered without a server error."""
    waiting = g.pop("skillpath_jobs", [])
    if response.status_code >= 500:
        return response
    for name, args in waiting:
        try:
            _submit(name, args)
        except Exception:  # a failed job never breaks the answer the person already earned
            log.exception("job %s%r failed", name, args)
            if current_app.testing:
                raise
    return response


def init_app(app: Flask) -> None:
    from pwa.jobs import schedule

    app.after_request(_after_request)
    # The first request of a serving process starts its minute clock (not a command's).
    app.before_request(lambda: schedule.start_in_process(app, enqueue))


jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("work")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def work_command(burst: bool) -> None:
    """Run an RQ worker for this app's queue (needs REDIS_URL)."""
    queue = _queue()
    if queue is None:
        raise click.ClickException("Set REDIS_URL to use a worker; without it jobs run in the "
                                   "app's own process.")
    from rq import Worker

    # With the scheduler: a failed job's next try is due later (RETRY_SECONDS).
    Worker([queue], connection=queue.connection).work(burst=burst, with_scheduler=True)


@jobs_cli.command("schedule")
def schedule_command() -> None:
    """Ask for the minute's jobs (the reminder tick) every minute and the hour's routine
    (releases, FSRS fits, the nightly mentor assignment) every hour, until stopped.

    With REDIS_URL, run it on one or more machines: one leader at a time asks, the RQ
    workers run. Without it, the app's own process keeps the clock and this is only
    needed when the app serves no requests.
    """
    from pwa.jobs import schedule

    click.echo("Asking for the reminder tick every minute and the routine every hour "
               "(Ctrl-C stops).")

    def ask(name: str, *args: Any) -> None:
        enqueue(name, *args)
        # Said when asked, so an operator (and the tests) can see which scheduler leads.
        click.echo(f"{time.time():.3f} asked for {name}")

    schedule.run_forever(current_app._get_current_object(),  # type: ignore[attr-defined]
                        ask)
