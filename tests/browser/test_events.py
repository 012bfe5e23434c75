"""Waiting events at phone size: each shown once through its type's module (static/js/events),
one the client does not know kept but not shown, a sync that finishes while the learner
types, and a status line that names what waits in words true for every kind of event."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pwa.sync.registry import registry
from tests.browser.harness import add_own_item, item, plan_page

pytestmark = pytest.mark.browser

WAITING = "waiting to sync"


def test_a_sync_finishing_while_the_learner_types_refreshes_the_rest_of_the_plan(
        browser, live_server, org):
    ana, page = plan_page(browser, live_server)
    ana.cdp.send("Network.enable")  # every request takes 2.5 s: the sync ends mid-typing
    ana.cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 2500, "downloadThroughput": -1, "uploadThroughput": -1})
    status = page.get_by_role("status")
    item(page, "Shelf basics").get_by_role("button", name="Done").click()
    expect(item(page, "Shelf basics").locator(".meta")).to_contain_text(WAITING)
    expect(status).to_have_text("1 change waiting to sync")
    page.get_by_text("Your time, formats, languages and interests").click()
    weekly = page.get_by_label("Minutes a week for learning")
    weekly.click()
    weekly.press("Control+a")
    weekly.press_sequentially("9")
    expect(status).to_have_text("All saved", timeout=30_000)
    # Drawn again around the field: nothing acknowledged still says it waits.
    expect(page.locator("#app")).not_to_contain_text(WAITING, timeout=10_000)
    expect(page.get_by_text("This is your last plan with your changes")).to_have_count(0)
    expect(page.locator("#app")).not_to_have_attribute("data-stale", "true")
    expect(weekly).to_be_focused()
    weekly.press_sequentially("0")  # the caret is where it was: the learner types on
    expect(weekly).to_have_value("90")
    ana.shot("60-plan-synced-while-typing")
    ana.cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    # The status already says "All saved": wait for the save itself to reach the server.
    with page.expect_response(lambda r: r.url.endswith("/api/v1/sync") and r.ok, timeout=15_000):
        page.get_by_role("button", name="Save", exact=True).click()
    expect(status).to_have_text("All saved", timeout=15_000)
    page.reload()
    page.get_by_role("heading", name="Your plan").wait_for()
    page.get_by_text("Your time, formats, languages and interests").click()
    expect(page.get_by_label("Minutes a week for learning")).to_have_value("90")
    assert ana.csp_violations() == []


def test_the_status_line_counts_changes_of_every_kind(browser, live_server, org):
    ana, page = plan_page(browser, live_server)
    words = page.evaluate("""async () => {
      const { t } = await import('/static/js/i18n.js');
      return [0, 1, 2].flatMap((count) => ['status.waiting', 'status.offline', 'status.refused']
        .map((key) => t(key, { count, reason: 'why' })));
    }""")
    assert words[3:] == [
        "1 change waiting to sync", "Offline — 1 change kept on this phone",
        "1 change could not be saved: why",
        "2 changes waiting to sync", "Offline — 2 changes kept on this phone",
        "2 changes could not be saved: why"]
    assert words[1] == "Offline — your changes will be kept on this phone"
    ana.context.set_offline(True)
    status = page.get_by_role("status")
    item(page, "Shelf basics").get_by_role("button", name="Drop").click()  # a plan change
    expect(status).to_have_text("Offline — 1 change kept on this phone")
    page.get_by_role("link", name="Plan", exact=True).click()
    page.get_by_text("Your time, formats, languages and interests").click()
    page.get_by_label("Using the tills").check()  # a goal: another kind of event
    expect(status).to_have_text("Offline — 2 changes kept on this phone")
    expect(status).not_to_contain_text("answer")
    ana.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(status).to_have_text("All saved", timeout=15_000)
    expect(page.locator("#app")).not_to_contain_text(WAITING)


def test_each_waiting_event_is_shown_once_and_an_unknown_one_is_kept(browser, live_server, org):
    ana, page = plan_page(browser, live_server)
    known = page.evaluate("""async () => {  // every module loads, and says its own type
      const { TYPES, modulesFor } = await import('/static/js/events/index.js');
      const modules = await modulesFor(TYPES);
      return TYPES.filter((type) => modules.get(type)?.type === type);
    }""")
    assert sorted(known) == sorted(registry().events)  # the client and the server agree
    ana.context.set_offline(True)
    add_own_item(page)
    # A newer app's event, or one this client never knew: it waits, it breaks nothing.
    page.evaluate("""async () => {
      const { get, put } = await import('/static/js/data/idb.js');
      const bundle = await get('kv', 'bootstrap');
      await put('outbox', { id: crypto.randomUUID(), type: 'plan.something.new', schema: 1,
        occurred_at: new Date().toISOString(), device_id: 'test', person_id: bundle.person.id,
        data: { item: 'own:x' } });
      await put('outbox', { id: crypto.randomUUID(), type: 'plan.item.changed', schema: 1,
        occurred_at: new Date().toISOString(), device_id: 'test', person_id: bundle.person.id,
        data: null });
    }""")
    page.reload()
    page.get_by_role("heading", name="Your plan").wait_for()
    own = item(page, "Shadow Grace on the Tuesday shift")
    expect(own).to_have_count(1)  # applied once, however often the plan is drawn
    expect(own.locator(".reasons")).to_have_text("You added this.")
    expect(own.locator(".meta")).to_contain_text(WAITING)
    expect(page.get_by_role("status")).to_have_text("Offline — 3 changes kept on this phone")
    types = page.evaluate("""async () => {
      const { all } = await import('/static/js/data/idb.js');
      return (await all('outbox')).map((e) => e.type).sort();
    }""")
    assert types == ["plan.item.added", "plan.item.changed", "plan.something.new"]
    assert [m for m in ana.console if "pageerror" in m] == []
