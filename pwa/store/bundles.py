"""Whose bootstrap bundle a transaction changed: their counters move before it commits.

The bootstrap's ETag is made of a few stored counters (``pwa.sync.bootstrap.validator``),
so that a phone whose bundle has not changed is answered 304 without the bundle being
built. That is only true if every change to what a bundle shows moves one of them in
the same transaction: ``people.bundle_version`` for what one person's bundle shows of
them or to them, ``organisations.bundle_version`` for what every member's may show (a
published profile, the catalogue, a release, adopted practice parameters, a role's name, a
colleague's name, site or role as a mentor suggestion shows it).

Two ways in, one counter each:

- Rows written through the ORM's unit of work (pages, the admin, jobs) are marked
  here, from the objects themselves, as each flush writes them (:func:`_after_flush`): the
  tables of :data:`PERSON_KEYS` move their people, those of :data:`ORGANISATION_KEYS`
  their organisation, a published profile version its role's organisation, an adopted
  fit of the practice parameters its organisation (one that was not adopted changes
  nothing a bundle shows).
- Bulk statements (the sync's appliers, the mentor assignment, push) name whose bundle
  they changed with :func:`people`, :func:`role` or :func:`organisation`; the sync moves
  the syncing person's counter in the statement that makes two syncs of one person take
  turns (:func:`bump_now`).

Its own module, importing nothing of the store: every store module may mark.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask
from sqlalchemy import bindparam, event, inspect, or_, select, update
from sqlalchemy.orm import Session

from pwa.extensions import db
from pwa.models import (
    AssessmentSubmission,
    Item,
    LatestRating,
    LessonCompletion,
    MentorCompetency,
    MentorOffer,
    MentorRequest,
    MentorSuggestion,
    Organisation,
    OwnItem,
    Passkey,
    Person,
    PlanChoice,
    PlanGoal,
    PlanSettings,
    PlanSuggestion,
    PracticeCard,
    PracticeFit,
    PracticeReview,
    ProfileVersion,
    PushSubscription,
    Rating,
    Release,
    ReminderSettings,
    Role,
    RoleAuthor,
)
from pwa.models import Session as SignedIn

KEY = "skillpath_bundles_changed"

# Rows a person's bundle shows, and the columns naming whose bundle shows them.
PERSON_KEYS: dict[type, tuple[str, ...]] = {
    Rating: ("person_id",), LatestRating: ("person_id",),
    AssessmentSubmission: ("person_id",),
    PlanSettings: ("person_id",), PlanGoal: ("person_id",), OwnItem: ("person_id",),
    PlanChoice: ("person_id",), PlanSuggestion: ("person_id", "from_person_id"),
    PracticeCard: ("person_id",), PracticeReview: ("person_id",),
    LessonCompletion: ("person_id",),
    MentorOffer: ("person_id",), MentorCompetency: ("person_id",),
    MentorRequest: ("learner_id", "mentor_id"), MentorSuggestion: ("learner_id",),
    ReminderSettings: ("person_id",), PushSubscription: ("person_id",),
    Passkey: ("person_id",),  # removed: its sessions, and their push subscriptions, go
    RoleAuthor: ("person_id",),  # the author's permissions
}
# Rows every member's bundle may show, and the column naming the organisation.
ORGANISATION_KEYS: dict[type, str] = {
    Role: "organisation_id", Item: "organisation_id", Release: "organisation_id",
    Organisation: "id",
}
# Rows a role's profile shows (its authors' names): the column naming the role.
ROLE_KEYS: dict[type, str] = {RoleAuthor: "role_id"}
# What of a person their colleagues' bundles show (a mentor's name, site and role).
FACE = ("display_name", "site", "role_id", "role")


def marks() -> dict[str, set[int]]:
    """This transaction's marks: ``people``, ``roles`` and ``organisations`` by id, the
    people whose counter already moved in it (``moved``), the roles and organisations
    whose counter moved (``shared``: role ids negated, organisation ids as they are), and
    those whose organisation's row it locked (``locked``, the same way)."""
    found: dict[str, set[int]] = db.session.info.setdefault(
        KEY, {"people": set(), "roles": set(), "organisations": set(), "moved": set(),
              "shared": set(), "locked": set()})
    return found


def shares_changed() -> bool:
    """Whether this transaction changed anything an organisation's members share (marked
    it, or moved the counter of it): what was read of it before, under the counter this
    session holds, is not what is written now (``pwa.store.shared`` reads it afresh)."""
    found: dict[str, set[int]] | None = db.session.info.get(KEY)
    return found is not None and bool(found["roles"] or found["organisations"]
                                      or found["shared"])


def people(person_ids: Iterable[int | None]) -> None:
    """What these people's bundles show changed."""
    marks()["people"].update(i for i in person_ids if i is not None)


def bumped(person_ids: Iterable[int]) -> None:
    """These people's counters were moved by the caller's own statement in this transaction
    (one that does more than move them): not again at commit."""
    marks()["moved"].update(person_ids)


def role(role_id: int | None) -> None:
    """The role's current profile changed: its organisation's bundles (they name authors)."""
    if role_id is not None:
        marks()["roles"].add(role_id)


def organisation(organisation_id: int | None) -> None:
    """Something every member's bundle may show changed (the catalogue, a release)."""
    if organisation_id is not None:
        marks()["organisations"].add(organisation_id)


_BUMP = (update(Person.__table__)
         .where(Person.__table__.c.id == bindparam("person"))
         .values(bundle_version=Person.__table__.c.bundle_version + 1))


