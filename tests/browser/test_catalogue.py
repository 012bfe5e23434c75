"""An L&D admin at phone size filters the catalogue by role and format, searches it, and
retires an item through the confirmation page. Chromium at 390x844."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.harness import enrol
from tests.factories import seed_catalogue

pytestmark = pytest.mark.browser


def test_ld_admin_filters_searches_and_retires_at_phone_size(phone, live_server, org):
    server = live_server
    seed_catalogue(server.app)
    enrol(phone, server, "Priya N", ld_admin=True)
    page = phone.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Learning & development").click()
    page.get_by_role("link", name="Learning catalogue").click()
    rows = page.locator("li.row")
    expect(rows).to_have_count(3)
    expect(page.get_by_role("status").filter(has_text="3 items")).to_be_visible()

    page.get_by_label("Role").select_option(label="Warehouse picker")
    page.get_by_role("button", name="Show items").click()
    expect(page).to_have_url(re.compile(r"role=warehouse-picker"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Pick paths")

    page.get_by_label("Role").select_option(label="Store associate")
    page.get_by_label("Format").select_option(label="Course")
    page.get_by_role("button", name="Show items").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Till basics")
    phone.shot("30-catalogue-filtered")

    page.get_by_role("link", name="Clear filters").click()
    expect(rows).to_have_count(3)
    page.get_by_label("Search titles and summaries").fill("customer")
    page.get_by_role("button", name="Show items").click()
    expect(page).to_have_url(re.compile(r"q=customer"))
    expect(rows).to_have_count(1)
    expect(page.get_by_role("status").filter(has_text="1 item matches")).to_be_visible()
    phone.shot("31-catalogue-searched")

    rows.first.get_by_role("link", name="Retire Greeting well").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retire “Greeting well”?")
    expect(page.get_by_text("Plans that hold it keep it, marked.")).to_be_visible()
    phone.shot("32-retire-question")
    page.get_by_role("link", name="Cancel").click()
    expect(rows.filter(has_text="Greeting well").locator(".pill")).to_have_count(0)

    rows.filter(has_text="Greeting well").get_by_role("link", name="Retire Greeting well").click()
    page.get_by_role("button", name="Retire").click()
    expect(page.get_by_text("“Greeting well” is retired: plans that hold it keep it, marked.")) \
        .to_be_visible()
    greeting = rows.filter(has_text="Greeting well")
    expect(greeting.get_by_text("Retired", exact=True)).to_be_visible()
    expect(greeting.get_by_role("button", name="Restore Greeting well")).to_be_visible()
    phone.shot("33-retired")
    assert phone.csp_violations() == []
