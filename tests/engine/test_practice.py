"""Golden tests of daily practice (engine/practice.py), each worked out by hand from the rule.

Every time is fixed: nothing here depends on today's date.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import fsrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.practice import (
    FAST_MS,
    MATURE_DAYS,
    MAX_RESPONSE_MS,
    MIN_ANSWERS,
    REVIEW_SECONDS,
    SLOW_MS,
    Answer,
    CardState,
    Day,
    Entry,
    Grade,
    Mastery,
    NewLesson,
    Review,
    Scheduled,
    as_of,
    card_id,
    day_end,
    day_start,
    disagreement,
    extra_round,
    grade,
    local_day,
    make_scheduler,
    mastery,
    plan_days,
    replay,
    retrievability,
    review,
    wall_clock,
    week,
    zone,
)

T0 = datetime(2024, 6, 3, 7, 15, tzinfo=UTC)  # a Monday morning
W = fsrs.scheduler.DEFAULT_PARAMETERS
SCHEDULER = make_scheduler()
CARD = card_id(12, 345, 2)


def at(days: float = 0, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


def rev(when: datetime, g: Grade, event_id: str = "e", ms: int = 5_000) -> Review:
    return Review(when, g, ms, event_id)


def run(*reviews: Review) -> CardState:
    state: CardState | None = None
    for r in reviews:
        state = review(state, r, card_id=CARD, scheduler=SCHEDULER)
    assert state is not None
    return state


# Grading


def test_grade_values_are_fsrs_ratings():
    assert [int(g) for g in Grade] == [int(r) for r in fsrs.Rating] == [1, 2, 3, 4]


@pytest.mark.parametrize("correct, hinted, ms, stability, expected", [
    # Wrong is Again, however fast, hinted or mature.
    (False, False, 1_000, 100.0, Grade.AGAIN),
    (False, True, 30_000, None, Grade.AGAIN),
    # Right after a hint is Hard, even fast on a mature question.
    (True, True, 1_000, 100.0, Grade.HARD),
    # Slower than SLOW_MS is Hard; SLOW_MS itself is not slower.
    (True, False, SLOW_MS + 1, 100.0, Grade.HARD),
    (True, False, SLOW_MS, 100.0, Grade.GOOD),
    # Fast (under FAST_MS) and mature (stability from MATURE_DAYS) is Easy.
    (True, False, FAST_MS - 1, MATURE_DAYS, Grade.EASY),
    (True, False, 0, 400.0, Grade.EASY),
    (True, False, FAST_MS, MATURE_DAYS, Grade.GOOD),  # FAST_MS itself is not faster
    (True, False, FAST_MS - 1, MATURE_DAYS - 0.01, Grade.GOOD),  # not quite mature
    (True, False, 1_000, None, Grade.GOOD),  # never reviewed: not mature
    (True, False, 12_000, 50.0, Grade.GOOD),  # between the two thresholds
])
def test_grade_maps_each_branch(correct, hinted, ms, stability, expected):
    assert grade(correct, hinted, ms, stability) is expected


def test_grade_refuses_an_absurd_response_time():
    assert grade(True, False, MAX_RESPONSE_MS, None) is Grade.HARD
    for ms in (-1, MAX_RESPONSE_MS + 1):
        with pytest.raises(ValueError):
            grade(True, False, ms, None)


# The scheduler and card ids


def test_the_scheduler_works_in_days_without_fuzz():
    s = make_scheduler()
    assert (s.enable_fuzzing, s.learning_steps, s.relearning_steps) == (False, (), ())
    assert s.parameters == tuple(W) and s.desired_retention == 0.9
    fitted = list(W)
    fitted[2] = 3.0
    s = make_scheduler(fitted, desired_retention=0.85)
    assert s.parameters[2] == 3.0 and s.desired_retention == 0.85
    with pytest.raises(ValueError):
        make_scheduler(W[:19])


def test_card_id_packs_the_triple_into_a_signed_64_bit_integer():
    assert card_id(0, 0, 0) == 0
    assert card_id(0, 0, 1) == 1
    assert card_id(0, 1, 0) == 2 ** 10
    assert card_id(1, 0, 0) == 2 ** 32
    assert card_id(2 ** 31 - 1, 2 ** 22 - 1, 2 ** 10 - 1) == 2 ** 63 - 1
    for bad in ((-1, 0, 0), (2 ** 31, 0, 0), (0, 2 ** 22, 0), (0, 0, 2 ** 10)):
        with pytest.raises(ValueError):
            card_id(*bad)


TRIPLES = st.tuples(st.integers(0, 2 ** 31 - 1), st.integers(0, 2 ** 22 - 1),
                    st.integers(0, 2 ** 10 - 1))


@given(TRIPLES, TRIPLES)
def test_distinct_triples_have_distinct_card_ids(a, b):
    assert (card_id(*a) == card_id(*b)) == (a == b)
    assert 0 <= card_id(*a) < 2 ** 63


# Reviews, by hand from FSRS-6 at retention 0.9: the interval is the stability in days,
# rounded, at least one (the retention's factor cancels out); a first review's stability
# is w[grade - 1] and its difficulty w4 - e^(w5 (grade - 1)) + 1.


@pytest.mark.parametrize("g, stability, days", [
    (Grade.AGAIN, 0.212, 1), (Grade.HARD, 1.2931, 1), (Grade.GOOD, 2.3065, 2),
    (Grade.EASY, 8.2956, 8)])
def test_a_first_review_schedules_whole_days_ahead(g, stability, days):
    s = run(rev(T0, g))
    assert s.stability == pytest.approx(stability)
    assert s.difficulty == pytest.approx(min(10.0, max(1.0, W[4] - math.exp(W[5] * (g - 1)) + 1)))
    assert (s.state, s.step) == (fsrs.State.Review, None)  # no learning steps
    assert (s.due, s.last_review) == (T0 + timedelta(days=days), T0)
    assert (s.reps, s.lapses) == (1, 0)  # a first Again is no lapse: nothing was learned


def test_forgetting_a_learned_question_is_a_lapse_and_still_days_ahead():
    s = run(rev(T0, Grade.GOOD), rev(at(2), Grade.AGAIN))
    assert (s.reps, s.lapses, s.state, s.step) == (2, 1, fsrs.State.Review, None)
    assert s.due >= at(3)  # no relearning step minutes later
    assert s.stability is not None and s.stability < 2.3065
    s = run(rev(T0, Grade.GOOD), rev(at(2), Grade.AGAIN), rev(at(3), Grade.AGAIN))
    assert (s.reps, s.lapses) == (3, 2)


SEQUENCE = [(at(0), Grade.GOOD), (at(2), Grade.GOOD), (at(2, 3), Grade.HARD),
            (at(9), Grade.AGAIN), (at(10), Grade.GOOD), (at(40), Grade.EASY),
            (at(41, 0.5), Grade.AGAIN)]


def test_reviews_in_order_equal_bare_fsrs_field_for_field():
    bare = fsrs.Scheduler(enable_fuzzing=False, learning_steps=(), relearning_steps=())
    card = fsrs.Card(card_id=CARD, due=T0)
    state: CardState | None = None
    for i, (when, g) in enumerate(SEQUENCE):
        card, _ = bare.review_card(card, fsrs.Rating(g), review_datetime=when,
                                   review_duration=4_000)
        state = review(state, rev(when, g, f"e{i}", 4_000), card_id=CARD, scheduler=SCHEDULER)
        assert (state.state, state.step, state.stability, state.difficulty, state.due,
                state.last_review) == (card.state.value, card.step, card.stability,
                                       card.difficulty, card.due, card.last_review)
    assert state is not None and (state.reps, state.lapses) == (7, 2)
    reviews = [rev(when, g, f"e{i}", 4_000) for i, (when, g) in enumerate(SEQUENCE)]
    assert replay(reversed(reviews), card_id=CARD, scheduler=SCHEDULER) == state


def test_a_late_review_is_refused_by_review_and_merged_by_replay():
    monday, wednesday = rev(at(0), Grade.GOOD, "b"), rev(at(2), Grade.HARD, "a")
    late = rev(at(1), Grade.AGAIN, "c")
    with pytest.raises(ValueError, match="replay"):
        review(run(monday, wednesday), late, card_id=CARD, scheduler=SCHEDULER)
    assert replay([monday, wednesday, late], card_id=CARD, scheduler=SCHEDULER) == \
        run(monday, late, wednesday)
    # Two reviews at the same instant: the event id orders them.
    tie = rev(at(2), Grade.AGAIN, "0")
    assert replay([wednesday, monday, tie], card_id=CARD, scheduler=SCHEDULER) == \
        run(monday, tie, wednesday)


def test_replay_of_nothing_is_none():
    assert replay([], card_id=CARD, scheduler=SCHEDULER) is None


def test_times_must_be_aware_and_any_utc_zone_will_do():
    with pytest.raises(ValueError):
        run(rev(datetime(2024, 6, 3, 7, 15), Grade.GOOD))
    # fsrs itself refuses ZoneInfo("UTC") and every other zone; ours converts.
    in_kolkata = T0.astimezone(ZoneInfo("Asia/Kolkata"))
    assert run(rev(T0.astimezone(ZoneInfo("UTC")), Grade.GOOD)) == run(rev(T0, Grade.GOOD))
    assert run(rev(in_kolkata, Grade.GOOD)).last_review == T0


@st.composite
def histories(draw):
    n = draw(st.integers(1, 8))
    minutes = st.one_of(st.sampled_from([0, 60 * 24, 60 * 24 * 3]),  # ties in time
                        st.integers(0, 60 * 24 * 90))
    times = draw(st.lists(minutes, min_size=n, max_size=n))
    ids = draw(st.lists(st.text("abcdef", min_size=1, max_size=3), min_size=n, max_size=n,
                        unique=True))
    grades = draw(st.lists(st.sampled_from(Grade), min_size=n, max_size=n))
    return [rev(T0 + timedelta(minutes=m), g, i, 1_000)
            for m, g, i in zip(times, grades, ids, strict=True)]


@given(histories(), st.data())
def test_replay_of_any_permutation_is_the_state_in_order(reviews, data):
    in_order = run(*sorted(reviews, key=lambda r: (r.occurred_at, r.event_id)))
    shuffled = data.draw(st.permutations(reviews))
    assert replay(shuffled, card_id=CARD, scheduler=SCHEDULER) == in_order


def test_a_state_survives_its_dict():
    s = run(rev(T0, Grade.GOOD), rev(at(3), Grade.AGAIN))
    d = s.to_dict()
    assert d["due"] == s.due.isoformat() and d["last_review"] == "2024-06-06T07:15:00+00:00"
    assert CardState.from_dict(d) == s
    zero = CardState(2, None, 0.0, 0.0, T0, None)
    assert CardState.from_dict(zero.to_dict()) == zero  # fsrs' from_dict makes 0.0 None


def test_retrievability_is_what_fsrs_predicts_in_whole_days():
    fresh = CardState(1, 0, None, None, T0, None)
    assert retrievability(fresh, at(5), SCHEDULER) == 0.0
    learned = CardState(2, None, 2.0, 5.0, at(2), T0, reps=1)
    assert retrievability(learned, T0, SCHEDULER) == 1.0
    # By FSRS' definition, recall falls to 90% when the days elapsed equal the stability.
    assert retrievability(learned, at(2), SCHEDULER) == pytest.approx(0.9)
    assert retrievability(learned, at(1, 23), SCHEDULER) == retrievability(learned, at(1),
                                                                          SCHEDULER)
    assert 0 < retrievability(learned, at(30), SCHEDULER) < 0.9


# The learner's day


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("name", [None, "", "Nowhere/Land", "../etc/passwd", "America",
                                  "UTC\x00", "x" * 300])
def test_an_unknown_or_invalid_zone_is_utc(name):
    assert zone(name) == ZoneInfo("UTC")
    assert day_start(date(2024, 3, 10), name) == utc(2024, 3, 10)


def test_the_same_instant_is_three_dates_from_minus_12_to_plus_14():
    instant = utc(2024, 6, 15, 11, 30)
    assert local_day(instant, "Etc/GMT+12") == date(2024, 6, 14)  # 23:30 on the 14th
    assert local_day(instant, "UTC") == date(2024, 6, 15)
    assert local_day(instant, "Pacific/Kiritimati") == date(2024, 6, 16)  # 01:30 on the 16th
    assert day_start(date(2024, 6, 15), "Etc/GMT+12") == utc(2024, 6, 15, 12)
    assert day_start(date(2024, 6, 15), "Pacific/Kiritimati") == utc(2024, 6, 14, 10)


@pytest.mark.parametrize("tz, day, start, hours", [
    # New York springs forward (23 h) and falls back (25 h) at 02:00.
    ("America/New_York", date(2024, 3, 10), utc(2024, 3, 10, 5), 23),
    ("America/New_York", date(2024, 11, 3), utc(2024, 11, 3, 4), 25),
    ("America/New_York", date(2024, 6, 12), utc(2024, 6, 12, 4), 24),
    # Half-hour and quarter-hour zones.
    ("Asia/Kolkata", date(2024, 6, 12), utc(2024, 6, 11, 18, 30), 24),
    ("Asia/Kathmandu", date(2024, 6, 12), utc(2024, 6, 11, 18, 15), 24),
    # Adelaide, +9:30 and +10:30 in summer: 2:00 -> 3:00 on 6 October, back on 7 April.
    ("Australia/Adelaide", date(2024, 10, 6), utc(2024, 10, 5, 14, 30), 23),
    ("Australia/Adelaide", date(2024, 4, 7), utc(2024, 4, 6, 13, 30), 25),
    # Midnight does not exist: the day begins at 01:00 in the summer offset.
    ("America/Santiago", date(2024, 9, 8), utc(2024, 9, 8, 4), 23),  # -4 -> -3
    ("America/Havana", date(2024, 3, 10), utc(2024, 3, 10, 5), 23),  # -5 -> -4
])
def test_day_start_and_end_across_dst_and_odd_offsets(tz, day, start, hours):
    assert day_start(day, tz) == start
    assert day_end(day, tz) - start == timedelta(hours=hours)
    assert day_start(day, tz).tzinfo is UTC
    assert local_day(start, tz) == day
    assert local_day(start - timedelta(seconds=1), tz) == day - timedelta(days=1)


def test_a_day_that_never_was_begins_and_ends_with_the_next():
    # Samoa skipped 30 December 2011: 29 December 23:59:59 -10 was followed by the 31st.
    assert day_end(date(2011, 12, 29), "Pacific/Apia") == utc(2011, 12, 30, 10)
    assert day_start(date(2011, 12, 30), "Pacific/Apia") == utc(2011, 12, 30, 10)
    assert day_end(date(2011, 12, 30), "Pacific/Apia") == utc(2011, 12, 30, 10)


@pytest.mark.parametrize("tz, day, at, instant", [
    # New York, 10 March 2024: 02:30 never happens; the clocks jump at 07:00 UTC.
    ("America/New_York", date(2024, 3, 10), time(2, 30), utc(2024, 3, 10, 7)),
    # 3 November 2024: 01:30 happens twice, at 05:30 and 06:30 UTC; the first.
    ("America/New_York", date(2024, 11, 3), time(1, 30), utc(2024, 11, 3, 5, 30)),
    ("America/New_York", date(2024, 6, 12), time(7, 30), utc(2024, 6, 12, 11, 30)),
    # Lord Howe moves 30 minutes: 02:15 never happens on 6 October 2024 (+10:30 -> +11).
    ("Australia/Lord_Howe", date(2024, 10, 6), time(2, 15), utc(2024, 10, 5, 15, 30)),
    ("Asia/Kolkata", date(2024, 6, 12), time(7, 30), utc(2024, 6, 12, 2)),
])
def test_wall_clock_reads_a_time_of_day_once_even_across_dst(tz, day, at, instant):
    assert wall_clock(day, at, zone(tz)) == instant


ZONES = ["America/New_York", "America/Santiago", "America/Havana", "Asia/Kolkata",
         "Australia/Adelaide", "Asia/Kathmandu", "Etc/GMT+12", "Pacific/Kiritimati",
         "Australia/Lord_Howe", "Europe/London", "Pacific/Chatham"]


@given(st.dates(date(2000, 1, 1), date(2040, 12, 31)), st.sampled_from(ZONES))
def test_a_day_begins_at_its_first_local_instant(day, tz):
    start = day_start(day, tz)
    assert local_day(start, tz) == day
    assert local_day(start - timedelta(seconds=1), tz) < day
    assert timedelta(hours=22) <= day_end(day, tz) - start <= timedelta(hours=26)


CHANGES = [("America/New_York", date(2024, 3, 10)), ("America/New_York", date(2024, 11, 3)),
           ("Europe/London", date(2024, 3, 31)), ("Europe/London", date(2024, 10, 27)),
           ("Australia/Lord_Howe", date(2024, 4, 7)), ("Australia/Lord_Howe", date(2024, 10, 6)),
           ("Australia/Adelaide", date(2024, 4, 7)), ("America/Santiago", date(2024, 9, 8)),
           ("America/Santiago", date(2024, 4, 6)), ("Pacific/Apia", date(2011, 12, 29)),
           ("Pacific/Apia", date(2011, 12, 30)), ("Pacific/Apia", date(2011, 12, 31))]


@given(st.sampled_from(CHANGES) | st.tuples(st.sampled_from(ZONES),
                                             st.dates(date(2000, 1, 1), date(2040, 12, 31))),
       st.integers(0, 4 * 60) | st.integers(0, 24 * 60 - 1))
def test_wall_clock_is_the_first_instant_that_reads_the_time_or_later(zone_day, minute):
    tz, day = zone_day
    at, z = time(minute // 60, minute % 60), zone(tz)
    target = datetime.combine(day, at)
    found = wall_clock(day, at, z)

    def reads(moment: datetime) -> datetime:
        return moment.astimezone(z).replace(tzinfo=None)

    assert reads(found) >= target
    moment = day_start(day, tz)
    while moment < found:  # nothing before it that day reads as late
        assert reads(moment) < target
        moment += timedelta(minutes=15)
    assert reads(found - timedelta(seconds=1)) < target


# The queue: a Wednesday in New York (EDT, -4), 10:00 local.

NOW = utc(2024, 6, 12, 14)
NY = "America/New_York"


def due(item_key: str, question: int, when: datetime) -> Scheduled:
    return Scheduled(item_key, question, when)


def lesson(key: str, minutes: int) -> NewLesson:
    return NewLesson(key, 1, "complaints", minutes, 4)


def shape(d: Day) -> list[tuple[str, str, int | None]]:
    return [(e.kind, e.item_key, e.question if e.kind == "review" else e.revision)
            for e in d.entries]


def test_reviews_first_most_overdue_first_then_lessons_in_plan_order():
    scheduled = [
        due("c", 2, utc(2024, 6, 13, 3, 30)),  # 23:30 tonight, local: today
        due("d", 0, utc(2024, 6, 13, 4, 30)),  # 00:30 tomorrow, local: not today
        due("b", 0, utc(2024, 6, 11, 12)),
        due("a", 1, utc(2024, 6, 10, 12)),  # the most overdue
        due("a", 0, utc(2024, 6, 11, 12)),  # as overdue as b/0: by item key
    ]
    lessons = [lesson("L1", 10), lesson("L2", 30), lesson("L3", 5)]
    days = plan_days(NOW, NY, scheduled, lessons, 20)
    assert [d.day for d in days] == [date(2024, 6, 12), date(2024, 6, 13), date(2024, 6, 14),
                                     date(2024, 6, 15)]
    # 1200 s: four reviews (120 s), L1 (600 s); L2 (1800 s) does not fit, L3 (300 s) does.
    assert shape(days[0]) == [("review", "a", 1), ("review", "a", 0), ("review", "b", 0),
                              ("review", "c", 2), ("lesson", "L1", 1), ("lesson", "L3", 1)]
    assert days[0].seconds == 4 * REVIEW_SECONDS + 600 + 300 == 1020
    assert shape(days[1]) == [("review", "d", 0)]  # L2 still never fits in 20 minutes
    assert days[2].entries == days[3].entries == ()
    assert days[0].entries[0] == Entry("review", "a", None, 1, REVIEW_SECONDS,
                                       utc(2024, 6, 10, 12))
    assert days[0].entries[4] == Entry("lesson", "L1", 1, None, 600, None)


def test_reviews_that_do_not_fit_wait_for_the_next_day():
    scheduled = [due("q", n, utc(2024, 6, 1, 12) + timedelta(hours=n)) for n in range(5)]
    days = plan_days(NOW, NY, scheduled, [lesson("L", 0)], 1)  # 60 s: two reviews a day
    assert [[e.question for e in d.entries if e.kind == "review"] for d in days] == \
        [[0, 1], [2, 3], [4], []]
    # A lesson of no minutes fits any day; it comes after the day's reviews, once.
    assert [d.lessons for d in days] == [1, 0, 0, 0]


def test_what_was_practised_today_counts_against_today_only():
    scheduled = [due("r", n, utc(2024, 6, 11)) for n in range(4)]
    lessons = [lesson("L1", 10), lesson("L3", 5)]
    days = plan_days(NOW, NY, scheduled, lessons, 20, done_seconds=1000)
    # 200 s left today: the four reviews (120 s), then neither lesson fits.
    assert shape(days[0]) == [("review", "r", n) for n in range(4)]
    assert shape(days[1]) == [("lesson", "L1", 1), ("lesson", "L3", 1)]
    days = plan_days(NOW, NY, scheduled, lessons, 20, done_seconds=5000)
    assert days[0].entries == () and days[1].reviews == 4


def test_a_question_given_twice_is_queued_once_at_its_earlier_due_time():
    days = plan_days(NOW, NY, [due("a", 0, utc(2024, 6, 14)), due("a", 0, utc(2024, 6, 9))],
                     [], 20)
    assert [(d.reviews, [e.due for e in d.entries]) for d in days] == \
        [(1, [utc(2024, 6, 9)]), (0, []), (0, []), (0, [])]


def test_a_day_as_the_phone_reads_it():
    days = plan_days(NOW, NY, [due("a", 3, utc(2024, 6, 12, 9))], [lesson("L", 2)], 10,
                     days=1)
    assert [d.to_dict() for d in days] == [{
        "day": "2024-06-12",
        "entries": [
            {"kind": "review", "item_key": "a", "revision": None, "question": 3,
             "seconds": 30, "due": "2024-06-12T09:00:00+00:00"},
            {"kind": "lesson", "item_key": "L", "revision": 1, "question": None,
             "seconds": 120, "due": None}],
        "seconds": 150, "reviews": 1, "lessons": 1}]


QUEUE_ITEMS = st.lists(st.tuples(st.sampled_from("abcde"), st.integers(0, 3),
                                 st.integers(-3 * 24 * 60, 6 * 24 * 60)), max_size=30)
LESSONS = st.lists(st.tuples(st.integers(0, 40), st.integers(1, 3)), max_size=8)


@given(QUEUE_ITEMS, LESSONS, st.integers(0, 60), st.integers(0, 4000),
       st.sampled_from(ZONES + ["UTC"]))
def test_the_queue_never_passes_the_daily_minutes(items, lesson_minutes, minutes, done, tz):
    scheduled = [due(k, q, NOW + timedelta(minutes=m)) for k, q, m in items]
    lessons = [NewLesson(f"L{i}", rev_, "c", m, 3)
               for i, (m, rev_) in enumerate(lesson_minutes)]
    days = plan_days(NOW, tz, scheduled, lessons, minutes, done_seconds=done)
    assert len(days) == 4
    assert days[0].seconds <= max(0, minutes * 60 - done)
    assert all(d.seconds <= minutes * 60 for d in days)
    assert all(d.seconds == sum(e.seconds for e in d.entries) for d in days)
    placed = [(e.kind, e.item_key, e.question) for d in days for e in d.entries]
    assert len(placed) == len(set(placed))  # nothing queued twice
    reviews = [e for d in days for e in d.entries if e.kind == "review"]
    for d in days:
        mine = [e for e in d.entries if e.kind == "review"]
        assert all(e.due is not None and e.due < day_end(d.day, tz) for e in mine)
        assert [e.due for e in mine] == sorted(e.due for e in mine)  # most overdue first
        kinds = [e.kind for e in d.entries]
        assert kinds == sorted(kinds, key=lambda k: k != "review")  # reviews first
    # The most overdue never waits behind a later one.
    order = [(e.due, e.item_key, e.question) for e in reviews]
    assert order == sorted(order)


# The extra round


def learned(stability: float, last: datetime, next_due: datetime) -> CardState:
    return CardState(2, None, stability, 5.0, next_due, last, reps=1)


def test_the_extra_round_takes_the_questions_closest_to_forgotten():
    states = [
        ("steady", 0, learned(30.0, at(-10), at(20))),
        ("shaky", 1, learned(3.0, at(-2), at(1))),  # two of three days gone
        ("middling", 0, learned(10.0, at(-5), at(5))),
        ("overdue", 0, learned(1.0, at(-3), at(-2))),  # due: today's queue, not extra
        ("new", 0, CardState(1, 0, None, None, T0, None)),  # never reviewed
    ]
    assert [(e.item_key, e.question) for e in extra_round(T0, states, SCHEDULER, 1)] == \
        [("shaky", 1), ("middling", 0)]  # 60 s: two reviews
    round_ = extra_round(T0, states, SCHEDULER, 10)
    assert [e.item_key for e in round_] == ["shaky", "middling", "steady"]
    assert round_[0] == Entry("review", "shaky", None, 1, REVIEW_SECONDS, at(1))
    assert extra_round(T0, states, SCHEDULER, 0) == ()


# Mastery


def answers(right: int, wrong: int, start: datetime = T0) -> list[Answer]:
    return [Answer(start + timedelta(minutes=i), i >= wrong) for i in range(right + wrong)]


def test_mastery_is_the_mean_of_recall_and_recent_accuracy():
    # Two questions at 90% (elapsed days = stability), one never reviewed (not counted).
    states = [learned(2.0, at(-2), T0), learned(4.0, at(-4), T0),
              CardState(1, 0, None, None, T0, None)]
    # 25 answers, the 5 oldest wrong: the latest 20 are all right.
    m = mastery("greet", states, answers(20, 5), T0, SCHEDULER)
    assert (m.retrievability, m.accuracy, m.answers) == (pytest.approx(0.9), 1.0, 25)
    assert m.value == pytest.approx(0.95)
    # The 5 wrong among the latest 20 (15 right before them fall outside).
    late_wrong = [Answer(at(0, i / 60), i < 15) for i in range(20)]
    m = mastery("greet", states, answers(15, 0, at(-1)) + late_wrong, T0, SCHEDULER)
    assert (m.accuracy, m.answers) == (0.75, 35)
    assert m.value == pytest.approx((0.9 + 0.75) / 2)
    assert mastery("greet", states, late_wrong, T0, SCHEDULER, recent=5).accuracy == 0.0


def test_mastery_with_only_one_part_or_none():
    m = mastery("greet", [], answers(3, 1), T0, SCHEDULER)
    assert (m.value, m.retrievability, m.accuracy, m.answers) == (0.75, None, 0.75, 4)
    m = mastery("greet", [learned(2.0, at(-2), T0)], [], T0, SCHEDULER)
    assert (m.value, m.accuracy, m.answers) == (pytest.approx(0.9), None, 0)
    assert mastery("greet", [], [], T0, SCHEDULER).to_dict() == {
        "competency_key": "greet", "value": None, "retrievability": None,
        "accuracy": None, "answers": 0}


def m(value: float | None, n: int = MIN_ANSWERS) -> Mastery:
    return Mastery("greet", value, None, value, n)


@pytest.mark.parametrize("mastered, rating, level_to, expected", [
    (m(0.85), 2, 3, "higher"),  # strong practice, rated below the level it builds to
    (m(1.0), 1, 3, "higher"),
    (m(0.849), 2, 3, None),
    (m(0.9), 3, 3, None),  # rated at the level: no news
    (m(0.9, MIN_ANSWERS - 1), 2, 3, None),  # too few answers to say
    (m(0.5), 3, 3, "lower"),  # weak practice, rated at or above the level
    (m(0.0), 5, 3, "lower"),
    (m(0.51), 3, 3, None),
    (m(0.5), 2, 3, None),  # rated below: weak practice is what they said
    (m(0.3, MIN_ANSWERS - 1), 4, 3, None),
    (m(0.95), None, 3, None),  # no rating, nothing to compare
    (m(None), 2, 3, None),
])
def test_disagreement_only_asks_past_its_thresholds(mastered, rating, level_to, expected):
    assert disagreement(mastered, rating, level_to) == expected


# The weekly goal


def test_the_week_turns_at_the_learners_monday_not_utcs():
    # Sunday 16 June 2024, 20:00 in Los Angeles (-7) is already Monday 03:00 UTC.
    sunday_evening = utc(2024, 6, 17, 3)
    practised = [date(2024, 6, 9), date(2024, 6, 10), date(2024, 6, 12), date(2024, 6, 12),
                 date(2024, 6, 16)]
    w = week(sunday_evening, "America/Los_Angeles", practised, 3)
    assert (w.start, w.days_practised, w.goal, w.met) == (date(2024, 6, 10), 3, 3, True)
    # In UTC the same instant is Monday: a new week, nothing practised in it yet.
    w = week(sunday_evening, "UTC", practised, 3)
    assert (w.start, w.days_practised, w.met) == (date(2024, 6, 17), 0, False)
    # And at 00:30 on Monday in Los Angeles the new week begins there too.
    w = week(utc(2024, 6, 17, 7, 30), "America/Los_Angeles", practised + [date(2024, 6, 17)],
             1)
    assert (w.start, w.days_practised, w.met) == (date(2024, 6, 17), 1, True)
    assert week(sunday_evening, "America/Los_Angeles", [], 0).met


def test_an_answer_is_stored_as_every_event_data_is():
    """``ReviewedData.to_dict`` is written out for speed: it must say what ``Data``'s does,
    field for field, and the data rule must read it back to the same answer."""
    from engine.practice import ReviewedData, reviewed_data
    from engine.sync import Data

    sent = {"item": "till-safety", "revision": 2, "question": 4, "answer": [2, 0],
            "correct": False, "hinted": True, "grade": 1, "response_ms": 8200}
    data = reviewed_data(sent)
    assert data.to_dict() == Data.to_dict(data) == sent
    assert list(data.to_dict()) == [f for f in ReviewedData.__dataclass_fields__]
    assert reviewed_data(data.to_dict()) == data


@pytest.mark.parametrize(("hinted", "ms", "grade", "taken"), [
    # Golden, from the rule (Hard: a hint, or over 20 s; Easy: under 8 s on a mature
    # question, which only the phone's own view of it can say; otherwise Good).
    (False, 5_000, 3, True), (False, 5_000, 4, True), (False, 5_000, 2, False),
    (False, 8_000, 3, True), (False, 8_000, 4, False),
    (False, 20_000, 3, True), (False, 20_001, 3, False), (False, 20_001, 2, True),
    (True, 1_000, 2, True), (True, 1_000, 3, False), (True, 1_000, 4, False),
])
def test_a_right_answers_grade_must_follow_from_the_answer(hinted, ms, grade, taken):
    """A phone (or anyone with the API) cannot call a hinted or slow answer Good, or a
    slow one Easy, and push a question weeks away."""
    from engine.practice import reviewed_data
    from engine.sync import Refused

    sent = {"item": "till-safety", "revision": 1, "question": 0, "answer": [1],
            "correct": True, "hinted": hinted, "grade": grade, "response_ms": ms}
    if taken:
        assert reviewed_data(sent).grade == grade
    else:
        with pytest.raises(Refused) as refused:
            reviewed_data(sent)
        assert refused.value.refusal.code == "invalid_grade"
        assert "20 seconds" in str(refused.value) and "8 seconds" in str(refused.value)


def test_a_bundle_is_built_as_of_the_hour_or_the_local_days_start_if_later():
    """Golden: the start of the UTC hour, unless the learner's day began within it."""
    at = datetime(2026, 3, 2, 10, 20, 5, 123, tzinfo=UTC)
    assert as_of(at, "UTC") == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert as_of(at, "Europe/Madrid") == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    # Kolkata is 5:30 ahead: its midnight is at 18:30 UTC, within the hour from 18:00.
    assert as_of(datetime(2026, 3, 2, 18, 20, tzinfo=UTC), "Asia/Kolkata") == datetime(
        2026, 3, 2, 18, 0, tzinfo=UTC)  # 23:50 there: the hour
    assert as_of(datetime(2026, 3, 2, 18, 40, tzinfo=UTC), "Asia/Kolkata") == datetime(
        2026, 3, 2, 18, 30, tzinfo=UTC)  # 00:10 there: the day began at 18:30
    # Kathmandu, 5:45 ahead: 00:05 there on 3 March is 18:20 UTC on 2 March.
    assert as_of(datetime(2026, 3, 2, 18, 20, tzinfo=UTC), "Asia/Kathmandu") == datetime(
        2026, 3, 2, 18, 15, tzinfo=UTC)
    # Either way the local day is the same as now's.
    for zone_name in ("UTC", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns"):
        for minute in range(0, 60, 5):
            now = datetime(2026, 3, 2, 18, minute, tzinfo=UTC)
            assert local_day(as_of(now, zone_name), zone_name) == local_day(now, zone_name)
            assert as_of(now, zone_name) <= now
