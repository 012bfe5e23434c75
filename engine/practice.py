"""Daily practice: each started question scheduled with FSRS, a queue for today and the
next days, mastery beside the learner's own rating, and the weekly goal.

Pure and deterministic, on the ``fsrs`` package (py-fsrs, FSRS-6). The store keeps
every review as an event and each question's :class:`CardState`; the phone gets the
queue for today and the next days so that practice works offline.

The rules:

1. A review is graded from what the phone saw, never from a button the learner
   presses (:func:`grade`): wrong is *Again*; right after a hint, or slower than
   :data:`SLOW_MS`, is *Hard*; right, faster than :data:`FAST_MS` on a mature question
   (stability from :data:`MATURE_DAYS`) is *Easy*; any other right answer is *Good*.
2. Scheduling works in days (:func:`make_scheduler`): no learning steps, no fuzz, so
   replaying the same reviews always gives the same state. A late review (done
   offline on Monday, synced on Wednesday) is merged by replaying the question's
   reviews in the order they happened (:func:`replay`).
3. The learner's day is their local day (:func:`local_day`, :func:`day_start`; any
   time of it, :func:`wall_clock`), in their time zone, DST and half-hour offsets
   included; an unknown zone is UTC.
4. The queue (:func:`plan_days`): reviews due before the local day ends, most overdue
   first, then new lessons in the plan's order, never past the daily minutes. What
   does not fit waits for the next day.
5. Mastery (:func:`mastery`) is the mean of what FSRS predicts the learner recalls
   and how often they were right lately; it is only compared to the learner's rating
   (:func:`disagreement`) after :data:`MIN_ANSWERS` answers, and never changes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import IntEnum
from math import inf
from typing import Any
from zoneinfo import ZoneInfo

import fsrs

from engine.errors import N_
from engine.sync import Data, Refused, counted, only, whole

# Grading: the thresholds, in one place.
SLOW_MS = 20_000  # right but slower than this: Hard (recalled with effort)
FAST_MS = 8_000  # right and faster than this on a mature question: Easy
MATURE_DAYS = 21.0  # stability (days) from which a question is mature
MAX_RESPONSE_MS = 3_600_000  # an hour on one question is absurd: the data rules refuse it

# The queue and mastery.
REVIEW_SECONDS = 30  # what one review question costs in the daily minutes
DEFAULT_RETENTION = 0.9  # FSRS schedules a question for when recall falls to this
MIN_ANSWERS = 8  # answers a competency needs before mastery is compared to a rating
HIGHER_AT = 0.85  # mastery from which practice suggests the learner knows more than rated
LOWER_AT = 0.5  # mastery up to which practice suggests they know less than rated
DEFAULT_DAYS = 4  # today and the next three: what the phone keeps for offline practice

# card_id packs (person, item, question) into one signed 64-bit integer.
PERSON_BITS, ITEM_BITS, QUESTION_BITS = 31, 22, 10

UTC_ZONE = ZoneInfo("UTC")


class Grade(IntEnum):
    """How well a question was recalled; the values are ``fsrs.Rating``'s."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


def grade(correct: bool, hinted: bool, response_ms: int, stability: float | None) -> Grade:
    """The grade of one answer, from what happened rather than a self-judgement.

    A learner on a shop floor will not weigh "hard" against "good"; the phone knows
    whether they were right, took a hint and how long they took. Easy needs a mature
    question (``stability`` in days, None when never reviewed): a fast right answer on
    a new question says little, and Easy would push it weeks away.

    Args:
        correct: Whether the answer was right.
        hinted: Whether the learner opened a hint first.
        response_ms: How long the answer took, in milliseconds.
        stability: The question's FSRS stability before this review.

    Raises:
        ValueError: ``response_ms`` is negative or over :data:`MAX_RESPONSE_MS`.
    """
    if not 0 <= response_ms <= MAX_RESPONSE_MS:
        raise ValueError(f"response_ms must be 0..{MAX_RESPONSE_MS}, got {response_ms}")
    if not correct:
        return Grade.AGAIN
    if hinted or response_ms > SLOW_MS:
        return Grade.HARD
    if response_ms < FAST_MS and stability is not None and stability >= MATURE_DAYS:
        return Grade.EASY
    return Grade.GOOD


