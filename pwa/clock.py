"""The one clock of the app: engine functions take ``now`` from here, never read it.

``SKILLPATH_CLOCK_OFFSET`` moves this clock (and only this clock) by a number of
days, e.g. ``365`` or ``-0.5``. The test suite runs once with the clock a year
ahead to prove that nothing depends on today's date; the demo can be shown as
of another day the same way. Unset, it is the machine's clock.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from functools import cache

OFFSET_VARIABLE = "SKILLPATH_CLOCK_OFFSET"


@cache
def _parse(days: str) -> timedelta:
    try:
        return timedelta(days=float(days))
    except (ValueError, OverflowError) as error:
        raise ValueError(f"{OFFSET_VARIABLE} must be a number of days, not {days!r}") from error


def offset() -> timedelta:
    """How far this clock is from the machine's (zero unless ``SKILLPATH_CLOCK_OFFSET`` is set)."""
    days = os.environ.get(OFFSET_VARIABLE, "").strip()
    return _parse(days) if days else timedelta(0)


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    moved = offset()
    try:
        return datetime.now(UTC) + moved
    except OverflowError as error:
        raise ValueError(f"{OFFSET_VARIABLE} moves the clock past the year 9999") from error
