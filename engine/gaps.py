"""Curriculum gaps: where learners fall short and no active item covers the level they need next.

The counts come from a release; which levels no item covers is public
catalogue data, applied to those counts when the report is read, so
retiring or restoring an item changes which released numbers are summed,
never the numbers themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from engine.levels import LEVEL_MAX, LEVEL_MIN
from engine.priorities import Line, mean_gap, priority
from engine.releases import THRESHOLD, Estimate, RoleRelease, shown

__all__ = ["CurriculumGap", "Line", "report", "uncovered_levels"]

@dataclass(frozen=True)
class CurriculumGap:
    """A competency whose learners below target need a level no active item covers.

    ``learners`` is None where the released count is too small to show;
    ``levels`` are the levels needed next, each with its count (or None);
    ``impact`` ranks the report (None when the count is not shown).
    """

    key: str
    name: str
    importance: int
    target: int
    learners: Estimate | None
    levels: tuple[tuple[int, Estimate | None], ...]
    mentors: bool
    impact: float | None


def uncovered_levels(target: int, ranges: Iterable[tuple[int, int]]) -> tuple[int, ...]:
    """Ratings below ``target`` whose next level (rating + 1) no item range holds."""
    spans = list(ranges)
    return tuple(level for level in range(LEVEL_MIN, min(target, LEVEL_MAX + 1))
                 if not any(low <= level + 1 <= high for low, high in spans))


def report(lines: Iterable[Line], release: RoleRelease,
           ranges: Mapping[str, Iterable[tuple[int, int]]], mentors: Mapping[str, int],
           threshold: int = THRESHOLD) -> list[CurriculumGap]:
    """The gaps that have learners, highest impact first.

    Impact is the priority of the mean gap (to the target, over the needed
    levels), the importance and the learners, all as released; a gap whose
    count is too small to show still appears, after those with a figure.
    """
    found = []
    for line in lines:
        levels = uncovered_levels(line.target, ranges.get(line.key, ()))
        if not levels:
            continue
        total = release.count(line.key, levels=levels)
        if total.value == 0:
            continue
        counts = [(level, release.count(line.key, levels=[level])) for level in levels]
        needed = tuple((level + 1, shown(n, threshold)) for level, n in counts if n.value)
        learners = shown(total, threshold)
        impact = None if learners is None else priority(
            mean_gap(line.target, [(level, n.value) for level, n in counts]),
            line.importance, total.value)
        found.append(CurriculumGap(line.key, line.name, line.importance, line.target, learners,
                                   needed, mentors.get(line.key, 0) > 0, impact))
    return sorted(found, key=lambda g: (g.impact is None, -(g.impact or 0), -g.importance,
                                        g.key))