def make_scheduler(parameters: Sequence[float] | None = None,
                   desired_retention: float = DEFAULT_RETENTION) -> fsrs.Scheduler:
    """The FSRS scheduler for an organisation (its fitted ``parameters``, or FSRS' own).

    Fuzzing is off because fsrs draws it from the global ``random``: replaying the
    same reviews must give the same state, on every server and every sync. Learning
    and relearning steps are off because practice is daily: a steps scheduler would
    make a new or forgotten question due again in 1 or 10 minutes, which a daily queue
    cannot show and the learner on a break would never see; without steps every review
    schedules the question a whole number of days ahead (at least one).

    Args:
        parameters: FSRS-6's 21 weights; None for fsrs' defaults.
        desired_retention: The recall probability at which a question falls due.

    Raises:
        ValueError: A weight is out of fsrs' bounds, or there are not 21.
    """
    return fsrs.Scheduler(
        parameters=fsrs.scheduler.DEFAULT_PARAMETERS if parameters is None else parameters,
        desired_retention=desired_retention,
        learning_steps=(),
        relearning_steps=(),
        enable_fuzzing=False,
    )


def card_id(person_id: int, item_id: int, question: int) -> int:
    """A question's card id for one learner: the same triple always gives the same id.

    fsrs' ``Card()`` without an id takes the clock's milliseconds and sleeps 1 ms to
    keep them apart; ours is the three numbers side by side in one signed 64-bit
    integer (31 + 22 + 10 bits), so distinct triples never share an id.

    Raises:
        ValueError: A number is negative or too large to pack (person 2**31, item
            2**22, question 2**10).
    """
    if not (0 <= person_id < _PERSONS and 0 <= item_id < _ITEMS and 0 <= question < _QUESTIONS):
        for name, value, bits in (("person_id", person_id, PERSON_BITS),
                                  ("item_id", item_id, ITEM_BITS),
                                  ("question", question, QUESTION_BITS)):
            if not 0 <= value < 1 << bits:
                raise ValueError(f"{name} must be 0..{(1 << bits) - 1}, got {value}")
    return (person_id << (ITEM_BITS + QUESTION_BITS)) | (item_id << QUESTION_BITS) | question


_PERSONS, _ITEMS, _QUESTIONS = 1 << PERSON_BITS, 1 << ITEM_BITS, 1 << QUESTION_BITS


@dataclass(frozen=True)
class Review:
    """One answer to one question, as the event told it (``occurred_at`` aware, UTC)."""

    occurred_at: datetime
    grade: Grade
    response_ms: int
    event_id: str


@dataclass(frozen=True)
class CardState:
    """A question's FSRS state for one learner, after all its reviews so far.

    The first seven fields are fsrs' ``Card`` (``state`` a ``fsrs.State`` value);
    ``reps`` counts the reviews and ``lapses`` the times a question already learned
    was forgotten.
    """

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int = 0
    lapses: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "step": self.step, "stability": self.stability,
                "difficulty": self.difficulty, "due": self.due.isoformat(),
                "last_review": self.last_review.isoformat() if self.last_review else None,
                "reps": self.reps, "lapses": self.lapses}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CardState:
        """The state :meth:`to_dict` gave (a stability of 0.0 stays 0.0, unlike fsrs')."""
        last = d.get("last_review")
        return cls(
            state=int(d["state"]),
            step=None if d.get("step") is None else int(d["step"]),
            stability=None if d.get("stability") is None else float(d["stability"]),
            difficulty=None if d.get("difficulty") is None else float(d["difficulty"]),
            due=_utc(datetime.fromisoformat(d["due"])),
            last_review=None if last is None else _utc(datetime.fromisoformat(last)),
            reps=int(d.get("reps", 0)), lapses=int(d.get("lapses", 0)))

    @property
    def started(self) -> bool:
        """Whether the question was ever reviewed."""
        return self.last_review is not None


