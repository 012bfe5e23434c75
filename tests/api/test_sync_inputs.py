"""POST /api/v1/sync judges every value a JSON body can carry, per event, and never answers 500.

Each event is accepted, a duplicate, or refused with a reason and kept in the
quarantine exactly as it arrived (as escaped JSON text, which both databases
store whatever it holds). A body that cannot be parsed at all is one 400.
"""

from __future__ import annotations

import io
import json
import math
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pwa import clock
from pwa.extensions import db
from pwa.models import Event, QuarantinedEvent, Rating
from pwa.sync.quarantine import payload_of
from tests.factories import RECENT_MORNING, moment, publish_profile, sign_in_as

MONDAY = RECENT_MORNING


def rating(level=3, *, competency="greet", note=None, event_id=None, **envelope):
    event = {"id": event_id or str(uuid.uuid4()), "type": "rating.set", "schema": 1,
             "occurred_at": moment(), "device_id": "phone-1",
             "data": {"role": "store-associate", "competency": competency, "version": 1,
                      "level": level, "note": note}}
    event.update(envelope)
    return event


def send(api, events):
    """POST the events as JSON text: NaN, Infinity and lone surrogates pass as they are."""
    text = json.dumps({"events": events}, allow_nan=True)
    return api.client.post("/api/v1/sync", data=text, content_type="application/json",
                           headers={"X-CSRFToken": api.csrf()})


def quarantined(app):
    with app.app_context():
        return [(q.event_id, q.code, payload_of(q)) for q in db.session.scalars(
            sa.select(QuarantinedEvent).order_by(QuarantinedEvent.id))]


@pytest.fixture
def ana(app, org):
    publish_profile(app)
    return sign_in_as(app, "Ana Ruiz")


