"""The plan through the API: made from the self-assessment, shaped by events, the learner's only."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa

from pwa import clock
from pwa.extensions import db
from pwa.models import Item, Organisation, Person, PlanChoice, QuarantinedEvent, Role
from pwa.store import catalogue, people
from tests.factories import (
    ITEM_BASE,
    RECENT_MORNING,
    Api,
    enrol,
    make_invite,
    moment,
    seed_catalogue,
    sign_in_as,
)

MONDAY = RECENT_MORNING


def event(type_, data, at=MONDAY):
    return {"id": str(uuid.uuid4()), "type": type_, "schema": 1,
            "occurred_at": at.isoformat().replace("+00:00", "Z"), "device_id": "phone-1",
            "data": data}


def rate(level, competency, at=MONDAY):
    return event("rating.set", {"role": "store-associate", "competency": competency,
                                "version": 1, "level": level, "note": None}, at)


def item_id(app, title):
    with app.app_context():
        return db.session.scalar(sa.select(Item.id).join(Item.revisions).where(
            sa.text("item_revisions.title = :t")).params(t=title))


def add_item(app, title, fmt, competency, **kw):
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        saved = catalogue.save(org_id, {**ITEM_BASE, "title": title, "format": fmt, **kw,
                                        "competencies": [competency]}, by=None, now=clock.now())
        db.session.commit()
        return saved.item.id


def learner(app):
    """Ana, who rated greeting 1 (needs 3, importance 3) and tills 1 (needs 2, importance 4)."""
    seed_catalogue(app)
    api = sign_in_as(app, "Ana Ruiz")
    answer = api.post("/api/v1/sync", {"events": [rate(1, "greet"), rate(1, "tills")]})
    assert len(answer.get_json()["accepted"]) == 2
    return api


def the_plan(api):
    answer = api.get("/api/v1/plan")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    return answer.get_json()["plan"]


def sync(api, *events):
    answer = api.post("/api/v1/sync", {"events": list(events)})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_the_self_assessment_becomes_a_plan_with_reasons(app, org):
    api = learner(app)
    plan = the_plan(api)
    # greeting: gap 2 x 3 = 6; tills: gap 1 x 4 = 4; 30 + 30 minutes fill the first week.
    assert [(x["competency"], x["title"], x["state"], x["week"]) for x in plan["lines"]] == [
        ("greet", "Greeting well", "suggested", 1), ("tills", "Till basics", "suggested", 1)]
    assert plan["lines"][0]["reasons"] == [
        "Greeting customers: you said 1, your role (Store associate) needs 3"]
    assert plan["lines"][1]["reasons"] == [
        "Using the tills: you said 1, your role (Store associate) needs 2", "high importance"]
    assert plan["settings"] == {"weekly_minutes": 60, "formats": [], "mentor_suggestions": True,
                                "languages": None}  # not said
    assert plan["readiness"] is None and plan["uncovered"] == [] and plan["suggestions"] == []
    bundle = api.get("/api/v1/bootstrap").get_json()
    assert bundle["plan"] == plan


def test_pin_drop_own_item_and_done_shape_the_plan_and_survive_recomputation(app, org):
    api = learner(app)
    greet_2 = add_item(app, "Greeting book", "book_study", "store-associate/greet")
    plan = the_plan(api)
    first = plan["lines"][0]  # both greeting items take 30 minutes: the title decides
    assert (first["title"], [a["title"] for a in first["alternatives"]]) == (
        "Greeting book", ["Greeting well"])
    assert first["alternatives"][0]["reason"] == ("Another way to reach level 2 in Greeting "
                                                  "customers.")
    greet_2 = item_id(app, "Greeting well")
    own = str(uuid.uuid4())
    later = MONDAY + timedelta(hours=1)
    sync(api,
         event("plan.item.changed", {"item": first["item"], "competency": "greet",
                                     "state": "dropped"}),  # a swap: drop, then accept
         event("plan.item.changed", {"item": f"c:{greet_2}", "competency": "greet",
                                     "state": "accepted"}),
         event("plan.item.added", {"id": own, "title": "Shadow Grace on Tuesday",
                                   "format": "on_the_job", "minutes": 45,
                                   "url": "https://example.com/rota", "competency": "tills"}),
         event("plan.item.changed", {"item": f"own:{own}", "competency": "tills",
                                     "state": "pinned", "position": 0}, later),
         event("plan.settings.changed", {"weekly_minutes": 120, "formats": ["course"]}))
    plan = the_plan(api)
    assert [(x["item"], x["state"], x["origin"]) for x in plan["lines"]] == [
        (f"own:{own}", "pinned", "own"), (f"c:{greet_2}", "accepted", None),
        (f"c:{item_id(app, 'Till basics')}", "suggested", None)]
    assert plan["lines"][0]["reasons"][0] == "You added this."
    assert plan["lines"][0]["url"] == "https://example.com/rota"
    assert plan["settings"] == {"weekly_minutes": 120, "formats": ["course"],
                                "mentor_suggestions": True, "languages": None}
    # Done counts toward the gap: tills needed one level, so nothing more is planned there.
    sync(api, event("plan.item.changed", {"item": plan["lines"][2]["item"],
                                          "competency": "tills", "state": "done"}, later))
    plan = the_plan(api)
    assert [x["item"] for x in plan["done"]] == [f"c:{item_id(app, 'Till basics')}"]
    assert [x["item"] for x in plan["lines"]] == [f"own:{own}", f"c:{greet_2}"]
    # A new, better item never overrides the learner's choice.
    add_item(app, "Greeting course", "course", "store-associate/greet", duration_minutes=5)
    assert [x["item"] for x in the_plan(api)["lines"]] == [f"own:{own}", f"c:{greet_2}"]


def test_the_last_change_to_happen_wins_whatever_order_they_arrive_in(app, org):
    api = learner(app)
    line = the_plan(api)["lines"][0]
    change = {"item": line["item"], "competency": "greet"}
    sync(api, event("plan.item.changed", {**change, "state": "dropped"},
                    MONDAY + timedelta(hours=2)))
    sync(api, event("plan.item.changed", {**change, "state": "accepted"},
                    MONDAY + timedelta(hours=1)))  # made earlier, offline, synced late
    plan = the_plan(api)
    assert line["item"] not in [x["item"] for x in plan["lines"]]
    assert [(x["item"], x["state"]) for x in plan["dropped"]] == [(line["item"], "dropped")]
    sync(api, event("plan.item.changed", {**change, "state": "restored"},
                    MONDAY + timedelta(hours=3)))
    assert the_plan(api)["lines"][0]["item"] == line["item"]


def test_goals_raise_a_competency_and_grow_one_at_target(app, org):
    api = learner(app)
    sync(api, rate(3, "greet", MONDAY + timedelta(minutes=1)))  # at target: nothing for greeting
    assert [x["competency"] for x in the_plan(api)["lines"]] == ["tills"]
    sync(api, event("plan.goal.added", {"competency": "greet"}, MONDAY + timedelta(hours=1)))
    plan = the_plan(api)
    assert plan["goals"] == ["greet"]
    assert [x["competency"] for x in plan["lines"]] == ["greet", "tills"]  # 3 x 1.5 > 4 x 1
    assert "you want to grow this" in plan["lines"][0]["reasons"]
    sync(api, event("plan.goal.removed", {"competency": "greet"}, MONDAY + timedelta(hours=2)))
    assert the_plan(api)["goals"] == []


def test_a_retired_item_leaves_the_plan_with_a_note(app, org):
    api = learner(app)
    line = the_plan(api)["lines"][0]
    sync(api, event("plan.item.changed", {"item": line["item"], "competency": "greet",
                                          "state": "pinned", "position": 0}))
    with app.app_context():
        catalogue.retire(db.session.get(Item, int(line["item"][2:])), clock.now())
        db.session.commit()
    plan = the_plan(api)
    assert plan["notes"] == ["Greeting well was retired and left your plan."]
    assert line["item"] not in [x["item"] for x in plan["lines"]]
    assert plan["uncovered"][0]["competency"] == "greet"  # no other greeting item


def refused(answer):
    return {r["code"]: r["message"] for r in answer["refused"]}


def test_bad_changes_get_a_clear_reason_and_are_kept(app, org):
    api = learner(app)
    other = sign_in_as(app, "Ben Carter")
    bens = str(uuid.uuid4())
    sync(other, event("plan.item.added", {"id": bens, "title": "Ben's book",
                                          "format": "book_study", "minutes": 20, "url": None,
                                          "competency": "greet"}))
    till = item_id(app, "Till basics")
    picking = item_id(app, "Pick paths")
    cases = [
        ({"item": "c:99999999", "competency": "greet", "state": "accepted"}, "unknown_item"),
        ({"item": f"own:{bens}", "competency": "greet", "state": "done"}, "unknown_item"),
        ({"item": f"c:{till}", "competency": "greet", "state": "accepted"}, "wrong_competency"),
        ({"item": f"c:{picking}", "competency": "pick", "state": "accepted"},
         "unknown_competency"),
        ({"item": "c:1", "competency": "greet", "state": "maybe"}, "invalid_data"),
        ({"item": "javascript:alert(1)", "competency": "greet", "state": "done"},
         "invalid_data"),
    ]
    for data, code in cases:
        answer = sync(api, event("plan.item.changed", data))
        assert list(refused(answer)) == [code], (data, answer)
    for minutes in (0, 9, 1201, 10_000, 2**40, -1, 1.5, "60", None):
        answer = sync(api, event("plan.settings.changed", {"weekly_minutes": minutes,
                                                           "formats": []}))
        assert refused(answer) == {"invalid_data": "Minutes a week are a whole number from 10 "
                                                   "to 1200."}, minutes
    answer = sync(api, event("plan.goal.added", {"competency": "pick"}))  # another role's
    assert refused(answer) == {"unknown_competency": "'pick' is not a competency of your role "
                                                     "or your future role."}
    for url in ("javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "ftp://x",
                " https://x", "https://" + "x" * 2000):
        answer = sync(api, event("plan.item.added", {
            "id": str(uuid.uuid4()), "title": "Bad link", "format": "course", "minutes": 10,
            "url": url, "competency": "greet"}))
        assert refused(answer) == {"invalid_data": "A link must start with https:// or "
                                                   "http://."}, url
    answer = sync(api, event("plan.item.added", {"id": bens, "title": "Same id",
                                                 "format": "course", "minutes": 10,
                                                 "url": None, "competency": "greet"}))
    assert list(refused(answer)) == ["id_taken"]
    with app.app_context():
        kept = db.session.scalar(sa.select(sa.func.count(QuarantinedEvent.id)))
        assert kept == len(cases) + 9 + 1 + 6 + 1  # nothing sent is lost
        assert db.session.scalar(sa.select(sa.func.count(PlanChoice.id)).where(
            PlanChoice.person_id != db.session.scalar(sa.select(Person.id).where(
                Person.display_name == "Ben Carter")))) == 0


def suggestion(to, **what):
    return event("plan.suggestion.sent", {"id": str(uuid.uuid4()), "to": to,
                                          "competency": "greet", "message": "It helped me.",
                                          **what})


def ids(app):
    with app.app_context():
        return {p.display_name: p.id for p in db.session.scalars(sa.select(Person))}


def test_a_colleague_suggests_and_the_learner_accepts_or_dismisses(app, org):
    api = learner(app)
    grace = sign_in_as(app, "Grace Okafor")
    who = ids(app)
    found = grace.get("/api/v1/colleagues?q=ruiz").get_json()["colleagues"]
    assert found == [{"id": who["Ana Ruiz"], "name": "Ana Ruiz",
                      "role": {"slug": "store-associate", "name": "Store associate",
                               "in_original": []}}]
    assert grace.get("/api/v1/colleagues?q=okafor").get_json()["colleagues"] == []  # not oneself
    book = add_item(app, "Greeting book", "book_study", "store-associate/greet")
    sent = [suggestion(who["Ana Ruiz"], item=f"c:{book}"),
            suggestion(who["Ana Ruiz"], own={"title": "Watch me at the door",
                                             "format": "on_the_job", "minutes": 15})]
    sent[1]["occurred_at"] = moment(1)
    answer = sync(grace, *sent)
    assert answer == {"accepted": [s["id"] for s in sent], "duplicates": [], "refused": []}
    pending = the_plan(api)["suggestions"]
    assert [(s["from"], s["title"], s["competency_name"], s["message"]) for s in pending] == [
        ("Grace Okafor", "Greeting book", "Greeting customers", "It helped me."),
        ("Grace Okafor", "Watch me at the door", "Greeting customers", "It helped me.")]
    later = MONDAY + timedelta(hours=1)
    answer = sync(api, event("plan.suggestion.answered", {"id": sent[0]["data"]["id"],
                                                          "answer": "accepted"}, later),
                  event("plan.suggestion.answered", {"id": sent[1]["data"]["id"],
                                                     "answer": "dismissed"}, later))
    assert len(answer["accepted"]) == 2, answer
    plan = the_plan(api)
    assert plan["suggestions"] == []
    mine = [x for x in plan["lines"] if x["origin"] == "suggestion"]
    assert [(x["item"], x["reasons"][0]) for x in mine] == [
        (f"c:{book}", "Suggested by Grace Okafor.")]
    assert "Watch me at the door" not in str(plan)
    again = sync(api, event("plan.suggestion.answered", {"id": sent[0]["data"]["id"],
                                                         "answer": "dismissed"}, later))
    assert list(refused(again)) == ["already_answered"]
    # An own-item suggestion accepted becomes an item of the learner's, named for its sender.
    third = suggestion(who["Ana Ruiz"], own={"title": "Watch me at the door",
                                             "format": "on_the_job", "minutes": 15})
    sync(grace, third)
    sync(api, event("plan.suggestion.answered", {"id": third["data"]["id"], "answer": "accepted"},
                    later))
    own = [x for x in the_plan(api)["lines"] if x["title"] == "Watch me at the door"]
    assert own[0]["item"].startswith("own:") and own[0]["origin"] == "suggestion"


def test_a_suggestion_reveals_nothing_and_reaches_only_colleagues(app, org):
    api = learner(app)
    grace = sign_in_as(app, "Grace Okafor")
    who = ids(app)
    with app.app_context():
        elsewhere = Organisation(slug="elsewhere", name="Elsewhere Ltd")
        db.session.add(elsewhere)
        db.session.flush()
        role = Role(organisation_id=elsewhere.id, slug="store-associate", name="Associate")
        db.session.add(role)
        db.session.flush()
        stranger, _ = people.ensure_person(elsewhere, "Sam Stranger", role)
        db.session.commit()
        stranger_id = stranger.id
    greeting = item_id(app, "Greeting well")
    cases = [
        (suggestion(who["Grace Okafor"], item=f"c:{greeting}"), "not_a_colleague"),
        (suggestion(stranger_id, item=f"c:{greeting}"), "unknown_colleague"),
        (suggestion(10**6, item=f"c:{greeting}"), "unknown_colleague"),
        (suggestion(2**31, item=f"c:{greeting}"), "invalid_data"),
        (suggestion(who["Ana Ruiz"], item=f"c:{item_id(app, 'Till basics')}"),
         "wrong_competency"),
        (suggestion(who["Ana Ruiz"], own={"title": "x", "format": "course", "minutes": 5,
                                          "url": "javascript:alert(1)"}), "invalid_data"),
        (suggestion(who["Ana Ruiz"]), "invalid_data"),  # neither an item nor an own one
    ]
    for sent, code in cases:
        assert list(refused(sync(grace, sent))) == [code], sent["data"]
    # Whatever Ana rated, Grace's answers are the same: nothing depends on her ratings.
    before = sync(grace, suggestion(who["Ana Ruiz"], item=f"c:{greeting}"))
    sync(api, rate(5, "greet"))
    after = sync(grace, suggestion(who["Ana Ruiz"], item=f"c:{greeting}"))
    assert (len(before["accepted"]), before["refused"]) == (len(after["accepted"]),
                                                            after["refused"]) == (1, [])
    # Nobody can put anything into someone else's plan: a change names only the sender's.
    answer = sync(grace, event("plan.item.changed", {"item": f"c:{greeting}",
                                                     "competency": "greet",
                                                     "state": "pinned", "position": 0},
                               ) | {"person_id": who["Ana Ruiz"]})
    assert list(refused(answer)) == ["wrong_person"]


def test_a_plan_is_its_learners_alone(app, org):
    api = learner(app)
    own = str(uuid.uuid4())
    sync(api, event("plan.item.added", {"id": own, "title": "Ana's secret book",
                                        "format": "book_study", "minutes": 20, "url": None,
                                        "competency": "greet"}))
    ben = sign_in_as(app, "Ben Carter")
    assert "Ana's secret book" not in str(the_plan(ben))
    assert "Ana's secret book" in str(the_plan(api))
    assert Api(app.test_client()).get("/api/v1/plan").status_code == 401
    _, answer = enrol(Api(app.test_client()), make_invite(app, ids(app)["Ben Carter"]))
    assert answer.status_code == 200


def test_changes_at_the_same_instant_are_applied_by_id_whatever_arrives_first(app, org):
    """Two phones changed one item in the same second: the higher id is applied last."""
    api = learner(app)
    line = the_plan(api)["lines"][0]
    change = {"item": line["item"], "competency": "greet"}
    low = event("plan.item.changed", {**change, "state": "done"})
    high = event("plan.item.changed", {**change, "state": "dropped"})
    low["id"], high["id"] = "00000000-0000-4000-8000-00000000000a", \
        "ffffffff-0000-4000-8000-00000000000a"
    sync(api, high)
    sync(api, low)  # arrives last, applied first
    with app.app_context():
        assert db.session.scalar(sa.select(PlanChoice.state)) == "dropped"
    later = event("plan.item.changed", {**change, "state": "restored"},
                  MONDAY + timedelta(seconds=1))
    sync(api, later)
    assert the_plan(api)["lines"][0]["item"] == line["item"]


def test_a_goal_added_and_removed_at_the_same_instant_is_removed_whatever_arrives_first(
        app, org):
    """At one instant a goal is added before it is removed (the registry's order), and two
    events of one type are applied by id: whichever batch arrives first."""
    api = learner(app)
    added, removed = (event(f"plan.goal.{what}", {"competency": "greet"})
                      for what in ("added", "removed"))
    added["id"], removed["id"] = "ffffffff-0000-4000-8000-00000000000c", \
        "00000000-0000-4000-8000-00000000000c"  # the removal sorts first by id
    sync(api, removed)
    sync(api, added)  # arrives last, applied first
    assert the_plan(api)["goals"] == []
    again = event("plan.goal.added", {"competency": "tills"})
    sync(api, again)
    sync(api, {**event("plan.goal.removed", {"competency": "tills"}),
               "occurred_at": again["occurred_at"]})
    assert the_plan(api)["goals"] == []


def test_a_suggestion_accepted_at_the_same_instant_as_a_change_comes_before_it(app, org):
    """At one instant a suggestion is answered before a change (the registry's order),
    whichever arrives first: the accepting does not undo the learner's own change."""
    api = learner(app)
    grace = sign_in_as(app, "Grace Okafor")
    book = add_item(app, "Greeting book", "book_study", "store-associate/greet")
    sent = suggestion(ids(app)["Ana Ruiz"], item=f"c:{book}")
    sync(grace, sent)
    dropped = event("plan.item.changed", {"item": f"c:{book}", "competency": "greet",
                                          "state": "dropped", "position": None})
    accepted = event("plan.suggestion.answered", {"id": sent["data"]["id"],
                                                  "answer": "accepted"})
    sync(api, dropped)
    sync(api, accepted)  # arrives last, applied first
    with app.app_context():
        assert db.session.scalar(sa.select(PlanChoice.state).where(
            PlanChoice.item == f"c:{book}")) == "dropped"


def test_an_item_added_and_changed_at_the_same_instant_is_added_first(app, org):
    api = learner(app)
    own = str(uuid.uuid4())
    added = event("plan.item.added", {"id": own, "title": "Till guide", "format": "book_study",
                                      "minutes": 10, "url": None, "competency": "tills"})
    pinned = event("plan.item.changed", {"item": f"own:{own}", "competency": "tills",
                                         "state": "pinned", "position": 0})
    added["id"], pinned["id"] = "ffffffff-0000-4000-8000-000000000000", \
        "00000000-0000-4000-8000-000000000000"  # the change sorts first by id
    answer = sync(api, pinned, added)
    assert answer["refused"] == [] and len(answer["accepted"]) == 2
    assert the_plan(api)["lines"][0]["item"] == f"own:{own}"


def test_a_shared_competency_carries_its_rating_to_the_future_role(app, org):
    """greet is shared (same key, same descriptors); tills reads otherwise for pickers."""
    from engine.profiles import Competency
    from tests.factories import LEVELS, comp, publish_profile

    publish_profile(app)  # store associate: greet 3, tills 2 (importance 4)
    other = Competency("tills", "Using the tills", "", "Tills",
                       ("Watches", *LEVELS[1:]), 4, 5)
    publish_profile(app, "warehouse-picker", "Sam Lee",
                    (comp("greet", "Greeting customers", 4, 4), other))
    api = sign_in_as(app, "Ana Ruiz")
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
        person.future_role_id = org["roles"]["warehouse-picker"]
        db.session.commit()
    sync(api, rate(2, "greet"), rate(1, "tills"))
    plan = the_plan(api)
    greet = next(x for x in plan["uncovered"] if x["competency"] == "greet")  # no items
    assert "your future role (Warehouse picker) needs 4" in greet["reasons"]
    tills = next(x for x in plan["uncovered"] if x["competency"] == "tills")
    assert "your future role (Warehouse picker) needs 4" not in tills["reasons"]
    # Readiness counts greet at 2 of 4 (importance 4); tills is not rated for pickers
    # (its descriptors differ), so it counts nothing yet: 4 x 2/4 / (4 + 5) = 2/9.
    assert plan["readiness"]["now"] == round(2 / 9, 4)


def test_a_dropped_lesson_gives_way_to_the_nearest_length_and_says_how_long(app, org):
    api = learner(app)
    short = add_item(app, "Greeting in five", "course", "store-associate/greet",
                     duration_minutes=4)
    add_item(app, "Greeting project", "group_project", "store-associate/greet",
             duration_minutes=480)
    add_item(app, "Greeting in six", "course", "store-associate/greet",
             duration_minutes=6)
    first = the_plan(api)["lines"][0]
    assert first["title"] == "Greeting in five"
    # Nearest 4 minutes first: 6 (about the same), then 30 and 480 (longer).
    assert [(a["title"], a["longer_by"], a["similar"]) for a in first["alternatives"]] == [
        ("Greeting in six", 2, True), ("Greeting well", 26, False),
        ("Greeting project", 476, False)]
    assert first["replaces"] is None
    sync(api, event("plan.item.changed", {"item": f"c:{short}", "competency": "greet",
                                          "state": "dropped"}))
    first = the_plan(api)["lines"][0]
    assert (first["title"], first["replaces"]) == ("Greeting in six", {
        "item": f"c:{short}", "title": "Greeting in five", "title_lang": None, "longer_by": 2,
        "similar": True})
