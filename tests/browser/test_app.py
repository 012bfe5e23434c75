"""What a new learner met at 390x844 on a slow connection, each fixed and driven here."""

from __future__ import annotations

import base64
import re

import pytest
import sqlalchemy as sa
from flask import request, request_finished
from playwright.sync_api import expect

from pwa import assets
from pwa.config import ROOT
from pwa.extensions import db
from pwa.models import Person, Rating
from tests.browser.harness import SCREENSHOTS, enrol, wait_for_app, wait_until
from tests.factories import add_offline_item, publish_profile

pytestmark = pytest.mark.browser

LEVEL_3 = "Greets every customer within ten seconds"
LEVEL_2 = "Greets customers when prompted"


def open_app(phone, server, **details):
    """Enrol Ana (with ``details`` such as locale), open the app, wait until it is ready."""
    publish_profile(server.app)
    enrol(phone, server, "Ana Ruiz")
    if details:
        with server.app.app_context():
            ana = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
            for name, value in details.items():
                setattr(ana, name, value)
            db.session.commit()
    page = phone.page
    page.goto(f"{server.url}/app")
    wait_for_app(page)
    return page


EXPORT = re.compile(r"^export\s+(?:async\s+)?(?:function\*?|const|let|var|class)\s+([\w$]+)"
                    r"|^export\s+(default)\b", re.MULTILINE)


def test_every_module_of_the_app_runs_as_served_with_the_exports_it_was_written_with(
        phone, live_server, org):
    """The JS is served minified: each module the offline app can load must still parse,
    run its top level and export the names its readable source declares."""
    page = open_app(phone, live_server)
    modules = [url for url in assets.shell_files() if url.endswith(".js")]
    assert len(modules) > 15
    exported = page.evaluate("""async (urls) => Object.fromEntries(await Promise.all(
        urls.map(async (url) => [url, Object.keys(await import(url)).sort()])))""", modules)
    for url in modules:
        source = (ROOT / url.lstrip("/")).read_text()
        names = sorted(a or b for a, b in EXPORT.findall(source))
        assert exported[url] == names, url
    assert [m for m in phone.console if "pageerror" in m] == []


def level(page, text):
    return page.get_by_role("radio", name=re.compile(text))


def test_a_sync_finishing_never_clears_what_the_learner_is_choosing(phone, live_server, org):
    page = open_app(phone, live_server)
    phone.cdp.send("Network.enable")
    phone.cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 2500, "downloadThroughput": -1, "uploadThroughput": -1})
    status = page.get_by_role("status")
    page.get_by_role("link", name="Start").click()
    level(page, LEVEL_3).check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("heading", name="Using the tills").wait_for()
    expect(status).to_have_text("1 change waiting to sync")  # the round trip has begun
    level(page, LEVEL_2).check()
    page.get_by_label("A note for yourself").fill("Self-checkouts still confuse me")
    page.get_by_role("heading", level=1).click()  # the note loses focus: only "dirty" guards it
    expect(status).to_have_text("All saved", timeout=30_000)
    expect(level(page, LEVEL_2)).to_be_checked()
    expect(page.get_by_label("A note for yourself")).to_have_value(
        "Self-checkouts still confuse me")
    phone.shot("30-kept-through-sync")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("heading", name="Review your answers").wait_for()
    # Notes show in the review, before submitting.
    expect(page.get_by_text("Your note: Self-checkouts still confuse me")).to_be_visible()
    expect(status).to_have_text("All saved", timeout=30_000)
    with live_server.app.app_context():
        assert db.session.scalar(sa.select(Rating.note).where(Rating.level == 2)) \
            == "Self-checkouts still confuse me"
    assert phone.csp_violations() == []


