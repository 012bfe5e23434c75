"""A page whose every try lost a race (PostgreSQL ended each as a deadlock) at phone size:
it says nothing was saved and nothing is lost, holds what was sent, fits 390 and 320 px,
and one tap sends it again once the race is over."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sqlalchemy.exc import OperationalError

from pwa.extensions import db
from pwa.models import ProfileVersion
from pwa.store import profiles as store
from tests.browser.harness import OVERFLOW, open_phone
from tests.factories import (
    Deadlocked,
    draft_to_publish,
    make_invite,
    publish_profile,
    published_numbers,
)

pytestmark = pytest.mark.browser


def test_a_publish_that_lost_every_race_is_sent_again_with_one_tap(
        browser, live_server, org, monkeypatch):
    author_id = publish_profile(live_server.app)
    draft_to_publish(live_server.app, author_id)
    real = store.publish

    def always_deadlocked(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise OperationalError("UPDATE people ...", {}, Deadlocked())

    author = open_phone(browser)
    page = author.page
    page.goto(f"{live_server.url}/enrol/{make_invite(live_server.app, author_id)}")
    page.get_by_role("button", name="Create my passkey").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/author/store-associate/draft")
    summary = "Tills: the target is level 1 now, for every store."
    page.get_by_label("What changed, for learners to read").fill(summary)
    monkeypatch.setattr(store, "publish", always_deadlocked)
    page.get_by_role("button", name="Publish").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Not saved yet")
    expect(page.get_by_text("Nothing you sent is lost")).to_be_visible()
    assert published_numbers(live_server.app) == [1]
    for width, height in ((390, 844), (320, 640)):
        page.set_viewport_size({"width": width, "height": height})
        found = page.evaluate(OVERFLOW)
        assert found["scroll"] <= found["width"] and found["wide"] == [], (width, found)
        expect(page.get_by_role("button", name="Send it again")).to_be_in_viewport()
        author.shot(f"lost-race-{width}")

    monkeypatch.setattr(store, "publish", real)  # the race is over
    page.get_by_role("button", name="Send it again").click()
    expect(page.get_by_text("Version 2 is published")).to_be_visible()
    assert published_numbers(live_server.app) == [1, 2]
    with live_server.app.app_context():  # what was typed, kept by the page through the race
        assert db.session.scalar(sa.select(ProfileVersion.summary).where(
            ProfileVersion.number == 2)) == summary
    assert author.csp_violations() == []
    author.context.close()
