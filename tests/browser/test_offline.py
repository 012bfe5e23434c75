"""Offline-first: assess with no signal, keep answers through a restart, sync exactly once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pwa.extensions import db
from pwa.models import Event, Feedback, Person, Rating
from tests.browser.harness import (
    CHROMIUM,
    FLAGS,
    PHONE,
    enrol,
    open_phone,
    rate_first_competency,
    wait_for_app,
)
from tests.factories import publish_profile

pytestmark = pytest.mark.browser


def run_offline_assessment(browser, server, *, without_background_sync=False):
    publish_profile(server.app)
    phone = open_phone(browser)
    if without_background_sync:
        phone.context.add_init_script("delete window.SyncManager;")
    page = phone.page
    enrol(phone, server, "Ana Ruiz")
    page.goto(f"{server.url}/app")
    wait_for_app(page)
    page.reload()  # now controlled by the service worker, with the bundle in IndexedDB
    wait_for_app(page)

    phone.context.set_offline(True)
    page.reload()  # served by the service worker
    assert page.get_by_role("heading", level=1).inner_text() == "Your self-assessment"
    page.get_by_role("status").filter(has_text="Offline").wait_for()
    page.get_by_role("link", name="Start").click()
    expect(page.get_by_text("Only you see your ratings.").first).to_be_visible()
    page.get_by_text("Greets every customer within ten seconds").click()
    page.get_by_label("A note for yourself").fill("Better on quiet days")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("heading", name="Using the tills").wait_for()
    page.get_by_text("Greets customers when prompted").click()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("heading", name="Review your answers").wait_for()
    phone.shot("20-offline-review")
    page.get_by_role("button", name="Submit my self-assessment").click()
    page.get_by_role("heading", name="Your results").wait_for()
    assert page.get_by_role("img", name="Your self-rating against the Store associate target")
    phone.shot("21-offline-results")
    page.goto(f"{server.url}/app#/feedback/store-associate/tills")
    page.get_by_label("Outdated").check()
    page.get_by_label("Tell the authors").fill("Self-checkouts are missing.")
    page.get_by_role("button", name="Send to the authors").click()
    page.get_by_role("heading", name="Your results").wait_for()  # stored, then back
    page.get_by_role("status").filter(has_text="Offline").wait_for()

    page.close()  # close the app while still offline...
    page = phone.context.new_page()
    page.goto(f"{server.url}/app")  # ...and open it again: the outbox survived
    page.get_by_role("heading", name="Your self-assessment").wait_for()
    expect(page.locator("progress")).to_have_attribute("value", "2")  # 2 of 2 rated

    phone.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)
    phone.page = page
    phone.shot("22-back-online")
    with server.app.app_context():
        counts = dict(db.session.execute(
            sa.select(Event.type, sa.func.count()).group_by(Event.type)).all())
        assert counts == {"rating.set": 2, "assessment.submitted": 1, "feedback.created": 1}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 2
        note = db.session.scalar(sa.select(Rating.note).where(Rating.level == 3))
        assert note == "Better on quiet days"
        assert db.session.scalar(sa.select(Feedback.text)) == "Self-checkouts are missing."
    assert phone.csp_violations() == []
    phone.context.close()


def test_offline_assessment_syncs_once(browser, live_server, org):
    run_offline_assessment(browser, live_server)


def test_offline_assessment_without_background_sync(browser, live_server, org):
    run_offline_assessment(browser, live_server, without_background_sync=True)


def test_installable_with_no_errors(playwright, live_server, org, tmp_path):
    # A real profile: Chromium never offers to install from an incognito-like context.
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=str(CHROMIUM), args=FLAGS, **PHONE)
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(f"{live_server.url}/app")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null",
                               timeout=15_000)
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["url"].endswith("/manifest.webmanifest") and not manifest["errors"]
    finally:
        context.close()


def rate_everything_offline(phone, server):
    """Enrol, load the app, go offline and rate both competencies; returns the page."""
    publish_profile(server.app)
    page = phone.page
    enrol(phone, server, "Ana Ruiz")
    page.goto(f"{server.url}/app")
    wait_for_app(page)
    phone.context.set_offline(True)
    rate_first_competency(page)
    page.get_by_text("Greets customers when prompted").click()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("heading", name="Review your answers").wait_for()
    page.get_by_role("status").filter(has_text="Offline").wait_for()
    return page


def rating_events(server):
    with server.app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Rating)), \
            db.session.scalar(sa.select(sa.func.count()).select_from(Event))


def test_two_tabs_syncing_at_once_store_each_answer_once(phone, live_server, org):
    page = rate_everything_offline(phone, live_server)
    other = phone.context.new_page()
    other.goto(f"{live_server.url}/app")
    other.get_by_role("heading", name="Your self-assessment").wait_for()
    phone.context.set_offline(False)
    for tab in (page, other):  # both tabs hear "online" at the same moment
        tab.evaluate("() => window.dispatchEvent(new Event('online'))")
    for tab in (page, other):
        tab.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)
    assert rating_events(live_server) == (2, 2)


def test_connection_lost_after_the_server_stored_a_batch(phone, live_server, org):
    page = rate_everything_offline(phone, live_server)
    calls = []

    def drop_the_answer(route):
        calls.append(route.request.url)
        if len(calls) == 1:
            route.fetch()  # the server stores and applies the batch...
            route.abort("connectionreset")  # ...but the phone never hears back
        else:
            route.continue_()

    page.route("**/api/v1/sync", drop_the_answer)
    phone.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.get_by_role("status").filter(has_text="All saved").wait_for(timeout=20_000)
    assert len(calls) >= 2  # it retried after the lost answer
    assert rating_events(live_server) == (2, 2)  # nothing lost, nothing doubled


def test_a_batch_refused_whole_is_split_until_the_faulty_answer_is_found(
        phone, live_server, org):
    page = rate_everything_offline(phone, live_server)
    # An answer the server cannot take at all: it refuses the whole batch it travels in.
    page.evaluate("""async () => {
      const { record } = await import('/static/js/data/outbox.js');
      let deep = 'x';
      for (let i = 0; i < 80; i += 1) deep = [deep];
      await record('rating.set', {role: 'store-associate', competency: 'greet', version: 1,
                                  level: 3, note: deep});
    }""")
    bodies = []
    page.on("request", lambda r: bodies.append(r.post_data_json)
            if r.url.endswith("/api/v1/sync") else None)
    phone.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    status = page.get_by_role("status")
    status.filter(has_text="1 change could not be saved").wait_for(timeout=15_000)
    assert "nests more than 64 levels" in status.inner_text()
    assert rating_events(live_server) == (2, 2)  # the good answers went through
    assert [len(b["events"]) for b in bodies] == [3, 2, 1]  # halved until found
    phone.shot("25-batch-split")
    assert page.evaluate("""async () => {
      const { all } = await import('/static/js/data/idb.js');
      return (await all('outbox')).length;
    }""") == 0


def test_a_server_error_keeps_every_answer_and_tries_again_later(phone, live_server, org):
    page = rate_everything_offline(phone, live_server)
    answers = []

    def fail_twice(route):
        answers.append(route.request.url)
        if len(answers) <= 2:
            route.fulfill(status=503, content_type="application/json", body=(
                '{"code": 503, "error": "unavailable", "message": "Down.", "details": {}}'))
        else:
            route.continue_()

    page.route("**/api/v1/sync", fail_twice)
    phone.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    status = page.get_by_role("status")
    status.filter(has_text="2 changes").wait_for(timeout=5_000)  # kept, not refused
    expect(status).not_to_contain_text("could not be saved")
    status.filter(has_text="All saved").wait_for(timeout=20_000)  # after 2 s, then 4 s
    assert len(answers) == 3 and rating_events(live_server) == (2, 2)


def test_expired_session_keeps_the_outbox_until_signed_in_again(phone, live_server, org):
    page = rate_everything_offline(phone, live_server)
    phone.context.clear_cookies()  # the session ended while the phone was offline
    phone.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    status = page.get_by_role("status")
    status.filter(has_text="Sign in again").wait_for(timeout=15_000)
    phone.shot("23-sign-in-again")
    assert rating_events(live_server) == (0, 0)
    status.get_by_role("link", name="Sign in").click()
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(f"{live_server.url}/app")
    page.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)
    assert rating_events(live_server) == (2, 2)


def test_a_refused_answer_is_shown_with_its_reason(phone, live_server, org):
    publish_profile(live_server.app)
    page = phone.page
    enrol(phone, live_server, "Ana Ruiz")
    page.goto(f"{live_server.url}/app")
    wait_for_app(page)
    # An answer made against a version the server does not have (an outdated phone).
    page.evaluate("""async () => {
      const { record } = await import('/static/js/data/outbox.js');
      await record('rating.set', {role: 'store-associate', competency: 'greet', version: 9,
                                  level: 3, note: null});
    }""")
    status = page.get_by_role("status")
    status.filter(has_text="1 change could not be saved").wait_for(timeout=15_000)
    assert "has no published version 9" in status.inner_text()
    phone.shot("24-refused")
    expect(page.locator("progress")).to_have_attribute("value", "0")  # it counts for nothing
    status.get_by_role("button", name="OK").click()
    status.filter(has_text="All saved").wait_for()
    with live_server.app.app_context():
        from pwa.models import QuarantinedEvent
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuarantinedEvent)) == 1


def test_the_future_role_can_be_assessed_and_charted_too(phone, live_server, org):
    from pwa.models import Role

    publish_profile(live_server.app)
    publish_profile(live_server.app, "warehouse-picker", "Marcus Johnson")
    page = phone.page
    enrol(phone, live_server, "Ana Ruiz")
    with live_server.app.app_context():
        ana = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
        ana.future_role_id = db.session.scalar(
            sa.select(Role.id).where(Role.slug == "warehouse-picker"))
        db.session.commit()
    page.goto(f"{live_server.url}/app")
    wait_for_app(page)
    page.get_by_role("link", name="Rate yourself against Warehouse picker").click()
    expect(page.get_by_text("Warehouse picker · version 1")).to_be_visible()
    rate_first_competency(page)
    page.goto(f"{live_server.url}/app#/results")
    page.get_by_role("heading", name="Warehouse picker (the role you are aiming for)").wait_for()
    assert page.get_by_role("img").count() >= 2  # one chart per role
    # The legend's words are parted by spaces inside a template literal: kept when minified.
    expect(page.locator("figcaption").first).to_have_text("you target")
    page.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)
    with live_server.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 1