def test_a_submitted_assessment_stays_submitted(phone, live_server, org):
    page = open_app(phone, live_server, locale="de-DE", time_zone="Europe/Berlin")
    phone.context.set_offline(True)
    page.get_by_role("link", name="Start").click()
    level(page, LEVEL_3).check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("heading", name="Using the tills").wait_for()
    level(page, LEVEL_2).check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Submit my self-assessment").click()
    page.get_by_role("heading", name="Your results").wait_for()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assess").click()
    page.get_by_role("heading", name="Your self-assessment").wait_for()
    when = page.evaluate("""async () => {
      const { all } = await import('/static/js/data/idb.js');
      const sent = (await all('outbox')).find((e) => e.type === 'assessment.submitted');
      const instant = new Date(sent.occurred_at);
      const as = (locale, timeZone) => new Intl.DateTimeFormat(locale,
        { dateStyle: 'long', timeStyle: 'short', timeZone }).format(instant);
      return [as('en-DE', 'Europe/Berlin'), as('en-US', 'America/New_York'),
              as('de-DE', 'Europe/Berlin')];
    }""")
    # The learner's region and zone make a difference; the words stay in the page's
    # language (no German catalogue: no German month inside an English sentence).
    assert when[0] != when[1] and when[0] != when[2]
    submitted = page.get_by_text(f"You submitted your self-assessment on {when[0]}.")
    expect(submitted).to_be_visible()
    waiting = page.get_by_text("It is kept on this phone and is sent when there is signal.")
    expect(waiting).to_be_visible()
    expect(page.get_by_role("link", name="Review and submit", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Change an answer")).to_be_visible()
    phone.shot("31-submitted-offline")

    phone.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.get_by_role("status")).to_have_text("All saved", timeout=15_000)
    page.reload()
    wait_for_app(page)
    expect(submitted).to_be_visible()  # from the bundle's submissions now
    expect(waiting).to_have_count(0)
    expect(page.get_by_role("link", name="Review and submit", exact=True)).to_have_count(0)

    page.get_by_role("link", name="Change an answer").click()
    expect(page.get_by_text(f"You submitted these answers on {when[0]}.")).to_be_visible()
    expect(page.get_by_role("button", name="Submit again")).to_have_count(0)
    page.get_by_role("link", name=re.compile("^Using the tills")).click()
    level(page, LEVEL_3).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("button", name="Submit again")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assess").click()
    expect(page.get_by_text("You changed 1 answer since.")).to_be_visible()
    expect(page.get_by_role("link", name="Review and submit again")).to_be_visible()
    phone.shot("32-changed-since-submitted")


def test_each_next_question_opens_at_its_title(phone, live_server, org):
    page = open_app(phone, live_server)
    page.get_by_role("link", name="Start").click()
    page.get_by_role("heading", name="Greeting customers").wait_for()
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("() => window.scrollY > 200")
    level(page, "Coaches new colleagues").check()
    page.get_by_role("button", name="Save and continue").click()
    title = page.get_by_role("heading", level=1, name="Using the tills")
    expect(title).to_be_focused()
    expect(title).to_be_in_viewport()
    page.wait_for_function("() => window.scrollY === 0")
    phone.shot("33-next-question-at-top")


def test_the_status_stays_in_view_and_counts_what_waits(phone, live_server, org):
    page = open_app(phone, live_server)
    phone.context.set_offline(True)
    status = page.get_by_role("status")
    expect(status).to_have_text("Offline — your changes will be kept on this phone")
    page.get_by_role("link", name="Start").click()
    level(page, LEVEL_3).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(status).to_have_text("Offline — 1 change kept on this phone")
    page.get_by_role("heading", name="Using the tills").wait_for()
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("() => window.scrollY > 100")
    expect(status).to_be_in_viewport()
    page.screenshot(path=str(SCREENSHOTS / "34-status-sticky.png"))  # the viewport only
    level(page, LEVEL_2).check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("heading", name="Review your answers").wait_for()
    expect(status).to_have_text("Offline — 2 changes kept on this phone")


def test_rows_are_whole_tap_targets_and_words_are_plain(phone, live_server, org):
    page = open_app(phone, live_server)
    expect(page.get_by_text("Only you see your ratings.")).to_be_visible()
    expect(page.get_by_role("link", name="Who sees your ratings")).to_be_visible()
    expect(page.get_by_text("levels from 1 (just starting) to 5")).to_be_visible()
    expect(page.get_by_text("The target is the level your role needs.")).to_be_visible()
    rows = page.locator("#app .list a")
    expect(rows).to_have_count(2)
    main_width = page.locator("#app").bounding_box()["width"]
    for i in range(2):
        box = rows.nth(i).bounding_box()
        assert box["height"] >= 44 and box["width"] >= main_width - 40, box
    rows.first.click()  # anywhere on the row opens it
    page.get_by_role("heading", name="Greeting customers").wait_for()
    level(page, LEVEL_3).check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("heading", name="Using the tills").wait_for()
    page.goto(f"{live_server.url}/app#/review/store-associate")
    page.get_by_role("heading", name="Review your answers").wait_for()
    expect(page.get_by_role("link", name=re.compile("^Greeting customers.*Change$"))) \
        .to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Using the tills.*Choose a level$"))) \
        .to_be_visible()
    expect(page.get_by_text("1 competency still to rate before you can submit.")).to_be_visible()
    phone.shot("35-review-choose-change")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assess").click()
    page.get_by_role("link", name="See your results").click()
    chart_text = page.locator(".chart text")
    expect(chart_text.first).to_be_visible()
    smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('.chart text')]
      .map((el) => parseFloat(getComputedStyle(el).fontSize) * el.getScreenCTM().a))""")
    assert smallest >= 12
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Assess")) \
        .to_have_attribute("aria-current", "page")
    phone.shot("36-results")


def test_sign_out_from_the_app_warns_about_waiting_answers(phone, live_server, org):
    page = open_app(phone, live_server)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Account").click()  # seen once: the phone keeps it
    page.get_by_role("heading", name="Your account").wait_for()
    page.goto(f"{live_server.url}/app")
    wait_for_app(page)
    phone.context.set_offline(True)
    page.get_by_role("link", name="Start").click()
    level(page, LEVEL_3).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("status")).to_have_text("Offline — 1 change kept on this phone")
    nav.get_by_role("link", name="Account").click()  # sign-out is inside Account
    sign_out = page.get_by_role("button", name="Sign out")
    asked = []

    def answer(dialog, accept):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    with page.expect_event("dialog"):
        sign_out.click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()  # still here
    assert asked and asked[0].startswith("1 change has not been sent yet.")
    page.once("dialog", lambda d: answer(d, True))
    with page.expect_event("dialog"):
        sign_out.click()
    expect(page.get_by_role("status")).to_have_text(
        "Signing out needs a connection. Try again when there is signal.")

    phone.context.set_offline(False)
    page.goto(f"{live_server.url}/app")
    expect(page.get_by_role("status")).to_have_text("All saved", timeout=15_000)
    nav.get_by_role("link", name="Account").click()
    sign_out.click()  # nothing waits now: no question asked
    page.wait_for_url(f"{live_server.url}/signin")
    assert len(asked) == 2
    response = page.goto(f"{live_server.url}/")
    page.wait_for_url(re.compile(r"/signin"))  # the session really ended
    assert response.ok
    assert phone.csp_violations() == []


def test_home_and_own_pages_open_offline_nobody_elses(phone, live_server, org):
    publish_profile(live_server.app, "warehouse-picker", "Marcus Johnson")
    page = open_app(phone, live_server)
    add_offline_item(live_server.app)  # the bundle names it from the next sync on
    headings = {"/": "Hello, Ana", "/roles": "Success Profiles",
                "/roles/store-associate": "Store associate", "/account": "Your account"}
    for path, heading in headings.items():
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    page.goto(f"{live_server.url}/roles/warehouse-picker")  # visited, but not Ana's role
    expect(page.get_by_role("heading", level=1)).to_have_text("Warehouse picker")
    page.goto(f"{live_server.url}/app")
    wait_for_app(page)
    # The service worker keeps the offline lessons the bundle names, by their revision.
    wanted = wait_until(page, """async () => {
        const db = await new Promise((ok) => { const r = indexedDB.open('skillpath');
                                                  r.onsuccess = () => ok(r.result); });
        const bundle = await new Promise((ok) => {
          const r = db.transaction('kv').objectStore('kv').get('bootstrap');
          r.onsuccess = () => ok(r.result); });
        return bundle.content.items.length && bundle.content.items; }""")
    wait_until(page, """async (wanted) => {
        const kept = (await (await caches.open('skillpath-content')).keys())
          .map((r) => new URL(r.url).pathname + new URL(r.url).search);
        return wanted.every((url) => kept.includes(url)); }""", wanted)

    phone.context.set_offline(True)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ana")
    phone.shot("37-home-offline")
    for path, heading in headings.items():
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    for path in ("/roles/warehouse-picker", "/account/passkeys"):
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_have_text("No signal")
    page.goto(f"{live_server.url}/account")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").wait_for()

    phone.context.set_offline(False)
    page.goto(f"{live_server.url}/app")
    wait_for_app(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/signin")
    phone.context.set_offline(True)
    page.goto(f"{live_server.url}/")  # signed out: the copy of Ana's home went with her
    expect(page.get_by_role("heading", level=1)).to_have_text("No signal")


@pytest.mark.parametrize("turns_fail", [False, True], ids=["one-answer", "turn-fails"])
def test_the_lessons_kept_offline_come_in_one_answer_or_one_by_one_if_it_fails(
        phone, live_server, org, turns_fail):
    """The service worker asks for the lessons it lacks in one answer (api/content.py
    catalog_contents) and keeps each at its own address; when that answer fails, it asks
    for each alone, and still keeps every one."""
    asked = []

    def note(sender, response, **extra):
        if request.path.startswith("/api/v1/catalog/"):
            asked.append((request.path, response.status_code))

    if turns_fail:
        @live_server.app.before_request
        def refuse_turns():
            if request.path == "/api/v1/catalog/contents":
                return {"code": 404, "error": "not_found", "message": "No such item."}, 404
            return None

    request_finished.connect(note, live_server.app)
    page = open_app(phone, live_server)
    keys = [add_offline_item(live_server.app, title) for title in (
        "Greeting in ten seconds", "Greeting at the door", "Greeting by name")]
    page.reload()  # the bundle names them from this sync on
    wait_for_app(page)
    kept = wait_until(page, """async (count) => {
        const cache = await caches.open('skillpath-content');
        const kept = await Promise.all((await cache.keys()).map(async (r) => [
          new URL(r.url).pathname + new URL(r.url).search, await (await cache.match(r)).json()]));
        return kept.length >= count && kept; }""", len(keys))
    request_finished.disconnect(note, live_server.app)
    assert sorted(url for url, _ in kept) == sorted(
        f"/api/v1/catalog/items/{key}?revision=1" for key in keys)
    for url, body in kept:  # each as its own address answers it
        assert url == f"/api/v1/catalog/items/{body['key']}?revision={body['revision']}"
        assert body["format"] == "book_study" and body["offline"] is True
    if turns_fail:
        assert asked.count(("/api/v1/catalog/contents", 404)) == 1
        assert sorted(path for path, status in asked if status == 200) == sorted(
            f"/api/v1/catalog/items/{key}" for key in keys)
    else:
        assert asked == [("/api/v1/catalog/contents", 200)]


def test_the_first_page_after_enrolling_opens_offline_and_no_signal_keeps_the_bar(
        phone, live_server, org):
    """Ana enrols (her home came from the network, before the service worker ran) and
    loses signal straight away: Home still opens, and a page that needs the internet
    says so with the bar, from which her practice opens offline."""
    publish_profile(live_server.app)
    enrol(phone, live_server, "Ana Ruiz")
    page = phone.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ana")
    wait_until(page, """async () => {
        const kept = await caches.open('skillpath-pages').then((c) => c.keys());
        return kept.some((r) => new URL(r.url).pathname === '/'); }""")
    phone.context.set_offline(True)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ana")
    page.goto(f"{live_server.url}/account/passkeys")
    expect(page.get_by_role("heading", level=1)).to_have_text("No signal")
    bar = page.get_by_role("navigation", name="Main")
    expect(bar.get_by_role("link")).to_have_count(5)
    phone.shot("38-no-signal-with-the-bar")
    page.get_by_role("link", name="Open today's practice").click()
    expect(page).to_have_url(re.compile(r"/app#/practice$"))
    expect(bar.get_by_role("link", name="Practice")).to_have_attribute("aria-current", "page")


def test_a_shared_phone_keeps_each_persons_answers_for_them(phone, live_server, org):
    """Ana signs out with an answer waiting; Ben signs in on the same phone: he neither
    sees nor sends it. When Ana signs in again, it is sent, as hers."""
    page = open_app(phone, live_server)
    phone.context.route("**/api/v1/sync", lambda route: route.abort())  # no signal for sync
    page.get_by_role("link", name="Start").click()
    level(page, LEVEL_3).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("status")).to_contain_text("1 change")
    page.once("dialog", lambda dialog: dialog.accept())  # "1 change has not been sent yet"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/signin")

    enrol(phone, live_server, "Ben Ode", device="Ben's phone")
    page.goto(f"{live_server.url}/app")
    expect(page.get_by_role("status")).to_have_text("All saved", timeout=15_000)
    expect(page.locator("#who")).to_contain_text("Ben Ode")
    expect(page.locator("progress")).to_have_attribute("value", "0")  # not Ana's answer
    phone.shot("38-shared-phone-ben")
    phone.context.unroute("**/api/v1/sync")
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.get_by_role("status")).to_have_text("All saved")
    with live_server.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 0

    page.once("dialog", lambda dialog: dialog.dismiss())  # none is expected: nothing of Ben's
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/signin")
    _keep_only_passkey_of(phone, live_server.app, "Ana Ruiz")
    page.get_by_role("button", name="Sign in with a passkey").click()  # Ana's passkey
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/app")
    expect(page.get_by_role("status")).to_have_text("All saved", timeout=15_000)
    with live_server.app.app_context():
        rows = db.session.execute(sa.select(Person.display_name, Rating.level)
                                  .select_from(Rating)
                                  .join(Person, Rating.person_id == Person.id)).all()
    assert [tuple(r) for r in rows] == [("Ana Ruiz", 3)]
    assert phone.csp_violations() == []


# Whose bundle the phone keeps: the person's id, or None when there is none.
BUNDLE_OWNER = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open('skillpath');
  open.onsuccess = () => {
    const read = open.result.transaction('kv').objectStore('kv').get('bootstrap');
    read.onsuccess = () => { open.result.close(); resolve(read.result?.person?.id ?? null); };
    read.onerror = reject;
  };
  open.onerror = reject;
})"""


