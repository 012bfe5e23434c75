"""Daily practice through sync and the bootstrap: answers applied in the order they happened,
once each, whatever order and however often they arrive; bad answers refused and kept."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa

from engine import practice as rules
from pwa import clock
from pwa.extensions import db
from pwa.models import (
    Item,
    LessonCompletion,
    Organisation,
    Person,
    PracticeCard,
    PracticeReview,
    QuarantinedEvent,
    Role,
)
from pwa.store import catalogue, profiles
from pwa.store import practice as store
from tests.factories import ITEM_BASE, RECENT_MORNING, comp, publish_profile, sign_in_as

MONDAY = RECENT_MORNING
QUESTIONS = [
    {"kind": "single_choice", "prompt": "Where does the float go?",
     "options": ["The safe", "The till", "Your pocket"], "correct": [0],
     "explanation": "The float is counted into the safe."},
    {"kind": "true_false", "prompt": "You may leave a till open.", "options": ["True", "False"],
     "correct": [1], "explanation": "Never leave a till open."},
    {"kind": "multiple_choice", "prompt": "Which need a manager?",
     "options": ["Voids", "Refunds over 50", "A sale"], "correct": [0, 1],
     "explanation": "Voids and large refunds are checked."},
]
LESSON = {**ITEM_BASE, "title": "Till safety", "format": "micro_lesson", "duration_minutes": 3,
          "summary": "Three habits that keep the till right.", "level_to": 4,
          "cards": [{"text": "Count the float."}, {"text": "Lock the till."}],
          "questions": QUESTIONS, "competencies": ["store-associate/tills"]}


def event(type_, data, at=MONDAY, id_=None):
    return {"id": id_ or str(uuid.uuid4()), "type": type_, "schema": 1,
            "occurred_at": at.isoformat().replace("+00:00", "Z"), "device_id": "phone-1",
            "data": data}


def answer(question=0, *, right=True, at=MONDAY, grade=None, ms=4000, hinted=False,
           item="till-safety", revision=1, **extra):
    q = QUESTIONS[question]
    chosen = q["correct"] if right else [next(i for i in range(len(q["options"]))
                                              if i not in q["correct"])]
    data = {"item": item, "revision": revision, "question": question, "answer": chosen,
            "correct": right, "hinted": hinted, "grade": grade or (3 if right else 1),
            "response_ms": ms, **extra}
    return event("card.reviewed", data, at)


def setup(app, lesson=LESSON, *, at=None):
    """A store associate (tills below target) and a micro-lesson for tills; the learner's api."""
    publish_profile(app, comps=(comp("tills", "Using the tills", 4, 5),
                                comp("greet", "Greeting customers", 3, 3)))
    publish_profile(app, "warehouse-picker", "Wes Moyo",
                    comps=(comp("pick", "Picking orders", group="Picking"),))
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        catalogue.save(org_id, lesson, by=None, now=at or MONDAY - timedelta(days=30))
        catalogue.save(org_id, {**LESSON, "title": "Pick paths",
                                "competencies": ["warehouse-picker/pick"]},
                       by=None, now=MONDAY - timedelta(days=30))
        db.session.commit()
    api = sign_in_as(app, "Ana Ruiz")
    rated = api.post("/api/v1/sync", {"events": [
        event("rating.set", {"role": "store-associate", "competency": c, "version": 1,
                             "level": level, "note": None})
        for c, level in (("tills", 2), ("greet", 3))]})
    assert rated.status_code == 200 and len(rated.get_json()["accepted"]) == 2
    return api


def sync(api, *events):
    answered = api.post("/api/v1/sync", {"events": list(events)})
    assert answered.status_code == 200, answered.get_json()
    return answered.get_json()


def cards(app):
    with app.app_context():
        return {(c.question): rules.CardState(c.state, c.step, c.stability, c.difficulty, c.due,
                                              c.last_review, c.reps, c.lapses)
                for c in db.session.scalars(sa.select(PracticeCard))}


def test_a_new_lesson_of_the_plan_is_today_s_practice(app, org):
    api = setup(app)
    practice = api.get("/api/v1/bootstrap").get_json()["practice"]
    assert practice["settings"] == {"daily_minutes": 5, "weekly_goal": 3}
    today = practice["days"][0]
    assert [(e["kind"], e["item_key"]) for e in today["entries"]] == [("lesson", "till-safety")]
    lesson = practice["lessons"]["till-safety"]
    assert lesson["title"] == "Till safety" and len(lesson["questions"]) == 3
    assert lesson["questions"][2]["correct"] == [0, 1]
    assert practice["week"]["days_practised"] == 0 and practice["mastery"] == []
    assert len(practice["days"]) == 4