def _utc(moment: datetime) -> datetime:
    """``moment`` in ``datetime.UTC``: fsrs refuses any other tzinfo, even ZoneInfo('UTC')."""
    if moment.tzinfo is UTC:  # as the database and the sync give every time
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a time must be timezone-aware, got {moment!r}")
    return moment.astimezone(UTC)


def _card(state: CardState, card_id: int) -> fsrs.Card:
    return fsrs.Card(card_id=card_id, state=_fsrs_state(state.state), step=state.step,
                     stability=state.stability, difficulty=state.difficulty,
                     due=state.due, last_review=state.last_review)


# fsrs' states and ratings by value: a look-up, where calling the enum costs a microsecond
# on every answer synced.
_STATES = {s.value: s for s in fsrs.State}
_RATINGS = {r.value: r for r in fsrs.Rating}


def _fsrs_state(value: int) -> fsrs.State:
    found = _STATES.get(value)
    return found if found is not None else fsrs.State(value)  # refused as fsrs refuses it


def review(state: CardState | None, r: Review, *, card_id: int,
           scheduler: fsrs.Scheduler) -> CardState:
    """``state`` after one more review, ``r``, which happened after those already in it.

    Only for a review that sorts last: one earlier than the state's last review is
    refused, and one at the same instant is ordered by event id, which the state does
    not keep, so the caller replays on a tie too (:func:`replay` is always right;
    this is the cheap path for the usual, in-order case).

    Args:
        state: The question's state so far; None for a question never reviewed.
        r: The review.
        card_id: The question's :func:`card_id` (fsrs' own default sleeps and reads
            the clock).
        scheduler: The organisation's :func:`make_scheduler`.

    Raises:
        ValueError: ``r`` happened before the state's last review (the caller must
            :func:`replay` instead), or its time is naive.
    """
    when = _utc(r.occurred_at)
    if state is None:
        card = fsrs.Card(card_id=card_id, due=when)
        reps, lapses, before = 0, 0, None
    else:
        if state.last_review is not None and when < state.last_review:
            raise ValueError("a review earlier than the last one: replay the question")
        card = _card(state, card_id)
        reps, lapses, before = state.reps, state.lapses, card.state
    rating = _RATINGS.get(r.grade)
    if rating is None:
        rating = fsrs.Rating(int(r.grade))  # refused as fsrs refuses it
    after, _ = scheduler.review_card(card, rating, review_datetime=when,
                                     review_duration=r.response_ms)
    lapsed = r.grade == Grade.AGAIN and before == fsrs.State.Review
    return CardState(state=int(after.state), step=after.step, stability=after.stability,
                     difficulty=after.difficulty, due=after.due,
                     last_review=after.last_review, reps=reps + 1,
                     lapses=lapses + (1 if lapsed else 0))


def _order(r: Review) -> tuple[datetime, str, int, int]:
    # The whole review is the key: even two events sharing a time and an id sort one way.
    return (_utc(r.occurred_at), r.event_id, int(r.grade), r.response_ms)


def replay(reviews: Iterable[Review], *, card_id: int,
           scheduler: fsrs.Scheduler) -> CardState | None:
    """A question's state from all its reviews, applied in the order they happened.

    This is how a late review is merged: the sync calls it with every review of the
    question, in whatever order they arrived, and gets what it would have had if they
    had arrived in time. Ties in time are ordered by event id, so any order of the
    input gives the same state.

    Returns:
        The state, or None when there are no reviews.
    """
    state: CardState | None = None
    for r in sorted(reviews, key=_order):
        state = review(state, r, card_id=card_id, scheduler=scheduler)
    return state


def retrievability(state: CardState, now: datetime, scheduler: fsrs.Scheduler) -> float:
    """The probability, per FSRS, that the learner recalls the question at ``now``.

    As in fsrs, elapsed time counts in whole days: a question reviewed today is
    at 1.0 until a full day has passed. A question never reviewed is at 0.0.
    """
    if state.last_review is None or state.stability is None:
        return 0.0
    return float(scheduler.get_card_retrievability(_card(state, 0), current_datetime=_utc(now)))


# The learner's day.

