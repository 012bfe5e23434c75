"""The push sender against a local push service: delivered once, retried, removed, never lost."""

from __future__ import annotations

import re
import time as pytime
import uuid
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Flask
from redis import Redis

from engine import practice as practice_rules
from engine import push as rules
from engine import reminders
from pwa import clock
from pwa.extensions import db
from pwa.jobs import push as sender
from pwa.jobs import reminders as reminder_job
from pwa.jobs import schedule
from pwa.models import (
    MentorRequest,
    Notification,
    Person,
    PushDelivery,
    PushSubscription,
    Role,
)
from pwa.store import assessment, profiles
from pwa.store import push as store
from tests.factories import (
    comp,
    make_person,
    person_named,
    publish_profile,
    rate,
    save_reminders,
    sign_in_as,
    statements,
    together,
    with_plan,
)
from tests.pushservice import PushService, vapid_private_key

# Redis databases are shared by the machine: under xdist (CI's PostgreSQL run) every
# module that uses one runs on the same worker, one test at a time (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("redis")

DAY = date(2026, 3, 9)


KEY = vapid_private_key()


@pytest.fixture
def app(app_factory: Any, service: PushService) -> Flask:
    made: Flask = app_factory(VAPID_PRIVATE_KEY=KEY, SKILLPATH_PUSH_SERVICES=service.origin,
                              SKILLPATH_PUSH_CONTACT="mailto:ld@northwind.example",
                              SKILLPATH_PUSH_TIMEOUT=5.0)
    return made


def subscribed(app: Flask, service: PushService, name: str = "Ana Ruiz",
               devices: int = 1) -> tuple[int, list[dict[str, Any]]]:
    api = sign_in_as(app, name)
    subs = []
    for _ in range(devices):
        sub = service.subscribe()
        answer = api.post("/api/v1/push/subscriptions", sub)
        assert answer.status_code == 201, answer.get_json()
        subs.append(sub)
    return person_named(app, name), subs


def claim(app: Flask, person_id: int, kind: str = "plan", *, hours: float = 10,
          body: str = "Tills: 5 minutes today.") -> int:
    with app.app_context():
        now = clock.now()
        made = store.claim([store.Claim(person_id, kind, DAY,
                                        rules.Message(kind, "Time to learn", body, "/app#/plan"),
                                        now + timedelta(hours=hours))], now)
        db.session.commit()
        return made


def send(app: Flask) -> dict[str, int]:
    with app.app_context():
        return sender.send_due()


def notification(app: Flask, person_id: int) -> Notification:
    with app.app_context():
        found = db.session.execute(sa.select(Notification).where(
            Notification.person_id == person_id)).scalar_one()
        db.session.expunge(found)
        return found


@pytest.fixture(autouse=True)
def stopped_clock(monkeypatch: pytest.MonkeyPatch) -> list[timedelta]:
    """The app's clock, stopped at the test's start; ``later`` moves it on."""
    start = clock.now()
    shift = [timedelta(0), timedelta(0)]  # how far it is moved; where ``later`` counts from
    monkeypatch.setattr(clock, "now", lambda: start + shift[0])
    return shift


def later(shift: list[timedelta], minutes: float) -> None:
    """The clock ``minutes`` after the test's start (or its morning, once moved there)."""
    shift[0] = shift[1] + timedelta(minutes=minutes)


def test_a_claimed_notification_reaches_every_device_once_signed_and_decrypted(
        app: Flask, org: Any, service: PushService) -> None:
    person, subs = subscribed(app, service, devices=2)
    assert claim(app, person) == 1
    assert send(app) == {"sent": 1}
    assert service.refused == []
    for sub in subs:
        [got] = service.to(sub["endpoint"])
        assert got.payload == {"kind": "plan", "title": "Time to learn",
                               "body": "Tills: 5 minutes today.", "url": "/app#/plan"}
        assert got.claims["sub"] == "mailto:ld@northwind.example"
        assert got.headers["topic"] == "skillpath-plan"
        assert got.headers["urgency"] == "normal"
        # Not pywebpush's default of 0: a phone offline now still gets it later that day.
        assert 9 * 3600 < int(got.headers["ttl"]) <= 10 * 3600
    assert send(app) == {}  # nothing is due any more: nobody gets it twice
    assert len(service.received) == 2
    row = notification(app, person)
    assert (row.state, row.attempts) == ("sent", 1)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PushDelivery)) == 2


def test_the_same_kind_and_day_is_claimed_once_however_often_it_is_decided(
        app: Flask, org: Any, service: PushService) -> None:
    person, _ = subscribed(app, service)
    assert claim(app, person) == 1
    assert claim(app, person) == 0
    assert claim(app, person, kind="practice") == 1
    assert send(app) == {"sent": 2}
    assert len(service.received) == 2


def test_a_gone_subscription_is_removed_and_the_others_still_get_it(
        app: Flask, org: Any, service: PushService) -> None:
    person, (gone, kept) = subscribed(app, service, devices=2)
    service.answer(gone["endpoint"], 410)
    claim(app, person)
    assert send(app) == {"sent": 1}
    with app.app_context():
        endpoints = db.session.scalars(sa.select(PushSubscription.endpoint)).all()
    assert endpoints == [kept["endpoint"]]
    claim(app, person, kind="practice")
    send(app)
    assert len(service.to(gone["endpoint"])) == 0 and len(service.to(kept["endpoint"])) == 2


