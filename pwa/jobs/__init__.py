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
queue and a worker (``flask jobs work``) runs it in its own app context.
Outside a request (a command, the demo seed) the in-process backend runs it at once.

This package is the only place that imports rq.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, Response, current_app, g, has_request_context
from flask.cli import AppGroup

QUEUE = "skillpath"
WORKER_ENTRY = "pwa.worker.run"  # what an RQ worker calls: pwa/worker.py
# name -> "module:function"; a job takes plain arguments (ids), never objects.
JOBS: dict[str, str] = {
    "mentors.assign": "pwa.jobs.mentors:assign_organisation",
    "plans.summarise": "pwa.jobs.plans:summarise_person",
    "plans.summarise_organisation": "pwa.jobs.plans:summarise_organisation",
    "practice.fit": "pwa.jobs.fitting:fit_due",
    "push.send": "pwa.jobs.push:send_due",
    "reminders.tick": "pwa.jobs.reminders:tick",
    "releases.publish": "pwa.jobs.releases:publish_due",
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
    return Queue(QUEUE, connection=Redis.from_url(url))


def _submit(name: str, args: tuple[Any, ...]) -> None:
    queue = _queue()
    if queue is not None:
        # By its path: the worker's entry builds the app, which imports this package.
        queue.enqueue(WORKER_ENTRY, name, *args)
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

    try:
        _function(name)(*args)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


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

    Worker([queue], connection=queue.connection).work(burst=burst)


@jobs_cli.command("schedule")
def schedule_command() -> None:
    """Ask for the minute's jobs (the reminder tick) every minute, until stopped.

    With REDIS_URL, run it on one or more machines: one leader at a time asks, the RQ
    workers run. Without it, the app's own process keeps the clock and this is only
    needed when the app serves no requests.
    """
    from pwa.jobs import schedule

    click.echo("Asking for the reminder tick every minute (Ctrl-C stops).")
    schedule.run_forever(current_app._get_current_object(),  # type: ignore[attr-defined]
                        enqueue)
