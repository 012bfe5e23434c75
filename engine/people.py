"""Rules about people: their permissions, time zone and locale, and the event that changes
the locale from a phone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from engine.errors import N_, Conflict, Forbidden, InvalidInput
from engine.sync import Data, Refused, only

_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")
MAX_NAME_LENGTH = 120


class Permission(StrEnum):
    """What the app lets a person do; every person is a learner."""

    LEARNER = "learner"
    AUTHOR = "author"
    LD_ADMIN = "ld_admin"


@dataclass(frozen=True)
class PersonFacts:
    """What decides a person's permissions."""

    is_ld_admin: bool
    authored_role_ids: frozenset[int]


def permissions(person: PersonFacts) -> frozenset[Permission]:
    """Everyone learns; authorship comes from nomination; L&D from the flag."""
    found = {Permission.LEARNER}
    if person.authored_role_ids:
        found.add(Permission.AUTHOR)
    if person.is_ld_admin:
        found.add(Permission.LD_ADMIN)
    return frozenset(found)


def clean_display_name(name: str) -> str:
    """Trim and check a display name; people are shown by it everywhere."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput(N_("A name is needed."), {"field": "name"})
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidInput(N_("A name can be at most %(limit)s characters."),
                           {"field": "name"}, limit=MAX_NAME_LENGTH)
    return cleaned


def check_time_zone(name: str) -> str:
    """Return ``name`` if it is an IANA time zone, else raise.

    Reminders are sent at the learner's local time, so a wrong zone would
    wake people at night.
    """
    if name not in _time_zones():
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidInput(
                N_("'%(name)s' is not a time zone name such as Europe/Madrid."),
                {"field": "time_zone"}, name=name,
            ) from exc
    return name


@cache
def _time_zones() -> frozenset[str]:
    """The zones of the time zone database, read once: reading it walks a folder tree
    (about 10 ms), and an import or a seed checks hundreds of people's zones."""
    return frozenset(available_timezones())


@dataclass(frozen=True)
class LanguageData(Data):
    """A ``person.language.changed``: the locale the person chose on a phone (es-MX)."""

    locale: str


_LANGUAGE_FIELDS = frozenset({"locale"})


def language_data(data: dict[str, Any]) -> LanguageData:
    """The ``data`` of a ``person.language.changed`` event: a BCP 47 tag."""
    only(data, _LANGUAGE_FIELDS)
    tag = data.get("locale")
    if not isinstance(tag, str) or not _LOCALE.match(tag):
        raise Refused("invalid_data", N_("A language is a tag such as en-GB or es-MX."))
    return LanguageData(tag)


def check_locale(tag: str) -> str:
    """Return ``tag`` if it looks like a BCP 47 language tag (en, es-MX, pt-BR)."""
    if not _LOCALE.match(tag):
        raise InvalidInput(N_("'%(tag)s' is not a language tag such as en-GB or es-MX."),
                           {"field": "locale"}, tag=tag)
    return tag


def can_author(person: PersonFacts, role_id: int) -> bool:
    """Only a nominated author of this very role may edit its profile."""
    return role_id in person.authored_role_ids


def require_author(person: PersonFacts, role_id: int, role_name: str) -> None:
    if not can_author(person, role_id):
        raise Forbidden(N_("Only the nominated authors of %(role)s can edit its profile."),
                        role=role_name)


def require_can_be_nominated(holds_role: bool, role_name: str) -> None:
    """A profile is written by people who do the job: only holders of the role qualify."""
    if not holds_role:
        raise InvalidInput(
            N_("Only people who hold the role '%(role)s' can write its profile."),
            {"field": "role"}, role=role_name,
        )


def require_removable_passkey(passkeys_left: int) -> None:
    """Never remove the last passkey: without one, nobody could sign in again."""
    if passkeys_left <= 1:
        raise Conflict(N_(
            "This is your only passkey. Add another one first, or you could not sign in again."
        ))
