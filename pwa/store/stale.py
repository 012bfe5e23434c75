"""Whose uncovered gaps a change in this transaction moved: marked here, refreshed before it
commits (``pwa.store.gaps``).

Its own module, importing nothing of the store: profiles and the catalogue mark what
they change without importing the plans that the refresh builds.
"""

from __future__ import annotations

from collections.abc import Iterable

from pwa.extensions import db

KEY = "skillpath_uncovered_stale"


def marks() -> dict[str, set[int]]:
    """This transaction's marks: ``people``, ``roles`` and ``organisations`` by id."""
    found: dict[str, set[int]] = db.session.info.setdefault(
        KEY, {"people": set(), "roles": set(), "organisations": set()})
    return found


def people(person_ids: Iterable[int]) -> None:
    """What these people's plans are made of changed (their ratings, settings, choices)."""
    marks()["people"].update(person_ids)


def role(role_id: int) -> None:
    """The role's profile changed: its people, and those who aim for it."""
    marks()["roles"].add(role_id)


def organisation(organisation_id: int) -> None:
    """The organisation's catalogue changed: anyone in it."""
    marks()["organisations"].add(organisation_id)
