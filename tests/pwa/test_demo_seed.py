"""The demo content is real and complete: checked against the rules and the issue's counts."""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections import Counter

import sqlalchemy as sa

from engine import catalogue as catalogue_rules
from engine import profiles as profile_rules
from engine.costs import Costs
from pwa import clock, demo
from pwa.demo import colleagues
from pwa.extensions import db
from pwa.models import Feedback, Item, ItemRevision, Person, Role
from pwa.store import catalogue, people, role_words
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
        # Six places for the many pickers below target; Lucia (Spanish, as Marcus) has one.
        assert (people["Lucia Fernandez"], "scanner-systems", people["Marcus Johnson"]) in \
            suggested
        assert len(suggested) == 6
    # Again: nothing is doubled.
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == ratings


def test_seed_gives_sites_future_roles_and_self_assessments_through_sync(app, runner):
    from pwa.models import AssessmentSubmission, CompetencyIdentity, Event, LatestRating, Rating

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        everyone = db.session.scalars(sa.select(Person)).all()
        sites = {**demo.SITES, **{c.name: c.site for c in demo.generated()}}
        assert all(p.site == sites[p.display_name] for p in everyone)
        named = [p for p in everyone if p.display_name in demo.SITES]
        by_site = Counter(p.site for p in named if p.role.slug == "store-associate")
        assert by_site == {demo.RIVERSIDE: 5, demo.HIGH_STREET: 5}
        assert sorted(p.display_name for p in named if p.future_role is not None) == \
            ["Jamal Ibrahim", "Mei Lin"]
        rated = set(db.session.scalars(sa.select(Person.display_name).where(
            Person.id.in_(sa.select(Rating.person_id)))))
        frontline = {name for name, role, *_ in demo.PEOPLE}
        assert rated & frontline == frontline - {"Ana Ruiz"}
        assert rated - frontline == {c.name for c in demo.generated() if c.assessed}
        # Through the real sync path: every rating has its stored event, every person a
        # submission of their role's current version.
        ratings = db.session.scalar(sa.select(sa.func.count()).select_from(Rating))
        assert ratings == db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(
            Event.type == "rating.set"))
        assert db.session.scalar(sa.select(sa.func.count(sa.distinct(
            AssessmentSubmission.person_id)))) == len(rated)
        # The latest rating of each (kept by the sync, as test_latest_ratings checks).
        latest = {(name, key): level for name, key, level in db.session.execute(
            sa.select(Person.display_name, CompetencyIdentity.key, LatestRating.level)
            .join(LatestRating, LatestRating.person_id == Person.id)
            .join(CompetencyIdentity, CompetencyIdentity.id == LatestRating.competency_id))}
        scanner = {name: level for (name, key), level in latest.items()
                   if key == "scanner-systems"}
        assert scanner["Marcus Johnson"] >= 4 and scanner["Elena Popescu"] >= 4
        assert scanner["Lucia Fernandez"] == 2
        assert sum(scanner[name] < 3 for name in frontline if name in scanner) == 6
        # Their colleagues are as weak in it: about six in ten below target.
        below = [level < 3 for name, level in scanner.items() if name not in frontline]
        assert 0.5 <= sum(below) / len(below) <= 0.7
        assert all(1 <= level <= 5 for level in latest.values())
    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # idempotent
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == ratings


