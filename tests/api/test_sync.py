"""POST /api/v1/sync: idempotent, per-event validation, quarantine, ordering by time."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa

from pwa import clock
from pwa.extensions import db
from pwa.models import Event, Feedback, Person, QuarantinedEvent, Rating
from pwa.sync.quarantine import payload_of
from tests.factories import (
    RECENT_MORNING,
    Api,
    moment,
    publish_change,
    publish_profile,
    sign_in_as,
)

MONDAY = RECENT_MORNING


def rating(level, *, competency="greet", at=MONDAY, event_id=None, **extra):
    return {"id": event_id or str(uuid.uuid4()), "type": "rating.set", "schema": 1,
            "occurred_at": at.isoformat().replace("+00:00", "Z"), "device_id": "phone-1",
            "data": {"role": "store-associate", "competency": competency, "version": 1,
                     "level": level, "note": None}, **extra}


def count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_accepts_a_batch_and_a_resent_batch_is_all_duplicates(app, org):
    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    batch = [rating(2), rating(3, competency="tills")]
    first = api.post("/api/v1/sync", {"events": batch}).get_json()
    assert first == {"accepted": [batch[0]["id"], batch[1]["id"]], "duplicates": [],
                     "refused": []}
    again = api.post("/api/v1/sync", {"events": batch}).get_json()
    assert again == {"accepted": [], "duplicates": [batch[0]["id"], batch[1]["id"]],
                     "refused": []}
    assert count(app, Event) == 2 and count(app, Rating) == 2


def test_the_same_event_twice_in_one_batch_is_stored_once(app, org):
    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    event = rating(4)
    answer = api.post("/api/v1/sync", {"events": [event, event]}).get_json()
    assert answer["accepted"] == [event["id"]] and answer["duplicates"] == [event["id"]]
    assert count(app, Rating) == 1


def test_a_refused_event_twice_in_one_batch_is_refused_twice_never_called_a_duplicate(
        app, org):
    """Each copy gets what the first got: a copy of a refused event is not "already saved"."""
    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    unknown = rating(3, competency="juggling")  # refused by its type's check, not its envelope
    fine = rating(4)
    answer = api.post("/api/v1/sync", {"events": [unknown, fine, unknown, fine]}).get_json()
    assert answer["accepted"] == [fine["id"]] and answer["duplicates"] == [fine["id"]]
    assert [(r["id"], r["code"]) for r in answer["refused"]] == \
        [(unknown["id"], "unknown_competency")] * 2
    with app.app_context():
        kept = db.session.execute(sa.select(QuarantinedEvent.event_id, QuarantinedEvent.code))
        assert sorted(kept) == [(unknown["id"], "unknown_competency")] * 2  # each try kept
    # A copy of an event whose id another of Ana's events holds is refused with it, too.
    changed = {**fine, "data": {**fine["data"], "level": 1}}
    answer = api.post("/api/v1/sync", {"events": [changed, changed]}).get_json()
    assert answer["duplicates"] == [] and \
        [r["code"] for r in answer["refused"]] == ["id_conflict", "id_conflict"]


def test_late_events_take_their_place_in_history(app, org):
    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    wednesday = rating(4, at=MONDAY + timedelta(days=2))
    monday = rating(2, at=MONDAY)  # made offline on Monday, synced after Wednesday's
    api.post("/api/v1/sync", {"events": [wednesday]})
    api.post("/api/v1/sync", {"events": [monday]})
    with app.app_context():
        levels = db.session.execute(sa.select(Rating.level).order_by(Rating.occurred_at)).all()
        assert [row.level for row in levels] == [2, 4]


def test_each_bad_event_is_refused_on_its_own_and_quarantined(app, org):
    publish_profile(app)
    publish_profile(app, "warehouse-picker", "Marcus Johnson")
    api = sign_in_as(app, "Ana Ruiz")
    with app.app_context():
        other = db.session.scalar(
            sa.select(Person.id).where(Person.display_name == "Marcus Johnson"))
    good = rating(3)
    bad = [
        dict(rating(3), type="rating.deleted"),
        dict(rating(3), schema=2),
        rating(3, at=clock.now() + timedelta(days=2)),
        dict(rating(3), id="not-a-uuid"),
        rating(3, person_id=other),
        rating(9),
        rating(3, competency="no-such-thing"),
        dict(rating(3), data={"role": "store-associate", "competency": "greet", "version": 7,
                              "level": 3}),
        {"id": str(uuid.uuid4()), "type": "feedback.created", "schema": 1,
         "occurred_at": MONDAY.isoformat(), "device_id": "phone-1",
         "data": {"role": "store-associate", "competency": "scan", "kind": "unclear",
                  "text": "?"}},
        "not even an object",
    ]
    answer = api.post("/api/v1/sync", {"events": [bad[0], good, *bad[1:]]}).get_json()
    assert answer["accepted"] == [good["id"]]
    codes = sorted(r["code"] for r in answer["refused"])
    assert codes == sorted(["unknown_type", "unsupported_schema", "clock_wrong", "invalid_id",
                     "wrong_person", "invalid_level", "unknown_competency", "unknown_version",
                     "invalid_feedback", "invalid_event"])
    assert all(r["message"] for r in answer["refused"])
    assert count(app, QuarantinedEvent) == len(bad)
    with app.app_context():
        kept = [payload_of(q) for q in db.session.scalars(sa.select(QuarantinedEvent))]
        assert bad[0] in kept  # the whole payload is kept
        assert "not even an object" in kept


def test_feedback_through_sync_reaches_the_authors(app, org):
    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    event = {"id": str(uuid.uuid4()), "type": "feedback.created", "schema": 1,
             "occurred_at": MONDAY.isoformat(), "device_id": "phone-1",
             "data": {"role": "store-associate", "competency": "tills", "kind": "outdated",
                      "text": "Self-checkouts are missing."}}
    assert api.post("/api/v1/sync", {"events": [event]}).get_json()["accepted"] == [event["id"]]
    assert api.post("/api/v1/sync", {"events": [event]}).get_json()["duplicates"] == [event["id"]]
    with app.app_context():
        feedback = db.session.scalars(sa.select(Feedback)).one()
        assert (feedback.text, feedback.created_at) == ("Self-checkouts are missing.", MONDAY)


def test_an_event_id_of_someone_else_is_refused(app, org):
    publish_profile(app)
    ana, ben = sign_in_as(app, "Ana Ruiz"), sign_in_as(app, "Ben Ode")
    event = rating(3)
    ana.post("/api/v1/sync", {"events": [event]})
    answer = ben.post("/api/v1/sync", {"events": [event]}).get_json()
    assert [r["code"] for r in answer["refused"]] == ["id_taken"]
    assert count(app, Rating) == 1


def test_batch_limits_and_errors(app, org):
    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    too_many = api.post("/api/v1/sync", {"events": [rating(3) for _ in range(501)]})
    assert too_many.status_code == 413
    assert too_many.get_json()["details"]["max_events"] == 500
    huge = api.client.post("/api/v1/sync", data='{"events": ["' + "x" * 1_100_000 + '"]}',
                           content_type="application/json",
                           headers={"X-CSRFToken": api.csrf()})
    assert huge.status_code == 413
    assert huge.get_json()["details"] == {"max_bytes": 1024 * 1024, "max_events": 500}
    no_csrf = api.client.post("/api/v1/sync", json={"events": [rating(3)]})
    assert no_csrf.status_code == 400 and no_csrf.get_json()["error"] == "csrf_failed"
    wrong_shape = api.post("/api/v1/sync", {"events": "nope"})
    assert wrong_shape.status_code == 422
    assert count(app, Rating) == 0


def test_signed_out_sync_is_401_and_says_answers_are_kept(app, org):
    answer = Api(app.test_client()).post("/api/v1/sync", {"events": []})
    assert answer.status_code == 401
    assert "kept on this phone" in answer.get_json()["message"]


def test_bootstrap_has_profile_ratings_history_and_content_with_an_etag(app, org):
    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    api.post("/api/v1/sync", {"events": [
        rating(2, at=MONDAY), rating(3, at=MONDAY + timedelta(days=1)),
        rating(4, competency="tills", at=MONDAY + timedelta(hours=12))]})
    response = api.get("/api/v1/bootstrap")
    body = response.get_json()
    assert body["person"]["display_name"] == "Ana Ruiz"
    assert body["profiles"]["store-associate"]["number"] == 1
    assert [(r["competency"], r["level"]) for r in body["ratings"]["history"]] == [
        ("greet", 2), ("tills", 4), ("greet", 3)]
    assert {(r["competency"], r["level"]) for r in body["ratings"]["current"]} == {
        ("greet", 3), ("tills", 4)}
    assert body["rerate"] == {"store-associate": []}
    assert body["submissions"] == []
    assert body["limits"] == {"level_min": 1, "level_max": 5, "max_note": 1000,
                              "max_feedback": 2000,
                              "feedback_kinds": ["outdated", "unclear", "missing", "other"]}
    assert body["content"] == {"items": []}  # the profile is in the bundle, not fetched again
    assert body["reports"] == {"last_release_at": None, "days": 7, "threshold": 5}
    etag = response.headers["ETag"]
    assert api.get("/api/v1/bootstrap", headers={"If-None-Match": etag}).status_code == 304
    api.post("/api/v1/sync", {"events": [rating(5)]})
    assert api.get("/api/v1/bootstrap", headers={"If-None-Match": etag}).status_code == 200


def test_after_a_new_version_only_changed_competencies_are_asked_again(app, org):

    author_id = publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    api.post("/api/v1/sync", {"events": [rating(3), rating(2, competency="tills")]})
    publish_change(app, author_id, 1, lambda tills: replace(tills, target=4),  # 2 -> 4
                   "Higher till target.")
    assert api.get("/api/v1/bootstrap").get_json()["rerate"] == {"store-associate": ["tills"]}


def test_no_endpoint_returns_another_persons_ratings(app, org):
    publish_profile(app)
    ana, ben = sign_in_as(app, "Ana Ruiz"), sign_in_as(app, "Ben Ode", ld_admin=True)
    secret_note = "I struggle with refunds"
    ana.post("/api/v1/sync", {"events": [dict(rating(1), data={
        "role": "store-associate", "competency": "tills", "version": 1, "level": 1,
        "note": secret_note})]})
    assert secret_note in ana.get("/api/v1/bootstrap").get_data(as_text=True)
    # Ben, an L&D admin, walks every GET endpoint of the API and every page he can reach.
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments - {"slug", "key", "number"}:
            continue
        path = (rule.rule.replace("<slug>", "store-associate").replace("<key>", "x")
                .replace("<id:number>", "1"))
        body = ben.get(path).get_data(as_text=True)
        assert secret_note not in body, path
    assert ben.get("/api/v1/bootstrap").get_json()["ratings"] == {"history": [], "current": []}


def test_the_same_batch_racing_from_two_devices_is_stored_once(app, org):
    import threading

    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    batch = [rating(1 + i % 5, at=MONDAY + timedelta(minutes=i)) for i in range(100)]
    clones = []
    for _ in range(2):  # two clients sharing the session, as two tabs would
        clone = Api(app.test_client())
        clone.client.set_cookie("skillpath_session",
                                api.client.get_cookie("skillpath_session").value)
        clone.token = api.csrf()
        clones.append(clone)
    answers = []
    start = threading.Barrier(2)

    def send(client):
        start.wait()
        answers.append(client.post("/api/v1/sync", {"events": batch}).get_json())

    threads = [threading.Thread(target=send, args=(c,)) for c in clones]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    accepted = [i for a in answers for i in a["accepted"]]
    duplicates = [i for a in answers for i in a["duplicates"]]
    assert sorted(accepted) == sorted(e["id"] for e in batch)
    assert sorted(duplicates) == sorted(e["id"] for e in batch)
    assert count(app, Rating) == 100 and count(app, Event) == 100


def test_a_batch_of_new_and_stored_events_applies_only_the_new_ones(app, org):
    """Stored before by a committed sync or by an earlier batch of the same transaction
    (a caller may ingest several before it commits): either way a duplicate, applied once."""
    from pwa.sync.ingest import ingest
    from tests.factories import make_person

    publish_profile(app)
    person_id = make_person(app, "Ana Ruiz")
    first = [rating(2, at=MONDAY + timedelta(minutes=i)) for i in range(3)]
    second = [rating(3, competency="tills", at=MONDAY + timedelta(minutes=i)) for i in range(3)]
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert ingest(person, first, MONDAY).accepted == [e["id"] for e in first]
        db.session.commit()
        assert ingest(person, second[:2], MONDAY).accepted == [e["id"] for e in second[:2]]
        mixed = ingest(person, [first[0], second[1], second[2], first[2]], MONDAY)
        assert mixed.accepted == [second[2]["id"]]
        assert mixed.duplicates == [first[0]["id"], second[1]["id"], first[2]["id"]]
        assert mixed.refused == []
        db.session.commit()
    assert count(app, Event) == 6 and count(app, Rating) == 6


def test_a_submitted_assessment_is_in_the_bootstrap(app, org):
    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    submitted = {"id": str(uuid.uuid4()), "type": "assessment.submitted", "schema": 1,
                 "occurred_at": moment(30), "device_id": "phone-1",
                 "data": {"role": "store-associate", "version": 1}}
    assert api.post("/api/v1/sync", {"events": [submitted]}).get_json()["accepted"] == [
        submitted["id"]]
    assert api.get("/api/v1/bootstrap").get_json()["submissions"] == [
        {"role": "store-associate", "version": 1,
         "occurred_at": (RECENT_MORNING + timedelta(minutes=30)).isoformat()}]


def test_the_result_names_the_follow_ups_of_the_types_it_accepted(app, org):
    """The jobs come from the declarations of the types accepted now, not from the raw batch."""
    from pwa.sync.ingest import ingest
    from pwa.sync.registry import Job
    from tests.factories import make_person

    publish_profile(app)
    person_id = make_person(app, "Ana Ruiz")
    feedback = {"id": str(uuid.uuid4()), "type": "feedback.created", "schema": 1,
                "occurred_at": moment(), "device_id": "phone-1",
                "data": {"role": "store-associate", "competency": None, "kind": "unclear",
                         "text": "Level 5 is vague."}}
    batch = [rating(1)]  # below the role's target: a gap
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert ingest(person, batch, MONDAY).jobs == {
            Job("mentors.assign", (person.organisation_id,))}
        # The plan's summary for the reports is kept by the sync itself, from the plan its
        # refresh of the uncovered gaps built: no job builds it a second time.
        from pwa.models import PlanSummary

        db.session.commit()  # the refresh runs as the sync's transaction commits
        summary = db.session.get(PlanSummary, person.id)
        assert summary is not None and summary.uncovered + summary.covered == 1
        assert ingest(person, batch, MONDAY).jobs == set()  # a duplicate asks for nothing
        assert ingest(person, [rating(9)], MONDAY).jobs == set()  # nor does a refusal
        assert ingest(person, [feedback], MONDAY).jobs == set()  # a type that asks for none


class _Lost(Exception):
    """What psycopg raises for a deadlock: its SQLSTATE on the driver's exception."""

    sqlstate = "40P01"


