"""Peer mentors: offers, requests and the suggestions the global assignment made (load and save).

What each side sees: a mentor appears as "offers help with ..." (never a
rating: none is stored with an offer); a learner's rating reaches a mentor only
when the learner chose to share it, and only that mentor, in that request; how
to reach each other is shown to both once the mentor accepted; a decline is
seen by the learner alone.

A request takes a mentor's place with one conditional UPDATE (``load <
capacity``), so two requests racing for the last place cannot both win: the
second is stored as ``full`` and the learner is told there was no place left.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import case, delete, exists, false, func, insert, or_, select, update

from engine import mentors as rules
from engine import sync as sync_rules
from engine.errors import N_
from engine.profiles import ORIGINAL_LANGUAGE, reading_language
from pwa.extensions import db
from pwa.models import (
    MentorChange,
    MentorCompetency,
    MentorOffer,
    MentorRequest,
    MentorSuggestion,
    Organisation,
    Person,
    PlanSettings,
    Role,
    UncoveredGap,
)
from pwa.store import assessment, bundles, memo, plans, profiles, stale
from pwa.store import gaps as uncovered
from pwa.store.batch import Batch, SeenRequest

# What a person rated, and what their role needs -----------------------------------------

def _levels(person: Person) -> dict[str, int]:
    """The person's latest rating per competency of their role (their own, never shown)."""
    slug = person.role.slug
    return {key: r["level"] for (role, key), r in assessment.standing(person).items()
            if role == slug}


def _targets(person: Person) -> dict[str, tuple[str, int]]:
    """Competency key -> (name, target) in the role's current profile."""
    version = profiles.shown(person.role)
    return {line.key: (line.name, line.target)
            for line in (version.lines if version is not None else ())}


def offerable(person: Person, levels: Mapping[str, int] | None = None,
              ) -> list[dict[str, str | None]]:
    """Competencies of the role the person rated at or above its target: what they may offer,
    named in the person's language where the role's authors translated them (``lang``: the
    original's language where the name is left in it)."""
    levels = _levels(person) if levels is None else levels
    shown = _Names(person)
    return [{"key": key, "name": shown.name(key, name), "lang": shown.lang(key)}
            for key, (name, target) in _targets(person).items()
            if rules.may_offer(levels.get(key), target)]


# The language the app speaks to everyone today (its one catalogue): a learner uses it in it.
APP_LANGUAGE = "en"


def learner_languages(person: Person, offer: MentorOffer | None,
                      said: list[str] | None) -> list[str]:
    """The languages the person can learn in, their own first: what the mentor assignment
    requires a mentor to share, and what their plan's settings show before they say.

    What they said in their plan's settings is taken as said: nothing is added to it,
    not the app's language, not the languages of their own offer to mentor (an offer
    says what they can help in; the list says what they want to learn in, and a
    learner who lists only Spanish is never sent an English-only mentor). Until they
    say, a guess: their locale's language, the app's, and those of their offer.
    """
    return _languages(person.locale, offer.languages if offer is not None else None, said)


def _languages(locale: str | None, offered: list[str] | None,
               said: list[str] | None) -> list[str]:
    """:func:`learner_languages` from the values it reads (the assignment reads them in bulk)."""
    if said:
        return list(said)
    guess = [locale or APP_LANGUAGE, APP_LANGUAGE, *(offered or [])]
    return list(dict.fromkeys(rules.language(t) for t in guess))


def _gap_languages(languages: list[str]) -> tuple[frozenset[str], str]:
    """What a gap carries: the primary subtags, and the learner's own (the first)."""
    return frozenset(map(rules.language, languages)), rules.language(languages[0])


# Checking the events ----------------------------------------------------------------------

def check_offer(batch: Batch, event: sync_rules.Event[rules.OfferData]) -> None:
    """``mentor.offer.changed``: only competencies of the role rated at or above target.

    The reason names the competencies, never a number: only the offer's author reads it.
    """
    person, wanted = batch.person, event.data.competencies
    targets = _targets(person)
    unknown = sorted(set(wanted) - set(targets))
    if unknown:
        raise sync_rules.Refused("unknown_competency", N_(
            "'%(competency)s' is not a competency of your role."), competency=unknown[0])
    levels = {**_levels(person), **batch.rated.get(person.role.slug, {})}
    below = rules.ineligible(wanted, levels, {k: t for k, (_, t) in targets.items()})
    if below:
        raise sync_rules.Refused("below_target", N_(
            "You can offer help only with what you rated at or above your role's target; "
            "not yet with: %(names)s."), names=", ".join(targets[k][0] for k in below))


