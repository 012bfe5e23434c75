"""Issue 18 at phone size: a dropped item's alternatives by length, a rating shared by two
profiles, and the notice that a role's profile changed."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from engine.profiles import Competency
from pwa import clock
from pwa.extensions import db
from pwa.models import Organisation, Person, Role
from pwa.store import catalogue
from tests.browser.harness import enrol, open_phone, wait_for_app
from tests.factories import ITEM_BASE, LEVELS, comp, publish_change, publish_profile

pytestmark = pytest.mark.browser


def add_items(app, *items):
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        for title, fmt, minutes, competency in items:
            catalogue.save(org_id, {**ITEM_BASE, "title": title, "format": fmt,
                                    "duration_minutes": minutes, "competencies": [competency]},
                           by=None, now=clock.now())
        db.session.commit()


def rate_all(page, names, submit=True):
    """From the self-assessment page: rate each competency level 2 in turn, then submit."""
    page.get_by_role("link", name="Start").click()
    for name in names:
        page.get_by_role("heading", name=name).wait_for()
        page.get_by_text(LEVELS[1]).click()
        page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("heading", name="Review your answers").wait_for()
    if submit:
        page.get_by_role("button", name="Submit my self-assessment").click()
        page.get_by_role("heading", name="Your results").wait_for()


def signed_in(browser, server):
    ana = open_phone(browser)
    enrol(ana, server, "Ana Ruiz")
    ana.page.goto(f"{server.url}/app")
    wait_for_app(ana.page)
    return ana


def all_saved(page):
    page.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)


def test_a_dropped_lesson_offers_the_nearest_lengths_first_and_says_how_long(
        browser, live_server, org):
    app = live_server.app
    publish_profile(app)
    greet = "store-associate/greet"
    add_items(app, ("Greeting in four minutes", "course", 4, greet),
              ("Greeting project", "group_project", 480, greet),
              ("Greeting in five minutes", "course", 5, greet))
    ana = signed_in(browser, live_server)
    page = ana.page
    rate_all(page, ("Greeting customers", "Using the tills"))
    all_saved(page)
    page.get_by_role("link", name="Plan", exact=True).click()
    page.get_by_role("heading", name="Your plan").wait_for()
    line = page.locator("#app .plan > .plan-item").first
    expect(line.locator("> .row-title")).to_have_text("Greeting in four minutes")
    line.get_by_text("Swap for another (2)").click()
    expect(line.locator(".swap .row-title")).to_have_text(["Greeting in five minutes",
                                                            "Greeting project"])
    expect(line.locator(".swap .length")).to_have_text(["About the same length",
                                                        "7 hr, 56 min longer"])
    ana.shot("90-plan-swap-lengths")

    ana.context.set_offline(True)
    line.get_by_role("button", name="Drop").click()
    expect(page.locator("#app .row.plan-item .row-title")).to_have_text(
        "Greeting in four minutes")  # under Dropped, with what could take its place
    dropped = page.locator("#app")
    expect(dropped.locator(".instead")).to_contain_text(
        "Something else for Greeting customers, nearest in length first:")
    expect(dropped.locator(".instead .row-title")).to_have_text(["Greeting in five minutes",
                                                                  "Greeting project"])
    expect(dropped.locator(".instead .length")).to_have_text(["About the same length",
                                                              "7 hr, 56 min longer"])
    ana.shot("91-plan-dropped-instead")

    ana.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    all_saved(page)
    page.reload()
    page.get_by_role("heading", name="Your plan").wait_for()
    # The server agrees: the five-minute course takes the four-minute one's place.
    line = page.locator("#app .plan > .plan-item").first
    expect(line.locator("> .row-title")).to_have_text("Greeting in five minutes")
    expect(line.locator(".replaces")).to_have_text(
        "In place of “Greeting in four minutes”, which you dropped: about the same length.")
    ana.shot("92-plan-replaced")
    assert ana.csp_violations() == []


def test_a_future_role_asks_only_what_is_new_to_it(browser, live_server, org):
    app = live_server.app
    publish_profile(app)  # store associate: greeting, tills
    reworded = Competency("tills", "Using the tills", "About tills.", "Tills",
                          ("Watches a picker scan parcels at the packing bench.", *LEVELS[1:]),
                          3, 3)
    publish_profile(app, "warehouse-picker", "Wes Moyo",
                    (comp("greet", "Greeting customers", 4), reworded,
                     comp("pick", "Picking orders", group="Picking")))
    ana = signed_in(browser, live_server)
    page = ana.page
    rate_all(page, ("Greeting customers", "Using the tills"))
    all_saved(page)
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
        person.future_role_id = db.session.scalar(
            sa.select(Role.id).where(Role.slug == "warehouse-picker"))
        db.session.commit()
    page.goto(f"{live_server.url}/app#/plan")
    page.reload()  # the bundle with the future role
    all_saved(page)
    page.get_by_role("heading", name="Your plan").wait_for()
    # greeting is shared (same key, same words); tills reads otherwise; picking is new.
    link = page.get_by_role("link", name="Rate yourself on 2 more competencies of "
                                          "Warehouse picker to plan for them too.")
    expect(link).to_be_visible()
    ana.shot("93-plan-rate-future")
    link.click()
    expect(page.get_by_text("1 of 3 rated").first).to_be_visible()
    rows = page.locator("#app .list .row-link")
    expect(rows.locator(".hint")).to_have_text(["You: level 2 · target 4",
                                                "Not rated yet · target 3",
                                                "Not rated yet · target 3"])
    ana.shot("94-assess-future-shared")
    page.get_by_role("link", name="Continue").click()
    page.get_by_role("heading", name="Using the tills").wait_for()  # not greeting again
    assert ana.csp_violations() == []


def test_a_new_version_of_the_profile_is_said_plainly_until_rated_again(
        browser, live_server, org):
    app = live_server.app
    author_id = publish_profile(app)
    ana = signed_in(browser, live_server)
    page = ana.page
    rate_all(page, ("Greeting customers", "Using the tills"))
    all_saved(page)
    published = clock.now()  # after her ratings
    publish_change(app, author_id, 1, lambda tills: replace(
        tills, levels=("Watches a colleague use the till.", *tills.levels[1:])),
        "Clearer first level for tills.", at=published)

    page.goto(f"{live_server.url}/")
    notice = page.locator(".profile-changed")
    expect(notice.get_by_role("heading")).to_have_text("The profile of Store associate changed")
    expect(notice).to_contain_text(  # her time zone is UTC
        f"Version 2 was published on {published:%B} {published.day}, {published.year}.")
    expect(notice).to_contain_text("Look again at 1 competency you rated before it changed.")
    ana.shot("95-home-profile-changed")
    notice.get_by_role("link", name="Rate it again").click()
    page.get_by_role("heading", name="Using the tills").wait_for()
    all_saved(page)  # the new version arrived with the bundle
    page.goto(f"{live_server.url}/app#/")
    notice = page.locator("#app .profile-changed")
    expect(notice).to_contain_text("The profile of Store associate changed")
    expect(notice).to_contain_text("Version 2 was published on")
    expect(notice).to_contain_text("Look again at 1 competency you rated before it changed.")
    ana.shot("96-assess-profile-changed")
    notice.get_by_role("link", name="Rate it again").click()
    page.get_by_role("heading", name="Using the tills").wait_for()
    page.get_by_text(LEVELS[2]).click()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("heading", name="Review your answers").wait_for()
    page.goto(f"{live_server.url}/app#/")
    page.get_by_role("heading", name="Your self-assessment").wait_for()
    expect(page.locator("#app .profile-changed")).to_have_count(0)
    all_saved(page)
    page.goto(f"{live_server.url}/")
    page.get_by_role("heading", name="Hello, Ana").wait_for()
    expect(page.locator(".profile-changed")).to_have_count(0)
    assert ana.csp_violations() == []
