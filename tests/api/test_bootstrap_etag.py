"""The bootstrap's ETag, known without the bundle: every kind of change a bundle shows makes
the ETag a phone holds stale, and an unchanged bundle is a 304 that builds nothing.

Each test holds a phone's bundle and ETag, makes one kind of change (the learner's own,
a colleague's, L&D's, the clock's), and asks again with the ETag: the answer must be a
200 whose bundle shows the change. Whenever the answer is a 304, the bundle asked for
afresh must be the very bytes the phone holds (:meth:`Phone.still_current`): a 304 for
a bundle that changed would leave a phone showing stale data for good.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from pwa import clock
from pwa.extensions import db
from pwa.models import Item, Organisation, Person
from pwa.store import catalogue, people, roster
from pwa.sync.export import delete_person
from tests.factories import (
    PICKER_COMPS,
    RECENT_MORNING,
    Api,
    add_lesson,
    add_offline_item,
    device,
    enrol,
    make_invite,
    person_named,
    populate,
    publish,
    publish_change,
    publish_profile,
    reviewed,
    seed_catalogue,
    session_cookie,
    sign_in_as,
    statements,
)

BOOTSTRAP = "/api/v1/bootstrap"
NOW = clock.now().replace(minute=20, second=0, microsecond=0)  # 20 past: an hour ahead


@pytest.fixture(autouse=True)
def still_clock(monkeypatch):
    """Every request of a test at one instant (unless it moves it): no hour turns mid-test."""
    at = [NOW]
    monkeypatch.setattr(clock, "now", lambda: at[0])
    return at


class Phone:
    """A phone's copy of the bundle and its ETag, as ``sync.js`` keeps them."""

    def __init__(self, api: Api, **headers: str) -> None:
        self.api, self.headers = api, headers
        answer = api.get(BOOTSTRAP, headers=headers)
        assert answer.status_code == 200, answer.get_json()
        self.etag, self.data = answer.headers["ETag"], answer.data
        self.bundle = answer.get_json()

    def sees(self, shown: Callable[[dict[str, Any]], Any]) -> Any:
        """After a change: the ETag held is stale, and the new bundle shows ``shown`` anew."""
        answer = self.api.get(BOOTSTRAP, headers={**self.headers, "If-None-Match": self.etag})
        assert answer.status_code == 200, "a changed bundle was answered 304"
        new = answer.get_json()
        assert shown(new) != shown(self.bundle), "the test's change is not in the bundle"
        assert answer.headers["ETag"] != self.etag
        self.etag, self.data, self.bundle = answer.headers["ETag"], answer.data, new
        return shown(new)

    def still_current(self) -> None:
        """Nothing the bundle shows changed: a 304, and a fresh bundle is the same bytes."""
        answer = self.api.get(BOOTSTRAP, headers={**self.headers, "If-None-Match": self.etag})
        fresh = self.api.get(BOOTSTRAP, headers=self.headers)
        assert fresh.data == self.data, "the bundle changed: its ETag must have"
        assert answer.status_code == 304 and answer.data == b""
        assert answer.headers["ETag"] == self.etag == fresh.headers["ETag"]


def sync(api: Api, *events: dict[str, Any]) -> None:
    answer = api.post("/api/v1/sync", {"events": list(events)}).get_json()
    assert answer["accepted"] == [e["id"] for e in events], answer


def event(type_: str, data: dict[str, Any], at=RECENT_MORNING) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "type": type_, "schema": 1,
            "occurred_at": at.isoformat().replace("+00:00", "Z"), "device_id": "phone-1",
            "data": data}


def rating(level: int, competency: str = "greet", role: str = "store-associate",
           at=RECENT_MORNING) -> dict[str, Any]:
    return event("rating.set", {"role": role, "competency": competency, "version": 1,
                                "level": level, "note": None}, at)