def check_requested(batch: Batch, event: sync_rules.Event[rules.RequestedData]) -> int | None:
    """``mentor.requested``: to a colleague with an active offer for that competency.

    Returns the level the learner shares with the mentor (None: not shared).
    """
    data, me = event.data, batch.person
    if data.mentor == me.id:
        raise sync_rules.Refused("not_yourself", N_("You cannot ask yourself to mentor you."))
    mentor = db.session.get(Person, data.mentor)
    offer = db.session.get(MentorOffer, data.mentor) if mentor is not None else None
    if mentor is None or mentor.organisation_id != me.organisation_id or offer is None \
            or offer.status == "left":
        raise sync_rules.Refused("not_a_mentor", N_(
            "This colleague does not offer to mentor (any more)."))
    if offer.status == "paused":
        raise sync_rules.Refused("mentor_paused", N_(
            "%(name)s has paused mentoring for now: ask again later or choose someone else."),
            name=mentor.display_name)
    offered = db.session.get(MentorCompetency, (offer.person_id, data.competency))
    if offered is None:
        raise sync_rules.Refused("not_offered", N_(
            "%(name)s does not offer help with this competency."), name=mentor.display_name)
    if data.competency not in plans.competencies(me):
        raise sync_rules.Refused("unknown_competency", N_(
            "'%(competency)s' is not a competency of your role or your future role."),
            competency=data.competency)
    seen = batch.mentor_requests
    if data.id in seen or db.session.get(MentorRequest, data.id) is not None:
        raise sync_rules.Refused("id_taken", N_("A request with this id was already sent."))
    open_one = db.session.scalar(select(MentorRequest.id).where(
        MentorRequest.learner_id == me.id, MentorRequest.mentor_id == mentor.id,
        MentorRequest.competency == data.competency,
        MentorRequest.status.in_(rules.HOLDING)).limit(1))
    if open_one is not None or any(
            r.mentor == mentor.id and r.competency == data.competency and r.learner == me.id
            for r in seen.values()):
        raise sync_rules.Refused("already_asked", N_(
            "You already asked %(name)s for help with this."), name=mentor.display_name)
    seen[data.id] = SeenRequest(me.id, mentor.id, data.competency, "pending")
    level: int | None = None
    if data.share_level:
        level = _levels(me).get(data.competency)
        if level is None:  # rated for the future role only
            level = max(((r["occurred_at"], r["event_id"], r["level"])
                         for r in assessment.current(me) if r["competency"] == data.competency),
                        default=(None, None, None))[2]
    return level


def _request(batch: Batch, request_id: str) -> SeenRequest | None:
    found = batch.mentor_requests.get(request_id)
    if found is not None:
        return found
    row = db.session.get(MentorRequest, request_id)
    if row is None:
        return None
    return SeenRequest(row.learner_id, row.mentor_id, row.competency, row.status)


def check_answered(batch: Batch, event: sync_rules.Event[rules.AnsweredData]) -> None:
    """``mentor.request.answered``: by its mentor, while it waits (or the same answer again)."""
    found = _request(batch, event.data.id)
    if found is None or found.mentor != batch.person.id:
        raise sync_rules.Refused("unknown_request", N_("There is no such request for you."))
    if found.status not in ("pending", event.data.answer):
        raise sync_rules.Refused("not_pending", NOT_WAITING.get(found.status, N_(
            "This request is no longer waiting for an answer: it was %(status)s.")),
            status=found.status)


# What became of a request, as a whole sentence each: a status word put in a sentence
# would stay English (and could not agree with "request" in other languages).
NOT_WAITING = {
    "accepted": N_("This request is no longer waiting for an answer: it was accepted."),
    "declined": N_("This request is no longer waiting for an answer: it was declined."),
    "full": N_("This request is no longer waiting for an answer: no place was left."),
    "withdrawn": N_("This request is no longer waiting for an answer: it was withdrawn."),
    "ended": N_("This request is no longer waiting for an answer: it has ended."),
}
CLOSED = {
    "declined": N_("This request is already closed: it was declined."),
    "full": N_("This request is already closed: no place was left."),
}


def check_ended(batch: Batch, event: sync_rules.Event[rules.EndedData]) -> None:
    """``mentor.request.ended``: by either side; the learner ending a waiting one withdraws it."""
    found = _request(batch, event.data.id)
    me = batch.person.id
    if found is None or me not in (found.learner, found.mentor):
        raise sync_rules.Refused("unknown_request", N_("There is no such request of yours."))
    if found.status == "pending" and me != found.learner:
        raise sync_rules.Refused("answer_first", N_(
            "Accept or decline this request; it has not started yet."))
    if found.status not in ("pending", "accepted", "ended", "withdrawn"):
        raise sync_rules.Refused("not_open", CLOSED.get(found.status, N_(
            "This request is already closed: it was %(status)s.")), status=found.status)


# Applying them ------------------------------------------------------------------------------

