"""Each learner's uncovered gaps, kept as a read model (``uncovered_gaps``).

What no suitable item covers comes out of the whole plan (ratings, both profiles,
the catalogue, the learner's choices and goals), which only the rules in Python can
build. Building every learner's plan each time the mentors are assigned took
seconds per thousand people; so whatever changes a plan's input marks whose
gaps it moved (``pwa.store.stale``) and, before that transaction commits, their
plans are built once and their rows replaced: the assignment reads rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import bindparam, delete, event, insert, inspect, or_, select
from sqlalchemy.orm import Session

from engine import plan as rules
from pwa import clock
from pwa.extensions import db
from pwa.models import Person, UncoveredGap
from pwa.store import plans, profiles, stale

BATCH = 500  # people whose rows are replaced per statement


def _rows(person: Person, published: dict[int, Any],
          began: datetime) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The person's uncovered gaps as rows, and their plan's summary, from one plan."""
    plan = rules.build(plans.gather(person, published=published).inputs)  # plans.built
    return ([{"person_id": person.id, "competency": u.competency, "level": u.level,
              "needed": u.needed} for u in plan.uncovered],
            plans.summary_of(person.id, plan, began))


def refresh(person_ids: Iterable[int]) -> int:
    """Build these people's plans and replace their rows; returns how many people.

    The same plans are summarised for the reports (``plan_summaries``) in the same
    transaction, so a sync builds each learner's plan once, not again in a job.

    Those whose gaps are now other competencies than before are marked for the mentor
    assignment (``stale.assignment``); a change of level alone does not move a mentor.
    People gone meanwhile (a deleted account) are skipped. The caller commits.
    """
    ids = sorted(set(person_ids))
    count = 0
    published: dict[int, Any] = {}  # each role's current version, read once
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        people = _people(chunk)
        for role in {r for p in people for r in (p.role, p.future_role) if r is not None}:
            if role.id not in published:  # once per process and version (pwa.store.shared)
                published[role.id] = profiles.shown(role)
        rows: list[dict[str, Any]] = []
        summaries: list[dict[str, Any]] = []
        began = clock.now()  # read before the plans are: see plans.store_summaries
        for p in people:
            gaps, summary = _rows(p, published, began)
            rows += gaps
            summaries.append(summary)
        plans.store_summaries(summaries)
        # What they were, taken as they go: one statement, not a read and a delete.
        before = {(pid, key) for pid, key in db.session.execute(_TAKE, {"people": chunk})}
        after = {(r["person_id"], r["competency"]) for r in rows}
        moved = {pid for pid, _ in before ^ after}
        if rows:
            db.session.execute(_PUT, rows)
        # Whose gaps are not the ones they were: the mentor assignment looks at them again.
        organisations: dict[int, list[int]] = {}
        for p in people:
            if p.id in moved:
                organisations.setdefault(p.organisation_id, []).append(p.id)
        for organisation_id, ids_moved in organisations.items():
            stale.assignment(organisation_id, ids_moved)
        count += len(people)
    return count


UNCOVERED = UncoveredGap.__table__  # written with Core: no ORM bookkeeping for plain rows
# Built once: a sync that moves a plan runs both.
_TAKE = delete(UNCOVERED).where(UNCOVERED.c.person_id.in_(bindparam("people", expanding=True))) \
    .returning(UNCOVERED.c.person_id, UNCOVERED.c.competency)
_PUT = insert(UNCOVERED)


def _people(ids: list[int]) -> list[Person]:
    """These people (those still in the database), in order of id; the ones this session
    holds already as read in this transaction (the person who synced) are not read again."""
    held: dict[int, Person] = {}
    for person_id in ids:
        found = db.session.identity_map.get(Session.identity_key(Person, person_id))
        if isinstance(found, Person) and not inspect(found).expired \
                and found not in db.session.deleted:
            held[person_id] = found
    missing = [i for i in ids if i not in held]
    if missing:
        held |= {p.id: p for p in db.session.scalars(select(Person).where(
            Person.id.in_(missing)))}
    return [held[i] for i in ids if i in held]


def refresh_organisation(organisation_id: int) -> int:
    """Refresh everyone in the organisation (the command that fills the table)."""
    return refresh(db.session.scalars(select(Person.id).where(
        Person.organisation_id == organisation_id)))


def refresh_marked() -> int:
    """Refresh whoever this transaction's changes marked (``pwa.store.stale``), once each."""
    marks = db.session.info.pop(stale.KEY, None)
    if not marks or not any(marks.values()):
        return 0
    ids = set(marks["people"])
    if marks["roles"]:
        ids |= set(db.session.scalars(select(Person.id).where(or_(
            Person.role_id.in_(marks["roles"]), Person.future_role_id.in_(marks["roles"])))))
    if marks["organisations"]:
        ids |= set(db.session.scalars(select(Person.id).where(
            Person.organisation_id.in_(marks["organisations"]))))
    return refresh(ids)


def of_organisation(organisation_id: int) -> list[tuple[int, str]]:
    """(learner, competency) of every uncovered gap in the organisation, as of now."""
    refresh_marked()
    return [(pid, key) for pid, key in db.session.execute(
        select(UncoveredGap.person_id, UncoveredGap.competency)
        .join(Person, Person.id == UncoveredGap.person_id)
        .where(Person.organisation_id == organisation_id)
        .order_by(UncoveredGap.person_id, UncoveredGap.competency))]


def _before_commit(session: Session) -> None:
    if session.info.get(stale.KEY):
        refresh_marked()


def _after_rollback(session: Session) -> None:
    session.info.pop(stale.KEY, None)  # what was marked was never written


def init_app(app: Flask) -> None:
    """Refresh the marked rows in every transaction of the app's session, before it commits."""
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "before_commit", _before_commit):
        event.listen(session_class, "before_commit", _before_commit)
        event.listen(session_class, "after_rollback", _after_rollback)

