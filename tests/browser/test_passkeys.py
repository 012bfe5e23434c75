"""Enrol by invite, sign out, sign in again: in Chromium at 390x844 with a virtual passkey."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.harness import enrol
from tests.factories import make_invite, make_person

pytestmark = pytest.mark.browser


def test_enrol_sign_out_and_sign_in_again_with_the_passkey(phone, live_server, org):
    page = phone.page
    token = make_invite(live_server.app, make_person(live_server.app, "Ana Ruiz"))
    page.goto(f"{live_server.url}/enrol/{token}")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Ana Ruiz"
    phone.shot("01-enrol")
    page.get_by_label("Name this device").fill("Work phone")
    page.get_by_role("button", name="Create my passkey").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Ana"
    assert page.locator(".who-name").inner_text() == "Ana Ruiz"
    assert page.locator(".who-role").inner_text() == "Store associate"
    assert len(phone.credentials()) == 1  # a discoverable credential on the "phone"
    phone.shot("02-home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Your passkeys").click()
    expect(page.get_by_text("Work phone")).to_be_visible()
    phone.shot("03-passkeys")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_role("button", name="Sign out").click()  # inside Account, out of the bar
    page.wait_for_url(f"{live_server.url}/signin")
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_visible()
    phone.shot("04-signed-out")

    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator(".who-name").inner_text() == "Ana Ruiz"
    assert phone.csp_violations() == []


def test_used_and_expired_invites_are_refused_with_a_clear_page(phone, live_server, org):
    page = phone.page
    used = enrol(phone, live_server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/signin")

    response = page.goto(f"{live_server.url}/enrol/{used}")
    assert response.status == 410
    assert page.get_by_role("heading", level=1).inner_text() == "This invite link can't be used"
    alert = page.get_by_role("alert")
    assert alert.get_attribute("data-invite-status") == "used"
    assert "already been used" in alert.inner_text()
    phone.shot("05-invite-used")

    person_id = make_person(live_server.app, "Ben Ode")
    expired = make_invite(live_server.app, person_id, age=timedelta(days=8))
    response = page.goto(f"{live_server.url}/enrol/{expired}")
    assert response.status == 410
    assert page.get_by_role("heading", level=1).inner_text() == "This invite link can't be used"
    assert alert.get_attribute("data-invite-status") == "expired"
    assert "has expired" in alert.inner_text()
    phone.shot("05b-invite-expired")


def test_no_csp_violation_on_any_page(phone, live_server, org):
    page = phone.page
    page.goto(f"{live_server.url}/signin")
    enrol(phone, live_server, "Priya N", role="store-associate", ld_admin=True)
    for path in ("/", "/account", "/account/passkeys", "/account/sessions", "/account/data",
                 "/account/settings",
                 "/roles", "/admin", "/admin/invites", "/admin/authors", "/admin/catalogue",
                 "/admin/catalogue/new"):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
    page.goto(f"{live_server.url}/admin/invites")
    page.get_by_label("Full name").fill("Kofi Asante")
    page.get_by_label("Job role").select_option("warehouse-picker")
    page.get_by_role("button", name="Create invite").click()
    expect(page.locator(".qr svg")).to_be_visible()
    link = page.get_by_role("textbox", name="Invite link").input_value()
    assert link.startswith(f"{live_server.url}/enrol/")
    phone.shot("06-admin-invite")
    assert phone.csp_violations() == []


def test_csp_violations_are_seen(phone, live_server, org):
    """The CSP check of the other tests can fail: an inline script and style are reported."""
    page = phone.page
    response = page.goto(f"{live_server.url}/signin")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    with page.expect_console_message(lambda m: "script-src" in m.text), \
            page.expect_console_message(lambda m: "style-src" in m.text):
        page.evaluate("""() => {
            const script = document.createElement('script');
            script.textContent = 'window.inlineRan = true';
            document.head.append(script);
            document.body.insertAdjacentHTML('beforeend', '<p style="color: red">inline</p>');
        }""")
    expect(page.locator("#signin")).to_be_enabled()  # the page's own module still ran
    assert page.evaluate("() => window.inlineRan") is None  # the inline script was blocked
    violations = phone.csp_violations()
    assert any("script-src" in m for m in violations), phone.console
    assert any("style-src" in m for m in violations), phone.console


def test_download_my_data_then_delete_the_account(phone, live_server, org):
    page = phone.page
    enrol(phone, live_server)
    page.goto(f"{live_server.url}/account/data")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data").click()
    data = json.loads(download.value.path().read_text())
    assert data["person"]["display_name"] == "Ana Ruiz"
    assert data["passkeys"][0]["name"] == "Work phone"
    page.get_by_role("link", name="Read it as a page you can print").click()
    page.get_by_role("heading", name="Everything Skillpath holds about you").wait_for()
    passkeys = page.get_by_role("region", name="Your passkeys")
    expect(passkeys.get_by_text("Work phone")).to_be_visible()
    expect(page.get_by_role("region", name="Where you are signed in")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    phone.shot("13-your-data-page")
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    phone.shot("14-your-data-printed")
    page.emulate_media(media="screen")
    page.go_back()

    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Tick the box to confirm.")).to_be_visible()
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    page.wait_for_url(f"{live_server.url}/signin")
    expect(page.get_by_text("have been deleted")).to_be_visible()

    page.get_by_role("button", name="Sign in with a passkey").click()
    status = page.locator("#signin-status")
    status.filter(has_text="not registered").wait_for()
    assert page.url == f"{live_server.url}/signin"
    phone.shot("07-deleted-account-sign-in")
