"""Reminders across real processes: two ticks racing, a sender killed mid-send, RQ workers.

Each process is the app's own command (``flask reminders tick``, ``flask jobs work``,
``flask jobs schedule``) on this run's database, with its clock moved to the
learner's reminder time by ``SKILLPATH_CLOCK_OFFSET``, as an operator would
move it to show the demo on another day.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from redis import Redis
from rq import Queue

from engine import practice as practice_rules
from pwa import clock, jobs
from pwa.jobs import schedule
from pwa.store import push as store
from tests.factories import person_named, save_reminders, sign_in_as, with_plan
from tests.pushservice import PushService, vapid_private_key

# Redis databases are shared by the machine: under xdist (CI's PostgreSQL run) every
# module that uses one runs on the same worker, one test at a time (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("redis")

KEY = vapid_private_key()
REDIS = "redis://127.0.0.1:6379/15"


@pytest.fixture
def app(app_factory: Any, service: PushService) -> Flask:
    made: Flask = app_factory(VAPID_PRIVATE_KEY=KEY, SKILLPATH_PUSH_SERVICES=service.origin,
                              SKILLPATH_PUSH_CONTACT="mailto:ld@northwind.example")
    return made


def reminded(app: Flask, service: PushService, name: str = "Ana Ruiz") -> dict[str, Any]:
    """``name`` with one phone subscribed, plan reminders on at 08:30 UTC, and a plan."""
    api = sign_in_as(app, name)
    sub = service.subscribe()
    assert api.post("/api/v1/push/subscriptions", sub).status_code == 201
    save_reminders(api, kinds=["plan"])
    with_plan(app, person_named(app, name))
    return sub


def next_morning() -> datetime:
    """08:30:20 UTC of the app's tomorrow: the learners' reminder time has just come."""
    tomorrow = practice_rules.local_day(clock.now(), "UTC") + timedelta(days=1)
    return practice_rules.day_start(tomorrow, "UTC") + timedelta(hours=8, minutes=30, seconds=20)


def environment(app: Flask, service: PushService, at: datetime,
                **more: str) -> dict[str, str]:
    """What a process of the app needs to run on this test's database with its clock at ``at``."""
    env = {**os.environ, "SECRET_KEY": app.config["SECRET_KEY"],
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SKILLPATH_ENV": "production", "SKILLPATH_ORIGIN": "http://localhost",
           "VAPID_PRIVATE_KEY": KEY, "SKILLPATH_VAPID_FILE": "",
           "SKILLPATH_PUSH_SERVICES": service.origin,
           "SKILLPATH_PUSH_CONTACT": "mailto:ld@northwind.example",
           "SKILLPATH_PUSH_TIMEOUT": "30",
           # The machine's clock moved to ``at`` (the test's own offset, if any, included).
           clock.OFFSET_VARIABLE: repr((at - datetime.now(UTC)).total_seconds() / 86400)}
    env.pop("REDIS_URL", None)  # the machine's, if set: only the test says whether to use one
    env.update(more)
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args", {}).get("options")
    if options:
        env["PGOPTIONS"] = options
    return env


def flask(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "pwa", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen[str], timeout: float = 120) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return out


def test_two_tick_processes_racing_send_one_reminder(app: Flask, org: Any,
                                                     service: PushService) -> None:
    sub = reminded(app, service)
    env = environment(app, service, next_morning())
    ticks = [flask(env, "reminders", "tick") for _ in range(2)]
    said = sorted(finished(tick).strip() for tick in ticks)
    assert said == ["Claimed 0 notifications.", "Claimed 1 notification."]
    [got] = service.to(sub["endpoint"])
    assert got.payload["title"] == "Your learning plan"
    assert service.refused == []


