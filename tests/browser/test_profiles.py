"""An author publishes a new version after accepting a learner's feedback; the learner
sees the reply and what changed. Chromium at 390x844, two phones."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pwa.extensions import db
from pwa.models import Person
from tests.browser.harness import enrol, open_phone
from tests.factories import make_invite, publish_profile

pytestmark = pytest.mark.browser


def test_author_answers_feedback_and_publishes_learner_sees_it(browser, live_server, org):
    server = live_server
    author_id = publish_profile(server.app)

    learner = open_phone(browser)
    enrol(learner, server, "Ana Ruiz")
    page = learner.page
    page.get_by_role("link", name="What doing it well looks like").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Store associate"
    expect(page.get_by_text("Written by Grace Okafor")).to_be_visible()
    page.get_by_text("Using the tills", exact=True).click()  # open the competency
    learner.shot("10-profile")
    page.locator("#c-tills").get_by_role("link", name="Suggest a change").click()
    page.get_by_label("Outdated").check()
    page.get_by_label("Tell the authors").fill("Half our tills are self-checkouts now.")
    page.get_by_role("button", name="Send to the authors").click()
    expect(page.get_by_text("Waiting for the authors")).to_be_visible()
    learner.shot("11-feedback-sent")

    author = open_phone(browser)
    a = author.page
    a.goto(f"{server.url}/enrol/{make_invite(server.app, author_id)}")
    a.get_by_role("button", name="Create my passkey").click()
    a.wait_for_url(f"{server.url}/")
    a.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    a.get_by_role("link", name="Profiles you write").click()
    a.get_by_role("link", name="Store associate").click()
    card = a.locator("article", has_text="Half our tills are self-checkouts now.")
    card.get_by_label("Reply to the learner").fill("Thanks: version 2 covers self-checkouts.")
    card.get_by_role("button", name="Accept into the draft").click()
    expect(a.get_by_text("Accepted and linked to the draft.")).to_be_visible()
    a.get_by_role("link", name="Continue the draft").click()
    a.get_by_role("link", name="Edit Using the tills").click()
    a.get_by_label("Name").fill("Using tills and self-checkouts")
    a.get_by_label("Level 3", exact=False).first.fill(
        "Runs a till or a bank of self-checkouts alone, including refunds and age checks.")
    a.get_by_label("Target level for the role").select_option("3")
    author.shot("12-edit-competency")
    a.get_by_role("button", name="Save to the draft").click()
    expect(a.get_by_text("Saved “Using tills and self-checkouts”.")).to_be_visible()
    author.shot("13-draft")
    a.get_by_label("What changed, for learners to read").fill(
        "Self-checkouts are part of the tills competency now, with a higher target.")
    a.get_by_role("button", name="Publish").click()
    expect(a.get_by_text("Version 2 is published")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Your feedback").click()
    expect(page.get_by_text("Thanks: version 2 covers self-checkouts.")).to_be_visible()
    learner.shot("14-feedback-answered")
    page.get_by_role("link", name="version 2").click()
    assert page.get_by_role("heading", level=1).inner_text() == "What changed in version 2"
    expect(page.get_by_text("Target level: was 2 → 3")).to_be_visible()  # "was" for screen readers
    expect(page.get_by_text("Using tills and self-checkouts").first).to_be_visible()
    learner.shot("15-what-changed")
    assert learner.csp_violations() == [] and author.csp_violations() == []
    with server.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 2
    learner.context.close()
    author.context.close()
