"""Counting self-assessments for L&D: the database groups, nothing is counted in Python.

Every count is over the latest rating of each person and competency (the
``latest_ratings`` read model the sync applier keeps, so no report sorts the
whole history), of people who hold the role the competency belongs to; it
comes back as atoms, the finest groups any report shows: (competency key,
site, future role, level). Only the leaders' trend before a date reads the
history, as the latest rating before then is no one's latest any more.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from engine import gaps as gap_rules
from engine import leaders as leader_rules
from engine import priorities as priority_rules
from engine.analytics import Cell, protect
from engine.errors import N_, InvalidInput
from engine.gaps import Atom, Line
from engine.leaders import AFTER, BEFORE, Load, TrendAtom
from pwa.extensions import db
from pwa.models import (
    CompetencyIdentity,
    Item,
    ItemCompetency,
    ItemRevision,
    LatestRating,
    Person,
    Rating,
    Role,
)
from pwa.models.mentors import MentorCompetency, MentorOffer
from pwa.store import people, plans, profiles


def lines(role: Role) -> list[Line]:
    """The competencies of the role's current profile, in its order."""
    version = profiles.current(role)
    return [Line(x.competency.key, x.name, x.target, x.importance)
            for x in (version.lines if version is not None else ())]


def _history_latest(role: Role, until: datetime) -> Any:
    """Each person's latest rating before ``until`` of each of the role's competencies.

    A window over the history (the index on person, competency and time): the
    read model holds only what is latest now.
    """
    rank = func.row_number().over(
        partition_by=(Rating.person_id, Rating.competency_id),
        order_by=(Rating.occurred_at.desc(), Rating.event_id.desc()))
    ranked = select(Rating.person_id, Rating.competency_id, Rating.level,
                    rank.label("rank")).where(
        Rating.occurred_at < until,
        Rating.competency_id.in_(
            select(CompetencyIdentity.id).where(CompetencyIdentity.role_id == role.id)),
    ).subquery("ranked")
    return select(ranked.c.person_id, ranked.c.competency_id, ranked.c.level).where(
        ranked.c.rank == 1).subquery("latest")


def _latest(role: Role, since: datetime | None = None) -> Any:
    """Each person's latest rating of each of the role's competencies (made since ``since``).

    The latest rating made since a date is the latest one, if it was made since then.
    """
    query = select(LatestRating.person_id, LatestRating.competency_id,
                   LatestRating.level).where(LatestRating.competency_id.in_(
                       select(CompetencyIdentity.id).where(CompetencyIdentity.role_id == role.id)))
    if since is not None:
        query = query.where(LatestRating.occurred_at >= since)
    return query.subquery("latest")


def atoms_query(role: Role) -> Any:
    """The GROUP BY behind every priorities view: learners per competency, site, future role
    and level.

    Grouped by ids, then named: a few thousand groups of integers hash in memory,
    where grouping millions of rows by their names would sort them on disk.
    """
    latest = _latest(role)
    counted = (
        select(latest.c.competency_id, Person.site, Person.future_role_id, latest.c.level,
               func.count().label("learners"))
        .join(Person, Person.id == latest.c.person_id)
        .where(Person.role_id == role.id)
        .group_by(latest.c.competency_id, Person.site, Person.future_role_id, latest.c.level)
        .subquery("counted"))
    future = aliased(Role)
    return (
        select(CompetencyIdentity.key, counted.c.site, future.slug, counted.c.level,
               counted.c.learners)
        .select_from(counted)
        .join(CompetencyIdentity, CompetencyIdentity.id == counted.c.competency_id)
        .outerjoin(future, future.id == counted.c.future_role_id))


def atoms(role: Role) -> dict[Atom, int]:
    """Learners per (competency key, site, future role slug, level) of the role."""
    return {(key, site, future, level): n
            for key, site, future, level, n in db.session.execute(atoms_query(role))}