@pytest.mark.parametrize("status", [404, 410])
def test_every_device_gone_leaves_the_notification_failed_and_nothing_to_retry(
        app: Flask, org: Any, service: PushService, status: int,
        stopped_clock: list[timedelta]) -> None:
    person, (sub,) = subscribed(app, service)
    service.answer(sub["endpoint"], status)
    claim(app, person)
    assert send(app) == {"failed": 1}
    row = notification(app, person)
    assert row.detail == f"gone {status}"
    later(stopped_clock, 120)
    assert send(app) == {}


def test_a_payload_refused_as_too_large_is_not_retried(
        app: Flask, org: Any, service: PushService,
        stopped_clock: list[timedelta]) -> None:
    person, (sub,) = subscribed(app, service)
    service.answer(sub["endpoint"], 413)
    claim(app, person)
    assert send(app) == {"failed": 1}
    later(stopped_clock, 120)
    assert send(app) == {}
    with app.app_context():  # the subscription itself is fine: kept
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 1


def test_429_is_retried_after_retry_after_and_only_to_the_device_that_asked(
        app: Flask, org: Any, service: PushService,
        stopped_clock: list[timedelta]) -> None:
    person, (busy, fine) = subscribed(app, service, devices=2)
    service.answer(busy["endpoint"], 429, retry_after="300")
    claim(app, person)
    assert send(app) == {"pending": 1}
    assert len(service.to(fine["endpoint"])) == 1 and len(service.to(busy["endpoint"])) == 0
    later(stopped_clock, 4)
    assert send(app) == {}  # Retry-After said 5 minutes
    later(stopped_clock, 6)
    assert send(app) == {"sent": 1}
    assert len(service.to(fine["endpoint"])) == 1  # not posted to again
    assert len(service.to(busy["endpoint"])) == 1
    assert notification(app, person).attempts == 2


def test_5xx_backs_off_and_gives_up_after_the_last_attempt(
        app: Flask, org: Any, service: PushService,
        stopped_clock: list[timedelta]) -> None:
    person, (sub,) = subscribed(app, service)
    service.answer(sub["endpoint"], 500, times=rules.MAX_ATTEMPTS)
    claim(app, person)
    minutes = 0.0
    for _ in range(rules.MAX_ATTEMPTS):
        send(app)
        minutes += 61
        later(stopped_clock, minutes)
    row = notification(app, person)
    assert (row.state, row.attempts, row.detail) == ("failed", rules.MAX_ATTEMPTS, "retry 500")
    assert service.received == []


def test_a_notification_past_its_expiry_is_not_sent_late(
        app: Flask, org: Any, service: PushService,
        stopped_clock: list[timedelta]) -> None:
    person, (sub,) = subscribed(app, service)
    service.answer(sub["endpoint"], 503)
    claim(app, person, hours=0.5)
    assert send(app) == {"pending": 1}
    later(stopped_clock, 40)  # past the end of its day (or the start of quiet hours)
    assert send(app) == {"expired": 1}
    assert service.received == []


def test_nobody_subscribed_is_recorded_not_retried(app: Flask, org: Any,
                                                   service: PushService) -> None:
    sign_in_as(app, "Ana Ruiz")
    claim(app, person_named(app, "Ana Ruiz"))
    assert send(app) == {"nowhere": 1}


def test_a_service_that_never_answers_times_out_and_is_retried(
        app_factory: Any, org: Any, service: PushService) -> None:
    app = app_factory(VAPID_PRIVATE_KEY=KEY, SKILLPATH_PUSH_SERVICES="http://localhost:9",
                      SKILLPATH_PUSH_TIMEOUT=1.0)
    api = sign_in_as(app, "Ana Ruiz")
    sub = service.subscribe()
    sub["endpoint"] = "http://localhost:9/push/nobody-listens"
    assert api.post("/api/v1/push/subscriptions", sub).status_code == 201
    claim(app, person_named(app, "Ana Ruiz"))
    assert send(app) == {"pending": 1}
    with app.app_context():
        [status] = db.session.scalars(sa.select(PushDelivery.status)).all()
    assert status == 0


def test_a_sender_killed_after_taking_a_notification_is_replaced_after_the_lease(
        app: Flask, org: Any, service: PushService,
        stopped_clock: list[timedelta]) -> None:
    person, (sub,) = subscribed(app, service)
    claim(app, person)
    with app.app_context():  # a sender takes it, commits its lease, and dies
        assert len(store.take_due(clock.now())) == 1
        db.session.commit()
    assert send(app) == {}  # the lease holds: no second sender posts it meanwhile
    later(stopped_clock, store.LEASE.total_seconds() / 60 + 1)
    assert send(app) == {"sent": 1}
    assert len(service.to(sub["endpoint"])) == 1