def zone(name: str | None) -> ZoneInfo:
    """The time zone called ``name``; UTC for None, an unknown or an invalid name.

    A person's zone comes from their phone; a bad one must not stop their practice,
    and UTC is the one guess that is never more than 14 hours wrong.
    """
    if not isinstance(name, str) or not name:
        return UTC_ZONE
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # not found, malformed, a folder, too long
        return UTC_ZONE


def local_day(now: datetime, tz: str | None) -> date:
    """The learner's date at ``now`` in their zone ``tz``."""
    return _utc(now).astimezone(zone(tz)).date()


def day_start(day: date, tz: str | None) -> datetime:
    """The first instant (aware, UTC) of the local ``day`` in zone ``tz``.

    Usually local midnight. Where midnight does not exist (America/Santiago and
    America/Havana spring forward at 00:00) it is the first instant that does, the
    moment the clocks jump; where midnight happens twice, the first. A local day
    skipped altogether (Pacific/Apia, 30 December 2011) begins and ends when the next
    one begins.
    """
    return wall_clock(day, time(), zone(tz))


def as_of(now: datetime, tz: str | None) -> datetime:
    """The instant a learner's bootstrap bundle is built as of at ``now``: the start of
    the hour, or of their local day if that began later in the hour (an offset of half
    an hour, a clock change).

    What the bundle computes from the time (retrievability, the optional extra round,
    the usual practice time) is computed for this instant, and the bundle's ETag holds
    it: within the hour the same stored data gives the same bundle, byte for byte, and a
    new hour or a new local day is a new one. Today is the same day at both instants.
    """
    hour = _utc(now).replace(minute=0, second=0, microsecond=0)
    return max(hour, day_start(local_day(now, tz), tz))


def wall_clock(day: date, at: time, z: tzinfo) -> datetime:
    """The first instant (aware, UTC) at which the clock on the wall in ``z`` reads ``at``
    on ``day``, or later.

    One rule for every day: usually the one instant that reads ``at``; where ``at``
    happens twice (the clocks go back), the first; where it never happens (the clocks
    jump over it), the moment of the jump, the first valid instant after it. A local
    day skipped altogether gives the first instant of the day after. Reminders and
    the start of the learner's day both need it, so it lives here, once.

    Args:
        day: The local date.
        at: The local time of day (naive; its ``fold`` is ignored).
        z: The zone (:func:`zone` gives one from a name).
    """
    if at.tzinfo is not None or at.fold:
        at = at.replace(fold=0, tzinfo=None)
    local = datetime.combine(day, at, tzinfo=z)
    a, b = local.astimezone(UTC), local.replace(fold=1).astimezone(UTC)
    if a == b:  # the usual case: the time happens once
        return a
    wall = datetime.combine(day, at)
    low, high = (a, b) if a <= b else (b, a)

    def reached(moment: datetime) -> bool:
        return moment.astimezone(z).replace(tzinfo=None) >= wall

    if reached(low):
        return low
    # A gap: the answer is the transition, between the two readings of the wall time.
    # Transitions fall on whole seconds: search for the first second that reads ``at``.
    lo, hi = int(low.timestamp()), int(high.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if reached(datetime.fromtimestamp(mid, UTC)):
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def day_end(day: date, tz: str | None) -> datetime:
    """The instant the local ``day`` ends: the next one's :func:`day_start`."""
    return day_start(day + timedelta(days=1), tz)


# The queue.

@dataclass(frozen=True)
class Scheduled:
    """A started question and when it is due next."""

    item_key: str
    question: int
    due: datetime


@dataclass(frozen=True)
class NewLesson:
    """A lesson not started yet; :func:`plan_days` takes them in the plan's order."""

    item_key: str
    revision: int
    competency_key: str
    minutes: int
    questions: int


@dataclass(frozen=True)
class Entry:
    """One line of a day's queue: a review of a question, or a new lesson."""

    kind: str  # "review" or "lesson"
    item_key: str
    revision: int | None  # a lesson's revision
    question: int | None  # a review's question
    seconds: int
    due: datetime | None  # a review's due time

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "item_key": self.item_key, "revision": self.revision,
                "question": self.question, "seconds": self.seconds,
                "due": self.due.isoformat() if self.due else None}