def test_the_demo_has_a_frontline_employers_headcount_and_participation(app, runner):
    """Hundreds per role, about 85% of them assessed, named people's invites only; a second
    run adds nothing."""
    from pwa.models import (
        AssessmentSubmission,
        Event,
        Invite,
        LatestRating,
        MentorOffer,
        MentorSuggestion,
        Rating,
    )

    def counts():
        return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in (Person, Rating, LatestRating, Event, AssessmentSubmission,
                              MentorOffer, MentorSuggestion, Invite)}

    first = runner.invoke(args=["seed-demo", "--print-invites"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        people_roles = db.session.execute(sa.select(Person, Role.slug).join(
            Role, Role.id == Person.role_id)).all()
        assert Counter(slug for _, slug in people_roles) == {
            "store-associate": 240, "shift-lead": 40, "warehouse-picker": 160,
            "home-care-assistant": 160, "learning-development": 1}
        assert Counter((slug, p.site) for p, slug in people_roles if p.site) == {
            ("store-associate", demo.RIVERSIDE): 80, ("store-associate", demo.HIGH_STREET): 80,
            ("store-associate", demo.DOCKLANDS): 80, ("shift-lead", demo.RIVERSIDE): 13,
            ("shift-lead", demo.HIGH_STREET): 13, ("shift-lead", demo.DOCKLANDS): 14,
            ("warehouse-picker", demo.MIDLANDS): 90, ("warehouse-picker", demo.NORTHERN): 70,
            ("home-care-assistant", demo.NORTH_CARE): 80,
            ("home-care-assistant", demo.SOUTH_CARE): 80,
            ("learning-development", "Head office"): 1}
        assert Counter((slug, p.future_role.slug) for p, slug in people_roles
                       if p.future_role) == {("store-associate", "shift-lead"): 30}
        # 85% have assessed their role's current profile, the rest not yet (nothing at all).
        submitted = db.session.execute(
            sa.select(Role.slug, sa.func.count(sa.distinct(AssessmentSubmission.person_id)))
            .join(Person, Person.id == AssessmentSubmission.person_id)
            .join(Role, Role.id == Person.role_id).group_by(Role.slug)).all()
        assert dict(submitted) == {"store-associate": 204, "shift-lead": 34,
                                   "warehouse-picker": 136, "home-care-assistant": 136}
        assert db.session.scalar(sa.select(sa.func.count(sa.distinct(Rating.person_id)))) == 510
        # Store associates rated version 1 as well, before version 2 came out.
        versions = db.session.execute(
            sa.select(Person.id, sa.func.count(sa.distinct(AssessmentSubmission.version_id)))
            .join(AssessmentSubmission, AssessmentSubmission.person_id == Person.id)
            .join(Role, Role.id == Person.role_id).where(Role.slug == "store-associate")
            .group_by(Person.id)).all()
        assert len(versions) == 204 and {n for _, n in versions} == {2}
        # Each colleague has the time zone and locale of a named person of the role.
        named = {(role, zone, locale) for _, role, zone, locale in demo.PEOPLE}
        assert all((p.role.slug, p.time_zone, p.locale) in named
                   for p, _ in people_roles if p.display_name not in demo.SITES)
        # No two names alike, not even but for accents ("Ana Sánchez", "Ana Sanchez").
        def plain(name):
            return "".join(c for c in unicodedata.normalize("NFKD", name)
                           if not unicodedata.combining(c)).casefold()

        assert len({plain(p.display_name) for p, _ in people_roles}) == 601
        # Nobody signs in as a colleague: the only invites are the named people's.
        invited = set(db.session.scalars(sa.select(Person.display_name).join(
            Invite, Invite.person_id == Person.id)))
        assert invited == {name for _, name in demo.DEMO_INVITES}
        before = counts()
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "(0 new)" in second.output, second.output
    with app.app_context():
        assert counts() == before


def test_the_colleagues_are_the_same_on_every_run():
    """A changed list of names or seed would add new people to every existing demo database."""
    again = colleagues.generate(demo.HEADCOUNT, demo.PEOPLE, demo.SITES, demo.FUTURE_ROLES,
                                not_assessed={"Ana Ruiz"})
    assert tuple(again) == demo.generated()
    first = {}
    for c in demo.generated():
        first.setdefault(c.role, (c.name, c.site, c.locale))
    assert first == {  # pinned: a change here renames hundreds of people
        "store-associate": ("Lukas Becker", demo.HIGH_STREET, "de-DE"),
        "shift-lead": ("Alejandro Jiménez", demo.HIGH_STREET, "es-ES"),
        "warehouse-picker": ("Brian Kamau", demo.MIDLANDS, "en-GB"),
        "home-care-assistant": ("Yusuf Kılıç", demo.SOUTH_CARE, "tr-TR"),
    }


def test_the_demo_learners_have_practice_due_new_and_a_mastery_to_look_at(app, runner):
    """Issue 20's demo: through the bootstrap, Lucia (the learner with a plan) has a question
    due today, a lesson of her plan not started yet, and a mastery that disagrees with her own
    rating; Grace has something due and something new too. The organisation's colleagues have
    weeks of reviews, enough to fit FSRS' parameters on, all sent through the sync."""
    from datetime import time, timedelta
    from zoneinfo import ZoneInfo

    from engine import practice as rules
    from pwa.models import Event, PracticeCard, PracticeReview, QuarantinedEvent

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    for name, role in (("Lucia Fernandez", "warehouse-picker"),
                       ("Grace Okafor", "store-associate")):
        bundle = sign_in_as(app, name, role).get("/api/v1/bootstrap").get_json()
        practice = bundle["practice"]
        today = practice["days"][0]
        assert today["day"] == practice["today"]["day"] and today["reviews"] >= 1, name
        started = {p["key"] for p in practice["progress"].values()}
        assert started, name
        new = {e["item_key"] for day in practice["days"] for e in day["entries"]
               if e["kind"] == "lesson"}
        planned = {line["title"] for line in bundle["plan"]["lines"]
                   if line["format"] == "micro_lesson"}
        assert new and not new & started, name
        assert {practice["lessons"][key]["title"] for key in new} <= planned, name
        if name == "Lucia Fernandez":
            assert "void-fill-packing" in new
            mastery = {m["competency_key"]: m for m in practice["mastery"]}
            trucks = mastery["powered-equipment"]
            assert trucks["answers"] >= rules.MIN_ANSWERS and trucks["rating"] == 2
            assert trucks["disagreement"] == "higher", trucks
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(PracticeReview))
        assert 1_000 <= count <= 10_000
        # Through the sync path: every answer is its event, and nothing was refused.
        assert count == db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(
            Event.type == "card.reviewed"))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuarantinedEvent)) == 0
        # FSRS was fitted to them once, so L&D's practice page has a verdict.
        from pwa.models import PracticeFit

        fits = list(db.session.scalars(sa.select(PracticeFit)))
        assert len(fits) == 1 and fits[0].logs == count and fits[0].old_metrics is not None
        learners = db.session.scalar(sa.select(sa.func.count(sa.distinct(
            PracticeReview.person_id))))
        assert 150 <= learners <= 400
        # Over the last eight weeks, up to yesterday, relative to the app's clock.
        first, last = db.session.execute(sa.select(sa.func.min(PracticeReview.occurred_at),
                                                   sa.func.max(PracticeReview.occurred_at))).one()
        now = clock.now()
        assert timedelta(weeks=7) <= now - first <= timedelta(weeks=9) and last < now
        # Lapses and early and late answers: something for a fit to learn from.
        grades = Counter(db.session.scalars(sa.select(PracticeReview.grade)))
        assert set(grades) == {1, 2, 3, 4} and 0.05 <= grades[1] / count <= 0.4, grades
        assert db.session.scalar(sa.select(sa.func.max(PracticeCard.reps))) >= 4
        # At the learner's habitual local time: Lucia practises before her morning shift.
        lucia = db.session.scalar(sa.select(Person).where(
            Person.display_name == "Lucia Fernandez"))
        zone = ZoneInfo(lucia.time_zone)
        times = {at.astimezone(zone).time() for at in db.session.scalars(
            sa.select(PracticeReview.occurred_at).where(PracticeReview.person_id == lucia.id))}
        assert all(time(6, 30) <= t <= time(7, 30) for t in times), times
        # Ana rates herself live: no practice before she has a plan.
        ana = db.session.scalar(sa.select(Person.id).where(Person.display_name == "Ana Ruiz"))
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(
            PracticeReview).where(PracticeReview.person_id == ana))


def test_the_spanish_demo_people_see_their_roles_named_in_spanish(app, runner):
    """The roles whose profiles are in Spanish have Spanish names too (and descriptions);
    a role not translated stays in the original, marked; seeding again adds nothing."""
    from pwa.models import RoleTranslation

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        def role_of(name):
            person = db.session.scalar(sa.select(Person).where(Person.display_name == name))
            return people.person_summary(person)["role"]

        assert role_of("Ana Ruiz") == {"slug": "store-associate", "name": "Personal de tienda",
                                       "in_original": []}
        assert role_of("Lucia Fernandez") == {"slug": "warehouse-picker",
                                              "name": "Personal de surtido", "in_original": []}
        assert role_of("Carmen Vidal") == {"slug": "shift-lead", "name": "Shift lead",
                                           "in_original": ["name"]}
        assert role_of("Grace Okafor") == {"slug": "store-associate", "name": "Store associate",
                                           "in_original": []}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RoleTranslation)) == 2
        for slug in ("store-associate", "warehouse-picker"):
            role = db.session.scalar(sa.select(Role).where(Role.slug == slug))
            words = role_words.words(role, "es")
            assert words.in_original == () and words.description != role.description, slug
