"""The shift-start storm: phones sync a week of offline answers against ``make run-scaled``.

The supervisor of ``make run-scaled`` (scripts/run_scaled.py) serves a database of
its own (``skillpath_storm`` on the local PostgreSQL, made afresh each run) with
Redis database 9: gunicorn's web workers, an RQ worker and the scheduler. Before it
starts, ``PHONES`` learners are written in bulk, each with a passkey, a ``sessions``
row and a session record in Redis, so each phone holds a session cookie as if it had
signed in (no WebAuthn), and asks for its CSRF token the way the app does.

Each phone holds ``EVENTS`` events in its outbox (ratings, practice answers and a
plan goal, as the app makes them; one phone in five holds one malformed event the
server must quarantine) and starts at a moment spread evenly over ``WINDOW``
seconds. It does what ``static/js/data/sync.js`` does: ask who is signed in (and
the token), send the outbox in batches of 100, halving a batch the server refuses
as a whole, then fetch the bootstrap bundle; then it reads its plan and asks for
the bundle again with its ETag (a 304 if nothing changed). A connection refused or
cut, a timeout, a 429 or a 5xx makes the phone try the whole sync again after its
backoff (2 s, doubling, at most 5 minutes), as the app does.

Printed: events/s, requests/s, p50/p95/p99 of sync and bootstrap, 5xx, and then from
the database: lost (valid events sent and not stored), doubled (in ``events``, in the
rating history and in practice answers), the quarantine against the malformed
events sent, and the read model of latest ratings against the phones' own latest;
where the server's time went, by route, from its one log line per request; and how
long after the last phone every mentor suggestion was up to date (one mentor for
every ten phones offers both competencies: every uncovered gap has its suggestion, no
suggestion outlives its gap, no job waits; goal within a minute). Then
again with a gunicorn worker killed (SIGKILL) at a quarter, half and three quarters of
the window, and the RQ worker at half: the master starts a new web worker each time,
the supervisor (``--restart-worker``) a new RQ worker, and the phones' retries bring
everything in.

The ramp finds the largest rate that holds: on one server, steps of
``SKILLPATH_STORM_STEP`` seconds (20) at rising rates, ``SKILLPATH_STORM_RAMP``
syncs per second (5,10,20,40,80,160), after 40 phones at once have warmed the
server up; each step's phones are new ones, waited for before the next step. It
stops at the first step that does not hold (p99 of sync or bootstrap 1 s or more,
a 5xx, or a phone done more than 10 s after its step).

PostgreSQL and Redis only: in ``make bench``'s SQLite pass it says so and returns;
it runs in the PostgreSQL pass. Sized by ``SKILLPATH_STORM_PHONES`` (300),
``SKILLPATH_STORM_EVENTS`` (20), ``SKILLPATH_STORM_WINDOW`` (60 s) and
``SKILLPATH_STORM_WORKERS`` (web workers; run_scaled's default); the goal is
50,000 phones × 20 events within 300 s.
"""

from __future__ import annotations

import heapq
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from redis import Redis

from pwa import clock, create_app
from pwa.extensions import db
from pwa.models import MentorCompetency, MentorOffer, Person, Role
from pwa.session import SESSION_ID
from scripts.run_scaled import children
from tests.benchmarks.goals import goal
from tests.factories import add_lesson, make_org, publish_profile, signed_in_people

ROOT = Path(__file__).resolve().parents[2]
# The PostgreSQL server of make bench's PostgreSQL pass; its "postgres" database to make ours.
SERVER = sa.engine.make_url(os.environ.get("TEST_DATABASE_URL")
                            or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
                            ).set(database="postgres")
DATABASE = "skillpath_storm"
REDIS = "redis://127.0.0.1:6379/9"
SECRET = "storm-secret-key-" + "x" * 32

PHONES = int(os.environ.get("SKILLPATH_STORM_PHONES") or 300)
EVENTS = int(os.environ.get("SKILLPATH_STORM_EVENTS") or 20)
WINDOW = float(os.environ.get("SKILLPATH_STORM_WINDOW") or 60)
WORKERS = os.environ.get("SKILLPATH_STORM_WORKERS")
CLIENT_THREADS = int(os.environ.get("SKILLPATH_STORM_THREADS") or 64)
RAMP = [int(rate) for rate in (os.environ.get("SKILLPATH_STORM_RAMP")
                               or "5,10,20,40,80,160").split(",")]
STEP = float(os.environ.get("SKILLPATH_STORM_STEP") or 20)
WARM_UP = 40  # phones, all at once, before the ramp's first step

BATCH = 100  # static/js/data/sync.js: BATCH
FIRST_BACKOFF, MAX_BACKOFF = 2.0, 300.0  # sync.js retryLater: 2 s, doubling, at most 5 min
TIMEOUT = 30.0  # a phone on store Wi-Fi gives up on an answer after this long
MALFORMED_EVERY = 5  # one phone in five holds one malformed event
GOAL_P99 = 1.0
COMPETENCIES = ("greet", "tills")
# One mentor (not a phone) for every ten phones, offering both competencies with room for
# 25 each: places for every gap the phones' ratings can open, so that up to date means
# every uncovered gap has its suggestion and no suggestion outlives its gap.
MENTOR_EVERY, MENTOR_CAPACITY = 10, 25
MENTORS_GOAL = 60.0  # seconds from the last phone to every suggestion up to date


