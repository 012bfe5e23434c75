"""Daily practice: answers synced against the floor beneath them, and the days' queues built.

Reviews synced: ``card.reviewed`` events per second through HTTP POST /api/v1/sync.
Ours: gunicorn with one worker serving the real app, one client thread; 10 learners
(each signed in with a passkey) practise the 100 questions of 20 micro-lessons, 2,000
answers each over 280 days, 85% right. Their phones send the answers in batches of
100, the learners taking turns; first in the order they were given, then (a second
run) with 10% of them held back 1 to 5 batches, as a phone that was offline for days
sends them: each late answer to a question answered since makes the server replay
that question from its first answer.
The floor: the same answers, batch by batch in the same order, by one thread: bare
``fsrs`` ``Scheduler.review_card`` on cards held in memory (a question with a late
answer replayed the same way: every answer to it so far, from a new card, in time
order), then one transaction per batch of Core ``executemany``: the events, the
review rows and the upsert of the card states. Ours and the floor take turns, 5
rounds each (ours then the floor, then the floor then ours, ...: a load that grows or
eases through the run favours neither), each round into the same emptied tables and
indexes (the rows of the round before taken away; on PostgreSQL vacuumed), so a load
from elsewhere on a shared machine falls on both sides alike; every round's figure
is printed, and the median of the rounds' own ratios is the figure
(``goals.paired_ratio`` says why). Each round's card states must equal the ones
the sync stored. Goal: a ratio of 0.5 or more in order, 0.3 or more with late answers.

The days' queues: ``pwa.store.practice.bootstrap_part`` (the practice part of the
bundle: today's queue and the next three days', their lessons, progress, mastery and
the week) for each of 10,000 learners, each in an app context of its own, as a
request is. Learners per second, where the time goes (SQL against the rest, per
part, the top of a profile), and against ``engine.practice.plan_days`` alone on the
same learners' cards and lessons loaded beforehand. Printed, with no goal.
"""

from __future__ import annotations

import cProfile
import http.client
import json
import math
import pstats
import random
import statistics
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import fsrs
import pytest
import sqlalchemy as sa
from flask import Flask

from engine import practice as rules
from pwa import clock
from pwa.extensions import db
from pwa.models import (
    Event,
    LessonCompletion,
    Organisation,
    Person,
    PracticeCard,
    PracticeFit,
    PracticeReview,
)
from pwa.models.base import dialect_insert
from pwa.store import catalogue
from pwa.store import practice as store
from tests.benchmarks.goals import goal, paired_ratio
from tests.benchmarks.serving import session_headers, start_gunicorn, stop
from tests.browser.harness import free_port
from tests.factories import ITEM_BASE, comp, publish_profile, sign_in_as

ROLE = "store-associate"
COMPETENCIES = [("tills", "Using the tills"), ("greet", "Greeting customers"),
                ("stock", "Filling the shelves"), ("safety", "Staying safe")]
LESSONS, QUESTIONS = 20, 5
NOW = clock.now()


@dataclass(frozen=True)
class Lesson:
    key: str
    item_id: int
    correct: tuple[int, ...]  # each question's right option


def lesson_content(n: int) -> dict[str, Any]:
    return {**ITEM_BASE, "title": f"Practice lesson {n:02}", "format": "micro_lesson",
            "duration_minutes": 2 + n % 3, "summary": "A few habits, then five questions.",
            "level_to": 4, "cards": [{"text": "Read this first."}],
            "questions": [{"kind": "single_choice", "prompt": f"Question {q + 1}?",
                           "options": ["One", "Two", "Three"], "correct": [(n + q) % 3],
                           "explanation": "Because."} for q in range(QUESTIONS)],
            "competencies": [f"{ROLE}/{COMPETENCIES[n % len(COMPETENCIES)][0]}"]}


