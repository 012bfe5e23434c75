"""Two phones signed in as one person: one signs the other out from its list of devices."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pwa.extensions import db
from pwa.models import Event
from tests.browser.harness import enrol, open_phone, rate_first_competency, wait_for_app, wait_until
from tests.factories import ANDROID_CHROME, IPHONE_SAFARI, publish_profile

pytestmark = pytest.mark.browser

OUTBOX = """async () => {
  const { all } = await import('/static/js/data/idb.js');
  return (await all('outbox')).length;
}"""


def stored_events(server):
    with server.app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Event))


def test_a_phone_signed_out_from_another_asks_to_sign_in_and_keeps_its_answers(
        browser, live_server, org):
    publish_profile(live_server.app)
    work = open_phone(browser, user_agent=ANDROID_CHROME)
    other = open_phone(browser, user_agent=IPHONE_SAFARI)
    try:
        enrol(work, live_server, "Ana Ruiz", device="Work phone")
        enrol(other, live_server, "Ana Ruiz", device="Old iPhone")  # a second invite for Ana

        # The old iPhone answers a question with no signal: it waits in its outbox.
        page = other.page
        page.goto(f"{live_server.url}/app")
        wait_for_app(page)
        other.context.set_offline(True)
        rate_first_competency(page)
        page.get_by_role("status").filter(has_text="Offline").wait_for()
        assert wait_until(page, OUTBOX) == 1

        # On the work phone, Ana signs the iPhone out from her list of devices.
        mine = work.page
        mine.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
        mine.get_by_role("link", name="Where you're signed in").click()
        rows = mine.locator("#session-list > li")
        expect(rows).to_have_count(2)
        expect(rows.filter(has_text="This device")).to_contain_text("Chrome on Android")
        expect(rows.filter(has_text="Safari on iOS")).to_contain_text("with “Old iPhone”")
        assert mine.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
        work.shot("30-signed-in-devices")
        mine.get_by_role("button", name="Sign out Safari on iOS").click()
        flash = mine.get_by_role("status").filter(has_text="Signed out Safari on iOS.")
        expect(flash).to_be_visible()
        expect(rows).to_have_count(1)
        expect(mine.get_by_role("button", name="Sign out everywhere else")).to_have_count(0)
        work.shot("31-signed-out-the-other")

        # Back in signal, the iPhone is asked to sign in again; its answer stays on it.
        other.context.set_offline(False)
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        status = page.get_by_role("status")
        status.filter(has_text="Sign in again").wait_for(timeout=15_000)
        other.shot("32-asked-to-sign-in-again")
        assert wait_until(page, OUTBOX) == 1
        assert stored_events(live_server) == 0

        status.get_by_role("link", name="Sign in").click()
        page.get_by_role("button", name="Sign in with a passkey").click()
        page.wait_for_url(f"{live_server.url}/app")
        page.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)
        assert stored_events(live_server) == 1
        assert work.csp_violations() == [] and other.csp_violations() == []
    finally:
        work.context.close()
        other.context.close()
