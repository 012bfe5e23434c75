"""Sync ingest: rating.set events per second through HTTP POST /api/v1/sync against the floor.

Ours: gunicorn with 2 workers serving the real app; 20,000 events in batches of
100, posted by two client threads with a signed-in session and CSRF token.
The floor: raw SQLAlchemy Core ``executemany`` of the same rows (events, ratings
and the read model of latest ratings) into the same database, one transaction
per 100, by two threads as the server has two workers, in the same run.
Printed as events per second and the ratio; the goal is a ratio of 0.5 or more.
"""

from __future__ import annotations

import http.client
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from pwa import clock
from pwa.extensions import db
from pwa.models import Event, LatestRating, Person, Rating
from pwa.models.base import dialect_insert
from tests.benchmarks.goals import goal
from tests.benchmarks.serving import session_headers, start_gunicorn, stop
from tests.browser.harness import free_port
from tests.factories import publish_profile, sign_in_as

TOTAL, BATCH = 20_000, 100
START = clock.now() - timedelta(days=30)


def events(offset: int, count: int) -> list[dict]:
    return [{"id": str(uuid.uuid4()), "type": "rating.set", "schema": 1,
             "occurred_at": (START + timedelta(seconds=offset + i)).isoformat(),
             "device_id": "bench", "data": {"role": "store-associate", "competency": "greet",
                                            "version": 1, "level": 1 + (offset + i) % 5,
                                            "note": None}}
            for i in range(count)]


@pytest.mark.benchmark
def test_sync_ingest_against_core_executemany(app, org, capsys):
    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    headers = session_headers(api)
    batches = [json.dumps({"events": events(i, BATCH)}) for i in range(0, TOTAL, BATCH)]
    port = free_port()
    server = start_gunicorn(app, port, workers=2)
    try:
        def post(chunk: list[str]) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                for body in chunk:
                    conn.request("POST", "/api/v1/sync", body=body, headers=headers)
                    response = conn.getresponse()
                    answer = json.loads(response.read())
                    assert response.status == 200 and len(answer["accepted"]) == BATCH, answer
            finally:
                conn.close()

        started = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(post, [batches[0::2], batches[1::2]]))
        ours = TOTAL / (time.perf_counter() - started)
    finally:
        stop(server)

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == TOTAL
        person_id = db.session.scalar(sa.select(Person.id).where(Person.display_name == "Ana Ruiz"))
        competency_id, version_id = db.session.execute(
            sa.select(Rating.competency_id, Rating.version_id).limit(1)).one()
        floor = _floor(db.engine, person_id, competency_id, version_id)

    database = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
    with capsys.disabled():
        print(f"\nsync ingest on {database}: ours {ours:,.0f} events/s (HTTP, gunicorn -w 2, "
              f"batches of {BATCH}), floor {floor:,.0f} events/s (Core executemany, 2 threads), "
              f"ratio {ours / floor:.2f} (goal >= 0.5)")
    goal(ours / floor >= 0.5, f"sync ingest: {ours / floor:.2f} of Core executemany (goal >= 0.5)")


def _floor(engine: sa.Engine, person_id: int, competency_id: int, version_id: int) -> float:
    """The same rows written by Core ``executemany``, by two threads as the server has two workers.

    Each batch is one transaction, as a sync is: its events, its ratings, and the
    read model of latest ratings brought up to date with the batch's latest (one
    upsert row, "only if later"), as the sync does.
    """
    now = clock.now()
    latest = LatestRating.__table__.c
    upsert = dialect_insert(LatestRating)  # made here: the threads have no app context
    keep_latest = upsert.on_conflict_do_update(
        index_elements=["person_id", "competency_id"],
        set_={c: upsert.excluded[c] for c in ("level", "occurred_at", "event_id")},
        where=upsert.excluded.occurred_at > latest.occurred_at)

    def write(offsets: list[int]) -> None:
        for offset in offsets:
            rows = events(offset, BATCH)
            last = max(rows, key=lambda e: (e["occurred_at"], e["id"]))
            with engine.begin() as conn:
                conn.execute(sa.insert(Event), [
                    {"id": e["id"], "person_id": person_id, "type": e["type"], "schema": 1,
                     "occurred_at": datetime.fromisoformat(e["occurred_at"]),
                     "received_at": now, "device_id": e["device_id"], "data": e["data"]}
                    for e in rows])
                conn.execute(sa.insert(Rating), [
                    {"person_id": person_id, "competency_id": competency_id,
                     "version_id": version_id, "level": e["data"]["level"], "note": None,
                     "occurred_at": datetime.fromisoformat(e["occurred_at"]),
                     "event_id": e["id"]} for e in rows])
                conn.execute(keep_latest, [
                    {"person_id": person_id, "competency_id": competency_id,
                     "level": last["data"]["level"],
                     "occurred_at": datetime.fromisoformat(last["occurred_at"]),
                     "event_id": last["id"]}])

    offsets = list(range(0, TOTAL, BATCH))
    started = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(write, [offsets[0::2], offsets[1::2]]))
    return TOTAL / (time.perf_counter() - started)
