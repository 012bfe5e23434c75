"""Daily practice when things go wrong: a worker dies mid-batch, an answer is lost on the way
back, two phones of one learner sync at once, changes arrive late or at the same instant.

Whatever happens, every answer is stored exactly once and each question's state, the
settings and the first completion are what applying everything in the order it happened
gives. The races run with real threads, on separate connections: on PostgreSQL (the
suite's ``TEST_DATABASE_URL`` run) and on SQLite.
"""

from __future__ import annotations

import itertools
import random
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import practice as rules
from pwa import clock
from pwa.extensions import db
from pwa.models import (
    Event,
    LessonCompletion,
    Organisation,
    PlanSettings,
    PracticeCard,
    PracticeReview,
    QuarantinedEvent,
)
from pwa.store import people
from pwa.sync import ingest
from tests.factories import (
    RECENT_MORNING,
    Api,
    practice_event,
    practice_learner,
    reviewed,
)

KEY = "till-safety"
DAY = timedelta(days=1)


def at(days: float, minutes: float = 0) -> datetime:
    return RECENT_MORNING + timedelta(days=days, minutes=minutes)


def settings_changed(when: datetime, event_id: str | None = None, **data: Any) -> dict[str, Any]:
    return practice_event("plan.settings.changed",
                          {"weekly_minutes": 60, "formats": [], **data}, when, event_id)


def completed(when: datetime, event_id: str | None = None) -> dict[str, Any]:
    return practice_event("lesson.completed", {"item": KEY, "revision": 1}, when, event_id)


def sync(api: Api, events: list[dict[str, Any]]) -> dict[str, Any]:
    answer = api.post("/api/v1/sync", {"events": events})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return answer.get_json()


def when(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["occurred_at"].replace("Z", "+00:00"))


def in_order(answers: list[dict[str, Any]]) -> dict[int, rules.CardState]:
    """Each question's state from its answers, applied in the order they happened."""
    fsrs = rules.make_scheduler()
    by_question: dict[int, list[rules.Review]] = {}
    for e in answers:
        d = e["data"]
        by_question.setdefault(d["question"], []).append(
            rules.Review(when(e), rules.Grade(d["grade"]), d["response_ms"], e["id"]))
    out = {}
    for question, reviews in by_question.items():
        state = rules.replay(reviews, card_id=0, scheduler=fsrs)
        assert state is not None
        out[question] = state
    return out


def snapshot(app) -> dict[str, Any]:
    """Everything practice and the settings keep, to compare before and after."""
    with app.app_context():
        return {
            "events": sorted(db.session.scalars(sa.select(Event.id))),
            "reviews": sorted(db.session.scalars(sa.select(PracticeReview.id))),
            "cards": sorted(db.session.execute(sa.select(
                PracticeCard.question, PracticeCard.state, PracticeCard.step,
                PracticeCard.stability, PracticeCard.difficulty, PracticeCard.due,
                PracticeCard.last_review, PracticeCard.reps, PracticeCard.lapses)).all()),
            "completions": db.session.execute(sa.select(
                LessonCompletion.event_id, LessonCompletion.occurred_at)).all(),
            "settings": db.session.execute(sa.select(
                PlanSettings.daily_minutes, PlanSettings.weekly_goal,
                PlanSettings.weekly_minutes, PlanSettings.occurred_at)).all(),
            "quarantined": db.session.scalar(
                sa.select(sa.func.count()).select_from(QuarantinedEvent)),
        }


def assert_in_order(app, answers: list[dict[str, Any]]) -> None:
    """Each answer stored once, and each question's state exactly the in-order one."""
    with app.app_context():
        stored = list(db.session.scalars(sa.select(PracticeReview.id)))
        cards = {c.question: rules.CardState(c.state, c.step, c.stability, c.difficulty, c.due,
                                             c.last_review, c.reps, c.lapses)
                 for c in db.session.scalars(sa.select(PracticeCard))}
    assert sorted(stored) == sorted({e["id"] for e in answers})  # once each, none lost
    assert cards == in_order(answers)


# A worker killed mid-batch ---------------------------------------------------------------

