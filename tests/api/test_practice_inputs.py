"""Daily practice's events against every odd value JSON can carry, on SQLite and PostgreSQL.

``card.reviewed``, ``lesson.completed`` and ``plan.settings.changed`` (its practice minutes
and weekly goal) are sent with numbers beyond 64 bits, floats, NaN, booleans where whole
numbers belong (``true == 1`` in Python), text with NUL or a lone surrogate, direction marks,
zero-width characters and emoji, long text, deep nesting, the wrong types, unknown fields
and keys named twice. Each such event is refused on its own with a code, kept in the
quarantine as it came, and changes nothing else; a body that is not plain JSON is one 400,
kept whole. The good event beside it is always applied, and nothing answers 500.
"""

from __future__ import annotations

import json
import math
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pwa.extensions import db
from pwa.models import (
    Event,
    LessonCompletion,
    PlanSettings,
    PracticeCard,
    PracticeReview,
    QuarantinedEvent,
)
from pwa.sync.quarantine import payload_of
from tests.factories import RECENT_MORNING, practice_event, practice_learner, reviewed

KEY = "till-safety"  # add_lesson's key for "Till safety"
HOLE = "__odd_value__"  # where the raw JSON text of the odd value goes


@pytest.fixture
def ana(app, org):
    api, key = practice_learner(app)
    assert key == KEY
    return api


def post_text(api, text: str):
    return api.client.post("/api/v1/sync", data=text, content_type="application/json",
                           headers={"X-CSRFToken": api.csrf()})


def with_raw(event: dict[str, Any], field: str, raw: str) -> str:
    """``event`` as JSON text, its ``data.field`` (or envelope ``field``) the JSON ``raw``."""
    event = json.loads(json.dumps(event))
    where = event["data"] if field in event["data"] or field not in event else event
    where[field] = HOLE
    return json.dumps(event).replace(json.dumps(HOLE), raw)


def completed(at=RECENT_MORNING, **data):
    return practice_event("lesson.completed", {"item": KEY, "revision": 1, **data}, at)


def settings_changed(at=RECENT_MORNING, **data):
    return practice_event("plan.settings.changed",
                          {"weekly_minutes": 60, "formats": [], **data}, at)


