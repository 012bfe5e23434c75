"""Loading and storing Success Profiles: versions, their competencies, drafts and publishing.

The rules (what a valid version is, what a diff is, when an edit is refused)
are ``engine.profiles``; this module turns rows into engine dataclasses and
back, inside the caller's transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from engine import profiles as rules
from engine.errors import N_, Conflict, NotFound
from pwa.extensions import db
from pwa.models import (
    CompetencyIdentity,
    Feedback,
    Person,
    ProfileTranslation,
    ProfileVersion,
    Role,
    RoleTranslation,
    VersionCompetency,
)
from pwa.store import bundles, memo, role_words, stale
from pwa.store.memo import remembered
from pwa.store.people import authors, require_author


def published(role: Role) -> list[ProfileVersion]:
    return list(db.session.scalars(
        select(ProfileVersion)
        .where(ProfileVersion.role_id == role.id, ProfileVersion.status == "published")
        .order_by(ProfileVersion.number)
    ))


def current(role: Role) -> ProfileVersion | None:
    """The role's latest published version."""
    return remembered(("current", role.id), lambda: db.session.scalar(
        select(ProfileVersion)
        .where(ProfileVersion.role_id == role.id, ProfileVersion.status == "published")
        .order_by(ProfileVersion.number.desc()).limit(1)
    ))


@dataclass(frozen=True)
class Line:
    """A competency of a published version, as a plan reads it."""

    competency_id: int
    key: str
    name: str
    target: int
    importance: int


@dataclass(frozen=True)
class Shown:
    """A role's current published version as every member is shown it: read once per
    version of what the organisation shares (``pwa.store.memo.shared``), never changed."""

    id: int
    role_id: int
    number: int
    lines: tuple[Line, ...]
    competencies: tuple[rules.Competency, ...]  # the same, in order, as the rules take them
    shown: dict[str, Any] = field(compare=False)  # :func:`version_dict`: copy before changing

    def as_dict(self) -> dict[str, Any]:
        """:func:`version_dict` of the version, a copy of its own."""
        return {**self.shown, "written_by": list(self.shown["written_by"]),
                "competencies": [{**c, **{k: list(c[k]) for k in _LISTS if k in c}}
                                 for c in self.shown["competencies"]]}


_LISTS = ("levels", "in_original")  # a shown competency's lists


def shown(role: Role, language: str = rules.ORIGINAL_LANGUAGE) -> Shown | None:
    """The role's current published version (:func:`current`), with its lines, its
    authors' names and the role's name, its words in ``language`` where its authors
    translated them: the same for every member who reads that language, so read once per
    version of what the organisation shares (a translation saved on it moves that too)."""
    return remembered(("shown", role.id, language), lambda: memo.shared(
        role.organisation, ("profile", role.id, language),
        lambda: _shown(current(role), language)))


def _shown(v: ProfileVersion | None, language: str) -> Shown | None:
    if v is None:
        return None
    lines = tuple(Line(line.competency_id, line.competency.key, line.name, line.target,
                       line.importance) for line in v.lines)
    return Shown(v.id, v.role_id, v.number, lines, tuple(_competencies(v)),
                 version_dict(v, language))


def published_competencies(role: Role, number: int) -> tuple[rules.Competency, ...]:
    """:func:`competencies` of the role's version ``number``, published (never changed
    again): read once per process and version of what the organisation shares."""
    return memo.shared(role.organisation, ("competencies", role.id, number),
                       lambda: tuple(competencies(version(role, number))))


def version(role: Role, number: int) -> ProfileVersion:
    found: ProfileVersion | None = remembered(
        ("version", role.id, number), lambda: db.session.scalar(
            select(ProfileVersion).where(ProfileVersion.role_id == role.id,
                                         ProfileVersion.number == number)))
    if found is None:
        raise NotFound(N_("%(role)s has no version %(number)s."), role=role.name, number=number)
    return found


def published_version(role: Role, number: int | None) -> ProfileVersion:
    """Version ``number`` if published, or the current one; drafts stay with authors."""
    found = current(role) if number is None else version(role, number)
    if found is None or found.status != "published":
        if number is None:
            raise NotFound(N_("%(role)s has no published version yet."), role=role.name)
        raise NotFound(N_("%(role)s has no published version %(number)s."), role=role.name,
                       number=number)
    return found


