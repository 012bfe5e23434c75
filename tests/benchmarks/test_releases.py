"""Releases: computing one against the GROUP BY it runs, and serving a report from it
against reading it plainly, on the same database.

On PostgreSQL: 100,000 learners of one role, each with a latest rating of
each of its 50 competencies (5,000,000 ratings, their events and the
``latest_ratings`` read model the sync applier keeps beside them, written with
COPY through psycopg), spread over 10 sites, one in ten with one of two future
roles. (On SQLite, which ``make bench`` runs first, 10,000 learners, 500,000
ratings, written with ``executemany``: the same shape, smaller.
``SKILLPATH_BENCH_LEARNERS`` sets another number of learners.) The profile's
50 lines are inserted directly, as a profile authored in the app holds at
most 40.

Computing a release. The floor: the statements behind it executed and
fetched (the read model's latest rating per person and competency joined to
the people, grouped by competency, site, future role and level; the plans'
sizes summed per role). Our path: ``releases.publish`` for the organisation:
those, the noise, the post-processing and the stored row. Goal: 1.5 or less.

Serving a report. The floor: ``GET /api/v1/releases/latest``, the stored
release as it is. Our path: ``GET /api/v1/analytics/priorities?role=...``,
the role's priorities computed from the same release. Both signed in as the
L&D admin through the Flask test client. Goal: 1.2 or less.

Each side is timed as the median of 7 runs after 1, the two sides taking turns
(floor, ours, floor, ...) in the same process, so that whatever else the
machine does at the time weighs on both alike.
"""

from __future__ import annotations

import io
import os
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from pwa import clock
from pwa.extensions import db
from pwa.models import (
    CompetencyIdentity,
    Event,
    LatestRating,
    Person,
    PlanSummary,
    ProfileVersion,
    Rating,
    Role,
    VersionCompetency,
)
from pwa.store import analytics, releases
from tests.benchmarks.goals import goal
from tests.factories import LEVELS, make_org, sign_in_as

COMPETENCIES = 50
SITES = 10
CALLS, WARM_UP = 7, 1


def settle(app: Any) -> None:
    """PostgreSQL: the grown tables vacuumed and analysed, as autovacuum leaves them."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM (ANALYZE) people, events, ratings, latest_ratings, "
                                     "competencies, version_competencies, profile_versions, "
                                     "plan_summaries"))


def medians_s(*runs: Callable[[], Any]) -> list[float]:
    """The median time of each of ``runs``, called in turn."""
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(WARM_UP + CALLS):
        for run, mine in zip(runs, times, strict=True):
            start = time.perf_counter()
            run()
            mine.append(time.perf_counter() - start)
    return [statistics.median(mine[WARM_UP:]) for mine in times]


def profile(role_id: int, now: datetime) -> list[int]:
    """A published version of 50 competencies; their identity ids."""
    ids = db.session.execute(sa.insert(CompetencyIdentity).returning(
        CompetencyIdentity.id, sort_by_parameter_order=True),
        [{"role_id": role_id, "key": f"skill-{j:02}", "created_at": now}
         for j in range(COMPETENCIES)]).scalars().all()
    version = ProfileVersion(role_id=role_id, number=1, status="published", summary="Bench.",
                             created_at=now, updated_at=now, published_at=now)
    db.session.add(version)
    db.session.flush()
    db.session.execute(sa.insert(VersionCompetency), [
        {"version_id": version.id, "competency_id": c, "position": j, "name": f"Skill {j:02}",
         "description": "A skill.", "group_name": "Skills", "levels": list(LEVELS),
         "target": 2 + j % 3, "importance": 1 + j % 5} for j, c in enumerate(ids)])
    return list(ids)


def people_rows(org_id: int, role_id: int, futures: list[int], count: int, first: int,
                now: datetime) -> Iterator[tuple[Any, ...]]:
    for n in range(count):
        future = futures[n % 2] if n % 10 == 0 else None
        yield (first + n, org_id, f"Learner {n}", role_id, future, f"Site {n % SITES:02}",
               "UTC", "en", False, (first + n).to_bytes(8, "big") + b"bench", now)


def rating_rows(first_person: int, count: int, competencies: list[int], version_id: int,
                now: datetime) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """(event, rating) pairs: every learner rates every competency once."""
    for n in range(count):
        person = first_person + n
        for j, c in enumerate(competencies):
            event_id = f"{person:08x}-0000-4000-8000-{j:012x}"
            when = now - timedelta(minutes=(n * 7 + j) % 5000)
            level = 1 + (n * 31 + j * 17) % 5
            yield ((event_id, person, "rating.set", 1, when, when, "bench", "{}"),
                   (person, c, version_id, level, when, event_id))


def summary_rows(first_person: int, count: int, now: datetime) -> Iterator[tuple[Any, ...]]:
    """Each learner's plan summary, as the jobs keep it: a plan of 1 to 10 hours."""
    for n in range(count):
        yield (first_person + n, 60 + (n * 37) % 540, (n % 7) * 1099, n % 9, n % 3, now)