def test_an_unchanged_bundle_is_a_304_from_the_sessions_queries_alone(app, org):
    seed_catalogue(app)
    api = sign_in_as(app, "Ana Ruiz")
    sync(api, rating(2), rating(1, "tills"))
    phone = Phone(api)
    phone.still_current()
    with statements(app) as seen:
        answer = api.get(BOOTSTRAP, headers={"If-None-Match": phone.etag})
    assert answer.status_code == 304
    # The cookie's session record joined with the signed-in session, the person, their
    # roles and organisation, which hold the two counters: what any signed-in request asks,
    # and nothing of the bundle. (With Redis: the record's GET, then the same join from
    # ``sessions``.)
    assert len(seen) == 1, seen
    assert "FROM session_data" in seen[0] and "JOIN sessions" in seen[0]
    assert "people_1.bundle_version" in seen[0] and "organisations_1.bundle_version" in seen[0]
    with statements(app) as built:
        assert api.get(BOOTSTRAP).status_code == 200
    assert len(built) > 5 * len(seen)  # a bundle asks one query or two per part
    assert answer.headers["Cache-Control"] == "private, no-cache"
    assert {"Cookie", "Accept-Language"} <= set(answer.headers["Vary"].replace(" ", "").split(","))


def test_a_rating_synced_from_her_other_phone(app, org):
    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    phone = Phone(api)
    other = device(app, cookie=session_cookie(api))  # the same session, another tab
    sync(other, rating(4))
    assert phone.sees(lambda b: b["ratings"]["current"]) != []
    phone.still_current()
    sync(other, rating(4))  # the same level again is a new rating in the history
    phone.sees(lambda b: b["ratings"]["history"])
    sync(api, *[])  # nothing sent: nothing changed
    phone.still_current()


def test_a_duplicate_changes_nothing_and_stays_a_304(app, org):
    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    sent = rating(3)
    sync(api, sent)
    phone = Phone(api)
    again = api.post("/api/v1/sync", {"events": [sent]}).get_json()
    assert again["duplicates"] == [sent["id"]]
    phone.still_current()


def test_a_plan_choice_and_the_plan_and_reminder_settings(app, org):
    seed_catalogue(app)
    api = sign_in_as(app, "Ana Ruiz")
    sync(api, rating(1), rating(1, "tills"))
    phone = Phone(api)
    line = phone.bundle["plan"]["lines"][0]
    sync(api, event("plan.item.changed", {"item": line["item"], "competency": line["competency"],
                                          "state": "pinned", "position": 0}))
    phone.sees(lambda b: [(x["item"], x["state"]) for x in b["plan"]["lines"]])
    sync(api, event("plan.settings.changed", {"weekly_minutes": 45, "formats": ["course"]}))
    phone.sees(lambda b: b["plan"]["settings"])
    sync(api, event("reminders.settings.changed", {
        "time_zone": "Europe/Madrid", "remind_at": "07:45", "days": [1, 2, 3],
        "quiet": None, "kinds": ["practice"], "usual_practice": None,
        "usual_confirmed": False}, clock.now() - timedelta(minutes=1)))
    phone.sees(lambda b: b["reminders"]["settings"])
    phone.still_current()


def test_a_new_version_of_her_profile_published(app, org):
    author = publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    sync(api, rating(2))
    phone = Phone(api)
    publish_change(app, author, 0, lambda c: replace(c, target=4), "Greeting matters more.")
    assert phone.sees(lambda b: b["profiles"]["store-associate"]["number"]) == 2
    assert phone.bundle["rerate"] == {"store-associate": ["greet"]}
    phone.still_current()


def test_a_catalogue_item_added_then_retired(app, org):
    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    phone = Phone(api)
    key = add_offline_item(app)
    assert len(phone.sees(lambda b: b["content"]["items"])) == 1
    with app.app_context():
        item = db.session.scalar(sa.select(Item).where(Item.key == key))
        catalogue.retire(item, clock.now())
        db.session.commit()
    assert phone.sees(lambda b: b["content"]["items"]) == []
    phone.still_current()


