"""A person's data: all of it exported, all of it removed, as the registry lists it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pwa.extensions import db
from pwa.models import Person
from pwa.sync.registry import registry

FORMAT = "skillpath-export/2"


def export_person(person: Person, now: datetime) -> dict[str, Any]:
    """Everything the app holds about ``person``, for "Download my data"."""
    out: dict[str, Any] = {"exported_at": now.isoformat(), "format": FORMAT}
    for entry in registry().personal.values():
        if entry.export is not None:
            out[entry.key] = entry.export(person)
    return out


def readable(person: Person, now: datetime) -> list[tuple[str, Any]]:
    """The same parts as :func:`export_person`, each under its title, for the printable page."""
    return [(entry.title or entry.key, entry.export(person))
            for entry in registry().personal.values() if entry.export is not None]


def delete_person(person: Person) -> None:
    """Remove ``person`` and everything that is theirs; the caller commits."""
    for entry in registry().personal.values():
        if entry.forget is not None:
            entry.forget(person)
    db.session.delete(person)