def test_a_sender_killed_waiting_for_the_push_service_costs_one_send_after_its_lease(
        app: Flask, org: Any, service: PushService) -> None:
    sub = reminded(app, service)
    morning = next_morning()
    hold = service.hold(sub["endpoint"])
    tick = flask(environment(app, service, morning), "reminders", "tick")
    try:
        # It claimed, leased and committed, and is posting: the service keeps it waiting.
        assert hold.arrived.wait(60), tick.communicate(timeout=5)
        tick.send_signal(signal.SIGKILL)
        tick.communicate(timeout=30)
    finally:
        hold.release.set()
    assert tick.returncode == -signal.SIGKILL and service.received == []
    # The next minute's tick: the notification is claimed, its lease still holds.
    soon = environment(app, service, morning + timedelta(minutes=1))
    assert finished(flask(soon, "reminders", "tick")).strip() == "Claimed 0 notifications."
    assert service.received == []
    # The first tick after the lease ran out sends it, once; later ticks send nothing.
    for minutes in (store.LEASE.total_seconds() / 60 + 1, 30):
        after = environment(app, service, morning + timedelta(minutes=minutes))
        assert finished(flask(after, "reminders", "tick")).strip() == "Claimed 0 notifications."
    [got] = service.to(sub["endpoint"])
    assert got.payload["url"] == "/app#/plan"


def test_with_redis_the_tick_and_the_sends_run_on_an_rq_worker(
        app: Flask, app_factory: Any, org: Any, service: PushService) -> None:
    redis = Redis.from_url(REDIS)
    redis.ping()  # the local Redis must be there: without it this test fails, never skips
    queue = Queue(jobs.QUEUE, connection=redis)
    queue.empty()
    subs = [reminded(app, service, name) for name in ("Ana Ruiz", "Ben Okoro")]
    queued = app_factory(REDIS_URL=REDIS)
    with queued.app_context():
        jobs.enqueue("reminders.tick")  # what the scheduler's leader asks for each minute
    assert queue.count == 1 and service.received == []
    done_before = set(queue.finished_job_registry.get_job_ids())
    env = environment(app, service, next_morning(), REDIS_URL=REDIS)
    out = finished(flask(env, "jobs", "work", "--burst"))
    assert queue.count == 0, out
    for sub in subs:
        [got] = service.to(sub["endpoint"])
        assert got.payload["title"] == "Your learning plan"
    # The tick asked for push.send on the queue, and the same worker ran it.
    done = set(queue.finished_job_registry.get_job_ids()) - done_before
    assert sorted(queue.fetch_job(job).args[0] for job in done) == ["push.send",
                                                                     "reminders.tick"]


def test_of_two_schedulers_on_redis_one_asks_for_each_minute(
        app: Flask, org: Any, service: PushService) -> None:
    redis = Redis.from_url(REDIS)
    redis.delete(schedule.LEADER_KEY)
    queue = Queue(jobs.QUEUE, connection=redis)
    queue.empty()
    # A "minute" of one second, so that a few pass while the test waits.
    env = environment(app, service, datetime.now(UTC) + clock.offset(), REDIS_URL=REDIS,
                      SKILLPATH_TICK_SECONDS="1")
    schedulers = [flask(env, "jobs", "schedule") for _ in range(2)]
    # Each scheduler says when it asked: a tick already waiting is merged in the queue
    # (pwa.jobs), so the queue alone would hide two leaders asking at once.
    asked: list[float] = []

    def read(process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.rstrip().endswith("asked for reminders.tick"):
                asked.append(float(line.split()[0]))

    readers = [threading.Thread(target=read, args=(p,), daemon=True) for p in schedulers]
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + 60
    while len(asked) < 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    for process in schedulers:
        process.terminate()
        process.wait(timeout=30)
    for reader in readers:
        reader.join(timeout=10)
    for process in schedulers:
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
    assert len(asked) >= 4, [p.returncode for p in schedulers]
    per_second = Counter(int(at) for at in asked)
    assert max(per_second.values()) == 1, per_second  # one leader asked, not two
    queue.empty()
    redis.delete(schedule.LEADER_KEY)
