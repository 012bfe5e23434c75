"""Counting self-assessments and plans for a release: the truth, read by the release job only.

Every count is over the latest rating of each person and competency (the
``latest_ratings`` read model the sync applier keeps, so nothing sorts the
whole history), of people who hold the role the competency belongs to; it
comes back as atoms, the finest groups any report shows: (competency key,
site, future role, level). The plans' sums are one aggregate over the
``plan_summaries`` read model the plan jobs keep, so no plan is computed
here but those not summarised yet. The question analysis is one aggregate over
``practice_reviews``: per question, whose first answer was right or wrong,
and whose first answer a week or more later, each learner in at most K
questions. Nothing here is shown to anyone:
``engine.releases`` adds the noise, and pages read the stored release
(``pwa.store.releases``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, exists, func, literal_column, select
from sqlalchemy.orm import aliased

from engine.gaps import Line
from engine.releases import NONE, Atom, Budget, Cells, Question, RoleCounts, caps
from pwa.extensions import db
from pwa.models import (
    CompetencyIdentity,
    Item,
    ItemCompetency,
    ItemRevision,
    LatestRating,
    Person,
    PlanSummary,
    PracticeReview,
    Role,
)
from pwa.models.mentors import MentorCompetency, MentorOffer
from pwa.store import catalogue, plans, profiles


def lines(role: Role) -> list[Line]:
    """The competencies of the role's current profile, in its order."""
    version = profiles.current(role)
    return [Line(x.competency.key, x.name, x.target, x.importance)
            for x in (version.lines if version is not None else ())]


def _latest(role: Role) -> Any:
    """Each person's latest rating of each of the role's competencies."""
    return select(LatestRating.person_id, LatestRating.competency_id,
                  LatestRating.level).where(LatestRating.competency_id.in_(
                      select(CompetencyIdentity.id).where(CompetencyIdentity.role_id == role.id))
                  ).subquery("latest")


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
    """Learners per (competency key, site, future role slug, level) of the role (NONE: none)."""
    return {(key, site or NONE, future or NONE, level): n
            for key, site, future, level, n in db.session.execute(atoms_query(role))}


def sites(role: Role) -> list[str]:
    """The sites where the role's people work (what L&D knows of them, whoever assessed)."""
    return sorted(site for site in db.session.scalars(
        select(Person.site).distinct().where(Person.role_id == role.id)) if site)


def future_roles(role: Role) -> list[str]:
    """Every other role of the organisation: any of them may be someone's future role.

    Which one a learner chose is theirs, so the groups a release measures are
    all of them, not only those chosen.
    """
    return sorted(db.session.scalars(select(Role.slug).where(
        Role.organisation_id == role.organisation_id, Role.id != role.id)))


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


def _assessed(role: Role) -> Any:
    """The ids of the role's people who rated at least one of its competencies."""
    rated = select(LatestRating.person_id).join(
        CompetencyIdentity, CompetencyIdentity.id == LatestRating.competency_id).where(
        CompetencyIdentity.role_id == role.id)
    return select(Person.id).where(Person.role_id == role.id, Person.id.in_(rated))


def _clipped(column: Any, cap: int) -> Any:
    """One person's share of a sum, clipped to [0, cap] (a CASE: the same on every database)."""
    return case((column > cap, cap), (column < 0, 0), else_=column)


def plan_sums_query(role: Role, limits: tuple[int, int, int]) -> Any:
    """The aggregate behind :func:`plan_sums`: one row of the count and the clipped sums."""
    minutes_cap, fee_cap, gaps_cap = limits
    return select(func.count(), *(func.coalesce(func.sum(_clipped(column, cap)), 0)
                                  for column, cap in (
        (PlanSummary.minutes, minutes_cap), (PlanSummary.fee_cents, fee_cap),
        (PlanSummary.covered, gaps_cap), (PlanSummary.uncovered, gaps_cap)))).where(
        PlanSummary.person_id.in_(_assessed(role)))


def plan_sums(role: Role, limits: tuple[int, int, int]) -> tuple[int, int, int, int, int]:
    """The role's assessed learners, and the sums of their plans' minutes, fees, covered and
    uncovered gaps, each person's share clipped to ``limits`` (minutes, fees, gaps: what
    ``engine.releases.caps`` gives).

    One aggregate over the ``plan_summaries`` read model, which jobs keep
    current as plans change (``pwa.store.plans.summarise``). An assessed
    learner who has no summary yet (a database that had learners before the
    read model did, people the demo seed synced without the jobs) is
    summarised first, here, so that nobody is left out of the sums.
    """
    # The role's people without a summary first (usually nobody: one index probe each),
    # then whether they rated anything: no second pass over everyone's ratings.
    plans.summarise_people(list(db.session.scalars(select(Person.id).where(
        Person.role_id == role.id,
        ~exists().where(PlanSummary.person_id == Person.id),
        exists().where(LatestRating.person_id == Person.id)))))
    learners, minutes, fees, covered, uncovered = db.session.execute(
        plan_sums_query(role, limits)).one()
    return int(learners), int(minutes), int(fees), int(covered), int(uncovered)


MICRO_LESSON = "micro_lesson"


@dataclass(frozen=True)
class Lesson:
    """A micro-lesson of the role as the catalogue has it now (public): its questions'
    prompts, in their places."""

    key: str
    revision: int
    title: str
    prompts: tuple[str, ...]