def test_one_batch_of_mixed_answers_settles_each_notification_on_its_own(
        app: Flask, org: Any, service: PushService, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sender, "TURN", 3)  # the ten cross three commits
    answers = {0: 410, 1: 429, 2: 500, 3: 413}  # the rest are delivered
    people = []
    for n in range(10):
        person, subs = subscribed(app, service, f"Learner {n}", devices=0 if n == 9 else 1)
        if n in answers:
            service.answer(subs[0]["endpoint"], answers[n], retry_after="60")
        people.append(person)
        claim(app, person)
    assert send(app) == {"failed": 2, "pending": 2, "sent": 5, "nowhere": 1}
    found = {p: notification(app, p) for p in people}
    assert [(found[p].state, found[p].detail, found[p].attempts) for p in people[:4]] == [
        ("failed", "gone 410", 1), ("pending", None, 1), ("pending", None, 1),
        ("failed", "failed 413", 1)]
    assert all(found[p].state == "sent" and found[p].sent_at for p in people[4:9])
    assert found[people[9]].state == "nowhere"
    with app.app_context():
        kept = set(db.session.scalars(sa.select(PushSubscription.person_id)))
        stamped = set(db.session.scalars(sa.select(PushSubscription.person_id).where(
            PushSubscription.last_sent_at.is_not(None))))
        logged = db.session.scalar(sa.select(sa.func.count()).select_from(PushDelivery))
    assert kept == set(people[1:9]) and stamped == set(people[4:9]) and logged == 9


def test_a_sender_killed_mid_batch_posts_again_only_what_it_had_not_recorded(
        app: Flask, org: Any, service: PushService, monkeypatch: pytest.MonkeyPatch,
        stopped_clock: list[timedelta]) -> None:
    monkeypatch.setattr(sender, "TURN", 4)
    people = [subscribed(app, service, f"Learner {n}")[0] for n in range(10)]
    for person in people:
        claim(app, person)
    recorded = store.record
    calls = []

    def dies_on_the_second(attempts: list[store.Attempt], now: datetime, take: int = 0,
                           lease: timedelta = store.LEASE
                           ) -> tuple[list[str], list[store.Outgoing]]:
        calls.append(len(attempts))
        if len(calls) == 2:
            raise SystemExit("killed")  # posted four, recorded nothing of them
        return recorded(attempts, now, take, lease)

    monkeypatch.setattr(store, "record", dies_on_the_second)
    with app.app_context(), pytest.raises(SystemExit):
        sender.send_due()
    monkeypatch.setattr(store, "record", recorded)
    assert len(service.received) == 8
    assert send(app) == {"sent": 2}  # the last two were never taken; the four leased wait
    assert send(app) == {}
    later(stopped_clock, store.LEASE.total_seconds() / 60 + 1)
    assert send(app) == {"sent": 4}
    tokens = [r.token for r in service.received]
    assert len(tokens) == 14 and len(set(tokens)) == 10  # four posted twice, at most one turn


@pytest.mark.parametrize("timeout", [1.0, 10.0, 60.0])
def test_a_lease_outlasts_the_longest_turn_whatever_the_turns_size(
        app_factory: Any, monkeypatch: pytest.MonkeyPatch, timeout: float) -> None:
    """A turn starts no post after ``TURN_SECONDS``; the last one it started ends within
    its timeout twice over (connecting, then the answer); then a minute to record."""
    with app_factory(SKILLPATH_PUSH_TIMEOUT=timeout).app_context():
        held = sender.lease()
        monkeypatch.setattr(sender, "TURN", 10_000)
        assert sender.lease() == held  # the lease does not grow with the turn
    assert held >= store.LEASE
    longest = timedelta(seconds=sender.TURN_SECONDS + 2 * timeout)
    assert longest + timedelta(minutes=1) <= held


def test_a_turn_whose_posts_all_time_out_stops_at_its_time_and_gives_the_rest_back(
        app: Flask, org: Any, service: PushService, monkeypatch: pytest.MonkeyPatch,
        stopped_clock: list[timedelta]) -> None:
    """Every post times out (10 s by a clock the test moves): a turn of 30 s posts three,
    stops inside the third learner's two devices, and gives the rest back in the commit
    that records the three; the next turns post those, each learner once."""
    monkeypatch.setattr(sender, "TURN", 10)
    monkeypatch.setattr(sender, "TURN_SECONDS", 30.0)
    people = [subscribed(app, service, f"Learner {n}", devices=2 if n == 2 else 1)[0]
              for n in range(6)]
    for person in people:
        claim(app, person)
    seconds = [0.0]
    turns: list[tuple[float, list[tuple[int, bool]]]] = []

    class Clock:
        @staticmethod
        def monotonic() -> float:
            return seconds[0]

    def times_out(*args: Any) -> tuple[int, None]:
        seconds[0] += 10.0
        return 0, None

    recorded = store.record

    def record(attempts: list[store.Attempt], now: datetime, take: int = 0,
               lease: timedelta = store.LEASE) -> tuple[list[str], list[store.Outgoing]]:
        turns.append((seconds[0], [(len(a.results), a.unposted) for a in attempts]))
        return recorded(attempts, now, take, lease)

    monkeypatch.setattr(sender, "time", Clock)
    monkeypatch.setattr(sender, "post", times_out)
    monkeypatch.setattr(store, "record", record)
    with app.app_context():
        held = sender.lease()
        # Each tried once, to be tried again; the third, cut short, counts once settled.
        assert send(app) == {"pending": 5}
    first, *rest = turns
    # Posts started at 0, 10 and 20 s; at 30 s the third learner's second device waits.
    assert first == (30.0, [(1, False), (1, False), (1, True), (0, True), (0, True),
                            (0, True)])
    assert timedelta(seconds=first[0]) < held
    # The third learner's retry is due in 30 s; the three given back went out next.
    assert [posts for _, posts in rest] == [[(1, False), (1, False), (1, False)]]
    found = [notification(app, p) for p in people]
    assert [n.attempts for n in found] == [1] * 6 and {n.state for n in found} == {"pending"}
    with app.app_context():
        posted = db.session.scalars(sa.select(PushDelivery.person_id)
                                    .order_by(PushDelivery.id)).all()
    assert sorted(posted) == sorted(people)  # every learner's device once, the third's one


