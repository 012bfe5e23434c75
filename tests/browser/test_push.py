"""Reminders at phone size: turned on with one tap, sent by the server through a push
service, shown by the real service worker, and a tap opening the page the payload names.

The browser's own push service (FCM, for Chromium) needs Google's servers, which this
machine cannot reach; the page's ``PushManager`` is given a subscription to the tests'
local push service instead, exactly as ``subscribe()`` would return it. Everything else
is real: the permission prompt's answer, the app's request, the server's VAPID-signed and
encrypted post (checked and decrypted by the local service), and the push handed to the
service worker over DevTools (``ServiceWorker.deliverPushMessage``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from engine import practice as practice_rules
from engine import push as rules
from pwa import clock
from pwa.extensions import db
from pwa.jobs import push as sender
from pwa.jobs import reminders as reminder_job
from pwa.models import Person, PushSubscription
from pwa.store import push as store
from tests.browser.harness import (
    LiveServer,
    Phone,
    enrol,
    free_port,
    serving,
    set_bundle_locale,
    wait_for_app,
    wait_until,
)
from tests.factories import publish_profile, with_plan
from tests.pushservice import PushService, vapid_private_key

pytestmark = pytest.mark.browser

# What the page's PushManager hands out: the local service's subscription (set per test).
FAKE_PUSH_MANAGER = """
(() => {
  const made = () => JSON.parse(localStorage.getItem('test-subscription') || 'null');
  const as = (json) => json && ({
    endpoint: json.endpoint, expirationTime: null, options: { applicationServerKey: null },
    toJSON: () => json,
    unsubscribe: async () => { localStorage.removeItem('test-held'); return true; },
  });
  PushManager.prototype.getSubscription = async function () {
    return localStorage.getItem('test-held') ? as(made()) : null;
  };
  PushManager.prototype.subscribe = async function (options) {
    if (!options?.userVisibleOnly || !options?.applicationServerKey) throw new Error('bad options');
    localStorage.setItem('test-held', '1');
    return as(made());
  };
})();
"""


@pytest.fixture
def server(app_factory: Any, org: Any, service: PushService) -> Iterator[LiveServer]:
    port = free_port()
    app = app_factory(SKILLPATH_ORIGIN=f"http://localhost:{port}", SKILLPATH_RP_ID="localhost",
                      VAPID_PRIVATE_KEY=vapid_private_key(), SKILLPATH_PUSH_SERVICES=service.origin)
    publish_profile(app)
    with serving(app, port) as live:
        yield live


def reminders_page(phone: Phone, server: LiveServer, service: PushService) -> dict[str, Any]:
    subscription = service.subscribe()
    phone.context.add_init_script(FAKE_PUSH_MANAGER)
    enrol(phone, server)
    page = phone.page
    page.goto(f"{server.url}/app#/practice")
    wait_for_app(page)
    page.evaluate("s => localStorage.setItem('test-subscription', JSON.stringify(s))",
                  subscription)
    page.get_by_role("link", name="Reminders on this phone").click()
    expect(page.get_by_role("heading", name="Reminders", exact=True)).to_be_visible()
    return subscription


def send_now(server: LiveServer, kind: str, body: str, url: str) -> None:
    with server.app.app_context():
        person = db.session.scalar(sa.select(Person.id).where(Person.display_name == "Ana Ruiz"))
        now = clock.now()
        store.claim([store.Claim(person, kind, date(2026, 3, 9),
                                 rules.Message(kind, "Time for practice", body, url),
                                 now + timedelta(hours=2))], now)
        db.session.commit()
        assert sender.send_due() == {"sent": 1}


def worker_registration(phone: Phone, server: LiveServer) -> str:
    """The id DevTools knows the app's service worker registration by."""
    registrations: list[dict[str, Any]] = []
    phone.cdp.on("ServiceWorker.workerRegistrationUpdated",
                 lambda e: registrations.extend(e["registrations"]))
    phone.cdp.send("ServiceWorker.enable")
    for _ in range(50):
        if any(r["scopeURL"].startswith(server.url) for r in registrations):
            break
        phone.page.wait_for_timeout(100)
    return str(next(r["registrationId"] for r in registrations
                    if r["scopeURL"].startswith(server.url)))


