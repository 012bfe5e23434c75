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
anything, so a change made while a job runs queues exactly one more run.

A job that fails is tried again three times, ``RETRY_SECONDS`` later each time, and
after the last try its failure is recorded for L&D (``/admin/jobs``), whoever asked for
it: a request, the clock (the minute's tick, the hour's routine: :func:`ask_from_clock`)
or another job. On RQ that is RQ's ``Retry`` and the ``on_failure`` callback; in
process it is the runner's own timer, so on one machine the clock and the jobs the
runner's thread asks for hand their jobs to the runner too. Only a one-shot command
(``flask mentors assign``, the demo seed), whose process ends when it is done, runs its
jobs at once, once: its failure is the command's, said where it was typed.

Every run logs one line: the job, its arguments and how long it took.

This package is the only place that imports rq.
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask, Response, current_app, g, has_request_context
from flask.cli import AppGroup

QUEUE = "skillpath"  # the default of SKILLPATH_JOBS_QUEUE
RETRY_SECONDS = [10, 60, 300]  # a failed job is tried again after these waits, then kept
WORKER_ENTRY = "pwa.worker.run"  # what an RQ worker calls: pwa/worker.py
FAILURE_CALLBACK = "pwa.worker.failed"  # what RQ calls when a run of it fails
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
    "xapi.send": "pwa.jobs.xapi:send_due",
}

# Which organisation a job's failure belongs to: its first argument is an organisation's
# id, or a person's; the others work for the whole server.
SCOPE: dict[str, str] = {
    "mentors.assign": "organisation",
    "mentors.reassign": "organisation",
    "plans.summarise": "person",
    "plans.summarise_organisation": "organisation",
    "practice.fit": "organisation",
    "push.send": "server",
    "reminders.tick": "server",
    "releases.publish": "organisation",
    "routine.hourly": "server",
    "xapi.send": "server",  # its arguments, if any, are statements to send again
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
        from rq import Queue
    except ImportError:  # pragma: no cover - rq is a dependency; a slim install may lack it
        return None
    return Queue(current_app.config.get("SKILLPATH_JOBS_QUEUE") or QUEUE,
                 connection=_client(url))


_CLIENTS: dict[str, Any] = {}


def _client(url: str) -> Any:
    """One Redis client per URL in this process: its pool keeps connections open.

    A client made per ask opened a new connection each time (every sync asks for its
    follow-up jobs). The client is thread-safe, and its pool drops the connections it
    inherited when a worker process forks.
    """
    client = _CLIENTS.get(url)
    if client is None:
        from redis import Redis

        client = _CLIENTS.setdefault(url, Redis.from_url(url))
    return client


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
    from rq import Callback, Retry

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
                      retry=Retry(max=len(RETRY_SECONDS), interval=RETRY_SECONDS),
                      on_failure=Callback(FAILURE_CALLBACK))
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


def ask_from_clock(name: str, *args: Any) -> None:
    """Ask for job ``name`` from a process that keeps running without requests: the app's
    own clock and ``flask jobs schedule``. As :func:`enqueue`, but on one machine the job
    goes to the runner's thread, tried again like any other job when it fails, rather
    than run here once: a command's way."""
    if name not in JOBS:
        raise KeyError(f"no job {name!r}")
    _submit(name, args, keeps_running=True)


# Set in the runner's thread: a job it runs that asks for another hands it to the runner.
_here = threading.local()


def _submit(name: str, args: tuple[Any, ...], *, keeps_running: bool = False) -> None:
    queue = _queue()
    if queue is not None:
        _enqueue_once(queue, name, args)
    elif current_app.config.get("SKILLPATH_JOBS_INLINE") or not (
            keeps_running or has_request_context() or getattr(_here, "runner", False)):
        # A one-shot command (or the demo seed) asking outside a request: its process
        # may end before a background thread would run, and nobody waits for an answer:
        # the job runs here and now, and a failure is the command's.
        run_here(name, args)
    else:
        _runner(current_app._get_current_object()).submit(name, args)  # type: ignore[attr-defined]


