"""A learner's own ratings and submissions, read back for them alone (never for anyone else)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, insert, or_, select

from engine import assessment as rules
from engine import sync as sync_rules
from engine.errors import N_
from engine.profiles import Competency
from pwa.extensions import db
from pwa.models import (
    AssessmentSubmission,
    CompetencyIdentity,
    LatestRating,
    Person,
    ProfileVersion,
    Rating,
    Role,
)
from pwa.models.base import dialect_insert, dialect_name, plain
from pwa.store import profiles, stale
from pwa.store.batch import Batch


def history(person: Person) -> list[dict[str, Any]]:
    """Every rating ``person`` made, in the order things happened."""
    return _read(_ratings().where(Rating.person_id == person.id)
                 .order_by(Rating.occurred_at, Rating.event_id))


def current(person: Person) -> list[dict[str, Any]]:
    """The latest rating ``person`` made of each competency, by role and competency key.

    Read from ``latest_ratings`` (one row per competency, whatever the length of
    the history): what ``engine.assessment.latest(history(person))`` gives, without
    reading the history.
    """
    return _read(_CURRENT, {"person": person.id})


def standing(person: Person, latest: Iterable[Mapping[str, Any]] | None = None,
             versions: Mapping[str, Sequence[Competency]] | None = None,
             ) -> dict[tuple[str, str], Mapping[str, Any]]:
    """The rating that stands for each competency of the person's role and future role.

    A competency the two current profiles share (``engine.assessment.shared``) carries
    its rating across. ``latest`` are the current ratings and ``versions`` the
    competencies of the current profiles by role slug, if already read.
    """
    if latest is None:
        latest = current(person)
    if versions is None:
        versions = current_profiles(person)
    return rules.standing(versions, {(r["role"], r["competency"]): r for r in latest})


def current_profiles(person: Person, read: Mapping[str, profiles.Shown | None] | None = None,
                     ) -> dict[str, list[Competency]]:
    """Role slug -> the competencies of its current version, for the role and future role.

    ``read``: the current versions by role slug, if already read.
    """
    found = {}
    for role in (person.role, person.future_role):
        if role is None:
            continue
        version = read[role.slug] if read is not None else profiles.shown(role)
        if version is not None:
            found[role.slug] = list(version.competencies)
    return found


def _ratings() -> Select[str, str, int, int, str | None, datetime, str]:
    """Ratings with the keys the phone knows them by: competency, role and version number.

    Columns, not ``Rating`` objects, read as Core reads them (``plain``): the rows are only
    read into dicts, and loading objects cost the plan's refresh, which reads them on every
    sync that moves a plan, more than the query did."""
    return (select(CompetencyIdentity.key, Role.slug, ProfileVersion.number, Rating.level,
                   Rating.note, Rating.occurred_at, Rating.event_id)
            .select_from(Rating)
            .join(CompetencyIdentity, Rating.competency_id == CompetencyIdentity.id)
            .join(Role, CompetencyIdentity.role_id == Role.id)
            .join(ProfileVersion, Rating.version_id == ProfileVersion.id))


def _read(query: Select[str, str, int, int, str | None, datetime, str],
          params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [{"role": slug, "competency": key, "version": number, "level": level,
             "note": note, "occurred_at": at.isoformat(), "event_id": event_id}
            for key, slug, number, level, note, at, event_id in plain(query, params)]


# Built once: the plan's refresh reads it on every sync that moves a level.
_CURRENT = (_ratings().join(LatestRating, LatestRating.event_id == Rating.event_id)
            .where(LatestRating.person_id == bindparam("person"))
            .order_by(Role.slug, CompetencyIdentity.key))


def submissions(person: Person) -> list[dict[str, Any]]:
    """The self-assessments ``person`` submitted, oldest first: the phone shows them as done."""
    rows = db.session.execute(
        select(AssessmentSubmission.occurred_at, Role.slug, ProfileVersion.number)
        .join(ProfileVersion, AssessmentSubmission.version_id == ProfileVersion.id)
        .join(Role, ProfileVersion.role_id == Role.id)
        .where(AssessmentSubmission.person_id == person.id)
        .order_by(AssessmentSubmission.occurred_at, AssessmentSubmission.event_id)
    ).all()
    return [{"role": slug, "version": number, "occurred_at": at.isoformat()}
            for at, slug, number in rows]


def to_rerate(role: Role, version: profiles.Shown,
              latest: dict[tuple[str, str], Any]) -> list[str]:
    """Competencies of ``version`` whose meaning changed since the learner rated them."""
    rated_in = {key: r["version"] for (slug, key), r in latest.items() if slug == role.slug}
    older = {n: profiles.published_competencies(role, n)
             for n in set(rated_in.values()) if n != version.number}
    return rules.to_rerate(list(version.competencies), rated_in, version.number, older)


@dataclass(frozen=True)
class ProfileChange:
    """A profile of the learner's published anew since they rated it: what to look at again."""

    role: Role
    version: ProfileVersion
    keys: list[str]  # competencies whose standing rating predates a change of their meaning


