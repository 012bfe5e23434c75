"""A role's name and short description as a reader is shown them: in their language
where the role's authors translated them (``role_translations``), in the original's words
otherwise, marked as such (``engine.profiles.shown_role``).

Its own module, importing nothing of the store but ``memo``: the people module names a
person's roles with it, and the profiles module (which imports people) writes the
translations."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engine import profiles as rules
from pwa.extensions import db
from pwa.models import Role, RoleTranslation
from pwa.store.memo import remembered


def _language(language: str) -> str:
    return language if language in rules.TRANSLATION_LANGUAGES else rules.ORIGINAL_LANGUAGE


def row(role_id: int, language: str) -> RoleTranslation | None:
    """The role's translation into ``language``, or None."""
    found: RoleTranslation | None = db.session.scalar(select(RoleTranslation).where(
        RoleTranslation.role_id == role_id, RoleTranslation.language == language))
    return found


def words(role: Role, language: str) -> rules.RoleWords:
    """The role's words for a reader of ``language`` (a reading language:
    ``engine.profiles.reading_language``); read once within ``memo.reading``."""
    language = _language(language)
    if language == rules.ORIGINAL_LANGUAGE:
        return rules.shown_role(role.name, role.description, language, None, None)

    def read() -> rules.RoleWords:
        t = row(role.id, language)
        return rules.shown_role(role.name, role.description, language,
                                None if t is None else dict(t.texts),
                                None if t is None else dict(t.source))
    found: rules.RoleWords = remembered(("role-words", role.id, language), read)
    return found


def names(roles: Collection[tuple[int, str]], language: str) -> dict[int, rules.RoleWords]:
    """The words of many roles, given as (id, original name), in one query: for lists of
    people (a colleague's role). Only the name is read: the description is left empty."""
    language = _language(language)
    texts: dict[int, tuple[dict[str, str], dict[str, str]]] = {}
    if language != rules.ORIGINAL_LANGUAGE and roles:
        for role_id, t, s in db.session.execute(
                select(RoleTranslation.role_id, RoleTranslation.texts, RoleTranslation.source)
                .where(RoleTranslation.role_id.in_({i for i, _ in roles}),
                       RoleTranslation.language == language)):
            texts[role_id] = (dict(t), dict(s))
    return {i: rules.shown_role(name, "", language, *texts.get(i, (None, None)))
            for i, name in roles}


@dataclass(frozen=True)
class Line:
    """The role's words as its translators see them: the original's, the translation's
    (``None`` before the first word), each field's state and when it was last saved."""

    original: dict[str, str]
    texts: dict[str, str] | None
    source: dict[str, str] | None
    states: dict[str, str]
    saved_at: datetime | None

    @property
    def to_do(self) -> dict[str, str]:
        """The fields still to translate or to look at again, and why."""
        return {f: s for f, s in self.states.items() if s in ("missing", "out_of_date")}


def line(role: Role, language: str) -> Line:
    """The role's name and description beside their translation into ``language``."""
    original = rules.role_texts(role.name, role.description)
    t = row(role.id, language)
    texts = None if t is None else dict(t.texts)
    source = None if t is None else dict(t.source)
    return Line(original, texts, source, rules.field_states(original, texts or {}, source or {}),
                None if t is None else t.updated_at)
