"""What a walk at phone size met, each fixed and measured here (Chromium at 390x844, and
320 wide where the layout depends on it): hidden fields shown, radios stretched away from
their labels, a report that scrolls sideways, links too small for a thumb, and an
author's confirmation scrolled off screen."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pwa import clock, demo
from pwa.extensions import db
from pwa.models import Person, Role
from pwa.store import feedback
from tests.browser.harness import SCREENSHOTS, enrol, wait_for_app
from tests.factories import make_invite, make_person, publish_profile, seed_catalogue

pytestmark = pytest.mark.browser

BAR = 60  # the navigation bar's height: what is under it is not seen

BOX = "(el) => { const r = el.getBoundingClientRect(); return {left: r.left, right: r.right, " \
      "top: r.top, bottom: r.bottom, width: r.width, height: r.height}; }"


def box(locator):
    return locator.evaluate(BOX)


def open_app_as(phone, server, name="Ana Ruiz", **person):
    enrol(phone, server, name, **person)
    page = phone.page
    page.goto(f"{server.url}/app")
    wait_for_app(page)
    return page


def test_a_suggestion_shows_only_its_fields_and_gives_way_to_the_confirmation(
        phone, live_server, org):
    seed_catalogue(live_server.app)  # Grace Okafor authors the store associates' profile
    page = open_app_as(phone, live_server)
    page.goto(f"{live_server.url}/app#/plan/suggest")
    form = page.locator("#suggest")
    expect(form).to_be_hidden()  # until a colleague is chosen
    page.get_by_label("Colleague’s name").fill("Grace")
    page.get_by_role("button", name="Find").click()
    page.get_by_label("Grace Okafor").check()
    expect(form).to_be_visible()
    expect(page.get_by_label("Greeting well")).to_be_visible()
    expect(page.locator("#sg-own")).to_be_hidden()  # the fields of "Something of my own"
    expect(page.get_by_label("Title")).to_be_hidden()
    page.get_by_label("Something of my own").check()
    expect(page.locator("#sg-own")).to_be_visible()
    page.get_by_label("Greeting well").check()
    expect(page.locator("#sg-own")).to_be_hidden()
    page.get_by_label("A word for them").fill("It helped me.")
    page.get_by_role("button", name="Send the suggestion").click()

    expect(page.get_by_text("Sent. Grace Okafor will see it in their plan.")).to_be_visible()
    expect(form).to_be_hidden()
    expect(page.locator("#find")).to_be_hidden()
    phone.shot("80-suggestion-sent")
    page.get_by_role("button", name="Suggest something else").click()
    expect(page.get_by_label("Colleague’s name")).to_be_visible()
    expect(page.get_by_label("Colleague’s name")).to_have_value("")
    expect(page.get_by_text("Sent. Grace Okafor")).to_have_count(0)
    assert phone.csp_violations() == []


@pytest.mark.parametrize("width", [390, 320])
def test_a_radio_keeps_its_size_beside_its_label(phone, live_server, org, width):
    publish_profile(live_server.app)
    page = open_app_as(phone, live_server)
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{live_server.url}/app#/feedback/store-associate")
    for name in ("Outdated", "Something is missing"):
        radio = page.get_by_label(name)
        label = page.locator("label", has_text=name)
        dot, words = box(radio), box(label)
        assert dot["width"] <= 32, dot
        assert 0 <= words["left"] - dot["right"] <= 20, (dot, words)
        assert words["height"] >= 44, words  # the label takes the tap: a thumb high
    phone.shot(f"81-feedback-radios-{width}")


@pytest.mark.parametrize("width", [390, 320])
def test_priorities_on_a_phone_are_cards_with_the_score_first(phone, live_server, width):
    server = live_server
    with server.app.app_context():
        demo.seed()
        db.session.commit()
    enrol(phone, server, demo.LD_ADMIN[0], role=demo.LD_ADMIN[1], ld_admin=True)
    page = phone.page
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{server.url}/reports/priorities/store-associate")
    expect(page.locator("table.report")).to_be_hidden()
    cards = page.locator("li.priority")
    expect(cards.first).to_be_visible()
    count = cards.count()
    assert count >= 5
    first = cards.first
    terms = first.locator("dl.figures").first.locator("dt")
    assert terms.all_inner_texts()[:2] == ["Score", "Below target"]
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
      .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5
        || (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible'))
      .map((el) => el.outerHTML.slice(0, 80))""")
    assert wide == [], wide
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    for i in range(count):
        for cell in cards.nth(i).locator("dt, dd").all():
            assert box(cell)["right"] <= width, cell.inner_text()
    phone.shot(f"82-priorities-cards-{width}")
    first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"82-priorities-cards-{width}-view.png"))


def test_links_that_stand_alone_are_a_thumb_high(phone, live_server, org):
    seed_catalogue(live_server.app)
    page = open_app_as(phone, live_server, "Priya N", ld_admin=True)
    server = live_server.url
    seen = {}

    def measure(name, **kw):
        link = page.get_by_role("link", name=name, **kw).first
        link.wait_for()
        seen[name] = box(link)

    measure("See your results")
    page.get_by_role("link", name="Start").click()
    measure("Stop here and continue later")
    measure("This description is off? Tell the authors")
    page.goto(f"{server}/app#/results")
    measure("Back to the self-assessment")
    page.goto(f"{server}/app#/plan/add")
    measure("Back to your plan")
    page.goto(f"{server}/reports/priorities/store-associate")
    measure("Reports", exact=True)
    page.goto(f"{server}/admin/catalogue")
    for title in ("Till basics", "Greeting well", "Pick paths"):
        measure(title, exact=True)
    page.goto(f"{server}/account")
    measure("Your details")
    small = {name: b for name, b in seen.items() if b["height"] < 44 or b["width"] < 44}
    assert small == {}, small
    phone.shot("83-catalogue-titles")


def test_an_author_sees_the_confirmation_where_the_card_is(phone, live_server, org):
    server = live_server
    author_id = publish_profile(server.app)
    learner_id = make_person(server.app, "Ana Ruiz")
    with server.app.app_context():
        ana = db.session.get(Person, learner_id)
        role = db.session.scalar(sa.select(Role).where(Role.slug == "store-associate"))
        for n in range(4):
            feedback.give_feedback(ana, role, competency_key="tills", kind="unclear",
                                   text=f"Note {n + 1}: the tills level 3 reads two ways.",
                                   now=clock.now())
        db.session.commit()
    page = phone.page
    page.goto(f"{server.url}/enrol/{make_invite(server.app, author_id)}")
    page.get_by_role("button", name="Create my passkey").click()
    page.wait_for_url(f"{server.url}/")
    page.goto(f"{server.url}/author/store-associate")
    card = page.locator("article", has_text="Note 4:")
    card.get_by_label("Reply to the learner").fill("Thanks: clearer in the next version.")
    card.get_by_role("button", name="Accept into the draft").click()
    said = page.get_by_text("Accepted and linked to the draft.")
    expect(said).to_be_visible()
    page.wait_for_timeout(200)  # the jump to the card's anchor
    where = box(said)
    height = page.evaluate("innerHeight")
    assert where["top"] >= 0 and where["bottom"] <= height - BAR, (where, height)
    assert page.evaluate("scrollY") > 0  # the page opened at the card, not at its top
    expect(card.get_by_text("Accepted", exact=True)).to_be_visible()
    phone.shot("84-author-accepted")
