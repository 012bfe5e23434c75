"""What an RQ worker runs: a queued job, in an app context built from the environment if need be.

Its own module, never imported by the app: ``pwa.jobs`` queues it by its path,
so the package the app imports does not import the app factory back.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import has_app_context

from pwa import create_app
from pwa.jobs import log_untold, record_failure, run_queued

log = logging.getLogger(__name__)


def run(name: str, *args: Any) -> None:
    """Run job ``name`` (``flask jobs work`` has an app context; a bare ``rq worker`` has none)."""
    if has_app_context():
        run_queued(name, args)
        return
    with create_app().app_context():
        run_queued(name, args)


def failed(job: Any, connection: Any, exc_type: Any, exc_value: Any, tb: Any) -> None:
    """RQ's failure callback: after a job's last try, record its failure for L&D.

    RQ calls it after every failed run, before it decides whether to try again, and also
    for a job whose worker died mid-run (``AbandonedJobError``, no traceback). While a
    try is left nothing is recorded. It never raises: RQ would then record the callback's
    error in place of the job's.
    """
    if job.retries_left:
        return
    name, *args = job.args
    # Its tries come from the job's own retry policy, set when it was queued (the
    # intervals list has one wait per retry), not from today's RETRY_SECONDS.
    attempts = len(job.retry_intervals) + 1 - (job.retries_left or 0) \
        if job.retry_intervals else 1
    exc = exc_value if isinstance(exc_value, BaseException) else RuntimeError()
    if tb is not None and exc.__traceback__ is None:
        exc = exc.with_traceback(tb)
    try:
        if has_app_context():
            record_failure(name, tuple(args), job.id, attempts, exc)
            return
        with create_app().app_context():
            record_failure(name, tuple(args), job.id, attempts, exc)
    except Exception as failure:  # the database may be what failed the job
        log_untold(log, logging.ERROR, "could not record the failure of job %s", job.id,
                   exc=failure)
