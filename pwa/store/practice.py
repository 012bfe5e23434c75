"""Daily practice: answers applied to each question's FSRS state, and the days ahead.

A ``card.reviewed`` event is one answer to one question of a micro-lesson. It is
stored once (its id is the key) and applied to that question's state in
``occurred_at`` order: an answer later than everything applied so far is one
more FSRS step; an earlier one (made offline on Monday, synced on Wednesday)
replays that question's answers from the start, so the state is exactly what
answering in order would have given. Two phones of one learner syncing at once
take turns on the learner's row (PostgreSQL; SQLite has one writer anyway), so
neither replays without the other's answers.

Scheduling, the local day, the queue and mastery are ``engine.practice``; this
module loads what they need and stores what they decide.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import (
    and_,
    bindparam,
    func,
    insert,
    null,
    select,
    tuple_,
    type_coerce,
    union_all,
)

from engine import practice as rules
from engine import sync as sync_rules
from engine.catalogue import language_of
from engine.errors import N_
from engine.plan import DEFAULT_DAILY_MINUTES, DEFAULT_WEEKLY_GOAL
from pwa import clock
from pwa.extensions import db
from pwa.models import (
    CompetencyIdentity,
    Item,
    ItemCompetency,
    ItemRevision,
    ItemTranslation,
    LessonCompletion,
    Organisation,
    Person,
    PracticeCard,
    PracticeFit,
    PracticeReview,
)
from pwa.models.base import dialect_insert, dialect_name
from pwa.store import catalogue, fitting, memo, plans
from pwa.store.batch import Batch

MICRO_LESSON = "micro_lesson"
RECENT_REVIEWS = 500  # the latest answers mastery reads (20 per competency are used)


def scheduler(organisation_id: int) -> Any:
    """The organisation's FSRS scheduler: its fitted parameters once adopted, else FSRS's."""
    return scheduler_of(fitting.current_parameters(organisation_id))


def scheduler_of(parameters: tuple[float, ...] | None) -> Any:
    """The FSRS scheduler of ``parameters`` (None: FSRS' own) at the app's retention."""
    return _made_scheduler(parameters, float(current_app.config["SKILLPATH_DESIRED_RETENTION"]))


@lru_cache(maxsize=64)
def _made_scheduler(parameters: tuple[float, ...] | None, retention: float) -> Any:
    # A scheduler is made once per parameters: fsrs never changes one after making it.
    return rules.make_scheduler(parameters, retention)


# Checking and applying answers ------------------------------------------------------------

@dataclass(frozen=True)
class Lesson:
    """A micro-lesson's revision as the checks need it."""

    item_id: int
    revision: int
    created_at: datetime
    options: tuple[int, ...]  # how many options each question has
    keys: tuple[list[int], ...]  # each question's right options, in order
    competencies: frozenset[int]


def _lesson(batch: Batch, key: str, revision: int) -> Lesson:
    """The organisation's micro-lesson ``key`` at ``revision``, or Refused."""
    found = batch.lessons.get((batch.person.organisation_id, key, revision))
    if found is None:
        row = db.session.execute(
            select(Item.id, ItemRevision.id, ItemRevision.format, ItemRevision.created_at,
                   ItemRevision.questions)
            .join(ItemRevision, ItemRevision.item_id == Item.id)
            .where(Item.organisation_id == batch.person.organisation_id, Item.key == key,
                   ItemRevision.revision == revision)).first()
        if row is None:
            raise sync_rules.Refused("unknown_item", N_(
                "There is no lesson '%(item)s' in revision %(revision)s."),
                item=key, revision=revision)
        item_id, revision_id, format_, created_at, questions = row
        if format_ != MICRO_LESSON:
            raise sync_rules.Refused("not_a_lesson", N_(
                "'%(item)s' is not a micro-lesson: it has nothing to practise."), item=key)
        competencies = frozenset(db.session.scalars(
            select(ItemCompetency.competency_id)
            .where(ItemCompetency.item_revision_id == revision_id)))
        questions = questions or ()
        found = Lesson(item_id, revision, created_at,
                       tuple(len(q.get("options", ())) for q in questions),
                       tuple(sorted(q.get("correct", ())) for q in questions), competencies)
        batch.lessons[(batch.person.organisation_id, key, revision)] = found
    return found


def _mine(batch: Batch, lesson: Lesson) -> bool:
    """Is the lesson in the learner's practice: for a competency of their role or future role,
    or one they already practise (from before a move to another role)?

    A role's competencies only grow (an identity, once made, stays its role's), so those
    found are kept for the life of the app process; a lesson for none of them asks the
    database again, once a batch, in case the role has new ones.
    """
    roles = [r for r in (batch.person.role_id, batch.person.future_role_id) if r is not None]
    known = batch.role_competencies
    if any(lesson.competencies & known.get(r, frozenset()) for r in roles):
        return True
    if not batch.role_competencies_read:
        batch.role_competencies_read = True
        found: dict[int, set[int]] = {r: set() for r in roles}
        for role_id, competency_id in db.session.execute(_COMPETENCIES_OF, {"roles": roles}):
            found[role_id].add(competency_id)
        known.update((r, frozenset(ids)) for r, ids in found.items())
        if any(lesson.competencies & known[r] for r in roles):
            return True
    return db.session.scalar(select(func.count()).select_from(PracticeCard).where(
        PracticeCard.person_id == batch.person.id,
        PracticeCard.item_id == lesson.item_id)) != 0


_COMPETENCIES_OF = select(  # Core: no ORM entity
    CompetencyIdentity.__table__.c.role_id, CompetencyIdentity.__table__.c.id).where(
    CompetencyIdentity.__table__.c.role_id.in_(bindparam("roles", expanding=True)))


def _started_lesson(batch: Batch, event: sync_rules.Event[Any]) -> Lesson:
    """The lesson the event answers, in the learner's practice, or Refused.

    What the batch found of a lesson (the revision, and whether it is the learner's)
    is kept for the batch's later events: a hundred answers name a few lessons.
    """
    data = event.data
    seen = batch.practice_lessons.get((data.item, data.revision))
    if seen is None:
        seen = batch.practice_lessons[(data.item, data.revision)] = \
            [_lesson(batch, data.item, data.revision), None]
    lesson: Lesson = seen[0]
    if event.occurred_at < lesson.created_at:
        raise sync_rules.Refused("before_lesson", N_(
            "This answer is dated before revision %(revision)s of '%(item)s' existed."),
            revision=data.revision, item=data.item)
    if seen[1] is None:
        seen[1] = _mine(batch, lesson)
    if not seen[1]:
        raise sync_rules.Refused("not_in_practice", N_(
            "'%(item)s' is not a lesson for a competency of your role."), item=data.item)
    return lesson


def check_reviewed(batch: Batch, event: sync_rules.Event[rules.ReviewedData]) -> int:
    """``card.reviewed``: a question of a lesson in the learner's practice, judged as the
    lesson judges it; returns the item's id."""
    data = event.data
    lesson = _started_lesson(batch, event)
    if data.question >= len(lesson.options):
        raise sync_rules.Refused("unknown_question", N_(
            "Revision %(revision)s of '%(item)s' has no question %(number)s."),
            revision=data.revision, item=data.item, number=data.question + 1)
    if max(data.answer, default=-1) >= lesson.options[data.question]:
        raise sync_rules.Refused("invalid_answer", N_(
            "The answer chooses an option question %(number)s does not have."),
            number=data.question + 1)
    right = sorted(data.answer) == lesson.keys[data.question]
    if right != data.correct:
        raise sync_rules.Refused("wrong_judgement", N_(
            "The phone judged the answer to question %(number)s otherwise than the lesson's "
            "answer key does."), number=data.question + 1)
    return lesson.item_id


def apply_reviewed(person: Person,
                   planned: list[tuple[sync_rules.Event[rules.ReviewedData], int]]) -> None:
    """Store the answers, then bring each answered question's FSRS state up to date.

    Core statements on the tables, not ORM objects: a batch is a hundred answers, and
    the states are read and written as rows. The statements are built once (see
    :func:`_statements`).
    """
    statements = _statements(dialect_name())
    db.session.execute(statements.insert_reviews, [
        {"id": e.id, "person_id": person.id, "item_id": item_id, "revision": e.data.revision,
         "question": e.data.question, "answer": list(e.data.answer), "correct": e.data.correct,
         "hinted": e.data.hinted, "grade": e.data.grade, "response_ms": e.data.response_ms,
         "occurred_at": e.occurred_at} for e, item_id in planned])
    new: dict[tuple[int, int], list[rules.Review]] = defaultdict(list)
    for e, item_id in planned:
        new[(item_id, e.data.question)].append(
            rules.Review(e.occurred_at, _GRADES[e.data.grade], e.data.response_ms, e.id))
    # Another sync of this learner waited for this one to commit before its apply began
    # (``take_turns``, in ingest), so it reads the states and answers this one wrote.
    stored: dict[tuple[int, int], rules.CardState] = {}
    parameters = None
    for item_id, question, *columns, adopted in db.session.execute(statements.states, {
            "person": person.id, "items": list({k[0] for k in new}),
            "organisation": person.organisation_id}):
        if item_id is None:  # the row of the organisation's parameters
            parameters = adopted
        else:
            stored[(item_id, question)] = rules.CardState(*columns)
    fsrs = scheduler_of(fitting.as_parameters(parameters))
    states: dict[tuple[int, int], rules.CardState] = {}
    late = []
    for key, reviews in new.items():
        state = stored.get(key)
        if state is None or (state.last_review is not None and
                             min(r.occurred_at for r in reviews) > state.last_review):
            card = rules.card_id(person.id, *key)
            for r in sorted(reviews, key=lambda r: (r.occurred_at, r.event_id)):
                state = rules.review(state, r, card_id=card, scheduler=fsrs)
            assert state is not None
            states[key] = state
        else:
            late.append(key)
    if late:  # a late answer: the question's answers again, in the order they were given
        for key, reviews in _reviews(person.id, late).items():
            replayed = rules.replay(reviews, card_id=rules.card_id(person.id, *key),
                                    scheduler=fsrs)
            assert replayed is not None
            states[key] = replayed
    db.session.execute(statements.upsert_states, [
        {"person_id": person.id, "item_id": item_id, "question": question,
         "state": s.state, "step": s.step, "stability": s.stability, "difficulty": s.difficulty,
         "due": s.due, "last_review": s.last_review, "reps": s.reps, "lapses": s.lapses}
        for (item_id, question), s in states.items()])


@dataclass(frozen=True)
class _Statements:
    """What applying answers executes, built once per database dialect."""

    insert_reviews: Any
    states: Any
    upsert_states: Any
    answers: Any


@cache
def _statements(dialect: str) -> _Statements:
    cards, reviews = PracticeCard.__table__.c, PracticeReview.__table__.c
    upsert = dialect_insert(PracticeCard.__table__, dialect)
    return _Statements(
        insert_reviews=insert(PracticeReview.__table__),
        # The questions' states, and one row more (no question) with the parameters the
        # organisation schedules with: one round trip, not two.
        states=union_all(
            select(cards.item_id, cards.question, *[cards[c] for c in _STATE_COLUMNS],
                   type_coerce(null(), PracticeFit.__table__.c.new_parameters.type))
            .where(cards.person_id == bindparam("person"),
                   cards.item_id.in_(bindparam("items", expanding=True))),
            select(*[null()] * (2 + len(_STATE_COLUMNS)),
                   fitting.adopted_parameters(bindparam("organisation")).scalar_subquery())),
        upsert_states=upsert.on_conflict_do_update(
            index_elements=["person_id", "item_id", "question"],
            set_={c: upsert.excluded[c] for c in _STATE_COLUMNS}),
        answers=select(reviews.item_id, reviews.question, reviews.id, reviews.occurred_at,
                       reviews.grade, reviews.response_ms)
        .where(reviews.person_id == bindparam("person"),
               tuple_(reviews.item_id, reviews.question).in_(bindparam("questions",
                                                                      expanding=True))))


_GRADES = {g.value: g for g in rules.Grade}  # by value: a look-up, not an enum call per answer

_STATE_COLUMNS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps",
                  "lapses")