def practice_catalogue(app: Flask) -> list[Lesson]:
    """The role's published profile and 20 micro-lessons of 5 questions, a year old."""
    publish_profile(app, comps=[comp(key, name, target=4) for key, name in COMPETENCIES])
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        out = []
        for n in range(LESSONS):
            revision = catalogue.save(org_id, lesson_content(n), by=None,
                                      now=NOW - timedelta(days=365))
            out.append(Lesson(revision.item.key, revision.item.id,
                              tuple((n + q) % 3 for q in range(QUESTIONS))))
        db.session.commit()
        return out


def database_name(app: Flask) -> str:
    return str(app.config["SQLALCHEMY_DATABASE_URI"]).split(":")[0]


def settle(app: Flask, *models: Any) -> None:
    """PostgreSQL: these tables vacuumed and analysed, as autovacuum leaves a live database."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{m.__tablename__}"' for m in models)
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text(f"VACUUM (ANALYZE) {names}"))


# 1. Reviews synced against bare fsrs and Core executemany ---------------------------------

LEARNERS, ANSWERS, BATCH = 10, 2_000, 100
ROUNDS = 5  # of ours and of the floor, taken in turn; each round's ratio is kept
JOB_DELAY_S = 1.5  # the served app's job runner waits 1 s before a job asked for
LATE_SHARE, LATE_BATCHES = 0.1, (1, 5)
FIRST_ANSWER = NOW - timedelta(days=300)


@dataclass(frozen=True)
class Answer:
    """One ``card.reviewed``: what the phone sends, and what the floor needs of it."""

    id: str
    lesson: Lesson
    question: int
    chosen: int
    correct: bool
    grade: int
    response_ms: int
    at: datetime

    def data(self) -> dict[str, Any]:
        return {"item": self.lesson.key, "revision": 1, "question": self.question,
                "answer": [self.chosen], "correct": self.correct, "hinted": False,
                "grade": self.grade, "response_ms": self.response_ms}

    def event(self) -> dict[str, Any]:
        return {"id": self.id, "type": "card.reviewed", "schema": 1,
                "occurred_at": self.at.isoformat(), "device_id": "bench-phone",
                "data": self.data()}


def answers(lessons: list[Lesson], rng: random.Random) -> list[Answer]:
    """A learner's answers in the order given: rounds over the 100 questions, each shuffled."""
    questions = [(lesson, q) for lesson in lessons for q in range(QUESTIONS)]
    step = timedelta(days=280) / ANSWERS
    out: list[Answer] = []
    while len(out) < ANSWERS:
        rng.shuffle(questions)
        for lesson, q in questions[:ANSWERS - len(out)]:
            right = rng.random() < 0.85
            ms = rng.randint(2_000, 30_000)
            # Graded as the phone grades: Easy where it saw the question mature.
            grade = rules.grade(right, False, ms, rng.choice((None, math.inf)))
            out.append(Answer(str(uuid.UUID(int=rng.getrandbits(128), version=4)), lesson, q,
                              lesson.correct[q] if right else (lesson.correct[q] + 1) % 3,
                              right, int(grade), ms, FIRST_ANSWER + step * len(out)))
    return out


def arrival(given: list[Answer], late: float, rng: random.Random) -> list[Answer]:
    """The order the server gets them: ``late`` of them held back 1 to 5 batches."""
    held = set(rng.sample(range(len(given)), round(len(given) * late)))
    low, high = LATE_BATCHES
    return [a for _, _, a in sorted(
        (n + (rng.randint(low * BATCH, high * BATCH) if n in held else 0), n, a)
        for n, a in enumerate(given))]


def clear_answers(app: Flask) -> None:
    """The answers taken away: their events, reviews and card states, and the fit a sync's
    job recorded; PostgreSQL's tables vacuumed, as before the first round."""
    with app.app_context():
        db.session.execute(sa.delete(PracticeCard))
        db.session.execute(sa.delete(PracticeReview))
        db.session.execute(sa.delete(PracticeFit))
        db.session.execute(sa.delete(Event).where(Event.type == "card.reviewed"))
        db.session.commit()
    settle(app, Event, PracticeReview, PracticeCard, PracticeFit)


