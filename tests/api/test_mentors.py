"""Peer mentors through sync and the API: offers, requests, answers, places, and who sees what."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta

import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import MentorOffer, MentorRequest, MentorSuggestion, Person, QuarantinedEvent
from tests.factories import PICKER_COMPS as PICKER
from tests.factories import RECENT_MORNING, publish_profile, sign_in_as
from tests.factories import person_named as person_id

MONDAY = RECENT_MORNING


def event(type_, data, at=MONDAY):
    return {"id": str(uuid.uuid4()), "type": type_, "schema": 1,
            "occurred_at": at.isoformat().replace("+00:00", "Z"), "device_id": "phone-1",
            "data": data}


def rate(level, competency="scan", at=MONDAY):
    return event("rating.set", {"role": "warehouse-picker", "competency": competency,
                                "version": 1, "level": level, "note": None}, at)


def offer(competencies=("scan",), at=MONDAY + timedelta(minutes=1), **kw):
    return event("mentor.offer.changed", {"competencies": list(competencies),
                                          "languages": ["en"], "availability": "Mornings",
                                          "contact": "Desk 4, goods-in", **kw}, at)


def ask(mentor, competency="scan", share=False, request_id=None, **kw):
    return event("mentor.requested", {"id": request_id or str(uuid.uuid4()), "mentor": mentor,
                                      "competency": competency, "message": "Help with codes?",
                                      "contact": "Locker 12", "share_level": share, **kw},
                 MONDAY + timedelta(minutes=5))


def sync(api, *events):
    answer = api.post("/api/v1/sync", {"events": list(events)})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def refused(api, *events):
    body = sync(api, *events)
    assert body["accepted"] == [], body
    return [(r["code"], r["message"]) for r in body["refused"]]


def mine(api):
    answer = api.get("/api/v1/mentors")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    return answer.get_json()["mentoring"]


def picker(app, name, *events):
    api = sign_in_as(app, name, "warehouse-picker")
    if events:
        sync(api, *events)
    return api


def mentor_and_learner(app, capacity=2):
    """Marcus (scanner 4 of 3) offers help; Lucia (scanner 2 of 3) has a gap no item covers."""
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=PICKER)
    marcus = picker(app, "Marcus Johnson", rate(4), offer(capacity=capacity))
    lucia = picker(app, "Lucia Fernandez", rate(2))
    return marcus, lucia, person_id(app, "Marcus Johnson")


def test_a_mentor_is_suggested_for_a_gap_no_item_covers_and_the_request_runs_its_course(app, org):
    marcus, lucia, marcus_id = mentor_and_learner(app)
    seen = mine(lucia)
    assert seen["suggested"] == [{
        "competency": "scan", "competency_name": "Using the scanner", "competency_lang": None,
        "mentor": marcus_id,
        "name": "Marcus Johnson", "role": "Warehouse picker", "site": None, "languages": ["en"],
        "availability": "Mornings", "offers": ["Using the scanner"]}]
    assert mine(marcus)["offer"] == {"status": "active", "capacity": 2, "load": 0,
                                     "languages": ["en"], "availability": "Mornings",
                                     "contact": "Desk 4, goods-in", "competencies": ["scan"]}
    request_id = str(uuid.uuid4())
    sync(lucia, ask(marcus_id, share=True, request_id=request_id))
    sent = mine(lucia)["sent"]
    assert [(s["mentor_name"], s["status"], s["contact"], s["shared"]) for s in sent] == [
        ("Marcus Johnson", "pending", None, True)]
    received = mine(marcus)["received"]
    assert [(r["learner_name"], r["message"], r["shared_level"], r["contact"], r["status"])
            for r in received] == [("Lucia Fernandez", "Help with codes?", 2, None, "pending")]
    assert mine(marcus)["offer"]["load"] == 1
    # The gap a request holds is not suggested again.
    assert mine(lucia)["suggested"] == []
    sync(marcus, event("mentor.request.answered", {"id": request_id, "answer": "accepted"},
                       MONDAY + timedelta(hours=1)))
    assert mine(lucia)["sent"][0]["contact"] == "Desk 4, goods-in"
    assert mine(marcus)["received"][0]["contact"] == "Locker 12"
    sync(lucia, event("mentor.request.ended", {"id": request_id}, MONDAY + timedelta(days=9)))
    assert mine(lucia)["sent"][0]["status"] == "ended"
    assert mine(marcus)["offer"]["load"] == 0


def test_the_rating_is_shared_only_when_the_learner_chose_to(app, org):
    marcus, lucia, marcus_id = mentor_and_learner(app)
    sync(lucia, ask(marcus_id))
    assert mine(marcus)["received"][0]["shared_level"] is None


def test_an_offer_below_target_is_refused_without_a_number(app, org):
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=PICKER)
    api = picker(app, "Kwame Mensah", rate(2))
    [(code, message)] = refused(api, offer())
    assert code == "below_target"
    assert "Using the scanner" in message and not any(c.isdigit() for c in message)
    [(code, _)] = refused(api, offer(("forklift",)))
    assert code == "unknown_competency"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuarantinedEvent)) == 2
        assert db.session.get(MentorOffer, person_id(app, "Kwame Mensah")) is None


def test_a_rating_and_an_offer_in_one_batch_are_judged_in_order(app, org):
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=PICKER)
    api = picker(app, "Kwame Mensah")
    assert len(sync(api, rate(3), offer())["accepted"]) == 2


def test_capacity_zero_or_a_thousand_is_refused(app, org):
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=PICKER)
    api = picker(app, "Marcus Johnson", rate(4))
    for capacity in (0, 1000):
        assert refused(api, offer(capacity=capacity)) == [
            ("invalid_capacity", "You can mentor from 1 to 10 people at once.")]


def test_requests_to_oneself_a_paused_mentor_or_an_unoffered_competency_are_refused(app, org):
    marcus, lucia, marcus_id = mentor_and_learner(app)
    assert refused(marcus, ask(marcus_id))[0][0] == "not_yourself"
    assert refused(lucia, ask(marcus_id, "pick"))[0][0] == "not_offered"
    assert refused(lucia, ask(person_id(app, "Wes Moyo")))[0][0] == "not_a_mentor"
    sync(marcus, offer(status="paused", at=MONDAY + timedelta(minutes=2)))
    [(code, message)] = refused(lucia, ask(marcus_id))
    assert code == "mentor_paused" and "Marcus Johnson has paused" in message
    assert mine(lucia)["suggested"] == []  # a paused mentor is suggested to nobody


def test_beyond_capacity_a_request_is_kept_as_full_and_a_decline_gives_the_place_back(app, org):
    marcus, lucia, marcus_id = mentor_and_learner(app, capacity=1)
    priya = picker(app, "Priya Shah", rate(1))
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    sync(lucia, ask(marcus_id, request_id=first))
    assert len(sync(priya, ask(marcus_id, request_id=second))["accepted"]) == 1
    assert [s["status"] for s in mine(priya)["sent"]] == ["full"]
    # A request that found no place never reached the mentor.
    assert [r["id"] for r in mine(marcus)["received"]] == [first]
    # Declined: Lucia alone learns it; the place is free again.
    sync(marcus, event("mentor.request.answered", {"id": first, "answer": "declined"},
                       MONDAY + timedelta(hours=1)))
    assert mine(lucia)["sent"][0]["status"] == "declined"
    assert mine(marcus)["offer"]["load"] == 0
    assert refused(marcus, event("mentor.request.answered", {"id": first, "answer": "accepted"},
                                 MONDAY + timedelta(hours=2)))[0][0] == "not_pending"
    third = str(uuid.uuid4())
    sync(priya, ask(marcus_id, request_id=third))
    assert mine(marcus)["offer"]["load"] == 1
    # A learner ending a waiting request withdraws it, in the same batch or later.
    sync(priya, event("mentor.request.ended", {"id": third}, MONDAY + timedelta(hours=3)))
    assert sorted(s["status"] for s in mine(priya)["sent"]) == ["full", "withdrawn"]
    assert mine(marcus)["offer"]["load"] == 0
    fourth = str(uuid.uuid4())
    sync(priya, ask(marcus_id, "scan", request_id=fourth),
         event("mentor.request.ended", {"id": fourth}, MONDAY + timedelta(hours=4)))
    assert sorted(s["status"] for s in mine(priya)["sent"]) == ["full", "withdrawn", "withdrawn"]
    assert mine(marcus)["offer"]["load"] == 0


def test_a_learner_who_deletes_her_account_gives_her_mentors_place_back(app, org):
    """Her requests go with her account; the places they held must come free with them,
    or the mentor stays full for good and nobody is suggested to them again."""
    marcus, lucia, marcus_id = mentor_and_learner(app, capacity=1)
    waiting, accepted = str(uuid.uuid4()), str(uuid.uuid4())
    sync(lucia, ask(marcus_id, request_id=accepted))
    sync(marcus, event("mentor.request.answered", {"id": accepted, "answer": "accepted"},
                       MONDAY + timedelta(hours=1)))
    priya = picker(app, "Priya Shah", rate(1))
    sync(priya, ask(marcus_id, request_id=waiting))
    assert [s["status"] for s in mine(priya)["sent"]] == ["full"]
    assert mine(marcus)["offer"]["load"] == 1
    assert lucia.delete("/api/v1/me").status_code == 200
    assert mine(marcus)["offer"]["load"] == 0
    assert mine(marcus)["received"] == []
    third = str(uuid.uuid4())
    sync(priya, ask(marcus_id, request_id=third))
    assert [s["status"] for s in mine(priya)["sent"] if s["id"] == third] == ["pending"]


def test_a_mentor_who_deletes_his_account_is_replaced_in_the_suggestions_at_once(app, org):
    """His suggestions go with his account; the mentor assignment is asked for, so the
    learner is suggested another mentor with room, not left without one until a sync of
    someone else (or the night) runs it."""
    marcus, lucia, marcus_id = mentor_and_learner(app)
    picker(app, "Omar Haddad", rate(4), offer())
    omar_id = person_id(app, "Omar Haddad")
    assert [s["mentor"] for s in mine(lucia)["suggested"]] == [marcus_id]
    assert marcus.delete("/api/v1/me").status_code == 200
    assert [s["mentor"] for s in mine(lucia)["suggested"]] == [omar_id]


def test_only_the_mentor_answers_and_only_the_two_of_them_end_it(app, org):
    marcus, lucia, marcus_id = mentor_and_learner(app)
    priya = picker(app, "Priya Shah", rate(1))
    request_id = str(uuid.uuid4())
    sync(lucia, ask(marcus_id, request_id=request_id))
    answer = event("mentor.request.answered", {"id": request_id, "answer": "accepted"})
    assert refused(lucia, answer)[0][0] == "unknown_request"
    assert refused(priya, event("mentor.request.ended", {"id": request_id}))[0][0] == \
        "unknown_request"
    assert refused(marcus, event("mentor.request.ended", {"id": request_id}))[0][0] == \
        "answer_first"
    assert refused(lucia, ask(marcus_id))[0][0] == "already_asked"


def test_a_learner_can_turn_suggestions_off(app, org):
    marcus, lucia, marcus_id = mentor_and_learner(app)
    assert mine(lucia)["suggested"] != []
    sync(lucia, event("plan.settings.changed", {"weekly_minutes": 60, "formats": [],
                                                "mentor_suggestions": False},
                      MONDAY + timedelta(minutes=9)))
    assert mine(lucia)["suggested"] == [] and mine(lucia)["suggestions_on"] is False
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MentorSuggestion)) == 0
    # A later change of minutes alone leaves the choice as it was.
    sync(lucia, event("plan.settings.changed", {"weekly_minutes": 90, "formats": []},
                      MONDAY + timedelta(minutes=10)))
    assert lucia.get("/api/v1/plan").get_json()["plan"]["settings"]["mentor_suggestions"] is False


def test_neither_side_sees_the_other_ones_rating(app, org):
    marcus, lucia, marcus_id = mentor_and_learner(app)
    sync(lucia, ask(marcus_id))

    def levels(value, path=""):
        if isinstance(value, dict):
            return [x for k, v in value.items() for x in levels(v, f"{path}.{k}")]
        if isinstance(value, list):
            return [x for v in value for x in levels(v, path)]
        return [path] if "level" in path else []

    assert levels(mine(lucia)) == []
    assert set(levels(mine(marcus))) == {".received.shared_level"}
    assert mine(marcus)["received"][0]["shared_level"] is None


def test_two_requests_racing_for_the_last_place_one_wins(app, org):
    marcus, lucia, marcus_id = mentor_and_learner(app, capacity=1)
    priya = picker(app, "Priya Shah", rate(1))
    start, answers = threading.Barrier(2), []

    def send(api):
        start.wait()
        answers.append(api.post("/api/v1/sync", {"events": [ask(marcus_id)]}))

    threads = [threading.Thread(target=send, args=(api,)) for api in (lucia, priya)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200, 200], [a.get_json() for a in answers]
    with app.app_context():
        statuses = sorted(db.session.scalars(sa.select(MentorRequest.status)))
        assert statuses == ["full", "pending"]
        assert db.session.get(MentorOffer, marcus_id).load == 1
    assert sorted(s["status"] for api in (lucia, priya) for s in mine(api)["sent"]) == [
        "full", "pending"]


def test_the_mentors_route_needs_a_signed_in_person(client):
    answer = client.get("/api/v1/mentors")
    assert answer.status_code == 401 and answer.get_json()["error"] == "sign_in_required"


def test_a_mentor_who_stops_declines_what_waits_and_keeps_accepted_mentees(app, org):
    marcus, lucia, marcus_id = mentor_and_learner(app, capacity=3)
    priya = picker(app, "Priya Shah", rate(1))
    accepted, waiting = str(uuid.uuid4()), str(uuid.uuid4())
    sync(lucia, ask(marcus_id, request_id=accepted))
    sync(priya, ask(marcus_id, request_id=waiting))
    sync(marcus, event("mentor.request.answered", {"id": accepted, "answer": "accepted"},
                       MONDAY + timedelta(hours=1)))
    assert mine(marcus)["offer"]["load"] == 2
    sync(marcus, offer(status="left", capacity=3, at=MONDAY + timedelta(hours=2)))
    assert mine(priya)["sent"][0]["status"] == "declined"
    assert mine(lucia)["sent"][0]["status"] == "accepted"
    assert mine(marcus)["offer"]["load"] == 1
    # Nobody can ask a mentor who left.
    assert refused(lucia, ask(marcus_id))[0][0]


# The languages a learner can learn in ----------------------------------------------------------

def settings(languages=None, at=MONDAY + timedelta(minutes=9), **kw):
    """``plan.settings.changed``; ``languages`` left out when None (as an older phone sends it)."""
    data = {"weekly_minutes": 60, "formats": [], **kw}
    if languages is not None:
        data["languages"] = languages
    return event("plan.settings.changed", data, at)


def suggested_names(api):
    return [s["name"] for s in mine(api)["suggested"]]


def test_a_learner_who_lists_only_spanish_is_sent_a_spanish_speaker_not_an_english_only_one(
        app, org):
    marcus, lucia, _ = mentor_and_learner(app)  # Marcus speaks English only
    assert suggested_names(lucia) == ["Marcus Johnson"]  # the guess: her locale's, English
    assert mine(lucia)["learning_languages"] == ["en"]
    sync(lucia, settings(["es"]))
    assert suggested_names(lucia) == []  # nobody shares Spanish yet
    assert mine(lucia)["learning_languages"] == ["es"]
    picker(app, "Elena Petrova", rate(4), offer(languages=["es-MX"]))
    assert suggested_names(lucia) == ["Elena Petrova"]
    assert mine(lucia)["suggested"][0]["languages"] == ["es-MX"]


def test_the_first_language_listed_is_the_learners_own_and_preferred(app, org):
    marcus, lucia, _ = mentor_and_learner(app)
    picker(app, "Elena Petrova", rate(4), offer(languages=["es"]))
    # Both speak one of hers, same role, no load: the one who speaks her first language.
    sync(lucia, settings(["es", "en"]))
    assert suggested_names(lucia) == ["Elena Petrova"]
    sync(lucia, settings(["en", "es"], at=MONDAY + timedelta(minutes=10)))
    assert suggested_names(lucia) == ["Marcus Johnson"]


def test_until_a_learner_says_the_guess_is_their_locale_the_app_and_their_own_offer(app, org):
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=PICKER)
    lucia = picker(app, "Lucia Fernandez", rate(4), offer(languages=["ro", "en"]))
    with app.app_context():
        db.session.get(Person, person_id(app, "Lucia Fernandez")).locale = "es-MX"
        db.session.commit()
    assert mine(lucia)["learning_languages"] == ["es", "en", "ro"]
    # Once she says, what she said is all there is: not English, not her offer's Romanian.
    sync(lucia, settings(["pt-br"]))
    assert mine(lucia)["learning_languages"] == ["pt-BR"]
    plan = lucia.get("/api/v1/plan").get_json()["plan"]
    assert plan["settings"]["languages"] == ["pt-BR"] and plan["options"]["max_languages"] == 10
    assert lucia.get("/api/v1/bootstrap").get_json()["plan"]["settings"]["languages"] == [
        "pt-BR"]


def test_an_older_phones_settings_keep_the_languages_and_an_empty_list_takes_them_back(
        app, org):
    marcus, lucia, _ = mentor_and_learner(app)
    sync(lucia, settings(["es"]))
    assert suggested_names(lucia) == []
    # An event from before languages existed (no field): applied, the languages kept.
    answer = sync(lucia, settings(at=MONDAY + timedelta(minutes=10), weekly_minutes=90))
    assert len(answer["accepted"]) == 1
    plan = lucia.get("/api/v1/plan").get_json()["plan"]
    assert (plan["settings"]["weekly_minutes"], plan["settings"]["languages"]) == (90, ["es"])
    assert suggested_names(lucia) == []
    # A late event (made before the one stored) does not override it.
    sync(lucia, settings(["en"], at=MONDAY + timedelta(minutes=1)))
    assert lucia.get("/api/v1/plan").get_json()["plan"]["settings"]["languages"] == ["es"]
    # An empty list: not said any more; the guess (English) finds Marcus again.
    sync(lucia, settings([], at=MONDAY + timedelta(minutes=11)))
    assert lucia.get("/api/v1/plan").get_json()["plan"]["settings"]["languages"] is None
    assert suggested_names(lucia) == ["Marcus Johnson"]


TAG = "'{}' is not a language tag such as 'en', 'es' or 'pt-BR'."
NO_TAG = "A language is a tag such as 'en', 'es' or 'pt-BR'."
LIST = "Languages you can learn in are a list of at most 10 languages."


def test_bad_languages_are_refused_with_a_reason_and_kept_never_dropped(app, org):
    marcus, lucia, _ = mentor_and_learner(app)
    sync(lucia, settings(["en"]))
    cases = [
        ("es", LIST), ({"first": "es"}, LIST), (17, LIST), (True, LIST),
        (["en", "es", "fr", "de", "it", "pt", "ro", "pl", "uk", "ar", "tr"], LIST),
        (["es", "ES"], "List each language once: 'es' is there twice."),
        (["Spanish"], TAG.format("Spanish")), (["es_ES"], TAG.format("es_ES")),
        (["español"], TAG.format("español")), (["ｅｓ"], TAG.format("ｅｓ")),
        (["es\u202e"], NO_TAG), (["\u200bes"], NO_TAG), (["es\n"], NO_TAG), ([""], NO_TAG),
        ([None], NO_TAG), ([5], NO_TAG), ([["es"]], NO_TAG),
        (["es-" + "x" * 50_000], "A language tag is at most 35 characters, such as 'en' or "
                                 "'pt-BR'."),
    ]
    for languages, message in cases:
        assert refused(lucia, settings(languages, at=MONDAY + timedelta(hours=1))) == [
            ("invalid_data", message)], languages
    # A NUL or a lone surrogate never reaches the rule: the envelope refuses it first.
    for odd in ("es\x00", "\ud800"):
        text = json.dumps({"events": [settings([odd], at=MONDAY + timedelta(hours=1))]})
        answer = lucia.client.post("/api/v1/sync", data=text, content_type="application/json",
                                   headers={"X-CSRFToken": lucia.csrf()}).get_json()
        assert answer["accepted"] == [] and len(answer["refused"]) == 1, answer
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuarantinedEvent)) == \
            len(cases) + 2
    # Nothing refused changed what was stored.
    assert lucia.get("/api/v1/plan").get_json()["plan"]["settings"]["languages"] == ["en"]