def history() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Two answers synced before, then a batch that is late for one of them (question 0),
    starts two questions, changes the settings and completes the lesson."""
    before = [reviewed(KEY, 0, at=at(0)), reviewed(KEY, 0, at=at(4))]
    batch = [reviewed(KEY, 0, at=at(2), right=False),  # late: question 0 is replayed
             reviewed(KEY, 1, at=at(0, 1), right=False), reviewed(KEY, 1, at=at(1)),
             reviewed(KEY, 1, at=at(3), ms=25_000, grade=2),
             reviewed(KEY, 2, at=at(5), hinted=True, grade=2),
             settings_changed(at(1), daily_minutes=7, weekly_goal=2),
             completed(at(2, 5))]
    random.Random(7).shuffle(batch)
    return before, batch


class Killed(Exception):
    """The worker died here."""


def kill_on_call(monkeypatch, target: Any, name: str, n: int, *, drop: bool = False) -> None:
    """Make ``target.name`` die on its ``n``th call: raise, or (``drop``) lose the database
    connection under the open transaction and let the next statement find out."""
    original, calls = getattr(target, name), []

    def dying(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == n:
            if not drop:
                raise Killed(f"{name} call {n}")
            db.session.connection().connection.dbapi_connection.close()
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, dying)


def finish_the_batch_then_die(monkeypatch) -> None:
    """Everything applied, nothing committed: the worker dies just before the commit."""
    original = ingest.ingest

    def then_die(*args: Any, **kwargs: Any) -> Any:
        original(*args, **kwargs)
        raise Killed("before the commit")

    monkeypatch.setattr(ingest, "ingest", then_die)


DEATHS = {
    **{f"review {n}": (rules, "review", n, False) for n in (1, 3, 5, 7)},
    "after storing the events": (ingest, "take_turns", 1, False),  # before any apply
    "the connection, mid-replay": (rules, "review", 2, True),
    "the connection, at the end": (rules, "review", 7, True),
}


@pytest.mark.parametrize("death", [*DEATHS, "before the commit"])
def test_a_worker_killed_mid_batch_saves_nothing_and_the_retry_applies_each_once(
        app, org, monkeypatch, death):
    api, _ = practice_learner(app)
    before, batch = history()
    sync(api, before)
    kept = snapshot(app)
    with monkeypatch.context() as patch:
        if death == "before the commit":
            finish_the_batch_then_die(patch)
        else:
            target, name, n, drop = DEATHS[death]
            kill_on_call(patch, target, name, n, drop=drop)
        answer = api.post("/api/v1/sync", {"events": batch})
        assert answer.status_code == 500
        error = answer.get_json()
        assert set(error) == {"code", "error", "message", "details"}
        assert (error["code"], error["error"]) == (500, "internal_error")
    assert snapshot(app) == kept  # nothing of the batch, not even the quarantine
    # The phone kept its outbox and sends the same batch again.
    again = sync(api, batch)
    assert sorted(again["accepted"]) == sorted(e["id"] for e in batch)
    assert again["refused"] == [] and again["duplicates"] == []
    answers = before + [e for e in batch if e["type"] == "card.reviewed"]
    assert_in_order(app, answers)
    settled = snapshot(app)
    assert [s[:2] for s in settled["settings"]] == [(7, 2)]
    assert [c[0] for c in settled["completions"]] == [
        next(e["id"] for e in batch if e["type"] == "lesson.completed")]
    # And once more, as if that answer was lost too: nothing doubles.
    third = sync(api, batch)
    assert third["accepted"] == [] and len(third["duplicates"]) == len(batch)
    assert snapshot(app) == settled


def test_a_batch_saved_but_unanswered_comes_back_with_more_and_nothing_doubles(app, org):
    """The first try committed and its answer was lost; the phone, meanwhile offline, sends
    it again in another order, with an answer made before all of it and one made after."""
    api, _ = practice_learner(app)
    before, batch = history()
    sync(api, before + batch)
    earliest = reviewed(KEY, 1, at=at(-1))  # before everything: every question it touches replays
    latest = reviewed(KEY, 2, at=at(6))
    resent = [latest, *reversed(batch), earliest, before[1]]
    answer = sync(api, resent)
    assert sorted(answer["accepted"]) == sorted([earliest["id"], latest["id"]])
    assert sorted(answer["duplicates"]) == sorted(e["id"] for e in [*batch, before[1]])
    assert [a["id"] for a in answer["refused"]] == []
    answers = [e for e in before + batch + [earliest, latest] if e["type"] == "card.reviewed"]
    assert_in_order(app, answers)


# Two phones at once ------------------------------------------------------------------------

def phones(app, api: Api, count: int = 2) -> list[Api]:
    """Clients sharing the learner's session, as two phones of one learner would."""
    clones = []
    for _ in range(count):
        clone = Api(app.test_client())
        clone.client.set_cookie("skillpath_session",
                                api.client.get_cookie("skillpath_session").value)
        clone.token = api.csrf()
        clones.append(clone)
    return clones