def _ours(port: int, batches: list[tuple[int, dict[str, str], list[Answer]]],
          bodies: list[str], total: int) -> float:
    """Reviews per second of the served app, the batches posted in turn by one client."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    for (_, headers, _), body in zip(batches, bodies, strict=True):
        conn.request("POST", "/api/v1/sync", body=body, headers=headers)
        response = conn.getresponse()
        answer = json.loads(response.read())
        assert response.status == 200 and len(answer["accepted"]) == BATCH, answer
    rate = total / (time.perf_counter() - started)
    conn.close()
    return rate


def card_rows(app: Flask) -> list[tuple[Any, ...]]:
    with app.app_context():
        c = PracticeCard.__table__.c
        return [tuple(row) for row in db.session.execute(
            sa.select(c.person_id, c.item_id, c.question, c.state, c.step, c.stability,
                      c.difficulty, c.due, c.last_review, c.reps, c.lapses)
            .order_by(c.person_id, c.item_id, c.question))]


@pytest.mark.benchmark
@pytest.mark.parametrize("late", [0.0, LATE_SHARE], ids=["in-order", "late"])
def test_reviews_synced_against_bare_fsrs_and_core(app, org, capsys, late):
    lessons = practice_catalogue(app)
    rng = random.Random(20)
    learners: list[tuple[int, dict[str, str], list[Answer]]] = []
    for n in range(LEARNERS):
        api = sign_in_as(app, f"Learner {n:02}")
        with app.app_context():
            person_id = db.session.scalar(
                sa.select(Person.id).where(Person.display_name == f"Learner {n:02}"))
        learners.append((person_id, session_headers(api), arrival(answers(lessons, rng),
                                                                  late, rng)))
    # The learners take turns, each sending their next batch.
    batches = [(person_id, headers, sent[i:i + BATCH])
               for i in range(0, ANSWERS, BATCH) for person_id, headers, sent in learners]
    total = LEARNERS * ANSWERS
    bodies = [json.dumps({"events": [a.event() for a in chunk]}) for _, _, chunk in batches]

    port = free_port()
    # The fit job every sync of answers asks for runs, but never has enough answers to
    # adopt parameters of its own: the server schedules with FSRS' defaults, as the floor.
    server = start_gunicorn(app, port, workers=1,
                            settings={"SKILLPATH_FIT_MIN_LOGS": str(total + 1)})
    with app.app_context():
        retention = float(app.config.get("DESIRED_RETENTION", rules.DEFAULT_RETENTION))
    # Ours and the floor take turns, so that a load on the machine that comes and goes
    # falls on both alike: ours first in even rounds, the floor first in odd ones, so that
    # a load that grows or eases through the run favours neither. Each round starts from
    # the same empty tables.
    ours_rounds: list[float] = []
    floor_rounds: list[float] = []
    synced: list[list[tuple[Any, ...]]] = []  # the card states of ours' first round
    replays: list[int] = []

    def ours_round() -> None:
        clear_answers(app)
        ours_rounds.append(_ours(port, batches, bodies, total))
        # The fit job the last batch asked for runs a moment after it (the in-process
        # job runner's delay): let it end before anything else is timed.
        time.sleep(JOB_DELAY_S)
        states = card_rows(app)
        assert len(states) == LEARNERS * LESSONS * QUESTIONS
        assert not synced or states == synced[0]  # every round of ours stores the same
        synced[:] = [states]

    def floor_round() -> None:
        clear_answers(app)  # the floor writes the same rows, into tables without ours
        with app.app_context():
            rate, replayed = _floor(db.engine, [(p, chunk) for p, _, chunk in batches],
                                    retention)
        floor_rounds.append(rate)
        replays.append(replayed)
        assert card_rows(app) == synced[0]  # the same FSRS work: the very same states

    try:
        for n in range(ROUNDS):
            for side in (ours_round, floor_round) if n % 2 == 0 else (floor_round, ours_round):
                side()
    finally:
        stop(server)
    replayed = replays[-1]
    ours, floor = statistics.median(ours_rounds), statistics.median(floor_rounds)

    wanted = 0.5 if late == 0 else 0.3
    how = "in order" if late == 0 else \
        f"{late:.0%} late by {LATE_BATCHES[0]}-{LATE_BATCHES[1]} batches, {replayed:,} replays"
    ratio, each = paired_ratio(ours_rounds, floor_rounds)
    pairs = ", ".join(f"{r:.2f}" for r in each)
    with capsys.disabled():
        print(f"\npractice sync on {database_name(app)}, {total:,} answers of {LEARNERS} "
              f"learners to {LESSONS * QUESTIONS} questions each ({how}): ours {ours:,.0f} "
              f"reviews/s (HTTP, gunicorn -w 1, one client, batches of {BATCH}), floor "
              f"{floor:,.0f} reviews/s (bare fsrs review_card + Core executemany, one thread), "
              f"medians of {ROUNDS} rounds taken in turn; median of the rounds' ratios "
              f"{ratio:.2f} (goal >= {wanted})")
        print(f"  rounds, ours: {', '.join(f'{r:,.0f}' for r in ours_rounds)}; floor: "
              f"{', '.join(f'{r:,.0f}' for r in floor_rounds)} reviews/s; each round's "
              f"ratio: {pairs}")
    label = "in order" if late == 0 else f"{late:.0%} late"
    goal(ratio >= wanted, f"practice sync ({label}): {ratio:.2f} of bare fsrs + Core "
                          f"executemany (goal >= {wanted})")


def _floor(engine: sa.Engine, batches: list[tuple[int, list[Answer]]],
           retention: float) -> tuple[float, int]:
    """Reviews per second of bare fsrs and Core ``executemany``; and how many replays.

    A question whose new answers all come after its last one takes them in turn; one
    with an answer at or before it (a late answer) is replayed from a new card over
    every answer so far in time order (ties by id), as the sync decides.
    """
    scheduler = fsrs.Scheduler(parameters=fsrs.scheduler.DEFAULT_PARAMETERS,
                               desired_retention=retention, learning_steps=(),
                               relearning_steps=(), enable_fuzzing=False)
    cards: dict[tuple[int, int, int], tuple[fsrs.Card, int, int]] = {}
    history: dict[tuple[int, int, int], list[Answer]] = defaultdict(list)
    upsert = dialect_insert(PracticeCard)
    upsert = upsert.on_conflict_do_update(
        index_elements=["person_id", "item_id", "question"],
        set_={c: upsert.excluded[c] for c in ("state", "step", "stability", "difficulty",
                                              "due", "last_review", "reps", "lapses")})
    received = clock.now()
    replayed = 0
    started = time.perf_counter()
    for person_id, chunk in batches:
        new: dict[tuple[int, int, int], list[Answer]] = defaultdict(list)
        for a in chunk:
            new[(person_id, a.lesson.item_id, a.question)].append(a)
        states = []
        for key, given in new.items():
            so_far = history[key]
            so_far.extend(given)
            held = cards.get(key)
            if held is None or min(a.at for a in given) > held[0].last_review:
                todo = sorted(given, key=lambda a: (a.at, a.id))
                card, reps, lapses = held if held else (None, 0, 0)
            else:
                todo = sorted(so_far, key=lambda a: (a.at, a.id, a.grade, a.response_ms))
                card, reps, lapses = None, 0, 0
                replayed += 1
            for a in todo:
                if card is None:
                    card = fsrs.Card(card_id=rules.card_id(*key), due=a.at)
                    before = None
                else:
                    before = card.state
                card, _ = scheduler.review_card(card, fsrs.Rating(a.grade), review_datetime=a.at,
                                                review_duration=a.response_ms)
                reps += 1
                lapses += a.grade == 1 and before == fsrs.State.Review
            assert card is not None
            cards[key] = (card, reps, lapses)
            states.append({"person_id": key[0], "item_id": key[1], "question": key[2],
                           "state": int(card.state), "step": card.step,
                           "stability": card.stability, "difficulty": card.difficulty,
                           "due": card.due, "last_review": card.last_review, "reps": reps,
                           "lapses": lapses})
        with engine.begin() as conn:
            conn.execute(sa.insert(Event), [
                {"id": a.id, "person_id": person_id, "type": "card.reviewed", "schema": 1,
                 "occurred_at": a.at, "received_at": received, "device_id": "bench-phone",
                 "data": a.data()} for a in chunk])
            conn.execute(sa.insert(PracticeReview), [
                {"id": a.id, "person_id": person_id, "item_id": a.lesson.item_id,
                 "revision": 1, "question": a.question, "answer": [a.chosen],
                 "correct": a.correct, "hinted": False, "grade": a.grade,
                 "response_ms": a.response_ms, "occurred_at": a.at} for a in chunk])
            conn.execute(upsert, states)
    return sum(len(chunk) for _, chunk in batches) / (time.perf_counter() - started), replayed


# 2. The days' queues for 10,000 learners -----------------------------------------------------

QUEUE_LEARNERS, PROFILED = 10_000, 1_000
ZONES = ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Adelaide",
         "America/Sao_Paulo"]
VARIANTS = 4  # learner n has variant n % 4: 6, 9, 12 or 15 lessons started
ANSWERS_PER_CARD = 3


def variant_rows(lessons: list[Lesson], variant: int) -> dict[str, list[dict[str, Any]]]:
    """A learner's cards, answers and completions: some overdue, some due in the days ahead.

    The lessons are started in the plan's order; all but the last started are completed.
    Each question has 3 answers, the last of them on its card's last review; a few today.
    """
    started = lessons[:6 + 3 * variant]
    out: dict[str, list[dict[str, Any]]] = {"cards": [], "reviews": [], "completions": []}
    n = 0
    for k, lesson in enumerate(started):
        for q in range(QUESTIONS):
            spread = (k * QUESTIONS + q) * 7 + variant
            due = NOW + timedelta(hours=spread % 240 - 72)  # 3 days overdue to 7 days ahead
            last = min(NOW - timedelta(minutes=30), due - timedelta(days=1 + spread % 20))
            out["cards"].append({
                "variant": variant, "item_id": lesson.item_id, "question": q, "state": 2,
                "step": None, "stability": 1.0 + spread % 40, "difficulty": 3.0 + spread % 6,
                "due": due, "last_review": last, "reps": ANSWERS_PER_CARD,
                "lapses": int(spread % 3 == 0)})
            for r in range(ANSWERS_PER_CARD):
                out["reviews"].append({
                    "variant": variant, "n": n, "item_id": lesson.item_id, "question": q,
                    "revision": 1, "answer": [lesson.correct[q]], "correct": (spread + r) % 5 != 0,
                    "hinted": False, "grade": 3 if (spread + r) % 5 else 1, "response_ms": 6000,
                    "occurred_at": last - timedelta(days=3 * (ANSWERS_PER_CARD - 1 - r))})
                n += 1
        if k < len(started) - 1:
            out["completions"].append({"variant": variant, "n": k, "item_id": lesson.item_id,
                                       "revision": 1, "occurred_at": NOW - timedelta(days=60 - k)})
    return out


def seed_learners(app: Flask, org: dict[str, Any], lessons: list[Lesson]) -> list[int]:
    """10,000 learners by ``executemany``; their cards, answers and completions by one
    ``INSERT ... SELECT`` per table from temporary per-variant templates."""
    people = Person.__table__
    templates: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for variant in range(VARIANTS):
        for name, rows in variant_rows(lessons, variant).items():
            templates[name] += rows
    with app.app_context(), db.engine.begin() as conn:
        mark = conn.scalar(sa.select(sa.func.max(people.c.id))) or 0
        conn.execute(sa.insert(people), [
            {"organisation_id": org["id"], "display_name": f"Learner {n:06}",
             "role_id": org["roles"][ROLE], "future_role_id": None,
             "time_zone": ZONES[n % len(ZONES)], "locale": "en", "is_ld_admin": False,
             "user_handle": uuid.UUID(int=n).bytes * 2, "created_at": NOW}
            for n in range(QUEUE_LEARNERS)])
        md = sa.MetaData()
        variant = (people.c.id - mark - 1) % VARIANTS  # ids are handed out in order

        def copy(model: Any, name: str, computed: dict[str, Any] | None = None) -> None:
            columns = [c for c in templates[name][0] if c not in ("variant", "n")]
            table = sa.Table(f"bench_{name}", md, sa.Column("variant", sa.Integer),
                             sa.Column("n", sa.Integer),
                             *[sa.Column(c, model.__table__.c[c].type) for c in columns],
                             prefixes=["TEMPORARY"])
            table.create(conn)
            conn.execute(sa.insert(table), [{"n": 0, **r} for r in templates[name]])
            computed = computed or {}
            conn.execute(sa.insert(model.__table__).from_select(
                ["person_id", *computed, *columns],
                sa.select(people.c.id, *[f(table) for f in computed.values()],
                          *[table.c[c] for c in columns])
                .join_from(people, table, variant == table.c.variant)
                .where(people.c.id > mark)))

        copy(PracticeCard, "cards")
        def event_id(prefix: str) -> Any:
            return lambda t: (sa.literal(prefix, sa.String) + sa.cast(people.c.id, sa.String)
                              + sa.literal("-", sa.String) + sa.cast(t.c.n, sa.String))

        copy(PracticeReview, "reviews", {"id": event_id("bench-")})
        copy(LessonCompletion, "completions", {"event_id": event_id("bench-done-")})
        md.drop_all(conn)
        return list(conn.scalars(sa.select(people.c.id).where(people.c.id > mark)
                                 .order_by(people.c.id)))


def practice_bundle(app: Flask, lessons: list[Lesson]) -> dict[str, Any]:
    """What the earlier parts of the bundle give the practice part: the plan's lines (the 20
    lessons, in order), the learner's role, ratings and the role's profile."""
    return {"plan": {"lines": [{"item": f"c:{lesson.item_id}", "format": "micro_lesson"}
                               for lesson in lessons]},
            "role": ROLE,
            "ratings": {"current": [{"role": ROLE, "competency": key, "level": 2 + n % 3}
                                    for n, (key, _) in enumerate(COMPETENCIES)]},
            "profiles": {ROLE: {"competencies": [{"key": key, "name": name}
                                                 for key, name in COMPETENCIES]}}}


def queues(app: Flask, learners: list[int], bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """Each learner's practice part, in an app context (a fresh session) of its own."""
    out = []
    for person_id in learners:
        with app.app_context():
            out.append(store.bootstrap_part(db.session.get(Person, person_id), bundle))
    return out