def test_mentoring_changes_reach_the_other_side(app, org):
    """An offer a learner is suggested, a request the mentor receives, the answer the learner
    gets: each a change of the other person's bundle, made by someone else's sync."""
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=PICKER_COMPS)
    marcus = sign_in_as(app, "Marcus Johnson", "warehouse-picker")
    offer = {"competencies": ["scan"], "languages": ["en"], "availability": "Mornings",
             "contact": "Desk 4", "capacity": 2}
    sync(marcus, rating(4, "scan", "warehouse-picker"),
         event("mentor.offer.changed", offer, RECENT_MORNING + timedelta(minutes=1)))
    lucia = sign_in_as(app, "Lucia Fernandez", "warehouse-picker")
    sync(lucia, rating(2, "scan", "warehouse-picker"))  # the assignment suggests Marcus
    learner, mentor = Phone(lucia), Phone(marcus)
    assert [s["availability"] for s in learner.bundle["mentoring"]["suggested"]] == ["Mornings"]

    sync(marcus, event("mentor.offer.changed", {**offer, "availability": "Evenings"},
                       RECENT_MORNING + timedelta(minutes=2)))
    learner.sees(lambda b: [s["availability"] for s in b["mentoring"]["suggested"]])
    mentor.sees(lambda b: b["mentoring"]["offer"])

    request_id = str(uuid.uuid4())
    sync(lucia, event("mentor.requested", {
        "id": request_id, "mentor": person_named(app, "Marcus Johnson"), "competency": "scan",
        "message": "Help?", "contact": "Locker 12", "share_level": False},
        RECENT_MORNING + timedelta(minutes=5)))
    mentor.sees(lambda b: (b["mentoring"]["received"], b["mentoring"]["offer"]["load"]))
    learner.sees(lambda b: b["mentoring"]["sent"])

    sync(marcus, event("mentor.request.answered", {"id": request_id, "answer": "accepted"},
                       RECENT_MORNING + timedelta(hours=1)))
    assert learner.sees(lambda b: [(s["status"], s["contact"]) for s in b["mentoring"]["sent"]]) \
        == [("accepted", "Desk 4")]
    mentor.sees(lambda b: b["mentoring"]["received"])

    sync(lucia, event("mentor.request.ended", {"id": request_id},
                      RECENT_MORNING + timedelta(days=2)))
    mentor.sees(lambda b: [r["status"] for r in b["mentoring"]["received"]])
    learner.sees(lambda b: b["mentoring"]["sent"])
    mentor.still_current()


def test_a_mentor_suggestion_made_by_the_assignment(app, org):
    """The learner synced nothing: a colleague's offer made the assignment suggest them."""
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=PICKER_COMPS)
    lucia = sign_in_as(app, "Lucia Fernandez", "warehouse-picker")
    sync(lucia, rating(2, "scan", "warehouse-picker"))
    learner = Phone(lucia)
    assert learner.bundle["mentoring"]["suggested"] == []
    marcus = sign_in_as(app, "Marcus Johnson", "warehouse-picker")
    sync(marcus, rating(4, "scan", "warehouse-picker"),
         event("mentor.offer.changed", {"competencies": ["scan"], "languages": ["en"],
                                        "availability": "Mornings", "contact": "Desk 4"},
               RECENT_MORNING + timedelta(minutes=1)))
    assert learner.sees(lambda b: [s["name"] for s in b["mentoring"]["suggested"]]) == [
        "Marcus Johnson"]
    learner.still_current()
    with app.app_context():  # L&D renames the mentor, then his role: her bundle shows both
        db.session.get(Person, person_named(app, "Marcus Johnson")).display_name = "Marcus J."
        db.session.commit()
    assert learner.sees(lambda b: [s["name"] for s in b["mentoring"]["suggested"]]) == [
        "Marcus J."]
    with app.app_context():
        from pwa.models import Role

        db.session.scalar(sa.select(Role).where(Role.slug == "warehouse-picker")).name = "Picker"
        db.session.commit()
    assert learner.sees(lambda b: [s["role"] for s in b["mentoring"]["suggested"]]) == [
        "Picker"]
    learner.still_current()


def test_a_colleagues_suggestion_waits_in_her_plan(app, org):
    seed_catalogue(app)
    api = sign_in_as(app, "Ana Ruiz")
    phone = Phone(api)
    grace = sign_in_as(app, "Grace Okafor")
    sync(grace, event("plan.suggestion.sent", {
        "id": str(uuid.uuid4()), "to": person_named(app, "Ana Ruiz"), "competency": "greet",
        "message": "It helped me.", "own": {"title": "Watch me at the door",
                                            "format": "on_the_job", "minutes": 15}}))
    assert phone.sees(lambda b: [s["from"] for s in b["plan"]["suggestions"]]) == [
        "Grace Okafor"]
    phone.still_current()


