"""Success Profiles: what a valid version is, how versions differ, the publish rules.

A role's profile has numbered versions. A version is a draft until it is
published; a published version never changes again. Competencies keep a
stable ``key`` across versions, so a rating made against version 3 still
means something at version 4, and ``diff`` says exactly what moved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from engine.errors import N_, Conflict, InvalidInput
from engine.errors import problem as problem_entry

_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
LEVELS = 5
MIN_LEVEL, MAX_LEVEL = 1, 5
MAX_NAME = 120
MAX_DESCRIPTION = 500
MAX_DESCRIPTOR = 600
MAX_GROUP = 60
MAX_COMPETENCIES = 40


class Status(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Change(StrEnum):
    """How one competency differs between two versions."""

    ADDED = "added"
    REMOVED = "removed"
    TARGET_CHANGED = "target_changed"
    IMPORTANCE_CHANGED = "importance_changed"
    DESCRIPTORS_CHANGED = "descriptors_changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Competency:
    """One line of a profile version."""

    key: str
    name: str
    description: str
    group: str
    levels: tuple[str, ...]
    target: int
    importance: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "description": self.description,
            "group": self.group,
            "levels": list(self.levels),
            "target": self.target,
            "importance": self.importance,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Competency:
        return cls(
            key=data["key"],
            name=data["name"],
            description=data.get("description", ""),
            group=data.get("group", ""),
            levels=tuple(data["levels"]),
            target=data["target"],
            importance=data["importance"],
        )


@dataclass(frozen=True)
class CompetencyDiff:
    """What happened to the competency ``key`` from one version to the next.

    ``fields`` names what changed in words a learner understands (``name``,
    ``description``, ``group``, ``level 1`` ... ``level 5``, ``target``,
    ``importance``); ``changes`` is the category list the issue defines.
    """

    key: str
    name: str
    changes: tuple[Change, ...]
    fields: tuple[str, ...] = field(default=())
    old: Competency | None = None
    new: Competency | None = None

    @property
    def unchanged(self) -> bool:
        return self.changes == (Change.UNCHANGED,)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "changes": [c.value for c in self.changes],
            "fields": list(self.fields),
            "old": self.old.to_dict() if self.old else None,
            "new": self.new.to_dict() if self.new else None,
        }


def diff(old: Sequence[Competency], new: Sequence[Competency]) -> list[CompetencyDiff]:
    """Per competency, what changed from ``old`` to ``new``.

    Order: the new version's order, then removed competencies in their old
    order. Reordering alone is not a change. A change of name, description,
    group or any level text counts as ``descriptors_changed``: each alters
    what the learner rated themselves against.
    """
    before = {c.key: c for c in old}
    after = {c.key: c for c in new}
    out: list[CompetencyDiff] = []
    for comp in new:
        prior = before.get(comp.key)
        if prior is None:
            out.append(CompetencyDiff(comp.key, comp.name, (Change.ADDED,), new=comp))
            continue
        changes: list[Change] = []
        fields: list[str] = []
        if prior.target != comp.target:
            changes.append(Change.TARGET_CHANGED)
            fields.append("target")
        if prior.importance != comp.importance:
            changes.append(Change.IMPORTANCE_CHANGED)
            fields.append("importance")
        worded = [name for name in ("name", "description", "group")
                  if getattr(prior, name) != getattr(comp, name)]
        worded += [f"level {i + 1}" for i, (a, b) in enumerate(zip(prior.levels, comp.levels,
                                                                    strict=True)) if a != b]
        if worded:
            changes.append(Change.DESCRIPTORS_CHANGED)
            fields[:0] = worded
        out.append(CompetencyDiff(comp.key, comp.name, tuple(changes) or (Change.UNCHANGED,),
                                  tuple(fields), prior, comp))
    for comp in old:
        if comp.key not in after:
            out.append(CompetencyDiff(comp.key, comp.name, (Change.REMOVED,), old=comp))
    return out


def by_group(competencies: Sequence[Competency]) -> list[tuple[str, list[Competency]]]:
    """Competencies grouped for display: groups in order of first appearance."""
    groups: dict[str, list[Competency]] = {}
    for comp in competencies:
        groups.setdefault(comp.group, []).append(comp)
    return list(groups.items())


def to_rerate(changes: Iterable[CompetencyDiff]) -> list[str]:
    """Keys a learner should rate again after an update: new, or reworded, or retargeted.

    An importance change alone does not alter what a level means, so it asks
    nothing of the learner.
    """
    ask = {Change.ADDED, Change.DESCRIPTORS_CHANGED, Change.TARGET_CHANGED}
    return [d.key for d in changes if ask.intersection(d.changes)]


def validate(competencies: Sequence[Competency]) -> None:
    """Refuse a version that breaks a rule; every problem is listed at once.

    ``InvalidInput.details["problems"]`` is a list of
    ``{"competency": index, "field": name, "message": text}`` (with the
    message's template and params, for the boundary to translate).
    """
    problems: list[dict[str, Any]] = []

    def problem(index: int | None, field_name: str, template: str, **params: Any) -> None:
        problems.append({"competency": index, **problem_entry(field_name, template, **params)})

    if not competencies:
        problem(None, "competencies", N_("A profile needs at least one competency."))
    if len(competencies) > MAX_COMPETENCIES:
        problem(None, "competencies", N_("A profile can have at most %(limit)s competencies."),
                limit=MAX_COMPETENCIES)
    seen_names: dict[str, int] = {}
    seen_keys: set[str] = set()
    for index, comp in enumerate(competencies):
        if not _KEY.match(comp.key):
            problem(index, "key", N_("'%(key)s' is not an id (lower-case letters, digits, -)."),
                    key=comp.key)
        if comp.key in seen_keys:
            problem(index, "key", N_("The id '%(key)s' is used twice."), key=comp.key)
        seen_keys.add(comp.key)
        name = " ".join(comp.name.split())
        if not name:
            problem(index, "name", N_("Every competency needs a name."))
        elif len(name) > MAX_NAME:
            problem(index, "name", N_("A name can be at most %(limit)s characters."),
                    limit=MAX_NAME)
        folded = name.casefold()
        if name and folded in seen_names:
            problem(index, "name", N_("“%(name)s” appears twice (also competency %(other)s)."),
                    name=name, other=seen_names[folded] + 1)
        seen_names.setdefault(folded, index)
        if len(comp.description) > MAX_DESCRIPTION:
            problem(index, "description",
                    N_("A description can be at most %(limit)s characters."),
                    limit=MAX_DESCRIPTION)
        if not comp.group.strip():
            problem(index, "group", N_("Every competency belongs to a group, such as “Safety”."))
        elif len(comp.group) > MAX_GROUP:
            problem(index, "group", N_("A group name can be at most %(limit)s characters."),
                    limit=MAX_GROUP)
        if not _is_level(comp.target):
            problem(index, "target", N_("The target must be a whole number from 1 to 5."))
        if not _is_level(comp.importance):
            problem(index, "importance", N_("The importance must be a whole number from 1 to 5."))
        if len(comp.levels) != LEVELS:
            problem(index, "levels", N_("Every competency describes exactly five levels."))
        for level, text in enumerate(comp.levels, start=1):
            if not isinstance(text, str) or not text.strip():
                problem(index, f"level {level}",
                        N_("Describe what someone does at level %(level)s."), level=level)
            elif len(text) > MAX_DESCRIPTOR:
                problem(index, f"level {level}",
                        N_("A level description can be at most %(limit)s characters."),
                        limit=MAX_DESCRIPTOR)
    if problems:
        raise InvalidInput(N_("This version has problems to fix before it can be saved."),
                           {"problems": problems})


def require_draft(status: Status | str) -> None:
    """Published versions are immutable: refuse any edit to one."""
    if Status(status) is not Status.DRAFT:
        raise Conflict(N_("A published version can't be changed. Open a new draft instead."))


def require_current_revision(expected: int, actual: int) -> None:
    """Optimistic concurrency: refuse a save based on an older revision of the draft."""
    if expected != actual:
        raise Conflict(
            N_("Someone else saved this draft after you opened it. Your changes were not "
               "saved; the current text is shown so you can apply them again."),
            {"expected_revision": expected, "current_revision": actual},
        )


def next_number(published_or_draft: Iterable[int]) -> int:
    """Version numbers run 1, 2, 3, ... per role, with no gaps."""
    return max(published_or_draft, default=0) + 1


def make_key(name: str, taken: Iterable[str]) -> str:
    """A stable id for a new competency, from its name, unique within the role."""
    base = "".join(ch if ch.isalnum() else "-" for ch in name.casefold()).strip("-")
    base = "-".join(part for part in base.split("-") if part)[:60] or "competency"
    used = set(taken)
    key, n = base, 2
    while key in used:
        key, n = f"{base}-{n}", n + 1
    return key


def _is_level(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and \
        MIN_LEVEL <= value <= MAX_LEVEL


def check_publish(summary: str, competencies: Sequence[Competency],
                  current: Sequence[Competency] | None) -> str:
    """The summary to publish a draft with, once every rule holds.

    Learners read the summary first, so it cannot be empty; a draft identical
    to the current version would ask people to re-read nothing.
    """
    summary = summary.strip()
    if not summary:
        raise InvalidInput(N_("Say in a sentence what changed, for learners to read."),
                           {"field": "summary"})
    validate(competencies)
    if current is not None and all(d.unchanged for d in diff(current, competencies)):
        raise InvalidInput(
            N_("This draft is the same as the current version: nothing to publish."))
    return summary
