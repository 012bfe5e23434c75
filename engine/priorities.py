"""Role-wide priorities: every self-assessment of a role, counted by the database, judged here.

A report view offers filters (all, each site, each future role, each site
and future role together); every number any of them shows is a :class:`Cell`
over the atoms the database counted, (competency, site, future role, level),
and all of them go through ``protect`` at once, so no filter can be
subtracted from another to recover a suppressed count. The priority score is
computed from the published numbers only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from engine.analytics import Cell, priority, shown_gap
from engine.gaps import Atom, Line
from engine.levels import LEVELS

ALL = ""  # a filter that keeps everyone (never a site: a site has a name)
Filter = tuple[str, str]  # (site, future role), each a value or ALL


@dataclass(frozen=True)
class Row:
    """One competency of the role as one filter sees it.

    ``levels`` holds the count at each level 1-5 (None: not shown);
    ``score`` is :func:`priority` of the mean gap of those below target
    whose level is shown (1, the least a gap can be, when none is), the
    importance and the people below target; ``estimate`` says the mean gap
    leaves out levels whose counts are hidden.
    """

    key: str
    name: str
    target: int
    importance: int
    assessed: int | None
    levels: tuple[int | None, ...]
    below: int | None
    share: float | None
    score: float | None
    estimate: bool


def filters(sites: Iterable[str], future_roles: Iterable[str]) -> list[Filter]:
    """Every filter combination the view offers."""
    s, f = sorted(set(sites) - {ALL}), sorted(set(future_roles) - {ALL})
    return [(ALL, ALL), *((x, ALL) for x in s), *((ALL, y) for y in f),
            *((x, y) for x in s for y in f)]


def cells(lines: Iterable[Line], atoms: Iterable[Atom], offered: Sequence[Filter]) -> list[Cell]:
    """Every number the view shows under every filter it offers."""
    # Each atom once under each filter it falls in: everyone, its site, its future
    # role, both (a person with no site or future role is only ever under "everyone").
    under: dict[tuple[str, str | None, str | None], list[Atom]] = {}
    for atom in atoms:
        key, site, future, _ = atom
        for s in (ALL,) if site == ALL else (ALL, site):
            for f in (ALL,) if future == ALL else (ALL, future):
                under.setdefault((key, s, f), []).append(atom)
    out = []
    for line in lines:
        for where in offered:
            here = under.get((line.key, *where), [])
            by_level: dict[int, list[Atom]] = {}
            for a in here:
                by_level.setdefault(a[3], []).append(a)
            out.append(Cell(("assessed", line.key, *where), frozenset(here)))
            out.append(Cell(("below", line.key, *where),
                            frozenset(a for a in here if a[3] < line.target)))
            for level in LEVELS:
                out.append(Cell(("level", line.key, *where, level),
                                frozenset(by_level.get(level, ()))))
    return out


def report(lines: Iterable[Line], published: Mapping[object, int | None],
           where: Filter) -> list[Row]:
    """The role's competencies under one filter, highest priority first."""
    rows = []
    for line in lines:
        assessed = published.get(("assessed", line.key, *where))
        below = published.get(("below", line.key, *where))
        levels = tuple(published.get(("level", line.key, *where, level)) for level in LEVELS)
        if assessed is None:
            # A withheld group shows nothing else: a 0 beside it ("no one below target")
            # would say something true of every one of its few people.
            below, levels = None, (None,) * len(LEVELS)
        short = [(level, n) for level, n in zip(LEVELS, levels, strict=True)
                 if level < line.target]
        score = None
        if below:
            # Those whose level is hidden are at least one level short: the least a gap is.
            score = priority(shown_gap(line.target, short), line.importance, below)
        elif below == 0:
            score = 0.0
        share = below / assessed if below is not None and assessed else None
        rows.append(Row(line.key, line.name, line.target, line.importance, assessed, levels,
                        below, share, score, any(n is None for _, n in short) and bool(below)))
    return sorted(rows, key=lambda r: (r.score is None, -(r.score or 0), -r.importance, r.key))