def test_two_senders_racing_post_each_notification_once(
        app: Flask, org: Any, service: PushService, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sender, "TURN", 3)
    people = [subscribed(app, service, f"Learner {n}")[0] for n in range(12)]
    for person in people:
        claim(app, person)
    states: list[dict[str, int]] = []

    def run() -> None:
        with app.app_context():
            states.append(sender.send_due())
            db.session.remove()

    together(run)
    assert sum(s.get("sent", 0) for s in states) == 12
    assert sorted(r.token for r in service.received) == sorted(
        {r.token for r in service.received})
    assert len(service.received) == 12


def test_pywebpush_gets_fresh_claims_every_time(app: Flask, org: Any,
                                                service: PushService) -> None:
    person, _ = subscribed(app, service)
    other, _ = subscribed(app, service, "Ben Okoro")
    claim(app, person)
    claim(app, other)
    send(app)
    audiences = {r.claims["aud"] for r in service.received}
    assert audiences == {service.origin}
    assert all(set(r.claims) == {"sub", "aud", "exp"} for r in service.received)


MORNING = timedelta(hours=8, minutes=30)


def at_morning(stopped_clock: list[timedelta]) -> datetime:
    """08:30 UTC of the app's tomorrow, after anything the test did; the clock is moved there."""
    tomorrow = practice_rules.day_start(
        practice_rules.local_day(clock.now(), "UTC") + timedelta(days=1), "UTC")
    stopped_clock[0] += tomorrow + MORNING - clock.now()
    stopped_clock[1] = stopped_clock[0]
    return clock.now()


def prefs(*kinds: reminders.Kind, **changes: Any) -> reminders.Preferences:
    settings: dict[str, Any] = {"time_zone": "UTC", "remind_at": time(8, 30), **changes}
    return reminders.Preferences(kinds=frozenset(kinds), **settings)


def tick(app: Flask, chosen: dict[int, reminders.Preferences]) -> int:
    with app.app_context():
        made = reminder_job.decide_for(chosen, clock.now())
        db.session.commit()
        return made


def test_a_plan_reminder_at_the_chosen_time_is_claimed_once_and_sent(
        app: Flask, org: Any, service: PushService, stopped_clock: list[timedelta]) -> None:
    person, (sub,) = subscribed(app, service)
    with_plan(app, person)
    at_morning(stopped_clock)
    chosen = {person: prefs(reminders.Kind.PLAN)}
    assert tick(app, chosen) == 1
    assert tick(app, chosen) == 0  # the next tick, the same minute or later: claimed already
    assert send(app) == {"sent": 1}
    [got] = service.to(sub["endpoint"])
    assert got.payload == {"kind": "plan", "title": "Your learning plan",
                           "body": "A few minutes for your plan, whenever suits you.",
                           "url": "/app#/plan"}
    # Until quiet hours begin (21:00 by default): 12.5 hours from 08:30.
    assert int(got.headers["ttl"]) == 12 * 3600 + 30 * 60
    later(stopped_clock, 24 * 60 - 5)  # the next morning at 08:25: not yet
    assert tick(app, chosen) == 0


def test_nothing_is_claimed_before_the_time_without_work_or_in_quiet_hours(
        app: Flask, org: Any, service: PushService, stopped_clock: list[timedelta]) -> None:
    person, _ = subscribed(app, service)
    at_morning(stopped_clock)
    assert tick(app, {person: prefs(reminders.Kind.PLAN)}) == 0  # no plan: nothing to do
    with_plan(app, person)
    assert tick(app, {person: prefs()}) == 0  # plan reminders are off
    quiet = reminders.Quiet(time(6, 0), time(9, 0))
    assert tick(app, {person: prefs(reminders.Kind.PLAN, remind_at=time(9, 0),
                                    quiet=quiet)}) == 0  # 08:30 is quiet and not its time
    later(stopped_clock, -1)
    assert tick(app, {person: prefs(reminders.Kind.PLAN)}) == 0  # 08:29