def _reviews(person_id: int,
             questions: list[tuple[int, int]]) -> dict[tuple[int, int], list[rules.Review]]:
    """Every answer of the learner's ``questions`` (item, question), in one query."""
    out: dict[tuple[int, int], list[rules.Review]] = defaultdict(list)
    for item_id, question, event_id, at, grade, ms in db.session.execute(
            _statements(dialect_name()).answers, {"person": person_id, "questions": questions}):
        out[(item_id, question)].append(rules.Review(at, _GRADES[grade], ms, event_id))
    return out


def check_completed(batch: Batch, event: sync_rules.Event[rules.CompletedData]) -> int:
    """``lesson.completed``: a lesson in the learner's practice; returns the item's id."""
    return _started_lesson(batch, event).item_id


def apply_completed(person: Person,
                    planned: list[tuple[sync_rules.Event[rules.CompletedData], int]]) -> None:
    """The first completion of a lesson counts (the earliest, whatever order they arrive in;
    at the same instant, the one with the lower event id, as applying in order would)."""
    rows = [{"person_id": person.id, "item_id": item_id, "revision": e.data.revision,
             "event_id": e.id, "occurred_at": e.occurred_at} for e, item_id in planned]
    statement = dialect_insert(LessonCompletion)
    stored = LessonCompletion.__table__.c
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["person_id", "item_id"],
        set_={c: statement.excluded[c] for c in ("revision", "event_id", "occurred_at")},
        where=tuple_(statement.excluded.occurred_at, statement.excluded.event_id)
        < tuple_(stored.occurred_at, stored.event_id)), rows)


