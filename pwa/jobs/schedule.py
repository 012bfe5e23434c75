"""The clock for background work: the reminder tick once a minute, the routine once an hour.

The routine (``pwa.jobs.routine``) asks for each organisation's release, FSRS fit and,
at night, its whole mentor assignment; each of those keeps to its own schedule.

One machine (no ``REDIS_URL``): the app's own process keeps the clock, in a daemon
thread started by its first request (never by a command or the tests), which hands
each job to the process's job runner (``pwa.jobs.ask_from_clock``): a tick that fails
is tried again and, after its last try, recorded for L&D, as any job is. More than one
machine: ``flask jobs schedule`` is the one process that keeps the clock; it may run
on several machines for safety, since only the one holding a Redis lock that expires
(a leader) asks for ticks, and the RQ workers run them, with RQ's retries. A tick asked
twice costs work, never a second notification: claims are unique per person, kind and
local date.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask

from pwa import clock

log = logging.getLogger(__name__)
EVERY_MINUTE = ("reminders.tick",)
EVERY_HOUR = ("routine.hourly",)
LEADER_KEY = "skillpath:scheduler:leader"


Enqueue = Callable[[str], None]


def _ask(app: Flask, enqueue: Enqueue, names: tuple[str, ...] = EVERY_MINUTE) -> None:
    with app.app_context():
        for name in names:
            try:
                enqueue(name)
            except Exception:  # not even asked (Redis down?): the next minute asks again
                log.exception("could not ask for %s", name)


class Clock:
    """What each tick of the clock asks for: the minute's jobs, and the hour's in the first
    tick of each hour (by the app's clock), including the first tick after a start."""

    def __init__(self) -> None:
        self.hour: int | None = None

    def names(self) -> tuple[str, ...]:
        hour = int(clock.now().timestamp() // 3600)
        if hour == self.hour:
            return EVERY_MINUTE
        self.hour = hour
        return EVERY_MINUTE + EVERY_HOUR


def _sleep_to_next(seconds: float) -> None:
    time.sleep(seconds - time.time() % seconds)


def _keep_time(app: Flask, enqueue: Enqueue, seconds: float, leads: Any = None) -> None:
    ticks = Clock()
    while True:
        _sleep_to_next(seconds)
        if leads is None or leads():
            _ask(app, enqueue, ticks.names())


def start_in_process(app: Flask, enqueue: Enqueue) -> None:
    """Keep the clock in this process, once, unless another process or nobody should."""
    if app.extensions.get("skillpath_clock"):  # every request asks: the quick answer first
        return
    seconds = float(app.config.get("SKILLPATH_TICK_SECONDS") or 0)
    if seconds <= 0 or app.testing or app.config.get("REDIS_URL"):
        return
    with _started_lock:
        if app.extensions.get("skillpath_clock"):
            return
        thread = threading.Thread(target=_keep_time, args=(app, enqueue, seconds), daemon=True,
                                  name="skillpath-clock")
        app.extensions["skillpath_clock"] = thread
        thread.start()


_started_lock = threading.Lock()


def leader(redis: Any, lease_seconds: float) -> Any:
    """A function that says whether this process leads, taking or renewing the lease."""
    token = f"{os.getpid()}-{uuid.uuid4().hex}"

    def leads() -> bool:
        ms = int(lease_seconds * 1000)
        if redis.set(LEADER_KEY, token, nx=True, px=ms):
            return True
        held = redis.get(LEADER_KEY)
        if held is not None and held.decode() == token:
            redis.pexpire(LEADER_KEY, ms)
            return True
        return False

    return leads


def run_forever(app: Flask, enqueue: Enqueue) -> None:
    """``flask jobs schedule``: keep the clock here, as the leader when Redis is shared."""
    seconds = float(app.config.get("SKILLPATH_TICK_SECONDS") or 60)
    leads = None
    if app.config.get("REDIS_URL"):
        from redis import Redis

        leads = leader(Redis.from_url(app.config["REDIS_URL"]), lease_seconds=seconds * 1.5)
    _keep_time(app, enqueue, seconds, leads)