def apply_offers(person: Person,
                 planned: list[tuple[sync_rules.Event[rules.OfferData], None]]) -> None:
    """The last offer to happen stands; the places already taken stay taken."""
    stale.assignment(person.organisation_id, [person.id])
    for e, _ in planned:  # in time order
        offer = db.session.get(MentorOffer, person.id)
        if offer is not None and offer.occurred_at > e.occurred_at:
            continue
        values = {"status": e.data.status, "capacity": e.data.capacity,
                  "languages": list(e.data.languages), "availability": e.data.availability,
                  "contact": e.data.contact}
        if offer is None:
            db.session.add(MentorOffer(person_id=person.id, load=0,
                                       occurred_at=e.occurred_at, **values))
            db.session.flush()
        else:
            db.session.execute(update(MentorOffer).where(MentorOffer.person_id == person.id)
                               .values(occurred_at=e.occurred_at, **values)
                               .execution_options(synchronize_session=False))
        db.session.execute(delete(MentorCompetency).where(MentorCompetency.person_id ==
                                                          person.id))
        if e.data.competencies:
            db.session.execute(insert(MentorCompetency), [
                {"person_id": person.id, "competency": key} for key in e.data.competencies])
        if e.data.status == "left":
            stale.assignment(person.organisation_id, _decline_waiting(person.id, e.occurred_at))
    # Learners who were suggested this mentor or asked them see the offer (or their answer).
    bundles.people(db.session.scalars(
        select(MentorSuggestion.learner_id).where(MentorSuggestion.mentor_id == person.id)
        .union(select(MentorRequest.learner_id).where(MentorRequest.mentor_id == person.id))))
    db.session.expire_all()


def _decline_waiting(mentor_id: int, at: datetime) -> list[int]:
    """A mentor who stops mentoring declines what still waits for an answer, and those
    places are free again; mentees already accepted stay until either side ends it.
    Returns the learners declined (their gaps are free for another mentor)."""
    learners = list(db.session.scalars(
        update(MentorRequest)
        .where(MentorRequest.mentor_id == mentor_id, MentorRequest.status == "pending")
        .values(status="declined", answered_at=at)
        .returning(MentorRequest.learner_id)
        .execution_options(synchronize_session=False)))
    if learners:
        db.session.execute(
            update(MentorOffer).where(MentorOffer.person_id == mentor_id)
            .values(load=MentorOffer.load - len(learners))
            .execution_options(synchronize_session=False))
    return learners


def _take_place(mentor_id: int) -> bool:
    """One conditional UPDATE: a place is taken only if one is free (see the module)."""
    taken = db.session.execute(
        update(MentorOffer)
        .where(MentorOffer.person_id == mentor_id, MentorOffer.status == "active",
               MentorOffer.load < MentorOffer.capacity)
        .values(load=MentorOffer.load + 1).execution_options(synchronize_session=False))
    return taken.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def _give_back(mentor_id: int) -> None:
    db.session.execute(update(MentorOffer)
                       .where(MentorOffer.person_id == mentor_id, MentorOffer.load > 0)
                       .values(load=MentorOffer.load - 1)
                       .execution_options(synchronize_session=False))


def apply_requested(
        person: Person,
        planned: list[tuple[sync_rules.Event[rules.RequestedData], int | None]]) -> None:
    # The learner's gap is held now, and the mentor has one place fewer.
    stale.assignment(person.organisation_id,
                     [person.id, *(e.data.mentor for e, _ in planned)])
    for e, shared_level in planned:
        status = "pending" if _take_place(e.data.mentor) else "full"
        db.session.execute(insert(MentorRequest), [{
            "id": e.data.id, "learner_id": person.id, "mentor_id": e.data.mentor,
            "competency": e.data.competency, "message": e.data.message,
            "contact": e.data.contact, "shared_level": shared_level,
            "status": status, "occurred_at": e.occurred_at}])
    bundles.people(e.data.mentor for e, _ in planned)  # the request, and the place it took


def _close(organisation_id: int, request_id: str, status: str, by: Any,
           **values: Any) -> int | None:
    """Move a holding request to ``status``; the mentor whose place came free, if one did.

    Both of them are marked for the mentor assignment: the mentor has a place again,
    the learner's gap is no longer held. Both sides see the request: their bundles
    changed."""
    row = db.session.execute(
        update(MentorRequest)
        .where(MentorRequest.id == request_id, by, MentorRequest.status.in_(rules.HOLDING))
        .values(status=status, **values)
        .returning(MentorRequest.mentor_id, MentorRequest.learner_id)).first()
    if row is None:
        return None
    stale.assignment(organisation_id, [int(row[0]), int(row[1])])
    bundles.people([int(row[0]), int(row[1])])
    return int(row[0])


