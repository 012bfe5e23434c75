"""Curriculum gaps: where learners fall short and no active item covers the level they need next.

The database counts learners per atom (competency, site, future role,
level); this module says which levels are uncovered, which cells the gap
report shows, and reads the report out of the counts ``protect`` let through.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from engine.analytics import Cell, priority, shown_gap
from engine.levels import LEVEL_MAX, LEVEL_MIN

Atom = tuple[str, str | None, str | None, int]  # (competency key, site, future role, level)


@dataclass(frozen=True)
class Line:
    """A competency of a role's current profile."""

    key: str
    name: str
    target: int
    importance: int


@dataclass(frozen=True)
class CurriculumGap:
    """A competency whose learners below target need a level no active item covers.

    ``learners`` is None where the count must not be shown ("fewer than 5");
    ``levels`` are the levels needed next, each with its count (or None);
    ``impact`` ranks the report (None when the count is not shown).
    """

    key: str
    name: str
    importance: int
    target: int
    learners: int | None
    levels: tuple[tuple[int, int | None], ...]
    mentors: bool
    impact: float | None


def uncovered_levels(target: int, ranges: Iterable[tuple[int, int]]) -> tuple[int, ...]:
    """Ratings below ``target`` whose next level (rating + 1) no item range holds."""
    spans = list(ranges)
    return tuple(level for level in range(LEVEL_MIN, min(target, LEVEL_MAX + 1))
                 if not any(low <= level + 1 <= high for low, high in spans))


def cells(lines: Iterable[Line], ranges: Mapping[str, Iterable[tuple[int, int]]],
          atoms: Iterable[Atom]) -> list[Cell]:
    """The gap report's cells: per competency, its uncovered learners and each needed level."""
    by_key: dict[str, list[Atom]] = {}
    for atom in atoms:
        by_key.setdefault(atom[0], []).append(atom)
    out = []
    for line in lines:
        levels = uncovered_levels(line.target, ranges.get(line.key, ()))
        if not levels:
            continue
        mine = [a for a in by_key.get(line.key, ()) if a[3] in levels]
        out.append(Cell(("gap", line.key), frozenset(mine)))
        for level in levels:
            out.append(Cell(("gap", line.key, level),
                            frozenset(a for a in mine if a[3] == level)))
    return out


def report(lines: Iterable[Line], ranges: Mapping[str, Iterable[tuple[int, int]]],
           published: Mapping[object, int | None], mentors: Mapping[str, int]
           ) -> list[CurriculumGap]:
    """The gaps that have learners, highest impact first.

    Impact is :func:`priority` of the mean gap (to the target, over the needed
    levels whose counts are shown), the importance and the learners shown; a
    gap whose count is suppressed still appears, after those with a figure.
    """
    found = []
    for line in lines:
        levels = uncovered_levels(line.target, ranges.get(line.key, ()))
        if not levels:
            continue
        total = published.get(("gap", line.key))
        if total == 0:
            continue
        counts = [(level, published.get(("gap", line.key, level))) for level in levels]
        needed = tuple((level + 1, n) for level, n in counts if n != 0)
        impact = None
        if total:
            impact = priority(shown_gap(line.target, counts), line.importance, total)
        found.append(CurriculumGap(line.key, line.name, line.importance, line.target, total,
                                   needed, mentors.get(line.key, 0) > 0, impact))
    return sorted(found, key=lambda g: (g.impact is None, -(g.impact or 0), -g.importance,
                                        g.key))