def profile_changes(person: Person) -> list[ProfileChange]:
    """The learner's role's and future role's profiles that changed since they rated them.

    A competency counts while the rating that stands for it (``standing``: its own, or
    a shared one's) was made in that profile before its meaning changed; once it is
    rated again, it no longer does. The phone applies the same rule (state.js).
    """
    latest = rules.latest(history(person))
    versions = current_profiles(person)
    stands = standing(person, latest.values(), versions)
    found = []
    for role in (person.role, person.future_role):
        version = profiles.current(role) if role is not None else None
        now = profiles.shown(role) if role is not None else None
        if role is None or version is None or now is None:
            continue
        keys = [key for key in to_rerate(role, now, latest)
                if stands.get((role.slug, key), {}).get("role") == role.slug]
        if keys:
            found.append(ProfileChange(role, version, keys))
    return found


def changed_since_rated(people: Mapping[int, tuple[int, int | None]],
                        published: Mapping[int, Sequence[profiles.Published]],
                        ) -> dict[int, list[str]]:
    """For many people at once, the competencies of their role's current profile to look at
    again: what :func:`profile_changes` finds for one, for their role.

    ``people``: person id -> (role id, future role id); ``published``: the published
    versions of those roles (``profiles.published_versions``). People with nothing to look
    at again are left out. Two queries, whatever the number of people: which competencies
    each rated last and in which version (never the levels), and the competencies of the
    versions involved. Role ids stand in for slugs in the engine's rules.
    """
    if not people:
        return {}
    roles = {role for pair in people.values() for role in pair if role is not None}
    ids = {(v.role_id, v.number): v.id for versions in published.values() for v in versions}
    rated: dict[int, dict[tuple[str, str], dict[str, Any]]] = {}
    for pid, role_id, key, number, at, event_id in db.session.execute(
            select(LatestRating.person_id, CompetencyIdentity.role_id, CompetencyIdentity.key,
                   ProfileVersion.number, LatestRating.occurred_at, LatestRating.event_id)
            .join(CompetencyIdentity, CompetencyIdentity.id == LatestRating.competency_id)
            .join(Rating, Rating.event_id == LatestRating.event_id)
            .join(ProfileVersion, ProfileVersion.id == Rating.version_id)
            .where(LatestRating.person_id.in_(list(people)),
                   CompetencyIdentity.role_id.in_(roles))):
        if role_id in people[pid]:
            rated.setdefault(pid, {})[(str(role_id), key)] = {
                "role": str(role_id), "competency": key, "version": number,
                "occurred_at": at, "event_id": event_id}
    current = {role: versions[-1] for role, versions in published.items() if versions}
    lines = profiles.competencies_of(
        {v.id for v in current.values()}
        | {ids[(int(r["role"]), r["version"])] for latest in rated.values()
           for r in latest.values() if (int(r["role"]), r["version"]) in ids})
    found = {}
    for pid, latest in rated.items():
        role_id, future_id = people[pid]
        now = current.get(role_id)
        if now is None:
            continue
        slug = str(role_id)
        versions = {str(r): lines[current[r].id] for r in (role_id, future_id)
                    if r is not None and r in current}
        stands = rules.standing(versions, latest)
        rated_in = {key: r["version"] for (role, key), r in latest.items() if role == slug}
        older = {n: lines[ids[(role_id, n)]] for n in set(rated_in.values())
                 if n != now.number and (role_id, n) in ids}
        keys = [key for key in rules.to_rerate(lines[now.id], rated_in, now.number, older)
                if stands.get((slug, key), {}).get("role") == slug]
        if keys:
            found[pid] = keys
    return found


def bootstrap_part(person: Person, bundle: dict[str, Any]) -> dict[str, Any]:
    """The learner's ratings (history and latest), what to re-rate, and their submissions."""
    ratings = history(person)
    latest = rules.latest(ratings)
    rerate = {}
    for role in (person.role, person.future_role):
        version = profiles.shown(role) if role is not None else None
        if role is not None and version is not None:
            rerate[role.slug] = to_rerate(role, version, latest)
    return {
        "ratings": {"history": ratings,
                    "current": sorted(latest.values(), key=lambda r: (r["role"],
                                                                      r["competency"]))},
        "rerate": rerate,
        "submissions": submissions(person),
    }


@dataclass(frozen=True)
class RatingRow:
    """What a checked rating will write besides its data: the ids its keys name."""

    competency_id: int
    version_id: int


Rated = list[tuple[sync_rules.Event[rules.RatingData], RatingRow]]


