"""Whose uncovered gaps a change in this transaction moved: marked here, refreshed before it
commits (``pwa.store.gaps``); and whom the next mentor assignment must look at again
(:func:`assignment`, rows of ``mentor_changes`` read by ``pwa.store.mentors``).

Its own module, importing nothing of the store: profiles and the catalogue mark what
they change without importing the plans that the refresh builds, and the refresh marks
the assignment's people without importing the mentors that import it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert

from pwa.extensions import db
from pwa.models import MentorChange

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


def assignment(organisation_id: int, person_ids: Iterable[int | None]) -> None:
    """The mentor assignment must look at these people again (None: at everyone of the
    organisation), written in this transaction: a change and its mark commit together."""
    rows = [{"organisation_id": organisation_id, "person_id": pid}
            for pid in sorted(set(person_ids), key=lambda p: -1 if p is None else p)]
    if rows:
        db.session.execute(insert(MentorChange), rows)