# The days ahead, for the bundle and for Home ----------------------------------------------
#
# Built on every start of the app, for every learner: a fixed number of queries (one per
# loader, of the columns it needs) however many lessons and answers the learner has;
# tests/pwa/test_practice.py counts them.

def settings(person: Person) -> tuple[int, int]:
    """Minutes a day and days a week the learner chose (the defaults until they do).

    The row the plan's part of the bundle (and Home's plan) has read already, so this
    costs no query there, even when there is no row (``plans.settings_row``).
    """
    s = plans.settings_row(person)
    daily = s.daily_minutes if s is not None and s.daily_minutes is not None else None
    goal = s.weekly_goal if s is not None and s.weekly_goal is not None else None
    return daily or DEFAULT_DAILY_MINUTES, goal or DEFAULT_WEEKLY_GOAL


@dataclass(frozen=True)
class Started:
    """A started question with what the bundle says about it."""

    key: str
    item_id: int
    question: int
    state: rules.CardState
    retired: bool


def _started(person: Person) -> list[Started]:
    cards = PracticeCard.__table__.c
    rows = db.session.execute(
        select(Item.key, cards.item_id, cards.question, Item.retired_at,
               *[cards[c] for c in _STATE_COLUMNS])
        .join(Item, Item.id == cards.item_id)
        .where(cards.person_id == person.id))
    return [Started(key, item_id, question, rules.CardState(*state), retired is not None)
            for key, item_id, question, retired, *state in rows]


