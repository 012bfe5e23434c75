"""The bootstrap of a demo learner: a 304 against a 200, and the 304 against its floor.

The demo organisation is seeded (hundreds of people per role, weeks of practice through
the sync, mentor offers), and Ana Ruiz, the demo's first learner (a role and a future
role, ratings, a plan, practice, mentoring), signs in with a passkey as the app does.
Then, through the Flask test client, each a median of 200 requests after 20:

- **200**: ``GET /api/v1/bootstrap`` without an ETag: the whole bundle built (what the
  organisation's members share kept from the first, as a process keeps it); and the same
  with nothing kept (a process's first, or the first after a change of that content);
- **304**: the same with the ETag it answered (``If-None-Match``): the validator only;
- **floor**: the statements a 304 sends, as the driver took them, on one connection of the
  pool, each in a transaction of its own as the request's are: the cookie's session record, the
  signed-in session with the person and their roles, the two counters
  (``pwa.sync.bootstrap.validator``). What a 304 adds to it is Flask's request, the
  cookie's signature and the ORM.

It prints the three (and the CPU time of a 200, the app's and its database backend's,
which other work on a shared machine moves less than the times), the 200 against the
304, the floor against the 304 (the share of the 304 that is the database's), and the
304 against a signed-in ``GET /api/v1/auth/session`` (what any signed-in request costs:
Flask, the cookie, the session), with the statements of each. Then where a 200's time
goes: cProfile of 50 bundles built in-process, the 25 functions of ours with
the most cumulative time. Goal: a 304 at most 1.5 times a signed-in request that reads
nothing more (a 304 asks only the session's lookups and builds nothing; what it saves
against a 200 is the bundle, whatever its size).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from pwa.extensions import db
from pwa.models import Person
from pwa.store import memo
from pwa.sync import bootstrap
from tests.benchmarks.goals import goal
from tests.factories import Api, enrol, make_invite, statements

BOOTSTRAP = "/api/v1/bootstrap"
SIGNED_IN = "/api/v1/auth/session"  # who is signed in: the cheapest signed-in answer
CALLS, WARM_UP = 100, 10


def median_ms(run: Callable[[], object], calls: int = CALLS, warm_up: int = WARM_UP) -> float:
    for _ in range(warm_up):
        run()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def demo_learner(app: Flask, runner) -> tuple[Api, int]:
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        ana: int = db.session.scalar(sa.select(Person.id).where(
            Person.display_name == "Ana Ruiz"))
    api = Api(app.test_client())
    _, answer = enrol(api, make_invite(app, ana))
    assert answer.status_code == 200
    return api, ana


@pytest.mark.benchmark
def test_bootstrap_304_against_200_and_its_floor(app, org, runner, capsys):
    api, ana = demo_learner(app, runner)
    first = api.get(BOOTSTRAP)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert api.get(BOOTSTRAP, headers={"If-None-Match": etag}).status_code == 304

    sent_304 = sent(app, lambda: api.get(BOOTSTRAP, headers={"If-None-Match": etag}))
    with statements(app) as sent_200:
        api.get(BOOTSTRAP)
    with app.app_context():
        engine = db.engine

    def floor() -> None:
        with engine.connect() as conn:
            for statement, parameters in sent_304:
                with conn.begin():
                    conn.exec_driver_sql(statement, parameters).all()

    def full() -> None:
        assert api.get(BOOTSTRAP).status_code == 200

    def full_cold() -> None:  # what the organisation's members share read afresh too
        with app.app_context():
            memo.kept().clear()
        full()

    def revalidated() -> None:
        assert api.get(BOOTSTRAP, headers={"If-None-Match": etag}).status_code == 304

    def signed_in() -> None:
        assert api.get(SIGNED_IN).status_code == 200

    ms_200 = median_ms(full, calls=CALLS // 4)
    cpu_app, cpu_database = cpu_ms(app, full)
    ms_200_cold = median_ms(full_cold, calls=CALLS // 4)
    with statements(app) as sent_200_cold:
        full_cold()
    ms_304 = median_ms(revalidated)
    ms_floor = median_ms(floor)
    ms_signed_in = median_ms(signed_in)
    with statements(app) as sent_signed_in:
        signed_in()
    size = len(first.data)
    with capsys.disabled():
        print(f"\nbootstrap of a demo learner on {engine.dialect.name} "
              f"({size / 1024:.0f} KiB of JSON):\n"
              f"  200 {ms_200:.2f} ms ({len(sent_200)} statements)\n"
              f"  200 with nothing of the organisation's kept (pwa.store.memo.shared) "
              f"{ms_200_cold:.2f} ms ({len(sent_200_cold)} statements)\n"
              f"  CPU per 200: {cpu_app:.2f} ms the app's"
              + (f", {cpu_database:.2f} ms its PostgreSQL backend's" if cpu_database is not None
                 else "") + " (less moved by other work on the machine than the times)\n"
              f"  304 {ms_304:.2f} ms ({len(sent_304)} statements)\n"
              f"  floor (the 304's statements in Core) {ms_floor:.3f} ms\n"
              f"  a signed-in {SIGNED_IN} {ms_signed_in:.2f} ms "
              f"({len(sent_signed_in)} statements)\n"
              f"  200 / 304 = {ms_200 / ms_304:.1f}; floor / 304 = {ms_floor / ms_304:.2f}; "
              f"304 / {SIGNED_IN} = {ms_304 / ms_signed_in:.2f}")
        flat = [re.sub(r"\s+", " ", s) for s in sent_200]
        tables = Counter(s.split(" FROM ")[1].split(" ")[0] if " FROM " in s else s[:20]
                         for s in flat)
        print("  a 200's statements, by the first table read: " + ", ".join(
            f"{table} {n}" for table, n in tables.most_common()))
    goal(ms_304 <= 1.5 * ms_signed_in, f"bootstrap on {engine.dialect.name}: a 304 costs "
         f"{ms_304 / ms_signed_in:.2f} of a signed-in {SIGNED_IN} (goal: at most 1.5)")

    profile_304 = cProfile.Profile()
    profile_304.enable()
    for _ in range(50):
        revalidated()
    profile_304.disable()
    out = io.StringIO()
    pstats.Stats(profile_304, stream=out).sort_stats("tottime").print_stats(12)
    with capsys.disabled():
        print("  where a 304's time goes (50 requests, by own time):")
        print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))

    with app.test_request_context(BOOTSTRAP):
        person = db.session.get(Person, ana)
        bootstrap.bundle(person)  # warm
        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.enable()
        for _ in range(50):
            db.session.expire_all()
            bootstrap.bundle(person)
        profile.disable()
        per_bundle = (time.perf_counter() - start) / 50 * 1000
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(
        r"/(pwa|api|engine)/", 25)
    with capsys.disabled():
        print(f"  a bundle built in-process: {per_bundle:.2f} ms (under cProfile)")
        print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


def cpu_ms(app: Flask, run: Callable[[], object], calls: int = CALLS) -> tuple[float, float | None]:
    """CPU time per ``run()``: this process's, and on PostgreSQL its backend's (the pool's one
    connection: the test client asks one request at a time; None if there are more), from
    /proc."""
    backend = None
    with app.app_context():
        # One connection in the pool: the one every request of the test client takes.
        if db.engine.dialect.name == "postgresql" and db.engine.pool.checkedin() == 1:
            with db.engine.connect() as conn:
                backend = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()

    def used() -> float:
        if backend is None:
            return 0.0
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    run()
    start, start_backend = time.process_time(), used()
    for _ in range(calls):
        run()
    app_ms = (time.process_time() - start) / calls * 1000
    return app_ms, None if backend is None else (used() - start_backend) / calls * 1000


def sent(app: Flask, request: Callable[[], object]) -> list[tuple[str, object]]:
    """The statements ``request`` sent, with their parameters as the driver took them."""
    seen: list[tuple[str, object]] = []

    def listen(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        request()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)
    return seen