class Runner:
    """One daemon thread per app runs its jobs, each ``delay`` seconds after it was first
    asked for, the soonest due first; a job already waiting is skipped. A job that fails
    waits ``RETRY_SECONDS`` and is tried again; after the last try its failure is
    recorded."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.delay = app.config.get("SKILLPATH_JOBS_DELAY_MS", 0) / 1000
        self.changed = threading.Condition()
        self.waiting: list[tuple[str, tuple[Any, ...]]] = []
        self.due: dict[tuple[str, tuple[Any, ...]], float] = {}
        self.tries: dict[tuple[str, tuple[Any, ...]], int] = {}  # failed runs so far
        self.ids: dict[tuple[str, tuple[Any, ...]], str] = {}  # one id through its retries
        self.busy = False
        self.thread: threading.Thread | None = None

    def submit(self, name: str, args: tuple[Any, ...], after: float | None = None) -> None:
        key = (name, args)
        due = time.monotonic() + (self.delay if after is None else after)
        with self.changed:
            if key in self.waiting:  # a new ask while a retry waits: the sooner wins
                self.due[key] = min(self.due[key], due)
                self.changed.notify_all()
                return
            self.waiting.append(key)
            self.due[key] = due
            self.ids.setdefault(key, f"{name}-{uuid.uuid4().hex}".replace(".", "_"))
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._work, name="skillpath-jobs",
                                               daemon=True)
                self.thread.start()
            self.changed.notify_all()

    def _next(self) -> tuple[str, tuple[Any, ...]]:
        """Wait for the soonest due job and take it (the caller holds the lock)."""
        while True:
            if not self.waiting:
                self.changed.wait()
                continue
            key = min(self.waiting, key=self.due.__getitem__)
            wait = self.due[key] - time.monotonic()
            if wait <= 0:
                self.waiting.remove(key)
                del self.due[key]
                return key
            self.changed.wait(wait)

    def _work(self) -> None:
        _here.runner = True  # what a job asks for is this runner's too, with its retries
        while True:
            with self.changed:
                name, args = key = self._next()
                self.busy = True
            try:
                with self.app.app_context():
                    try:
                        run_here(name, args)
                    except Exception as exc:
                        self._failed(key, exc)
                    else:
                        self.tries.pop(key, None)
                        self.ids.pop(key, None)
            except Exception as exc:  # recording the failure failed too (its database?)
                log_untold(log, logging.ERROR, "job %s%r failed", name, args, exc=exc)
            finally:
                with self.changed:
                    self.busy = False
                    self.changed.notify_all()

    def _failed(self, key: tuple[str, tuple[Any, ...]], exc: Exception) -> None:
        """Try again later, or record the failure after the last try."""
        name, args = key
        tries = self.tries.get(key, 0) + 1
        if tries <= len(RETRY_SECONDS):
            self.tries[key] = tries
            log.warning("job %s%r (%s) will be tried again in %s s: %s", name, args,
                        self.ids.get(key, ""), RETRY_SECONDS[tries - 1], untold(exc))
            self.submit(name, args, after=RETRY_SECONDS[tries - 1])
            return
        job_id = self.ids.pop(key, "")
        self.tries.pop(key, None)
        log.error("job %s%r (%s) failed after %d tries: %s", name, args, job_id, tries,
                  untold(exc))
        record_failure(name, args, job_id, tries, exc)

    def settle(self, timeout: float = 30.0) -> bool:
        """Wait until nothing waits or runs; True if it settled in time."""
        with self.changed:
            return self.changed.wait_for(lambda: not self.waiting and not self.busy, timeout)


def _runner(app: Flask) -> Runner:
    found: Runner = app.extensions.setdefault("skillpath_jobs", Runner(app))
    return found


def run_here(name: str, args: tuple[Any, ...]) -> None:
    """Run job ``name`` in the app context at hand and commit what it wrote; a run that
    succeeds resolves the job's recorded failures."""
    from pwa import clock
    from pwa.extensions import db
    from pwa.store import job_failures

    started = time.perf_counter()
    began = clock.now()
    try:
        _function(name)(*args)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.warning("job %s%r failed after %.3f s", name, tuple(args),
                    time.perf_counter() - started)
        raise
    log.info("job %s%r took %.3f s", name, tuple(args), time.perf_counter() - started)
    if job_failures.resolve(name, arguments(args), clock.now(), before=began):
        db.session.commit()


def arguments(args: tuple[Any, ...]) -> str:
    """A job's arguments as they are recorded with its failure: plain ids, as JSON."""
    try:
        return json.dumps(list(args), separators=(",", ":"))
    except TypeError:
        return repr(list(args))