def at_once(clients: list[Api], batches: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Send each client's batch on its own thread, released together."""
    start, answers, failures = threading.Barrier(len(clients)), {}, []

    def send(n: int) -> None:
        start.wait()
        response = clients[n].client.post("/api/v1/sync", json={"events": batches[n]},
                                          headers={"X-CSRFToken": clients[n].token})
        if response.status_code != 200:
            failures.append((response.status_code, response.get_data(as_text=True)[:300]))
        answers[n] = response.get_json()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    return [answers[n] for n in range(len(clients))]


def test_two_phones_syncing_overlapping_late_answers_at_once_store_each_once(app, org):
    """Each round, two phones send overlapping batches (a retry of what the other also
    holds) of answers interleaved in time, late for what the other sends, with a settings
    change and a completion each: each event is accepted by exactly one of them."""
    api, _ = practice_learner(app)
    clients = phones(app, api)
    rng = random.Random(2024)
    everything: list[dict[str, Any]] = []
    for round_ in range(4):
        fresh = [reviewed(KEY, q % 3, at=at(rng.uniform(0, 12)), right=rng.random() < 0.7)
                 for q in range(12)]
        fresh += [settings_changed(at(rng.uniform(0, 12)), daily_minutes=round_ + 2),
                  settings_changed(at(rng.uniform(0, 12)), weekly_goal=round_ + 3),
                  completed(at(rng.uniform(0, 12))), completed(at(rng.uniform(0, 12)))]
        shared = rng.sample(fresh, 6)
        a = [e for e in fresh if e not in shared][::2] + shared
        b = [e for e in fresh if e not in shared][1::2] + shared
        rng.shuffle(a)
        rng.shuffle(b)
        got = at_once(clients, [a, b])
        accepted = [i for g in got for i in g["accepted"]]
        assert sorted(accepted) == sorted(e["id"] for e in fresh)  # each once, none lost
        assert sorted(i for g in got for i in g["duplicates"]) == sorted(e["id"] for e in shared)
        assert [r for g in got for r in g["refused"]] == []
        everything += fresh
        assert_in_order(app, [e for e in everything if e["type"] == "card.reviewed"])
        assert settings_of(app) == replayed_settings(everything)
        first = min((e for e in everything if e["type"] == "lesson.completed"),
                    key=lambda e: (when(e), e["id"]))
        assert [c[0] for c in snapshot(app)["completions"]] == [first["id"]]


def settings_of(app) -> tuple[Any, ...] | None:
    with app.app_context():
        row = db.session.execute(sa.select(
            PlanSettings.daily_minutes, PlanSettings.weekly_goal, PlanSettings.weekly_minutes,
            PlanSettings.formats, PlanSettings.mentor_suggestions, PlanSettings.languages,
            PlanSettings.occurred_at)).first()
        return None if row is None else tuple(row)


def replayed_settings(events: list[dict[str, Any]]) -> tuple[Any, ...] | None:
    """The settings applying the changes in the order they happened gives."""
    changes = sorted((e for e in events if e["type"] == "plan.settings.changed"),
                     key=lambda e: (when(e), e["id"]))
    if not changes:
        return None
    current: dict[str, Any] = {"daily_minutes": None, "weekly_goal": None,
                               "mentor_suggestions": True, "languages": None}
    for e in changes:
        for name in current:
            if e["data"].get(name) is not None:
                current[name] = e["data"][name] or None if name == "languages" \
                    else e["data"][name]
    last = changes[-1]
    return (current["daily_minutes"], current["weekly_goal"], last["data"]["weekly_minutes"],
            last["data"]["formats"], current["mentor_suggestions"], current["languages"],
            when(last))


def test_two_phones_changing_the_practice_settings_at_once_lose_neither(app, org):
    """One phone sets the minutes a day, the other (later, from an older app) only the
    weekly goal: in order, the later change keeps the minutes the earlier one set."""
    api, _ = practice_learner(app)
    for round_ in range(3):
        early = settings_changed(at(round_, 1), daily_minutes=10 + round_)
        late = settings_changed(at(round_, 2), weekly_goal=4 + round_)
        at_once(phones(app, api), [[late], [early]])
        daily, goal, *_ = settings_of(app)
        assert (daily, goal) == (10 + round_, 4 + round_)


# Late and simultaneous changes ---------------------------------------------------------------

def test_practice_minutes_set_offline_before_a_change_already_synced_are_kept(app, org):
    api, _ = practice_learner(app)
    monday = settings_changed(at(0), daily_minutes=10)
    tuesday = settings_changed(at(1), weekly_goal=4, weekly_minutes=90)
    sync(api, [tuesday])
    sync(api, [monday])  # Monday's change, from the other phone, arrives on Wednesday
    practice = api.get("/api/v1/bootstrap").get_json()["practice"]
    assert practice["settings"] == {"daily_minutes": 10, "weekly_goal": 4}
    assert settings_of(app)[2] == 90  # Tuesday's weekly minutes: the later change's


def test_a_late_change_does_not_undo_a_later_one(app, org):
    api, _ = practice_learner(app)
    sync(api, [settings_changed(at(1), daily_minutes=20, weekly_goal=6)])
    sync(api, [settings_changed(at(0), daily_minutes=3, weekly_goal=1)])
    assert settings_of(app)[:2] == (20, 6)


SAME = at(1)
LOW, HIGH = "00000000-0000-4000-8000-000000000001", "ffffffff-ffff-4fff-bfff-ffffffffffff"


@pytest.mark.parametrize("first", [LOW, HIGH])
def test_changes_at_the_same_instant_are_ordered_by_id_whatever_arrives_first(app, org, first):
    api, _ = practice_learner(app)
    changes = {LOW: settings_changed(SAME, LOW, daily_minutes=9, weekly_goal=2),
               HIGH: settings_changed(SAME, HIGH, daily_minutes=30)}
    done = {LOW: completed(SAME, LOW.replace("0001", "0002")),
            HIGH: completed(SAME, HIGH.replace("ffff-4fff", "fffe-4fff"))}
    second = HIGH if first == LOW else LOW
    sync(api, [changes[first], done[first]])
    sync(api, [changes[second], done[second]])
    assert settings_of(app)[:2] == (30, 2)  # the higher id is applied last
    assert [c[0] for c in snapshot(app)["completions"]] == [done[LOW]["id"]]


def test_one_batch_completing_a_lesson_twice_keeps_the_first(app, org):
    api, _ = practice_learner(app)
    twice = [completed(at(3)), completed(at(1)), completed(at(2))]
    assert len(sync(api, twice)["accepted"]) == 3
    assert [c[0] for c in snapshot(app)["completions"]] == [twice[1]["id"]]


# Any history, in any batches, in any order -------------------------------------------------

@pytest.fixture
def lesson(app, org):
    """The lesson and its role's profile; each example makes a learner of its own."""
    return practice_learner(app)[1]


EXAMPLES = itertools.count()


@st.composite
def histories(draw):
    """A learner's answers and settings changes, some at the same instant, cut into batches
    that arrive in any order, some sent twice."""
    times = st.integers(0, 6 * 24).map(lambda h: at(0, 60 * h))
    answers = draw(st.lists(st.tuples(st.integers(0, 2), st.booleans(), times,
                                      st.integers(0, 30_000)), min_size=1, max_size=10))
    events = [reviewed(KEY, q, right=right, at=t, ms=ms,
                       grade=(2 if ms > rules.SLOW_MS else 3) if right else 1)
              for q, right, t, ms in answers]
    changes = draw(st.lists(st.tuples(times, st.one_of(st.none(), st.integers(1, 60)),
                                      st.one_of(st.none(), st.integers(1, 7))),
                            min_size=2, max_size=4))
    events += [settings_changed(t, daily_minutes=d, weekly_goal=g) for t, d, g in changes]
    # Ids that order ties as drawn (their first part) and are new to the database (their last).
    firsts = draw(st.lists(st.integers(0, 2 ** 32 - 1), min_size=len(events),
                           max_size=len(events), unique=True))
    example = next(EXAMPLES)
    events = [dict(e, id=f"{first:08x}-0000-4000-8000-{example:012x}")
              for e, first in zip(events, firsts, strict=True)]
    order = draw(st.permutations(events))
    cuts = sorted(draw(st.lists(st.integers(1, len(order)), min_size=1, max_size=3)))
    batches = [list(order[a:b]) for a, b in zip([0, *cuts], [*cuts, len(order)], strict=True)]
    again = draw(st.lists(st.sampled_from(events), max_size=3))
    return events, [b for b in batches if b] + ([again] if again else [])


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=histories())
def test_any_history_in_any_batches_ends_in_the_in_order_state(app, lesson, case):
    events, batches = case
    with app.app_context():
        organisation = db.session.scalar(sa.select(Organisation))
        learner, _ = people.ensure_person(organisation, f"Learner {events[0]['id']}",
                                          people.role_by_slug(organisation, "store-associate"))
        for batch in batches:
            result = ingest.ingest(learner, batch, clock.now())
            assert result.refused == []
            db.session.commit()
        reviews = sorted(db.session.scalars(sa.select(PracticeReview.id).where(
            PracticeReview.person_id == learner.id)))
        cards = {c.question: rules.CardState(c.state, c.step, c.stability, c.difficulty,
                                             c.due, c.last_review, c.reps, c.lapses)
                 for c in db.session.scalars(sa.select(PracticeCard).where(
                     PracticeCard.person_id == learner.id))}
        stored = db.session.execute(sa.select(
            PlanSettings.daily_minutes, PlanSettings.weekly_goal, PlanSettings.weekly_minutes,
            PlanSettings.formats, PlanSettings.mentor_suggestions, PlanSettings.languages,
            PlanSettings.occurred_at).where(PlanSettings.person_id == learner.id)).first()
    answers = [e for e in events if e["type"] == "card.reviewed"]
    assert reviews == sorted(e["id"] for e in answers)
    assert cards == in_order(answers)
    assert (None if stored is None else tuple(stored)) == replayed_settings(events)
