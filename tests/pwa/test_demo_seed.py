"""The demo content is real and complete: checked against the rules and the issue's counts."""

from __future__ import annotations

import json
import uuid
from collections import Counter

import sqlalchemy as sa

from engine import catalogue as catalogue_rules
from engine import profiles as profile_rules
from engine.costs import Costs
from pwa import clock, demo
from pwa.extensions import db
from pwa.models import Feedback, Item, ItemRevision, Person, Role
from pwa.store import catalogue, people
from pwa.store import profiles as store
from tests.factories import sign_in_as

ROLES = ("store-associate", "shift-lead", "warehouse-picker", "home-care-assistant")


def load(name):
    return json.loads((demo.CONTENT / f"{name}.json").read_text(encoding="utf-8"))


def test_profiles_follow_the_rules():
    for slug in ROLES:
        data = load(slug)
        assert data["role"] == slug
        for version in data["versions"]:
            comps = [profile_rules.Competency.from_dict(c) for c in version["competencies"]]
            profile_rules.validate(comps)
            assert 8 <= len(comps) <= 12, slug
            for c in comps:
                assert all(len(text.split()) >= 5 for text in c.levels), (slug, c.key)
            assert version["summary"].strip()
            assert version["author"] in demo.AUTHORS[slug]
        assert data["open_feedback"], slug
    store_versions = load("store-associate")["versions"]
    assert len(store_versions) == 2
    old, new = (
        [profile_rules.Competency.from_dict(c) for c in v["competencies"]] for v in store_versions)
    changes = Counter(c for d in profile_rules.diff(old, new) for c in d.changes)
    assert changes["added"] and changes["removed"] and changes["target_changed"]


def test_catalogue_follows_the_rules_and_leaves_a_true_gap():
    items = load("catalogue")
    keys = {slug: {c["key"] for c in load(slug)["versions"][-1]["competencies"]}
            for slug in ROLES}
    for item in items:
        catalogue_rules.validate(catalogue.content_from(item))
        for ref in item["competencies"]:
            role, _, key = ref.partition("/")
            assert key in keys[role], (item["key"], ref)
    assert 50 <= len(items) <= 65
    assert {i["format"] for i in items} == {f.value for f in catalogue_rules.Format}
    offline_micro = [i for i in items if i["format"] == "micro_lesson" and i["offline"]]
    assert len(offline_micro) >= 15
    assert all(3 <= i["duration_minutes"] <= 6 and len(i["cards"]) >= 3 and i["questions"]
               for i in offline_micro)
    covered = {ref for i in items for ref in i["competencies"]}
    uncovered = {f"{role}/{key}" for role in ROLES for key in keys[role]} - covered
    assert uncovered == {"warehouse-picker/scanner-systems"}


def test_seed_builds_profiles_feedback_and_catalogue(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        for slug in ROLES:
            role = db.session.scalar(sa.select(Role).where(Role.slug == slug))
            current = store.current(role)
            assert current is not None and len(current.lines) >= 8
            assert [p.display_name for p in people.authors(role)] == sorted(demo.AUTHORS[slug])
        sa_role = db.session.scalar(sa.select(Role).where(Role.slug == "store-associate"))
        assert [v.number for v in store.published(sa_role)] == [1, 2]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Feedback).where(
            Feedback.status == "open")) == 7
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == 59
        org = people.the_organisation("northwind")
        assert people.costs(org) == Costs(1250, "GBP")
        fees = dict(db.session.execute(sa.select(Item.key, ItemRevision.fee_cents).join(
            ItemRevision, ItemRevision.item_id == Item.id)).all())
        assert fees["fire-marshal-course"] == 12000 and fees["being-mortal"] == 1099
        assert fees["click-collect-handover"] == 0
        # The role's programme pays each of its items' fees once, as the content says.
        content = load("catalogue")
        assert catalogue.programme_fees_cents(sa_role) == sum(
            i["fee_cents"] for i in content
            if any(c.startswith("store-associate/") for c in i["competencies"])) > 0
        # L&D's own figure stays: seeding again adds what is missing, never overwrites.
        people.set_costs(org, 1500, "GBP")
        db.session.commit()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert people.costs(people.the_organisation("northwind")) == Costs(1500, "GBP")


