"""The case for leaders: what personalised plans ask of a role against one programme for all.

Each learner's plan is computed as the learner sees it; this module only
adds them up, and only for a group of at least ``K_ANONYMITY`` learners.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from engine.analytics import K_ANONYMITY, Cell
from engine.gaps import Line

BEFORE, AFTER = "before", "after"
TrendAtom = tuple[str, str, int]  # (competency key, period, level)


@dataclass(frozen=True)
class Load:
    """One learner's current plan: its minutes, gaps it covers, gaps only a mentor can close."""

    minutes: int
    covered: int
    uncovered: int


@dataclass(frozen=True)
class Case:
    """Aggregates over the role's assessed learners (None: the group is too small to show)."""

    learners: int | None
    total_hours: float | None
    median_hours: float | None
    covered: int | None
    uncovered: int | None
    programme_hours: float  # one learner's share of the one-size-fits-all programme
    programme_total_hours: float | None


@dataclass(frozen=True)
class Trend:
    key: str
    name: str
    before: float | None  # share below target, or None where not shown
    after: float | None


def case(loads: Iterable[Load], learners: int | None, programme_minutes: int) -> Case:
    """The plans' totals when ``learners`` (as ``protect`` published it) is at least K."""
    loads = list(loads)
    if learners is None or learners < K_ANONYMITY or len(loads) != learners:
        return Case(None, None, None, None, None, programme_minutes / 60, None)
    hours = [load.minutes / 60 for load in loads]
    return Case(learners, sum(hours), statistics.median(hours),
                sum(load.covered for load in loads), sum(load.uncovered for load in loads),
                programme_minutes / 60, programme_minutes * learners / 60)


def trend_cells(lines: Iterable[Line], atoms: Iterable[TrendAtom]) -> list[Cell]:
    """Learners assessed and below target per competency, before and since the current version."""
    atoms = list(atoms)
    out = []
    for line in lines:
        for period in (BEFORE, AFTER):
            here = [a for a in atoms if a[0] == line.key and a[1] == period]
            out.append(Cell(("assessed", line.key, period), frozenset(here)))
            out.append(Cell(("below", line.key, period),
                            frozenset(a for a in here if a[2] < line.target)))
    return out


def trends(lines: Iterable[Line], published: Mapping[object, int | None]) -> list[Trend]:
    def share(key: str, period: str) -> float | None:
        assessed = published.get(("assessed", key, period))
        below = published.get(("below", key, period))
        return below / assessed if assessed and below is not None else None

    return [Trend(line.key, line.name, share(line.key, BEFORE), share(line.key, AFTER))
            for line in lines]
