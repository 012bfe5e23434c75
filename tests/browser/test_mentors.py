"""Peer mentors at phone size: an offer, a suggestion, a request made offline, an answer."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pwa import clock
from pwa.extensions import db
from pwa.models import MentorRequest, Person, PlanSettings
from pwa.store import mentors
from pwa.sync import ingest
from tests.browser.harness import enrol, open_phone, wait_for_app
from tests.factories import (
    PICKER_COMPS,
    make_person,
    mentor_offer,
    picker_rating,
    publish_profile,
)

pytestmark = pytest.mark.browser


def rated(app, name, level):
    """A rating of the scanner sent through the sync path, as the phone would."""
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.display_name == name))
        event = picker_rating(level, at=clock.now().isoformat())
        assert ingest.ingest(person, [event], clock.now()).accepted
        db.session.commit()


def rated_and_assigned(app, name, level):
    """A rating through the sync path, then the organisation's mentors assigned again."""
    rated(app, name, level)
    with app.app_context():
        org_id = db.session.scalar(sa.select(Person.organisation_id).limit(1))
        found = mentors.reassign(org_id, clock.now())
        db.session.commit()
    return found


def plan_page(phone, live_server):
    """The plan, loaded again once the app is installed (so it shows what the server holds)."""
    page = phone.page
    page.goto(f"{live_server.url}/app#/plan")
    wait_for_app(page)
    page.reload()
    page.get_by_role("heading", name="Your plan").wait_for()
    return page


def test_an_offer_a_suggestion_a_request_offline_and_an_answer(browser, live_server, org):
    app = live_server.app
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=PICKER_COMPS)
    marcus = open_phone(browser)
    enrol(marcus, live_server, "Marcus Johnson", role="warehouse-picker")
    rated(app, "Marcus Johnson", 4)
    page = marcus.page
    page.goto(f"{live_server.url}/app#/mentoring")
    wait_for_app(page)
    page.reload()
    page.get_by_role("heading", name="Mentoring").wait_for()
    page.get_by_label("Using the scanner").check()
    page.get_by_label("When you are available").fill("Weekday mornings")
    page.get_by_label("How a mentee reaches you once you accept").fill("Goods-in desk")
    page.get_by_role("button", name="Offer to mentor").click()
    page.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)
    marcus.shot("60-mentor-offer")

    lucia = open_phone(browser)
    enrol(lucia, live_server, "Lucia Fernandez", role="warehouse-picker")
    assert rated_and_assigned(app, "Lucia Fernandez", 2) == 1
    lp = plan_page(lucia, live_server)
    expect(lp.get_by_text("No course for this yet — learn from a colleague")).to_be_visible()
    expect(lp.get_by_text("Marcus Johnson offers help with Using the scanner")).to_be_visible()
    lucia.shot("61-plan-suggested-mentor")
    lucia.context.set_offline(True)
    lp.get_by_role("button", name="Ask Marcus Johnson").click()
    lp.get_by_label("How Marcus Johnson can reach you once they accept").fill("Locker 12")
    share = lp.get_by_label("Share my rating for this with Marcus Johnson")
    expect(share).not_to_be_checked()
    lp.get_by_role("button", name="Send the request").click()
    expect(lp.get_by_text("Asked — waiting for Marcus Johnson")).to_be_visible()
    lucia.shot("62-asked-offline")
    lucia.context.set_offline(False)
    lp.evaluate("window.dispatchEvent(new Event('online'))")
    lp.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)
    with app.app_context():
        assert db.session.scalars(sa.select(MentorRequest.status)).all() == ["pending"]

    again = open_phone(browser)  # Marcus on a second phone: a third browser context
    enrol(again, live_server, "Marcus Johnson", role="warehouse-picker", device="Tablet")
    mp = again.page
    mp.goto(f"{live_server.url}/app#/mentoring")
    wait_for_app(mp)
    mp.reload()
    expect(mp.get_by_text("Lucia Fernandez asks for help with Using the scanner")).to_be_visible()
    expect(mp.get_by_text("shared their rating")).to_have_count(0)
    mp.get_by_role("button", name="Accept").click()
    # "All saved" was already showing before the tap: wait for the server to have the answer.
    for _ in range(150):
        with app.app_context():
            if db.session.scalars(sa.select(MentorRequest.status)).all() == ["accepted"]:
                break
        mp.wait_for_timeout(100)
    mp.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)
    mp.reload()
    expect(mp.get_by_text("Reach them: Locker 12")).to_be_visible()
    again.shot("63-mentor-accepted")

    lp.reload()
    lp.get_by_role("heading", name="Your plan").wait_for()
    expect(lp.get_by_text("Marcus Johnson accepted. Reach them: Goods-in desk")).to_be_visible()
    lucia.shot("64-plan-accepted")
    for phone in (marcus, lucia, again):
        assert [c for c in phone.console if "error" in c.lower()] == []
        phone.context.close()


