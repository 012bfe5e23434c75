"""The private self-assessment: what a rating event is, the latest rating, what to re-rate.

A learner's ratings are theirs alone; these rules only judge their shape and
what a new profile version asks them to look at again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine import profiles
from engine.errors import N_
from engine.levels import LEVEL_MAX, LEVEL_MIN, MAX_NOTE, is_level
from engine.sync import Data, Refused, counted, only


@dataclass(frozen=True)
class RatingData(Data):
    """A ``rating.set``: the learner's level of one competency of a profile version."""

    role: str
    competency: str
    version: int
    level: int
    note: str | None


@dataclass(frozen=True)
class SubmittedData(Data):
    """An ``assessment.submitted``: the profile version the learner finished rating."""

    role: str
    version: int


_RATING_FIELDS = frozenset({"role", "competency", "version", "level", "note"})


def rating_data(data: dict[str, Any]) -> RatingData:
    """The ``data`` of a ``rating.set`` event: role, competency, version, level, note."""
    only(data, _RATING_FIELDS)
    role, competency = data.get("role"), data.get("competency")
    if not isinstance(role, str) or not role:
        raise Refused("invalid_data", N_("A rating names the role whose profile it is about."))
    if not isinstance(competency, str) or not competency:
        raise Refused("invalid_data", N_("A rating names the competency it is about."))
    version, level = data.get("version"), data.get("level")
    if not counted(version):
        raise Refused("invalid_data",
                      N_("A rating names the profile version it was made against."))
    if not is_level(level):
        raise Refused("invalid_level", N_("A level is a whole number from %(low)s to %(high)s."),
                      low=LEVEL_MIN, high=LEVEL_MAX)
    note = data.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
        raise Refused("invalid_data", N_("A note is text of at most %(limit)s characters."),
                      limit=MAX_NOTE)
    return RatingData(role, competency, version, level,
                      note.strip() if isinstance(note, str) and note.strip() else None)


def submitted_data(data: dict[str, Any]) -> SubmittedData:
    """The ``data`` of an ``assessment.submitted`` event: the role and profile version."""
    only(data, {"role", "version"})
    role, version = data.get("role"), data.get("version")
    if not isinstance(role, str) or not role:
        raise Refused("invalid_data", N_("A submitted assessment names its role."))
    if not counted(version):
        raise Refused("invalid_data", N_("A submitted assessment names its profile version."))
    return SubmittedData(role, version)


def latest(ratings: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], Mapping[str, Any]]:
    """The latest rating per (role, competency) of ratings given in time order."""
    found: dict[tuple[str, str], Mapping[str, Any]] = {}
    for rating in ratings:
        found[(rating["role"], rating["competency"])] = rating
    return found


def shared(one: profiles.Competency, other: profiles.Competency) -> bool:
    """Whether two profiles' competencies are one skill: the same key and the same five
    level descriptors, word for word.

    A rating of one then stands for the other: the learner rated themselves against
    exactly the words the other profile would show them. The same key with other
    descriptors is a different yardstick, asked again.
    """
    return one.key == other.key and tuple(one.levels) == tuple(other.levels)


Rated = Mapping[str, Any]  # a rating: role, competency, version, level, occurred_at, ...


def standing(current: Mapping[str, Sequence[profiles.Competency]],
             latest: Mapping[tuple[str, str], Rated]) -> dict[tuple[str, str], Rated]:
    """The rating that stands for each competency of each profile the learner has.

    Args:
        current: role slug -> the competencies of its current version (the learner's
            role and future role).
        latest: (role slug, competency key) -> the learner's latest rating of it.

    A competency's own rating, or the rating of a competency :func:`shared` with
    it in another of these profiles, whichever was made last (its own on a tie).
    A competency rated nowhere is left out.
    """
    found: dict[tuple[str, str], Rated] = {}
    for role, comps in current.items():
        for comp in comps:
            best = latest.get((role, comp.key))
            for other, others in current.items():
                twin = next((c for c in others if c.key == comp.key), None)
                rating = latest.get((other, comp.key))
                if other == role or twin is None or rating is None or not shared(comp, twin):
                    continue
                if best is None or rating["occurred_at"] > best["occurred_at"]:
                    best = rating
            if best is not None:
                found[(role, comp.key)] = best
    return found


def to_rerate(current: Sequence[profiles.Competency], rated_in: Mapping[str, int],
              current_number: int,
              older: Mapping[int, Sequence[profiles.Competency]]) -> list[str]:
    """Competencies of the current version whose meaning changed since the learner rated them.

    Args:
        current: the competencies of the role's current version, in order.
        rated_in: competency key -> the version number its latest rating was made against.
        current_number: the current version's number.
        older: the competencies of each older version named in ``rated_in``.

    A competency rated against the current version, or never rated, is not
    "re-rate": it is rated or still to rate. Only a change of meaning (levels,
    target, wording that ``profiles.to_rerate`` counts) asks again.
    """
    keys: list[str] = []
    for comp in current:
        number = rated_in.get(comp.key)
        if number is None or number == current_number or number not in older:
            continue
        if comp.key in profiles.to_rerate(profiles.diff(older[number], [comp])):
            keys.append(comp.key)
    return keys
