"""Role-wide priorities: a release's counts of a role's self-ratings, judged here.

Everything comes from one :class:`~engine.releases.RoleRelease`: the level
counts of each competency under the filter asked for (everyone, a site, a
future role, or both), each with its margin. The priority score is computed
from those released numbers only, so it carries no more about anyone than they
do; a count below the threshold is withheld ("too few people to show") and
takes what is computed from it along.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from engine.levels import LEVELS, is_level
from engine.releases import ALL, THRESHOLD, Estimate, RoleRelease, Where, shown


@dataclass(frozen=True)
class Line:
    """A competency of a role's profile, as a release recorded it."""

    key: str
    name: str
    target: int
    importance: int


@dataclass(frozen=True)
class Row:
    """One competency of the role as one filter sees it (None: too few people to show).

    ``score`` is :func:`priority` of the mean gap of those below target, the
    importance and the people below target, all as released.
    """

    key: str
    name: str
    target: int
    importance: int
    assessed: Estimate | None
    levels: tuple[Estimate | None, ...]
    below: Estimate | None
    share: float | None
    score: float | None
    band: tuple[float, float] | None = None  # the score with below target at its margins


def priority(gap: float, importance: int, affected: int) -> float:
    """Where learning and development should invest first: gap x importance x people affected.

    ``gap`` is the average number of levels the affected learners are below
    target, ``importance`` the role's 1-5 importance of the competency,
    ``affected`` how many learners have the gap (as released).

    Raises:
        ValueError: a negative or non-finite gap, an importance off the 1-5
            scale, or a negative or non-whole number of people.
    """
    if isinstance(gap, bool) or not isinstance(gap, int | float) or not math.isfinite(gap) \
            or gap < 0:
        raise ValueError(f"a gap is a finite number >= 0, not {gap!r}")
    if not is_level(importance):
        raise ValueError(f"an importance is a whole number from 1 to 5, not {importance!r}")
    if not isinstance(affected, int) or isinstance(affected, bool) or affected < 0:
        raise ValueError(f"people affected is a whole number >= 0, not {affected!r}")
    return float(gap) * importance * affected


def mean_gap(target: int, counts: Iterable[tuple[int, int]]) -> float:
    """The mean gap below ``target`` of (level, people) counts; one level when nobody is short."""
    short = [(level, n) for level, n in counts if level < target and n > 0]
    if not short:
        return 1.0
    return sum((target - level) * n for level, n in short) / sum(n for _, n in short)


def row(line: Line, release: RoleRelease, where: Where = (ALL, ALL),
        threshold: int = THRESHOLD, counts: tuple[int, ...] | None = None) -> Row:
    """One competency under one filter, as released (``counts``: its levels, if at hand)."""
    if counts is None:
        counts = release.by_level(where).get(line.key, (0,) * len(LEVELS))
    below_levels = [level for level in LEVELS if level < line.target]
    assessed = shown(Estimate(sum(counts), release.margin_of(where, len(LEVELS))), threshold)
    if assessed is None:
        return Row(line.key, line.name, line.target, line.importance, None,
                   (None,) * len(LEVELS), None, None, None)
    one = release.margin_of(where, 1)
    levels = tuple(shown(Estimate(n, one), threshold) for n in counts)
    below = Estimate(sum(counts[level - 1] for level in below_levels),
                     release.margin_of(where, len(below_levels))) if below_levels \
        else Estimate(0, 0)
    # With a target of 1 nobody can be below it: an exact 0, not a released count.
    below_shown = shown(below, threshold) if below_levels else below
    share = below.value / assessed.value if assessed.value else None
    if below_shown is None and below.value:
        # A share beside a withheld count would print the count (share x assessed).
        return Row(line.key, line.name, line.target, line.importance, assessed, levels, None,
                   None, None)
    score = priority(mean_gap(line.target, list(zip(LEVELS, counts, strict=True))),
                     line.importance, below.value) if below.value else 0.0
    per_person = score / below.value if below.value else 0.0
    band = (per_person * max(0, below.value - below.margin),
            per_person * (below.value + below.margin))
    return Row(line.key, line.name, line.target, line.importance, assessed, levels,
               below_shown, share, score, band)


def report(lines: Iterable[Line], release: RoleRelease, where: Where = (ALL, ALL),
           threshold: int = THRESHOLD) -> list[Row]:
    """The role's competencies under one filter, highest priority first."""
    counts = release.by_level(where)
    rows = [row(line, release, where, threshold, counts.get(line.key, (0,) * len(LEVELS)))
            for line in lines]
    return sorted(rows, key=lambda r: (r.score is None, -(r.score or 0), -r.importance, r.key))


def top(lines: Iterable[Line], release: RoleRelease, n: int = 3) -> list[str]:
    """The keys of the role's ``n`` highest priorities in a release (for the leaders' trend)."""
    return [r.key for r in report(lines, release) if r.score is not None][:n]
