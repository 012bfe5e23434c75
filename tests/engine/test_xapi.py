"""xAPI statements of a finished lesson and a practice answer, golden, written by hand."""

from __future__ import annotations

import hashlib
import hmac
import typing
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine import assessment, practice
from engine.interchange import xapi
from engine.sync import Event

AT = datetime(2026, 3, 9, 7, 30, 5, 250_000, tzinfo=UTC)
ANA = xapi.Learner(home_page="https://learn.northwind.example/organisations/northwind",
                   name="0f3a9c", language="es")
SITE = xapi.Site("https://learn.northwind.example")
ACTOR = {"objectType": "Agent",
         "account": {"homePage": "https://learn.northwind.example/organisations/northwind",
                     "name": "0f3a9c"}}
EVENT_ID = "5b0e7c1e-2a44-4f0b-9a61-3c2d7e8f9a10"


def test_a_finished_lesson_is_completed_by_an_account_with_no_name() -> None:
    event = Event(EVENT_ID, "lesson.completed", 1, AT, "phone-1",
                  practice.CompletedData("till safety", 2))
    made = xapi.completed(event, ANA, SITE).to_dict()
    assert made == {
        "id": made["id"],
        "actor": ACTOR,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed",
                 "display": {"en-US": "completed"}},
        "object": {"objectType": "Activity",
                   "id": "https://learn.northwind.example/xapi/items/till%20safety",
                   "definition": {"type": "http://adlnet.gov/expapi/activities/lesson"}},
        "result": {"completion": True},
        "context": {"platform": "Skillpath", "language": "es", "extensions": {
            "https://learn.northwind.example/xapi/extensions/revision": 2}},
        "timestamp": "2026-03-09T07:30:05.250Z",
    }
    assert uuid.UUID(made["id"]).version == 5


def test_an_answer_is_answered_with_its_success_and_time_never_the_options_chosen() -> None:
    event = Event(EVENT_ID, "card.reviewed", 1, AT, "phone-1",
                  practice.ReviewedData("tills", 1, 2, (3, 1), False, True, 1, 4_237))
    made = xapi.answered(event, ANA, SITE).to_dict()
    lesson = "https://learn.northwind.example/xapi/items/tills"
    assert made == {
        "id": made["id"],
        "actor": ACTOR,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered",
                 "display": {"en-US": "answered"}},
        "object": {"objectType": "Activity", "id": lesson + "/questions/2",
                   "definition": {"type": "http://adlnet.gov/expapi/activities/"
                                          "cmi.interaction"}},
        "result": {"success": False, "duration": "PT4.24S"},
        "context": {"platform": "Skillpath", "language": "es",
                    "contextActivities": {"parent": [{
                        "objectType": "Activity", "id": lesson,
                        "definition": {"type": "http://adlnet.gov/expapi/activities/lesson"}}]},
                    "extensions": {"https://learn.northwind.example/xapi/extensions/revision": 1}},
        "timestamp": "2026-03-09T07:30:05.250Z",
    }


def test_the_statement_id_is_the_uuid5_of_the_event_id_the_same_on_every_retry() -> None:
    first = xapi.statement_id(EVENT_ID)
    assert first == str(uuid.uuid5(uuid.UUID("6f1c6a52-3f7e-5b59-9a51-0d3b8a7c2e41"), EVENT_ID))
    assert xapi.statement_id(EVENT_ID) == first
    assert xapi.statement_id(EVENT_ID.replace("5b0e", "5b0f")) != first
    event = Event(EVENT_ID, "lesson.completed", 1, AT, "phone-1",
                  practice.CompletedData("tills", 1))
    assert xapi.completed(event, ANA, SITE).id == first


def test_the_actor_is_a_keyed_hash_per_organisation_that_says_nothing_without_the_key() -> None:
    name = xapi.opaque_name(b"k", 3, 42)
    assert name == hmac.new(b"k", b"skillpath-xapi-actor:3:42",
                            hashlib.sha256).hexdigest()[:32]
    assert name != xapi.opaque_name(b"k", 4, 42)  # another organisation
    assert name != xapi.opaque_name(b"other key", 3, 42)
    assert xapi.opaque_name(b"k", 3, 42) == name


@pytest.mark.parametrize(("ms", "said"), [(0, "PT0S"), (5000, "PT5S"), (4237, "PT4.24S"),
                                          (61_014, "PT61.01S"), (9, "PT0.01S")])
def test_durations_are_iso_8601_to_the_hundredth(ms: int, said: str) -> None:
    assert xapi.duration(ms) == said


@pytest.mark.parametrize(("status", "statements", "meaning"), [
    (200, 25, "stored"), (204, 1, "stored"), (409, 1, "stored"), (409, 25, "split"),
    (400, 25, "split"), (400, 1, "refused"), (401, 1, "refused"), (413, 1, "refused"),
    (429, 25, "retry"), (503, 1, "retry"), (500, 3, "retry"), (0, 1, "retry")])
def test_what_the_lrs_answer_means(status: int, statements: int, meaning: str) -> None:
    assert xapi.answer(status, statements) == meaning


def test_retries_back_off_honour_retry_after_and_end() -> None:
    assert xapi.retry_at(1, AT) == AT + timedelta(seconds=30)
    assert xapi.retry_at(3, AT) == AT + timedelta(minutes=2)
    assert xapi.retry_at(11, AT) == AT + timedelta(hours=6)  # 30 s * 1024, capped
    assert xapi.retry_at(1, AT, "120") == AT + timedelta(minutes=2)
    assert xapi.retry_at(3, AT, "5") == AT + timedelta(minutes=2)  # never sooner than ours
    asked = "Mon, 09 Mar 2026 08:30:05 GMT"  # an hour, less the quarter second past AT
    assert xapi.retry_at(1, AT, asked) == datetime(2026, 3, 9, 8, 30, 5, tzinfo=UTC)
    assert xapi.retry_at(12, AT) is None


def test_only_a_finished_lesson_or_an_answer_can_be_built_into_a_statement() -> None:
    """Structurally: the two builders take those events' data, and a statement has no field
    that could carry a rating, a note, a plan or a message."""
    hints = {f: typing.get_type_hints(f)["event"] for f in (xapi.completed, xapi.answered)}
    assert hints == {xapi.completed: Event[practice.CompletedData],
                     xapi.answered: Event[practice.ReviewedData]}
    assert set(xapi.Statement.__dataclass_fields__) == {
        "id", "kind", "actor", "verb", "activity", "activity_type", "parent", "timestamp",
        "success", "duration_ms", "revision", "origin"}
    assert set(xapi.Learner.__dataclass_fields__) == {"home_page", "name", "language"}


@pytest.mark.parametrize("data", [
    assessment.RatingData("store-associate", "greet", 1, 2, "my manager shouts"),
    practice.CompletedData("tills", 1)])
def test_any_other_event_is_refused_at_run_time_too(data: Any) -> None:
    event = Event(EVENT_ID, "x", 1, AT, "phone-1", data)
    with pytest.raises(TypeError, match="only ReviewedData"):
        xapi.answered(event, ANA, SITE)
    if not isinstance(data, practice.CompletedData):
        with pytest.raises(TypeError, match="only CompletedData"):
            xapi.completed(event, ANA, SITE)