def offers(app, name, languages):
    """``name``, a picker, rated the scanner 4 and offers help with it in ``languages``."""
    make_person(app, name, "warehouse-picker")
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.display_name == name))
        now = clock.now().isoformat()
        events = [picker_rating(4, at=now), mentor_offer(languages=languages, at=now)]
        assert len(ingest.ingest(person, events, clock.now()).accepted) == 2
        db.session.commit()


def test_languages_to_learn_in_set_offline_kept_and_matched(browser, live_server, org):
    app = live_server.app
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=PICKER_COMPS)
    offers(app, "Marcus Johnson", ["en"])
    offers(app, "Elena Petrova", ["es-MX"])
    lucia = open_phone(browser)
    enrol(lucia, live_server, "Lucia Fernandez", role="warehouse-picker")
    rated_and_assigned(app, "Lucia Fernandez", 2)
    page = plan_page(lucia, live_server)
    # Until she says, her locale's language and the app's: English, so Marcus.
    expect(page.get_by_text("Marcus Johnson offers help with Using the scanner")).to_be_visible()

    lucia.context.set_offline(True)
    page.get_by_text("Your time, formats, languages and interests").click()
    expect(page.get_by_text("Until you save your own, we guess from your language setting: "
                            "English.")).to_be_visible()
    first = page.get_by_label("The language you learn best in")
    expect(first).to_have_value("en")
    first.select_option(label="Spanish")
    expect(page.get_by_label("Spanish", exact=True)).to_be_hidden()  # in the list already
    page.get_by_label("English", exact=True).uncheck()
    page.get_by_text("19 more languages").click()
    page.get_by_label("Romanian").check()
    other = page.get_by_label("Another language")
    other.fill("Portuguese")
    page.get_by_role("button", name="Save", exact=True).click()
    assert other.evaluate("(input) => input.validationMessage") == (
        "“Portuguese” is not a language code such as en, es or pt-BR.")
    other.fill("pt-br")
    page.get_by_role("button", name="Save", exact=True).click()
    said = ("A colleague suggested to help you speaks at least one of these: Spanish, Romanian, "
            "and Brazilian Portuguese.")
    expect(page.get_by_text(said)).to_be_visible()
    # Offline already, Marcus (English only) is no longer offered; Elena comes with the sync.
    expect(page.get_by_text("Marcus Johnson offers help with Using the scanner")).to_have_count(0)
    expect(page.get_by_text("Nobody offers help with this yet.", exact=False)).to_be_visible()
    lucia.shot("65-languages-offline")

    def kept():
        page.get_by_role("heading", name="Your plan").wait_for()
        page.get_by_text("Your time, formats, languages and interests").click()
        expect(page.get_by_text(said)).to_be_visible()
        expect(page.get_by_label("The language you learn best in")).to_have_value("es")
        expect(page.get_by_label("Brazilian Portuguese")).to_be_checked()
        expect(page.get_by_label("Romanian")).to_be_checked()
        expect(page.get_by_label("English", exact=True)).not_to_be_checked()

    page.reload()  # offline: the shell from the service worker, the change from the outbox
    kept()
    lucia.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)
    with app.app_context():
        assert db.session.scalars(sa.select(PlanSettings.languages)).all() == [
            ["es", "ro", "pt-BR"]]
    page.reload()
    kept()
    # The assignment ran after the sync: Elena speaks Spanish; Marcus, English only, no more.
    expect(page.get_by_text("Elena Petrova offers help with Using the scanner")).to_be_visible()
    expect(page.get_by_text("Marcus Johnson offers help with Using the scanner")).to_have_count(0)
    expect(page.get_by_text("Speaks: Mexican Spanish")).to_be_visible()
    lucia.shot("66-languages-synced")
    assert [c for c in lucia.console if "error" in c.lower()] == []
    assert lucia.csp_violations() == []
    lucia.context.close()
