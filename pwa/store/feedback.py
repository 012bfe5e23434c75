"""Learners' feedback on a Success Profile, and the authors' answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select

from engine import feedback as rules
from engine import sync as sync_rules
from engine.errors import N_, DomainError, NotFound
from pwa.extensions import db
from pwa.models import Feedback, Person, Role, as_dict
from pwa.store.batch import Batch
from pwa.store.people import require_author
from pwa.store.profiles import open_draft, published_version


def give_feedback(person: Person, role: Role, *, competency_key: str | None, kind: str,
                  text: str, now: datetime) -> Feedback:
    """Store a learner's feedback on ``role``'s current profile (or one competency of it)."""
    target = feedback_target(person, role, competency_key=competency_key, kind=kind, text=text)
    feedback = Feedback(person_id=person.id, role_id=role.id, created_at=now,
                        status=rules.OPEN, **asdict(target))
    db.session.add(feedback)
    db.session.flush()
    return feedback


@dataclass(frozen=True)
class Target:
    """Checked feedback: the columns it will have (the version it is about, and its words)."""

    version_id: int
    competency_id: int | None
    kind: str
    text: str


def feedback_target(person: Person, role: Role, *, competency_key: str | None, kind: str,
                    text: str) -> Target:
    """Check feedback before it is stored: the columns it will have, or a DomainError."""
    if role.organisation_id != person.organisation_id:
        raise NotFound(N_("There is no such role."))
    version_now = published_version(role, None)
    ids = {line.competency.key: line.competency_id for line in version_now.lines}
    note = rules.check(kind, text, competency_key, known_keys=ids, role_name=role.name)
    return Target(version_now.id, ids[note.competency_key] if note.competency_key else None,
                  note.kind, note.text)


def feedback_in_role(role: Role, feedback_id: int) -> Feedback:
    feedback = db.session.get(Feedback, feedback_id)
    if feedback is None or feedback.role_id != role.id:
        raise NotFound(N_("There is no such feedback."))
    return feedback


def queue(role: Role) -> list[Feedback]:
    return list(db.session.scalars(
        select(Feedback).where(Feedback.role_id == role.id)
        .order_by(Feedback.status != "open", Feedback.created_at.desc())
    ))


def open_feedback_counts(role_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(Feedback.role_id, func.count()).where(Feedback.role_id.in_(role_ids),
                                                     Feedback.status == "open")
        .group_by(Feedback.role_id)
    ).all()
    return {role_id: count for role_id, count in rows}


def answer_feedback(feedback: Feedback, *, accept: bool, reply: str, author: Person,
                    now: datetime) -> None:
    """Accept (linking the draft that addresses it) or decline with a reply."""
    require_author(author, feedback.role)
    status, reply_text = rules.answer(feedback.status, accept=accept, reply=reply)
    if accept:
        feedback.addressed_in_id = open_draft(feedback.role, author, now).id
    feedback.status = status
    feedback.reply = reply_text
    feedback.replied_at = now
    feedback.replied_by_id = author.id


def my_feedback(person: Person) -> list[Feedback]:
    return list(db.session.scalars(
        select(Feedback).where(Feedback.person_id == person.id)
        .order_by(Feedback.created_at.desc())
    ))


def check_created(batch: Batch,
                  event: sync_rules.Event[rules.CreatedData]) -> tuple[int, Target]:
    """A ``feedback.created`` event: its role's id and the row it will add, or Refused."""
    data = event.data
    role = batch.role(data.role)
    try:
        return role.id, feedback_target(batch.person, role, competency_key=data.competency,
                                        kind=data.kind, text=data.text)
    except DomainError as exc:
        raise sync_rules.Refused("invalid_feedback", exc.template, **exc.params) from exc


def apply_created(person: Person, planned: list[tuple[sync_rules.Event[rules.CreatedData],
                                                     tuple[int, Target]]]) -> None:
    db.session.execute(insert(Feedback), [
        {"person_id": person.id, "status": rules.OPEN, "created_at": e.occurred_at,
         "role_id": role_id, **asdict(target)}
        for e, (role_id, target) in planned])


def export(person: Person) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(Feedback).where(Feedback.person_id == person.id).order_by(Feedback.created_at))
    return [{"role": f.role.slug, "version": f.version.number,
             "competency": f.competency.key if f.competency else None,
             **as_dict(f, "kind", "text", "status", "reply", "replied_at", "created_at")}
            for f in rows]