def test_a_mentor_hears_of_a_request_and_the_learner_of_its_answer(
        app: Flask, org: Any, service: PushService, stopped_clock: list[timedelta]) -> None:
    mentor, (to_mentor,) = subscribed(app, service, "Marcus Johnson")
    learner, (to_learner,) = subscribed(app, service, "Lucia Fernandez")
    at_morning(stopped_clock)
    with app.app_context():
        db.session.add(MentorRequest(id=str(uuid.uuid4()), learner_id=learner,
                                     mentor_id=mentor, competency="greet", status="pending",
                                     occurred_at=clock.now()))
        db.session.commit()
    later(stopped_clock, 1)
    news = prefs(reminders.Kind.MENTOR_REQUEST, reminders.Kind.MENTOR_ANSWER)
    assert tick(app, {mentor: news, learner: news}) == 1
    send(app)
    assert [r.payload["title"] for r in service.to(to_mentor["endpoint"])] == [
        "Someone asked you to mentor them"]
    with app.app_context():
        request = db.session.scalars(sa.select(MentorRequest)).one()
        request.status, request.answered_at = "accepted", clock.now()
        db.session.commit()
    later(stopped_clock, 2)
    assert tick(app, {mentor: news, learner: news}) == 1
    send(app)
    assert [r.payload["title"] for r in service.to(to_learner["endpoint"])] == [
        "Your mentoring request was answered"]
    assert tick(app, {mentor: news, learner: news}) == 0


def device_of(app: Flask, service: PushService, name: str) -> tuple[Any, int, dict[str, Any]]:
    """``name`` signed in with one subscribed device: their API, their id, the device."""
    api = sign_in_as(app, name)
    sub = service.subscribe()
    assert api.post("/api/v1/push/subscriptions", sub).status_code == 201
    return api, person_named(app, name), sub


def accepted_mentoring(app: Flask, learner: int, mentor: int, competency: str,
                       status: str = "accepted") -> str:
    """A request of ``learner`` to ``mentor``, accepted an hour ago (or in ``status``)."""
    request_id = str(uuid.uuid4())
    with app.app_context():
        an_hour_ago = clock.now() - timedelta(hours=1)
        db.session.add(MentorRequest(
            id=request_id, learner_id=learner, mentor_id=mentor, competency=competency,
            status=status, occurred_at=an_hour_ago,
            answered_at=an_hour_ago if status == "accepted" else None))
        db.session.commit()
    return request_id


def end_request(api: Any, request_id: str) -> None:
    """Either side ends it through the sync, as the phone does (``mentor.request.ended``)."""
    event = {"id": str(uuid.uuid4()), "type": "mentor.request.ended", "schema": 1,
             "occurred_at": clock.now().isoformat(), "device_id": "phone-1",
             "data": {"id": request_id}}
    answer = api.post("/api/v1/sync", {"events": [event]}).get_json()
    assert answer["accepted"] == [event["id"]], answer


ENDED = prefs(reminders.Kind.MENTOR_ENDED)


def test_an_ended_mentoring_is_news_once_to_the_other_side_never_to_who_ended_it(
        app: Flask, org: Any, service: PushService, stopped_clock: list[timedelta]) -> None:
    to_mentor, mentor, mentor_sub = device_of(app, service, "Marcus Johnson")
    to_learner, learner, learner_sub = device_of(app, service, "Lucia Fernandez")
    at_morning(stopped_clock)
    greet = accepted_mentoring(app, learner, mentor, "greet")
    tills = accepted_mentoring(app, learner, mentor, "tills")
    chosen = {mentor: ENDED, learner: ENDED}
    assert tick(app, chosen) == 0  # both running: nothing has ended

    end_request(to_mentor, greet)  # the mentor ends one
    later(stopped_clock, 1)
    assert tick(app, chosen) == 1
    send(app)
    [got] = service.to(learner_sub["endpoint"])
    assert got.payload == {"kind": "mentor_ended", "title": "A mentoring has ended",
                           "body": "Open Mentoring to see it.", "url": "/app#/mentoring"}
    assert service.to(mentor_sub["endpoint"]) == []
    assert tick(app, chosen) == 0
    later(stopped_clock, 24 * 60)  # the next day: told already
    assert tick(app, chosen) == 0

    end_request(to_learner, tills)  # the learner ends the other
    later(stopped_clock, 24 * 60 + 1)
    assert tick(app, chosen) == 1
    send(app)
    assert [r.payload["title"] for r in service.to(mentor_sub["endpoint"])] == [
        "A mentoring has ended"]
    assert len(service.to(learner_sub["endpoint"])) == 1  # still only the first one

    with app.app_context():
        assert {r.competency: r.ended_by_id for r in db.session.scalars(
            sa.select(MentorRequest))} == {"greet": mentor, "tills": learner}
    exported = to_learner.get("/api/v1/me/export").get_json()["mentor_requests"]
    assert {r["competency"]: (r["status"], r["ended_by"]) for r in exported} == {
        "greet": ("ended", "mentor"), "tills": ("ended", "learner")}


