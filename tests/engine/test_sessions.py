"""Golden tests of the session rules, written from the rule, not from the code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine import sessions
from engine.sessions import Device, Lifetimes, SessionState

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
LIFETIMES = Lifetimes(idle=30 * DAY, absolute=90 * DAY)


@pytest.mark.parametrize(("last_seen", "at", "ended"), [
    (T0, T0, False),
    (T0, T0 + 30 * DAY - timedelta(seconds=1), False),
    (T0, T0 + 30 * DAY, True),  # the instant the idle lifetime runs out already counts
    (T0 + 29 * DAY, T0 + 58 * DAY, False),  # used within the month: still standing
    (T0 + 89 * DAY, T0 + 90 * DAY - timedelta(seconds=1), False),
    (T0 + 89 * DAY, T0 + 90 * DAY, True),  # used daily, yet over after 90 days
    (T0 + 89 * DAY, T0 + 91 * DAY, True),
])
def test_a_session_ends_when_unused_for_the_idle_lifetime_or_older_than_the_absolute(
        last_seen, at, ended):
    assert sessions.has_ended(SessionState(T0, last_seen), at, LIFETIMES) is ended


@pytest.mark.parametrize(("since", "touch"), [
    (timedelta(0), False),
    (timedelta(seconds=59), False),
    (timedelta(minutes=1), True),
    (timedelta(hours=5), True),
])
def test_use_is_recorded_at_most_once_a_minute(since, touch):
    assert sessions.needs_touch(SessionState(T0, T0), T0 + since) is touch


def test_times_must_be_aware_and_lifetimes_longer_than_zero():
    with pytest.raises(ValueError):
        sessions.has_ended(SessionState(T0, T0), datetime(2026, 3, 2), LIFETIMES)
    with pytest.raises(ValueError):
        Lifetimes(idle=timedelta(0), absolute=DAY)


@pytest.mark.parametrize(("user_agent", "browser", "os"), [
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Mobile Safari/537.36", "Chrome", "Android"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari", "iOS"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1", "Chrome", "iOS"),
    ("Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36", "Samsung Internet", "Android"),
    ("Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0", "Firefox",
     "Android"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.68", "Edge", "Windows"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Safari/605.1.15", "Safari", "macOS"),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36", "Chrome", "ChromeOS"),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0", "Opera", "Linux"),
    ("Werkzeug/3.1.3", None, None),
    ("", None, None),
    (None, None, None),
])
def test_the_device_is_named_by_browser_and_system(user_agent, browser, os):
    assert sessions.describe(user_agent) == Device(browser, os)


def test_only_the_start_of_a_long_header_is_read():
    assert sessions.describe("x" * 10_000 + " Android Chrome/1") == Device(None, None)
