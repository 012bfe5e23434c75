"""Reminder settings at phone size: the phone's time zone detected, bad input told plainly
beside its field, settings changed offline, kept after a cold start, synced once and kept
after a reload; the form fits 320 px with thumb-sized targets; the usual practice time
learned from the learner's answers is offered, and used once they say yes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pwa import clock
from pwa.extensions import db
from pwa.models import Event, Person, ReminderSettings
from tests.browser.harness import Phone, enrol, open_phone, seed, wait_for_app
from tests.factories import add_lesson, practise

pytestmark = pytest.mark.browser
KOLKATA = "Asia/Calcutta"


def settings_page(phone: Phone, server: Any) -> Any:
    page = phone.page
    page.goto(f"{server.url}/app#/reminders/settings")
    page.get_by_role("heading", name="Reminder settings").wait_for()
    return page


def server_side() -> dict[str, Any]:
    person = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
    row = db.session.get(ReminderSettings, person.id)
    events = db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.type == "reminders.settings.changed"))
    return {"time_zone": person.time_zone, "events": events,
            "row": None if row is None else (row.remind_at.isoformat(timespec="minutes"),
                                             row.days, row.kinds,
                                             row.quiet_start and row.quiet_start.isoformat(
                                                 timespec="minutes"))}


def test_reminder_settings_changed_offline_are_kept_after_sync_and_reload(
        browser, live_server, org):
    seed(live_server.app)
    ana = open_phone(browser, timezone_id="Asia/Kolkata")
    enrol(ana, live_server, "Ana Ruiz")
    page = ana.page
    page.goto(f"{live_server.url}/app")
    wait_for_app(page)
    page = settings_page(ana, live_server)
    # Nothing is on until she asks; the zone is the phone's, as Chromium names it (CLDR's
    # Asia/Calcutta for Asia/Kolkata; the server's time zone database knows both names).
    for kind in ("Plan reminder", "Practice reminder", "A colleague could mentor you"):
        expect(page.get_by_label(kind)).not_to_be_checked()
    expect(page.get_by_label("Your time zone")).to_have_value(KOLKATA)
    # Grouped by region, each named by its place; the phone's zone first, one tap away.
    groups = page.get_by_label("Your time zone").locator("optgroup")
    expect(groups.first).to_have_attribute("label", "This phone and your saved zone")
    expect(groups.first.locator("option")).to_have_text([KOLKATA.replace("_", " ")])
    picker = page.get_by_label("Your time zone")
    asia = picker.locator('optgroup[label="Asia"]')
    expect(asia.locator(f'option[value="{KOLKATA}"]')).to_have_text(KOLKATA.split("/")[1])
    expect(picker.locator('optgroup[label="Americas"]')).to_have_count(1)
    ana.shot("reminders-settings-01-first-look")

    ana.context.set_offline(True)
    page.get_by_label("Plan reminder").check()
    page.get_by_label("Practice reminder").check()
    page.get_by_label("Remind me at").fill("07:30")
    page.get_by_label("From").fill("07:00")
    page.get_by_label("Until").fill("07:00")
    page.get_by_role("button", name="Save reminder settings").click()
    expect(page.get_by_text("Quiet hours cannot last the whole day")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text(
        "One setting needs a change before it can be saved.")
    expect(page.get_by_label("Until")).to_be_focused()
    expect(page.get_by_label("Until")).to_have_attribute("aria-invalid", "true")
    ana.shot("reminders-settings-02-whole-day-refused")

    page.get_by_label("From").fill("07:00")
    page.get_by_label("Until").fill("08:00")
    page.get_by_role("button", name="Save reminder settings").click()
    # Times as the learner's locale writes them (en: 7:30 AM).
    expect(page.get_by_text("7:30 AM is inside your quiet hours (7:00 AM to 8:00 AM)")
           ).to_be_visible()
    expect(page.get_by_label("Remind me at")).to_be_focused()

    page.get_by_label("From").fill("22:00")
    page.get_by_label("Until").fill("06:30")
    for day in ("Sat", "Sun"):
        page.locator("label", has_text=day).click()
    page.get_by_label("Someone asks you to mentor them, or answers your request").check()
    page.get_by_role("button", name="Save reminder settings").click()
    expect(page.get_by_text("Saved on this phone. They reach the server when it is online.")
           ).to_be_visible()
    expect(page.get_by_role("alert")).to_be_hidden()
    page.get_by_role("status").filter(has_text="1 change kept on this phone").wait_for()
    ana.shot("reminders-settings-03-saved-offline")
    with live_server.app.app_context():
        assert server_side()["events"] == 0

    # A cold start offline: the change waits in the outbox and is shown.
    ana.page.close()
    page = ana.context.new_page()
    page.set_default_timeout(10_000)
    ana.page = page
    page.goto(f"{live_server.url}/app#/reminders/settings")
    page.get_by_role("heading", name="Reminder settings").wait_for()
    expect(page.get_by_label("Remind me at")).to_have_value("07:30")
    expect(page.get_by_label("Sat", exact=True)).not_to_be_checked()
    expect(page.get_by_label("Plan reminder")).to_be_checked()

    ana.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)
    with live_server.app.app_context():
        assert server_side() == {
            "time_zone": KOLKATA, "events": 1,
            "row": ("07:30", [1, 2, 3, 4, 5],
                    ["plan", "practice", "mentor_request", "mentor_answer", "mentor_ended"],
                    "22:00")}
    page.reload()
    page.get_by_role("heading", name="Reminder settings").wait_for()
    expect(page.get_by_label("Remind me at")).to_have_value("07:30")
    expect(page.get_by_label("From")).to_have_value("22:00")
    expect(page.get_by_label("Until")).to_have_value("06:30")
    expect(page.get_by_label("Mon", exact=True)).to_be_checked()
    expect(page.get_by_label("Sun", exact=True)).not_to_be_checked()
    expect(page.get_by_label("Practice reminder")).to_be_checked()
    expect(page.get_by_label("Your role’s profile changed")).not_to_be_checked()
    expect(page.get_by_label("Your time zone")).to_have_value(KOLKATA)
    ana.shot("reminders-settings-04-after-sync-and-reload")
    assert ana.csp_violations() == []
    ana.context.close()


def test_reminder_settings_fit_320_pixels_one_thumb(browser, live_server, org):
    seed(live_server.app)
    ana = open_phone(browser, viewport={"width": 320, "height": 640},
                     timezone_id="America/St_Johns")
    enrol(ana, live_server, "Ana Ruiz")
    ana.page.goto(f"{live_server.url}/app")
    wait_for_app(ana.page)
    page = settings_page(ana, live_server)
    page.get_by_label("Practice reminder").check()
    for n in range(1, 8):
        page.locator(f"#rs-day-{n}").uncheck()
    page.get_by_role("button", name="Save reminder settings").click()
    expect(page.get_by_text("Choose at least one day for your reminders.")).to_be_visible()
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= innerWidth")
    # Nothing sticks out of the form's right edge (a fieldset is min-content wide by default).
    over = page.evaluate("""() => {
      const edge = document.querySelector('#reminder-settings').getBoundingClientRect().right;
      return [...document.querySelectorAll('#reminder-settings *')]
        .filter((el) => el.offsetParent && el.getBoundingClientRect().right > edge + 0.5)
        .map((el) => el.id || el.tagName);
    }""")
    assert over == []
    small = page.evaluate("""() => [...document.querySelectorAll(
        '#app button, #app a, #app .check label, #app input:not([type=checkbox]), #app select')]
      .filter((el) => el.offsetParent && el.getBoundingClientRect().height < 44)
      .map((el) => el.id || el.textContent.trim())""")
    assert small == []
    # Every field has a name a screen reader reads.
    unnamed = page.evaluate("""() => [...document.querySelectorAll('#app input, #app select')]
      .filter((el) => el.type !== 'hidden' && !el.labels?.length).map((el) => el.id)""")
    assert unnamed == []
    ana.shot("reminders-settings-05-320-no-day")
    assert ana.csp_violations() == []
    ana.context.close()


def test_the_usual_practice_time_is_shown_and_used_once_confirmed(browser, live_server, org):
    seed(live_server.app)
    ana = open_phone(browser, timezone_id="Europe/Madrid")
    enrol(ana, live_server, "Ana Ruiz")
    with live_server.app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
        person.time_zone = "Europe/Madrid"
        db.session.commit()
    lesson = add_lesson(live_server.app, competency="store-associate/greet")
    # Six mornings of practice, the first answer of each at 07:10 (CET, 06:10 UTC) or so.
    start = (clock.now() - timedelta(days=9)).replace(hour=6, minute=10, second=0,
                                                      microsecond=0)
    first = [start + timedelta(days=n, minutes=(0, 5, -5, 0, 2, 0)[n]) for n in range(6)]
    practise(live_server.app, "Ana Ruiz", lesson,
             [(0, True, at) for at in first] + [(1, True, at + timedelta(hours=2)) for at in first])
    page = ana.page
    page.goto(f"{live_server.url}/app")
    wait_for_app(page)
    page = settings_page(ana, live_server)
    expect(page.get_by_text("You usually practise around 7:10 AM. Remind you then?")
           ).to_be_visible()
    yes = page.get_by_label("Yes, remind me to practise at 7:10 AM")
    expect(yes).not_to_be_checked()
    # The quiet hours she starts with (21:00 to 08:00) hold it: she is told, and refused.
    expect(page.get_by_text("That is inside your quiet hours, which end at 8:00 AM.")
           ).to_be_visible()
    ana.shot("reminders-settings-06-usual-time-offered")
    page.get_by_label("Practice reminder").check()
    yes.check()
    page.get_by_role("button", name="Save reminder settings").click()
    expect(page.get_by_text("7:10 AM is inside your quiet hours (9:00 PM to 8:00 AM)")
           ).to_be_visible()
    expect(yes).to_be_focused()
    page.get_by_label("Until").fill("07:00")
    page.get_by_role("button", name="Save reminder settings").click()
    expect(page.get_by_text("Saved.", exact=True)).to_be_visible()
    for _ in range(100):  # online: the outbox is sent at once
        with live_server.app.app_context():
            if server_side()["events"]:
                break
        page.wait_for_timeout(100)
    page.get_by_role("status").filter(has_text="All saved").wait_for()
    expect(page.get_by_text("Saved.", exact=True)).to_be_visible()  # still, after the sync
    with live_server.app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
        row = db.session.get(ReminderSettings, person.id)
        assert (row.usual_practice.isoformat(timespec="minutes"), row.usual_confirmed,
                row.kinds) == ("07:10", True, ["practice"])
    page.reload()
    expect(page.get_by_label("Yes, remind me to practise at 7:10 AM")).to_be_checked()
    assert ana.csp_violations() == []
    ana.context.close()
