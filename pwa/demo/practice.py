"""The demo organisation's daily practice, sent through the real sync path.

Weeks of answers to micro-lessons, as the phones would have sent them: each
learner is simulated day by day, doing what the app queued that day
(``engine.practice.plan_days``: reviews due, then a lesson they chose to start)
at their habitual local time, in their time zone. Their answers reach the
server as ``card.reviewed`` and ``lesson.completed`` events through
``pwa.sync.ingest``, so every question's FSRS state is the server's own.

Whether an answer is right comes from a memory model, not from the app's
scheduler: FSRS with :data:`MEMORY` (a lesson of a few minutes on a phone is
forgotten faster than fsrs' defaults, fitted on flashcard decks, would have it),
so an answer is right with the probability that model gives at that moment. The app schedules with
its own parameters and is wrong by that much: what fitting the organisation's
parameters on these reviews has to find.

Named learners follow a script (:data:`STORY`). Lucia Fernandez, who signs in
as the demo's learner with a gap, has practised the powered-truck lessons for
seven weeks and always answers right: her mastery of powered equipment is well
above the 2 she rated herself. She started a lesson two days ago, whose
questions are due today, and has not started the packing lesson of her plan, so
it is new today or in the next days. Grace Okafor (the author) practises three
lessons of her plan the same way, and seldom misses. Should a story learner's
weeks leave nothing due today, they have not opened the app since their last
day with reviews, which are then due still. Ana Ruiz rates herself live, so she
has no practice: her plan appears when she rates.

About half of the other people who have self-assessed practise too, each with a
``random.Random`` seeded by their name: a few lessons started over the last
eight weeks, a habit (morning commute, lunch break or evening) and how often
they open the app. The times are relative to the app's clock and the history
ends yesterday, so the demo has something due on any day it is seeded.

Seeding again adds nothing for anyone who already has answers.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, select

from engine import practice as rules
from pwa.demo.assessments import level
from pwa.extensions import db
from pwa.models import (
    CompetencyIdentity,
    Item,
    ItemCompetency,
    ItemRevision,
    Organisation,
    Person,
    PracticeReview,
    Rating,
)
from pwa.store import practice as store
from pwa.store import profiles
from pwa.sync.ingest import ingest

SEED = 20240612
NAMESPACE = uuid.UUID("0b7c5e2a-4f61-4d8e-9a3b-6c1d2e8f4a95")
DEVICE = "demo-seed"
MICRO_LESSON = "micro_lesson"

# How people really remember a short lesson: FSRS-6 with lower first stabilities (w0-w3),
# slower growth after a right answer (w8) and a steeper forgetting curve (w20) than
# fsrs' defaults. The app schedules with the defaults until the organisation's are fitted.
MEMORY = (0.4, 0.9, 1.6, 5.5, 6.4133, 0.8334, 3.0194, 0.001, 1.6, 0.1666, 0.796, 1.4835,
          0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.25)

WEEKS = 8  # how far back the history goes
SHARE = 0.5  # of the people who self-assessed, about this many practise
# Habits: (local start, spread in minutes): the commute, the lunch break, the evening.
HABITS = ((time(6, 30), 80), (time(12, 10), 60), (time(19, 30), 120))
DAILY_MINUTES = 5  # the app's default: what a day's queue holds


@dataclass(frozen=True)
class Learner:
    """How one person practises.

    ``lessons``: (lesson key, days ago they started it); ``at`` and ``spread``: their
    habitual local time and how much it varies (minutes); ``diligence``: the chance
    they open the app on a day something is queued; ``first_right``: the chance their
    first answer to a question is right (they just read the lesson's cards); ``skill``:
    the chance a later answer is right, or None to follow :data:`MEMORY`; ``slow``: the
    chance an answer is slow or hinted (graded Hard if right); ``due_today``: something
    must be due today, whatever the day (the story's learners).
    """

    lessons: tuple[tuple[str, int], ...]
    at: time
    spread: int
    diligence: float
    first_right: float
    skill: float | None = None
    slow: float = 0.1
    due_today: bool = False


STORY = {
    # Drives the pallet trucks every day, rated herself 2 in powered equipment and is never
    # wrong: the pre-use check seven weeks ago, People and trucks (her plan's) two days ago,
    # whose questions come back today.
    "Lucia Fernandez": Learner((("pallet-truck-precheck", 50), ("pedestrians-and-trucks", 2)),
                               at=time(6, 40), spread=10, diligence=1.0, first_right=1.0,
                               skill=1.0, slow=0.0, due_today=True),
    # Two safety lessons of her plan over the last month, and one on proxy sales; rated
    # herself 2 in store safety and seldom misses.
    "Grace Okafor": Learner((("fire-evacuation-store", 30), ("spills-and-hazards", 16),
                             ("proxy-sales", 2)),
                            at=time(7, 50), spread=15, diligence=1.0, first_right=0.9,
                            skill=0.95, slow=0.05, due_today=True),
}


@dataclass(frozen=True)
class Lesson:
    """A micro-lesson's current revision as the simulation needs it."""

    item_id: int
    key: str
    revision: int
    created_at: datetime
    minutes: int
    questions: tuple[dict[str, Any], ...]
    competencies: frozenset[tuple[int, str]]  # (role id, competency key)


@dataclass
class Card:
    """One question for one learner: the app's state and the memory's."""

    lesson: Lesson
    question: int
    app: rules.CardState | None = None
    memory: rules.CardState | None = None


@dataclass
class History:
    """The events one learner's phone sent, and how many answers they hold."""

    events: list[dict[str, Any]] = field(default_factory=list)
    answers: int = 0
    cards: dict[tuple[str, int], Card] = field(default_factory=dict)
    reviewed: list[date] = field(default_factory=list)  # the days with reviews, in order


def seed(org: Organisation, now: datetime, skip: Iterable[str] = ()) -> tuple[int, int]:
    """Practice for the story's learners and about half of everyone else who self-assessed.

    Only people with no answers yet get a history, so a second run adds nothing.
    ``skip``: people who never practise (the demo learner who rates herself live).

    Returns:
        How many people's practice was added, and how many answers it holds.
    """
    lessons = _lessons(org)
    if not lessons:
        return 0, 0
    practised = set(db.session.scalars(
        select(PracticeReview.person_id).join(Person, Person.id == PracticeReview.person_id)
        .where(Person.organisation_id == org.id).distinct()))
    rated = select(Rating.person_id).where(Rating.person_id == Person.id).exists()
    persons = db.session.scalars(
        select(Person).where(Person.organisation_id == org.id, Person.is_ld_admin.is_(False),
                             rated).order_by(Person.display_name)).all()
    app = store.scheduler(org.id)
    memory = rules.make_scheduler(MEMORY)
    targets: dict[int, dict[str, int]] = {}
    skipped = set(skip)
    people = answers = 0
    for person in persons:
        if person.id in practised or person.display_name in skipped:
            continue
        mine = f"{SEED}/{person.display_name}"
        rng = random.Random(mine)
        learner = STORY.get(person.display_name)
        if learner is None:
            if rng.random() >= SHARE:
                continue
            if person.role_id not in targets:
                version = profiles.current(person.role)
                targets[person.role_id] = {} if version is None else {
                    line.competency.key: line.target for line in version.lines}
            learner = _habit(rng, person, targets[person.role_id], lessons)
        history = _history(person, learner, lessons, now, app, memory, mine)
        if not history.events:
            continue
        result = ingest(person, history.events, now)
        if result.refused:
            raise RuntimeError(f"demo practice refused for {person.display_name}: "
                               f"{[(r.code, r.params) for _, r in result.refused][:3]}")
        people += 1
        answers += history.answers
    return people, answers


def _lessons(org: Organisation) -> dict[str, Lesson]:
    """The organisation's micro-lessons with questions, current revisions, not retired."""
    rows = db.session.execute(
        select(Item.id, Item.key, ItemRevision.id, ItemRevision.revision,
               ItemRevision.created_at, ItemRevision.duration_minutes, ItemRevision.questions)
        .join(ItemRevision, and_(ItemRevision.item_id == Item.id,
                                 ItemRevision.revision == Item.current_revision))
        .where(Item.organisation_id == org.id, Item.retired_at.is_(None),
               ItemRevision.format == MICRO_LESSON)).all()
    competencies: dict[int, set[tuple[int, str]]] = {}
    for revision_id, role_id, key in db.session.execute(
            select(ItemCompetency.item_revision_id, CompetencyIdentity.role_id,
                   CompetencyIdentity.key)
            .join(CompetencyIdentity, CompetencyIdentity.id == ItemCompetency.competency_id)
            .where(ItemCompetency.item_revision_id.in_([r[2] for r in rows]))):
        competencies.setdefault(revision_id, set()).add((role_id, key))
    return {key: Lesson(item_id, key, revision, created_at, minutes, tuple(questions),
                        frozenset(competencies.get(revision_id, ())))
            for item_id, key, revision_id, revision, created_at, minutes, questions
            in sorted(rows, key=lambda row: row[1])  # by key, in Python: collations differ
            if questions}


def _habit(rng: random.Random, person: Person, targets: dict[str, int],
           lessons: dict[str, Lesson]) -> Learner:
    """A colleague's way of practising: a few lessons of their role, their gaps' first."""
    mine = [lesson for lesson in lessons.values()
            if any(role_id == person.role_id for role_id, _ in lesson.competencies)]

    def gap(lesson: Lesson) -> int:
        return max((targets[key] - level(person.display_name, key, targets[key])
                    for role_id, key in lesson.competencies
                    if role_id == person.role_id and key in targets), default=0)

    ranked = sorted(mine, key=lambda lesson: (-gap(lesson), rng.random()))
    count = min(len(ranked), rng.choice((1, 1, 2, 2, 2, 3, 3, 4)))
    started, ago = [], rng.randint(14, WEEKS * 7)
    for lesson in ranked[:count]:
        if ago < 1:
            break
        started.append((lesson.key, ago))
        ago -= rng.randint(3, 14)
    at, spread = rng.choice(HABITS)
    return Learner(tuple(started), at=at, spread=spread,
                   diligence=rng.uniform(0.35, 0.95), first_right=rng.uniform(0.6, 0.95),
                   slow=rng.uniform(0.05, 0.2))


def _history(person: Person, learner: Learner, lessons: dict[str, Lesson], now: datetime,
             app: Any, memory: Any, seed: str) -> History:
    """The learner's answers until yesterday; for the story's learners, with something due
    today: if nothing is, they did not open the app since their last day with reviews (those
    reviews are then still due, overdue by now)."""
    tz = person.time_zone
    today = rules.local_day(now, tz)
    until = today
    while True:
        history = _simulate(person, learner, lessons, today, until, app, memory,
                            random.Random(f"{seed}/answers"))
        end = rules.day_end(today, tz)
        if not learner.due_today or not history.reviewed or any(
                c.app is not None and c.app.due < end for c in history.cards.values()):
            return history
        until = history.reviewed[-1]


def _simulate(person: Person, learner: Learner, lessons: dict[str, Lesson], today: date,
              until: date, app: Any, memory: Any, rng: random.Random) -> History:
    """Day by day up to ``until`` (not included): on a day they open the app, they do what
    it queued that day (reviews due, then a lesson they chose to start), at their time."""
    tz = person.time_zone
    history = History()
    starts: dict[str, date] = {}
    for key, ago in learner.lessons:
        lesson = lessons.get(key)
        if lesson is None:
            continue
        # Never before the lesson's revision existed (a database seeded some time ago).
        starts[key] = max(today - timedelta(days=ago),
                          rules.local_day(lesson.created_at, tz) + timedelta(days=1))
    starts = {key: day for key, day in starts.items() if day < until}
    if not starts:
        return history
    cards = history.cards
    day = min(starts.values())
    while day < until:
        offered = [rules.NewLesson(key, lessons[key].revision, "", lessons[key].minutes,
                                   len(lessons[key].questions))
                   for key, start in sorted(starts.items(), key=lambda kv: (kv[1], kv[0]))
                   if start <= day and (key, 0) not in cards]
        at = _local(day, learner.at, rng.randint(0, learner.spread), tz)
        scheduled = [rules.Scheduled(k, q, c.app.due) for (k, q), c in cards.items()
                     if c.app is not None]
        queue = rules.plan_days(at, tz, scheduled, offered, DAILY_MINUTES, days=1)[0].entries
        if queue and rng.random() < learner.diligence:
            for entry in queue:
                if entry.kind == "review":
                    assert entry.question is not None
                    card = cards[(entry.item_key, entry.question)]
                    at = _answer(history, person, card, at, learner, app, memory, rng)
                    if history.reviewed[-1:] != [day]:
                        history.reviewed.append(day)
                else:
                    lesson = lessons[entry.item_key]
                    for q in range(len(lesson.questions)):
                        card = cards.setdefault((lesson.key, q), Card(lesson, q))
                        at = _answer(history, person, card, at, learner, app, memory, rng)
                    history.events.append(_event(person, "lesson.completed", {
                        "item": lesson.key, "revision": lesson.revision}, at, lesson.key))
        day += timedelta(days=1)
    return history


def _local(day: date, at: time, minutes: int, tz: str | None) -> datetime:
    """``at`` plus ``minutes`` on the local ``day`` in zone ``tz``, as an instant in UTC."""
    local = datetime.combine(day, at, tzinfo=rules.zone(tz)) + timedelta(minutes=minutes)
    return local.astimezone(UTC)


def _answer(history: History, person: Person, card: Card, at: datetime, learner: Learner,
            app: Any, memory: Any, rng: random.Random) -> datetime:
    """One answer at ``at``, right as the learner's memory allows; returns when the next
    one can begin."""
    if card.memory is None:
        chance = learner.first_right
    elif learner.skill is not None:
        chance = learner.skill
    else:
        chance = rules.retrievability(card.memory, at, memory)
    question = card.lesson.questions[card.question]
    key = sorted(question.get("correct", ()))
    wrong = [i for i in range(len(question.get("options", ()))) if i not in key][:1] or key[:-1]
    right = rng.random() < chance or not wrong  # every option right: no way to be wrong
    slow = rng.random() < learner.slow
    hinted = slow and rng.random() < 0.5
    ms = rng.randint(rules.SLOW_MS + 1_000, 60_000) if slow and not hinted else \
        rng.randint(2_500, 15_000)
    grade = rules.grade(right, hinted, ms, card.app.stability if card.app else None)
    review = rules.Review(at, grade, ms, "")
    card.app = rules.review(card.app, review, card_id=0, scheduler=app)
    card.memory = rules.review(card.memory, review, card_id=0, scheduler=memory)
    history.events.append(_event(person, "card.reviewed", {
        "item": card.lesson.key, "revision": card.lesson.revision, "question": card.question,
        "answer": key if right else wrong, "correct": right, "hinted": hinted,
        "grade": int(grade), "response_ms": ms}, at, f"{card.lesson.key}/{card.question}"))
    history.answers += 1
    return at + timedelta(milliseconds=ms + rng.randint(2_000, 9_000))


def _event(person: Person, kind: str, data: dict[str, Any], at: datetime,
           what: str) -> dict[str, Any]:
    stamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"id": str(uuid.uuid5(NAMESPACE, f"{person.display_name}/{kind}/{what}/{stamp}")),
            "type": kind, "schema": 1, "occurred_at": stamp, "device_id": DEVICE, "data": data}
