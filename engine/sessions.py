"""Rules of sessions: when a signed-in device stops being signed in, and how it is named.

A session ends when it has not been used for the idle lifetime, or when it is
older than the absolute lifetime, whichever comes first. Use is recorded at
most once a minute (``TOUCH_EVERY``), so reading a page is not a write each time;
the idle limit is then exact to within that minute.

A person recognises a session by its browser and system ("Chrome on Android"),
read from the User-Agent header: only those two names are kept, never the
header itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

TOUCH_EVERY = timedelta(minutes=1)
USER_AGENT_READ = 512  # characters of the header looked at; nothing we look for comes later


@dataclass(frozen=True)
class Lifetimes:
    """How long a session may go unused (``idle``) and how long it may last at all."""

    idle: timedelta
    absolute: timedelta

    def __post_init__(self) -> None:
        if self.idle <= timedelta(0) or self.absolute <= timedelta(0):
            raise ValueError("session lifetimes must be longer than zero")


@dataclass(frozen=True)
class SessionState:
    """The facts about one session that decide whether it still stands."""

    created_at: datetime
    last_seen_at: datetime


def has_ended(session: SessionState, now: datetime, lifetimes: Lifetimes) -> bool:
    """Whether ``session`` is over at ``now``: unused too long, or simply too old.

    The instant a lifetime runs out already counts as ended, as for invites.
    """
    _require_aware(now)
    return (now >= session.last_seen_at + lifetimes.idle
            or now >= session.created_at + lifetimes.absolute)


def needs_touch(session: SessionState, now: datetime) -> bool:
    """Whether to record use at ``now``: at most once a ``TOUCH_EVERY``."""
    _require_aware(now)
    return now - session.last_seen_at >= TOUCH_EVERY


@dataclass(frozen=True)
class Device:
    """What a person calls the device of a session: names of products, never translated."""

    browser: str | None = None
    os: str | None = None


# Order matters: Edge, Samsung Internet and Opera also say "Chrome/"; Chrome also says
# "Safari/". Android says "Linux" and iOS says "like Mac OS X", so they come first.
_BROWSERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Edge", ("Edg/", "EdgA/", "EdgiOS/")),
    ("Samsung Internet", ("SamsungBrowser/",)),
    ("Opera", ("OPR/", "OPiOS/")),
    ("Firefox", ("Firefox/", "FxiOS/")),
    ("Chrome", ("Chrome/", "CriOS/")),
    ("Safari", ("Safari/",)),
)
_SYSTEMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Android", ("Android",)),
    ("iOS", ("iPhone", "iPad", "iPod")),
    ("ChromeOS", ("CrOS",)),
    ("Windows", ("Windows",)),
    ("macOS", ("Macintosh", "Mac OS X")),
    ("Linux", ("Linux",)),
)


def describe(user_agent: str | None) -> Device:
    """The browser and system named by a User-Agent header; ``None`` for what is not known."""
    text = (user_agent or "")[:USER_AGENT_READ]
    return Device(browser=_first(_BROWSERS, text), os=_first(_SYSTEMS, text))


def _first(table: tuple[tuple[str, tuple[str, ...]], ...], text: str) -> str | None:
    for name, marks in table:
        if any(mark in text for mark in marks):
            return name
    return None


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("engine times must be timezone-aware (UTC)")