def test_a_withdrawn_request_and_a_mentoring_ended_by_nobody_known_are_no_news(
        app: Flask, org: Any, service: PushService, stopped_clock: list[timedelta]) -> None:
    _, mentor, mentor_sub = device_of(app, service, "Marcus Johnson")
    to_learner, learner, learner_sub = device_of(app, service, "Lucia Fernandez")
    at_morning(stopped_clock)
    waiting = accepted_mentoring(app, learner, mentor, "greet", status="pending")
    end_request(to_learner, waiting)  # withdrawn before the mentor answered
    with app.app_context():
        # Ended before who ended it was kept (migration 0019): nobody can be told rightly.
        db.session.add(MentorRequest(
            id=str(uuid.uuid4()), learner_id=learner, mentor_id=mentor, competency="tills",
            status="ended", occurred_at=clock.now() - timedelta(days=3),
            answered_at=clock.now() - timedelta(days=3), ended_at=clock.now()))
        db.session.commit()
        assert db.session.get(MentorRequest, waiting).status == "withdrawn"
    later(stopped_clock, 1)
    news = prefs(reminders.Kind.MENTOR_ENDED, reminders.Kind.MENTOR_REQUEST)
    assert tick(app, {mentor: news, learner: news}) == 0
    assert send(app) == {} and service.received == []


# "Your role's profile changed" ---------------------------------------------------------------

THREE = (comp("greet", "Greeting customers"), comp("tills", "Using the tills", 2, 4, "Tills"),
         comp("stock", "Keeping stock", 3, 2, "Stock"))


def publish_next(app: Flask, author_id: int, summary: str,
                 **changes: dict[str, Any]) -> None:
    """Publish the store associates' next version now, each named competency changed."""
    with app.app_context():
        author = db.session.get(Person, author_id)
        role = db.session.scalar(sa.select(Role).where(Role.slug == "store-associate"))
        draft = profiles.open_draft(role, author, clock.now())
        lines = [replace(c, **changes.get(c.key, {})) for c in profiles.competencies(draft)]
        profiles.save_draft(draft, lines, expected_revision=draft.revision, author=author,
                            now=clock.now())
        profiles.publish(draft, summary, expected_revision=draft.revision, author=author,
                         now=clock.now())
        db.session.commit()


def claimed(app: Flask, kind: str) -> dict[int, list[str]]:
    """Who was claimed a notification of ``kind``, with its bodies in order."""
    with app.app_context():
        found: dict[int, list[str]] = {}
        for person, body in db.session.execute(
                sa.select(Notification.person_id, Notification.body)
                .where(Notification.kind == kind).order_by(Notification.id)):
            found.setdefault(person, []).append(body)
        return found


CHANGED = prefs(reminders.Kind.PROFILE_CHANGED)


def test_a_new_profile_is_news_to_who_rated_what_changed_with_how_many_to_look_at_again(
        app: Flask, org: Any, service: PushService, stopped_clock: list[timedelta]) -> None:
    author = publish_profile(app, comps=THREE)
    ana, (sub,) = subscribed(app, service)
    rate(app, "Ana Ruiz", "store-associate", {"greet": 2, "tills": 3, "stock": 4},
         when=clock.now())
    ben = make_person(app, "Ben Okoro")  # rated nothing: nothing to look at again
    rate(app, "Cara Diaz", "store-associate", {"stock": 3}, when=clock.now())
    cara = person_named(app, "Cara Diaz")  # rated only what will change in importance
    chosen = {ana: CHANGED, ben: CHANGED, cara: CHANGED}
    at_morning(stopped_clock)
    assert tick(app, chosen) == 0  # the first version: nothing was rated before it

    publish_next(app, author, "Greeting matters more; tills reworded.",
                 greet={"target": 4}, tills={"description": "Opens, uses and closes a till."},
                 stock={"importance": 5})
    later(stopped_clock, 1)
    assert tick(app, chosen) == 1
    assert tick(app, chosen) == 0
    send(app)
    [got] = service.to(sub["endpoint"])
    # The role's count (two competencies changed meaning; an importance is no meaning), and
    # nothing of Ana's own: no level, no competency, no gap.
    assert got.payload == {"kind": "profile_changed", "title": "Your role's profile changed",
                           "body": "2 competencies to look at again.", "url": "/app#/"}

    later(stopped_clock, 24 * 60)  # the next day, a version that rewords one
    publish_next(app, author, "Greeting reworded.",
                 greet={"description": "Makes every customer feel welcome."})
    later(stopped_clock, 24 * 60 + 1)
    assert tick(app, chosen) == 1

    later(stopped_clock, 2 * 24 * 60)  # and one that only weighs one differently
    publish_next(app, author, "Tills matter less.", tills={"importance": 2})
    later(stopped_clock, 2 * 24 * 60 + 1)
    assert tick(app, chosen) == 0  # Ana still has two to rate again, but this is no news
    assert claimed(app, "profile_changed") == {ana: ["2 competencies to look at again.",
                                                     "1 competency to look at again."]}


def polish(folder: Path) -> str:
    """A Polish catalogue of the notification's words: three plural forms, not two."""
    catalog = Catalog(locale="pl")
    catalog.add("Your role's profile changed", "Profil Twojej roli się zmienił")
    catalog.add(("%(count)s competency to look at again.",
                 "%(count)s competencies to look at again."),
                ("%(count)s kompetencja do ponownego przejrzenia.",
                 "%(count)s kompetencje do ponownego przejrzenia.",
                 "%(count)s kompetencji do ponownego przejrzenia."), flags=("python-format",))
    target = folder / "pl" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "messages.mo", "wb") as out:
        write_mo(out, catalog)
    return str(folder)


