"""Reminder settings through sync and the bootstrap: the last change to happen wins, its time
zone is the person's, every bad field is refused with its problem and kept, nothing half-saved;
"when I usually practise" is offered from the learner's own answers."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from engine.reminders import Kind, Preferences, Quiet
from pwa import clock
from pwa.extensions import db
from pwa.models import Person, QuarantinedEvent, ReminderSettings
from pwa.store import reminders as store
from tests.factories import (
    RECENT_MORNING,
    add_lesson,
    practise,
    publish_profile,
    sign_in_as,
    token,
)

GOOD = {"time_zone": "Europe/Madrid", "remind_at": "07:30", "days": [1, 2, 3, 4, 5],
        "quiet": {"start": "22:00", "end": "07:00"}, "kinds": ["plan", "practice"],
        "usual_practice": None, "usual_confirmed": False}


def changed(data=None, at=RECENT_MORNING, **changes):
    return {"id": str(uuid.uuid4()), "type": "reminders.settings.changed", "schema": 1,
            "occurred_at": at.isoformat().replace("+00:00", "Z"), "device_id": "phone-1",
            "data": {**GOOD, **changes} if data is None else data}


def sync(api, *events):
    answered = api.post("/api/v1/sync", {"events": list(events)})
    assert answered.status_code == 200, answered.get_json()
    return answered.get_json()


def person(app, name="Ana Ruiz"):
    return db.session.scalar(sa.select(Person).where(Person.display_name == name))


def stored(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(ReminderSettings))


def test_settings_are_saved_and_the_time_zone_becomes_the_person_s(app, org):
    api = sign_in_as(app, "Ana Ruiz")
    before = api.get("/api/v1/bootstrap").get_json()["reminders"]
    assert before["saved"] is False and before["suggested_usual"] is None
    assert before["settings"]["kinds"] == []  # nothing on until the learner asks
    assert before["settings"]["time_zone"] == "UTC"
    got = sync(api, changed())
    assert len(got["accepted"]) == 1, got
    after = api.get("/api/v1/bootstrap").get_json()
    assert after["reminders"]["saved"] is True
    assert after["reminders"]["settings"] == GOOD
    assert after["person"]["time_zone"] == "Europe/Madrid"
    with app.app_context():
        ana = person(app)
        assert store.preferences(ana) == Preferences(
            "Europe/Madrid", datetime(1, 1, 1, 7, 30).time(), frozenset({1, 2, 3, 4, 5}),
            Quiet(datetime(1, 1, 1, 22).time(), datetime(1, 1, 1, 7).time()),
            frozenset({Kind.PLAN, Kind.PRACTICE}))


def test_offline_changes_apply_in_the_order_they_happened(app, org):
    api = sign_in_as(app, "Ana Ruiz")
    first = changed(at=RECENT_MORNING, remind_at="07:15", time_zone="Asia/Kolkata")
    second = changed(at=RECENT_MORNING + timedelta(hours=1), remind_at="08:15",
                     time_zone="America/St_Johns", quiet=None)
    third = changed(at=RECENT_MORNING + timedelta(minutes=30), remind_at="12:00",
                    time_zone="Pacific/Kiritimati")
    # The latest (second) arrives first, the earlier two afterwards, one batch out of order.
    assert len(sync(api, second)["accepted"]) == 1
    assert len(sync(api, third, first)["accepted"]) == 2
    shown = api.get("/api/v1/bootstrap").get_json()
    assert shown["reminders"]["settings"]["remind_at"] == "08:15"
    assert shown["reminders"]["settings"]["quiet"] is None
    assert shown["person"]["time_zone"] == "America/St_Johns"
    # One batch in the wrong order: the one that happened last wins.
    later = [changed(at=RECENT_MORNING + timedelta(hours=3), remind_at="09:45"),
             changed(at=RECENT_MORNING + timedelta(hours=2), remind_at="10:00")]
    assert len(sync(api, *later)["accepted"]) == 2
    shown = api.get("/api/v1/bootstrap").get_json()
    assert shown["reminders"]["settings"]["remind_at"] == "09:45"
    assert shown["person"]["time_zone"] == "Europe/Madrid"


def test_a_zone_chosen_on_the_account_page_outlives_an_older_change_synced_later(app, org):
    api = sign_in_as(app, "Ana Ruiz")
    page = api.client.get("/account/settings").get_data(as_text=True)
    saved = api.client.post("/account/settings", data={
        "csrf_token": token(page), "future_role": "", "time_zone": "Europe/Madrid",
        "language": "en"})
    assert saved.status_code == 302
    # Changed on the phone, offline, before the account page was used; synced after it.
    older = changed(at=RECENT_MORNING, time_zone="Asia/Kolkata", remind_at="07:45")
    assert len(sync(api, older)["accepted"]) == 1
    shown = api.get("/api/v1/bootstrap").get_json()
    assert shown["reminders"]["settings"]["remind_at"] == "07:45"  # the rest of it stands
    assert shown["person"]["time_zone"] == "Europe/Madrid"
    assert shown["reminders"]["settings"]["time_zone"] == "Europe/Madrid"
    # A change made after the account page's wins, zone and all.
    newer = changed(at=clock.now(), time_zone="America/St_Johns", remind_at="07:05")
    assert len(sync(api, newer)["accepted"]) == 1
    shown = api.get("/api/v1/bootstrap").get_json()
    assert shown["person"]["time_zone"] == "America/St_Johns"
    assert shown["reminders"]["settings"]["remind_at"] == "07:05"


@pytest.mark.parametrize("higher_first", [True, False])
def test_two_changes_at_one_instant_end_alike_whichever_arrives_first(app, org, higher_first):
    """Two phones, one instant: the higher id wins, as the sync orders them in one batch."""
    api = sign_in_as(app, "Ana Ruiz")
    low = {**changed(remind_at="07:45", time_zone="Asia/Kathmandu"),
           "id": "00000000-0000-4000-8000-000000000001"}
    high = {**changed(remind_at="08:05", time_zone="Australia/Adelaide"),
            "id": "ffffffff-0000-4000-8000-000000000001"}
    for one in ((high, low) if higher_first else (low, high)):
        assert len(sync(api, one)["accepted"]) == 1
    shown = api.get("/api/v1/bootstrap").get_json()
    assert shown["reminders"]["settings"]["remind_at"] == "08:05"
    assert shown["person"]["time_zone"] == "Australia/Adelaide"


def test_a_sent_again_event_is_a_duplicate(app, org):
    api = sign_in_as(app, "Ana Ruiz")
    once = changed()
    assert len(sync(api, once)["accepted"]) == 1
    assert sync(api, once)["duplicates"] == [once["id"]]


BAD = [
    ({"remind_at": "24:00"}, ["remind_at"]),
    ({"remind_at": "7:30"}, ["remind_at"]),
    ({"remind_at": "07:30\n"}, ["remind_at"]),
    ({"remind_at": "07:60"}, ["remind_at"]),
    ({"remind_at": 730}, ["remind_at"]),
    ({"remind_at": "０７:３０"}, ["remind_at"]),  # full-width digits
    ({"quiet": {"start": "10:00", "end": "10:00"}}, ["quiet"]),  # the whole day
    ({"quiet": {"start": "22:00"}}, ["quiet.end"]),
    ({"quiet": "22:00-07:00"}, ["quiet"]),
    ({"quiet": {"start": "06:00", "end": "08:00"}}, ["remind_at"]),  # 07:30 inside them
    ({"time_zone": "Mars/Olympus_Mons"}, ["time_zone"]),
    ({"time_zone": "europe/madrid"}, ["time_zone"]),
    ({"time_zone": "Europe/" + "M" * 10_000}, ["time_zone"]),
    ({"time_zone": "Europe/Madrid\u200b"}, ["time_zone"]),
    ({"time_zone": 1}, ["time_zone"]),
    ({"days": []}, ["days"]),  # a reminder on, no day
    ({"days": [0]}, ["days"]),
    ({"days": [8]}, ["days"]),
    ({"days": [1, 1]}, ["days"]),
    ({"days": [True]}, ["days"]),
    ({"days": [10 ** 18]}, ["days"]),
    ({"days": "weekdays"}, ["days"]),
    ({"kinds": ["plan", "snooze"]}, ["kinds"]),
    ({"kinds": "plan"}, ["kinds"]),
    ({"kinds": [{"k": 1}]}, ["kinds"]),
    ({"usual_confirmed": 1}, ["usual_confirmed"]),
    ({"usual_confirmed": "true"}, ["usual_confirmed"]),
    ({"usual_confirmed": True}, ["usual_confirmed"]),  # nothing to confirm
    ({"usual_practice": "23:30", "usual_confirmed": True}, ["usual_practice"]),  # quiet
    ({"remind_at": "24:00", "days": [9], "kinds": ["x"]}, ["remind_at", "days", "kinds"]),
    # Problems of form and of sense, all at once; a bad time is not also "inside quiet hours".
    ({"remind_at": "24:00", "time_zone": "Mars/Base", "quiet": {"start": "09:00", "end": "09:00"}},
     ["remind_at", "time_zone", "quiet"]),
    ({"remind_at": "7", "quiet": {"start": "00:00", "end": "23:59"}}, ["remind_at"]),
    ({"usual_practice": "25:00", "usual_confirmed": True, "time_zone": "Nowhere"},
     ["usual_practice", "time_zone"]),
]


@pytest.mark.parametrize(("changes", "fields"), BAD)
def test_each_bad_field_is_refused_with_its_problem_and_kept(app, org, changes, fields):
    api = sign_in_as(app, "Ana Ruiz")
    got = sync(api, changed(**changes))
    assert got["accepted"] == []
    [refusal] = got["refused"]
    assert refusal["code"] == "invalid_data"
    assert [p["field"] for p in refusal["problems"]] == fields
    assert all(p["message"] for p in refusal["problems"])
    assert refusal["message"] == " ".join(p["message"] for p in refusal["problems"])
    assert stored(app) == 0
    with app.app_context():
        kept = db.session.scalars(sa.select(QuarantinedEvent)).one()
        assert kept.code == "invalid_data" and kept.message == refusal["message"]
        assert person(app).time_zone == "UTC"  # nothing half-applied


@pytest.mark.parametrize("data", [
    {k: v for k, v in GOOD.items() if k != "quiet"},  # every field is said
    {**GOOD, "snooze": True},
    {**GOOD, "time_zone": "Europe/Mad\x00rid"},  # NUL: no database holds it
    {**GOOD, "remind_at": "\ud83d"},  # a lone surrogate
    {**GOOD, "days": [1.5]},
    {**GOOD, "days": [10 ** 40]},
])
def test_malformed_settings_are_refused_and_kept(app, org, data):
    api = sign_in_as(app, "Ana Ruiz")
    body = json.dumps({"events": [changed(data)]})
    got = api.client.post("/api/v1/sync", data=body, content_type="application/json",
                          headers={"X-CSRFToken": api.csrf()}).get_json()
    assert got["accepted"] == [] and len(got["refused"]) == 1, got
    assert got["refused"][0]["code"] in {"invalid_data", "invalid_value"}
    assert stored(app) == 0


def test_no_quiet_hours_and_news_only_on_any_day(app, org):
    api = sign_in_as(app, "Ana Ruiz")
    data = {**GOOD, "quiet": None, "days": [], "kinds": ["mentor_request", "profile_changed"]}
    assert len(sync(api, changed(data))["accepted"]) == 1
    assert api.get("/api/v1/bootstrap").get_json()["reminders"]["settings"] == data


def test_the_tick_reads_everyone_s_preferences_in_one_query(app, org):
    api = sign_in_as(app, "Ana Ruiz")
    sign_in_as(app, "Ben Ode")
    sync(api, changed())
    with app.app_context():
        ana, ben = person(app), person(app, "Ben Ode")
        ben.time_zone = "Asia/Kathmandu"
        db.session.commit()
        ana_id, ben_id = ana.id, ben.id
        statements: list[str] = []

        def count(*args):
            statements.append(args[2])

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            found = store.preferences_for([ana_id, ben_id, ana_id, 10 ** 6])
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements
    assert set(found) == {ana_id, ben_id}
    assert found[ana_id].kinds == {Kind.PLAN, Kind.PRACTICE}
    assert found[ana_id].time_zone == "Europe/Madrid"
    assert found[ben_id] == Preferences(time_zone="Asia/Kathmandu")


def test_the_usual_practice_time_is_offered_from_the_learner_s_answers(app, org):
    publish_profile(app)
    key = add_lesson(app)
    api = sign_in_as(app, "Ana Ruiz")
    sync(api, changed(time_zone="Asia/Kolkata"))  # UTC+05:30
    assert api.get("/api/v1/bootstrap").get_json()["reminders"]["suggested_usual"] is None
    # Answers on 6 days at 01:40 UTC (07:10 in Kolkata), the last 4 days ago; a second
    # answer later each day does not count; one day 10 minutes later.
    start = RECENT_MORNING.replace(hour=1, minute=40) + timedelta(days=4)
    answers = []
    for n in range(6):
        at = start + timedelta(days=n, minutes=10 if n == 2 else 0)
        answers += [(0, True, at), (1, True, at + timedelta(hours=3))]
    practise(app, "Ana Ruiz", key, answers)
    shown = api.get("/api/v1/bootstrap").get_json()["reminders"]
    assert shown["suggested_usual"] == "07:10"
    assert shown["settings"]["usual_confirmed"] is False
    # Used only once confirmed: the learner says yes.
    assert len(sync(api, changed(time_zone="Asia/Kolkata", usual_practice="07:10",
                                 usual_confirmed=True,
                                 at=RECENT_MORNING + timedelta(hours=1)))["accepted"]) == 1
    with app.app_context():
        assert store.preferences(person(app)).practice_at == datetime(1, 1, 1, 7, 10).time()


def test_reminder_settings_are_exported_and_go_with_the_account(app, org):
    api = sign_in_as(app, "Ana Ruiz")
    assert api.get("/api/v1/me/export").get_json()["reminder_settings"] is None
    sync(api, changed())
    exported = api.get("/api/v1/me/export").get_json()["reminder_settings"]
    assert {k: v for k, v in exported.items() if k != "changed_at"} == GOOD
    assert exported["changed_at"].startswith(RECENT_MORNING.date().isoformat())
    assert api.delete("/api/v1/me").status_code == 200
    assert stored(app) == 0