def test_a_lesson_answered_offline_is_stored_once_and_scheduled(app, org):
    api = setup(app)
    batch = [answer(q, at=MONDAY + timedelta(minutes=q)) for q in range(3)]
    batch.append(event("lesson.completed", {"item": "till-safety", "revision": 1},
                       MONDAY + timedelta(minutes=4)))
    assert len(sync(api, *batch)["accepted"]) == 4
    again = sync(api, *batch)  # the phone did not hear the answer and sends it all again
    assert again["accepted"] == [] and len(again["duplicates"]) == 4
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PracticeReview)) == 3
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonCompletion)) == 1
    states = cards(app)
    fsrs = rules.make_scheduler()
    for q in range(3):
        e = batch[q]
        expected = rules.review(None, rules.Review(
            MONDAY + timedelta(minutes=q), rules.Grade.GOOD, 4000, e["id"]),
            card_id=0, scheduler=fsrs)
        assert states[q].stability == expected.stability and states[q].due == expected.due
    practice = api.get("/api/v1/bootstrap").get_json()["practice"]
    key = next(iter(practice["progress"]))
    assert practice["progress"][key] == {"key": "till-safety", "started": 3, "questions": 3,
                                         "completed": True}
    assert all(e["kind"] == "review" for d in practice["days"] for e in d["entries"])
    assert practice["mastery"][0]["competency_key"] == "tills"
    assert practice["mastery"][0]["rating"] == 2


def test_a_late_answer_gives_the_state_answering_in_order_would_have(app, org):
    api = setup(app)
    times = [MONDAY + timedelta(days=d) for d in (0, 2, 5, 9)]
    grades = [3, 1, 3, 4]
    events = [answer(0, right=g > 1, grade=g, at=t, ms=3000) for g, t in zip(grades, times,
                                                                            strict=True)]
    # Monday's and the ninth day's arrive first; the two between them come a week late.
    sync(api, events[0], events[3])
    sync(api, events[2])
    sync(api, events[1])
    fsrs = rules.make_scheduler()
    in_order = None
    for e, g, t in zip(events, grades, times, strict=True):
        in_order = rules.review(in_order, rules.Review(t, rules.Grade(g), 3000, e["id"]),
                                card_id=0, scheduler=fsrs)
    got = cards(app)[0]
    assert (got.stability, got.difficulty, got.due, got.reps, got.lapses) == (
        in_order.stability, in_order.difficulty, in_order.due, in_order.reps, in_order.lapses)


def test_answers_are_scheduled_with_the_parameters_the_organisation_adopted(app, org):
    """FSRS' own parameters until a fit is adopted; the adopted ones from then on."""
    from engine.fitting import DEFAULT_PARAMETERS
    from pwa.models import PracticeFit

    api = setup(app)
    first, second = answer(0, at=MONDAY), answer(1, at=MONDAY + timedelta(minutes=1))
    sync(api, first)
    fitted = [w * 1.2 if n in (0, 1, 2, 3) else w for n, w in enumerate(DEFAULT_PARAMETERS)]
    with app.app_context():
        db.session.add(PracticeFit(
            organisation_id=db.session.scalar(sa.select(Organisation.id)), fitted_at=MONDAY,
            logs=1000, train=800, test=200, old_parameters=list(DEFAULT_PARAMETERS),
            new_parameters=fitted, adopted=True, reason="Adopted.", reason_params={}))
        db.session.commit()
    sync(api, second)
    got = cards(app)
    for question, e, parameters in ((0, first, None), (1, second, fitted)):
        expected = rules.review(None, rules.Review(MONDAY + timedelta(minutes=question),
                                                   rules.Grade(3), 4000, e["id"]),
                                card_id=0, scheduler=rules.make_scheduler(parameters))
        assert (got[question].stability, got[question].difficulty, got[question].due) == (
            expected.stability, expected.difficulty, expected.due)
    assert got[0].stability != got[1].stability