def test_a_batch_that_lost_a_race_is_done_again_and_stored_once(app, org, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from pwa.sync import ingest

    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    real = ingest.ingest
    tries = []

    def deadlocked_once(*args, **kwargs):
        result = real(*args, **kwargs)  # its rows are written, then the database ends it
        tries.append(1)
        if len(tries) == 1:
            raise OperationalError("UPDATE people ...", {}, _Lost())
        return result

    monkeypatch.setattr(ingest, "ingest", deadlocked_once)
    batch = [rating(2), rating(3, competency="tills")]
    answer = api.post("/api/v1/sync", {"events": batch})
    assert answer.status_code == 200
    assert answer.get_json()["accepted"] == [batch[0]["id"], batch[1]["id"]]
    assert len(tries) == 2 and count(app, Event) == 2 and count(app, Rating) == 2


def test_a_batch_that_keeps_losing_or_fails_otherwise_is_a_500_and_stores_nothing(
        app, org, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from pwa.sync import ingest

    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    real = ingest.ingest
    for cause, tries in ((_Lost(), 3), (Exception("disk I/O error"), 1)):
        seen = []

        def failing(*args, cause=cause, seen=seen, **kwargs):
            real(*args, **kwargs)
            seen.append(1)
            raise OperationalError("INSERT INTO events ...", {}, cause)

        monkeypatch.setattr(ingest, "ingest", failing)
        answer = api.post("/api/v1/sync", {"events": [rating(2)]})
        assert answer.status_code == 500 and answer.get_json()["code"] == 500
        assert len(seen) == tries and count(app, Event) == 0
