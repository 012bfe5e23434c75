"""An L&D admin on a phone brings in people from an HR file: uploads it, reads the preview
with its skipped line, confirms, and gets the invite QR codes by site. Chromium at 390x844,
then the sheet at 320 px wide."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.harness import enrol

pytestmark = pytest.mark.browser

FILE = ("name,role,site,external_id,future_role,language\r\n"
        "Ana Ruiz,Store associate,Leeds Kirkstall,HR-1,,es\r\n"
        "Ben Ode,warehouse-picker,York Depot,HR-2,,\r\n"
        "Cy Lane,astronaut,York Depot,HR-3,,\r\n"
        "Dee Fox,store-associate,Leeds Kirkstall,HR-4,,\r\n")


def test_ld_admin_imports_people_and_gets_the_qr_sheet_at_phone_size(phone, live_server, org,
                                                                      tmp_path):
    server = live_server
    enrol(phone, server, "Priya N", ld_admin=True)
    page = phone.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Learning & development").click()
    page.get_by_role("link", name="Bring in people").click()

    path = tmp_path / "people.csv"
    path.write_text(FILE, encoding="utf-8")
    page.get_by_label("CSV file from your HR system").set_input_files(str(path))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Check before applying")).to_be_visible()
    expect(page.locator("#count-create")).to_have_text("3")
    expect(page.locator("#count-errors")).to_have_text("1")
    expect(page.locator("#errors")).to_contain_text("Line 4, role")
    expect(page.locator("#errors")).to_contain_text("There is no role 'astronaut'.")
    assert _fits(page, 390)
    phone.shot("40-roster-preview")

    page.get_by_role("button", name="Apply and make the invites").click()
    expect(page.get_by_role("status")).to_contain_text("3 new, 0 changed, 0 ended, 3 invited.")
    sites = page.locator("h2.sheet-site")
    expect(sites).to_have_text(["Leeds Kirkstall", "York Depot"])
    cards = page.locator(".invite-card")
    expect(cards).to_have_count(3)
    expect(cards.first).to_contain_text("Ana Ruiz")
    expect(cards.first.get_by_role("img", name="QR code of the invite link")).to_be_visible()
    expect(cards.first.locator(".invite-link")).to_contain_text(f"{server.url}/enrol/")
    assert _fits(page, 390)
    shot = phone.shot("41-roster-qr-sheet")
    shutil.copy(shot, Path("/tmp/roster-qr-sheet-390.png"))

    page.set_viewport_size({"width": 320, "height": 700})
    assert _fits(page, 320)
    page.screenshot(path="/tmp/roster-qr-sheet-320.png", full_page=True)
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_hidden()
    assert phone.csp_violations() == []


def test_ld_admin_reprints_a_sites_sheet_at_phone_size(phone, live_server, org, tmp_path):
    """The sheet of a site was lost: L&D reprints it, and is told the old codes stop."""
    server = live_server
    enrol(phone, server, "Priya N", ld_admin=True)
    page = phone.page
    path = tmp_path / "people.csv"
    path.write_text(FILE, encoding="utf-8")
    page.goto(f"{server.url}/admin/people")
    page.get_by_label("CSV file from your HR system").set_input_files(str(path))
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Apply and make the invites").click()
    first = page.locator(".invite-card .invite-link").all_inner_texts()

    page.goto(f"{server.url}/admin")
    page.get_by_role("link", name="Bring in people").click()
    sites = page.locator("#waiting-sites > li")
    expect(sites).to_have_count(2)
    expect(sites.first).to_contain_text("Leeds Kirkstall")
    expect(sites.first).to_contain_text("2 not joined yet")
    expect(page.get_by_text("The codes on every earlier sheet for these people stop "
                            "working")).to_be_visible()
    assert _fits(page, 390)
    phone.shot("42-roster-reprint")
    page.get_by_role("button", name="Reprint the invites for York Depot").click()
    expect(page.get_by_role("heading", name="Invites reprinted")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(
        "1 new invite for the one person of York Depot who has not joined yet.")
    expect(page.get_by_text("The codes on any earlier sheet for these people no longer "
                            "work.")).to_be_visible()
    cards = page.locator(".invite-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Ben Ode")
    new_link = cards.first.locator(".invite-link").inner_text()
    assert new_link not in first
    assert _fits(page, 390)
    page.set_viewport_size({"width": 320, "height": 700})
    assert _fits(page, 320)
    # The first sheet is by site, then name: Ben's old code is its last. It is refused now.
    page.goto(first[2])
    expect(page.locator("main")).to_contain_text("withdrawn")
    assert phone.csp_violations() == []


def _fits(page, width: int) -> bool:
    """Nothing makes the page scroll sideways."""
    return bool(page.evaluate("w => document.documentElement.scrollWidth <= w", width))