def test_a_lesson_for_a_competency_the_role_gained_since_is_in_practice(app, org):
    """The role's competencies are kept once read; a lesson for one added since reads them
    again, and one for another role's stays out."""
    api = setup(app)
    assert len(sync(api, answer(0))["accepted"]) == 1  # the role's competencies, read and kept
    with app.app_context():
        author = db.session.scalar(sa.select(Person).where(Person.display_name == "Grace Okafor"))
        role = db.session.scalar(sa.select(Role).where(Role.slug == "store-associate"))
        draft = profiles.open_draft(role, author, clock.now())
        profiles.save_draft(draft, [*profiles.competencies(draft), comp("stock", "Stock")],
                            expected_revision=draft.revision, author=author, now=clock.now())
        profiles.publish(draft, "Stock.", expected_revision=draft.revision, author=author,
                         now=clock.now())
        org_id = db.session.scalar(sa.select(Organisation.id))
        key = catalogue.save(org_id, {**LESSON, "title": "Stock rotation",
                                      "competencies": ["store-associate/stock"]},
                             by=None, now=MONDAY - timedelta(days=30)).item.key
        db.session.commit()
    got = sync(api, answer(0, item=key, at=MONDAY + timedelta(minutes=1)),
               answer(0, item="pick-paths", at=MONDAY + timedelta(minutes=2)))
    assert len(got["accepted"]) == 1 and [r["code"] for r in got["refused"]] == [
        "not_in_practice"]


def refused(api, *events):
    got = sync(api, *events)
    assert got["accepted"] == []
    return [r["code"] for r in got["refused"]]


def test_bad_answers_are_refused_one_by_one_and_kept(app, org):
    api = setup(app)
    assert refused(api, answer(0, grade=5)) == ["invalid_grade"]
    assert refused(api, answer(0, right=False, grade=3)) == ["invalid_grade"]
    assert refused(api, answer(0, ms=-1)) == ["invalid_data"]
    assert refused(api, answer(0, ms=10 ** 12)) == ["invalid_data"]
    assert refused(api, answer(0, ms=2.5)) == ["invalid_data"]
    assert refused(api, event("card.reviewed", {**answer(0)["data"], "question": 3})) == [
        "unknown_question"]
    assert refused(api, answer(0, item="pick-paths")) == ["not_in_practice"]
    assert refused(api, answer(0, item="no-such-lesson")) == ["unknown_item"]
    assert refused(api, answer(0, revision=2)) == ["unknown_item"]
    lying = answer(0)
    lying["data"]["answer"] = [1]  # a wrong option, said to be right
    assert refused(api, lying) == ["wrong_judgement"]
    assert refused(api, answer(0, at=MONDAY - timedelta(days=31))) == ["before_lesson"]
    assert refused(api, answer(0, at=clock.now() + timedelta(days=3))) != []
    assert refused(api, answer(0, extra_field=1)) == ["invalid_data"]
    with app.app_context():
        kept = db.session.scalar(sa.select(sa.func.count()).select_from(QuarantinedEvent))
        assert kept == 13
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PracticeReview)) == 0


def test_an_answer_to_a_retired_lesson_is_kept_and_applied(app, org):
    api = setup(app)
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        catalogue.retire(catalogue.item_by_key(org_id, "till-safety"), clock.now())
        db.session.commit()
    assert len(sync(api, answer(0))["accepted"]) == 1
    assert len(cards(app)) == 1
    practice = api.get("/api/v1/bootstrap").get_json()["practice"]
    assert all(e["item_key"] != "till-safety" for d in practice["days"] for e in d["entries"])


def test_the_daily_minutes_and_weekly_goal_are_settings(app, org):
    api = setup(app)
    got = sync(api, event("plan.settings.changed", {
        "weekly_minutes": 60, "formats": ["micro_lesson"], "daily_minutes": 2, "weekly_goal": 5}))
    assert len(got["accepted"]) == 1
    practice = api.get("/api/v1/bootstrap").get_json()["practice"]
    assert practice["settings"] == {"daily_minutes": 2, "weekly_goal": 5}
    assert practice["days"][0]["entries"] == []  # a 3-minute lesson does not fit in 2
    for bad in ({"daily_minutes": 0}, {"daily_minutes": 61}, {"weekly_goal": 8},
                {"weekly_goal": True}):
        assert refused(api, event("plan.settings.changed", {
            "weekly_minutes": 60, "formats": [], **bad})) == ["invalid_data"]