def filter_values(role: Role) -> tuple[list[str], list[tuple[str, str]]]:
    """The sites and future roles (slug, name) of the role's people: what a report filters by.

    One pass over the role's people: each pair of site and future role there is.
    """
    future = aliased(Role)
    pairs = db.session.execute(
        select(Person.site, future.slug, future.name).distinct()
        .outerjoin(future, future.id == Person.future_role_id)
        .where(Person.role_id == role.id)).all()
    sites = sorted({site for site, _, _ in pairs if site})
    futures = sorted({(slug, name) for _, slug, name in pairs if slug is not None})
    return sites, futures


def item_ranges(role: Role) -> dict[str, list[tuple[int, int]]]:
    """The level ranges of active catalogue items mapped to each of the role's competencies."""
    current = and_(ItemRevision.item_id == Item.id, ItemRevision.revision == Item.current_revision)
    rows = db.session.execute(
        select(CompetencyIdentity.key, ItemRevision.level_from, ItemRevision.level_to).distinct()
        .select_from(Item).join(ItemRevision, current)
        .join(ItemCompetency, ItemCompetency.item_revision_id == ItemRevision.id)
        .join(CompetencyIdentity, CompetencyIdentity.id == ItemCompetency.competency_id)
        .where(CompetencyIdentity.role_id == role.id, Item.retired_at.is_(None)))
    found: dict[str, list[tuple[int, int]]] = {}
    for key, low, high in rows:
        found.setdefault(key, []).append((low, high))
    return found


def mentors_available(organisation_id: int, keys: Sequence[str]) -> dict[str, int]:
    """Active mentors with room, per competency key (a count; never who)."""
    rows = db.session.execute(
        select(MentorCompetency.competency, func.count())
        .join(MentorOffer, MentorOffer.person_id == MentorCompetency.person_id)
        .join(Person, Person.id == MentorOffer.person_id)
        .where(Person.organisation_id == organisation_id, MentorOffer.status == "active",
               MentorOffer.load < MentorOffer.capacity,
               MentorCompetency.competency.in_(list(keys)))
        .group_by(MentorCompetency.competency))
    return {key: n for key, n in rows}


def programme_minutes(role: Role) -> int:
    """Minutes of one programme for all: every active item mapped to the role's competencies."""
    current = and_(ItemRevision.item_id == Item.id, ItemRevision.revision == Item.current_revision)
    mapped = (select(ItemCompetency.item_revision_id)
              .join(CompetencyIdentity, CompetencyIdentity.id == ItemCompetency.competency_id)
              .where(CompetencyIdentity.role_id == role.id))
    total = db.session.scalar(
        select(func.coalesce(func.sum(ItemRevision.duration_minutes), 0))
        .select_from(Item).join(ItemRevision, current)
        .where(Item.retired_at.is_(None), ItemRevision.id.in_(mapped)))
    return int(total or 0)


def assessed(role: Role) -> list[Person]:
    """The role's people who rated at least one of its competencies."""
    rated = select(LatestRating.person_id).join(
        CompetencyIdentity, CompetencyIdentity.id == LatestRating.competency_id).where(
        CompetencyIdentity.role_id == role.id)
    return list(db.session.scalars(select(Person).where(
        Person.role_id == role.id, Person.id.in_(rated)).order_by(Person.id)))


def loads(role: Role) -> list[Load]:
    """Each assessed learner's current plan, as they would see it, reduced to its size."""
    out = []
    for person in assessed(role):
        plan = plans.built(person)
        gaps = {line.competency for line in plan.active if line.aim is not None}
        out.append(Load(sum(line.item.minutes for line in plan.active), len(gaps),
                        len(plan.uncovered)))
    return out


def version_published(role: Role) -> datetime | None:
    """When the role's current profile version was published (None: there is only one)."""
    versions = profiles.published(role)
    if len(versions) < 2:
        return None
    return versions[-1].published_at


