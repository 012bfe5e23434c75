"""Peer mentors: offers, requests and the suggestions the global assignment made (load and save)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from pwa.extensions import db
from pwa.models import MentorCompetency, MentorOffer, MentorRequest, MentorSuggestion, Person


def export_offer(person: Person) -> dict[str, Any] | None:
    """The person's offer to mentor, as they made it."""
    offer = db.session.get(MentorOffer, person.id)
    if offer is None:
        return None
    competencies = sorted(db.session.scalars(select(MentorCompetency.competency).where(
        MentorCompetency.person_id == person.id)))
    return {"status": offer.status, "capacity": offer.capacity, "languages": offer.languages,
            "availability": offer.availability, "contact": offer.contact,
            "competencies": competencies, "changed_at": offer.occurred_at.isoformat()}


def export_requests(person: Person) -> list[dict[str, Any]]:
    """Requests the person made or received; the other side's words only once accepted."""
    rows = db.session.scalars(select(MentorRequest).where(or_(
        MentorRequest.learner_id == person.id, MentorRequest.mentor_id == person.id))
        .order_by(MentorRequest.occurred_at, MentorRequest.id))
    out = []
    for r in rows:
        mine = r.learner_id == person.id
        other = db.session.get(Person, r.mentor_id if mine else r.learner_id)
        row: dict[str, Any] = {
            "id": r.id, "as": "learner" if mine else "mentor", "competency": r.competency,
            "with": other.display_name if other else None, "status": r.status,
            "sent_at": r.occurred_at.isoformat(),
            "answered_at": r.answered_at.isoformat() if r.answered_at else None,
            "ended_at": r.ended_at.isoformat() if r.ended_at else None,
        }
        if mine or r.status in ("accepted", "ended"):
            row.update(message=r.message, contact=r.contact, shared_level=r.shared_level)
        out.append(row)
    return out


def export_suggestions(person: Person) -> list[dict[str, Any]]:
    """Mentors suggested to the person, by competency."""
    rows = db.session.execute(select(MentorSuggestion, Person.display_name)
                              .join(Person, Person.id == MentorSuggestion.mentor_id)
                              .where(MentorSuggestion.learner_id == person.id)
                              .order_by(MentorSuggestion.competency))
    return [{"competency": s.competency, "mentor": name, "assigned_at": s.assigned_at.isoformat()}
            for s, name in rows]