SUMMARY_COLS = ("person_id", "minutes", "fee_cents", "covered", "uncovered", "computed_at")
PEOPLE_COLS = ("id", "organisation_id", "display_name", "role_id", "future_role_id", "site",
               "time_zone", "locale", "is_ld_admin", "user_handle", "created_at")
EVENT_COLS = ("id", "person_id", "type", "schema", "occurred_at", "received_at", "device_id",
              "data")
RATING_COLS = ("person_id", "competency_id", "version_id", "level", "occurred_at", "event_id")
LATEST_COLS = ("person_id", "competency_id", "level", "occurred_at", "event_id")


def grow(app: Any, org: dict[str, Any], learners: int) -> None:
    now = clock.now() - timedelta(days=35)
    with app.app_context():
        role_id = org["roles"]["store-associate"]
        extra = Role(organisation_id=org["id"], slug="shift-lead", name="Shift lead")
        db.session.add(extra)
        db.session.flush()
        competencies = profile(role_id, now)
        version_id = db.session.scalar(sa.select(ProfileVersion.id).where(
            ProfileVersion.role_id == role_id))
        first = (db.session.scalar(sa.select(sa.func.max(Person.id))) or 0) + 1
        db.session.commit()
        futures = [org["roles"]["warehouse-picker"], extra.id]
        persons = people_rows(org["id"], role_id, futures, learners, first, now)
        pairs = rating_rows(first, learners, competencies, version_id, now)
        summaries = summary_rows(first, learners, now)
        if db.engine.dialect.name == "postgresql":
            copy_all(persons, pairs, summaries)
        else:
            with db.engine.begin() as conn:
                conn.execute(sa.insert(Person), [dict(zip(PEOPLE_COLS, r, strict=True))
                                                 for r in persons])
                batch: list[tuple[Any, ...]] = []
                for pair in pairs:
                    batch.append(pair)
                    if len(batch) == 50_000:
                        write_sqlite(conn, batch)
                        batch = []
                write_sqlite(conn, batch)
                conn.execute(sa.insert(PlanSummary), [dict(zip(SUMMARY_COLS, r, strict=True))
                                                      for r in summaries])
    settle(app)


def write_sqlite(conn: sa.Connection, pairs: list[tuple[Any, ...]]) -> None:
    if not pairs:
        return
    conn.execute(sa.insert(Event), [{**dict(zip(EVENT_COLS, e, strict=True)), "data": {}}
                                    for e, _ in pairs])
    conn.execute(sa.insert(Rating), [dict(zip(RATING_COLS, r, strict=True)) for _, r in pairs])
    # Each learner rates each competency once: every rating is also the latest.
    conn.execute(sa.insert(LatestRating), [
        {c: v for c, v in zip(RATING_COLS, r, strict=True) if c in LATEST_COLS}
        for _, r in pairs])