def apply_answered(person: Person,
                   planned: list[tuple[sync_rules.Event[rules.AnsweredData], None]]) -> None:
    for e, _ in planned:
        if e.data.answer == "accepted":
            bundles.people(db.session.scalars(update(MentorRequest).where(
                MentorRequest.id == e.data.id, MentorRequest.mentor_id == person.id,
                MentorRequest.status == "pending").values(status="accepted",
                                                          answered_at=e.occurred_at)
                .returning(MentorRequest.learner_id)))
            continue
        mentor = _close(person.organisation_id, e.data.id, "declined",
                        (MentorRequest.mentor_id == person.id)
                        & (MentorRequest.status == "pending"), answered_at=e.occurred_at)
        if mentor is not None:
            _give_back(mentor)


def apply_ended(person: Person,
                planned: list[tuple[sync_rules.Event[rules.EndedData], None]]) -> None:
    for e, _ in planned:
        mine = (MentorRequest.learner_id == person.id)
        withdrawn = _close(person.organisation_id, e.data.id, "withdrawn",
                           mine & (MentorRequest.status == "pending"), ended_at=e.occurred_at)
        # Who ended it is kept, so that the other one hears of it (pwa.store.push); the
        # first to end it stays the one who did, since an ended one is not ended again.
        mentor = withdrawn if withdrawn is not None else _close(
            person.organisation_id, e.data.id, "ended",
            (mine | (MentorRequest.mentor_id == person.id))
            & (MentorRequest.status == "accepted"), ended_at=e.occurred_at,
            ended_by_id=person.id)
        if mentor is not None:
            _give_back(mentor)


# What the person sees -----------------------------------------------------------------------

def _offer_dict(offer: MentorOffer | None, competencies: list[str]) -> dict[str, Any] | None:
    if offer is None:
        return None
    return {"status": offer.status, "capacity": offer.capacity, "load": offer.load,
            "languages": offer.languages, "availability": offer.availability,
            "contact": offer.contact, "competencies": competencies}


class _Names:
    """Competency names as the person reads them, for their role and future role: translated
    where the role's authors translated them, else the original's, which ``lang`` names for
    the phone to mark."""

    def __init__(self, person: Person) -> None:
        self.translated = plans.translated_names(person)
        self.other = reading_language(person.locale) != ORIGINAL_LANGUAGE
        originals: dict[str, str] = {}
        for role in (person.role, person.future_role):
            version = profiles.shown(role) if role is not None else None
            for line in version.lines if version is not None else ():
                originals.setdefault(line.key, line.name)
        self.by_key = {**originals, **self.translated}

    def name(self, key: str, original: str | None = None) -> str:
        """The name of ``key`` (``original`` where neither profile has it, else the key)."""
        return self.by_key.get(key, original if original is not None else key)

    def lang(self, key: str) -> str | None:
        return ORIGINAL_LANGUAGE if self.other and key not in self.translated else None