def deliver(phone: Phone, server: LiveServer, registration: str, data: str) -> None:
    """Hand ``data`` to the service worker as its push service would."""
    phone.cdp.send("ServiceWorker.deliverPushMessage", {
        "origin": server.url, "registrationId": registration, "data": data})


def shown(phone: Phone, count: int) -> list[dict[str, Any]]:
    wait_until(phone.page, "n => navigator.serviceWorker.ready.then(r => r.getNotifications())"
                           ".then(list => list.length >= n)", count)
    found: list[dict[str, Any]] = phone.page.evaluate(
        """() => navigator.serviceWorker.ready.then(r => r.getNotifications()).then(list =>
             list.map(n => ({title: n.title, body: n.body, tag: n.tag, data: n.data,
                             icon: n.icon, badge: n.badge})))""")
    return found


def test_reminders_turned_on_with_a_tap_arrive_and_show(phone: Phone, server: LiveServer,
                                                        service: PushService) -> None:
    phone.context.grant_permissions(["notifications"], origin=server.url)
    subscription = reminders_page(phone, server, service)
    page = phone.page
    phone.shot("push-reminders-off")
    page.get_by_role("button", name="Remind me on this phone").click()
    expect(page.locator("#reminders-said")).to_have_text("Reminders are on for this phone.")
    expect(page.get_by_text("Work phone (this phone)")).to_be_visible()
    phone.shot("push-reminders-on")
    with server.app.app_context():
        assert db.session.scalars(sa.select(PushSubscription.endpoint)).all() == [
            subscription["endpoint"]]

    send_now(server, "practice", "Tills: 4 questions, 3 minutes.", "/app#/practice")
    [received] = service.received
    assert received.payload["body"] == "Tills: 4 questions, 3 minutes."
    deliver(phone, server, worker_registration(phone, server), json.dumps(received.payload))
    [note] = shown(phone, 1)
    assert note["title"] == "Time for practice"
    assert note["body"] == "Tills: 4 questions, 3 minutes."
    assert note["tag"] == "skillpath-practice"
    assert note["data"] == {"url": "/app#/practice", "kind": "practice"}
    assert note["badge"].endswith("/static/icons/badge-96.png")
    # A tap: DevTools cannot click a notification, so the test calls the service worker's
    # handler with the notification shown, as the browser does on a tap.
    [worker] = [w for w in phone.context.service_workers if w.url.startswith(server.url)]
    worker.evaluate("""async () => {
      const [shown] = await self.registration.getNotifications();
      await openFromNotification({ notification: shown });
    }""")
    expect(page).to_have_url(f"{server.url}/app#/practice")
    expect(page.get_by_role("heading", name="Today’s practice")).to_be_visible()
    assert phone.csp_violations() == []


def test_a_malformed_push_still_shows_a_plain_reminder_and_never_leaves_the_app(
        phone: Phone, server: LiveServer, service: PushService) -> None:
    phone.context.grant_permissions(["notifications"], origin=server.url)
    reminders_page(phone, server, service)
    registration = worker_registration(phone, server)
    deliver(phone, server, registration, "this is not JSON")
    [plain] = shown(phone, 1)
    assert plain["title"] == "Skillpath"
    assert plain["body"] == "A few minutes of learning are waiting for you."
    assert plain["data"] == {"url": "/app", "kind": "reminder"}
    deliver(phone, server, registration, json.dumps(
        {"kind": "plan", "title": "Look", "body": "Here", "url": "https://evil.example/phish"}))
    found = shown(phone, 2)
    assert {"url": "/app", "kind": "plan"} in [n["data"] for n in found]
    # The plain reminder speaks the learner's language, as the bundle on the phone says it.
    set_bundle_locale(phone.page, "es-MX")
    deliver(phone, server, registration, "")
    wait_until(phone.page, """() => navigator.serviceWorker.ready.then((r) => r.getNotifications())
        .then((list) => list.some((n) => n.body === 'Te esperan unos minutos de aprendizaje.'))""")
    assert not [m for m in phone.console if "pageerror" in m]