def same(a, b):
    """Equal as JSON values, NaN equal to NaN, ``True`` never equal to ``1``."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def practice_rows(app) -> dict[str, Any]:
    """Everything practice keeps, to compare before and after."""
    with app.app_context():
        return {
            "events": sorted(db.session.scalars(sa.select(Event.id))),
            "reviews": sorted(db.session.execute(sa.select(
                PracticeReview.id, PracticeReview.question, PracticeReview.answer,
                PracticeReview.grade, PracticeReview.response_ms)).all()),
            "cards": sorted(db.session.execute(sa.select(
                PracticeCard.question, PracticeCard.reps, PracticeCard.stability,
                PracticeCard.due)).all()),
            "completions": db.session.execute(sa.select(
                LessonCompletion.item_id, LessonCompletion.event_id)).all(),
            "settings": db.session.execute(sa.select(
                PlanSettings.daily_minutes, PlanSettings.weekly_goal)).all(),
        }


def quarantined(app):
    with app.app_context():
        return [(q.event_id, q.code, payload_of(q)) for q in db.session.scalars(
            sa.select(QuarantinedEvent).order_by(QuarantinedEvent.id))]


BIG = ["9223372036854775808", "-9223372036854775809", "1" + "0" * 400, "-" + "9" * 400]
NOT_FINITE = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"]
NOT_WHOLE = ["true", "false", "1.0", "0.0", "-0.0", "1e2", '"1"', "null", "[1]", "{}"]


def cases(field: str, *, whole_code: str = "invalid_data") -> list[tuple[str, str, str]]:
    """Odd numbers for a whole-number field, each with the code that refuses it."""
    return ([(field, raw, "invalid_value") for raw in BIG + NOT_FINITE]
            + [(field, raw, whole_code) for raw in NOT_WHOLE])


TEXT = [
    ("item", '"till-safety\\u0000"', "invalid_value"),
    ("item", '"\\u0000"', "invalid_value"),
    ("item", '"\\ud800"', "invalid_value"),  # a lone surrogate
    ("item", '"till-safety\\udc00"', "invalid_value"),
    ("item", '"\\udc00\\ud800"', "invalid_value"),  # a pair the wrong way round
    ("item", '"\\u202etill-safety"', "unknown_item"),  # right-to-left override
    ("item", '"till\\u200bsafety"', "unknown_item"),  # zero-width space
    ("item", '"till-safety\\ufeff"', "unknown_item"),  # zero-width no-break space
    ("item", '"\\ud83e\\uddfe"', "unknown_item"),  # an emoji (a well-formed pair)
    ("item", '"TILL-SAFETY"', "unknown_item"),
    ("item", '"\\u0661"', "unknown_item"),  # an Arabic-Indic digit
    ("item", json.dumps("x" * 100_000), "invalid_data"),
    ("item", '""', "invalid_data"),
    ("item", "0", "invalid_data"),
    ("item", "null", "invalid_data"),
    ("item", '["till-safety"]', "invalid_data"),
    ("item", '{"key": "till-safety"}', "invalid_data"),
]

REVIEWED_CASES = [
    *cases("question"), *cases("revision"), *cases("response_ms"),
    *cases("grade", whole_code="invalid_grade"),
    *TEXT,
    ("correct", "1", "invalid_data"), ("correct", '"true"', "invalid_data"),
    ("correct", "null", "invalid_data"), ("hinted", "0", "invalid_data"),
    ("hinted", "null", "invalid_data"), ("hinted", '"false"', "invalid_data"),
    ("answer", "[true]", "invalid_data"),  # true == 1 in Python: not option 1
    ("answer", "[false]", "invalid_data"),  # nor false option 0
    ("answer", "[0.0]", "invalid_data"), ("answer", "[-0.0]", "invalid_data"),
    ("answer", "[1e0]", "invalid_data"), ("answer", '["0"]', "invalid_data"),
    ("answer", "[null]", "invalid_data"), ("answer", "[[0]]", "invalid_data"),
    ("answer", "[0, 0]", "invalid_data"), ("answer", "[]", "invalid_data"),
    ("answer", "0", "invalid_data"), ("answer", '"0"', "invalid_data"),
    ("answer", '{"0": 0}', "invalid_data"), ("answer", "{}", "invalid_data"),
    ("answer", "[9223372036854775808]", "invalid_value"),
    ("answer", "[" + "1" + "0" * 400 + "]", "invalid_value"),
    ("answer", "[NaN]", "invalid_value"), ("answer", "[-Infinity]", "invalid_value"),
    ("answer", "[" * 20 + "0" + "]" * 20, "invalid_value"),  # deeper than an event may go
    ("answer", json.dumps(list(range(101))), "invalid_data"),  # more options than any has
    ("answer", '["\\u0000"]', "invalid_value"), ("answer", '["\\ud800"]', "invalid_value"),
    ("answer", '["\\u202e0"]', "invalid_data"), ("answer", '["\\ud83d\\ude00"]', "invalid_data"),
    ("extra", "1", "invalid_data"), ("\u200bitem", '"till-safety"', "invalid_data"),
]

COMPLETED_CASES = [*cases("revision"), *TEXT, ("extra", "null", "invalid_data")]

SETTINGS_CASES = [
    *cases("daily_minutes"), *cases("weekly_goal"),
    # In range but not whole numbers, or whole but out of range: true is 1, a valid number.
    ("daily_minutes", "0", "invalid_data"), ("daily_minutes", "61", "invalid_data"),
    ("daily_minutes", "5.5", "invalid_data"), ("weekly_goal", "0", "invalid_data"),
    ("weekly_goal", "8", "invalid_data"), ("weekly_goal", "3.0", "invalid_data"),
    ("daily_minutes", '"\\u0000"', "invalid_value"), ("weekly_goal", '"\\ud800"', "invalid_value"),
    ("daily_minutes", '"\\u202e5"', "invalid_data"),
]
# ``null`` is "not said" for both settings (an older phone sends neither): it is valid.
SETTINGS_CASES = [c for c in SETTINGS_CASES if c[1] != "null"]


def refused_alone(app, ana, odd: dict[str, Any], field: str, raw: str, code: str) -> None:
    """Send the odd event (``field`` set to ``raw``) beside a good answer: the odd one is
    refused with ``code``, kept as it came, and changes nothing."""
    good = reviewed(KEY, 1, at=RECENT_MORNING + timedelta(hours=1))
    before = practice_rows(app)
    text = '{"events": [' + with_raw(odd, field, raw) + ", " + json.dumps(good) + "]}"
    answer = post_text(ana, text)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    body = answer.get_json()
    assert body["accepted"] == [good["id"]] and body["duplicates"] == []
    assert [(r["id"], r["code"]) for r in body["refused"]] == [(odd["id"], code)], body
    assert body["refused"][0]["message"]
    (kept_id, kept_code, kept), = quarantined(app)
    assert (kept_id, kept_code) == (odd["id"], code)
    assert same(kept, json.loads(text)["events"][0])  # what arrived, losslessly
    after = practice_rows(app)
    assert odd["id"] not in after["events"]
    # The good answer is the only change: one more event, review and card, question 1.
    assert after["events"] == sorted([*before["events"], good["id"]])
    assert [r[0] for r in after["reviews"]] == [good["id"]]
    assert [c[0] for c in after["cards"]] == [1]
    assert after["completions"] == before["completions"] == []
    assert after["settings"] == before["settings"] == []


def ids(cases_: list[tuple[str, str, str]]) -> list[str]:
    return [f"{field}={raw[:24]}" for field, raw, _ in cases_]


@pytest.mark.parametrize(("field", "raw", "code"), REVIEWED_CASES, ids=ids(REVIEWED_CASES))
def test_an_odd_answer_is_refused_alone_and_changes_nothing(app, ana, field, raw, code):
    refused_alone(app, ana, reviewed(KEY, 0), field, raw, code)


@pytest.mark.parametrize(("field", "raw", "code"), COMPLETED_CASES, ids=ids(COMPLETED_CASES))
def test_an_odd_completion_is_refused_alone_and_changes_nothing(app, ana, field, raw, code):
    refused_alone(app, ana, completed(), field, raw, code)


@pytest.mark.parametrize(("field", "raw", "code"), SETTINGS_CASES, ids=ids(SETTINGS_CASES))
def test_odd_practice_settings_are_refused_alone_and_change_nothing(app, ana, field, raw, code):
    refused_alone(app, ana, settings_changed(), field, raw, code)


def test_true_is_never_read_as_one(app, ana):
    """Python's ``True == 1``: revision 1, option 1, grade 1 (Again) and one minute a day are
    each what a ``true`` would pass for. None of them is taken."""
    wrong = reviewed(KEY, 0, right=False)
    events = [with_raw(reviewed(KEY, 0), "revision", "true"),
              with_raw(wrong, "answer", "[true]"),
              with_raw(wrong, "grade", "true"),
              with_raw(settings_changed(), "daily_minutes", "true"),
              with_raw(settings_changed(), "weekly_goal", "true"),
              with_raw(completed(), "revision", "true")]
    before = practice_rows(app)
    body = post_text(ana, '{"events": [' + ", ".join(events) + "]}").get_json()
    assert body["accepted"] == [] and len(body["refused"]) == 6
    assert practice_rows(app) == before


def test_minus_zero_as_an_integer_is_zero_and_as_a_float_is_refused(app, ana):
    """JSON's ``-0`` is the whole number 0 (what ``JSON.stringify(-0)`` writes as ``0``);
    ``-0.0`` is a float, and a place or a time in milliseconds is not."""
    plain, floating = reviewed(KEY, 0), reviewed(KEY, 0, at=RECENT_MORNING + timedelta(days=2))
    text = ('{"events": [' + with_raw(plain, "response_ms", "-0") + ", "
            + with_raw(floating, "question", "-0.0") + "]}")
    body = post_text(ana, text).get_json()
    assert body["accepted"] == [plain["id"]]
    assert [r["code"] for r in body["refused"]] == ["invalid_data"]
    with app.app_context():
        ms = db.session.scalar(sa.select(PracticeReview.response_ms))
    assert ms == 0 and type(ms) is int


@pytest.mark.parametrize("text", [
    # A key named twice: Python would keep the last value, other readers the first.
    '{"id": "%(id)s", "id": "%(id)s", "type": "card.reviewed", "schema": 1, '
    '"occurred_at": "%(at)s", "device_id": "p", "data": {}}',
    '{"id": "%(id)s", "type": "card.reviewed", "schema": 1, "occurred_at": "%(at)s", '
    '"device_id": "p", "data": {"item": "till-safety", "revision": 1, "question": 0, '
    '"answer": [0], "correct": true, "hinted": false, "grade": 1, "grade": 3, '
    '"response_ms": 5}}',
    '{"id": "%(id)s", "type": "plan.settings.changed", "schema": 1, "occurred_at": "%(at)s", '
    '"device_id": "p", "data": {"weekly_minutes": 60, "formats": [], "daily_minutes": 61, '
    '"daily_minutes": 5}}',
])
def test_a_key_named_twice_refuses_the_body_whole_and_keeps_it(app, ana, text):
    event = reviewed(KEY, 1)
    odd = text % {"id": event["id"], "at": event["occurred_at"]}
    body = '{"events": [' + json.dumps(reviewed(KEY, 2)) + ", " + odd + "]}"
    answer = post_text(ana, body)
    assert answer.status_code == 400
    error = answer.get_json()
    assert error["error"] == "malformed_json" and "twice" in error["message"]
    assert set(error) == {"code", "error", "message", "details"} and error["code"] == 400
    assert error["details"]["duplicate_key"] in {"id", "grade", "daily_minutes"}
    (kept_id, code, kept), = quarantined(app)
    assert kept == body and code == "malformed_json" and kept_id is None
    assert practice_rows(app)["reviews"] == []  # nothing of the batch applied


@pytest.mark.parametrize("raw", ["[" * 10_000 + "0" + "]" * 10_000,
                                 "1" + "0" * 5000])  # more digits than Python reads
def test_an_answer_too_deep_or_too_long_to_read_is_one_400(app, ana, raw):
    text = '{"events": [' + with_raw(reviewed(KEY, 0), "answer", raw) + "]}"
    answer = post_text(ana, text)
    assert answer.status_code == 400, answer.get_data(as_text=True)[:300]
    assert answer.get_json()["error"] == "malformed_json"
    (_, code, kept), = quarantined(app)
    assert code == "malformed_json" and kept == text
    assert practice_rows(app)["reviews"] == []


def test_a_full_batch_of_long_odd_answers_is_answered_event_by_event(app, ana):
    """500 events (the most a batch holds), each with text near the 1 MB a body may weigh."""
    filler = "\u202e\u200b🧾" * 40  # 120 characters: too long for a key
    events = [reviewed(filler, 0, at=RECENT_MORNING + timedelta(minutes=n))
              for n in range(499)]
    good = reviewed(KEY, 1)
    answer = ana.post("/api/v1/sync", {"events": [*events, good]})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["accepted"] == [good["id"]]
    assert {r["code"] for r in body["refused"]} == {"invalid_data"} and len(body["refused"]) == 499
    assert len(quarantined(app)) == 499


# Any JSON value in any field of the three events.
texts = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=12)
scalars = (st.none() | st.booleans() | texts
           | st.integers(min_value=-(2 ** 70), max_value=2 ** 70)
           | st.sampled_from([0, 1, 2, 3, 4, 5, 60, 61, 2 ** 31, 2 ** 63 - 1, 2 ** 63, -1, "0",
                              KEY, KEY.upper(), [0], [1], [0, 1], [True], [1.0]])
           | st.floats(allow_nan=True, allow_infinity=True))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(texts, inner, max_size=3), max_leaves=8)
EVENTS = {
    "card.reviewed": (lambda: reviewed(KEY, 0), ["item", "revision", "question", "answer",
                                                  "correct", "hinted", "grade", "response_ms",
                                                  "extra"]),
    "lesson.completed": (completed, ["item", "revision", "extra"]),
    "plan.settings.changed": (settings_changed, ["daily_minutes", "weekly_goal",
                                                 "weekly_minutes", "extra"]),
}


def exact(value, kind):
    return type(value) is kind


@settings(max_examples=250, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(EVENTS)), data=st.data(), value=values)
def test_any_value_in_any_practice_field_is_applied_exactly_or_refused_and_kept(
        app, ana, kind, data, value):
    make, fields = EVENTS[kind]
    field = data.draw(st.sampled_from(fields))
    odd = make()
    odd["data"][field] = value
    odd["occurred_at"] = (RECENT_MORNING + timedelta(seconds=data.draw(
        st.integers(0, 10 ** 6)))).isoformat()
    before = len(quarantined(app))
    good = reviewed(KEY, 1, at=RECENT_MORNING + timedelta(hours=1))
    answer = post_text(ana, json.dumps({"events": [odd, good]}, allow_nan=True))
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    body = answer.get_json()
    assert good["id"] in body["accepted"] + body["duplicates"]
    assert len(body["accepted"]) + len(body["duplicates"]) + len(body["refused"]) == 2
    assert len(quarantined(app)) == before + len(body["refused"])
    if odd["id"] not in body["accepted"]:
        with app.app_context():
            assert db.session.get(Event, odd["id"]) is None
        return
    # Accepted: it was a valid value, and it is stored as exactly that value.
    with app.app_context():
        if kind == "card.reviewed":
            row = db.session.get(PracticeReview, odd["id"])
            assert all(exact(getattr(row, f), int)
                       for f in ("revision", "question", "grade", "response_ms"))
            assert all(exact(a, int) for a in row.answer)
            assert exact(row.correct, bool) and exact(row.hinted, bool)
        elif kind == "plan.settings.changed":
            daily, goal = db.session.execute(sa.select(PlanSettings.daily_minutes,
                                                       PlanSettings.weekly_goal)).one()
            assert daily is None or (exact(daily, int) and 1 <= daily <= 60)
            assert goal is None or (exact(goal, int) and 1 <= goal <= 7)
        else:
            assert db.session.scalar(sa.select(LessonCompletion.revision)) == 1
