"""The plan at phone size: made from the assessment, shaped offline, kept, synced, suggested to."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pwa import clock
from pwa.extensions import db
from pwa.models import Event, Organisation, Person, PlanChoice
from pwa.store import catalogue
from tests.browser.harness import add_own_item, enrol, item, open_phone, plan_page, wait_for_app
from tests.factories import ITEM_BASE, comp, publish_profile

pytestmark = pytest.mark.browser

def titles(page, section):
    """Item titles under the heading ``section`` (up to the next h2)."""
    return page.evaluate("""(section) => {
        const h = [...document.querySelectorAll('#app h2')].find((x) => x.textContent === section);
        const out = [];
        for (let n = h?.nextElementSibling; n && n.tagName !== 'H2'; n = n.nextElementSibling) {
            for (const t of n.querySelectorAll('.plan-item > .row-title, .row .row-title')) {
                if (!t.closest('.swap')) out.push(t.textContent);
            }
        }
        return out;
    }""", section)


LINES = "#app .plan > .plan-item > .row-title"  # not the alternatives a swap offers


def test_a_plan_made_shaped_offline_synced_and_suggested_to(browser, live_server, org):
    ana, page = plan_page(browser, live_server)
    # greeting 2 x 3 = 6 first; stock 2 x 2 = 4 and tills 1 x 4 = 4 tie: key order.
    expect(page.locator(LINES)).to_have_text(["Greeting book", "Shelf basics", "Till basics"])
    expect(item(page, "Till basics").locator(".reasons")).to_contain_text(
        "Using the tills: you said 1, your role (Store associate) needs 2")
    expect(item(page, "Till basics").locator(".reasons")).to_contain_text("high importance")
    ana.shot("40-plan")

    ana.context.set_offline(True)
    page.reload()
    page.get_by_role("heading", name="Your plan").wait_for()
    item(page, "Shelf basics").get_by_role("button", name="Pin here").click()
    expect(item(page, "Shelf basics").locator(".meta")).to_contain_text("pinned")
    item(page, "Till basics").get_by_role("button", name="Move up").click()  # and back
    expect(page.locator(LINES)).to_have_text(["Greeting book", "Till basics", "Shelf basics"])
    item(page, "Till basics").get_by_role("button", name="Move down").click()
    expect(page.locator(LINES)).to_have_text(["Greeting book", "Shelf basics", "Till basics"])
    item(page, "Greeting book").get_by_role("button", name="Drop").click()
    item(page, "Till basics").get_by_role("button", name="Done").click()
    add_own_item(page)
    page.reload()  # offline: served by the service worker, the changes from the outbox
    page.get_by_role("heading", name="Your plan").wait_for()
    expect(page.get_by_text("This is your last plan with your changes")).to_be_visible()
    offline = {"week": titles(page, "This week") + titles(page, "Later"),
               "done": titles(page, "Done"),
               "dropped": titles(page, "Dropped")}
    assert offline == {"week": ["Shelf basics", "Shadow Grace on the Tuesday shift"],
                       "done": ["Till basics"], "dropped": ["Greeting book"]}
    ana.shot("41-plan-offline")

    ana.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)
    page.reload()
    page.get_by_role("heading", name="Your plan").wait_for()
    expect(page.get_by_text("This is your last plan with your changes")).to_have_count(0)
    # The server agrees: the next greeting item takes the dropped one's place, the pinned
    # item stays second where it was pinned, the own item follows its competency's.
    online = [titles(page, "This week") + titles(page, "Later"), titles(page, "Done"),
              titles(page, "Dropped")]
    assert online == [["Greeting well", "Shelf basics", "Shadow Grace on the Tuesday shift"],
                      ["Till basics"], ["Greeting book"]]
    with live_server.app.app_context():
        states = dict(db.session.execute(sa.select(PlanChoice.competency, PlanChoice.state)
                                         .where(PlanChoice.origin.is_(None))).all())
    assert sorted(states.items()) == [("greet", "dropped"), ("stock", "pinned"),
                                      ("tills", "done")]
    with live_server.app.app_context():  # one tap, one event, however often the view was drawn
        sent = dict(db.session.execute(sa.select(Event.type, sa.func.count())
                                       .where(Event.type.like("plan.%"))
                                       .group_by(Event.type)).all())
    assert sent == {"plan.item.changed": 5, "plan.item.added": 1}
    ana.shot("42-plan-synced")

    grace = open_phone(browser)
    enrol(grace, live_server, "Grace Okafor")
    other = grace.page
    other.goto(f"{live_server.url}/app#/plan/suggest")
    wait_for_app(other)
    other.get_by_label("Colleague’s name").fill("Ana")
    other.get_by_role("button", name="Find").click()
    other.get_by_label("Ana Ruiz").check()
    other.get_by_label("What it helps them grow").select_option(label="Greeting customers")
    other.get_by_label("Something of my own").check()
    other.get_by_label("What is it?").fill("Watch me at the door on Saturday")
    other.get_by_label("Format").select_option(label="On the job")
    other.get_by_label("Minutes it takes").fill("15")
    other.get_by_label("A word for them").fill("Busiest day, best practice.")
    other.get_by_role("button", name="Send the suggestion").click()
    expect(other.get_by_text("Sent. Ana Ruiz will see it in their plan.")).to_be_visible()
    other.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)
    grace.shot("43-suggest")

    page.reload()
    page.get_by_text("Grace Okafor suggests: Watch me at the door on Saturday").wait_for(
        timeout=15_000)
    expect(page.get_by_text("“Busiest day, best practice.”")).to_be_visible()
    ana.shot("44-suggestion")
    page.get_by_role("button", name="Add to my plan").click()
    expect(item(page, "Watch me at the door on Saturday").locator(".reasons")).to_contain_text(
        "Suggested by Grace Okafor.")
    page.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)
    page.reload()
    expect(item(page, "Watch me at the door on Saturday")).to_have_count(1)
    expect(page.get_by_text("Suggested by colleagues")).to_have_count(0)
    assert ana.csp_violations() == [] and grace.csp_violations() == []
    ana.context.close()
    grace.context.close()


def test_readiness_for_the_future_role_and_a_swap_made_offline(browser, live_server, org):
    app = live_server.app
    publish_profile(app)  # store associate: greeting (3, importance 3), tills (2, 4)
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=(
        comp("greet", "Greeting customers", 5, 4), comp("lead", "Leading a team", 3, 3)))
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        for title, fmt, minutes in [("Greeting book", "book_study", 20),
                                    ("Greeting well", "classroom", 30)]:
            catalogue.save(org_id, {**ITEM_BASE, "title": title, "format": fmt,
                                    "duration_minutes": minutes,
                                    "competencies": ["store-associate/greet"]},
                           by=None, now=clock.now())
        db.session.commit()
    phone = open_phone(browser)
    page = phone.page
    enrol(phone, live_server, "Ana Ruiz")
    with app.app_context():
        ana = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
        ana.future_role_id = org["roles"]["warehouse-picker"]
        db.session.commit()
    page.goto(f"{live_server.url}/app")
    wait_for_app(page)
    page.get_by_role("link", name="Start").click()
    for name in ("Greeting customers", "Using the tills"):
        page.get_by_role("heading", name=name).wait_for()
        page.get_by_text("Watches others greet customers").click()
        page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("heading", name="Review your answers").wait_for()  # both answers kept
    page.goto(f"{live_server.url}/app#/plan")
    # Warehouse picker: greeting 1 of 5 at importance 4, leading 0 of 3 at importance 3:
    # (4 x 1/5 + 0) / 7 = 11%; the plan's greeting item makes it 2 of 5: 1.6 / 7 = 23%.
    expect(page.get_by_text("11% ready for Warehouse picker; 23% when this plan is done.")
           ).to_be_visible(timeout=15_000)  # once the ratings are synced and the plan made
    expect(item(page, "Greeting book").locator(".reasons")).to_contain_text(
        "your future role (Warehouse picker) needs 5")
    # Greeting is one skill in both roles, rated once; leading a team is not rated yet.
    expect(page.get_by_role("link", name="Rate yourself on 1 more competency of Warehouse "
                                        "picker to plan for it too.")).to_be_visible()
    phone.context.set_offline(True)
    page.reload()
    page.get_by_role("heading", name="Your plan").wait_for()
    line = item(page, "Greeting book")
    line.get_by_text("Swap for another (1)").click()
    expect(line.get_by_text("Another way to reach level 2 in Greeting customers.")
           ).to_be_visible()
    phone.shot("45-plan-swap")
    line.get_by_role("button", name="Choose this").click()
    expect(page.locator(LINES).first).to_have_text("Greeting well")
    assert titles(page, "Dropped") == ["Greeting book"]
    phone.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)
    page.reload()
    page.get_by_role("heading", name="Your plan").wait_for()
    expect(page.locator(LINES).first).to_have_text("Greeting well")
    expect(item(page, "Greeting well").locator(".meta")).to_contain_text("accepted")
    assert titles(page, "Dropped") == ["Greeting book"]
    assert phone.csp_violations() == []
    phone.context.close()
