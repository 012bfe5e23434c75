"""The app's one clock, and the offset the suite's year-ahead run moves it by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pwa import clock


def test_the_clock_is_the_machines_unless_moved(monkeypatch):
    monkeypatch.delenv(clock.OFFSET_VARIABLE, raising=False)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
    assert clock.now().tzinfo is not None


@pytest.mark.parametrize("days, moved", [
    ("365", timedelta(days=365)), ("-0.5", timedelta(hours=-12)), (" 1 ", timedelta(days=1))])
def test_an_offset_moves_the_clock_by_that_many_days(monkeypatch, days, moved):
    monkeypatch.setenv(clock.OFFSET_VARIABLE, days)
    assert clock.offset() == moved
    assert abs(clock.now() - (datetime.now(UTC) + moved)) < timedelta(seconds=5)


@pytest.mark.parametrize("days", ["a year", "365d", "nan", "1e300", "1e7"])
def test_an_offset_that_is_not_a_number_of_days_says_so(monkeypatch, days):
    monkeypatch.setenv(clock.OFFSET_VARIABLE, days)
    with pytest.raises(ValueError, match=clock.OFFSET_VARIABLE):
        clock.now()