def draft(role: Role) -> ProfileVersion | None:
    found: ProfileVersion | None = db.session.scalar(
        select(ProfileVersion)
        .where(ProfileVersion.role_id == role.id, ProfileVersion.status == "draft")
    )
    return found


def competencies(v: ProfileVersion) -> list[rules.Competency]:
    if v.status != "published":  # a draft changes; only a published version is kept
        return _competencies(v)
    return list(remembered(("lines", v.id), lambda: _competencies(v)))


def _competencies(v: ProfileVersion) -> list[rules.Competency]:
    return [
        rules.Competency(
            key=line.competency.key, name=line.name, description=line.description,
            group=line.group_name, levels=tuple(line.levels), target=line.target,
            importance=line.importance,
        )
        for line in v.lines
    ]


def open_draft(role: Role, author: Person, now: datetime) -> ProfileVersion:
    """The role's draft, or a new one copied from the current version."""
    require_author(author, role)
    existing = draft(role)
    if existing is not None:
        return existing
    numbers = db.session.scalars(
        select(ProfileVersion.number).where(ProfileVersion.role_id == role.id)
    ).all()
    new = ProfileVersion(role_id=role.id, number=rules.next_number(numbers), status="draft",
                         created_at=now, created_by_id=author.id, updated_at=now,
                         updated_by_id=author.id, revision=1)
    db.session.add(new)
    base = current(role)
    if base is not None:
        for line in base.lines:
            new.lines.append(VersionCompetency(
                competency=line.competency, position=line.position, name=line.name,
                description=line.description, group_name=line.group_name,
                levels=list(line.levels), target=line.target, importance=line.importance))
    db.session.flush()
    if base is not None:  # with what each was translated from: an edit marks it out of date
        for t in db.session.scalars(select(ProfileTranslation)
                                    .where(ProfileTranslation.version_id == base.id)):
            db.session.add(ProfileTranslation(
                version_id=new.id, competency_id=t.competency_id, language=t.language,
                texts=dict(t.texts), source=dict(t.source), updated_at=t.updated_at))
        db.session.flush()
    return new


def save_draft(v: ProfileVersion, new: list[rules.Competency], *, expected_revision: int,
               author: Person, now: datetime) -> None:
    """Replace the draft's competencies with ``new`` (in order) after every check.

    A competency whose key is empty is new: it gets a key from its name.
    """
    require_author(author, v.role)
    rules.require_draft(v.status)
    rules.require_current_revision(expected_revision, v.revision)
    identities = {c.key: c for c in db.session.scalars(
        select(CompetencyIdentity).where(CompetencyIdentity.role_id == v.role_id))}
    keyed: list[rules.Competency] = []
    for comp in new:
        key = comp.key or rules.make_key(comp.name, [*identities, *(c.key for c in keyed)])
        keyed.append(rules.Competency(key, " ".join(comp.name.split()), comp.description.strip(),
                                      comp.group.strip(), tuple(t.strip() for t in comp.levels),
                                      comp.target, comp.importance))
    rules.validate_save(_competencies(v), keyed)
    v.lines.clear()
    db.session.flush()
    for position, comp in enumerate(keyed):
        identity = identities.get(comp.key)
        if identity is None:
            identity = CompetencyIdentity(role_id=v.role_id, key=comp.key, created_at=now)
            db.session.add(identity)
            db.session.flush()
            identities[comp.key] = identity
        v.lines.append(VersionCompetency(
            competency=identity, position=position, name=comp.name,
            description=comp.description, group_name=comp.group, levels=list(comp.levels),
            target=comp.target, importance=comp.importance))
    # A competency removed from the draft takes its translations with it.
    db.session.execute(delete(ProfileTranslation).where(
        ProfileTranslation.version_id == v.id,
        ProfileTranslation.competency_id.not_in([line.competency.id for line in v.lines])))
    v.revision += 1
    v.updated_at = now
    v.updated_by_id = author.id