def copy_all(persons: Iterator[tuple[Any, ...]],
             pairs: Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]],
             summaries: Iterator[tuple[Any, ...]]) -> None:
    """People, events, ratings and latest ratings with COPY, the events and ratings in one
    pass (each learner rates each competency once: every rating is also the latest)."""
    raw = db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.cursor() as cur:
            with cur.copy(f"COPY people ({', '.join(PEOPLE_COLS)}) FROM STDIN") as copy:
                for row in persons:
                    copy.write_row(row)
            ratings, latest = io.StringIO(), io.StringIO()
            with cur.copy(f"COPY events ({', '.join(EVENT_COLS)}) FROM STDIN") as copy:
                for event, rating in pairs:
                    copy.write_row(event)
                    person, competency, version, level, occurred, event_id = rating
                    when = occurred.isoformat()
                    ratings.write(f"{person}\t{competency}\t{version}\t{level}\t{when}\t"
                                  f"{event_id}\n")
                    latest.write(f"{person}\t{competency}\t{level}\t{when}\t{event_id}\n")
            for table, columns, text in (("ratings", RATING_COLS, ratings),
                                         ("latest_ratings", LATEST_COLS, latest)):
                text.seek(0)
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    while chunk := text.read(1 << 20):
                        copy.write(chunk)
            with cur.copy(f"COPY plan_summaries ({', '.join(SUMMARY_COLS)}) FROM STDIN") as copy:
                for row in summaries:
                    copy.write_row(row)
            cur.execute("SELECT setval(pg_get_serial_sequence('people', 'id'), "
                        "(SELECT max(id) FROM people))")
        conn.commit()
    finally:
        raw.close()


@pytest.fixture
def grown(app_factory, capsys):
    """The organisation above, on an app whose yearly budget allows every run's release."""
    app = app_factory(SKILLPATH_RELEASE_RHO_YEAR=1000.0)
    org = make_org(app)
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    learners = int(os.environ.get("SKILLPATH_BENCH_LEARNERS", 100_000 if postgres else 10_000))
    start = time.perf_counter()
    grow(app, org, learners)
    return app, org, learners, postgres, time.perf_counter() - start


def _where(postgres: bool, learners: int, seconds: float) -> str:
    return (f"{'PostgreSQL' if postgres else 'SQLite'}: {learners:,} learners x {COMPETENCIES} "
            f"competencies ({learners * COMPETENCIES:,} ratings, written in {seconds:.0f} s)")


@pytest.mark.benchmark
def test_computing_a_release_against_the_group_by_it_runs(grown, capsys):
    app, org, learners, postgres, seconds = grown
    with app.app_context():
        role = db.session.get(Role, org["roles"]["store-associate"])
        statements = analytics.statements(role, releases.budget())
        rows = db.session.execute(statements[0]).all()
        assert sum(r[-1] for r in rows) == learners * COMPETENCIES

    def floor() -> None:
        with app.app_context():
            for statement in statements:
                db.session.execute(statement).all()

    def ours() -> None:
        with app.app_context():
            release = releases.publish(org["id"], clock.now())
            assert release.status == releases.PUBLISHED
            db.session.commit()

    sql, mine = medians_s(floor, ours)
    with capsys.disabled():
        print(f"\nrelease on {_where(postgres, learners, seconds)}: its SQL "
              f"{sql * 1000:.0f} ms, the release {mine * 1000:.0f} ms, ratio {mine / sql:.2f} "
              f"(goal <= 1.5)")
    goal(mine / sql <= 1.5, f"release: {mine / sql:.2f} of its SQL (goal <= 1.5)")


@pytest.mark.benchmark
def test_a_report_from_a_release_against_reading_the_release(grown, capsys):
    app, org, learners, postgres, seconds = grown
    with app.app_context():
        releases.publish(org["id"], clock.now())
        db.session.commit()
    admin = sign_in_as(app, "Priya Nair", "warehouse-picker", ld_admin=True)
    report = "/api/v1/analytics/priorities?role=store-associate"
    answer = admin.get(report).get_json()
    assert len(answer["competencies"]) == COMPETENCIES

    def floor() -> None:
        assert admin.get("/api/v1/releases/latest").status_code == 200

    def ours() -> None:
        assert admin.get(report).status_code == 200

    plain, mine = medians_s(floor, ours)
    with capsys.disabled():
        print(f"\nreport from a release on {_where(postgres, learners, seconds)}: the release "
              f"read {plain * 1000:.1f} ms, the priorities {mine * 1000:.1f} ms, ratio "
              f"{mine / plain:.2f} (goal <= 1.2)")
    goal(mine / plain <= 1.2, f"report: {mine / plain:.2f} of reading its release (goal <= 1.2)")