def trend_atoms(role: Role, since: datetime) -> dict[TrendAtom, int]:
    """Learners per (competency, period, level): latest rating before ``since`` and after it."""
    found: dict[TrendAtom, int] = {}
    for period, latest in ((BEFORE, _history_latest(role, until=since)),
                           (AFTER, _latest(role, since=since))):
        rows = db.session.execute(
            select(CompetencyIdentity.key, latest.c.level, func.count())
            .select_from(latest)
            .join(Person, Person.id == latest.c.person_id)
            .join(CompetencyIdentity, CompetencyIdentity.id == latest.c.competency_id)
            .where(Person.role_id == role.id)
            .group_by(CompetencyIdentity.key, latest.c.level))
        for key, level, n in rows:
            found[(key, period, level)] = n
    return found



# The views: every cell of every filter through ``protect`` at once ---------------------------

@dataclass(frozen=True)
class RoleView:
    """A role's priorities under every filter and its curriculum gaps, as published."""

    role: Role
    lines: list[Line]
    sites: list[str]
    future_roles: list[tuple[str, str]]
    ranges: dict[str, list[tuple[int, int]]]
    cells: list[Cell]
    published: dict[Hashable, int | None]


def role_view(role: Role) -> RoleView:
    """One protect call over everything the role's reports can show.

    The gap report's cells are unions of the same atoms as the priorities'
    level cells, so they are protected together: no report can be subtracted
    from the other.
    """
    role_lines = lines(role)
    counts = atoms(role)
    sites, futures = filter_values(role)
    ranges = item_ranges(role)
    offered = priority_rules.filters(sites, [slug for slug, _ in futures])
    cells = [*priority_rules.cells(role_lines, counts, offered),
             *gap_rules.cells(role_lines, ranges, counts)]
    published = protect(cast(Mapping[Hashable, int], counts), cells)
    return RoleView(role, role_lines, sites, futures, ranges, cells, published)


def check_filter(view: RoleView, site: str | None, future_role: str | None
                 ) -> priority_rules.Filter:
    """The filter asked for, or InvalidInput naming what this role's report offers."""
    if site and site not in view.sites:
        raise InvalidInput(N_("No one in %(role)s works at '%(site)s'."), {"field": "site"},
                           role=view.role.name, site=site)
    if future_role and future_role not in {slug for slug, _ in view.future_roles}:
        raise InvalidInput(N_("No one in %(role)s has chosen the future role '%(future)s'."),
                           {"field": "future_role"}, role=view.role.name, future=future_role)
    return (site or priority_rules.ALL, future_role or priority_rules.ALL)


def priorities(role: Role, site: str | None = None, future_role: str | None = None
               ) -> tuple[RoleView, list[priority_rules.Row]]:
    view = role_view(role)
    where = check_filter(view, site, future_role)
    return view, priority_rules.report(view.lines, view.published, where)


def curriculum_gaps(organisation_id: int) -> list[tuple[Role, list[gap_rules.CurriculumGap]]]:
    """Each role's curriculum gaps, highest impact first; roles without any are left out."""
    out = []
    for role in people.roles(organisation_id):
        view = role_view(role)
        if not view.lines:
            continue
        keys = [line.key for line in view.lines]
        found = gap_rules.report(view.lines, view.ranges, view.published,
                                 mentors_available(organisation_id, keys))
        if found:
            out.append((role, found))
    return out


@dataclass(frozen=True)
class CaseView:
    case: leader_rules.Case
    since: datetime | None
    trends: list[leader_rules.Trend]


def case_for(role: Role) -> CaseView:
    """The leaders' page of a role: plans against one programme, and the trend since the
    current profile version."""
    role_lines = lines(role)
    role_loads = loads(role)
    learners = protect({"learners": len(role_loads)},
                       [Cell("learners", frozenset({"learners"}))])["learners"]
    case = leader_rules.case(role_loads, learners, programme_minutes(role))
    since = version_published(role)
    trends: list[leader_rules.Trend] = []
    if since is not None:
        counts = trend_atoms(role, since)
        cells = leader_rules.trend_cells(role_lines, counts)
        trends = leader_rules.trends(role_lines,
                                      protect(cast(Mapping[Hashable, int], counts), cells))
    return CaseView(case, since, trends)