def same(a, b):
    """Equal as JSON values, NaN equal to NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


EXAMPLES = {
    "version beyond 64 bits": rating(data={"role": "store-associate", "competency": "greet",
                                           "version": 2 ** 70, "level": 3}),
    "version beyond 32 bits": rating(data={"role": "store-associate", "competency": "greet",
                                           "version": 2 ** 40, "level": 3}),
    "level beyond 64 bits": rating(level=-(2 ** 64)),
    "lone surrogate in a note": rating(note="\ud83d"),
    "lone surrogate in the device id": rating(device_id="phone-\udc00"),
    "lone surrogate in the event id": rating(event_id="\ud83d"),
    "lone surrogate in the type": rating(type="rating.\ud83d"),
    "lone surrogate in a key": rating(data={"role": "store-associate", "competency": "greet",
                                            "version": 1, "level": 3, "\ud83d": 1}),
    "NUL in a note": rating(note="a\x00b"),
    "NUL in the role": rating(data={"role": "store\x00", "competency": "greet", "version": 1,
                                    "level": 3}),
    "NUL in the device id": rating(device_id="\x00"),
    "NUL in the type": rating(type="\x00"),
    "NaN level": rating(level=float("nan")),
    "Infinity version": rating(data={"role": "store-associate", "competency": "greet",
                                     "version": float("inf"), "level": 3}),
    "NaN in an unknown field": rating(extra=float("-inf")),
    "year 1 with an offset": rating(occurred_at="0001-01-01T00:00:00+05:00"),
    "year 9999 with a negative offset": rating(occurred_at="9999-12-31T23:59:59-05:00"),
    "before the app existed": rating(occurred_at="1970-01-01T00:00:00Z"),
    "an hour of 24": rating(occurred_at="2026-11-16T24:00:00Z"),
    "nested fifty levels deep": rating(note=json.loads("[" * 50 + "]" * 50)),
    "a float level": rating(level=3.5),
    "true as a level": rating(level=True),
    "a huge note": rating(note="x" * 100_000),
}


@pytest.mark.parametrize("name", EXAMPLES)
def test_an_odd_value_is_refused_on_its_own_and_kept_as_it_came(app, ana, name):
    odd, good = EXAMPLES[name], rating(competency="tills")
    answer = send(ana, [odd, good])
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["accepted"] == [good["id"]]  # the good event is never lost with the bad one
    assert [r["id"] for r in body["refused"]] == [odd["id"]]
    assert body["refused"][0]["message"]
    kept = quarantined(app)
    assert len(kept) == 1 and same(kept[0][2], odd)  # what arrived, losslessly


@pytest.mark.parametrize("levels", [100, 5000])  # the second is about 10 KB
def test_a_body_too_deep_to_read_is_one_400(app, ana, levels):
    deep = '{"events": [' + "[" * levels + "]" * levels + "]}"
    answer = ana.client.post("/api/v1/sync", data=deep, content_type="application/json",
                             headers={"X-CSRFToken": ana.csrf()})
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "malformed_json"


def test_an_id_sent_again_with_another_payload_is_a_conflict_kept_with_both(app, ana):
    first = rating(2)
    assert send(ana, [first]).get_json()["accepted"] == [first["id"]]
    changed = dict(first, data=dict(first["data"], level=4))
    answer = send(ana, [changed]).get_json()
    assert answer["accepted"] == [] and answer["duplicates"] == []
    assert [(r["id"], r["code"]) for r in answer["refused"]] == [(first["id"], "id_conflict")]
    (event_id, code, payload), = quarantined(app)
    assert (event_id, code) == (first["id"], "id_conflict")
    assert payload["sent"] == changed and payload["stored"]["data"]["level"] == 2
    with app.app_context():
        assert db.session.scalar(sa.select(Rating.level)) == 2  # the first stands
    # The very same event again is still a plain duplicate, in another batch or the same one.
    assert send(ana, [first]).get_json()["duplicates"] == [first["id"]]
    twin = rating(3)
    answer = send(ana, [twin, dict(twin, device_id="phone-2")]).get_json()
    assert answer["accepted"] == [twin["id"]]
    assert [r["code"] for r in answer["refused"]] == ["id_conflict"]


# Arbitrary JSON values, as a phone (or anything else) could send them.
texts = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=12)
scalars = (st.none() | st.booleans() | texts
           | st.integers(min_value=-(2 ** 80), max_value=2 ** 80)
           | st.sampled_from([2 ** 31, 2 ** 63, -(2 ** 63) - 1, 2 ** 64, 10 ** 20])
           | st.floats(allow_nan=True, allow_infinity=True))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(texts, inner, max_size=3), max_leaves=8)
FIELDS = ["id", "type", "schema", "occurred_at", "device_id", "data", "person_id",
          "data.role", "data.competency", "data.version", "data.level", "data.note"]


def with_value(event, field, value):
    event = json.loads(json.dumps(event))
    if field.startswith("data."):
        event["data"][field[5:]] = value
    else:
        event[field] = value
    return event


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(field=st.sampled_from(FIELDS), value=values, keep_id=st.booleans())
def test_any_value_in_any_field_never_breaks_a_batch(app, ana, field, value, keep_id):
    before = len(quarantined(app))
    good = rating(competency="tills")
    odd = with_value(rating(), field, value)
    if keep_id and field != "id":
        odd["id"] = str(uuid.uuid4())
    answer = send(ana, [odd, good])
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert good["id"] in body["accepted"]
    answered = len(body["accepted"]) + len(body["duplicates"]) + len(body["refused"])
    assert answered == 2  # every event sent has an answer
    refused = len(body["refused"])
    assert len(quarantined(app)) == before + refused  # and every refusal is kept
    with app.app_context():
        assert db.session.get(Event, good["id"]) is not None


def test_events_far_apart_in_time_are_judged_by_their_own_clock(app, ana):
    late = rating(occurred_at=(clock.now() + timedelta(days=2)).isoformat())
    answer = send(ana, [late]).get_json()
    assert [r["code"] for r in answer["refused"]] == ["clock_wrong"]


def test_your_data_holds_each_refused_event_as_it_came(app, ana):
    plain, odd = rating(level=9), rating(level=float("nan"), note="\ud83d")
    send(ana, [plain, odd])
    refused = ana.get("/api/v1/me/export").get_json()["quarantined_events"]
    assert [r["code"] for r in refused] == ["invalid_level", "invalid_value"]
    assert refused[0]["payload"] == plain
    # NaN and a lone surrogate are not plain JSON: the text that arrived, escaped.
    assert "payload" not in refused[1]
    assert same(json.loads(refused[1]["payload_text"]), odd)


@pytest.mark.parametrize("body", ['{"events": [' + "[" * 100 + "]" * 100 + "]}",
                                  '{"events": [{"id": "a"', '{"events": "not a list"}'])
def test_a_body_refused_whole_is_kept_in_the_quarantine(app, ana, body):
    answer = ana.client.post("/api/v1/sync", data=body, content_type="application/json",
                             headers={"X-CSRFToken": ana.csrf()})
    assert answer.status_code in (400, 422)
    (event_id, code, payload), = quarantined(app)
    assert payload == body and code == answer.get_json()["error"] and event_id is None


def test_a_body_from_nobody_signed_in_is_a_401_not_a_400(app, org):
    from tests.factories import Api

    nobody = Api(app.test_client())
    answer = nobody.client.post("/api/v1/sync", data="{", content_type="application/json",
                                headers={"X-CSRFToken": nobody.csrf()})
    assert answer.status_code == 401  # the phone keeps its outbox and asks to sign in
    assert quarantined(app) == []


# A body is kept whole whatever its content type: the CSRF check reads the form of a form
# body, which would consume it before the route could keep it.
JSON_BATCH = json.dumps({"events": [rating()]}).encode()
ODD_TEXT = json.dumps({"events": [rating(note="naïve café ☕ \u202e\u2028 𝄞 \u0000")]},
                      ensure_ascii=False).encode()
NOT_UTF8 = b'{"events": [{"note": "\xff\xfe caf\xe9 \xed\xa0\xbd \x00"}]}'
HUGE = json.dumps({"events": [rating(note="x" * 1000)] * 800}).encode()  # just under 1 MB


@pytest.mark.parametrize("content_type", [
    "application/x-www-form-urlencoded", "multipart/form-data",
    "multipart/form-data; boundary=----edge", "text/plain; charset=utf-8", None,
])
@pytest.mark.parametrize("body", [JSON_BATCH, ODD_TEXT, NOT_UTF8, HUGE, b""],
                         ids=["json", "odd-unicode", "not-utf8", "huge", "empty"])
def test_a_body_of_another_content_type_is_refused_and_kept_whole(app, ana, content_type,
                                                                   body):
    assert len(HUGE) < app.config["MAX_CONTENT_LENGTH"]
    headers = {"X-CSRFToken": ana.csrf()}
    if content_type is not None:
        headers["Content-Type"] = content_type
    # As a stream: the test client would write a multipart body of its own for an empty one.
    answer = ana.client.post("/api/v1/sync", input_stream=io.BytesIO(body),
                             content_length=len(body), headers=headers)
    assert answer.status_code == 415, answer.get_data(as_text=True)[:300]
    (event_id, code, payload), = quarantined(app)
    assert code == "unsupported_media_type" and event_id is None
    # The very bytes that arrived, bytes that are not UTF-8 included.
    assert payload.encode("utf-8", "surrogateescape") == body


@pytest.mark.parametrize("body", [NOT_UTF8, b'{"events": [' + b"\xc3" * 10])
def test_a_json_body_that_is_not_utf8_is_one_400_and_kept_whole(app, ana, body):
    answer = ana.client.post("/api/v1/sync", data=body, content_type="application/json",
                             headers={"X-CSRFToken": ana.csrf()})
    assert answer.status_code == 400
    (_, code, payload), = quarantined(app)
    assert code == "malformed_json"
    assert payload.encode("utf-8", "surrogateescape") == body


def test_a_form_body_without_a_token_is_still_refused_by_the_csrf_check(app, ana):
    """Keeping the body does not hide the form from the CSRF check, nor the check's answer."""
    answer = ana.client.post("/api/v1/sync", data={"csrf_token": "forged"})
    assert answer.status_code == 400 and answer.get_json()["error"] == "csrf_failed"
    assert quarantined(app) == []
