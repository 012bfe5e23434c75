"""The demo's peer mentors: Marcus Johnson and Elena Popescu offer help with the scanner,
which no course covers.

Everything goes through the sync path, as if from their phones: a rating (only
where the person has none of that competency yet), then the offer. Lucia
Fernandez has the gap; the assignment then suggests Marcus to her.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from pwa.extensions import db
from pwa.models import MentorOffer, Organisation, Person
from pwa.store import assessment, mentors, profiles
from pwa.sync import ingest

COMPETENCY = "scanner-systems"
RATINGS = (("Marcus Johnson", 4), ("Elena Popescu", 5), ("Lucia Fernandez", 2))
# Six places for the many pickers below target on the scanner: no course covers it, and
# two mentors cannot close it either (the gap report's point). Lucia (Spanish) is among the
# six the assignment picks from its equals, with Marcus, who speaks it.
OFFERS = {
    "Marcus Johnson": {"competencies": [COMPETENCY], "capacity": 3, "languages": ["en", "es"],
                       "availability": "Weekday mornings at the goods-in desk",
                       "contact": "Goods-in desk, weekday mornings", "status": "active"},
    "Elena Popescu": {"competencies": [COMPETENCY], "capacity": 3, "languages": ["en", "ro"],
                      "availability": "Late shifts, after the 18:00 break",
                      "contact": "Ask for Elena at the packing benches", "status": "active"},
}


def _event(type_: str, data: dict[str, Any], at: datetime) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "type": type_, "schema": 1,
            "occurred_at": at.isoformat(), "device_id": "demo-seed", "data": data}


def _sync(person: Person, events: list[dict[str, Any]], now: datetime) -> None:
    result = ingest.ingest(person, events, now)
    if result.refused:
        raise RuntimeError(f"demo events refused: {[r.message for _, r in result.refused]}")


def seed(org: Organisation, now: datetime, changed: bool = True) -> str:
    """Ratings where missing, Marcus's offer if he has none, and the suggestions; once each.

    The suggestions are made again only if this run added something (``changed``: people
    or ratings elsewhere in the seed); otherwise they stand as the last assignment left
    them, and a second run reads no plan.
    """
    people = {p.display_name: p for p in db.session.scalars(
        select(Person).where(Person.organisation_id == org.id,
                             Person.display_name.in_([n for n, _ in RATINGS] + list(OFFERS))))}
    at = now - timedelta(minutes=5)
    for name, level in RATINGS:
        person = people[name]
        version = profiles.current(person.role)
        rated = any(r["competency"] == COMPETENCY for r in assessment.current(person))
        if version is None or rated:
            continue
        _sync(person, [_event("rating.set", {"role": person.role.slug, "competency": COMPETENCY,
                                             "version": version.number, "level": level,
                                             "note": None}, at)], now)
        changed = True
    added = 0
    for name, offer in OFFERS.items():
        mentor = people[name]
        if db.session.get(MentorOffer, mentor.id) is None:
            _sync(mentor, [_event("mentor.offer.changed", offer, at + timedelta(minutes=1))],
                  now)
            added += 1
    if not (changed or added):
        return f"{added} mentor offers added; suggestions unchanged."
    suggested = mentors.reassign(org.id, now)
    return f"{added} mentor offers added; {suggested} mentors suggested."
