"""xAPI statements to a local LRS: queued with the event, sent once, retried, never private.

The LRS is tests/lrs.py: it checks Basic auth and the xAPI version header, refuses a
batch naming an id it has with 409, and keeps every post's raw body, which is what
the adversary test reads.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from engine.interchange import xapi as rules
from pwa import clock, jobs
from pwa.extensions import db
from pwa.jobs import reminders as reminder_job
from pwa.jobs import xapi as sender
from pwa.models import Item, JobFailure, Person, XapiStatement
from pwa.store import xapi as store
from pwa.sync.registry import registry
from tests.factories import (
    RECENT_MORNING,
    add_lesson,
    make_org,
    own_rq_queue,
    person_named,
    practice_event,
    practice_learner,
    publish_profile,
    reviewed,
    sign_in_as,
    together,
    token,
)
from tests.lrs import PASSWORD, USERNAME, Lrs, running

# Redis databases are shared by the machine: under xdist (CI's PostgreSQL run) every
# module that uses one runs on the same worker, one test at a time (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("redis")


@pytest.fixture
def lrs() -> Iterator[Lrs]:
    with running() as found:
        yield found


@pytest.fixture
def app(app_factory: Any, lrs: Lrs) -> Flask:
    made: Flask = app_factory(SKILLPATH_XAPI_URL=lrs.endpoint, SKILLPATH_XAPI_USERNAME=USERNAME,
                              SKILLPATH_XAPI_PASSWORD=PASSWORD, SKILLPATH_XAPI_TIMEOUT=2.0,
                              SKILLPATH_XAPI_ACTOR_SECRET="actor-key")
    return made


@pytest.fixture(autouse=True)
def stopped_clock(monkeypatch: pytest.MonkeyPatch) -> list[timedelta]:
    """The app's clock, stopped at the test's start; ``later`` moves it on."""
    start = clock.now()
    shift = [timedelta(0)]
    monkeypatch.setattr(clock, "now", lambda: start + shift[0])
    return shift


def later(shift: list[timedelta], minutes: float) -> None:
    shift[0] = timedelta(minutes=minutes)


def practised(app: Flask, answers: int = 3, name: str = "Ana Ruiz") -> tuple[Any, list[str]]:
    """A learner who answered ``answers`` questions and finished the lesson, through sync;
    the ids of those events. The first learner's lesson is everyone's."""
    with app.app_context():
        key = db.session.scalar(sa.select(Item.key))
    if key is None:
        api, key = practice_learner(app, name)
    else:
        api = sign_in_as(app, name)
    events = [reviewed(key, n % 3, right=n % 2 == 0, at=RECENT_MORNING + timedelta(minutes=n),
                       ms=4000 + n) for n in range(answers)]
    events.append(practice_event("lesson.completed", {"item": key, "revision": 1},
                                 RECENT_MORNING + timedelta(minutes=answers)))
    answer = api.post("/api/v1/sync", {"events": events}).get_json()
    assert len(answer["accepted"]) == len(events), answer
    return api, [e["id"] for e in events]


def send(app: Flask) -> dict[str, int]:
    with app.app_context():
        return sender.send_due()


def rows(app: Flask) -> list[XapiStatement]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(XapiStatement).order_by(XapiStatement.id)))
        db.session.expunge_all()
        return found


def test_finished_lessons_and_answers_reach_the_lrs_once_by_the_minutes_tick(
        app: Flask, org: Any, lrs: Lrs) -> None:
    _, ids = practised(app)
    queued = rows(app)
    assert sorted((r.event_id, r.statement_id, r.state, r.tries) for r in queued) == sorted(
        (i, rules.statement_id(i), "pending", 0) for i in ids)
    with app.app_context():  # the clock's tick asks for the sender, which runs at once here
        reminder_job.tick()
    assert lrs.refused == []
    assert sorted(lrs.stored) == sorted(rules.statement_id(i) for i in ids)
    assert len(lrs.posts) == 1  # one batch
    person = person_named(app, "Ana Ruiz")
    with app.app_context():
        organisation = db.session.get(Person, person).organisation_id
    actor = {"objectType": "Agent", "account": {
        "homePage": "http://localhost/organisations/acme",
        "name": rules.opaque_name(b"actor-key", organisation, person)}}
    assert all(s["actor"] == actor for s in lrs.stored.values())
    assert sorted(s["verb"]["display"]["en-US"] for s in lrs.stored.values()) == \
        ["answered"] * 3 + ["completed"]
    assert b"Ana" not in b"".join(lrs.bodies)
    assert {r.state for r in rows(app)} == {"sent"}
    assert send(app) == {}  # nothing is due any more
    assert len(lrs.posts) == 1


def test_on_rq_the_tick_queues_the_sender_and_a_worker_posts_the_statements(
        app_factory: Any, lrs: Lrs) -> None:
    with own_rq_queue(app_factory, "redis://127.0.0.1:6379/7") as (app, queue):
        app.config.update(SKILLPATH_XAPI_URL=lrs.endpoint, SKILLPATH_XAPI_USERNAME=USERNAME,
                          SKILLPATH_XAPI_PASSWORD=PASSWORD)
        make_org(app)
        _, ids = practised(app, answers=1)
        with app.app_context():
            reminder_job.tick()
        assert "xapi.send" in [job.args[0] for job in queue.jobs]
        assert lrs.bodies == []  # queued, not run here
        with app.app_context():
            jobs.worker(queue, simple=True).work(burst=True)
        assert sorted(lrs.stored) == sorted(map(rules.statement_id, ids))


def test_a_statement_is_queued_once_however_often_its_event_is_synced(
        app: Flask, org: Any, lrs: Lrs) -> None:
    api, key = practice_learner(app)
    event = reviewed(key)
    for _ in range(3):
        api.post("/api/v1/sync", {"events": [event, event]})
    assert [r.event_id for r in rows(app)] == [event["id"]]


def test_nothing_is_queued_or_sent_when_no_lrs_is_configured(
        app_factory: Any, lrs: Lrs) -> None:
    app = app_factory()
    make_org(app)
    practised(app)
    assert rows(app) == []
    with app.app_context():
        reminder_job.tick()
    assert send(app) == {} and lrs.bodies == []


def test_the_hr_id_is_the_actor_only_when_configured(app_factory: Any, lrs: Lrs) -> None:
    app = app_factory(SKILLPATH_XAPI_URL=lrs.endpoint, SKILLPATH_XAPI_ACTOR="external_id")
    make_org(app)
    practised(app, answers=1)
    practised(app, answers=1, name="Ben Okoro")
    with app.app_context():
        db.session.execute(sa.update(Person).where(Person.display_name == "Ana Ruiz")
                           .values(external_id="E-1042"))
        db.session.commit()
        ana, ben = (db.session.get(Person, person_named(app, n)) for n in ("Ana Ruiz",
                                                                             "Ben Okoro"))
        assert store.learner(ana).name == "E-1042"
        assert len(store.learner(ben).name) == 32  # no HR id: the opaque one


def test_without_the_right_credentials_the_lrs_refuses_and_ld_are_told(
        app_factory: Any, lrs: Lrs) -> None:
    app = app_factory(SKILLPATH_XAPI_URL=lrs.endpoint, SKILLPATH_XAPI_USERNAME=USERNAME,
                      SKILLPATH_XAPI_PASSWORD="wrong")
    make_org(app)
    practised(app, answers=1)
    assert send(app) == {"failed": 2}  # the batch, then each statement on its own: 401
    assert lrs.stored == {} and len(lrs.bodies) == 3
    assert all(r.startswith("401") for r in lrs.refused)
    with app.app_context():
        failures = db.session.execute(sa.select(JobFailure.job, JobFailure.kind,
                                                JobFailure.error)).all()
    assert failures == [("xapi.send", "lrs", "HTTP 401")] * 2


def test_one_bad_statement_is_refused_alone_and_try_again_sends_it_once_mended(
        app: Flask, org: Any, lrs: Lrs, stopped_clock: list[timedelta]) -> None:
    _, ids = practised(app)
    bad = rules.statement_id(ids[1])
    lrs.bad.add(bad)
    assert send(app) == {"sent": 3, "failed": 1}
    assert bad not in lrs.stored and len(lrs.stored) == 3
    [row] = [r for r in rows(app) if r.statement_id == bad]
    assert row.state == "failed" and row.detail.startswith("400 ")
    admin = sign_in_as(app, "Priya Nair", ld_admin=True)
    html = admin.get("/admin/jobs").get_data(as_text=True)
    assert "Sending finished lessons and practice answers to your learning record store" in html
    assert "refused this statement" in html and bad in html
    with app.app_context():
        failure = db.session.scalars(sa.select(JobFailure)).one()
        assert json.loads(failure.arguments) == [row.id]
    later(stopped_clock, 1)
    admin.client.post(f"/admin/jobs/{failure.id}/retry", data={"csrf_token": token(html)})
    assert lrs.posted(bad) == 3  # batch, alone, and again: refused again, still failed
    [again] = [r for r in rows(app) if r.statement_id == bad]
    assert again.state == "failed"
    with app.app_context():  # a new failure, not resolved by the run that recorded it
        assert [f.resolved_at is None for f in db.session.scalars(
            sa.select(JobFailure).order_by(JobFailure.id))] == [False, True]
        newest = db.session.scalars(sa.select(JobFailure.id).order_by(
            JobFailure.id.desc())).first()
    lrs.bad.clear()  # the LRS mended
    later(stopped_clock, 2)
    admin.client.post(f"/admin/jobs/{newest}/retry", data={"csrf_token": token(html)})
    assert bad in lrs.stored and lrs.posted(bad) == 4
    assert {r.state for r in rows(app)} == {"sent"}
    with app.app_context():
        assert all(db.session.scalars(sa.select(JobFailure.resolved_at)))


def test_429_and_503_wait_as_retry_after_asks_then_send(
        app: Flask, org: Any, lrs: Lrs, stopped_clock: list[timedelta]) -> None:
    practised(app, answers=1)
    lrs.answer(429, retry_after="120")
    assert send(app) == {"pending": 2}
    start = clock.now()
    assert {r.next_try_at for r in rows(app)} == {start + timedelta(minutes=2)}
    later(stopped_clock, 1)
    assert send(app) == {}  # not before the LRS asked
    later(stopped_clock, 2)
    lrs.answer(503)  # no Retry-After: our backoff, 30 s after the second try
    assert send(app) == {"pending": 2}
    assert {(r.tries, r.next_try_at) for r in rows(app)} == {
        (2, start + timedelta(minutes=2, seconds=60))}
    later(stopped_clock, 3)
    assert send(app) == {"sent": 2}
    assert len(lrs.stored) == 2


def test_an_lrs_that_keeps_failing_is_given_up_on_after_the_last_try(
        app: Flask, org: Any, lrs: Lrs, stopped_clock: list[timedelta]) -> None:
    practised(app, answers=0)
    lrs.answer(500, times=rules.MAX_ATTEMPTS)
    for n in range(rules.MAX_ATTEMPTS):
        later(stopped_clock, n * 24 * 60)  # a day later each time: every wait is over
        assert send(app) == ({"failed": 1} if n == rules.MAX_ATTEMPTS - 1 else {"pending": 1})
    [row] = rows(app)
    assert (row.state, row.tries) == ("failed", rules.MAX_ATTEMPTS)
    with app.app_context():
        assert db.session.scalar(sa.select(JobFailure.error)) == "HTTP 500"


def test_an_lrs_that_does_not_answer_times_out_and_is_retried(
        app_factory: Any, lrs: Lrs) -> None:
    app = app_factory(SKILLPATH_XAPI_URL=lrs.endpoint, SKILLPATH_XAPI_USERNAME=USERNAME,
                      SKILLPATH_XAPI_PASSWORD=PASSWORD, SKILLPATH_XAPI_TIMEOUT=0.5)
    make_org(app)
    practised(app, answers=0)
    release = lrs.hold()
    assert send(app) == {"pending": 1}
    release.set()
    [row] = rows(app)
    assert row.tries == 1 and row.detail == "no answer: ReadTimeout"


def test_a_sender_killed_after_taking_statements_is_replaced_after_the_lease(
        app: Flask, org: Any, lrs: Lrs, stopped_clock: list[timedelta]) -> None:
    practised(app, answers=1)
    with app.app_context():  # a sender takes them, commits its lease, and dies
        assert len(store.take(clock.now(), 100)) == 2
        db.session.commit()
    assert send(app) == {}  # the lease holds: nobody else posts them meanwhile
    later(stopped_clock, store.LEASE.total_seconds() / 60 + 1)
    assert send(app) == {"sent": 2}
    assert [len(ids) for ids in lrs.posts] == [2]
    assert {r.tries for r in rows(app)} == {2}


def test_a_sender_killed_between_its_post_and_its_record_is_stored_once_at_the_lrs(
        app: Flask, org: Any, lrs: Lrs, stopped_clock: list[timedelta],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _, ids = practised(app)
    recorded = store.record

    def dies(posted: list[store.Posted], now: datetime) -> dict[str, int]:
        raise SystemExit("killed")  # posted, recorded nothing

    monkeypatch.setattr(store, "record", dies)
    with app.app_context(), pytest.raises(SystemExit):
        sender.send_due()
    monkeypatch.setattr(store, "record", recorded)
    assert len(lrs.stored) == 4
    assert send(app) == {}
    later(stopped_clock, store.LEASE.total_seconds() / 60 + 1)
    # The same ids again: the LRS refuses the batch (409), then has each one (409).
    assert send(app) == {"sent": 4}
    assert len(lrs.stored) == 4 and {r.state for r in rows(app)} == {"sent"}
    assert [len(p) for p in lrs.posts] == [4, 4, 1, 1, 1, 1]


def test_two_senders_racing_post_each_statement_once(
        app: Flask, org: Any, lrs: Lrs, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sender, "TURN", 3)
    monkeypatch.setattr(sender, "BATCH", 2)
    for n in range(4):
        practised(app, answers=2, name=f"Learner {n}")
    states: list[dict[str, int]] = []

    def run() -> None:
        with app.app_context():
            states.append(sender.send_due())
            db.session.remove()

    together(run)
    assert sum(s.get("sent", 0) for s in states) == 12
    posted = [i for ids in lrs.posts for i in ids]
    assert len(posted) == len(set(posted)) == 12 and lrs.refused == []


def test_deleting_the_account_removes_its_queued_statements_and_the_export_shows_them(
        app: Flask, org: Any, lrs: Lrs) -> None:
    api, ids = practised(app, answers=1)
    other, _ = practised(app, answers=1, name="Ben Okoro")
    send(app)
    exported = api.get("/api/v1/me/export").get_json()["xapi_statements"]
    assert sorted((e["statement_id"], e["state"]) for e in exported) == sorted(
        (rules.statement_id(i), "sent") for i in ids)
    assert all(e["statement"] == lrs.stored[e["statement_id"]] for e in exported)
    _, more = practised(app, answers=0)  # queued, not yet sent
    assert api.delete("/api/v1/me").status_code == 200
    assert {r.person_id for r in rows(app)} == {person_named(app, "Ben Okoro")}


# The adversary: every type of event a phone may send, with words in every free text, goes
# through the whole pipeline; what reached the LRS is only lessons finished and answers.

SECRET = "PRIVATE-7f3e"


def event(type_: str, data: dict[str, Any], minutes: int = 0) -> dict[str, Any]:
    return practice_event(type_, data, RECENT_MORNING + timedelta(minutes=minutes))


def test_no_statement_can_carry_a_rating_a_plan_a_goal_feedback_or_a_mentor_request(
        app: Flask, org: Any, lrs: Lrs) -> None:
    grace_id = publish_profile(app)
    key = add_lesson(app)
    grace = sign_in_as(app, "Grace Okafor")
    ana = sign_in_as(app, "Ana Ruiz")
    ana_id = person_named(app, "Ana Ruiz")
    with app.app_context():
        item = db.session.scalar(sa.select(sa.text("id FROM items")))
    own, suggestion, request = (str(uuid.uuid4()) for _ in range(3))
    sent: list[dict[str, Any]] = []

    def sync(api: Any, *events: dict[str, Any]) -> None:
        answer = api.post("/api/v1/sync", {"events": list(events)}).get_json()
        assert len(answer["accepted"]) == len(events), answer
        sent.extend(events)

    sync(grace,
         event("rating.set", {"role": "store-associate", "competency": "greet", "version": 1,
                              "level": 5, "note": f"{SECRET} rating note"}),
         event("rating.set", {"role": "store-associate", "competency": "tills", "version": 1,
                              "level": 1, "note": None}),
         event("assessment.submitted", {"role": "store-associate", "version": 1}, 1),
         event("feedback.created", {"role": "store-associate", "competency": "greet",
                                    "kind": "unclear", "text": f"{SECRET} feedback"}, 1),
         event("plan.settings.changed", {"weekly_minutes": 95, "formats": ["micro_lesson"],
                                         "languages": ["en"]}, 2),
         event("plan.goal.added", {"competency": "greet"}, 2),
         event("plan.item.added", {"id": own, "title": f"{SECRET} own item",
                                   "format": "book_study", "minutes": 60, "url": None,
                                   "competency": "tills"}, 2),
         event("plan.item.changed", {"item": f"own:{own}", "competency": "tills",
                                     "state": "pinned", "position": 0}, 3),
         event("mentor.offer.changed", {"competencies": ["greet"], "languages": ["en"],
                                        "availability": f"{SECRET} mornings",
                                        "contact": f"{SECRET} desk"}, 3),
         event("reminders.settings.changed", {
             "time_zone": "Europe/Madrid", "remind_at": "07:30", "days": [1, 3, 5],
             "quiet": {"start": "22:00", "end": "07:00"}, "kinds": ["plan"],
             "usual_practice": None, "usual_confirmed": False}, 3),
         event("person.language.changed", {"locale": "es-MX"}, 3),
         event("plan.goal.removed", {"competency": "greet"}, 4))
    sync(ana,
         event("plan.suggestion.sent", {"id": suggestion, "to": grace_id, "competency": "tills",
                                        "item": f"c:{item}", "message": f"{SECRET} try it"}, 5),
         event("mentor.requested", {"id": request, "mentor": grace_id, "competency": "greet",
                                    "message": f"{SECRET} help me", "contact": f"{SECRET} eve"},
               5),
         reviewed(key, 0, at=RECENT_MORNING + timedelta(minutes=6)),
         reviewed(key, 1, right=False, at=RECENT_MORNING + timedelta(minutes=6, seconds=30)),
         event("lesson.completed", {"item": key, "revision": 1}, 7))
    sync(grace,
         event("plan.suggestion.answered", {"id": suggestion, "answer": "accepted"}, 8),
         event("mentor.request.answered", {"id": request, "answer": "accepted"}, 8),
         reviewed(key, 2, at=RECENT_MORNING + timedelta(minutes=9)),
         event("lesson.completed", {"item": key, "revision": 1}, 10))
    sync(ana, event("mentor.request.ended", {"id": request}, 11))
    assert {e["type"] for e in sent} == set(registry().events), "send every type of event"

    with app.app_context():
        reminder_job.tick()
    wire = b"".join(lrs.bodies)
    assert lrs.bodies and SECRET.encode() not in wire
    statements = [s for body in lrs.bodies for s in json.loads(body)]
    learned = [e["id"] for e in sent if e["type"] in ("card.reviewed", "lesson.completed")]
    assert sorted(s["id"] for s in statements) == sorted(map(rules.statement_id, learned))
    assert {s["verb"]["id"] for s in statements} == {rules.COMPLETED, rules.ANSWERED}
    for s in statements:  # nothing but the fields a statement has, and no one's name
        assert set(s) == {"id", "actor", "verb", "object", "result", "context", "timestamp"}
        assert set(s["result"]) <= {"completion", "success", "duration"}
        assert set(s["actor"]["account"]) == {"homePage", "name"}
        assert s["actor"]["account"]["name"] not in {str(grace_id), str(ana_id)}
        assert s["object"]["id"].startswith("http://localhost/xapi/items/")
    for word in (b"Grace", b"Okafor", b"Ana", b"Ruiz", b"level", b"note", b"plan", b"mentor",
                 b"goal", b"feedback", b"rating", b"greet", b"Madrid", b"answer\""):
        assert word not in wire, word


@pytest.mark.parametrize("configured", [True, False])
def test_the_learner_s_bundle_says_whether_their_work_goes_to_an_lrs(
        app_factory: Any, lrs: Lrs, configured: bool) -> None:
    app = app_factory(**({"SKILLPATH_XAPI_URL": lrs.endpoint} if configured else {}))
    make_org(app)
    api = sign_in_as(app, "Ana Ruiz")
    assert api.get("/api/v1/bootstrap").get_json()["learning_records"] is configured


def test_an_operator_sees_where_the_queue_stands_and_sends_what_is_due_by_hand(
        app: Flask, org: Any, lrs: Lrs, stopped_clock: list[timedelta]) -> None:
    practised(app, answers=2)  # three statements
    runner = app.test_cli_runner()

    def status() -> str:
        result = runner.invoke(args=["xapi", "status"])
        assert result.exit_code == 0, result.output
        assert PASSWORD not in result.output and USERNAME not in result.output
        return str(result.output)

    assert f"Learning record store: {lrs.endpoint}\n" in status()
    assert "Due now: 3; waiting to try again: 0; held by a sender: 0; sent: 0; failed: 0" \
        in status()
    assert f"Oldest waiting since {clock.now():%Y-%m-%d %H:%M} UTC" in status()
    with app.app_context():  # a sender takes one and holds it
        assert len(store.take(clock.now(), 1)) == 1
        db.session.commit()
    assert "Due now: 2; waiting to try again: 0; held by a sender: 1;" in status()
    lrs.answer(429, retry_after="120")
    assert runner.invoke(args=["xapi", "send"]).output == "pending: 2\n"
    assert "Due now: 0; waiting to try again: 2; held by a sender: 1;" in status()
    later(stopped_clock, 6)  # the Retry-After and the held one's lease are over
    assert runner.invoke(args=["xapi", "send"]).output == "sent: 3\n"
    assert len(lrs.stored) == 3
    assert "Due now: 0; waiting to try again: 0; held by a sender: 0; sent: 3; failed: 0" \
        in status()
    assert "Oldest waiting" not in status()
    assert runner.invoke(args=["xapi", "send"]).output == "Nothing was due.\n"


def test_without_an_lrs_the_commands_say_so_and_send_nothing(app_factory: Any, lrs: Lrs) -> None:
    app = app_factory()
    make_org(app)
    runner = app.test_cli_runner()
    sent = runner.invoke(args=["xapi", "send"])
    assert sent.exit_code == 1 and "SKILLPATH_XAPI_URL" in sent.output
    assert "none configured" in runner.invoke(args=["xapi", "status"]).output
    assert lrs.bodies == []