def _offered(person_ids: Iterable[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    ids = list(person_ids)
    if ids:
        for pid, key in db.session.execute(select(MentorCompetency.person_id,
                                                  MentorCompetency.competency)
                                           .where(MentorCompetency.person_id.in_(ids))
                                           .order_by(MentorCompetency.competency)):
            found.setdefault(pid, []).append(key)
    return found


def mentoring(person: Person, levels: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The person's offer, the requests they sent and received, and the mentors suggested to them.

    A suggested mentor is a name, a role, a site, languages, availability and what
    they offer help with: nothing they rated. A request received holds the
    learner's rating only if they chose to share it with this mentor.
    ``learning_languages`` are those the assignment uses for the person (what
    they said in their plan's settings, else the guess), their own first.
    """
    offer = memo.row(MentorOffer, person.id)  # read with the others (pwa.sync.bootstrap)
    settings = plans.settings_row(person)
    shown = _Names(person)
    suggestions = _suggestions(person)
    # The competencies the person offers, and those of the mentors suggested: one query.
    offered = _offered([person.id, *(m.id for _, m, _, _ in suggestions)])
    requests = list(db.session.scalars(select(MentorRequest).where(or_(
        MentorRequest.learner_id == person.id, MentorRequest.mentor_id == person.id))
        .order_by(MentorRequest.occurred_at, MentorRequest.id)))
    others = {r.mentor_id for r in requests} | {r.learner_id for r in requests}
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(others)))} \
        if others else {}
    offers = {o.person_id: o for o in db.session.scalars(select(MentorOffer).where(
        MentorOffer.person_id.in_([r.mentor_id for r in requests])))} if requests else {}
    sent, received = [], []
    for r in requests:
        common = {"id": r.id, "competency": r.competency,
                  "competency_name": shown.name(r.competency),
                  "competency_lang": shown.lang(r.competency),
                  "status": r.status, "sent_at": r.occurred_at.isoformat(),
                  "answered_at": r.answered_at.isoformat() if r.answered_at else None}
        if r.learner_id == person.id:
            mentor_offer = offers.get(r.mentor_id)
            sent.append({**common, "mentor": r.mentor_id,
                         "mentor_name": people[r.mentor_id].display_name,
                         "message": r.message, "shared": r.shared_level is not None,
                         "contact": mentor_offer.contact if r.status == "accepted"
                         and mentor_offer is not None else None})
        if r.mentor_id == person.id and r.status != "full":  # it never reached them
            received.append({**common, "learner_name": people[r.learner_id].display_name,
                             "message": r.message, "shared_level": r.shared_level,
                             "contact": r.contact if r.status == "accepted" else None})
    return {
        "offer": _offer_dict(offer, offered.get(person.id, [])),
        "may_offer": offerable(person, levels),
        "sent": sent,
        "received": received,
        "suggested": _suggested(suggestions, offered, shown),
        "suggestions_on": _suggestions_on(person),
        "learning_languages": learner_languages(
            person, offer, settings.languages if settings is not None else None),
        "options": {"capacity": [rules.MIN_CAPACITY, rules.MAX_CAPACITY],
                    "default_capacity": rules.DEFAULT_CAPACITY,
                    "max_languages": rules.MAX_LANGUAGES,
                    "max_availability": rules.MAX_AVAILABILITY,
                    "max_contact": rules.MAX_CONTACT, "max_message": rules.MAX_MESSAGE},
    }


def _suggestions_on(person: Person) -> bool:
    settings = plans.settings_row(person)
    return True if settings is None else bool(settings.mentor_suggestions)


Suggestion = tuple[MentorSuggestion, Person, str, MentorOffer]


def _suggestions(person: Person) -> list[Suggestion]:
    """The mentors the assignment suggests to the person, with their role's name and offer
    (none while the person turned suggestions off)."""
    if not _suggestions_on(person):
        return []
    return [(s, m, role, o) for s, m, role, o in db.session.execute(
        select(MentorSuggestion, Person, Role.name, MentorOffer)
        .join(Person, Person.id == MentorSuggestion.mentor_id)
        .join(Role, Role.id == Person.role_id)
        .join(MentorOffer, MentorOffer.person_id == MentorSuggestion.mentor_id)
        .where(MentorSuggestion.learner_id == person.id, MentorOffer.status == "active")
        .order_by(MentorSuggestion.competency))]


def _suggested(rows: list[Suggestion], offered: Mapping[int, list[str]],
               shown: _Names) -> list[dict[str, Any]]:
    """The mentor suggested for each uncovered competency of the person, as the phone shows
    them; ``offered``: what each mentor offers help with."""
    return [{"competency": s.competency, "competency_name": shown.name(s.competency),
             "competency_lang": shown.lang(s.competency),
             "mentor": m.id, "name": m.display_name, "role": role, "site": m.site,
             "languages": o.languages, "availability": o.availability,
             "offers": [shown.name(k) for k in offered.get(m.id, [])]}
            for s, m, role, o in rows if s.competency in offered.get(m.id, [])]


def bootstrap_part(person: Person, bundle: dict[str, Any]) -> dict[str, Any]:
    """Mentoring, from the ratings the bundle already holds."""
    current = bundle.get("ratings", {}).get("current")
    levels = None if current is None else {
        r["competency"]: r["level"] for r in current if r["role"] == person.role.slug}
    return {"mentoring": mentoring(person, levels)}


# The global assignment ------------------------------------------------------------------

# More people changed than this since the last run: the whole organisation is decided again.
INCREMENTAL_LIMIT = 1000
_CHUNK = 500  # ids per IN (...)


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start:start + _CHUNK]


def _serialise(organisation_id: int) -> None:
    """One assignment of an organisation at a time, on every runner and database.

    Two runs at once (two RQ workers, a command beside a job) would each count a
    mentor's free places before the other wrote, and could both give away the last
    one. PostgreSQL: the organisation's row locked until this transaction ends (``FOR
    NO KEY UPDATE``: it blocks only another run, not a sync or an insert that refers to
    the organisation). SQLite: a write as the first statement takes the database's one
    write lock for the whole transaction, so what this run reads nobody changes.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Organisation.id).where(Organisation.id == organisation_id)
                           .with_for_update(key_share=True))
    else:
        db.session.execute(delete(MentorChange).where(false()))


def _take_changes(organisation_id: int) -> tuple[set[int], bool]:
    """The people marked since the last run, and whether the whole organisation was; the
    marks are taken (a mark committed later is the next run's, which it queued).

    Taken as they are deleted, in one statement: exactly the marks this run decides on.
    A read, then a delete of every id up to the highest read, would also delete a mark
    with a lower id committed in between (ids are given when a mark is written, not
    when it commits), which no run would then see.
    """
    pids = list(db.session.scalars(delete(MentorChange).where(
        MentorChange.organisation_id == organisation_id).returning(MentorChange.person_id)))
    return {pid for pid in pids if pid is not None}, any(pid is None for pid in pids)


class _Learner(NamedTuple):
    role: str
    site: str | None
    languages: frozenset[str]
    own: str
    on: bool  # suggestions allowed


def _learners(organisation_id: int, ids: Iterable[int] | None = None) -> dict[int, _Learner]:
    """What the assignment needs of each learner (all of the organisation's, or ``ids``),
    in a few rows each: role, site, the languages they can learn in, suggestions on."""
    query = (select(Person.id, Role.slug, Person.site, Person.locale,
                    PlanSettings.mentor_suggestions, PlanSettings.languages,
                    MentorOffer.languages)
             .join(Role, Role.id == Person.role_id)
             .outerjoin(PlanSettings, PlanSettings.person_id == Person.id)
             .outerjoin(MentorOffer, MentorOffer.person_id == Person.id)
             .where(Person.organisation_id == organisation_id))
    queries = [query] if ids is None else [query.where(Person.id.in_(c)) for c in _chunks(ids)]
    found: dict[int, _Learner] = {}
    for q in queries:
        for pid, role, site, locale, on, said, offered in db.session.execute(q):
            languages, own = _gap_languages(_languages(locale, offered, said or None))
            found[pid] = _Learner(role, site, languages, own, True if on is None else bool(on))
    return found


def _open(organisation_id: int, *where: Any) -> list[tuple[int, str]]:
    """(learner, competency) of uncovered gaps (the read model: :mod:`pwa.store.gaps`) that
    no request of the learner holds a place for, in the organisation, filtered by ``where``."""
    held = select(MentorRequest.id).where(
        MentorRequest.learner_id == UncoveredGap.person_id,
        MentorRequest.competency == UncoveredGap.competency,
        MentorRequest.status.in_(rules.HOLDING))
    return [(pid, key) for pid, key in db.session.execute(
        select(UncoveredGap.person_id, UncoveredGap.competency)
        .join(Person, Person.id == UncoveredGap.person_id)
        .where(Person.organisation_id == organisation_id, ~exists(held), *where))]


def _gaps(pairs: Iterable[tuple[int, str]], learners: Mapping[int, _Learner]
          ) -> dict[tuple[int, str], rules.Gap]:
    """The gaps of learners who allow suggestions, by (learner, competency)."""
    found = {}
    for pid, key in pairs:
        who = learners.get(pid)
        if who is not None and who.on:
            found[(pid, key)] = rules.Gap(pid, key, who.role, who.site, who.languages, who.own)
    return found


def _mentors(organisation_id: int, *where: Any) -> dict[int, rules.Mentor]:
    """The organisation's offers (filtered by ``where``) as the assignment sees them."""
    rows = db.session.execute(
        select(MentorOffer.person_id, MentorOffer.capacity, MentorOffer.load,
               MentorOffer.languages, MentorOffer.status, Role.slug, Person.site)
        .join(Person, Person.id == MentorOffer.person_id)
        .join(Role, Role.id == Person.role_id)
        .where(Person.organisation_id == organisation_id, *where)).all()
    offered = _offered(r[0] for r in rows) if len(rows) <= _CHUNK else {
        pid: keys for chunk in _chunks(r[0] for r in rows)
        for pid, keys in _offered(chunk).items()}
    return {pid: rules.Mentor(pid, frozenset(offered.get(pid, [])), capacity, load,
                              frozenset(map(rules.language, languages)), role, site,
                              status == "active")
            for pid, capacity, load, languages, status, role, site in rows}


Previous = Mapping[tuple[int, str], tuple[int, datetime]]


def _write(found: Iterable[rules.Assignment], now: datetime, previous: Previous) -> int:
    """Store suggestions; one the learner already had from the same mentor keeps its time,
    so it is no news to them (a push says a mentor was suggested: ``pwa.store.push``)."""
    def since(a: rules.Assignment) -> datetime:
        mentor, at = previous.get((a.learner, a.competency), (None, now))
        return at if mentor == a.mentor else now

    rows = [{"learner_id": a.learner, "competency": a.competency, "mentor_id": a.mentor,
             "assigned_at": since(a)} for a in found]
    if rows:
        db.session.execute(insert(MentorSuggestion), rows)
    # Only the learners whose suggestion is not what it was see a new bundle.
    bundles.people(a.learner for a in found
                   if previous.get((a.learner, a.competency), (None, now))[0] != a.mentor)
    return len(rows)


def reassign(organisation_id: int, now: datetime) -> int:
    """Suggest mentors for the whole organisation's uncovered gaps again; returns how many.

    Each learner who allows suggestions contributes the gaps their plan finds no
    item for (as kept in ``uncovered_gaps``: :mod:`pwa.store.gaps`), less those a
    request of theirs already holds a place for, with the languages they can learn in
    (:func:`learner_languages`). The most gaps any assignment could cover, at the least
    cost: what the command and a nightly run do, and what a run after too many
    changes (or an ended account) falls back to. The marks it answers are taken.
    """
    _serialise(organisation_id)
    uncovered.refresh_marked()
    _take_changes(organisation_id)
    return _assign_all(organisation_id, now)


def _assign_all(organisation_id: int, now: datetime) -> int:
    learners = _learners(organisation_id)
    gaps = _gaps(sorted(_open(organisation_id)), learners)
    found = rules.assign(gaps.values(), _mentors(organisation_id).values())
    theirs = MentorSuggestion.learner_id.in_(
        select(Person.id).where(Person.organisation_id == organisation_id))
    previous = {(learner, key): (mentor, at) for learner, key, mentor, at in db.session.execute(
        select(MentorSuggestion.learner_id, MentorSuggestion.competency,
               MentorSuggestion.mentor_id, MentorSuggestion.assigned_at).where(theirs))}
    db.session.execute(delete(MentorSuggestion).where(theirs))
    kept = {(a.learner, a.competency) for a in found}
    bundles.people(learner for learner, key in previous if (learner, key) not in kept)
    return _write(found, now, previous)


def assign_changes(organisation_id: int, now: datetime) -> int:
    """Decide again only what the changes marked since the last run can affect; returns
    how many suggestions were written (one made again, from the same mentor, among them).

    The marked people (``mentor_changes``: whose uncovered gaps, languages or wish for
    suggestions changed, whose offer changed, who asked or were asked, or whose request
    closed) are looked at as learners and as mentors:

    * a marked learner's gaps are decided again, whatever they were suggested;
    * a suggestion from a marked mentor to another learner is kept if it is still valid
      (the gap open, the mentor active, offering it, sharing a language, not the
      learner) and within the mentor's free places (over them, the cheapest stay);
      the others are removed and their gaps decided again;
    * what is decided again goes through the same minimum-cost flow, on the places the
      suggestions left standing leave; then, if a mentor whose place came free (or
      whose offer changed) still has room, every gap without a suggestion that they
      could take is decided the same way.

    So after each run no open gap lacks a suggestion while a mentor who could take it
    has a free place, if that held before it (a full run makes it hold), and no mentor
    is suggested more often than their free places. An ended account, or more than
    :data:`INCREMENTAL_LIMIT` people, decides the whole organisation (:func:`reassign`).
    """
    _serialise(organisation_id)
    uncovered.refresh_marked()
    people, whole = _take_changes(organisation_id)
    if whole or len(people) > INCREMENTAL_LIMIT:
        return _assign_all(organisation_id, now)
    if not people:
        return 0
    return _assign_some(organisation_id, people, now)


def _pool(organisation_id: int, *where: Any) -> dict[int, rules.Mentor]:
    """Offers as :func:`_mentors` has them, each suggestion standing counted as a mentee
    already: fewer free places, and the next one dearer."""
    pool = _mentors(organisation_id, *where)
    suggested: dict[int, int] = {}
    for chunk in _chunks(pool):
        suggested.update({mid: n for mid, n in db.session.execute(
            select(MentorSuggestion.mentor_id, func.count())
            .where(MentorSuggestion.mentor_id.in_(chunk))
            .group_by(MentorSuggestion.mentor_id))})
    return {mid: replace(m, load=m.load + suggested.get(mid, 0)) for mid, m in pool.items()}


def _offering(keys: Iterable[str]) -> Any:
    return MentorOffer.person_id.in_(select(MentorCompetency.person_id).where(
        MentorCompetency.competency.in_(sorted(set(keys)))))


def _assign_some(organisation_id: int, people: set[int], now: datetime) -> int:
    ids = sorted(people)
    previous: dict[tuple[int, str], tuple[int, datetime]] = {}
    for chunk in _chunks(ids):
        previous.update({(l_, c): (m, at) for l_, c, m, at in db.session.execute(
            select(MentorSuggestion.learner_id, MentorSuggestion.competency,
                   MentorSuggestion.mentor_id, MentorSuggestion.assigned_at).where(or_(
                       MentorSuggestion.learner_id.in_(chunk),
                       MentorSuggestion.mentor_id.in_(chunk))))})
    touched = sorted((l_, c, m) for (l_, c), (m, _) in previous.items())
    learner_ids = people | {l_ for l_, _, _ in touched}
    learners = _learners(organisation_id, learner_ids)
    gaps: dict[tuple[int, str], rules.Gap] = {}
    for chunk in _chunks(learner_ids):
        gaps.update(_gaps(_open(organisation_id, UncoveredGap.person_id.in_(chunk)), learners))
    mentors: dict[int, rules.Mentor] = {}
    for chunk in _chunks(people | {m for _, _, m in touched}):
        mentors.update(_mentors(organisation_id, MentorOffer.person_id.in_(chunk)))

    # A marked learner's gaps are all decided again (their languages, or their first
    # one, may have changed); another learner's suggestion from a marked mentor stays
    # while it is valid and within the mentor's places.
    kept: list[tuple[int, str, int]] = []
    removed: list[tuple[int, str, int]] = []
    for s in touched:
        gap, mentor = gaps.get(s[:2]), mentors.get(s[2])
        valid = (s[0] not in people and gap is not None and mentor is not None
                 and mentor.active and gap.competency in mentor.competencies
                 and gap.learner != mentor.person and bool(gap.languages & mentor.languages))
        (kept if valid else removed).append(s)
    for mid in sorted(people & mentors.keys()):  # every suggestion of theirs is in touched
        mentor = mentors[mid]
        theirs = sorted((s for s in kept if s[2] == mid),
                        key=lambda s: (rules.cost(gaps[s[:2]], mentor), s))
        for s in theirs[mentor.free:]:  # fewer places now: the dearest go
            kept.remove(s)
            removed.append(s)
    decide = {k: g for k, g in gaps.items() if k[0] in people}
    decide.update({s[:2]: gaps[s[:2]] for s in removed if s[:2] in gaps})
    for s in removed:
        db.session.execute(delete(MentorSuggestion).where(
            MentorSuggestion.learner_id == s[0], MentorSuggestion.competency == s[1]))
    found: tuple[rules.Assignment, ...] = ()
    if decide:
        pool = _pool(organisation_id, _offering(g.competency for g in decide.values()))
        found = rules.assign(decide.values(), pool.values())
    written = _write(found, now, previous)
    made = {(a.learner, a.competency) for a in found}
    bundles.people(s[0] for s in removed if s[:2] not in made)  # no suggestion now

    # A mentor with more room than before this run (more of their suggestions removed
    # than made), or whose offer changed: the gaps without a suggestion they could take
    # are decided too. Any other mentor with room had it before, when none of those gaps
    # could be theirs, and nothing about them or those gaps has changed.
    gained = Counter(s[2] for s in removed)
    gained.subtract(a.mentor for a in found)
    freed = {mid for mid, n in gained.items() if n > 0} | (people & mentors.keys())
    room = [m for chunk in _chunks(freed)
            for m in _pool(organisation_id, MentorOffer.person_id.in_(chunk)).values()
            if m.free > 0]
    if not room:
        return written
    unsuggested = ~exists(select(MentorSuggestion.learner_id).where(
        MentorSuggestion.learner_id == UncoveredGap.person_id,
        MentorSuggestion.competency == UncoveredGap.competency))
    waiting = _open(organisation_id, unsuggested, UncoveredGap.competency.in_(
        sorted({k for m in room for k in m.competencies})))
    others = _learners(organisation_id, {pid for pid, _ in waiting} - learners.keys())
    takers = {key: gap for key, gap in _gaps(waiting, {**learners, **others}).items()
              if any(rules.can_match(gap, m) for m in room)}
    if takers:
        pool = _pool(organisation_id, _offering(g.competency for g in takers.values()))
        written += _write(rules.assign(takers.values(), pool.values()), now, {})
    return written


def forget_requests(person: Person) -> None:
    """An ended account's requests go with it (ON DELETE CASCADE): the places those it sent
    held, waiting or accepted, come free, as a withdrawal gives them back."""
    held = db.session.execute(
        select(MentorRequest.mentor_id, func.count())
        .where(MentorRequest.learner_id == person.id, MentorRequest.status.in_(rules.HOLDING))
        .group_by(MentorRequest.mentor_id).order_by(MentorRequest.mentor_id)).all()
    for mentor_id, count in held:
        db.session.execute(
            update(MentorOffer).where(MentorOffer.person_id == mentor_id)
            .values(load=case((MentorOffer.load > count, MentorOffer.load - count), else_=0))
            .execution_options(synchronize_session=False))


def forget_changes(person: Person) -> None:
    """An ended account: whom they mentored or learned from is decided again, everyone's
    (their own marks go with their row)."""
    stale.assignment(person.organisation_id, [None])


# The person's data ---------------------------------------------------------------------------

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
            # Which side ended a mentoring, as "as" names the sides (None: not ended, or
            # ended before who ended it was kept).
            "ended_by": None if r.ended_by_id is None else
            "learner" if r.ended_by_id == r.learner_id else "mentor",
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