def test_a_store_associate_aiming_for_shift_lead_gets_real_items(app, runner):
    """Choosing Shift lead brings its own competencies into the plan, each with a catalogue item."""
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():  # Liam has no future role from the seed: his first load stays small
        liam = db.session.scalar(sa.select(Person).where(Person.display_name == "Liam Murphy"))
        assert liam.future_role is None
        liam.future_role = db.session.scalar(sa.select(Role).where(Role.slug == "shift-lead"))
        db.session.commit()
    api = sign_in_as(app, "Liam Murphy")
    profiles = api.get("/api/v1/bootstrap").get_json()["profiles"]
    assert set(profiles) == {"store-associate", "shift-lead"}
    # After the seed's own ratings of Liam (ten days ago): these are his latest.
    at = clock.now().isoformat()
    ratings = [{"id": str(uuid.uuid4()), "type": "rating.set", "schema": 1,
                "occurred_at": at, "device_id": "phone-1",
                "data": {"role": slug, "competency": c["key"], "version": profile["number"],
                         "level": 2, "note": None}}
               for slug, profile in profiles.items() for c in profile["competencies"]]
    answer = api.post("/api/v1/sync", {"events": ratings}).get_json()
    assert len(answer["accepted"]) == len(ratings)
    plan = api.get("/api/v1/plan").get_json()["plan"]
    lines = {line["competency"]: line for line in plan["lines"]}
    associate = {c["key"] for c in load("store-associate")["versions"][-1]["competencies"]}
    own = {c["key"] for c in load("shift-lead")["versions"][-1]["competencies"]} - associate
    assert own <= lines.keys() and plan["uncovered"] == []
    for key in own:
        assert lines[key]["item"].startswith("c:"), key
        assert "your future role (Shift lead) needs 3" in lines[key]["reasons"], key
    # A shared competency: one rating, the two roles' targets side by side.
    assert lines["greeting-helping-customers"]["reasons"] == [
        "Greeting and helping customers: you said 2, your role (Store associate) needs 3",
        "high importance", "your future role (Shift lead) needs 4"]
    assert plan["readiness"]["role"] == "Shift lead"


def test_every_format_fits_its_column():
    """SQLite keeps any length; PostgreSQL refuses a format longer than the column."""
    from engine.catalogue import Format
    from pwa.models import ItemRevision

    assert max(len(f.value) for f in Format) <= ItemRevision.__table__.c.format.type.length


def test_marcus_offers_help_with_the_scanner_and_is_suggested_to_lucia(app, runner):
    from pwa.models import (
        CompetencyIdentity,
        MentorCompetency,
        MentorOffer,
        MentorSuggestion,
        Rating,
    )

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        people = {p.display_name: p.id for p in db.session.scalars(sa.select(Person))}
        offer = db.session.get(MentorOffer, people["Marcus Johnson"])
        assert (offer.status, offer.capacity, offer.languages, offer.availability) == (
            "active", 3, ["en", "es"], "Weekday mornings at the goods-in desk")
        assert db.session.scalars(sa.select(MentorCompetency.competency)).all() == [
            "scanner-systems", "scanner-systems"]
        levels = {p: lv for p, lv in db.session.execute(
            sa.select(Rating.person_id, Rating.level)
            .join(CompetencyIdentity, CompetencyIdentity.id == Rating.competency_id)
            .where(CompetencyIdentity.key == "scanner-systems"))}
        ratings = db.session.scalar(sa.select(sa.func.count()).select_from(Rating))
        assert levels[people["Marcus Johnson"]] == 4 and levels[people["Lucia Fernandez"]] == 2
        suggested = [(s.learner_id, s.competency, s.mentor_id)
                     for s in db.session.scalars(sa.select(MentorSuggestion))]
        # Lucia speaks Spanish, as Marcus does; six places for six pickers below target.
        assert (people["Lucia Fernandez"], "scanner-systems", people["Marcus Johnson"]) in \
            suggested
        assert len(suggested) == 6
    # Again: nothing is doubled.
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == ratings


def test_seed_gives_sites_future_roles_and_self_assessments_through_sync(app, runner):
    from pwa.models import AssessmentSubmission, Event, Rating
    from pwa.store import assessment

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        everyone = db.session.scalars(sa.select(Person)).all()
        assert all(p.site == demo.SITES[p.display_name] for p in everyone)
        by_site = Counter(p.site for p in everyone if p.role.slug == "store-associate")
        assert by_site == {demo.RIVERSIDE: 5, demo.HIGH_STREET: 5}
        assert sorted(p.display_name for p in everyone if p.future_role is not None) == \
            ["Jamal Ibrahim", "Mei Lin"]
        rated = {p.display_name for p in everyone if assessment.history(p)}
        frontline = {name for name, role, *_ in demo.PEOPLE}
        assert rated == frontline - {"Ana Ruiz"}
        # Through the real sync path: every rating has its stored event, every person a
        # submission of their role's current version.
        ratings = db.session.scalar(sa.select(sa.func.count()).select_from(Rating))
        assert ratings == db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(
            Event.type == "rating.set"))
        assert db.session.scalar(sa.select(sa.func.count(sa.distinct(
            AssessmentSubmission.person_id)))) == len(rated)
        latest = {}
        for p in everyone:
            for r in assessment.history(p):
                latest[(p.display_name, r["competency"])] = r["level"]
        scanner = {name: level for (name, key), level in latest.items()
                   if key == "scanner-systems"}
        assert scanner["Marcus Johnson"] >= 4 and scanner["Elena Popescu"] >= 4
        assert scanner["Lucia Fernandez"] == 2
        assert sum(level < 3 for level in scanner.values()) >= 5
        assert all(1 <= level <= 5 for level in latest.values())
    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # idempotent
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == ratings
