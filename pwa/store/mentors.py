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

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, update

from engine import mentors as rules
from engine import sync as sync_rules
from engine.errors import N_
from pwa.extensions import db
from pwa.models import (
    MentorCompetency,
    MentorOffer,
    MentorRequest,
    MentorSuggestion,
    Person,
    PlanSettings,
    Role,
)
from pwa.store import assessment, bundles, plans, profiles
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
    version = profiles.current(person.role)
    return {line.competency.key: (line.name, line.target)
            for line in (version.lines if version is not None else ())}


def offerable(person: Person, levels: Mapping[str, int] | None = None) -> list[dict[str, str]]:
    """Competencies of the role the person rated at or above its target: what they may offer."""
    levels = _levels(person) if levels is None else levels
    return [{"key": key, "name": name} for key, (name, target) in _targets(person).items()
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
    if said:
        return list(said)
    guess = [person.locale or APP_LANGUAGE, APP_LANGUAGE,
             *(offer.languages if offer is not None else [])]
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
        raise sync_rules.Refused("not_pending", N_(
            "This request is no longer waiting for an answer: it was %(status)s."),
            status=found.status)


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
        raise sync_rules.Refused("not_open", N_("This request is already closed: it was "
                                                "%(status)s."), status=found.status)


# Applying them ------------------------------------------------------------------------------

def apply_offers(person: Person,
                 planned: list[tuple[sync_rules.Event[rules.OfferData], None]]) -> None:
    """The last offer to happen stands; the places already taken stay taken."""
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
            _decline_waiting(person.id, e.occurred_at)
    # Learners who were suggested this mentor or asked them see the offer (or their answer).
    bundles.people(db.session.scalars(
        select(MentorSuggestion.learner_id).where(MentorSuggestion.mentor_id == person.id)
        .union(select(MentorRequest.learner_id).where(MentorRequest.mentor_id == person.id))))
    db.session.expire_all()


def _decline_waiting(mentor_id: int, at: datetime) -> None:
    """A mentor who stops mentoring declines what still waits for an answer, and those
    places are free again; mentees already accepted stay until either side ends it."""
    declined = db.session.execute(
        update(MentorRequest)
        .where(MentorRequest.mentor_id == mentor_id, MentorRequest.status == "pending")
        .values(status="declined", answered_at=at)
        .execution_options(synchronize_session=False))
    if declined.rowcount:  # type: ignore[attr-defined]
        db.session.execute(
            update(MentorOffer).where(MentorOffer.person_id == mentor_id)
            .values(load=MentorOffer.load - declined.rowcount)  # type: ignore[attr-defined]
            .execution_options(synchronize_session=False))


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
    for e, shared_level in planned:
        status = "pending" if _take_place(e.data.mentor) else "full"
        db.session.execute(insert(MentorRequest), [{
            "id": e.data.id, "learner_id": person.id, "mentor_id": e.data.mentor,
            "competency": e.data.competency, "message": e.data.message,
            "contact": e.data.contact, "shared_level": shared_level,
            "status": status, "occurred_at": e.occurred_at}])
    bundles.people(e.data.mentor for e, _ in planned)  # the request, and the place it took


def _close(request_id: str, status: str, by: Any, **values: Any) -> int | None:
    """Move a holding request to ``status``; the mentor whose place came free, if one did.

    Both sides see the request: their bundles changed."""
    row = db.session.execute(
        update(MentorRequest)
        .where(MentorRequest.id == request_id, by, MentorRequest.status.in_(rules.HOLDING))
        .values(status=status, **values)
        .returning(MentorRequest.mentor_id, MentorRequest.learner_id)).first()
    if row is None:
        return None
    bundles.people(row)
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
        mentor = _close(e.data.id, "declined", (MentorRequest.mentor_id == person.id) &
                        (MentorRequest.status == "pending"), answered_at=e.occurred_at)
        if mentor is not None:
            _give_back(mentor)


def apply_ended(person: Person,
                planned: list[tuple[sync_rules.Event[rules.EndedData], None]]) -> None:
    for e, _ in planned:
        mine = (MentorRequest.learner_id == person.id)
        withdrawn = _close(e.data.id, "withdrawn", mine & (MentorRequest.status == "pending"),
                           ended_at=e.occurred_at)
        # Who ended it is kept, so that the other one hears of it (pwa.store.push); the
        # first to end it stays the one who did, since an ended one is not ended again.
        mentor = withdrawn if withdrawn is not None else _close(
            e.data.id, "ended", (mine | (MentorRequest.mentor_id == person.id))
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


def _names(person: Person) -> dict[str, str]:
    names: dict[str, str] = {}
    for role in (person.role, person.future_role):
        version = profiles.current(role) if role is not None else None
        for line in version.lines if version is not None else ():
            names.setdefault(line.competency.key, line.name)
    return names


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
    offer = db.session.get(MentorOffer, person.id)
    settings = plans.settings_row(person)
    names = _names(person)
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
                  "competency_name": names.get(r.competency, r.competency),
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
        "offer": _offer_dict(offer, _offered([person.id]).get(person.id, [])),
        "may_offer": offerable(person, levels),
        "sent": sent,
        "received": received,
        "suggested": suggested(person, names),
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


def suggested(person: Person, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """The mentor the assignment suggests for each uncovered competency of the person."""
    if not _suggestions_on(person):
        return []
    rows = db.session.execute(
        select(MentorSuggestion, Person, Role.name, MentorOffer)
        .join(Person, Person.id == MentorSuggestion.mentor_id)
        .join(Role, Role.id == Person.role_id)
        .join(MentorOffer, MentorOffer.person_id == MentorSuggestion.mentor_id)
        .where(MentorSuggestion.learner_id == person.id, MentorOffer.status == "active")
        .order_by(MentorSuggestion.competency)).all()
    offered = _offered([m.id for _, m, _, _ in rows])
    return [{"competency": s.competency, "competency_name": names.get(s.competency,
                                                                      s.competency),
             "mentor": m.id, "name": m.display_name, "role": role, "site": m.site,
             "languages": o.languages, "availability": o.availability,
             "offers": [names.get(k, k) for k in offered.get(m.id, [])]}
            for s, m, role, o in rows if s.competency in offered.get(m.id, [])]


def bootstrap_part(person: Person, bundle: dict[str, Any]) -> dict[str, Any]:
    """Mentoring, from the ratings the bundle already holds."""
    current = bundle.get("ratings", {}).get("current")
    levels = None if current is None else {
        r["competency"]: r["level"] for r in current if r["role"] == person.role.slug}
    return {"mentoring": mentoring(person, levels)}


# The global assignment ------------------------------------------------------------------

def reassign(organisation_id: int, now: datetime) -> int:
    """Suggest mentors for the organisation's uncovered gaps again; returns how many.

    Each learner who allows suggestions contributes the gaps their plan finds no
    item for (as kept in ``uncovered_gaps``: :mod:`pwa.store.gaps`), less those a
    request of theirs already holds a place for, with the languages they can learn in
    (:func:`learner_languages`).
    """

    people = list(db.session.scalars(select(Person).where(
        Person.organisation_id == organisation_id).order_by(Person.id)))
    settings = db.session.execute(select(
        PlanSettings.person_id, PlanSettings.mentor_suggestions, PlanSettings.languages).join(
        Person, Person.id == PlanSettings.person_id).where(
        Person.organisation_id == organisation_id)).all()
    off = {pid for pid, on, _ in settings if not on}
    said = {pid: languages for pid, _, languages in settings if languages}
    offers = {o.person_id: o for o in db.session.scalars(select(MentorOffer).join(
        Person, Person.id == MentorOffer.person_id).where(
        Person.organisation_id == organisation_id))}
    holding = {(learner, key) for learner, key in db.session.execute(
        select(MentorRequest.learner_id, MentorRequest.competency)
        .join(Person, Person.id == MentorRequest.learner_id)
        .where(Person.organisation_id == organisation_id,
               MentorRequest.status.in_(rules.HOLDING)))}
    offered = _offered(offers)
    by_id = {p.id: p for p in people}
    spoken: dict[int, tuple[frozenset[str], str]] = {}
    gaps = []
    for pid, key in uncovered.of_organisation(organisation_id):  # the read model
        p = by_id.get(pid)
        if p is None or pid in off or (pid, key) in holding:
            continue
        if pid not in spoken:
            spoken[pid] = _gap_languages(learner_languages(p, offers.get(pid), said.get(pid)))
        languages, own = spoken[pid]
        gaps.append(rules.Gap(pid, key, p.role.slug, p.site, languages, own))
    mentors = [rules.Mentor(o.person_id, frozenset(offered.get(o.person_id, [])), o.capacity,
                            o.load, frozenset(map(rules.language, o.languages)),
                            by_id[o.person_id].role.slug, by_id[o.person_id].site,
                            o.status == "active") for o in offers.values()]
    found = rules.assign(gaps, mentors)
    # Only the learners whose suggestions are not what they were see a new bundle.
    before = {(learner, key, mentor) for learner, key, mentor in db.session.execute(
        select(MentorSuggestion.learner_id, MentorSuggestion.competency,
               MentorSuggestion.mentor_id)
        .join(Person, Person.id == MentorSuggestion.learner_id)
        .where(Person.organisation_id == organisation_id))}
    after = {(a.learner, a.competency, a.mentor) for a in found}
    bundles.people({learner for learner, _, _ in before ^ after})
    db.session.execute(delete(MentorSuggestion).where(MentorSuggestion.learner_id.in_(
        select(Person.id).where(Person.organisation_id == organisation_id))))
    if found:
        db.session.execute(insert(MentorSuggestion), [
            {"learner_id": a.learner, "competency": a.competency, "mentor_id": a.mentor,
             "assigned_at": now} for a in found])
    return len(found)


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