@dataclass(frozen=True)
class Current:
    """A lesson's current revision as the days ahead need it: its size, not its content."""

    item_id: int
    key: str
    revision: int
    minutes: int
    level_to: int
    questions: int  # how many it has
    competencies: tuple[str, ...]  # keys, in order


def _current_lessons(organisation: Organisation, item_ids: Iterable[int]) -> dict[int, Current]:
    """Each item's key, current revision and competency keys, in one query (a row per
    competency), for the items not read yet in this process under the organisation's
    version of what its members share (``pwa.store.memo.shared``).

    The questions are counted by the database: their text is read only for the lessons
    the phone is given (:func:`_contents`).
    """
    return memo.shared_each(organisation, "lesson", set(item_ids), _read_lessons)


def _read_lessons(ids: set[int]) -> dict[int, Current]:
    found: dict[int, Any] = {}
    keys: dict[int, list[str]] = defaultdict(list)
    for row in db.session.execute(
            select(Item.id, Item.key, ItemRevision.revision, ItemRevision.duration_minutes,
                   ItemRevision.level_to,
                   func.json_array_length(ItemRevision.questions).label("questions"),
                   CompetencyIdentity.key.label("competency"))
            .join(ItemRevision, and_(ItemRevision.item_id == Item.id,
                                     ItemRevision.revision == Item.current_revision))
            .outerjoin(ItemCompetency, ItemCompetency.item_revision_id == ItemRevision.id)
            .outerjoin(CompetencyIdentity, CompetencyIdentity.id == ItemCompetency.competency_id)
            .where(Item.id.in_(ids))
            .order_by(Item.id, CompetencyIdentity.key)):
        found[row.id] = row
        if row.competency is not None:
            keys[row.id].append(row.competency)
    return {i: Current(i, r.key, r.revision, r.duration_minutes, r.level_to,
                       int(r.questions or 0), tuple(keys[i])) for i, r in found.items()}