# The phones' outboxes ------------------------------------------------------------------


@dataclass
class Phone:
    number: int
    person_id: int
    cookie: str
    outbox: list[dict[str, Any]]
    start: float  # seconds into the window
    etag: str | None = None
    backoff: float = 0.0
    tries: int = 0
    done_at: float | None = None
    refused: dict[str, str] = field(default_factory=dict)  # event id -> code


def outbox(number: int, lesson: str, now: datetime) -> tuple[list[dict[str, Any]], str | None]:
    """A week offline: ``EVENTS`` events, mostly ratings, some practice answers, a goal.

    Returns the events and the id of the malformed one, if this phone holds one.
    """
    rng = random.Random(number)
    start = now - timedelta(days=7) + timedelta(seconds=rng.randrange(3600))
    events = []
    for n in range(EVENTS):
        at = (start + timedelta(minutes=17 * n)).isoformat().replace("+00:00", "Z")
        kind = n % 3
        if n == EVENTS - 1:
            type_, data = "plan.goal.added", {"competency": "greet"}
        elif kind in (0, 1):
            type_, data = "rating.set", {"role": "store-associate",
                                         "competency": COMPETENCIES[kind],
                                         "version": 1, "level": rng.randint(1, 5), "note": None}
        else:
            right = rng.random() < 0.7
            type_, data = "card.reviewed", {
                "item": lesson, "revision": 1, "question": n % 3, "answer": [0] if right else [1],
                "correct": right, "hinted": False, "grade": 3 if right else 1,
                "response_ms": rng.randrange(2000, 9000)}
        events.append({"id": str(uuid.uuid4()), "type": type_, "schema": 1, "occurred_at": at,
                       "device_id": f"phone-{number}", "data": data})
    bad = None
    if number % MALFORMED_EVERY == 0 and EVENTS > 1:
        # A rating of a level the scale does not have (an old app's bug): refused, kept.
        events[0] = {**events[0], "type": "rating.set",
                     "data": {"role": "store-associate", "competency": "greet", "version": 1,
                              "level": 9, "note": None}}
        bad = events[0]["id"]
    return events, bad


# The storm's servers -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def database_url() -> str:
    return SERVER.set(database=DATABASE).render_as_string(hide_password=False)


def fresh_database(create: bool = True) -> None:
    """The storm's database dropped, and made anew unless ``create`` is false."""
    admin = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
            if create:
                conn.execute(sa.text(f'CREATE DATABASE "{DATABASE}"'))
    finally:
        admin.dispose()


def server_env(tmp: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "PORT", "PGOPTIONS", "TEST_DATABASE_URL",
                          "WEB_CONCURRENCY"} and not key.startswith("SKILLPATH_")}
    env.update(DATABASE_URL=database_url(), REDIS_URL=REDIS, SKILLPATH_ENV="development",
               SECRET_KEY=SECRET, SKILLPATH_VAPID_FILE=str(tmp / "vapid_private.pem"))
    return env