@dataclass(frozen=True)
class Day:
    """A local day's queue and what it costs, in seconds."""

    day: date
    entries: tuple[Entry, ...]
    seconds: int

    @property
    def reviews(self) -> int:
        return sum(1 for e in self.entries if e.kind == "review")

    @property
    def lessons(self) -> int:
        return sum(1 for e in self.entries if e.kind == "lesson")

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "entries": [e.to_dict() for e in self.entries],
                "seconds": self.seconds, "reviews": self.reviews, "lessons": self.lessons}


def plan_days(now: datetime, tz: str | None, scheduled: Sequence[Scheduled],
              lessons: Sequence[NewLesson], daily_minutes: int, *, done_seconds: int = 0,
              days: int = DEFAULT_DAYS) -> tuple[Day, ...]:
    """The practice queue for today and the next ``days - 1`` local days.

    Reviews come first because a question past due is being forgotten; the most
    overdue first, since it is the furthest gone. New lessons follow in the plan's
    order; one that does not fit what is left of the day is skipped for a shorter
    one after it, and offered again the next day. A day never asks for more than
    the learner's daily minutes (today: less what they already practised,
    ``done_seconds``). A review that does not fit today is still due tomorrow.

    The next days assume the days before were done as queued: a question or lesson
    queued once is not queued again (when a review is done, FSRS gives its next due
    date, which the next sync brings).

    Args:
        now: The current instant (aware).
        tz: The learner's time zone (:func:`zone`).
        scheduled: Started questions and their due times (a question given twice
            counts once, at its earlier due time).
        lessons: New lessons in the plan's priority order.
        daily_minutes: The learner's minutes a day.
        done_seconds: What they practised today already.
        days: How many days to queue, today included.
    """
    today = local_day(now, tz)
    earliest: dict[tuple[str, int], datetime] = {}
    for s in scheduled:
        key, due = (s.item_key, s.question), _utc(s.due)
        if key not in earliest or due < earliest[key]:
            earliest[key] = due
    waiting = sorted(earliest.items(), key=lambda kv: (kv[1], kv[0]))
    offered = list(lessons)
    out: list[Day] = []
    for n in range(days):
        day = today + timedelta(days=n)
        end = day_end(day, tz)
        left = max(0, daily_minutes * 60 - (done_seconds if n == 0 else 0))
        entries: list[Entry] = []
        rest: list[tuple[tuple[str, int], datetime]] = []
        for (item_key, question), due in waiting:
            if due < end and left >= REVIEW_SECONDS:
                entries.append(Entry("review", item_key, None, question, REVIEW_SECONDS, due))
                left -= REVIEW_SECONDS
            else:
                rest.append(((item_key, question), due))
        waiting = rest
        later: list[NewLesson] = []
        for lesson in offered:
            cost = max(0, lesson.minutes) * 60
            if cost <= left:
                entries.append(Entry("lesson", lesson.item_key, lesson.revision, None, cost,
                                     None))
                left -= cost
            else:
                later.append(lesson)
        offered = later
        out.append(Day(day, tuple(entries), sum(e.seconds for e in entries)))
    return tuple(out)


def extra_round(now: datetime, states: Sequence[tuple[str, int, CardState]],
                scheduler: fsrs.Scheduler, minutes: int) -> tuple[Entry, ...]:
    """An optional round for a day with nothing due: the questions closest to forgotten.

    Started questions not due yet (due after ``now``), lowest retrievability first
    (ties: the earlier due, then item and question), as many as ``minutes`` hold.
    Reviewing early is harmless to FSRS: the review counts with the time it happened.

    Args:
        states: ``(item_key, question, state)`` of the learner's questions.
    """
    at = _utc(now)
    ranked = sorted(((retrievability(s, at, scheduler), s.due, key, q)
                     for key, q, s in states if s.started and s.due > at),
                    key=lambda t: (t[0], t[1], t[2], t[3]))
    room = max(0, minutes * 60) // REVIEW_SECONDS
    return tuple(Entry("review", key, None, q, REVIEW_SECONDS, due)
                 for _, due, key, q in ranked[:room])