def _contents(organisation: Organisation, lessons: Iterable[Current],
              language: str) -> dict[str, dict[str, Any]]:
    """What the phone shows of ``lessons`` (title, summary, cards, questions) to a reader of
    ``language``, by key, in one query for those not read yet in this process under the
    organisation's version of what its members share (``pwa.store.memo.shared``): each
    part in its current translation, else in the original's words, listed in
    ``translation.original`` (``pwa.store.catalogue.for_reader``). The answer keys are the
    revision's: a translation changes words, never what is right."""
    by_id = {lesson.item_id: lesson for lesson in lessons}
    out = {}
    for item_id, shown in memo.shared_each(
            organisation, f"content.{language}", set(by_id),
            lambda ids: _read_contents(ids, language)).items():
        lesson = by_id[item_id]
        out[lesson.key] = {"key": lesson.key, "revision": lesson.revision, **shown,
                           "minutes": lesson.minutes,
                           "competencies": list(lesson.competencies),
                           "level_to": lesson.level_to}
    return out


def _read_contents(ids: set[int], language: str) -> dict[int, dict[str, Any]]:
    rows = db.session.execute(
        select(ItemRevision.item_id, ItemRevision.title, ItemRevision.summary,
               ItemRevision.cards, ItemRevision.questions, ItemRevision.language,
               ItemTranslation)
        .join(Item, and_(Item.id == ItemRevision.item_id,
                         ItemRevision.revision == Item.current_revision))
        .outerjoin(ItemTranslation, catalogue.translated_in(language))
        .where(Item.id.in_(ids))).all()
    return {row.item_id: catalogue.for_reader(
        {"title": row.title, "summary": row.summary, "cards": row.cards,
         "questions": row.questions, "language": row.language}, language,
        catalogue.translated(row.ItemTranslation)) for row in rows}


def _plan_lessons(plan: dict[str, Any]) -> list[int]:
    """The micro-lessons of the plan, in its order (highest priority first), once each."""
    out: list[int] = []
    for line in plan.get("lines", []):
        ref = line.get("item") or ""
        if line.get("format") == MICRO_LESSON and ref.startswith("c:"):
            item_id = int(ref[2:])
            if item_id not in out:
                out.append(item_id)
    return out


@dataclass(frozen=True)
class Loaded:
    """What the learner's days are planned from, loaded once."""

    now: datetime
    tz: str | None
    daily: int
    goal: int
    today: date
    start: datetime  # of today, the learner's local day
    week_start: datetime  # of this local week (Monday)
    started: list[Started]
    completed: dict[int, datetime]
    lessons: dict[int, Current]
    live: list[Started]  # started questions still practised: not retired, still in the lesson
    new: list[rules.NewLesson]
    recent: list[RecentAnswer]
    done_seconds: int

    def week(self) -> dict[str, Any]:
        practised = {rules.local_day(a.occurred_at, self.tz) for a in self.recent
                     if a.occurred_at >= self.week_start}
        return _week(self.now, self.tz, practised, self.goal)

    def answered_today(self) -> int:
        return sum(1 for a in self.recent if a.occurred_at >= self.start)

    def days(self, days: int = rules.DEFAULT_DAYS) -> tuple[rules.Day, ...]:
        return rules.plan_days(self.now, self.tz,
                               [rules.Scheduled(s.key, s.question, s.state.due)
                                for s in self.live],
                               self.new, self.daily, done_seconds=self.done_seconds, days=days)