def publish(v: ProfileVersion, summary: str, *, expected_revision: int, author: Person,
            now: datetime) -> None:
    """Make the draft the role's current version; it never changes again."""
    require_author(author, v.role)
    rules.require_draft(v.status)
    rules.require_current_revision(expected_revision, v.revision)
    before = current(v.role)
    v.summary = rules.check_publish(summary, competencies(v),
                                    competencies(before) if before is not None else None)
    v.status = "published"
    v.published_at = now
    v.published_by_id = author.id
    v.revision += 1
    stale.role(v.role_id)  # its people's uncovered gaps, refreshed before this commits


def discard_draft(v: ProfileVersion, author: Person) -> None:
    require_author(author, v.role)
    rules.require_draft(v.status)
    for fb in db.session.scalars(select(Feedback).where(Feedback.addressed_in_id == v.id)):
        fb.addressed_in_id = None
        fb.status = "open"
    db.session.delete(v)


def previous(v: ProfileVersion) -> ProfileVersion | None:
    """The published version before ``v`` (for a draft: the current one)."""
    found: ProfileVersion | None = db.session.scalar(
        select(ProfileVersion)
        .where(ProfileVersion.role_id == v.role_id, ProfileVersion.status == "published",
               ProfileVersion.number < v.number)
        .order_by(ProfileVersion.number.desc()).limit(1)
    )
    return found


def diff(old: ProfileVersion | None, new: ProfileVersion) -> list[rules.CompetencyDiff]:
    return rules.diff(competencies(old) if old else [], competencies(new))


# Many roles at once (the reminder tick) ------------------------------------------------------

@dataclass(frozen=True)
class Published:
    """A published version, as the tick's bulk reads name it."""

    id: int
    role_id: int
    number: int
    published_at: datetime


def published_versions(role_ids: Collection[int]) -> dict[int, list[Published]]:
    """Each role's published versions, oldest first: one query for any number of roles."""
    found: dict[int, list[Published]] = {}
    if role_ids:
        for vid, role_id, number, at in db.session.execute(
                select(ProfileVersion.id, ProfileVersion.role_id, ProfileVersion.number,
                       ProfileVersion.published_at)
                .where(ProfileVersion.role_id.in_(role_ids),
                       ProfileVersion.status == "published",
                       ProfileVersion.published_at.is_not(None))
                .order_by(ProfileVersion.role_id, ProfileVersion.number)):
            if at is not None:  # always (the query asks for it): narrowed for the types
                found.setdefault(role_id, []).append(Published(vid, role_id, number, at))
    return found


def competencies_of(version_ids: Collection[int]) -> dict[int, list[rules.Competency]]:
    """The competencies of each version, in order (:func:`competencies` of each): one query."""
    found: dict[int, list[rules.Competency]] = {v: [] for v in version_ids}
    if version_ids:
        for line in db.session.execute(
                select(VersionCompetency.version_id, CompetencyIdentity.key,
                       VersionCompetency.name, VersionCompetency.description,
                       VersionCompetency.group_name, VersionCompetency.levels,
                       VersionCompetency.target, VersionCompetency.importance)
                .join(CompetencyIdentity, CompetencyIdentity.id == VersionCompetency.competency_id)
                .where(VersionCompetency.version_id.in_(version_ids))
                .order_by(VersionCompetency.version_id, VersionCompetency.position)):
            found[line.version_id].append(rules.Competency(
                key=line.key, name=line.name, description=line.description,
                group=line.group_name, levels=tuple(line.levels), target=line.target,
                importance=line.importance))
    return found


def to_look_at_again(published: dict[int, list[Published]]) -> dict[int, int]:
    """Role id -> how many competencies its current version asks learners to look at again.

    Counted against the version before it, as the version's "what changed" page shows
    it: new, reworded or retargeted (``engine.profiles.to_rerate``). A role's first
    version asks nothing again (there was nothing to rate before it). One query.
    """
    pairs = {role: (versions[-2], versions[-1]) for role, versions in published.items()
             if len(versions) > 1}
    lines = competencies_of({v.id for pair in pairs.values() for v in pair})
    return {role: len(rules.to_rerate(rules.diff(lines[before.id], lines[now.id])))
            for role, (before, now) in pairs.items()}


