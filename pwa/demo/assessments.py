"""The demo organisation's self-assessments, sent through the real sync path.

Every named frontline person but the demo learner (who rates herself live) has
rated their role's current profile, and so have their colleagues but those the
seed leaves waiting (about 15% of each role, as at a real employer); store
associates also rated version 1 before version 2 came out, so the leaders' page
has a trend. Ratings are deterministic (a hash of the name and the competency
picks an offset from the target) except for a few the L&D reports must show:
warehouse pickers are weak in scanner systems, which no catalogue item covers
(the named pickers' ratings of it are fixed, their colleagues' lean low), and
the two authors of that role are strong in it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select

from pwa.extensions import db
from pwa.models import Organisation, Person, ProfileVersion, Rating, Role
from pwa.store import profiles
from pwa.sync.ingest import ingest

# Most people are near their target; a few well above or below.
OFFSETS = (-2, -1, -1, -1, 0, 0, 0, 1, 1, 2)
# Where a whole role is weak: six in ten below target, as among the named pickers.
LEANING = {"scanner-systems": (-2, -2, -1, -1, -1, -1, 0, 0, 0, 1)}
FIXED = {
    ("Marcus Johnson", "scanner-systems"): 4,
    ("Elena Popescu", "scanner-systems"): 5,
    ("Lucia Fernandez", "scanner-systems"): 2,
    ("Andrzej Kowalski", "scanner-systems"): 1,
    ("Priya Shah", "scanner-systems"): 2,
    ("Kwame Mensah", "scanner-systems"): 2,
    ("Tyrone Williams", "scanner-systems"): 1,
    ("Nguyen Van An", "scanner-systems"): 2,
    ("Olga Ivanova", "scanner-systems"): 3,
    ("Samuel Adeyemi", "scanner-systems"): 3,
}
NAMESPACE = uuid.UUID("6f1c2f4e-5b7a-4e0c-9d51-2a9c8e3b7d10")
DEVICE = "demo-seed"


def level(name: str, key: str, target: int, earlier: bool = False) -> int:
    """The demo rating of ``name`` for ``key``: fixed, or the target moved by a hashed offset.

    ``earlier`` is the rating before the current profile: one level lower, as
    people grow between two assessments.
    """
    if (name, key) in FIXED:
        value = FIXED[(name, key)]
    else:
        digest = hashlib.sha256(f"{name}/{key}".encode()).digest()
        offsets = LEANING.get(key, OFFSETS)
        value = target + offsets[digest[0] % len(offsets)]
    return max(1, min(5, value - (1 if earlier else 0)))


def _events(person: Person, role: Role, when: datetime, earlier: bool,
            version: Any) -> list[dict[str, Any]]:
    stamp = when.isoformat().replace("+00:00", "Z")

    def event(kind: str, data: dict[str, Any], what: str) -> dict[str, Any]:
        return {"id": str(uuid.uuid5(NAMESPACE, f"{person.display_name}/{what}/{stamp}")),
                "type": kind, "schema": 1, "occurred_at": stamp, "device_id": DEVICE,
                "data": data}

    out = [event("rating.set", {"role": role.slug, "competency": line.competency.key,
                                "version": version.number, "note": None,
                                "level": level(person.display_name, line.competency.key,
                                               line.target, earlier)},
                 line.competency.key)
           for line in version.lines]
    out.append(event("assessment.submitted", {"role": role.slug, "version": version.number},
                     "submitted"))
    return out


def seed(org: Organisation, now: datetime, skip: Iterable[str] = ()) -> int:
    """Rate every frontline person's role once (twice where there is an older version).

    Returns how many people rated now: those not rated before and not in ``skip``.
    """
    skipped = set(skip)
    rated = 0
    versions_of: dict[int, list[ProfileVersion]] = {}  # role id -> published versions
    persons = db.session.scalars(
        select(Person).where(Person.organisation_id == org.id, Person.is_ld_admin.is_(False),
                             ~exists().where(Rating.person_id == Person.id))
        .order_by(Person.id)).all()
    for person in persons:
        if person.display_name in skipped:
            continue
        role = person.role
        if role.id not in versions_of:
            versions_of[role.id] = profiles.published(role)
        versions = versions_of[role.id]
        if not versions:
            continue
        events: list[dict[str, Any]] = []
        current = versions[-1]
        for older in versions[:-1]:
            # Rated between that version's publication and the next one's.
            events += _events(person, role, now - timedelta(days=60), True, older)
        events += _events(person, role, now - timedelta(days=10), False, current)
        result = ingest(person, events, now)
        if result.refused:
            raise RuntimeError(f"demo ratings refused for {person.display_name}: "
                               f"{result.refused}")
        rated += 1
    return rated