def check_rating(batch: Batch, event: sync_rules.Event[rules.RatingData]) -> RatingRow:
    """A ``rating.set`` event: the competency and version it rates, or Refused."""
    data = event.data
    version_id, competencies = batch.version(data.role, data.version)
    competency_id = competencies.get(data.competency)
    if competency_id is None:
        raise sync_rules.Refused(
            "unknown_competency",
            N_("Version %(version)s of '%(role)s' has no competency '%(competency)s'."),
            version=data.version, role=data.role, competency=data.competency)
    # Later checks of the same batch (an offer to mentor) see this rating; checks run in time order.
    batch.rated.setdefault(data.role, {})[data.competency] = data.level
    return RatingRow(competency_id, version_id)


def apply_ratings(person: Person, planned: Rated) -> None:
    """Store the ratings, bring ``latest_ratings`` up to date and, if the level that stands
    for a competency may have moved, mark the learner's plan for the refresh
    (``pwa.store.stale``): ratings that leave every latest level as it was change nothing
    the plan is made of, and its rows are not built again."""
    db.session.execute(_INSERT_RATINGS, [  # Core: plain rows, no ORM bookkeeping
        {"person_id": person.id, "competency_id": row.competency_id,
         "version_id": row.version_id, "level": e.data.level, "note": e.data.note,
         "occurred_at": e.occurred_at, "event_id": e.id}
        for e, row in planned])
    latest: dict[int, sync_rules.Event[rules.RatingData]] = {}
    for e, row in planned:
        seen = latest.get(row.competency_id)
        if seen is None or (e.occurred_at, e.id) > (seen.occurred_at, seen.id):
            latest[row.competency_id] = e
    rows = [{"person_id": person.id, "competency_id": competency, "level": e.data.level,
             "occurred_at": e.occurred_at, "event_id": e.id}
            for competency, e in latest.items()]
    if _moves_levels(person, rows):
        stale.people([person.id])
    keep_latest(rows)


_INSERT_RATINGS = insert(Rating.__table__)
# All the person's latest ratings (one per competency they rated: a few dozen at most), by
# the primary key's first column: no list of ids for the driver to expand on every call.
_STORED_LATEST = select(LatestRating.competency_id, LatestRating.level,
                        LatestRating.occurred_at).where(
    LatestRating.person_id == bindparam("person"))


def _moves_levels(person: Person, rows: list[dict[str, Any]]) -> bool:
    """Whether these latest ratings (before :func:`keep_latest` stores them) may move a level
    the plan reads (``standing``): a competency rated for the first time, or a later
    rating of another level (one made at the same instant counts as later: the event ids
    decide, as the database compares them). For someone with a future role, any later
    rating may: which of two shared competencies' ratings stands is decided by the time
    they were made."""
    stored = {competency: (level, at) for competency, level, at in
              plain(_STORED_LATEST, {"person": person.id})}
    for row in rows:
        found = stored.get(row["competency_id"])
        if found is None:
            return True
        level, at = found
        if row["occurred_at"] < at:
            continue  # made before the stored one, which stands as it was
        if level != row["level"] or person.future_role_id is not None:
            return True
    return False


def keep_latest(rows: list[dict[str, Any]]) -> None:
    """Bring ``latest_ratings`` up to date with the latest of a batch's ratings per person and
    competency (by time, then event id: the order every reader uses).

    A row replaces the stored one only if it is later, so a rating made offline
    last week and synced today does not hide today's.
    """
    if not rows:
        return
    plain(_keep_latest(dialect_name()), rows)


@cache
def _keep_latest(dialect: str) -> Any:
    """The upsert of :func:`keep_latest`, built once per database dialect (a statement built
    per call pays for its cache key each time)."""
    statement = dialect_insert(LatestRating, dialect)
    stored, new = LatestRating.__table__.c, statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["person_id", "competency_id"],
        set_={c: new[c] for c in ("level", "occurred_at", "event_id")},
        where=or_(new.occurred_at > stored.occurred_at,
                  and_(new.occurred_at == stored.occurred_at, new.event_id > stored.event_id)))


def check_submission(batch: Batch, event: sync_rules.Event[rules.SubmittedData]) -> int:
    """An ``assessment.submitted`` event: the id of the version it submits, or Refused."""
    version_id, _ = batch.version(event.data.role, event.data.version)
    return version_id


def apply_submissions(person: Person,
                      planned: list[tuple[sync_rules.Event[rules.SubmittedData], int]]) -> None:
    db.session.execute(insert(AssessmentSubmission), [
        {"person_id": person.id, "version_id": version_id,
         "occurred_at": e.occurred_at, "event_id": e.id}
        for e, version_id in planned])


def export_ratings(person: Person) -> list[dict[str, Any]]:
    return history(person)


def export_submissions(person: Person) -> list[dict[str, Any]]:
    return submissions(person)