def version_dict(v: ProfileVersion, language: str = rules.ORIGINAL_LANGUAGE) -> dict[str, Any]:
    """A version as the API and the offline client see it, in ``language`` where its
    authors translated it (:func:`shown_competency`)."""
    writers = authors(v.role)
    if language not in rules.TRANSLATION_LANGUAGES:
        language = rules.ORIGINAL_LANGUAGE
    found = translations(v, language) if language != rules.ORIGINAL_LANGUAGE else None
    return {
        "role": role_words.words(v.role, language).to_dict(v.role.slug),
        "number": v.number,
        "status": v.status,
        "summary": v.summary,
        "published_at": v.published_at.isoformat() if v.published_at else None,
        "written_by": [p.display_name for p in writers],
        "language": language,
        "original_language": rules.ORIGINAL_LANGUAGE,
        "competencies": [c.to_dict() if found is None else shown_competency(c, found.get(c.key))
                         for c in competencies(v)],
    }


def shown_competency(c: rules.Competency, t: rules.Translation | None) -> dict[str, Any]:
    """A competency in a translation's language: its translated words where they are
    current, the original's elsewhere, named in ``in_original`` (fields, as
    ``engine.profiles.FIELDS``) for the reader to be told; and ``levels_digest``, a digest
    of the original's level descriptors: two profiles share a competency when those match
    word for word (``engine.assessment.shared``), and the phone compares the digests rather
    than download every descriptor twice."""
    out = rules.localized(c, t).to_dict()
    out["in_original"] = list(rules.untranslated(c, t))
    out["levels_digest"] = levels_digest(c.levels)
    return out


