"""``latest_ratings``, the read model the reports count, is each person's latest rating.

Latest means by the time the rating was made, then by event id: the order the
learner's own history is read in and the reports counted before the read
model. Here it is checked against that order over the whole history: after a
late event, at a tie, after the migration's backfill of a seeded database,
and after any sequence of ratings synced in any batches.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pwa.extensions import db
from pwa.models import CompetencyIdentity, Event, LatestRating, Person, Rating
from pwa.store import analytics, assessment
from pwa.sync.ingest import ingest
from tests.factories import RECENT_MORNING, make_person, publish_profile, sign_in_as

MONDAY = RECENT_MORNING


def rating(level, at, *, competency="greet", event_id=None):
    return {"id": event_id or str(uuid.uuid4()), "type": "rating.set", "schema": 1,
            "occurred_at": at.isoformat(), "device_id": "phone-1",
            "data": {"role": "store-associate", "competency": competency, "version": 1,
                     "level": level, "note": None}}


def from_history():
    """Each person's latest rating per competency, by a window over every rating made."""
    rank = sa.func.row_number().over(
        partition_by=(Rating.person_id, Rating.competency_id),
        order_by=(Rating.occurred_at.desc(), Rating.event_id.desc()))
    ranked = sa.select(Rating.person_id, Rating.competency_id, Rating.level, Rating.occurred_at,
                       Rating.event_id, rank.label("rank")).subquery()
    return set(db.session.execute(sa.select(*list(ranked.c)[:-1]).where(ranked.c.rank == 1)))


def read_model():
    return set(db.session.execute(sa.select(
        LatestRating.person_id, LatestRating.competency_id, LatestRating.level,
        LatestRating.occurred_at, LatestRating.event_id)))


def levels(app):
    with app.app_context():
        return {key: level for key, level in db.session.execute(
            sa.select(CompetencyIdentity.key, LatestRating.level)
            .join(CompetencyIdentity, CompetencyIdentity.id == LatestRating.competency_id))}


def test_a_rating_synced_late_does_not_replace_a_newer_one(app, org):
    publish_profile(app)
    ana = sign_in_as(app, "Ana Ruiz")
    assert len(ana.post("/api/v1/sync", {"events": [
        rating(4, MONDAY), rating(2, MONDAY, competency="tills")]}).get_json()["accepted"]) == 2
    # From a second phone that was offline since last week: older than what is stored.
    answer = ana.post("/api/v1/sync", {"events": [
        rating(1, MONDAY - timedelta(days=7)),
        rating(3, MONDAY + timedelta(minutes=1), competency="tills")]}).get_json()
    assert len(answer["accepted"]) == 2
    assert levels(app) == {"greet": 4, "tills": 3}
    with app.app_context():
        assert read_model() == from_history()


def test_ratings_made_at_the_same_instant_resolve_by_event_id(app, org):
    publish_profile(app)
    ana = sign_in_as(app, "Ana Ruiz")
    low, high = "00000000-0000-4000-8000-000000000001", "ffffffff-0000-4000-8000-000000000001"
    # The higher id wins whichever arrives first, in one batch or in two.
    assert len(ana.post("/api/v1/sync", {"events": [
        rating(5, MONDAY, event_id=high)]}).get_json()["accepted"]) == 1
    assert len(ana.post("/api/v1/sync", {"events": [
        rating(1, MONDAY, event_id=low)]}).get_json()["accepted"]) == 1
    assert len(ana.post("/api/v1/sync", {"events": [
        rating(2, MONDAY, competency="tills", event_id="ffffffff-0000-4000-8000-000000000002"),
        rating(4, MONDAY, competency="tills", event_id="00000000-0000-4000-8000-000000000002"),
    ]}).get_json()["accepted"]) == 2
    assert levels(app) == {"greet": 5, "tills": 2}
    with app.app_context():
        assert read_model() == from_history()
        ana_person = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
        current = {r["competency"]: r["level"]
                   for r in assessment.bootstrap_part(ana_person, {})["ratings"]["current"]}
    assert current == {"greet": 5, "tills": 2}  # what her phone shows as current


def test_the_migration_fills_the_read_model_as_the_history_reads(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        expected = from_history()
        assert len(expected) > 20 and db.session.scalar(
            sa.select(sa.func.count()).select_from(Rating)) > len(expected)  # older ratings too
        assert read_model() == expected  # kept by the applier while the demo synced
        roles = {p.role for p in db.session.scalars(sa.select(Person).where(
            Person.is_ld_admin.is_(False)))}  # each role once: the demo has hundreds per role
        counted = {role.slug: analytics.atoms(role) for role in roles}
        db.session.remove()
        try:
            downgrade(revision="0008")
            upgrade(revision="0009")
        finally:
            upgrade()
        assert read_model() == expected
        assert {role.slug: analytics.atoms(role) for role in roles} == counted


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 1), st.sampled_from(["greet", "tills"]),
                          st.integers(1, 5), st.integers(0, 1), st.integers(0, 2)),
                min_size=1, max_size=12))
def test_the_read_model_is_the_latest_of_any_sequence_synced_in_any_batches(app, org, made):
    """Each rating: (who, competency, level, minute it was made, batch it is synced in)."""
    with app.app_context():
        if db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0:
            publish_profile(app)
            make_person(app, "Ana Ruiz")
        for model in (LatestRating, Rating, Event):
            db.session.execute(sa.delete(model))
        db.session.commit()
        people = list(db.session.scalars(sa.select(Person).order_by(Person.id)))
        batches: dict[tuple[int, int], list[dict]] = {}
        for who, key, level, minute, batch in made:
            batches.setdefault((batch, who), []).append(
                rating(level, MONDAY + timedelta(minutes=minute), competency=key))
        for (_, who), events in sorted(batches.items()):
            result = ingest(people[who], events, MONDAY + timedelta(days=1))
            assert len(result.accepted) == len(events)
            db.session.commit()
        latest: dict[tuple[int, str], tuple[datetime, str, int]] = {}
        for (_, who), events in batches.items():
            for e in events:
                mark = (datetime.fromisoformat(e["occurred_at"]), e["id"], e["data"]["level"])
                key = (people[who].id, e["data"]["competency"])
                latest[key] = max(latest.get(key, mark), mark)
        keys = {i: k for i, k in db.session.execute(
            sa.select(CompetencyIdentity.id, CompetencyIdentity.key))}
        stored = {(p, keys[c]): (at, event_id, level)
                  for p, c, level, at, event_id in read_model()}
        assert stored == latest
        assert read_model() == from_history()