def preloaded(app: Flask, learners: list[int], lessons: list[Lesson]
              ) -> list[tuple[str, list[rules.Scheduled], list[rules.NewLesson]]]:
    """What ``plan_days`` needs of each learner, loaded in three queries for all of them."""
    with app.app_context():
        zones = dict(db.session.execute(sa.select(Person.id, Person.time_zone)
                                        .where(Person.id.in_(learners))).all())
        keys = {lesson.item_id: lesson.key for lesson in lessons}
        scheduled: dict[int, list[rules.Scheduled]] = defaultdict(list)
        for person_id, item_id, question, due in db.session.execute(
                sa.select(PracticeCard.person_id, PracticeCard.item_id, PracticeCard.question,
                          PracticeCard.due)):
            scheduled[person_id].append(rules.Scheduled(keys[item_id], question, due))
        begun: dict[int, set[int]] = defaultdict(set)
        for person_id, item_id in db.session.execute(
                sa.select(PracticeCard.person_id, PracticeCard.item_id).distinct()):
            begun[person_id].add(item_id)
        comps = {n: COMPETENCIES[n % len(COMPETENCIES)][0] for n in range(LESSONS)}
        return [(zones[p], scheduled[p],
                 [rules.NewLesson(lesson.key, 1, comps[n], 2 + n % 3, QUESTIONS)
                  for n, lesson in enumerate(lessons) if lesson.item_id not in begun[p]])
                for p in learners]