def levels_digest(levels: Sequence[str]) -> str:
    """64 bits of SHA-256 of the descriptors: equal exactly when they are, between the two
    profiles of one learner (a chance collision is 1 in 2**64)."""
    words = json.dumps(list(levels), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(words.encode("utf-8")).hexdigest()[:16]


# Translations -----------------------------------------------------------------------------


def translations(v: ProfileVersion, language: str) -> dict[str, rules.Translation]:
    """The version's translations into ``language``, by competency key."""
    return {t.competency.key: rules.Translation(t.competency.key, t.language, dict(t.texts),
                                                dict(t.source))
            for t in _translation_rows(v, language)}


def _translation_rows(v: ProfileVersion, language: str) -> list[ProfileTranslation]:
    return list(db.session.scalars(select(ProfileTranslation).where(
        ProfileTranslation.version_id == v.id, ProfileTranslation.language == language)))


@dataclass(frozen=True)
class TranslationLine:
    """One competency of a version as its translators see it: the original, the
    translation (``None`` before the first word), each field's state
    (``engine.profiles.Translation.state``) and when it was last saved."""

    original: rules.Competency
    translation: rules.Translation | None
    states: dict[str, str]
    saved_at: datetime | None

    def original_text(self, name: str) -> str:
        """The original's words of the field ``name``."""
        return rules.field_texts(self.original)[name]

    @property
    def to_do(self) -> dict[str, str]:
        """The fields still to translate or to look at again, and why."""
        return rules.untranslated(self.original, self.translation)


def translation_lines(v: ProfileVersion, language: str) -> list[TranslationLine]:
    """Every competency of the version, in order, beside its translation into ``language``."""
    rows = {t.competency.key: t for t in _translation_rows(v, language)}
    out = []
    for c in competencies(v):
        row = rows.get(c.key)
        t = None if row is None else rules.Translation(c.key, language, dict(row.texts),
                                                       dict(row.source))
        states = t.state(c) if t is not None else {
            name: "missing" if text.strip() else "empty"
            for name, text in rules.field_texts(c).items()}
        out.append(TranslationLine(c, t, states, None if row is None else row.updated_at))
    return out


def translatable(role: Role) -> list[ProfileVersion]:
    """The versions of the role its authors may translate: the current one (learners read
    it) and the draft (the next one), if there are."""
    return [v for v in (current(role), draft(role)) if v is not None]


def save_translation(v: ProfileVersion, key: str, language: str, texts: dict[str, str], *,
                     seen: datetime | None, author: Person, now: datetime) -> None:
    """Write the translation of the competency ``key`` of ``v`` into ``language``.

    ``v`` is the role's draft or its current version: a translation does not change what
    a competency means, so it is written on a published version as it is, no new version
    and nothing to rate again; its learners' bundles change (the organisation's counter
    moves). ``seen`` is when the translation the author edited was saved (``None``: there
    was none): a translation saved by someone else since is not overwritten silently.
    """
    require_author(author, v.role)
    if v.id not in {found.id for found in translatable(v.role)}:
        raise Conflict(N_("Only the current version and the draft can be translated."))
    line = next((line for line in v.lines if line.competency.key == key), None)
    if line is None:
        raise NotFound(N_("Version %(number)s has no competency '%(key)s'."), number=v.number,
                       key=key)
    original = next(c for c in competencies(v) if c.key == key)
    checked = rules.check_translation(original, language, texts)
    row = db.session.scalar(select(ProfileTranslation).where(
        ProfileTranslation.version_id == v.id,
        ProfileTranslation.competency_id == line.competency_id,
        ProfileTranslation.language == language))
    if (None if row is None else row.updated_at) != seen:
        raise Conflict(N_("Someone else saved this translation after you opened it. Your "
                          "changes were not saved; the current text is shown so you can "
                          "apply them again."))
    if row is None:
        row = ProfileTranslation(version_id=v.id, competency_id=line.competency_id,
                                 language=language)
        db.session.add(row)
    row.texts, row.source, row.updated_at = checked.texts, checked.source, now
    if v.status == rules.Status.PUBLISHED:
        bundles.role(v.role_id)  # its learners see it: their bundles change


def save_role_translation(role: Role, language: str, texts: dict[str, str], *,
                          seen: datetime | None, author: Person, now: datetime) -> None:
    """Write the translation of the role's name and short description into ``language``.

    Not versioned (the role's name is not): its members read it as soon as it is saved
    (the organisation's counter moves). ``seen`` is when the translation the author
    edited was saved (``None``: there was none), as for a competency's."""
    require_author(author, role)
    clean, source = rules.check_role_translation(role.name, role.description, language, texts)
    row = role_words.row(role.id, language)
    if (None if row is None else row.updated_at) != seen:
        raise Conflict(N_("Someone else saved this translation after you opened it. Your "
                          "changes were not saved; the current text is shown so you can "
                          "apply them again."))
    if row is None:
        row = RoleTranslation(role_id=role.id, language=language)
        db.session.add(row)
    row.texts, row.source, row.updated_at = clean, source, now
    bundles.role(role.id)  # every member who reads the language is shown it


# Feedback ---------------------------------------------------------------------------------


def published_competency_ids(role: Role, number: int) -> tuple[int, dict[str, int]] | None:
    """A published version's id and its competency ids by key; ``None`` if not published."""
    found = db.session.scalar(select(ProfileVersion).where(
        ProfileVersion.role_id == role.id, ProfileVersion.number == number,
        ProfileVersion.status == "published"))
    if found is None:
        return None
    rows = db.session.execute(
        select(CompetencyIdentity.key, VersionCompetency.competency_id)
        .join(VersionCompetency.competency)
        .where(VersionCompetency.version_id == found.id)).all()
    return found.id, {key: competency_id for key, competency_id in rows}


def bootstrap_part(person: Person, bundle: dict[str, Any]) -> dict[str, Any]:
    """The learner's role and future role with their current profiles.

    The profiles travel inside the bundle, so the phone does not fetch their
    versioned addresses again: the same bytes twice on a first load. Their words are in
    the person's language where the authors translated them.
    """
    profiles: dict[str, Any] = {}
    language = rules.reading_language(person.locale)
    for role in (person.role, person.future_role):
        version = shown(role, language) if role is not None else None
        if role is not None and version is not None:
            profiles[role.slug] = version.as_dict()
    return {
        "role": person.role.slug,
        "future_role": person.future_role.slug if person.future_role else None,
        "profiles": profiles,
    }
