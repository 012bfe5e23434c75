"""Golden tests of event checking: each rule, from the protocol, by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine import assessment, feedback, sync

# The data rules of each event type, as pwa.sync.registry gathers them.
RULES = {"rating.set": assessment.rating_data, "assessment.submitted": assessment.submitted_data,
         "feedback.created": feedback.created_data}

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ID = "6f1c2b9e-3a7d-4c1e-9b2a-0d5e8f7a6b43"


def raw(**changes):
    event = {"id": ID, "type": "rating.set", "schema": 1, "occurred_at": "2026-11-18T07:15:00Z",
             "device_id": "pixel-8", "data": {"role": "store-associate",
                                              "competency": "till-payments", "version": 2,
                                              "level": 3, "note": "  Busy Saturday helped  "}}
    event.update(changes)
    return event


def test_a_good_rating_is_normalised():
    event = sync.check(raw(), NOW, RULES)
    assert event == sync.Event(
        id=ID, type="rating.set", schema=1,
        occurred_at=datetime(2026, 11, 18, 7, 15, tzinfo=UTC), device_id="pixel-8",
        data=assessment.RatingData(role="store-associate", competency="till-payments",
                                   version=2, level=3, note="Busy Saturday helped"))


def test_uppercase_uuid_is_accepted_and_lowered():
    assert sync.check(raw(id=ID.upper()), NOW, RULES).id == ID


@pytest.mark.parametrize(("changes", "code"), [
    ({"id": "42"}, "invalid_id"),
    ({"id": ID.replace("-", "")}, "invalid_id"),
    ({"type": "rating.deleted"}, "unknown_type"),
    ({"schema": 2}, "unsupported_schema"),
    ({"schema": True}, "unsupported_schema"),
    ({"occurred_at": "yesterday"}, "invalid_time"),
    ({"occurred_at": "2026-11-18T07:15:00"}, "invalid_time"),  # no time zone
    ({"occurred_at": "2026-11-21T12:00:01Z"}, "clock_wrong"),  # a day and a second ahead
    ({"device_id": ""}, "invalid_event"),
    ({"extra": 1}, "invalid_event"),
    ({"data": []}, "invalid_data"),
    ({"data": {"role": "store-associate", "competency": "x", "version": 1, "level": 0}},
     "invalid_level"),
    ({"data": {"role": "store-associate", "competency": "x", "version": 1, "level": 3.0}},
     "invalid_level"),
    ({"data": {"role": "store-associate", "competency": "x", "version": 0, "level": 3}},
     "invalid_data"),
    ({"data": {"competency": "x", "version": 1, "level": 3}}, "invalid_data"),
    ({"data": {"role": "r", "competency": "x", "version": 1, "level": 3, "mood": "ok"}},
     "invalid_data"),
])
def test_refusals(changes, code):
    with pytest.raises(sync.Refused) as caught:
        sync.check(raw(**changes), NOW, RULES)
    assert caught.value.refusal.code == code
    assert caught.value.refusal.message


def test_exactly_one_day_ahead_is_still_accepted():
    assert sync.check(raw(occurred_at="2026-11-21T12:00:00Z"), NOW, RULES)


def test_not_an_object():
    with pytest.raises(sync.Refused) as caught:
        sync.check(["rating.set"], NOW, RULES)
    assert caught.value.refusal.code == "invalid_event"


def test_order_is_by_occurrence_then_id():
    a = sync.check(raw(id="00000000-0000-4000-8000-000000000002"), NOW, RULES)
    b = sync.check(raw(id="00000000-0000-4000-8000-000000000001"), NOW, RULES)
    c = sync.check(raw(id="00000000-0000-4000-8000-000000000003",
                       occurred_at="2026-11-17T07:15:00Z"), NOW, RULES)
    assert [e.id[-1] for e in sync.order([a, b, c])] == ["3", "1", "2"]


def test_other_types():
    submitted = sync.check(raw(type="assessment.submitted",
                               data={"role": "store-associate", "version": 2}), NOW, RULES)
    assert submitted.data == assessment.SubmittedData(role="store-associate", version=2)
    assert submitted.data.to_dict() == {"role": "store-associate", "version": 2}
    feedback = sync.check(raw(type="feedback.created", data={
        "role": "store-associate", "competency": "", "kind": "missing", "text": "t"}), NOW, RULES)
    assert feedback.data.competency is None



def nested(levels, inner):
    """``inner`` inside ``levels`` lists: ``inner`` itself is at depth ``levels``."""
    for _ in range(levels):
        inner = [inner]
    return inner


TOO_DEEP = nested(sync.MAX_DEPTH + 1, 0)


@pytest.mark.parametrize("bad", [
    "a\x00b", "\ud83d", 2 ** 63, -(2 ** 63) - 1, float("nan"), float("-inf"),
    {"\x00": 1}, {"\udc00": 1}, TOO_DEEP, nested(sync.MAX_DEPTH + 1, []),
])
@pytest.mark.parametrize("where", ["alone", "in data", "in a list", "deep"])
def test_values_no_database_should_hold_are_refused_wherever_they_are(bad, where):
    value = {"alone": bad, "in data": {"data": {"a": 1, "b": bad, "c": "x"}},
             "in a list": ["x", 1, True, None, 0.5, bad], "deep": nested(5, {"k": [bad]})}[where]
    with pytest.raises(sync.Refused) as caught:
        sync.storable(value)
    assert caught.value.refusal.code == "invalid_value"


@pytest.mark.parametrize("good", [
    "é ü 漢字 🙂", 2 ** 63 - 1, -(2 ** 63), 0.25, True, None, [], {}, {"é": ["ü"]},
    nested(sync.MAX_DEPTH, 0), nested(sync.MAX_DEPTH, []), nested(sync.MAX_DEPTH - 1, {"a": 1}),
])
def test_plain_json_values_are_storable(good):
    sync.storable(good)
