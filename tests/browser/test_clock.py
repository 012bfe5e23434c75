"""The phone's clock moves with the app's: the year-ahead run holds for the browser too.

With ``SKILLPATH_CLOCK_OFFSET`` set, an event the phone writes must carry the
moved time, or a rating made "now" on the phone would be older than the demo's
and never count. Without it, the phone keeps the machine's clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pwa import clock
from tests.browser.harness import open_phone

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("days", ["", "365", "-40"])
def test_the_phone_reads_the_apps_clock(browser, monkeypatch, days):
    monkeypatch.setenv(clock.OFFSET_VARIABLE, days)
    phone = open_phone(browser)
    try:
        phone.page.set_content("<p>clock</p>")
        first = phone.page.evaluate("Date.now()")
        phone.page.wait_for_timeout(300)  # the moved clock still runs, timers too
        second = phone.page.evaluate("Date.now()")
    finally:
        phone.context.close()
    seen = datetime.fromtimestamp(first / 1000, UTC)
    assert abs(seen - clock.now()) < timedelta(seconds=30)
    assert abs(seen - datetime.now(UTC) - clock.offset()) < timedelta(seconds=30)
    assert 250 <= second - first < 5000