def test_a_new_hour_and_a_new_local_day(app, org, still_clock):
    publish_profile(app)
    key = add_lesson(app)
    api = sign_in_as(app, "Ana Ruiz")
    sync(api, reviewed(key, 0, at=NOW - timedelta(days=3)))
    phone = Phone(api)
    still_clock[0] = NOW + timedelta(minutes=30)  # 50 past: the same hour
    phone.still_current()
    still_clock[0] = NOW + timedelta(minutes=45)  # 5 past the next hour
    phone.sees(lambda b: b["as_of"])
    # Midnight in her zone: a new day, a new queue.
    midnight = (NOW + timedelta(days=1)).replace(hour=0, minute=0)
    still_clock[0] = midnight - timedelta(minutes=1)
    phone = Phone(api)
    still_clock[0] = midnight + timedelta(minutes=1)
    assert phone.sees(lambda b: b["practice"]["today"]["day"]) == midnight.date().isoformat()


def test_the_as_of_instant_decides_the_bundle_within_the_hour(app, org, still_clock):
    """Retrievability falls with whole days since a review, the extra round and the usual
    time slide with the clock: all are computed as of the hour, so any two requests in it
    give the same bytes (what lets the ETag stand for them)."""
    publish_profile(app)
    key = add_lesson(app)
    api = sign_in_as(app, "Ana Ruiz")
    # Reviewed 2 days ago, 10 minutes after the hour: a whole day more passes mid-hour.
    at = NOW.replace(minute=10) - timedelta(days=2)
    sync(api, *[reviewed(key, q, at=at) for q in range(3)])
    first = Phone(api)
    still_clock[0] = NOW.replace(minute=59)
    second = Phone(api)
    assert second.data == first.data and second.etag == first.etag
    assert first.bundle["as_of"] == NOW.replace(minute=0).isoformat()


def test_a_release_published(app, org):
    populate(app)
    api = sign_in_as(app, "Ana Ruiz")
    phone = Phone(api)
    assert publish(app) == "published"
    assert phone.sees(lambda b: b["reports"]["last_release_at"]) is not None
    phone.still_current()


def test_her_account_page_changes_her_time_zone_and_language(app, org):
    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    phone = Phone(api)
    with app.app_context():  # what the account page writes, through the ORM
        ana = db.session.get(Person, person_named(app, "Ana Ruiz"))
        ana.time_zone = "Asia/Kolkata"
        db.session.commit()
    phone.sees(lambda b: b["person"]["time_zone"])
    with app.app_context():
        db.session.get(Person, person_named(app, "Ana Ruiz")).locale = "es"
        db.session.commit()
    phone.sees(lambda b: b["person"]["locale"])
    phone.still_current()


def tablet(app) -> int:
    """Ana's second signed-in device, a tablet subscribed to push; its session's id."""
    from pwa.models import PushSubscription, Session

    with app.app_context():
        ana = person_named(app, "Ana Ruiz")
        other = Session(person_id=ana, passkey_id=db.session.scalar(
            sa.select(Session.passkey_id).where(Session.person_id == ana)),
            created_at=clock.now(), last_seen_at=clock.now())
        db.session.add(other)
        db.session.flush()
        db.session.add(PushSubscription(person_id=ana, session_id=other.id,
                                        endpoint="https://push.example/1", p256dh="k",
                                        auth="a", device="Tablet", created_at=clock.now()))
        db.session.commit()
        return other.id