def test_the_count_is_said_in_the_learners_language_with_its_plural_forms(
        app_factory: Any, tmp_path: Path) -> None:
    made = app_factory(BABEL_TRANSLATION_DIRECTORIES=polish(tmp_path))
    changed = reminders.Kind.PROFILE_CHANGED
    with made.app_context():
        said = {n: reminder_job.message(changed, "pl-PL", n) for n in (1, 2, 5, 12, 22)}
        assert {m.title for m in said.values()} == {"Profil Twojej roli się zmienił"}
        assert {n: m.body for n, m in said.items()} == {
            1: "1 kompetencja do ponownego przejrzenia.",
            2: "2 kompetencje do ponownego przejrzenia.",
            5: "5 kompetencji do ponownego przejrzenia.",
            12: "12 kompetencji do ponownego przejrzenia.",
            22: "22 kompetencje do ponownego przejrzenia."}
        # A locale with a region, as people have them ("en-GB", "es-MX"), and a number as
        # it writes numbers; a language without a catalogue reads English.
        assert reminder_job.message(changed, "en-GB", 1200).body == \
            "1,200 competencies to look at again."
        assert reminder_job.message(reminders.Kind.PLAN, "es-MX").title == "Your learning plan"
        with pytest.raises(ValueError):  # a version that asks nothing again is no news
            reminder_job.message(changed, "en", 0)


def test_the_tick_counts_profile_news_for_many_people_in_as_many_queries_as_for_one(
        app: Flask, org: Any, stopped_clock: list[timedelta]) -> None:
    author = publish_profile(app, comps=THREE)
    names = [f"Learner {n}" for n in range(8)]
    for n, name in enumerate(names):
        rate(app, name, "store-associate", {"greet": 1 + n % 5, "tills": 2},
             future="warehouse-picker" if n % 2 else None, when=clock.now())
    ids = [person_named(app, name) for name in names]
    at_morning(stopped_clock)
    publish_next(app, author, "Tills reworded.", tills={"description": "Runs a till."})
    later(stopped_clock, 1)
    with app.app_context():
        with statements(app) as one:
            found = store.inputs(ids[:1], clock.now())
        assert found[ids[0]].look_again == 1
        with statements(app) as many:
            found = store.inputs(ids, clock.now())
        assert {pid: (f.look_again, reminders.Kind.PROFILE_CHANGED in f.due.news)
                for pid, f in found.items()} == {pid: (1, True) for pid in ids}
    assert len(many) == len(one)


def test_the_tick_finds_what_to_look_at_again_as_the_home_page_does(
        app: Flask, org: Any) -> None:
    """A rating made since in the future role's profile, of a competency the two share,
    stands for it: nothing to look at again there, on the home page or in the tick."""
    author = publish_profile(app, comps=THREE)
    publish_profile(app, "warehouse-picker", "Wes Moyo",
                    comps=(comp("greet", "Greeting customers"), comp("pick", "Picking")))
    then = clock.now() - timedelta(days=2)
    rate(app, "Ana Ruiz", "store-associate", {"greet": 2, "tills": 3}, when=then)
    rate(app, "Dan Hale", "store-associate", {"greet": 2, "tills": 3, "stock": 3},
         future="warehouse-picker", when=then)
    rate(app, "Dan Hale", "warehouse-picker", {"greet": 4}, holds="store-associate",
         when=then + timedelta(hours=1))
    rate(app, "Eve Park", "store-associate", {"tills": 3, "stock": 2}, when=then)
    publish_next(app, author, "Higher targets.", greet={"target": 4}, tills={"target": 3})
    rate(app, "Eve Park", "store-associate", {"tills": 2}, version=2)  # rated again since
    make_person(app, "Ben Okoro")
    with app.app_context():
        everyone = list(db.session.scalars(sa.select(Person).where(
            Person.display_name.in_(["Ana Ruiz", "Dan Hale", "Eve Park", "Ben Okoro"]))))
        published = profiles.published_versions(set(org["roles"].values()))
        found = assessment.changed_since_rated(
            {p.id: (p.role_id, p.future_role_id) for p in everyone}, published)
        one_by_one = {p.id: change.keys for p in everyone
                      for change in assessment.profile_changes(p) if change.role.id == p.role_id}
        names = {p.id: p.display_name for p in everyone}
    assert {names[pid]: keys for pid, keys in found.items()} == {
        "Ana Ruiz": ["greet", "tills"], "Dan Hale": ["tills"]}
    assert found == one_by_one