def _role_lessons(role: Role) -> Any:
    """The role's active micro-lessons at their current revision: item id and revision."""
    current = and_(ItemRevision.item_id == Item.id, ItemRevision.revision == Item.current_revision)
    mapped = select(ItemCompetency.item_revision_id).join(
        CompetencyIdentity, CompetencyIdentity.id == ItemCompetency.competency_id).where(
        CompetencyIdentity.role_id == role.id)
    return (select(Item.id.label("item_id"), ItemRevision.revision, ItemRevision.title,
                   Item.key, ItemRevision.questions)
            .join(ItemRevision, current)
            .where(Item.organisation_id == role.organisation_id, Item.retired_at.is_(None),
                   ItemRevision.format == MICRO_LESSON, ItemRevision.id.in_(mapped)))


def lessons(role: Role) -> list[Lesson]:
    """The micro-lessons mapped to the role's competencies, by title: what the question
    analysis measures, every question of them, answered or not."""
    rows = db.session.execute(_role_lessons(role).order_by(ItemRevision.title, Item.key))
    return [Lesson(key, revision, title, tuple(str(q.get("prompt", "")) for q in questions or ()))
            for _, revision, title, key, questions in rows]


def _a_week_after(later: Any, first: Any) -> Any:
    """``later`` is 7 days or more after ``first`` (both UTC), on either database."""
    if db.session.get_bind().dialect.name == "sqlite":
        # Both sides from whole milliseconds the same way: exact at the boundary.
        return func.julianday(later) >= func.julianday(first, "+7 days")
    return later >= first + literal_column("interval '7 days'")


def answers_query(role: Role, cap: int) -> Any:
    """The GROUP BY behind the question analysis: per question, the four cells.

    For each learner of the role and question of its lessons (current revision):
    the first answer, and the first answer 7 or more days after it. Each learner
    counts for the ``cap`` questions of their latest such answers (ties: the
    lesson, then the place): how much one person can move the cells is bounded
    by it, whatever they did.
    """
    lesson = _role_lessons(role).subquery("lesson")
    review = PracticeReview
    answered = (
        select(review.person_id, review.item_id, review.question, review.correct,
               review.occurred_at,
               func.row_number().over(
                   partition_by=(review.person_id, review.item_id, review.question),
                   order_by=(review.occurred_at, review.id)).label("n"))
        .join(lesson, and_(lesson.c.item_id == review.item_id,
                           lesson.c.revision == review.revision))
        .join(Person, Person.id == review.person_id)
        .where(Person.role_id == role.id)
        .cte("answered"))
    first = select(answered).where(answered.c.n == 1).subquery("first")
    again = aliased(answered, name="again")
    same = and_(again.c.person_id == first.c.person_id, again.c.item_id == first.c.item_id,
                again.c.question == first.c.question)
    later = (
        select(again.c.person_id, again.c.item_id, again.c.question, again.c.correct,
               again.c.occurred_at,
               func.row_number().over(
                   partition_by=(again.c.person_id, again.c.item_id, again.c.question),
                   order_by=again.c.n).label("m"))
        .join(first, same)
        .where(_a_week_after(again.c.occurred_at, first.c.occurred_at))
        .subquery("later"))
    week = and_(later.c.person_id == first.c.person_id, later.c.item_id == first.c.item_id,
                later.c.question == first.c.question, later.c.m == 1)
    ranked = (
        select(first.c.item_id, first.c.question, first.c.correct.label("first_correct"),
               later.c.correct.label("week_correct"),
               func.row_number().over(
                   partition_by=first.c.person_id,
                   order_by=(func.coalesce(later.c.occurred_at, first.c.occurred_at).desc(),
                             first.c.item_id, first.c.question)).label("rank"))
        .select_from(first).outerjoin(later, week)
        .subquery("ranked"))

    def cell(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    counted = (
        select(ranked.c.item_id, ranked.c.question,
               cell(ranked.c.first_correct), cell(~ranked.c.first_correct),
               cell(ranked.c.week_correct), cell(~ranked.c.week_correct))
        .where(ranked.c.rank <= cap)
        .group_by(ranked.c.item_id, ranked.c.question)
        .subquery("counted"))
    return select(Item.key, *list(counted.c)[1:]).join(Item, Item.id == counted.c.item_id)


def answers(role: Role, cap: int) -> dict[Question, Cells]:
    """The question analysis's cells of the role, each learner in at most ``cap`` questions."""
    return {(key, question): (int(a), int(b), int(c), int(d))
            for key, question, a, b, c, d in db.session.execute(answers_query(role, cap))}


def role_counts(role: Role, role_lines: Sequence[Line], budget: Budget,
                role_lessons: Sequence[Lesson] = ()) -> RoleCounts:
    """Everything a release measures of one role, as the database has it now."""
    learners, minutes, fees, covered, uncovered = plan_sums(role, caps(budget, len(role_lines)))
    minutes_all, fees_all = catalogue.programme(role)
    return RoleCounts(
        role=role.slug, competencies=tuple(line.key for line in role_lines),
        sites=tuple(sites(role)), futures=tuple(future_roles(role)), atoms=atoms(role),
        learners=learners, minutes=minutes, fee_cents=fees, covered=covered,
        uncovered=uncovered, programme_minutes=minutes_all, programme_fees_cents=fees_all,
        questions=tuple((x.key, place) for x in role_lessons for place in range(len(x.prompts))),
        answers=answers(role, budget.questions_cap) if role_lessons else {})


def statements(role: Role, budget: Budget) -> list[Any]:
    """The counting statements a release runs for one role (what its benchmark's floor runs):
    the ratings' GROUP BY, the plans' aggregate and the question analysis's."""
    lines_ = lines(role)
    return [atoms_query(role), plan_sums_query(role, caps(budget, len(lines_))),
            answers_query(role, budget.questions_cap)]