def _person_id(app, name):
    with app.app_context():
        return db.session.scalar(sa.select(Person.id).where(Person.display_name == name))


def _keep_only_passkey_of(phone, app, name):
    """Remove every passkey on the phone's authenticator but ``name``'s: the next sign-in is
    theirs."""
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.display_name == name))
        handle = base64.b64encode(person.user_handle).decode()
    for credential in phone.credentials():
        if credential.get("userHandle") != handle:
            phone.cdp.send("WebAuthn.removeCredential", {
                "authenticatorId": phone.authenticator_id,
                "credentialId": credential["credentialId"]})


def test_nobody_signs_in_to_someone_elses_bundle_however_the_last_session_ended(
        phone, live_server, org):
    """Ana's bundle goes when her session ends by the form before its script has run, and
    when it lapses and Ben signs in: on this shared phone, nobody ever opens the app to
    another's data. Ben's own bundle stays when he signs in again: it is his."""
    page = open_app(phone, live_server)
    ana = _person_id(live_server.app, "Ana Ruiz")
    assert page.evaluate(BUNDLE_OWNER) == ana
    page.goto(f"{live_server.url}/account")
    page.evaluate("() => document.getElementById('sign-out').submit()")  # no script's handler
    page.wait_for_url(f"{live_server.url}/signin")
    assert page.evaluate(BUNDLE_OWNER) is None
    assert page.evaluate("() => caches.keys()").count("skillpath-pages") == 0

    page.get_by_role("button", name="Sign in with a passkey").click()  # Ana again
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/app")
    expect(page.locator("#who")).to_contain_text("Ana Ruiz")
    wait_until(page, BUNDLE_OWNER)
    phone.context.clear_cookies()  # her session lapses; she never signed out

    enrol(phone, live_server, "Ben Ode", device="Ben's phone")
    assert page.evaluate(BUNDLE_OWNER) is None  # gone before Ben's first page
    page.goto(f"{live_server.url}/app")
    expect(page.locator("#who")).to_contain_text("Ben Ode")
    ben = _person_id(live_server.app, "Ben Ode")
    wait_until(page, f"async () => (await ({BUNDLE_OWNER})()) === {ben}")

    phone.context.clear_cookies()
    _keep_only_passkey_of(phone, live_server.app, "Ben Ode")
    page.goto(f"{live_server.url}/signin")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.evaluate(BUNDLE_OWNER) == ben  # his own: kept, for offline
    assert phone.csp_violations() == []
