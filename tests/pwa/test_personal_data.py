"""Every table that refers to a person is in the registry, exported, and emptied with the account.

A new table of personal data that nobody registered fails here, and so does a
registered one whose rows outlive the account.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine import push as push_rules
from pwa import clock
from pwa.extensions import db
from pwa.models import MentorChange, MentorSuggestion, Person, PlanSuggestion, Session
from pwa.store import catalogue, people, push, roster, stale
from pwa.sync.registry import registry
from tests.factories import Api, moment, publish_profile, sign_in_as


@pytest.fixture
def app(app_factory):
    """With an LRS configured, so that a lesson finished and an answer queue statements (never
    sent here: nothing asks for the sender)."""
    return app_factory(SKILLPATH_XAPI_URL="http://lrs.invalid/xapi")


def person_columns() -> dict[str, list[sa.Column]]:
    """Each table's columns that hold a person's id (a foreign key to people.id)."""
    found: dict[str, list[sa.Column]] = {}
    for table in db.metadata.sorted_tables:
        cols = [c for c in table.columns
                if any(fk.column.table.name == "people" for fk in c.foreign_keys)]
        if table.name == "people":
            cols.append(table.c.id)
        if cols:
            found[table.name] = cols
    return found


def test_every_table_that_refers_to_a_person_is_registered(app):
    with app.app_context():
        tables = set(person_columns())
    assert tables - set(registry().personal) == set(), "register these in pwa/sync/registry.py"
    assert set(registry().personal) - tables == set(), "registered, but no such person table"


def event(type_, data):
    return {"id": str(uuid.uuid4()), "type": type_, "schema": 1,
            "occurred_at": moment(30), "device_id": "phone-1", "data": data}


def test_export_holds_each_part_and_deleting_the_account_leaves_no_row(app, org):
    author_id = publish_profile(app)  # drafted and published a version: profile_versions
    with app.app_context():
        person = db.session.get(Person, author_id)
        person.is_ld_admin = True
        catalogue.save(org["id"], {"title": "Greeting at the door", "format": "course",
                                   "duration_minutes": 30, "level_from": 1, "level_to": 3,
                                   "competencies": ["store-associate/greet"]},
                       by=person, now=clock.now())  # item_revisions
        catalogue.save_translation(catalogue.revision(org["id"], "greeting-at-the-door", None),
                                   "es", {"title": "Saludar en la puerta"}, by=person,
                                   now=clock.now())  # item_translations
        catalogue.save(org["id"], {"title": "Greeting in ten seconds", "format": "micro_lesson",
                                   "duration_minutes": 3, "level_from": 1, "level_to": 3,
                                   "competencies": ["store-associate/greet"],
                                   "cards": [{"text": "Look up and smile."}],
                                   "questions": [{"kind": "true_false", "prompt": "Wait?",
                                                  "options": ["True", "False"], "correct": [1],
                                                  "explanation": "Greet at once."}]},
                       by=None, now=clock.now() - timedelta(days=30))
        db.session.commit()
    api = sign_in_as(app, "Grace Okafor")  # an invite used and a passkey
    ana = sign_in_as(app, "Ana Ruiz")
    with app.app_context():
        ana_id = db.session.scalar(sa.select(Person.id).where(Person.display_name == "Ana Ruiz"))
        item = db.session.scalar(sa.select(sa.text("id FROM items")))
    to_grace = str(uuid.uuid4())
    sent = ana.post("/api/v1/sync", {"events": [
        event("plan.suggestion.sent", {"id": to_grace, "to": author_id, "competency": "greet",
                                       "item": f"c:{item}", "message": "This helped me."}),
        event("plan.suggestion.sent", {"id": str(uuid.uuid4()), "to": author_id,
                                       "competency": "tills", "message": "",
                                       "own": {"title": "Shadow me", "format": "on_the_job",
                                               "minutes": 30}}),
    ]}).get_json()
    assert len(sent["accepted"]) == 2, sent
    own = str(uuid.uuid4())
    sent = api.post("/api/v1/sync", {"events": [
        event("plan.settings.changed", {"weekly_minutes": 90, "formats": ["course"],
                                        "languages": ["es", "en-GB"]}),
        event("plan.goal.added", {"competency": "greet"}),
        event("card.reviewed", {"item": "greeting-in-ten-seconds", "revision": 1, "question": 0,
                                "answer": [1], "correct": True, "hinted": False, "grade": 3,
                                "response_ms": 5000}),
        event("lesson.completed", {"item": "greeting-in-ten-seconds", "revision": 1}),
        event("plan.item.added", {"id": own, "title": "A book", "format": "book_study",
                                  "minutes": 60, "url": None, "competency": "greet"}),
        event("plan.item.changed", {"item": f"own:{own}", "competency": "greet",
                                    "state": "pinned", "position": 0}),
        event("plan.suggestion.answered", {"id": to_grace, "answer": "accepted"}),
        event("plan.suggestion.sent", {"id": str(uuid.uuid4()), "to": ana_id,
                                       "competency": "greet", "item": f"c:{item}",
                                       "message": "Try this."}),
    ]}).get_json()
    assert len(sent["accepted"]) == 8, sent
    sent = api.post("/api/v1/sync", {"events": [
        event("rating.set", {"role": "store-associate", "competency": "greet", "version": 1,
                             "level": 4, "note": "Fine"}),
        event("assessment.submitted", {"role": "store-associate", "version": 1}),
        event("feedback.created", {"role": "store-associate", "competency": None,
                                   "kind": "unclear", "text": "Level 5 is vague."}),
        event("no.such.type", {}),  # quarantined
        event("reminders.settings.changed", {
            "time_zone": "Europe/Madrid", "remind_at": "07:30", "days": [1, 3, 5],
            "quiet": {"start": "22:00", "end": "07:00"}, "kinds": ["plan"],
            "usual_practice": None, "usual_confirmed": False}),
    ]}).get_json()
    assert len(sent["accepted"]) == 4 and len(sent["refused"]) == 1
    api.post("/api/v1/auth/register/options", {})  # a challenge for another passkey
    # Grace mentors Ana in greeting, through the events a phone sends; Ana offers help with
    # the tills, the gap of Grace's no item covers, and the assignment suggests her there.
    sent = api.post("/api/v1/sync", {"events": [
        event("rating.set", {"role": "store-associate", "competency": "tills", "version": 1,
                             "level": 1, "note": None}),
        event("mentor.offer.changed", {"competencies": ["greet"], "languages": ["en"],
                                       "availability": "Tuesdays", "contact": "At the tills"}),
    ]}).get_json()
    assert len(sent["accepted"]) == 2, sent
    request_id = str(uuid.uuid4())
    sent = ana.post("/api/v1/sync", {"events": [
        event("rating.set", {"role": "store-associate", "competency": "greet", "version": 1,
                             "level": 1, "note": None}),
        event("rating.set", {"role": "store-associate", "competency": "tills", "version": 1,
                             "level": 2, "note": None}),
        event("mentor.offer.changed", {"competencies": ["tills"], "languages": ["en"]}),
        event("mentor.requested", {"id": request_id, "mentor": author_id, "competency": "greet",
                                   "message": "Help?", "contact": "Evenings"}),
    ]}).get_json()
    assert len(sent["accepted"]) == 4, sent
    sent = api.post("/api/v1/sync", {"events": [
        event("mentor.request.answered", {"id": request_id, "answer": "accepted"})]}).get_json()
    assert len(sent["accepted"]) == 1, sent
    with app.app_context():
        assert [(s.learner_id, s.competency, s.mentor_id) for s in db.session.scalars(
            sa.select(MentorSuggestion))] == [(author_id, "tills", ana_id)]

    with app.app_context():  # Grace's phone gets notifications; one reached it
        grace = db.session.get(Person, author_id)
        session_id = db.session.scalar(sa.select(Session.id).where(
            Session.person_id == author_id).limit(1))
        subscription = push_rules.Subscription("https://fcm.googleapis.com/fcm/send/grace",
                                               "p256dh-key", "auth-secret")
        push.subscribe(grace, session_id, subscription, clock.now())
        push.claim([push.Claim(author_id, "plan", clock.now().date(),
                               push_rules.Message("plan", "Time to learn", "5 minutes", "/app"),
                               clock.now() + timedelta(hours=1))], clock.now())
        [taken] = push.take_due(clock.now())
        [note] = push.outgoing([taken])
        push.record([push.Attempt(note, [(note.targets[0][0], note.targets[0][1], 201,
                                          push_rules.Outcome.DELIVERED)])], clock.now())
        # Grace, an L&D admin, uploaded a roster file for a preview
        roster.save_upload(grace.role.organisation, grace, "people.csv",
                           "name,role,site,external_id\n", clock.now())
        # A change of hers the next mentor assignment has not taken yet
        stale.assignment(org["id"], [author_id])
        db.session.commit()

    with app.app_context():
        columns = person_columns()
        holding = {name for name, cols in columns.items()
                   if db.session.scalar(sa.select(sa.func.count()).select_from(cols[0].table)
                                        .where(sa.or_(*(c == author_id for c in cols))))}
    assert holding == set(columns), "the test should put the person in every table"

    exported = api.get("/api/v1/me/export").get_json()
    for entry in registry().personal.values():
        if entry.export is not None:
            assert exported[entry.key], f"export has nothing for {entry.table}"
    assert [r["note"] for r in exported["ratings"] if r["competency"] == "greet"] == ["Fine"]
    assert exported["quarantined_events"][0]["code"] == "unknown_type"
    assert exported["plan_settings"]["languages"] == ["es", "en-GB"]
    assert exported["reminder_settings"]["remind_at"] == "07:30"

    assert api.delete("/api/v1/me").status_code == 200
    with app.app_context():
        left = {name: db.session.scalar(sa.select(sa.func.count()).select_from(cols[0].table)
                                        .where(sa.or_(*(c == author_id for c in cols))))
                for name, cols in person_columns().items()}
        assert {name: n for name, n in left.items() if n} == {}
        # Whom she mentored or learned from: the whole organisation is decided again, by
        # the run the deletion asks for (the tests run jobs at once), which took the mark.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MentorChange)) == 0
        # What Ana was sent is withdrawn; what she sent Grace went with Grace's account.
        assert db.session.scalar(sa.select(sa.func.count(PlanSuggestion.id))) == 0
        # What others wrote stays: the published version, the catalogue item.
        assert people.role_in_org(org["id"], "store-associate") is not None
        assert catalogue.search(org["id"])


def test_your_data_reads_as_a_page_with_every_part(app, org):
    api = sign_in_as(app, "Ana Ruiz")
    page = api.get("/account/data/print")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for entry in registry().personal.values():
        if entry.export is not None:
            assert f">{entry.title}</h2>" in html, entry.title
    assert "Ana Ruiz" in html and "Test phone" in html  # the person and their passkey
    assert api.get("/account/data").get_data(as_text=True).count("/account/data/print") == 1
    assert Api(app.test_client()).get("/account/data/print").status_code == 302  # sign in