def _load(person: Person, plan: dict[str, Any], *, this_week_only: bool = False,
          now: datetime | None = None) -> Loaded:
    """The learner's questions, lessons and latest answers; ``this_week_only``: only the
    answers of this local week (what Home counts), not the latest that mastery reads.
    ``now``: the instant to plan for (the bundle's ``as_of``), if not the clock's."""
    now = clock.now() if now is None else now
    tz = person.time_zone
    daily, goal = settings(person)
    started = _started(person)
    completed = dict(db.session.execute(
        select(LessonCompletion.item_id, LessonCompletion.occurred_at)
        .where(LessonCompletion.person_id == person.id)).all())
    plan_items = _plan_lessons(plan)
    lessons = _current_lessons(person.organisation,
                               {s.item_id for s in started} | set(plan_items) | set(completed))
    live = [s for s in started if not s.retired and s.item_id in lessons
            and s.question < lessons[s.item_id].questions]
    # A lesson paused half-way stays on offer until it is gone through (the phone resumes it
    # at its first unanswered question); its answered questions are reviews meanwhile.
    new = []
    for item_id in plan_items:
        if item_id in completed or item_id not in lessons:
            continue
        lesson = lessons[item_id]
        if lesson.questions:
            new.append(rules.NewLesson(lesson.key, lesson.revision,
                                       lesson.competencies[0] if lesson.competencies else "",
                                       lesson.minutes, lesson.questions))
    today = rules.local_day(now, tz)
    start = rules.day_start(today, tz)
    week_start = rules.day_start(today - timedelta(days=today.weekday()), tz)
    recent = _recent_answers(person, since=week_start if this_week_only else None)
    return Loaded(now, tz, daily, goal, today, start, week_start, started, completed, lessons,
                  live, new, recent, _done_seconds(recent, completed, lessons, start))


@dataclass(frozen=True)
class Today:
    """Today's practice as Home shows it: the queue's size, what was answered, the week."""

    day: rules.Day
    answered: int
    week: dict[str, Any]
    questions: int  # what the queue asks: each review, and each lesson's questions not begun
    started: bool  # whether any question was begun: a day with nothing due offers an extra round


def today(person: Person, plan: dict[str, Any]) -> Today:
    """Today's queue, today's answers and the week, and nothing else: no next days, no
    content, no mastery, no extra round (Home's card; the phone has the bundle)."""
    loaded = _load(person, plan, this_week_only=True)
    day = loaded.days(1)[0]
    by_key = {lesson.key: lesson for lesson in loaded.lessons.values()}
    begun: dict[int, int] = defaultdict(int)
    for s in loaded.started:
        begun[s.item_id] += 1
    questions = sum(
        1 if e.kind == "review" else max(0, by_key[e.item_key].questions
                                         - begun[by_key[e.item_key].item_id])
        for e in day.entries if e.kind == "review" or e.item_key in by_key)
    return Today(day, loaded.answered_today(), loaded.week(), questions, bool(loaded.live))


