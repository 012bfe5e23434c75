"""An L&D admin reads the reports at phone size (Chromium at 390x844) in the demo organisation,
from its first release: scanner systems is a curriculum gap, every number reads "about N
(±M)" or "too few people to show", and the page says what a release is."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pwa import demo
from pwa.extensions import db
from tests.browser.harness import enrol

pytestmark = pytest.mark.browser
RELEASED = re.compile(r"^(about [\d,]+ \(±[\d,]+\)|too few people to show"
                      r"|Too few people in this group to show any of its numbers\.)$")
FIGURE = ".priority-assessed, .priority-withheld"  # a withheld group has one sentence


def test_ld_admin_sees_gaps_priorities_and_the_case_at_phone_size(phone, live_server):
    server = live_server
    with server.app.app_context():
        demo.seed()
        db.session.commit()
    enrol(phone, server, demo.LD_ADMIN[0], role=demo.LD_ADMIN[1], ld_admin=True)
    page = phone.page
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(nav.get_by_role("link", name="Account")).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name="Curriculum gaps").click()
    scanner = page.locator("li.gap[data-competency='scanner-systems']")
    expect(scanner).to_contain_text("Using the scanner and warehouse system")
    expect(scanner.locator(".gap-learners")).to_have_text(RELEASED)
    expect(scanner).to_contain_text("mentors available")  # Marcus and Elena offer help
    phone.shot("60-curriculum-gaps")
    scanner.get_by_role("link", name="Add a learning item for it").click()
    expect(page.locator("input[value='warehouse-picker/scanner-systems']")).to_be_checked()

    page.goto(f"{server.url}/reports")
    page.get_by_role("listitem").filter(has_text="Shift lead") \
        .get_by_role("link", name="Priorities").click()
    cards = page.locator("li.priority")  # a phone shows a card per competency, not the table
    expect(cards).to_have_count(8)
    expect(cards.first.locator(FIGURE)).to_have_text(RELEASED)
    expect(page.locator(".release-note")).to_contain_text("These numbers come from the release")
    phone.shot("61-priorities-shift-lead")

    page.goto(f"{server.url}/reports/priorities/store-associate")
    page.get_by_label("Future role").select_option(label="Shift lead")
    page.get_by_role("button", name="Show").click()
    expect(cards.first.locator(FIGURE)).to_have_text(RELEASED)
    page.get_by_label("Future role").select_option(label="Everyone")
    page.get_by_label("Site").select_option(label=demo.HIGH_STREET)
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"site=High"))
    expect(cards.first.locator(FIGURE)).to_have_text(RELEASED)
    # A small group's levels: the noise is as wide as the count, so they are withheld.
    expect(page.locator(".priority-cards")).to_contain_text(re.compile("[Tt]oo few people"))
    page.get_by_label("Site").select_option(label="All sites")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("figure.chart svg rect.bar").first).to_be_visible()
    phone.shot("62-priorities-store-associate")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways: {width}px"

    page.goto(f"{server.url}/reports/case/warehouse-picker")
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_visible()
    expect(page.locator(".case-learners")).to_have_text(RELEASED)
    expect(page.locator(".case-uncovered")).to_have_text(RELEASED)
    phone.shot("63-case-for-leaders")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_hidden()
    assert phone.csp_violations() == []
