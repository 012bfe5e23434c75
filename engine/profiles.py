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
from engine.languages import language

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


def validate_save(before: Sequence[Competency], after: Sequence[Competency]) -> None:
    """:func:`validate` for a save of a draft: refuse the problems the save brings in.

    A draft made by an import can hold competencies its authors have not completed yet
    (no target, levels to describe: ``engine.interchange``). Each is completed in its own
    edit, so a save is not refused for a competency it left exactly as it was, nor for a
    problem of the whole list the draft already had. Publishing checks everything.
    """
    try:
        validate(after)
    except InvalidInput as exc:
        untouched = set(before)
        had = {p["template"] for p in _problems(before) if p["competency"] is None}
        brought = [p for p in exc.details["problems"]
                   if not (p["competency"] is None and p["template"] in had)
                   and not (p["competency"] is not None and after[p["competency"]] in untouched)]
        if brought:
            raise InvalidInput(exc.template, {"problems": brought}) from None


def _problems(competencies: Sequence[Competency]) -> list[dict[str, Any]]:
    try:
        validate(competencies)
    except InvalidInput as exc:
        return list(exc.details["problems"])
    return []


def incomplete(comp: Competency) -> bool:
    """Whether a competency still needs its authors before it can be published."""
    return not (_is_level(comp.target) and _is_level(comp.importance) and comp.group.strip()
                and len(comp.levels) == LEVELS and all(t.strip() for t in comp.levels))


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


# Translations ---------------------------------------------------------------------------
#
# A competency's words can carry a translation beside the original, written by the role's
# authors. A translation never changes what a competency means (the original does), so it
# is no part of a version's identity: ``diff`` and ``to_rerate`` read originals only, and
# a translation may be written on a published version. Each translated field keeps the
# original text it was made from; when the original changes, that field is out of date,
# and a learner is shown the original there instead (marked as such), never a translation
# of words the profile no longer says.

ORIGINAL_LANGUAGE = "en"  # the language authors write profiles in
TRANSLATION_LANGUAGES = ("es",)  # the languages authors can translate a profile into
FIELDS = ("name", "description", "group", *(f"level {n}" for n in range(1, LEVELS + 1)))


def reading_language(locale: str | None) -> str:
    """The language a person with ``locale`` reads profiles in: theirs if authors can
    translate into it, else the original's."""
    found = language(locale or ORIGINAL_LANGUAGE)
    return found if found in TRANSLATION_LANGUAGES else ORIGINAL_LANGUAGE


def field_texts(comp: Competency) -> dict[str, str]:
    """The competency's words by field (``name`` ... ``level 5``), as translations name them."""
    return {"name": comp.name, "description": comp.description, "group": comp.group,
            **{f"level {n}": text for n, text in enumerate(comp.levels, start=1)}}


@dataclass(frozen=True)
class Translation:
    """A competency's words in ``language``: ``texts`` by field (an empty text is not
    translated yet) and ``source``, the original's text of each field when it was
    translated."""

    key: str
    language: str
    texts: dict[str, str]
    source: dict[str, str]

    def state(self, original: Competency) -> dict[str, str]:
        """Each field's state against the original as it is now (:func:`field_states`)."""
        return field_states(field_texts(original), self.texts, self.source)


def field_states(now: dict[str, str], texts: dict[str, str],
                 source: dict[str, str]) -> dict[str, str]:
    """Each field of ``now`` (the original's words by field) against a translation's
    ``texts`` and the ``source`` they were made from: ``current``, ``out_of_date`` (the
    original changed since), ``missing`` (not translated), or ``empty`` (the original is
    empty: nothing to translate)."""
    found: dict[str, str] = {}
    for name, text in now.items():
        if not text.strip():
            found[name] = "empty"
        elif not texts.get(name, "").strip():
            found[name] = "missing"
        elif source.get(name) != text:
            found[name] = "out_of_date"
        else:
            found[name] = "current"
    return found


def untranslated(original: Competency, translation: Translation | None) -> dict[str, str]:
    """The fields a reader of the translation's language is shown in the original, with
    why (``missing`` or ``out_of_date``); all of them when there is no translation."""
    if translation is None:
        return {name: "missing" for name, text in field_texts(original).items() if text.strip()}
    return {name: state for name, state in translation.state(original).items()
            if state in ("missing", "out_of_date")}