_OURS = Path(__file__).resolve().parent.parent.parent  # the checkout: engine/, pwa/, api/


def describe(exc: BaseException) -> tuple[str, str, str]:
    """The exception's class, its kind, and where in our code it was raised.

    Never the exception's text: a database error quotes the values of its row, and any
    message may hold a name or a note. The kind is what the L&D page explains.
    """
    cls = type(exc)
    error = cls.__qualname__ if cls.__module__ == "builtins" \
        else f"{cls.__module__}.{cls.__qualname__}"
    where = ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = Path(frame.filename)
        if path.is_relative_to(_OURS) and path.relative_to(_OURS).parts[0] in \
                ("engine", "pwa", "api"):
            where = f"{path.relative_to(_OURS).as_posix()}:{frame.lineno} in {frame.name}"
            break
    return error, _kind(exc), where


def untold(exc: BaseException) -> str:
    """An exception as the log gets it: its class, its kind and the stack of our calls
    where it was raised (:func:`describe`'s), never its text, which may quote a row (a
    rating, a note: a database error quotes the values it was given)."""
    error, kind, _ = describe(exc)
    stack = "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
    return f"{error} ({kind}), its text left out:\n{stack}"


_DATABASES = ("sqlalchemy", "psycopg", "psycopg2", "sqlite3")


def quotes_a_row(exc: BaseException) -> bool:
    """Whether ``exc``, or an exception it was raised from or while handling, is a
    database error: its text may quote the row it refused (PostgreSQL's ``DETAIL: Failing
    row contains (...)``), with a person's level or note in it."""
    seen: set[int] = set()
    found: BaseException | None = exc
    while found is not None and id(found) not in seen:
        seen.add(id(found))
        if any(c.__module__.partition(".")[0] in _DATABASES for c in type(found).__mro__):
            return True
        found = found.__cause__ or found.__context__
    return False


def log_untold(logger: logging.Logger, level: int, message: str, *args: Any,
               exc: BaseException) -> None:
    """Log ``message`` with :func:`untold`'s account of ``exc`` (and of the exceptions it
    was raised from or while handling), never their text."""
    told = [untold(exc)]
    seen = {id(exc)}
    found = exc.__cause__ or exc.__context__
    while found is not None and id(found) not in seen:
        seen.add(id(found))
        told.append("after " + untold(found))
        found = found.__cause__ or found.__context__
    logger.log(level, message + ": %s", *args, "\n".join(told))


def _kind(exc: BaseException) -> str:
    names = {f"{c.__module__}.{c.__qualname__}" for c in type(exc).__mro__}
    if "sqlalchemy.exc.IntegrityError" in names:
        return "conflict"  # the database refused a change: a rule of its data
    if names & {"sqlalchemy.exc.OperationalError", "sqlalchemy.exc.InterfaceError",
                "sqlalchemy.exc.TimeoutError", "psycopg.OperationalError"}:
        return "database"  # it could not be reached, or was busy
    if names & {"redis.exceptions.ConnectionError", "redis.exceptions.TimeoutError"}:
        return "redis"
    if names & {"rq.exceptions.AbandonedJobError", "rq.timeouts.JobTimeoutException"}:
        return "worker"  # the worker stopped during the job, or the job ran out of time
    if "builtins.TimeoutError" in names:
        return "timeout"
    if "requests.exceptions.RequestException" in names:
        return "network"
    return "code"


def organisation_of(name: str, args: tuple[Any, ...]) -> int | None:
    """The organisation a job works for, or None for the whole server."""
    scope = SCOPE.get(name, "server")
    if scope == "server" or not args or not isinstance(args[0], int):
        return None
    if scope == "organisation":
        return args[0]
    from pwa.extensions import db
    from pwa.models import Person

    person = db.session.get(Person, args[0])
    return person.organisation_id if person is not None else None


def record_failure(name: str, args: tuple[Any, ...], job_id: str, attempts: int,
                   exc: BaseException) -> None:
    """Record a job's failure after its last try, in a transaction of its own."""
    from pwa import clock
    from pwa.extensions import db
    from pwa.store import job_failures

    db.session.rollback()
    error, kind, where = describe(exc)
    organisation_id = organisation_of(name, args)
    job_failures.record(job_failures.Failed(
        job=name, arguments=arguments(args), organisation_id=organisation_id, job_id=job_id,
        attempts=attempts, error=error, kind=kind, message=where), clock.now())
    db.session.commit()


