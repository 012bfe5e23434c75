"""The extra round at phone size: a learner with nothing due today is told so kindly and may
go over a few questions anyway; she does, offline, and the answers sync once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from engine import practice as rules
from pwa import clock
from pwa.extensions import db
from pwa.models import Event, Organisation, Person, PracticeCard, PracticeReview
from pwa.store import catalogue
from pwa.sync import bootstrap
from tests.browser.harness import COMPS, enrol, open_phone, wait_for_app
from tests.factories import ITEM_BASE, practise, publish_profile

pytestmark = pytest.mark.browser

# The first option of each question is the right one (tests.factories.practise answers so).
TILLS = {**ITEM_BASE, "title": "The till in three minutes", "format": "micro_lesson",
         "duration_minutes": 3, "level_from": 1, "level_to": 2, "offline": True,
         "summary": "Scan, pay, count back.", "competencies": ["store-associate/tills"],
         "cards": [{"text": "Scan every item before you take payment."},
                   {"text": "Count the change back into the customer's hand."}],
         "questions": [
             {"kind": "single_choice", "prompt": "When do you take payment?",
              "options": ["After every item is scanned", "Before scanning"], "correct": [0],
              "explanation": "Scan first: then the total is right."},
             {"kind": "single_choice", "prompt": "How do you give change?",
              "options": ["Counted back into the hand", "In one go on the counter"],
              "correct": [0], "explanation": "Counted back: both of you see it is right."},
             {"kind": "true_false", "prompt": "A void needs a manager's key.",
              "options": ["True", "False"], "correct": [0],
              "explanation": "Every void is checked by a manager."}]}
FITS = "() => document.scrollingElement.scrollWidth <= innerWidth"


def went_through_the_lesson_yesterday(app: Any) -> str:
    """The tills lesson (a month old); Ana went through it yesterday morning, every answer
    right: each question is next due in a few days, so nothing is due today."""
    publish_profile(app, comps=COMPS)
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        key: str = catalogue.save(org_id, TILLS, by=None,
                                  now=clock.now() - timedelta(days=30)).item.key
        db.session.commit()
    # Yesterday, by Ana's day (UTC): whatever the hour of the run.
    morning = rules.day_start(rules.local_day(clock.now(), "UTC"), "UTC") - timedelta(hours=15)
    practise(app, "Ana Ruiz", key, [(q, True, morning + timedelta(minutes=q)) for q in range(3)],
             completed=morning + timedelta(minutes=4))
    return key


def test_nothing_due_offers_an_extra_round_done_offline_and_synced(browser, live_server, org):
    app = live_server.app
    key = went_through_the_lesson_yesterday(app)
    with app.app_context():  # what the server gives her phone: an empty day and an extra round
        ana = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
        practice = bootstrap.bundle(ana)["practice"]
        assert practice["days"][0]["entries"] == [] and practice["today"]["answered"] == 0
        assert [(e["item_key"], e["question"]) for e in practice["extra"]] == [
            (key, q) for q in range(3)]

    phone = open_phone(browser)
    page = phone.page
    enrol(phone, live_server, "Ana Ruiz")
    # Home says the same, server-side: nothing due, and the extra round if she likes.
    expect(page.get_by_text("Nothing is due today. Enjoy your day.")).to_be_visible()
    expect(page.get_by_role("link", name="Practise a few questions anyway")).to_have_attribute(
        "href", "/app#/practice")
    page.goto(f"{live_server.url}/app")
    wait_for_app(page)
    page.get_by_role("link", name="Practice", exact=True).click()
    page.get_by_role("heading", name="Today’s practice").wait_for()
    expect(page.get_by_text("Nothing is due today. Enjoy your day.")).to_be_visible()
    expect(page.get_by_text("If you like, you can go over a few questions you started. "
                            "It is up to you.")).to_be_visible()
    expect(page.get_by_text("Next practice:")).to_be_visible()  # the questions, in a few days
    extra = page.get_by_role("link", name="Practise a few questions anyway")
    expect(extra).to_be_visible()
    expect(page.get_by_role("link", name="Start")).to_have_count(0)  # nothing is asked of her
    phone.shot("96-practice-nothing-due")
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate(FITS)
    phone.shot("96-practice-nothing-due-320")
    page.set_viewport_size({"width": 390, "height": 844})

    # On the bus, without signal: the extra round's questions are on the phone.
    phone.context.set_offline(True)
    extra.click()
    expect(page.get_by_text("Question 1 of 3")).to_be_visible()
    expect(page.get_by_text("When do you take payment?")).to_be_visible()
    expect(page.get_by_text("Card 1 of 2")).to_have_count(0)  # reviews: no cards first
    page.get_by_label("After every item is scanned", exact=True).check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_text("Right", exact=True)).to_be_visible()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Question 2 of 3")).to_be_visible()
    page.get_by_label("In one go on the counter", exact=True).check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_text("Not quite")).to_be_visible()
    expect(page.get_by_text("The answer: Counted back into the hand")).to_be_visible()
    phone.shot("97-practice-extra-question")
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate(FITS)
    phone.shot("97-practice-extra-question-320")
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Question 3 of 3")).to_be_visible()
    page.get_by_label("True", exact=True).check()
    page.get_by_role("button", name="Check my answer").click()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Done", exact=True)).to_be_visible()
    expect(page.get_by_text("You answered 3 questions. Well done.")).to_be_visible()
    phone.shot("98-practice-extra-done")
    page.get_by_role("link", name="Back to your practice").click()
    expect(page.get_by_text("Done for today: you answered 3 questions.")).to_be_visible()
    expect(page.get_by_role("link", name="Practise a few questions anyway")).to_have_count(0)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PracticeReview)) == 3

    phone.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)
    with app.app_context():
        answers = db.session.execute(
            sa.select(PracticeReview.question, PracticeReview.correct, PracticeReview.grade)
            .order_by(PracticeReview.occurred_at)).all()
        assert [(q, right) for q, right, _ in answers[3:]] == [(0, True), (1, False), (2, True)]
        assert all((grade == 1) == (not right) for _, right, grade in answers)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(
            Event.type == "card.reviewed")) == 6
        # Each question has its two answers now: yesterday's and this one.
        assert sorted(db.session.execute(sa.select(PracticeCard.question, PracticeCard.reps))
                      .all()) == [(0, 2), (1, 2), (2, 2)]
    page.reload()  # the server's day now: done, and counted in this week
    expect(page.get_by_text("Done for today: you answered 3 questions.")).to_be_visible()
    phone.shot("99-practice-extra-synced")
    assert phone.csp_violations() == []
    phone.context.close()