def localized(original: Competency, translation: Translation | None) -> Competency:
    """The competency as a reader of the translation's language is shown it: each field
    whose translation is current in that language, the original everywhere else."""
    texts = field_texts(original)
    if translation is not None:
        for name, state in translation.state(original).items():
            if state == "current":
                texts[name] = translation.texts[name]
    return Competency(original.key, texts["name"], texts["description"], texts["group"],
                      tuple(texts[f"level {n}"] for n in range(1, LEVELS + 1)),
                      original.target, original.importance)


def check_translation(original: Competency, language: str,
                      texts: dict[str, str]) -> Translation:
    """A translation of ``original`` from the texts an author wrote, after every check:
    the same limits as the original's, and a language authors can translate into. Its
    source is the original as it is now: saving says the words match it."""
    if language not in TRANSLATION_LANGUAGES:
        raise InvalidInput(N_("Profiles can't be translated into '%(language)s'."),
                           {"field": "language"}, language=language)
    limits = {"name": MAX_NAME, "description": MAX_DESCRIPTION, "group": MAX_GROUP}
    problems: list[dict[str, Any]] = []
    clean: dict[str, str] = {}
    for name in FIELDS:
        text = texts.get(name, "")
        text = " ".join(text.split()) if name in ("name", "group") else text.strip()
        limit = limits.get(name, MAX_DESCRIPTOR)
        if len(text) > limit:
            problems.append(problem_entry(name, N_("This can be at most %(limit)s characters."),
                                          limit=limit))
        clean[name] = text
    if problems:
        raise InvalidInput(N_("This translation has problems to fix before it can be saved."),
                           {"problems": problems})
    return Translation(original.key, language, clean, field_texts(original))


# A role's own words (its name and short description) are translated by its authors too,
# beside its profile's competencies. They are not versioned: a translation keeps the words
# it was made from, so a renamed role shows its new name in the original until an author
# looks at the translation again. Organisation and site names are proper names: never
# translated.

ROLE_FIELDS = ("name", "description")
MAX_ROLE_DESCRIPTION = 1000


def role_texts(name: str, description: str) -> dict[str, str]:
    """A role's words by field, as role translations name them."""
    return {"name": name, "description": description}


@dataclass(frozen=True)
class RoleWords:
    """A role's name and description as a reader of ``language`` is shown them: each
    translated where its translation is current, the original's words elsewhere, named
    in ``in_original`` (``ROLE_FIELDS``) so that they can be marked as the original's."""

    name: str
    description: str
    language: str
    in_original: tuple[str, ...]

    def to_dict(self, slug: str) -> dict[str, Any]:
        """The role as the API and the offline client name it: its name, and whether that
        is the original's (``in_original``: ``["name"]``, or nothing)."""
        return {"slug": slug, "name": self.name,
                "in_original": [f for f in self.in_original if f == "name"]}


def shown_role(name: str, description: str, language: str,
               texts: dict[str, str] | None, source: dict[str, str] | None) -> RoleWords:
    """The role's words for a reader of ``language`` (its translation's ``texts`` and
    ``source``, ``None`` when there is none). In the original's language nothing is
    marked: every word is the reader's own."""
    now = role_texts(name, description)
    if language == ORIGINAL_LANGUAGE:
        return RoleWords(name, description, language, ())
    states = field_states(now, texts or {}, source or {})
    shown = {f: (texts or {})[f] if states[f] == "current" else now[f] for f in ROLE_FIELDS}
    return RoleWords(shown["name"], shown["description"], language,
                     tuple(f for f in ROLE_FIELDS if states[f] in ("missing", "out_of_date")))


def check_role_translation(name: str, description: str, language: str,
                           texts: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """A role translation's words and the original's they were made from, after every
    check: the original's limits, and a language authors can translate into."""
    if language not in TRANSLATION_LANGUAGES:
        raise InvalidInput(N_("Profiles can't be translated into '%(language)s'."),
                           {"field": "language"}, language=language)
    limits = {"name": MAX_NAME, "description": MAX_ROLE_DESCRIPTION}
    problems: list[dict[str, Any]] = []
    clean: dict[str, str] = {}
    for f in ROLE_FIELDS:
        text = texts.get(f, "")
        text = " ".join(text.split()) if f == "name" else text.strip()
        if len(text) > limits[f]:
            problems.append(problem_entry(f, N_("This can be at most %(limit)s characters."),
                                          limit=limits[f]))
        clean[f] = text
    if problems:
        raise InvalidInput(N_("This translation has problems to fix before it can be saved."),
                           {"problems": problems})
    return clean, role_texts(name, description)