def bootstrap_part(person: Person, bundle: dict[str, Any]) -> dict[str, Any]:
    """Today's practice and the next days', with every lesson they need, and how it goes.

    Runs after the plan's part: new lessons come from its lines, in its order. Planned
    as of the bundle's ``as_of`` (``engine.practice.as_of``), not the clock's instant:
    the same stored answers give the same part all hour.
    """
    loaded = _load(person, bundle.get("plan", {}), now=as_of(bundle))
    days = loaded.days()
    fsrs = scheduler_of(memo.shared(person.organisation, ("fsrs",),
                                    lambda: fitting.current_parameters(person.organisation_id)))
    live = loaded.live
    # The optional extra round of a day with nothing due: started questions not due yet,
    # the likeliest to be forgotten first, within the daily minutes.
    extra = rules.extra_round(loaded.now, [(s.key, s.question, s.state) for s in live], fsrs,
                              loaded.daily)
    wanted = {e.item_key for d in days for e in d.entries} | {e.item_key for e in extra}
    by_key = {lesson.key: lesson for lesson in loaded.lessons.values()}
    return {"practice": {
        "settings": {"daily_minutes": loaded.daily, "weekly_goal": loaded.goal},
        "today": {"day": loaded.today.isoformat(), "done_seconds": loaded.done_seconds,
                  "answered": loaded.answered_today()},
        "days": [_with_revisions(d.to_dict(), by_key) for d in days],
        "extra": _with_revisions({"entries": [e.to_dict() for e in extra]}, by_key)["entries"],
        "cards": {f"{s.key}:{s.question}": {"stability": s.state.stability,
                                             "due": s.state.due.isoformat(),
                                             "reps": s.state.reps}
                  for s in live if s.key in wanted},
        "lessons": dict(sorted(_contents(person.organisation,
                                         (by_key[k] for k in wanted if k in by_key),
                                         language_of(person.locale)).items())),
        "progress": _progress(loaded.started, loaded.completed, loaded.lessons),
        "mastery": _mastery(bundle, live, loaded.recent, loaded.lessons, fsrs, loaded.now),
        "week": loaded.week(),
        "thresholds": {"slow_ms": rules.SLOW_MS, "fast_ms": rules.FAST_MS,
                       "mature_days": rules.MATURE_DAYS,
                       "review_seconds": rules.REVIEW_SECONDS},
    }}


def as_of(bundle: dict[str, Any]) -> datetime:
    """The instant the bundle is built as of (its ``as_of``), else the clock's."""
    found = bundle.get("as_of")
    return datetime.fromisoformat(found) if isinstance(found, str) else clock.now()


def _with_revisions(day: dict[str, Any], by_key: dict[str, Current]) -> dict[str, Any]:
    """A review is answered against the lesson's current revision: the phone sends that one."""
    for entry in day["entries"]:
        if entry["revision"] is None and entry["item_key"] in by_key:
            entry["revision"] = by_key[entry["item_key"]].revision
    return day


@dataclass(frozen=True)
class RecentAnswer:
    item_id: int
    question: int
    correct: bool
    occurred_at: datetime
    first: bool  # the first answer to this question: part of a new lesson, not a review


def _recent_answers(person: Person, since: datetime | None = None) -> list[RecentAnswer]:
    """The learner's latest answers (those from ``since``, or the latest :data:`RECENT_REVIEWS`),
    newest first, each marked if it was the question's first, in one query.

    The first answer of each question is a window over the learner's answers: one pass, where
    a subquery grouped by question and joined back (or a probe per answer) reads them twice.
    """
    reviews = PracticeReview.__table__.c
    first = reviews.occurred_at == func.min(reviews.occurred_at).over(
        partition_by=(reviews.item_id, reviews.question))
    marked = select(reviews.id, reviews.item_id, reviews.question, reviews.correct,
                    reviews.occurred_at, first.label("first")) \
        .where(reviews.person_id == person.id).subquery()
    taken = select(marked.c.item_id, marked.c.question, marked.c.correct, marked.c.occurred_at,
                   marked.c.first).order_by(marked.c.occurred_at.desc(), marked.c.id.desc())
    # The window sees every answer (a question's first may be older than ``since``).
    taken = taken.where(marked.c.occurred_at >= since) if since is not None else \
        taken.limit(RECENT_REVIEWS)
    return [RecentAnswer(i, q, c, at, bool(f)) for i, q, c, at, f in db.session.execute(taken)]


def _done_seconds(recent: Sequence[RecentAnswer], completed: dict[int, datetime],
                  lessons: dict[int, Current], start: datetime) -> int:
    """What the learner practised today: reviews at their cost, new lessons at their length."""
    reviews = sum(1 for a in recent if a.occurred_at >= start and not a.first)
    fresh = {a.item_id for a in recent if a.occurred_at >= start and a.first}
    fresh |= {i for i, at in completed.items() if at >= start}
    minutes = sum(lessons[i].minutes for i in fresh if i in lessons)
    return reviews * rules.REVIEW_SECONDS + minutes * 60