# Mastery and the weekly goal.

@dataclass(frozen=True)
class Answer:
    """One answer in a competency's practice: when, and whether it was right."""

    occurred_at: datetime
    correct: bool


@dataclass(frozen=True)
class Mastery:
    """How well practice says a competency is known (each part 0..1, None if unknown)."""

    competency_key: str
    value: float | None
    retrievability: float | None
    accuracy: float | None
    answers: int

    def to_dict(self) -> dict[str, Any]:
        return {"competency_key": self.competency_key, "value": self.value,
                "retrievability": self.retrievability, "accuracy": self.accuracy,
                "answers": self.answers}


def mastery(competency_key: str, states: Sequence[CardState], answers: Sequence[Answer],
            now: datetime, scheduler: fsrs.Scheduler, *, recent: int = 20) -> Mastery:
    """A competency's mastery: what FSRS predicts is recalled now, and recent accuracy.

    Retrievability looks ahead (it falls as time passes without practice); accuracy
    looks back at the ``recent`` latest answers (so early mistakes stop counting).
    Their mean is the value; either alone when the other is unknown.

    Args:
        states: The states of the competency's questions; those never reviewed do
            not count.
        answers: Every answer in the competency's practice.
        now: The current instant.
        recent: How many of the latest answers the accuracy counts.
    """
    started = [s for s in states if s.started]
    r = (sum(retrievability(s, now, scheduler) for s in started) / len(started)
         if started else None)
    latest = sorted(answers, key=lambda a: (_utc(a.occurred_at), a.correct))[-recent:] \
        if recent > 0 else []
    accuracy = sum(1 for a in latest if a.correct) / len(latest) if latest else None
    known = [v for v in (r, accuracy) if v is not None]
    value = sum(known) / len(known) if known else None
    return Mastery(competency_key, value, r, accuracy, len(answers))


def disagreement(m: Mastery, self_rating: int | None, level_to: int) -> str | None:
    """Whether practice and the learner's rating tell different stories.

    ``"higher"``: practice is strong (value from :data:`HIGHER_AT`) while the learner
    rated themselves below ``level_to``, the level their practice builds toward;
    ``"lower"``: practice is weak (value up to :data:`LOWER_AT`) while they rated
    themselves at or above it. Both need :data:`MIN_ANSWERS` answers: a handful says
    too little to question anyone. The rating is the learner's and stays theirs:
    the app only asks whether they want to look at it again.

    Returns:
        ``"higher"``, ``"lower"`` or None (also without a rating or a value).
    """
    if self_rating is None or m.value is None or m.answers < MIN_ANSWERS:
        return None
    if m.value >= HIGHER_AT and self_rating < level_to:
        return "higher"
    if m.value <= LOWER_AT and self_rating >= level_to:
        return "lower"
    return None


@dataclass(frozen=True)
class Week:
    """The learner's local week (from Monday ``start``) against their goal in days."""

    start: date
    days_practised: int
    goal: int
    met: bool

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "days_practised": self.days_practised,
                "goal": self.goal, "met": self.met}


def week(now: datetime, tz: str | None, practised: Iterable[date], goal: int) -> Week:
    """This local week's practice: the days practised since Monday against ``goal``.

    Args:
        now: The current instant.
        tz: The learner's time zone: the week turns at their Monday midnight.
        practised: Local dates on which the learner practised (any, repeats allowed).
        goal: Days a week the learner aims for.
    """
    today = local_day(now, tz)
    start = today - timedelta(days=today.weekday())
    end = start + timedelta(days=7)
    count = len({d for d in practised if start <= d < end})
    return Week(start, count, goal, count >= goal)


# The events of practice --------------------------------------------------------------------

MAX_QUESTIONS = 1000  # a question's place in its lesson is below this
MAX_ITEM_KEY = 80  # an item's key, as the catalogue makes it
MAX_OPTIONS = 100