def test_practice_is_the_learner_s_data_to_download(app, org):
    api = setup(app)
    sync(api, answer(0), event("lesson.completed", {"item": "till-safety", "revision": 1}))
    data = api.get("/api/v1/me/export").get_json()
    assert data["practice_reviews"][0]["item"] == "till-safety"
    assert data["practice_cards"][0]["question"] == 1
    assert data["lesson_completions"] == [{"item": "till-safety", "revision": 1,
                                           "completed_at": data["lesson_completions"][0][
                                               "completed_at"]}]
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
        assert store.export_cards(person)[0]["reps"] == 1
        assert db.session.scalar(sa.select(Item.key).where(Item.id == sa.select(
            PracticeCard.item_id).scalar_subquery())) == "till-safety"


def test_home_shows_today_s_practice_and_then_what_was_done(app, org):
    api = setup(app)
    page = api.get("/").get_data(as_text=True)
    assert "Today&#39;s practice" in page or "Today's practice" in page
    assert "3 minutes\n    · 3 questions" in page  # as the Practice view counts them
    # Just after the learner's (UTC) midnight today: today whatever the hour of the run
    # (the sync takes what happened up to a day ahead of its clock).
    start = rules.day_start(rules.local_day(clock.now(), "UTC"), "UTC")
    sync(api, *[answer(q, at=start + timedelta(minutes=q)) for q in range(3)],
         event("lesson.completed", {"item": "till-safety", "revision": 1},
               start + timedelta(minutes=4)))
    page = api.get("/").get_data(as_text=True)
    assert "Done for today: you answered 3 questions." in page
    assert "This week: 1 of 3 days you aimed for." in page


def test_two_phones_syncing_a_week_of_answers_at_once_lose_and_double_nothing(app, org):
    import threading

    from tests.factories import Api

    api = setup(app)
    # A week of practice on two phones, interleaved in time: each phone's answers are late
    # for the other's, whichever sync goes first.
    answers = [answer(q % 3, right=(q % 4 != 0), grade=3 if q % 4 else 1,
                      at=MONDAY + timedelta(days=q // 3, minutes=q)) for q in range(21)]
    phones = [answers[0::2], answers[1::2]]
    clones = []
    for _ in phones:
        clone = Api(app.test_client())
        clone.client.set_cookie("skillpath_session",
                                api.client.get_cookie("skillpath_session").value)
        clone.token = api.csrf()
        clones.append(clone)
    start, got = threading.Barrier(2), []

    def send(client, batch):
        start.wait()
        got.append(client.post("/api/v1/sync", {"events": batch}).get_json())

    threads = [threading.Thread(target=send, args=pair) for pair in zip(clones, phones,
                                                                         strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r for a in got for r in a["refused"]] == []
    assert sorted(i for a in got for i in a["accepted"]) == sorted(e["id"] for e in answers)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PracticeReview)) == 21
    fsrs = rules.make_scheduler()
    states = cards(app)
    for q in range(3):
        mine = [rules.Review(MONDAY + timedelta(days=i // 3, minutes=i), rules.Grade(
            3 if i % 4 else 1), 4000, answers[i]["id"]) for i in range(21) if i % 3 == q]
        expected = rules.replay(mine, card_id=0, scheduler=fsrs)
        got_state = states[q]
        assert (got_state.stability, got_state.due, got_state.reps, got_state.lapses) == (
            expected.stability, expected.due, expected.reps, expected.lapses)


def test_a_lesson_paused_half_way_stays_on_offer_and_a_done_day_offers_an_extra_round(app, org):
    api = setup(app)
    start = rules.day_start(rules.local_day(clock.now(), "UTC"), "UTC")  # today, any hour
    sync(api, answer(0, at=start))  # one question of three, then the phone went away
    practice = api.get("/api/v1/bootstrap").get_json()["practice"]
    lessons = [e for d in practice["days"] for e in d["entries"] if e["kind"] == "lesson"]
    assert [e["item_key"] for e in lessons] == ["till-safety"]
    assert next(iter(practice["progress"].values()))["started"] == 1
    sync(api, answer(1, at=start + timedelta(minutes=1)),
         answer(2, at=start + timedelta(minutes=2)),
         event("lesson.completed", {"item": "till-safety", "revision": 1},
               start + timedelta(minutes=3)))
    practice = api.get("/api/v1/bootstrap").get_json()["practice"]
    assert practice["days"][0]["entries"] == []  # nothing due today: the day is done
    # The three questions, none due yet, can be practised again as an extra round.
    extra = practice["extra"]
    assert sorted((e["item_key"], e["question"], e["revision"]) for e in extra) == [
        ("till-safety", q, 1) for q in range(3)]
    assert {f"till-safety:{q}" for q in range(3)} <= set(practice["cards"])
    assert "till-safety" in practice["lessons"]
