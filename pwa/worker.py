"""What an RQ worker runs: a queued job, in an app context built from the environment if need be.

Its own module, never imported by the app: ``pwa.jobs`` queues it by its path,
so the package the app imports does not import the app factory back.
"""

from __future__ import annotations

from typing import Any

from flask import has_app_context

from pwa import create_app
from pwa.jobs import run_queued


def run(name: str, *args: Any) -> None:
    """Run job ``name`` (``flask jobs work`` has an app context; a bare ``rq worker`` has none)."""
    if has_app_context():
        run_queued(name, args)
        return
    with create_app().app_context():
        run_queued(name, args)