def _progress(started: Sequence[Started], completed: dict[int, datetime],
              lessons: dict[int, Current]) -> dict[str, Any]:
    """Per lesson begun: questions started of all, and whether it was gone through."""
    count: dict[int, int] = defaultdict(int)
    for s in started:
        count[s.item_id] += 1
    out = {}
    for item_id in set(count) | set(completed):
        if item_id in lessons:
            lesson = lessons[item_id]
            out[f"c:{item_id}"] = {"key": lesson.key, "started": count[item_id],
                                   "questions": lesson.questions,
                                   "completed": item_id in completed}
    return out


def _mastery(bundle: dict[str, Any], live: Sequence[Started], recent: Sequence[RecentAnswer],
             lessons: dict[int, Current], fsrs: Any, now: datetime) -> list[dict[str, Any]]:
    """Per competency practised: mastery beside the learner's own rating, and whether the two
    disagree enough to ask them to look at the rating again (never to change it).

    The role is the bundle's (the profiles' part put it there), not ``person.role``: that
    would load the role again where the bundle is built without it.
    """
    role = bundle.get("role")
    rated = {r["competency"]: r["level"] for r in bundle.get("ratings", {}).get("current", [])
             if r.get("role") == role}
    names = {c["key"]: c["name"] for c in
             bundle.get("profiles", {}).get(role, {}).get("competencies", [])}
    states: dict[str, list[rules.CardState]] = defaultdict(list)
    level_to: dict[str, int] = {}
    for s in live:
        lesson = lessons[s.item_id]
        for comp in lesson.competencies:
            states[comp].append(s.state)
            level_to[comp] = max(level_to.get(comp, 0), lesson.level_to)
    answers: dict[str, list[rules.Answer]] = defaultdict(list)
    for a in recent:
        for comp in lessons[a.item_id].competencies if a.item_id in lessons else ():
            answers[comp].append(rules.Answer(a.occurred_at, a.correct))
    out = []
    for comp in sorted(states, key=lambda c: (c not in names, names.get(c, c))):
        if comp not in names:
            continue  # a competency of another role's lesson: not on this profile
        m = rules.mastery(comp, states[comp], answers[comp], now, fsrs)
        out.append({**m.to_dict(), "name": names[comp], "rating": rated.get(comp),
                    "level_to": level_to[comp],
                    "disagreement": rules.disagreement(m, rated.get(comp), level_to[comp])})
    return out


def _week(now: datetime, tz: str | None, practised: set[date], goal: int) -> dict[str, Any]:
    w = rules.week(now, tz, practised, goal)
    return {"start": w.start.isoformat(), "days_practised": w.days_practised, "goal": w.goal,
            "met": w.met}


# The learner's data -----------------------------------------------------------------------

def export_reviews(person: Person) -> list[dict[str, Any]]:
    return [{"id": r.id, "item": key, "revision": r.revision, "question": r.question + 1,
             "answer": r.answer, "correct": r.correct, "hinted": r.hinted, "grade": r.grade,
             "response_ms": r.response_ms, "answered_at": r.occurred_at.isoformat()}
            for r, key in db.session.execute(
                select(PracticeReview, Item.key).join(Item, Item.id == PracticeReview.item_id)
                .where(PracticeReview.person_id == person.id)
                .order_by(PracticeReview.occurred_at, PracticeReview.id))]


def export_cards(person: Person) -> list[dict[str, Any]]:
    return [{"item": s.key, "question": s.question + 1, **s.state.to_dict()}
            for s in sorted(_started(person), key=lambda s: (s.key, s.question))]


def export_completions(person: Person) -> list[dict[str, Any]]:
    return [{"item": key, "revision": c.revision, "completed_at": c.occurred_at.isoformat()}
            for c, key in db.session.execute(
                select(LessonCompletion, Item.key).join(Item, Item.id == LessonCompletion.item_id)
                .where(LessonCompletion.person_id == person.id).order_by(Item.key))]
