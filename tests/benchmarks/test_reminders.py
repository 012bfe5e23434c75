"""Deciding reminders for 100,000 people in one tick: people per second, and where the time goes.

The people are synthetic and fixed (seed 21): 24 time zones from -12 to +14 (half-hour,
quarter-hour and DST zones among them), a reminder time on the quarter hour, five or
seven days, quiet hours for nine in ten, each kind on for most; plan work due for
six in ten, practice due for half (a third of those practised 2 or 30 hours ago),
news pending for one in twenty; a sent record for each kind for most, some of it
ignored. Two ticks at 07:30 UTC on Wednesday 3 June 2026: a mixed one, where most have
nothing to send, and a worst case where everyone's reminder time is this minute in
their own zone and nothing was sent yet, so every person takes the slow path to a
decision.

Ours: ``engine.reminders.decide`` per person, one thread. The floor beneath it: what
any decision must do per person, the person's local time from ``now`` (a
``datetime.astimezone`` on a zone looked up beforehand), on the same people. Printed:
people per second, the ratio to the floor, and where the time goes (cProfile, own
time per function). Goal: 10,000 people per second or more in the usual tick (the
issue's); no absolute time is asserted.
"""

from __future__ import annotations

import cProfile
import pstats
import random
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine.reminders import NEWS, Due, Kind, Preferences, Quiet, Sent, decide
from tests.benchmarks.goals import goal

PEOPLE = 100_000
WANTED = 10_000  # people per second
TICK = datetime(2026, 6, 3, 7, 30, tzinfo=UTC)
ZONES = ["UTC", "Europe/London", "Europe/Madrid", "Europe/Helsinki", "Africa/Lagos",
         "Asia/Dubai", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Shanghai", "Asia/Tokyo",
         "Australia/Adelaide", "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Auckland",
         "Pacific/Chatham", "Pacific/Kiritimati", "Pacific/Apia", "America/Sao_Paulo",
         "America/St_Johns", "America/New_York", "America/Chicago", "America/Denver",
         "America/Los_Angeles", "Etc/GMT+12"]
Person = tuple[Preferences, Due, dict[Kind, Sent]]


def people(rng: random.Random, now: datetime, *, everyone_now: bool = False) -> list[Person]:
    """The synthetic people; with ``everyone_now``, each one's time is ``now`` in their zone."""
    out: list[Person] = []
    for _ in range(PEOPLE):
        tz = rng.choice(ZONES)
        local = now.astimezone(ZoneInfo(tz))
        today = local.date()
        quiet = Quiet(time(22), time(7)) if rng.random() < 0.9 else None
        if everyone_now:
            at, quiet = time(local.hour, local.minute), None
        else:
            at = time(rng.choice(range(7, 21)), rng.choice((0, 15, 30, 45)))
        days = frozenset(range(1, 8)) if rng.random() < 0.5 else frozenset(range(1, 6))
        kinds = frozenset(k for k in Kind if rng.random() < 0.8)
        prefs = Preferences(tz, at, days | {today.isoweekday()} if everyone_now else days,
                            quiet, kinds, time(18, 0), rng.random() < 0.2)
        practice = rng.random() < 0.5
        practised = now - timedelta(hours=rng.choice((2, 30))) \
            if practice and rng.random() < 0.33 and not everyone_now else None
        news = frozenset(rng.sample(NEWS, 1)) if rng.random() < 0.05 else frozenset()
        due = Due(rng.random() < 0.6 or everyone_now, practice or everyone_now, practised,
                  news)
        sent: dict[Kind, Sent] = {}
        if not everyone_now:
            for k in Kind:
                if rng.random() < 0.7:
                    back = rng.choice((0, 1, 1, 1, 2, 8))
                    sent[k] = Sent(today - timedelta(days=back),
                                   rng.choice((0, 0, 0, 1, 3)))
        out.append((prefs, due, sent))
    return out


def ours(now: datetime, population: list[Person]) -> tuple[float, int]:
    started = clock.perf_counter()
    sent = sum(len(decide(now, p, d, s)) for p, d, s in population)
    return clock.perf_counter() - started, sent


def floor(now: datetime, population: list[Person]) -> float:
    """Each person's local time and date: the least any decision must work out."""
    zones = {tz: ZoneInfo(tz) for tz in ZONES}
    looked_up = [zones[p.time_zone] for p, _, _ in population]
    started = clock.perf_counter()
    days: set[date] = set()
    for z in looked_up:
        days.add(now.astimezone(z).date())
    return clock.perf_counter() - started


def where_the_time_goes(now: datetime, population: list[Person]) -> str:
    profile = cProfile.Profile()
    profile.runcall(ours, now, population)
    raw = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, _), (_, _, tt, _, _) in raw.items())
    top = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:7]
    return "; ".join(
        f"{path.rsplit('/', 1)[-1] if '/' in path else path}:{name} {tt / total:.0%}"
        for (path, _, name), (_, _, tt, _, _) in top)


@pytest.mark.benchmark
@pytest.mark.parametrize("tick", ["mixed", "everyone-due"])
def test_deciding_reminders_for_100000_people_in_one_tick(capsys, tick):
    population = people(random.Random(21), TICK, everyone_now=tick == "everyone-due")
    ours(TICK, population[:1_000])  # warm-up: the zone cache
    seconds, sent = min((ours(TICK, population) for _ in range(3)), key=lambda r: r[0])
    bare = min(floor(TICK, population) for _ in range(3))
    rate, floor_rate = PEOPLE / seconds, PEOPLE / bare
    if tick == "everyone-due":
        assert sent >= PEOPLE  # each one at least a plan reminder: the slow path, for all
    with capsys.disabled():
        print(f"\nreminders decided, {tick} tick, {PEOPLE:,} people in {len(ZONES)} zones: "
              f"ours {rate:,.0f} people/s ({seconds / PEOPLE * 1e6:.2f} us each, {sent:,} "
              f"to send), floor {floor_rate:,.0f} people/s (astimezone alone), ratio "
              f"{rate / floor_rate:.2f} (goal >= {WANTED:,} people/s)")
        print(f"  own time (cProfile): {where_the_time_goes(TICK, population)}")
    goal(rate >= WANTED, f"reminders ({tick} tick): {rate:,.0f} people/s "
                         f"(goal >= {WANTED:,})")