def seed(env: dict[str, str], count: int = PHONES) -> tuple[list[int], list[str], str]:
    """Migrate, then one organisation, its profile and a lesson, and ``count`` learners
    signed in on one phone each. Returns their ids, their session cookies and the lesson."""
    upgrade = subprocess.run([sys.executable, "-m", "flask", "--app", "pwa", "db", "upgrade"],
                             env=env, cwd=ROOT, capture_output=True, text=True)
    assert upgrade.returncode == 0, upgrade.stderr[-3000:]
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(), "SECRET_KEY": SECRET,
                      "REDIS_URL": REDIS, "SKILLPATH_ENV": "development",
                      "SKILLPATH_VAPID_FILE": ""})
    make_org(app)
    publish_profile(app)
    lesson = add_lesson(app)
    with app.app_context():
        role = db.session.scalar(sa.select(Role.id).where(Role.slug == "store-associate"))
        signed_in = signed_in_people(role, count)
        people = [p for p, _ in signed_in]
        sessions = [s for _, s in signed_in]
        org = db.session.scalar(sa.select(Role.organisation_id).where(Role.id == role))
        now = clock.now()
        mentors = db.session.execute(sa.insert(Person).returning(Person.id), [
            {"organisation_id": org, "role_id": role, "display_name": f"Mentor {n:04d}",
             "time_zone": "UTC", "locale": "en", "is_ld_admin": False,
             "user_handle": os.urandom(32)}
            for n in range(max(1, count // MENTOR_EVERY))]).scalars().all()
        db.session.execute(sa.insert(MentorOffer), [
            {"person_id": m, "status": "active", "capacity": MENTOR_CAPACITY, "load": 0,
             "languages": ["en"], "availability": "", "contact": "", "occurred_at": now}
            for m in mentors])
        db.session.execute(sa.insert(MentorCompetency), [
            {"person_id": m, "competency": key} for m in mentors for key in COMPETENCIES])
        db.session.commit()
        db.engine.dispose()
    # Each phone's session record, stored as the app stores one at sign-in.
    cookies = []
    interface = app.session_interface
    with app.test_request_context("/"):
        from flask import request

        for row in sessions:
            record = interface.open_session(app, request)
            record[SESSION_ID] = row
            record.permanent = True
            response = app.response_class()
            interface.save_session(app, record, response)
            cookies.append(response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1])
    return list(people), cookies, lesson


@contextmanager
def supervisor(env: dict[str, str], port: int, log: Path) -> Iterator[dict[str, int]]:
    """``make run-scaled`` without its demo seed; yields the pids it started, by name."""
    command = [sys.executable, "scripts/run_scaled.py", "--port", str(port), "--no-seed",
               "--grace", "20", "--restart-worker"]
    if WORKERS:
        command += ["--workers", WORKERS]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while "Serving on " not in log.read_text(errors="replace"):
            assert process.poll() is None and time.monotonic() < deadline, \
                log.read_text(errors="replace")[-3000:]
            time.sleep(0.2)
        yield started(log)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def started(log: Path) -> dict[str, int]:
    """The pids the supervisor said it started, the latest of each name."""
    found = {}
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("Started "):
            found[line.split()[1]] = int(line.split("pid ")[1].rstrip(")."))
    return found


# The storm ---------------------------------------------------------------------------


class Retry(Exception):
    """The whole sync waits for the next try (sync.js: the outbox waits)."""


@dataclass
class Record:
    """Every request's route, status (0: no answer) and seconds, and what was sent."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[tuple[str, int, float]] = field(default_factory=list)

    def add(self, route: str, status: int, seconds: float) -> None:
        with self.lock:
            self.requests.append((route, status, seconds))


class Storm:
    def __init__(self, port: int, phones: list[Phone]) -> None:
        self.port = port
        self.record = Record()
        self.heap: list[tuple[float, int]] = [(p.start, p.number) for p in phones]
        heapq.heapify(self.heap)
        self.phones = {p.number: p for p in phones}
        self.left = len(phones)
        self.ready = threading.Condition()
        self.began = 0.0

    def request(self, phone: Phone, method: str, path: str, route: str,
                body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        sent = {"Cookie": f"skillpath_session={phone.cookie}", **(headers or {})}
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            answer = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.record.add(route, 0, time.perf_counter() - started)
            raise Retry(str(exc)) from exc
        finally:
            conn.close()
        self.record.add(route, response.status, time.perf_counter() - started)
        cookie = response.getheader("Set-Cookie") or ""
        if cookie.startswith("skillpath_session="):
            phone.cookie = cookie.split(";")[0].split("=", 1)[1]
        if response.status == 429 or response.status >= 500:
            raise Retry(f"{route} {response.status}")
        return response.status, dict(response.getheaders()), answer

    def send(self, phone: Phone, batch: list[dict[str, Any]], token: str) -> list[str]:
        """sync.js sendBatch: the ids settled (saved or refused); halve a refused batch."""
        status, _, answer = self.request(
            phone, "POST", "/api/v1/sync", "sync", json.dumps({"events": batch}).encode(),
            {"Content-Type": "application/json", "X-CSRFToken": token})
        body = json.loads(answer or b"{}")
        if status == 200:
            for refusal in body["refused"]:
                phone.refused[refusal["id"]] = refusal["code"]
            return [*body["accepted"], *body["duplicates"], *(r["id"] for r in body["refused"])]
        if status == 401 or body.get("error") == "csrf_failed" or status < 400:
            raise Retry(f"sync {status} {body.get('error')}")
        if len(batch) > 1:
            half = (len(batch) + 1) // 2
            return [*self.send(phone, batch[:half], token), *self.send(phone, batch[half:], token)]
        phone.refused[batch[0]["id"]] = body.get("error", str(status))
        return [batch[0]["id"]]

    def sync_once(self, phone: Phone) -> None:
        """sync.js syncOnce, then a plan read and the bundle again."""
        _, _, answer = self.request(phone, "GET", "/api/v1/auth/session", "session")
        who = json.loads(answer)
        if not who["signed_in"]:
            raise AssertionError(f"phone {phone.number} is not signed in")
        token = who["csrf_token"]
        while phone.outbox:
            settled = set(self.send(phone, phone.outbox[:BATCH], token))
            phone.outbox = [e for e in phone.outbox if e["id"] not in settled]
        self.bootstrap(phone)
        status, _, _ = self.request(phone, "GET", "/api/v1/plan", "plan")
        assert status == 200, status
        self.bootstrap(phone, again=True)

    def bootstrap(self, phone: Phone, again: bool = False) -> None:
        headers = {"If-None-Match": phone.etag} if phone.etag else {}
        status, answered, _ = self.request(phone, "GET", "/api/v1/bootstrap",
                                           "bootstrap again" if again else "bootstrap",
                                           headers=headers)
        assert status in (200, 304), status
        if status == 200:
            phone.etag = answered.get("ETag")

    def take(self) -> Phone | None:
        with self.ready:
            while True:
                if self.left == 0:
                    return None
                now = time.perf_counter() - self.began
                if self.heap and self.heap[0][0] <= now:
                    return self.phones[heapq.heappop(self.heap)[1]]
                self.ready.wait(min(self.heap[0][0] - now, 1.0) if self.heap else 1.0)

    def work(self) -> None:
        while (phone := self.take()) is not None:
            phone.tries += 1
            try:
                self.sync_once(phone)
            except Retry:
                phone.backoff = min(phone.backoff * 2 if phone.backoff else FIRST_BACKOFF,
                                    MAX_BACKOFF)
                with self.ready:
                    heapq.heappush(self.heap, (time.perf_counter() - self.began + phone.backoff,
                                               phone.number))
                    self.ready.notify()
                continue
            except Exception:
                with self.ready:
                    self.left -= 1
                    self.ready.notify_all()
                raise
            phone.done_at = time.perf_counter() - self.began
            with self.ready:
                self.left -= 1
                self.ready.notify_all()

    def run(self, deadline: float) -> float:
        """Every phone synced, or ``deadline`` seconds passed; the seconds it took."""
        self.began = time.perf_counter()
        threads = [threading.Thread(target=self.work, daemon=True) for _ in range(CLIENT_THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(0.0, deadline - (time.perf_counter() - self.began)))
        with self.ready:
            self.left = 0  # a phone still waiting stops here; what it holds counts as lost
            self.ready.notify_all()
        for t in threads:
            t.join(TIMEOUT + 5)
        return time.perf_counter() - self.began


# The figures -------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def where_time_goes(log: Path, since: int = 0) -> tuple[str, Counter[str]]:
    """The server's own time by route, from its one JSON line per request (from byte
    ``since`` of the log on)."""
    total: dict[str, float] = defaultdict(float)
    count: Counter[str] = Counter()
    each: dict[str, list[float]] = defaultdict(list)
    statuses: Counter[str] = Counter()
    with log.open("rb") as text:
        text.seek(since)
        lines = text.read().decode(errors="replace").splitlines()
    for line in lines:
        if not line.startswith('{"request_id"'):
            continue
        entry = json.loads(line)
        # A 304 apart: it shows what an unchanged bundle costs the server.
        route = f"{entry['method']} {entry['route']}" + (" 304" if entry["status"] == 304 else "")
        total[route] += entry["ms"] or 0
        count[route] += 1
        each[route].append(entry["ms"] or 0)
        statuses[f"{entry['status']}"] += 1
    whole = sum(total.values()) or 1
    parts = [f"{route} {100 * ms / whole:.0f}% ({count[route]:,} requests, server p50 "
             f"{percentile(each[route], 0.5):.0f} ms, p99 {percentile(each[route], 0.99):.0f} ms)"
             for route, ms in sorted(total.items(), key=lambda kv: -kv[1])[:6]]
    return "; ".join(parts), statuses


def transactions() -> int:
    """Transactions committed and rolled back in the storm's database so far."""
    admin = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return int(conn.scalar(sa.text(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database "
                "WHERE datname = :name"), {"name": DATABASE}) or 0)
    finally:
        admin.dispose()


def check_database(phones: list[Phone], sent: dict[str, dict[str, Any]],
                   malformed: set[str]) -> dict[str, Any]:
    engine = sa.create_engine(database_url())
    try:
        with engine.connect() as conn:
            stored = set(conn.scalars(sa.text("SELECT id FROM events")))
            doubled_events = conn.scalar(sa.text(
                "SELECT count(*) - count(DISTINCT id) FROM events"))
            doubled_ratings = conn.scalar(sa.text(
                "SELECT count(*) - count(DISTINCT event_id) FROM ratings"))
            doubled_reviews = conn.scalar(sa.text(
                "SELECT count(*) - count(DISTINCT id) FROM practice_reviews"))
            reviews = conn.scalar(sa.text("SELECT count(*) FROM practice_reviews"))
            ratings = conn.scalar(sa.text("SELECT count(*) FROM ratings"))
            kept = dict(conn.execute(sa.text(
                "SELECT event_id, count(*) FROM quarantined_events GROUP BY event_id")).all())
            # The read model against the rating history it is made of ...
            behind = conn.scalar(sa.text("""
                SELECT count(*) FROM latest_ratings l WHERE l.event_id IS DISTINCT FROM (
                  SELECT r.event_id FROM ratings r
                  WHERE r.person_id = l.person_id AND r.competency_id = l.competency_id
                  ORDER BY r.occurred_at DESC, r.event_id DESC LIMIT 1)"""))
            pairs = conn.scalar(sa.text(
                "SELECT count(*) FROM (SELECT DISTINCT person_id, competency_id FROM ratings) p"))
            rows = conn.scalar(sa.text("SELECT count(*) FROM latest_ratings"))
            # ... and against each phone's own latest rating of each competency.
            latest = {(p, key): level for p, key, level in conn.execute(sa.text("""
                SELECT l.person_id, c.key, l.level FROM latest_ratings l
                JOIN competencies c ON c.id = l.competency_id"""))}
    finally:
        engine.dispose()
    owner = {f"phone-{p.number}": p.person_id for p in phones}
    expected: dict[tuple[int, str], tuple[str, int]] = {}
    for e_id, event in sent.items():
        if event["type"] != "rating.set" or e_id in malformed:
            continue
        key = (owner[event["device_id"]], event["data"]["competency"])
        if key not in expected or expected[key][0] < event["occurred_at"]:
            expected[key] = (event["occurred_at"], event["data"]["level"])
    valid = set(sent) - malformed
    return {
        "lost": len(valid - stored),
        "stored": len(stored),
        "doubled": doubled_events + doubled_ratings + doubled_reviews,
        "doubled_parts": (doubled_events, doubled_ratings, doubled_reviews),
        "ratings": ratings, "reviews": reviews,
        "quarantined_ids": set(kept), "quarantined_rows": sum(kept.values()),
        "malformed_stored": len(malformed & stored),
        "read_model_off": behind + abs(pairs - rows) + sum(
            1 for key, (_, level) in expected.items() if latest.get(key) != level),
    }


def mentors_caught_up(redis: Redis, give_up: float = 180.0) -> tuple[float | None, dict[str, int]]:
    """Seconds until every mentor suggestion is up to date (None: not within ``give_up``),
    and what was still off when it stopped looking.

    Up to date: no job waiting or running in any queue, no person marked for the
    assignment, every uncovered gap with its suggestion (the mentors have room for all)
    and no suggestion whose gap has closed.
    """
    from rq import Queue

    engine = sa.create_engine(database_url())
    started = time.perf_counter()
    try:
        while True:
            names = [key.decode().removeprefix("rq:queue:") for key in redis.keys("rq:queue:*")]
            queues = [Queue(name, connection=redis) for name in names]
            with engine.connect() as conn:
                off = {
                    "jobs": sum(q.count + q.started_job_registry.count for q in queues),
                    "marked": int(conn.scalar(sa.text("SELECT count(*) FROM mentor_changes"))),
                    "gaps without a suggestion": int(conn.scalar(sa.text("""
                        SELECT count(*) FROM uncovered_gaps g WHERE NOT EXISTS (
                          SELECT 1 FROM mentor_suggestions s WHERE s.learner_id = g.person_id
                          AND s.competency = g.competency)"""))),
                    "suggestions without a gap": int(conn.scalar(sa.text("""
                        SELECT count(*) FROM mentor_suggestions s WHERE NOT EXISTS (
                          SELECT 1 FROM uncovered_gaps g WHERE g.person_id = s.learner_id
                          AND g.competency = s.competency)"""))),
                }
                off["gaps"] = int(conn.scalar(sa.text("SELECT count(*) FROM uncovered_gaps")))
            waited = time.perf_counter() - started
            if not any(v for k, v in off.items() if k != "gaps"):
                return waited, off
            if waited > give_up:
                return None, off
            time.sleep(0.5)
    finally:
        engine.dispose()


# The ramp: the largest rate that holds ----------------------------------------------


@dataclass
class Step:
    """One step of the ramp: its rate, and what the phones and the server saw."""

    rate: int
    phones: int
    took: float
    last: float
    unfinished: int
    sync: list[float]
    boot: list[float]
    fives: int
    no_answer: int
    requests: int
    where: str
    queued: int

    def failures(self) -> list[str]:
        p99_sync, p99_boot = percentile(self.sync, 0.99), percentile(self.boot, 0.99)
        return [what for what, bad in [
            (f"sync p99 {p99_sync:.2f} s", p99_sync >= GOAL_P99),
            (f"bootstrap p99 {p99_boot:.2f} s", p99_boot >= GOAL_P99),
            (f"{self.fives} x 5xx", self.fives > 0),
            (f"{self.unfinished} phones unfinished", self.unfinished > 0),
            (f"the last phone done {self.last - STEP:.0f} s after its step",
             not self.last <= STEP + 10)] if bad]


def run_step(port: int, rate: int, phones: list[Phone], log: Path, redis: Redis) -> Step:
    """``phones`` (``rate`` per second for ``STEP`` seconds) storm the running server; the
    step waits for the last of them (or gives up 120 s after the step) before the next."""
    since = log.stat().st_size
    storm = Storm(port, phones)
    took = storm.run(deadline=STEP + 120)
    record = storm.record.requests
    by: dict[str, list[float]] = defaultdict(list)
    for route, _status, seconds in record:
        by[route].append(seconds)
    statuses = Counter(status for _, status, _ in record)
    where, _ = where_time_goes(log, since)
    return Step(
        rate=rate, phones=len(phones), took=took,
        last=max((p.done_at for p in phones if p.done_at is not None), default=float("nan")),
        unfinished=sum(1 for p in phones if p.done_at is None),
        sync=by["sync"], boot=by["bootstrap"] + by["bootstrap again"],
        fives=sum(n for status, n in statuses.items() if status >= 500),
        no_answer=statuses[0], requests=len(record), where=where,
        queued=sum(int(redis.llen(key)) for key in redis.keys("rq:queue:*")))


def ramp(capsys: Any) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="skillpath-ramp-"))
    try:
        _ramp(capsys, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        fresh_database(create=False)


def _ramp(capsys: Any, tmp: Path) -> None:
    fresh_database()
    redis = Redis.from_url(REDIS)
    redis.flushdb()
    env = server_env(tmp)
    # The first few phones warm the server up (every web worker's first requests load what
    # it loads lazily); they are not a step, but what they send is checked like the rest.
    sizes = [WARM_UP, *(rate * int(STEP) for rate in RAMP)]
    seeded = time.perf_counter()
    people, cookies, lesson = seed(env, sum(sizes))
    seeding = time.perf_counter() - seeded
    now = clock.now()
    steps: list[list[Phone]] = []
    sent: dict[str, dict[str, Any]] = {}
    malformed: set[str] = set()
    n = 0
    for index, size in enumerate(sizes):
        spread = STEP if index else 0.0  # the warm-up's phones come all at once
        batch = []
        for k in range(size):
            events, bad = outbox(n, lesson, now)
            if bad:
                malformed.add(bad)
            sent.update({e["id"]: e for e in events})
            batch.append(Phone(n, people[n], cookies[n], events, start=spread * k / size))
            n += 1
        random.Random(size).shuffle(batch)
        steps.append(batch)

    port = free_port()
    log = tmp / "run_scaled.log"
    done: list[Step] = []
    with supervisor(env, port, log) as pids:
        web_workers = children(pids["web"])
        warm = Storm(port, steps[0])
        warm.run(deadline=120)
        for rate, phones in zip(RAMP, steps[1:], strict=True):
            step = run_step(port, rate, phones, log, redis)
            done.append(step)
            if step.failures():
                break
            time.sleep(5)  # what the step queued is worked off before the next one
    redis.close()
    # The steps not reached sent nothing: only the phones that stormed count.
    tried = [phone for phones in steps[:len(done) + 1] for phone in phones]
    devices = {f"phone-{phone.number}" for phone in tried}
    sent = {e_id: event for e_id, event in sent.items() if event["device_id"] in devices}
    malformed &= set(sent)
    figures = check_database(tried, sent, malformed)
    held = [step.rate for step in done if not step.failures()]

    def ms(values: list[float]) -> str:
        return "/".join(f"{1000 * percentile(values, q):,.0f}" for q in (0.5, 0.95, 0.99))

    with capsys.disabled():
        print(f"\nshift-start storm, ramped (PostgreSQL + Redis, make run-scaled, "
              f"{len(web_workers)} web workers, {CLIENT_THREADS} client threads on the same "
              f"two cores; {EVENTS} events a phone, steps of {STEP:.0f} s, each step's phones "
              f"waited for before the next; seeding {sum(sizes):,} phones took {seeding:.0f} s)")
        for step in done:
            failed = step.failures()
            print(f"  {step.rate} syncs/s asked ({step.phones:,} phones): served "
                  f"{step.phones / step.took:.1f}/s, last done at {step.last:.0f} s, "
                  f"{step.requests / step.took:,.0f} requests/s; sync p50/p95/p99 "
                  f"{ms(step.sync)} ms, bootstrap {ms(step.boot)} ms; {step.fives} x 5xx, "
                  f"{step.no_answer} without an answer; RQ jobs waiting after it {step.queued}: "
                  + ("holds" if not failed else f"does not hold ({', '.join(failed)})"))
        print(f"  server time by route in the last step: {done[-1].where}")
        print(f"  database: lost {figures['lost']}, doubled {figures['doubled']}, stored "
              f"{figures['stored']:,} events; malformed quarantined exactly: "
              f"{figures['quarantined_ids'] == malformed}; latest ratings off "
              f"{figures['read_model_off']}")
        best = max(held, default=0)
        print(f"  the largest rate that holds: {best} syncs/s, that is {best * 300:,} phones "
              f"x {EVENTS} events in 5 minutes at that rate (goal about 170 syncs/s: 50,000 "
              f"phones in 5 minutes)")
    goal(figures["lost"] == 0, f"storm ramp: {figures['lost']} events lost (goal 0)")
    goal(figures["doubled"] == 0, f"storm ramp: {figures['doubled']} doubled (goal 0)")
    goal(figures["quarantined_ids"] == malformed,
         "storm ramp: the quarantine is not exactly the malformed events")
    goal(figures["read_model_off"] == 0,
         f"storm ramp: latest ratings off in {figures['read_model_off']} rows (goal 0)")
    goal(max(held, default=0) >= 170,
         f"storm ramp: the largest rate that holds is {max(held, default=0)} syncs/s "
         f"(goal about 170: 50,000 phones x 20 events within 300 s, p99 < 1 s)")


# The tests ---------------------------------------------------------------------------


def postgresql_pass(capsys: Any) -> bool:
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"):
        return True
    with capsys.disabled():
        print("\nshift-start storm: PostgreSQL + Redis only (make run-scaled); "
              "it runs in the PostgreSQL pass")
    return False


def storm(capsys: Any, kill: bool) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="skillpath-storm-"))
    try:
        _storm(capsys, kill, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        fresh_database(create=False)


def _storm(capsys: Any, kill: bool, tmp: Path) -> None:
    fresh_database()
    redis = Redis.from_url(REDIS)
    redis.flushdb()
    env = server_env(tmp)
    seeded = time.perf_counter()
    people, cookies, lesson = seed(env)
    seeding = time.perf_counter() - seeded
    now = clock.now()
    phones, sent, malformed = [], {}, set()
    for n, (person, cookie) in enumerate(zip(people, cookies, strict=True)):
        events, bad = outbox(n, lesson, now)
        if bad:
            malformed.add(bad)
        sent.update({e["id"]: e for e in events})
        phones.append(Phone(n, person, cookie, events, start=WINDOW * n / max(1, PHONES)))
    random.Random(7).shuffle(phones)  # phones come in no order of their own

    port = free_port()
    log = tmp / "run_scaled.log"
    killed: list[str] = []
    horses: list[int] = []
    with supervisor(env, port, log) as pids:
        web_workers = children(pids["web"])
        run = Storm(port, phones)
        if kill:
            def killer() -> None:
                # A web worker at a quarter, half and three quarters of the window, one at a
                # time (so that one is likely to be cut inside a sync), the RQ worker at half.
                for quarter in (1, 2, 3):
                    time.sleep(WINDOW / 4)
                    victim = random.choice(children(pids["web"]))
                    os.kill(victim, signal.SIGKILL)
                    killed.append(f"gunicorn worker {victim} at {quarter * WINDOW / 4:.0f} s")
                    if quarter == 2:
                        # Its work horse, if a job was running, lives on as an orphan.
                        horses.extend(children(pids["worker"]))
                        os.kill(pids["worker"], signal.SIGKILL)
                        killed.append(f"RQ worker {pids['worker']} at {WINDOW / 2:.0f} s")

            threading.Thread(target=killer, daemon=True).start()
        before = transactions()
        took = run.run(deadline=WINDOW + 600)
        queued = {key.decode(): redis.llen(key) for key in redis.keys("rq:queue:*")}
        # From the last phone done (the storm may have ended later: the stragglers' retries).
        after_last = max(0.0, took - max((p.done_at or 0.0) for p in phones))
        caught_up, mentors_off = mentors_caught_up(redis)
        if caught_up is not None:
            caught_up += after_last
        restarted = started(log)
        web_after = children(restarted["web"])
    for horse in horses:  # a horse still there after its job: ended by its pid
        try:
            if b"jobs\x00work" in Path(f"/proc/{horse}/cmdline").read_bytes():
                os.kill(horse, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass
    redis.close()
    time.sleep(1)  # every backend has ended: its counts are in pg_stat_database
    committed = transactions() - before
    figures = check_database(phones, sent, malformed)
    where, logged = where_time_goes(log)

    record = run.record.requests
    by = defaultdict(list)
    for route, _status, seconds in record:
        by[route].append(seconds)
    statuses = Counter(status for _, status, _ in record)
    fives = sum(n for status, n in statuses.items() if status >= 500)
    no_answer = statuses[0]
    unfinished = sum(1 for p in phones if p.done_at is None)
    last = max((p.done_at for p in phones if p.done_at is not None), default=float("nan"))
    sync_times = by["sync"]
    boot_times = by["bootstrap"] + by["bootstrap again"]
    again = Counter(s for r, s, _ in record if r == "bootstrap again")
    p99_sync, p99_boot = percentile(sync_times, 0.99), percentile(boot_times, 0.99)
    refused_ok = set().union(*(p.refused for p in phones)) == malformed
    quarantine_ok = figures["quarantined_ids"] == malformed and figures["malformed_stored"] == 0
    label = "kill run" if kill else "storm"
    total_events = PHONES * EVENTS

    def ms(values: list[float]) -> str:
        return "/".join(f"{1000 * percentile(values, q):,.0f}" for q in (0.5, 0.95, 0.99))

    with capsys.disabled():
        killing = " with web workers and the RQ worker killed" if kill else ""
        print(f"\nshift-start storm{killing} (PostgreSQL + Redis, make run-scaled, "
              f"{len(web_workers)} web workers, "
              f"{CLIENT_THREADS} client threads, machine shared with other work; seeding "
              f"{seeding:.0f} s): {PHONES:,} phones x {EVENTS} events = {total_events:,} events, "
              f"starts spread over {WINDOW:.0f} s; last phone done at {last:.0f} s "
              f"(ran {took:.0f} s), {unfinished} unfinished")
        print(f"  {total_events / took:,.0f} events/s, {len(record) / took:,.0f} requests/s "
              f"({len(record):,} requests, {sum(p.tries for p in phones) - PHONES:,} retried "
              f"syncs, {no_answer:,} without an answer, {fives} x 5xx, statuses "
              f"{dict(sorted(statuses.items()))})")
        print(f"  sync p50/p95/p99 {ms(sync_times)} ms ({len(sync_times):,}); bootstrap "
              f"{ms(boot_times)} ms ({len(boot_times):,}); session {ms(by['session'])} ms; "
              f"plan {ms(by['plan'])} ms; second bootstrap answers {dict(again)}")
        print(f"  database: lost {figures['lost']}, doubled {figures['doubled']} (events, "
              f"ratings, practice answers: {figures['doubled_parts']}), stored "
              f"{figures['stored']:,} events, {figures['ratings']:,} ratings, "
              f"{figures['reviews']:,} practice answers; malformed sent {len(malformed)}, "
              f"quarantined {len(figures['quarantined_ids'])} ids in "
              f"{figures['quarantined_rows']} rows (exactly the malformed: {quarantine_ok}; "
              f"phones told refused exactly those: {refused_ok}); latest ratings off "
              f"{figures['read_model_off']}")
        print(f"  server time by route: {where}")
        print(f"  RQ queues afterwards: {queued or 'empty'}")
        print(f"  mentor suggestions: {mentors_off['gaps']:,} uncovered gaps; every one "
              + (f"up to date {caught_up:.0f} s after the last phone"
                 if caught_up is not None else f"NOT up to date 3 minutes later: {mentors_off}")
              + f" (goal within {MENTORS_GOAL:.0f} s)")
        if kill:
            cut = Counter(route for route, status, _ in record if status == 0)
            print(f"  killed mid-storm: {', '.join(killed)}; web workers afterwards "
                  f"{len(web_after)}, RQ worker pid {pids['worker']} -> {restarted['worker']}; "
                  f"requests cut (no answer), by route: {dict(cut) or 'none'}")
        print(f"  PostgreSQL transactions while it ran: {committed:,}, "
              f"{committed / PHONES:.1f} per phone (its 5 requests, and the jobs they queue)")
        failed = [what for what, bad in [
            (f"sync p99 {p99_sync:.2f} s", p99_sync >= GOAL_P99),
            (f"bootstrap p99 {p99_boot:.2f} s", p99_boot >= GOAL_P99),
            (f"{fives} x 5xx", fives > 0), (f"{figures['lost']} lost", figures["lost"] > 0),
            (f"{figures['doubled']} doubled", figures["doubled"] > 0),
            (f"{unfinished} phones unfinished", unfinished > 0),
            (f"the last phone done {last - WINDOW:.0f} s after the window",
             not last <= WINDOW + 10)] if bad]
        if not kill:
            print(f"  {'holds' if not failed else 'does not hold'}: {PHONES:,} phones x "
                  f"{EVENTS} events within {WINDOW:.0f} s, {PHONES / WINDOW:.1f} syncs/s asked, "
                  f"{PHONES / took:.1f} served (goal 50,000 x 20 within 300 s, about 170 "
                  f"syncs/s, p99 < 1 s)" + (f"; it failed on {', '.join(failed)}" if failed
                                            else "; the largest number tried that holds"))
    size = f"{PHONES:,} x {EVENTS} in {WINDOW:.0f} s"
    goal(figures["lost"] == 0, f"{label} ({size}): {figures['lost']} events lost (goal 0)")
    goal(figures["doubled"] == 0, f"{label} ({size}): {figures['doubled']} doubled (goal 0)")
    goal(unfinished == 0, f"{label} ({size}): {unfinished} phones did not finish")
    goal(figures["read_model_off"] == 0,
         f"{label} ({size}): latest ratings off in {figures['read_model_off']} rows (goal 0)")
    goal(quarantine_ok, f"{label} ({size}): quarantine is not exactly the malformed events")
    goal(caught_up is not None and caught_up <= MENTORS_GOAL,
         f"{label} ({size}): mentor suggestions up to date "
         + (f"{caught_up:.0f} s" if caught_up is not None else "not within 3 minutes")
         + f" after the last phone (goal within {MENTORS_GOAL:.0f} s)")
    if not kill:
        goal(fives == 0, f"{label} ({size}): {fives} x 5xx (goal 0)")
        goal(p99_sync < GOAL_P99, f"{label} ({size}): sync p99 {p99_sync:.2f} s (goal < 1 s)")
        goal(p99_boot < GOAL_P99,
             f"{label} ({size}): bootstrap p99 {p99_boot:.2f} s (goal < 1 s)")
        goal(PHONES >= 50_000 and WINDOW <= 300,
             f"{label}: tried {size}; the goal is 50,000 x 20 within 300 s")
    assert logged, "no request log lines: where the time goes is unknown"


@pytest.mark.benchmark
def test_shift_start_storm(capsys: Any) -> None:
    if postgresql_pass(capsys):
        storm(capsys, kill=False)


@pytest.mark.benchmark
def test_shift_start_storm_ramped(capsys: Any) -> None:
    if postgresql_pass(capsys):
        ramp(capsys)


@pytest.mark.benchmark
def test_shift_start_storm_with_workers_killed(capsys: Any) -> None:
    if postgresql_pass(capsys):
        storm(capsys, kill=True)