class QueryClock:
    """Time spent in the database driver's execute, and how many statements, while on."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine, self.seconds, self.count = engine, 0.0, 0
        self._started: list[float] = []

    def __enter__(self) -> QueryClock:
        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        sa.event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *_: Any) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, *_: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, *_: Any) -> None:
        self.seconds += time.perf_counter() - self._started.pop()
        self.count += 1


PARTS = ["settings", "_started", "_current_lessons", "_plan_lessons", "_recent_answers",
         "_done_seconds", "plan_days", "scheduler", "extra_round", "_contents", "_progress",
         "_mastery", "_week", "day_start", "local_day"]


def where_the_time_goes(stats: pstats.Stats, learners: int) -> tuple[str, str]:
    """The practice part's functions by cumulative time, and the profile's top by own time."""
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = \
        stats.stats  # type: ignore[attr-defined]
    total = sum(ct for (path, _, name), (_, _, _, ct, _) in raw.items()
                if name == "bootstrap_part" and path.endswith("store/practice.py"))
    parts = []
    for part in PARTS:
        ct = sum(v[3] for (path, _, name), v in raw.items() if name == part
                 and (path.endswith("store/practice.py") or path.endswith("engine/practice.py")))
        if ct:
            parts.append(f"{part} {ct / learners * 1000:.2f} ms ({ct / total:.0%})")
    top = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:8]
    own = [f"{path.rsplit('/', 2)[-1] if '/' in path else path}:{name} "
           f"{tt / learners * 1000:.2f} ms" for (path, _, name), (_, _, tt, _, _) in top]
    return "; ".join(parts), "; ".join(own)


@pytest.mark.benchmark
def test_the_days_queues_of_10000_learners(app, org, capsys):
    lessons = practice_catalogue(app)
    started = time.perf_counter()
    learners = seed_learners(app, org, lessons)
    settle(app, Person, PracticeCard, PracticeReview, LessonCompletion)
    seeded = time.perf_counter() - started
    bundle = practice_bundle(app, lessons)

    with app.app_context():
        engine = db.engine
    queues(app, learners[:50], bundle)  # warm-up: imports, caches, the connection pool
    with QueryClock(engine) as sql:
        started = time.perf_counter()
        parts = queues(app, learners, bundle)
        elapsed = time.perf_counter() - started
    ours = len(learners) / elapsed

    inputs = preloaded(app, learners, lessons)
    started = time.perf_counter()
    planned = [rules.plan_days(NOW, tz, scheduled, new, 5) for tz, scheduled, new in inputs]
    floor = len(learners) / (time.perf_counter() - started)

    profile = cProfile.Profile()
    profile.runcall(queues, app, learners[:PROFILED], bundle)
    by_part, by_own_time = where_the_time_goes(pstats.Stats(profile), PROFILED)

    days = [p["practice"]["days"] for p in parts]
    assert all(len(d) == rules.DEFAULT_DAYS for d in days)
    assert sum(1 for d in days if d[0]["reviews"]) > len(learners) // 2
    assert all(p["practice"]["mastery"] for p in parts)
    assert [len(d) for d in planned] == [rules.DEFAULT_DAYS] * len(learners)
    entries = sum(len(day["entries"]) for d in days for day in d)
    with capsys.disabled():
        print(f"\npractice queues on {database_name(app)}, {len(learners):,} learners "
              f"(6-15 lessons started, 30-75 cards, 3 answers each; {entries:,} queue entries "
              f"over 4 days), seeded in {seeded:.1f} s: ours {ours:,.0f} learners/s "
              f"(store.bootstrap_part, an app context each, {elapsed / len(learners) * 1000:.2f} "
              f"ms per learner: SQL {sql.seconds / elapsed:.0%}, "
              f"{sql.count / len(learners):.1f} statements each), engine.plan_days alone on "
              f"preloaded cards {floor:,.0f} learners/s, ratio {ours / floor:.3f} (no goal)")
        print(f"  by part (cProfile, {PROFILED:,} learners, per learner): {by_part}")
        print(f"  top own time: {by_own_time}")