def test_an_hr_file_moves_and_renames_her(app, org):
    publish_profile(app)
    header = "name,role,site,external_id,future_role,language\n"

    def load(text: str) -> None:
        with app.app_context():
            org_row = people.the_organisation()
            _, plan = roster.preview(org_row.id, text, clock.now())
            roster.apply(org_row.id, plan, clock.now(), end_account=delete_person)
            db.session.commit()

    load(header + "Ana Ruiz,store-associate,Leeds,E1,,\n")
    api = Api(app.test_client())
    _, answer = enrol(api, make_invite(app, person_named(app, "Ana Ruiz")))
    assert answer.status_code == 200
    phone = Phone(api)
    assert phone.bundle["person"]["site"] == "Leeds"
    load(header + "Ana Ruiz,store-associate,York,E1,,\n")
    assert phone.sees(lambda b: b["person"]["site"]) == "York"
    load(header + "Ana Ruiz,store-associate,York,E1,warehouse-picker,\n")
    phone.still_current()  # a future role in a later file is not the file's to set
    load(header + "Ana Ruiz-Ode,warehouse-picker,York,E1,,\n")
    assert phone.sees(lambda b: (b["person"]["display_name"], b["role"])) == (
        "Ana Ruiz-Ode", "warehouse-picker")
    phone.still_current()


def test_signing_out_her_other_devices_ends_their_notifications(app, org):
    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    tablet(app)  # a second signed-in device, subscribed to push
    phone = Phone(api)
    assert len(phone.bundle["push"]["devices"]) == 1
    with app.app_context():
        from pwa.models import Session
        from pwa.store import sessions

        mine = db.session.scalar(sa.select(sa.func.min(Session.id)))
        sessions.end_others(db.session.get(Person, person_named(app, "Ana Ruiz")), keep=mine)
        db.session.commit()
    assert phone.sees(lambda b: b["push"]["devices"]) == []
    phone.still_current()


def test_signing_out_on_her_tablet_takes_it_off_her_phones_devices(app, org):
    """Signing out (or signing in again over an old session) ends one session by its id:
    its device's push subscription goes with it, so her other phones' lists change."""
    publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    tablet_id = tablet(app)
    phone = Phone(api)
    assert [d["device"] for d in phone.bundle["push"]["devices"]] == ["Tablet"]
    with app.app_context():
        from pwa.store import sessions

        sessions.end(tablet_id)  # what signing out on the tablet does
        db.session.commit()
    assert phone.sees(lambda b: b["push"]["devices"]) == []
    phone.still_current()


def test_the_organisation_counter_moves_once_per_transaction(app, org):
    """Two marks of one organisation in one transaction move its counter once, and a
    rolled-back change moves nothing."""
    seed_catalogue(app)
    with app.app_context():
        org_row = db.session.scalar(sa.select(Organisation))
        before = org_row.bundle_version
        for title in ("One", "Two"):
            add = {"title": title, "format": "course", "duration_minutes": 5, "language": "en",
                   "level_from": 1, "level_to": 2, "competencies": ["store-associate/greet"]}
            catalogue.save(org_row.id, add, by=None, now=clock.now())
        db.session.commit()
        assert db.session.get(Organisation, org_row.id).bundle_version == before + 1
        catalogue.save(org_row.id, {**add, "title": "Three"}, by=None, now=clock.now())
        db.session.rollback()
        db.session.commit()
        assert db.session.get(Organisation, org_row.id).bundle_version == before + 1


def test_a_fit_of_the_practice_parameters_adopted_and_one_not(app, org):
    """Mastery's retrievability uses the organisation's adopted parameters (the decay)."""
    from engine.fitting import DEFAULT_PARAMETERS
    from pwa.models import PracticeFit

    publish_profile(app)
    key = add_lesson(app)
    api = sign_in_as(app, "Ana Ruiz")
    sync(api, *[reviewed(key, q, at=NOW - timedelta(days=3)) for q in range(3)])
    phone = Phone(api)

    def fit(adopted: bool) -> None:
        with app.app_context():
            db.session.add(PracticeFit(
                organisation_id=db.session.scalar(sa.select(Organisation.id)),
                fitted_at=clock.now(), logs=500, train=400, test=100,
                old_parameters=list(DEFAULT_PARAMETERS),
                new_parameters=[*DEFAULT_PARAMETERS[:20], 0.5], adopted=adopted,
                reason="test", reason_params={}))
            db.session.commit()

    fit(False)
    phone.still_current()
    fit(True)
    phone.sees(lambda b: [m["retrievability"] for m in b["practice"]["mastery"]])
    phone.still_current()