@dataclass(frozen=True)
class ReviewedData(Data):
    """A ``card.reviewed``: one answer to question ``question`` (its place, from 0) of a
    lesson's revision, the options chosen, how the phone judged and graded it."""

    item: str
    revision: int
    question: int
    answer: tuple[int, ...]
    correct: bool
    hinted: bool
    grade: int
    response_ms: int

    def to_dict(self) -> dict[str, Any]:
        # Every answer synced is stored as this: written out, not walked field by field.
        return {"item": self.item, "revision": self.revision, "question": self.question,
                "answer": list(self.answer), "correct": self.correct, "hinted": self.hinted,
                "grade": self.grade, "response_ms": self.response_ms}


@dataclass(frozen=True)
class CompletedData(Data):
    """A ``lesson.completed``: the learner went through a lesson's revision to its end."""

    item: str
    revision: int


def _lesson_ref(data: dict[str, Any]) -> tuple[str, int]:
    item, revision = data.get("item"), data.get("revision")
    if not isinstance(item, str) or not item or len(item) > MAX_ITEM_KEY:
        raise Refused("invalid_data", N_("A practice event names its lesson."))
    if not counted(revision):
        raise Refused("invalid_data", N_("A practice event names the lesson's revision."))
    return item, revision


_REVIEWED_FIELDS = frozenset({"item", "revision", "question", "answer", "correct", "hinted",
                              "grade", "response_ms"})
_GRADES = frozenset(g.value for g in Grade)


def reviewed_data(data: dict[str, Any]) -> ReviewedData:
    """``card.reviewed``: a right answer has a grade from Hard to Easy, a wrong one Again."""
    only(data, _REVIEWED_FIELDS)
    item, revision = _lesson_ref(data)
    question, answer = data.get("question"), data.get("answer")
    if not whole(question) or not 0 <= question < MAX_QUESTIONS:
        raise Refused("invalid_data", N_("An answer names its question by place, from 0."))
    if not isinstance(answer, list) or not answer or len(answer) > MAX_OPTIONS or any(
            not whole(a) or not 0 <= a < MAX_OPTIONS for a in answer) or \
            len(set(answer)) != len(answer):
        raise Refused("invalid_data", N_("An answer is the list of options chosen, each once."))
    correct, hinted = data.get("correct"), data.get("hinted", False)
    if not isinstance(correct, bool) or not isinstance(hinted, bool):
        raise Refused("invalid_data", N_("Whether the answer was right, and whether a hint was "
                                         "seen, are true or false."))
    grade_, ms = data.get("grade"), data.get("response_ms")
    if not whole(grade_) or grade_ not in _GRADES:
        raise Refused("invalid_grade", N_("A grade is 1 (Again), 2 (Hard), 3 (Good) or "
                                          "4 (Easy)."))
    if correct != (grade_ != Grade.AGAIN):
        raise Refused("invalid_grade", N_("A wrong answer is graded Again, a right one Hard, "
                                          "Good or Easy."))
    if not whole(ms) or not 0 <= ms <= MAX_RESPONSE_MS:
        raise Refused("invalid_data", N_("A response time is a whole number of milliseconds "
                                         "from 0 to %(limit)s."), limit=MAX_RESPONSE_MS)
    # The grade follows from the answer (:func:`grade`), not from a button: of a right one,
    # only whether the question was mature is the phone's to know (its own view of the
    # question's stability, offline), so Good and Easy are both taken for a fast answer.
    if correct and grade_ not in {grade(True, hinted, ms, None), grade(True, hinted, ms, inf)}:
        raise Refused("invalid_grade", N_("A right answer after a hint or slower than %(slow)s "
                                          "seconds is graded Hard; Easy needs one faster than "
                                          "%(fast)s seconds; any other is Good."),
                      slow=SLOW_MS // 1000, fast=FAST_MS // 1000)
    return ReviewedData(item, revision, question, tuple(answer), correct, hinted, grade_, ms)


def completed_data(data: dict[str, Any]) -> CompletedData:
    """``lesson.completed``: the lesson and its revision."""
    only(data, {"item", "revision"})
    return CompletedData(*_lesson_ref(data))