# The same for everyone a transaction marked, built once (a sign-in's commit runs it).
_BUMP_ALL = (update(Person.__table__)
             .where(Person.__table__.c.id.in_(bindparam("people", expanding=True)))
             .values(bundle_version=Person.__table__.c.bundle_version + 1))


def bump_now(person_id: int) -> None:
    """Move the person's counter now, once per transaction: the sync's first write to the
    person's row, which also makes a second sync of the same person wait for this one
    (an UPDATE locks the row as ``FOR NO KEY UPDATE`` does on PostgreSQL)."""
    moved = marks()["moved"]
    if person_id not in moved:
        db.session.execute(_BUMP, {"person": person_id})
        moved.add(person_id)


def _mark_object(obj: Any, deleted: bool, new: bool = False) -> None:
    kind = type(obj)
    if kind is Person:
        state = inspect(obj)
        if deleted:  # their requests and suggestions leave colleagues' bundles
            organisation(obj.organisation_id)
        if deleted or new:  # nobody's bundle shows a new colleague, nor holds their ETag
            return
        changed = [a.key for a in state.attrs
                   if a.key != "bundle_version" and a.history.has_changes()]
        if changed:
            people([obj.id])
            if set(changed) & set(FACE):
                organisation(obj.organisation_id)
        return
    if kind is SignedIn:
        if deleted:  # its push subscription goes with it (ON DELETE CASCADE)
            people([obj.person_id])
        return
    if kind is PracticeFit:  # practice schedules with the latest adopted fit only
        if obj.adopted or (not new and inspect(obj).attrs.adopted.history.has_changes()):
            organisation(obj.organisation_id)
        return
    if kind is ProfileVersion:
        # A draft is the authors' alone, until it is published (or a published one goes).
        if obj.status == "published" or (not new and
                                         inspect(obj).attrs.status.history.has_changes()):
            role(obj.role_id)
        return
    for column in PERSON_KEYS.get(kind, ()):
        people([getattr(obj, column)])
    if kind in ORGANISATION_KEYS:
        organisation(getattr(obj, ORGANISATION_KEYS[kind]))
    if kind in ROLE_KEYS:
        role(getattr(obj, ROLE_KEYS[kind]))


def _mark_pending(session: Session) -> None:
    """Mark what the session's new, changed and deleted objects move."""
    for obj in session.new:
        _mark_object(obj, False, new=True)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            _mark_object(obj, False)
    for obj in session.deleted:
        _mark_object(obj, True)


def _after_flush(session: Session, context: Any) -> None:
    """The flushed objects, their keys assigned (a new row's) and their changes still seen."""
    _mark_pending(session)


def _before_flush(session: Session, context: Any, instances: Any) -> None:
    """On PostgreSQL, lock the row of each organisation whose counter this flush will
    move before the flush writes anything (a person's row, say).

    The mentor assignment locks its organisation's row first and then moves people's
    counters. A page that wrote a person's row (a rename, an HR file) and moved the
    organisation's counter at commit took the same two locks the other way round, and
    PostgreSQL ended one of the two as a deadlock: the page answered 500. Organisation
    first, then people, is the one order every transaction takes.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    with session.no_autoflush:
        _mark_pending(session)
        _lock_organisations(session)


def _lock_organisations(session: Session) -> None:
    """Lock the rows of the organisations marked, and of the marked roles', once each."""
    found = session.info.get(KEY)
    if not found:
        return
    organisations = sorted(found["organisations"] - found["locked"])
    roles = sorted(r for r in found["roles"] if -r not in found["locked"])
    if not organisations and not roles:
        return
    session.execute(
        select(Organisation.id)
        .where(or_(Organisation.id.in_(organisations),
                   Organisation.id.in_(select(Role.organisation_id)
                                       .where(Role.id.in_(roles)))))
        .order_by(Organisation.id)
        .with_for_update(key_share=True))  # FOR NO KEY UPDATE, as the assignment's
    found["locked"].update(organisations)
    found["locked"].update(-r for r in roles)


def bump_marked(session: Session) -> None:
    """Move the counters of whoever this transaction marked: two UPDATEs at most, the
    organisations' first (the one lock order: see :func:`_before_flush`)."""
    found = session.info.get(KEY)
    if not found:
        return
    ids = sorted(found["people"] - found["moved"])
    if found["organisations"] or found["roles"]:
        session.execute(
            update(Organisation)
            .where(or_(Organisation.id.in_(sorted(found["organisations"])),
                       Organisation.id.in_(select(Role.organisation_id)
                                           .where(Role.id.in_(sorted(found["roles"]))))))
            .values(bundle_version=Organisation.bundle_version + 1)
            .execution_options(synchronize_session=False))
        found["shared"].update(found["organisations"] | {-r for r in found["roles"]})
        found["organisations"].clear()
        found["roles"].clear()
    if ids:
        session.execute(_BUMP_ALL, {"people": ids})
        found["moved"].update(ids)
    found["people"].clear()


def _before_commit(session: Session) -> None:
    session.flush()  # the unit of work's rows are marked as they are flushed
    bump_marked(session)


def _after_end(session: Session, *args: Any) -> None:
    session.info.pop(KEY, None)  # a new transaction moves each counter again


def init_app(app: Flask) -> None:
    """Mark and move in every transaction of the app's session."""
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "after_flush", _after_flush):
        event.listen(session_class, "before_flush", _before_flush)
        event.listen(session_class, "after_flush", _after_flush)
        event.listen(session_class, "before_commit", _before_commit)
        event.listen(session_class, "after_commit", _after_end)
        event.listen(session_class, "after_rollback", _after_end)