def test_two_ticks_racing_claim_each_reminder_once(
        app: Flask, org: Any, service: PushService, stopped_clock: list[timedelta]) -> None:
    people = [subscribed(app, service, f"Learner {n}")[0] for n in range(6)]
    for person in people:
        with_plan(app, person)
    at_morning(stopped_clock)
    chosen = {person: prefs(reminders.Kind.PLAN) for person in people}
    made: list[int] = []

    def run() -> None:
        with app.app_context():
            for _ in range(20):
                try:
                    made.append(reminder_job.decide_for(chosen, clock.now()))
                    db.session.commit()
                    return
                except sa.exc.OperationalError:  # SQLite: the other tick holds the write lock
                    db.session.rollback()
            db.session.remove()

    together(run)
    assert sum(made) == 6
    assert send(app) == {"sent": 6}
    assert len(service.received) == 6


def test_the_tick_decides_for_everyone_who_turned_a_kind_on_and_sends(
        app: Flask, org: Any, service: PushService, stopped_clock: list[timedelta]) -> None:
    on = sign_in_as(app, "Ana Ruiz")
    sub = service.subscribe()
    assert on.post("/api/v1/push/subscriptions", sub).status_code == 201
    save_reminders(on, kinds=["plan"])
    off = sign_in_as(app, "Ben Okoro")
    off.post("/api/v1/push/subscriptions", service.subscribe())
    save_reminders(off, kinds=[])
    for name in ("Ana Ruiz", "Ben Okoro"):
        with_plan(app, person_named(app, name))
    at_morning(stopped_clock)
    result = app.test_cli_runner().invoke(args=["reminders", "tick"])
    assert result.exit_code == 0 and "Claimed 1 notification." in result.output
    assert [r.token for r in service.received] == [sub["endpoint"].rsplit("/", 1)[-1]]
    again = app.test_cli_runner().invoke(args=["reminders", "tick"])
    assert "Claimed 0 notifications." in again.output and len(service.received) == 1


def test_one_scheduler_leads_at_a_time_and_another_takes_over_when_it_stops() -> None:
    redis = Redis.from_url("redis://127.0.0.1:6379/15")
    redis.delete(schedule.LEADER_KEY)
    # A lease long enough that a loaded machine never lets it lapse between two calls.
    first, second = schedule.leader(redis, 2.0), schedule.leader(redis, 2.0)
    assert first() and not second()
    assert first() and not second()  # leading renews the lease
    pytime.sleep(2.1)  # the first stopped renewing: its lease ran out
    assert second() and not first()
    redis.delete(schedule.LEADER_KEY)


def test_the_account_page_says_what_was_sent_when_and_to_which_phone(
        app: Flask, org: Any, service: PushService, stopped_clock: list[timedelta]) -> None:
    api = sign_in_as(app, "Ana Ruiz")
    assert "Nothing was sent to you yet." in api.get("/account/notifications").get_data(
        as_text=True)
    kept, gone = service.subscribe(), service.subscribe()
    for sub in (kept, gone):
        assert api.post("/api/v1/push/subscriptions", sub).status_code == 201
    service.answer(gone["endpoint"], 410)
    person = person_named(app, "Ana Ruiz")
    claim(app, person, kind="practice")
    send(app)
    service.answer(kept["endpoint"], 410)
    claim(app, person, kind="plan")
    send(app)
    page = api.get("/account/notifications").get_data(as_text=True)
    assert page.count("Time to learn") == 2
    assert re.search(r"Sent [^<]+ to Test phone", page)
    assert "Not delivered" in page and "no phone of yours could take it" in page
    other = sign_in_as(app, "Ben Okoro").get("/account/notifications").get_data(as_text=True)
    assert "Time to learn" not in other


def test_three_ignored_reminders_back_off_to_weekly_until_the_app_is_opened(
        app: Flask, org: Any, service: PushService, stopped_clock: list[timedelta]) -> None:
    api = sign_in_as(app, "Ana Ruiz")
    assert api.post("/api/v1/push/subscriptions", service.subscribe()).status_code == 201
    person = person_named(app, "Ana Ruiz")
    with_plan(app, person)
    at_morning(stopped_clock)
    chosen = {person: prefs(reminders.Kind.PLAN)}
    made = []
    for day in range(10):  # ten mornings at 08:30, and she never opens the app
        later(stopped_clock, day * 24 * 60)
        made.append(tick(app, chosen))
        send(app)
    # Three in a row, then one a week after the last of them.
    assert made == [1, 1, 1, 0, 0, 0, 0, 0, 0, 1]
    later(stopped_clock, 9 * 24 * 60 + 60)  # she opens it at 09:30 that day ...
    assert api.get("/api/v1/bootstrap").status_code == 200
    later(stopped_clock, 10 * 24 * 60)  # ... and is reminded again the next morning
    assert tick(app, chosen) == 1


def test_only_the_senders_own_transactions_skip_waiting_for_the_disk(app):
    """On PostgreSQL the sender's commits (leases, answers) do not wait for the WAL's flush;
    the setting ends with its transaction, so no other work on that connection skips it.
    Elsewhere nothing changes."""
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"

        def setting():
            return db.session.scalar(sa.text("SHOW synchronous_commit")) if postgres else None

        before = setting()
        store.without_waiting_for_disk()
        assert setting() == ("off" if postgres else None)
        db.session.commit()
        assert setting() == before and before in ("on", None)
        store.without_waiting_for_disk()
        db.session.rollback()
        assert setting() == before
