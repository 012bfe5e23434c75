"""The learner can read the promise: who sees their ratings, how L&D's releases protect
them and when the last one was, from the self-assessment, online and offline, at 390 and
320 px wide."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pwa import clock
from pwa.extensions import db
from pwa.models import Person
from pwa.store import releases
from tests.browser.harness import enrol, wait_for_app
from tests.factories import publish_profile

pytestmark = pytest.mark.browser

ZONE = "Pacific/Auckland"  # far from UTC: the day shown is the learner's
PROMISE = [
    "Only you see your ratings and the notes you write with them. Not your manager, "
    "not L&D, not the authors of your role’s profile.",
    "Once a week L&D gets counts of groups of people.",
    "A little noise is added to them, so that nobody, not even L&D, can work out one "
    "person’s answers.",
    "A group of fewer than 5 people shows as “too few people to show”.",
    "Your plan is yours: nobody else sees it.",
    "A mentor learns what you want help with only when you ask that mentor, and sees your "
    "rating only if you tick the box to share it in that request.",
]


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_promise_the_last_release_offline_and_at_320(phone, live_server, org):
    app = live_server.app
    publish_profile(app)
    enrol(phone, live_server, "Ana Ruiz")
    with app.app_context():
        ana = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
        ana.locale, ana.time_zone = "en-GB", ZONE
        db.session.commit()
    page = phone.page
    page.goto(f"{live_server.url}/app")
    wait_for_app(page)

    # From the self-assessment, and from a question, one tap away.
    page.get_by_role("link", name="Start").click()
    page.get_by_role("heading", name="Greeting customers").wait_for()
    expect(page.get_by_role("link", name="Who sees your ratings")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assess").click()
    page.get_by_role("heading", name="Your self-assessment").wait_for()
    expect(page.get_by_text("Only you see your ratings.")).to_be_visible()
    phone.shot("49-assess-privacy-line")
    page.get_by_role("link", name="Who sees your ratings").click()
    page.get_by_role("heading", name="Who sees your ratings", level=1).wait_for()
    assert page.url.endswith("/app#/privacy")
    for sentence in PROMISE:
        expect(page.get_by_text(sentence)).to_be_visible()
    expect(page.get_by_text("There has been no release yet.")).to_be_visible()
    expect(page.get_by_role("link", name="Download or delete your data")) \
        .to_have_attribute("href", "/account/data")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Assess")) \
        .to_have_attribute("aria-current", "page")
    assert fits(page)
    phone.shot("50-privacy-390")

    # L&D's release is published on the server: the next sync brings its day.
    with app.app_context():
        released = releases.publish(org["id"], clock.now())
        db.session.commit()
        day = released.computed_at.astimezone(ZoneInfo(ZONE))
    when = f"The last release was on {day.day} {day:%B} {day.year}."
    page.reload()
    expect(page.get_by_text(when)).to_be_visible(timeout=15_000)
    expect(page.get_by_text("There has been no release yet.")).to_have_count(0)
    page.get_by_role("status").filter(has_text="All saved").wait_for()

    # Offline it opens all the same, from what the phone keeps.
    phone.context.set_offline(True)
    page.goto(f"{live_server.url}/app#/")
    page.get_by_role("heading", name="Your self-assessment").wait_for()
    page.get_by_role("link", name="Who sees your ratings").click()
    page.get_by_role("heading", name="Who sees your ratings", level=1).wait_for()
    expect(page.get_by_text(when)).to_be_visible()
    page.reload()
    page.get_by_role("heading", name="Who sees your ratings", level=1).wait_for()
    for sentence in PROMISE:
        expect(page.get_by_text(sentence)).to_be_visible()
    expect(page.get_by_text(when)).to_be_visible()

    # The narrowest phone: nothing runs off the side.
    page.set_viewport_size({"width": 320, "height": 640})
    expect(page.get_by_text(when)).to_be_visible()
    assert fits(page)
    phone.shot("51-privacy-320")
    phone.context.set_offline(False)

    page.get_by_role("link", name="Back to your self-assessment").click()
    page.get_by_role("heading", name="Your self-assessment").wait_for()

    # Another schedule, a threshold of one, and a bundle kept from before the server said.
    said = page.evaluate("""async () => {
      const { render } = await import('/static/js/views/privacy.js');
      const text = (reports) => {
        const div = document.createElement('div');
        div.innerHTML = render({ bundle: reports ? { reports } : {} });
        return div.textContent.replace(/\\s+/g, ' ');
      };
      return [text({ days: 14, threshold: 1, last_release_at: null }),
              text({ days: 1, threshold: 5, last_release_at: null }), text(null)];
    }""")
    assert "Every 14 days L&D gets counts of groups of people." in said[0]
    assert "A group of fewer than 1 person shows as" in said[0]
    assert "Once a day L&D gets counts of groups of people." in said[1]
    assert "From time to time L&D gets counts" in said[2]
    assert "Connect once to the internet to see when the last release was." in said[2]
    assert "fewer than" not in said[2] and "(s)" not in "".join(said)
    assert [m for m in phone.console if "pageerror" in m] == []
    assert phone.csp_violations() == []