def _after_request(response: Response) -> Response:
    """Submit what the request asked for, once it answered without a server error."""
    waiting = g.pop("skillpath_jobs", [])
    if response.status_code >= 500:
        return response
    for name, args in waiting:
        try:
            _submit(name, args)
        except Exception as exc:  # a failed job never breaks the answer already earned
            log_untold(log, logging.ERROR, "job %s%r failed", name, args, exc=exc)
            if current_app.testing:
                raise
    return response


def init_app(app: Flask) -> None:
    from pwa.jobs import schedule

    app.after_request(_after_request)
    # The first request of a serving process starts its minute clock (not a command's).
    app.before_request(lambda: schedule.start_in_process(app, ask_from_clock))


jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("work")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def work_command(burst: bool) -> None:
    """Run an RQ worker for this app's queue (needs REDIS_URL)."""
    queue = _queue()
    if queue is None:
        raise click.ClickException("Set REDIS_URL to use a worker; without it jobs run in the "
                                   "app's own process.")
    # With the scheduler: a failed job's next try is due later (RETRY_SECONDS).
    worker(queue).work(burst=burst, with_scheduler=True)


def worker(queue: Any, *, simple: bool = False) -> Any:
    """An RQ worker for ``queue`` (``simple``: one that runs jobs in its own process).

    RQ's own ``unsubscribe`` sends the unsubscribe, then stops the thread that listens
    for commands. When that thread reads the reply first, it goes back to wait up to a
    minute for a subscription that never comes, and redis-py's ``stop`` waits for it:
    a worker took a minute to stop. Here the thread is told to stop first, so the
    reply ends its loop.

    RQ logs a failed job's whole traceback, its text included, and keeps that in Redis
    with the failed job; a database error's text may quote a person's row. Here the log
    and Redis get :func:`untold`'s account: the job id, the exception's class and the
    stack, never the text.
    """
    from rq import SimpleWorker, Worker
    from rq.job_lifecycle import call_exception_handlers

    class StopsAtOnce(SimpleWorker if simple else Worker):  # type: ignore[misc]
        told: str | None = None  # the failure handle_exception just logged, untold

        def handle_exception(self, job: Any, *exc_info: Any) -> None:
            exc = exc_info[1] if len(exc_info) > 1 else None
            self.told = untold(exc) if isinstance(exc, BaseException) \
                else "an exception of unknown class"
            self.log.error("Worker %s: job %s failed: %s", self.name, job.id, self.told,
                           extra={"queue": job.origin, "job_id": job.id})
            call_exception_handlers(self._exc_handlers, job, *exc_info)

        def handle_job_failure(self, job: Any, queue: Any, started_job_registry: Any = None,
                               exc_string: str = "", execution: Any = None) -> None:
            # After handle_exception: the text RQ formatted is replaced by the untold one.
            # Else RQ's own words (a work horse that died), which quote nothing of ours.
            told, self.told = self.told, None
            super().handle_job_failure(job, queue, started_job_registry,
                                       exc_string=told or exc_string, execution=execution)

        def unsubscribe(self) -> None:
            thread = self.pubsub_thread
            if not thread:
                return
            thread.stop(timeout=0)
            self.pubsub.unsubscribe()
            thread.join(timeout=1)
            self.pubsub.close()

    return StopsAtOnce([queue], connection=queue.connection)


@jobs_cli.command("schedule")
def schedule_command() -> None:
    """Ask for the minute's jobs (the reminder tick) every minute and the hour's routine
    (releases, FSRS fits, the nightly mentor assignment) every hour, until stopped.

    With REDIS_URL, run it on one or more machines: one leader at a time asks, the RQ
    workers run. Without it, the app's own process keeps the clock and this is only
    needed when the app serves no requests; the jobs then run in this process's runner,
    tried again like any other.
    """
    from pwa.jobs import schedule

    click.echo("Asking for the reminder tick every minute and the routine every hour "
               "(Ctrl-C stops).")

    def ask(name: str, *args: Any) -> None:
        ask_from_clock(name, *args)
        # Said when asked, so an operator (and the tests) can see which scheduler leads.
        click.echo(f"{time.time():.3f} asked for {name}")

    schedule.run_forever(current_app._get_current_object(),  # type: ignore[attr-defined]
                        ask)