def test_a_refused_permission_is_said_kindly_and_never_asked_again(
        phone: Phone, server: LiveServer, service: PushService) -> None:
    reminders_page(phone, server, service)
    page = phone.page
    # Headless Chromium answers a prompt nobody grants with "denied", as a refusal would.
    page.get_by_role("button", name="Remind me on this phone").click()
    expect(page.locator("#reminders-said")).to_contain_text("blocked")
    expect(page.get_by_role("button", name="Remind me on this phone")).to_have_count(0)
    phone.shot("push-reminders-blocked")
    with server.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 0


def test_a_device_is_removed_from_the_list_and_gets_nothing_more(
        phone: Phone, server: LiveServer, service: PushService) -> None:
    phone.context.grant_permissions(["notifications"], origin=server.url)
    reminders_page(phone, server, service)
    page = phone.page
    page.get_by_role("button", name="Remind me on this phone").click()
    expect(page.get_by_text("Work phone (this phone)")).to_be_visible()
    page.set_viewport_size({"width": 320, "height": 700})
    phone.shot("push-reminders-320")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.get_by_role("button", name="Stop reminders to Work phone").click()
    expect(page.get_by_text("No phone gets your reminders yet.")).to_be_visible()
    with server.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 0


def test_a_plan_reminder_chosen_at_phone_size_comes_at_its_time_and_is_logged(
        phone: Phone, server: LiveServer, service: PushService,
        monkeypatch: pytest.MonkeyPatch) -> None:
    phone.context.grant_permissions(["notifications"], origin=server.url)
    reminders_page(phone, server, service)
    page = phone.page
    page.get_by_role("button", name="Remind me on this phone").click()
    expect(page.locator("#reminders-said")).to_have_text("Reminders are on for this phone.")
    page.goto(f"{server.url}/app#/reminders/settings")
    page.get_by_label("Plan reminder").check()
    page.get_by_label("Remind me at").fill("08:30")  # after the quiet hours (until 08:00)
    page.get_by_role("button", name="Save reminder settings").click()
    expect(page.get_by_text("Saved.", exact=True)).to_be_visible()
    page.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)
    phone.shot("push-plan-reminder-chosen")
    with server.app.app_context():
        ana = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
        zone, ana_id = ana.time_zone, ana.id
    with_plan(server.app, ana_id)

    # The server's clock moved to her next morning: nothing before 08:30 there, one at it.
    start = practice_rules.day_start(
        practice_rules.local_day(clock.now(), zone) + timedelta(days=1), zone)
    for moment, expected in ((timedelta(hours=8, minutes=29), 0),
                             (timedelta(hours=8, minutes=30, seconds=20), 1),
                             (timedelta(hours=8, minutes=31, seconds=20), 0)):
        monkeypatch.setattr(clock, "now", lambda at=start + moment: at)
        with server.app.app_context():
            assert reminder_job.tick() == expected
    [received] = service.received
    assert received.payload["title"] == "Your learning plan"
    deliver(phone, server, worker_registration(phone, server), json.dumps(received.payload))
    [note] = shown(phone, 1)
    assert (note["title"], note["data"]) == ("Your learning plan",
                                             {"url": "/app#/plan", "kind": "plan"})

    page.goto(f"{server.url}/account/notifications")
    sent = page.get_by_text(re.compile(r"Sent .*8:30.* to Work phone"))
    expect(sent).to_be_visible()
    expect(page.get_by_text("Your learning plan")).to_be_visible()
    phone.shot("push-plan-reminder-logged")
    page.set_viewport_size({"width": 320, "height": 700})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    phone.shot("push-plan-reminder-logged-320")
