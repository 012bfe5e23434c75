"""The push sender against a local push service: delivered once, retried, removed, never lost."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from py_vapid import Vapid

from engine import push as rules
from pwa import clock
from pwa.extensions import db
from pwa.jobs import push as sender
from pwa.models import Notification, PushDelivery, PushSubscription
from pwa.store import push as store
from tests.factories import person_named, sign_in_as
from tests.pushservice import PushService, running

DAY = date(2026, 3, 9)


def _key() -> str:
    vapid = Vapid()
    vapid.generate_keys()
    return vapid.private_pem().decode()


KEY = _key()


@pytest.fixture
def service() -> Iterator[PushService]:
    with running() as found:
        yield found


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
    shift = [timedelta(0)]
    monkeypatch.setattr(clock, "now", lambda: start + shift[0])
    return shift


def later(shift: list[timedelta], minutes: float) -> None:
    shift[0] = timedelta(minutes=minutes)


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


def test_two_senders_racing_post_each_notification_once(
        app: Flask, org: Any, service: PushService) -> None:
    people = [subscribed(app, service, f"Learner {n}")[0] for n in range(12)]
    for person in people:
        claim(app, person)
    start = threading.Barrier(2)
    states: list[dict[str, int]] = []

    def run() -> None:
        with app.app_context():
            start.wait()
            states.append(sender.send_due(limit=3))
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
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
