"""Which push endpoints we post to, what a push carries, and what a push service's answer means."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from engine import push as rules
from engine.errors import InvalidInput

P256DH = base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).rstrip(b"=").decode()
AUTH = base64.urlsafe_b64encode(b"\x02" * 16).rstrip(b"=").decode()
NOW = datetime(2026, 3, 9, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize("endpoint", [
    "https://fcm.googleapis.com/fcm/send/abc:def",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
    "https://web.push.apple.com/QGuQyavXutnMH",
    "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAD",
    "https://FCM.googleapis.com:443/fcm/send/x",
])
def test_the_browsers_push_services_are_accepted(endpoint: str) -> None:
    found = rules.check_subscription(endpoint, P256DH, AUTH)
    assert found.to_dict() == {"endpoint": endpoint, "keys": {"p256dh": P256DH, "auth": AUTH}}


@pytest.mark.parametrize("endpoint", [
    "http://fcm.googleapis.com/fcm/send/x",  # not https
    "https://fcm.googleapis.com.evil.example/x",  # a suffix that is not the host's
    "https://evilfcm.googleapis.com.example/x",
    "https://notfcm.googleapis.co/x",
    "https://fcm.googleapis.com:8443/x",  # another port
    "https://user@169.254.169.254/latest/meta-data",  # the cloud's metadata service
    "https://localhost/push",
    "https://127.0.0.1/push",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "https://fcm.googleapis.com/x y",
    "https://fcm.googleapis.com/\x00",
    "https://[::1/x",
    "https://fcm.googleapis.com:99999/x",
    "",
    "https://fcm.googleapis.com/" + "a" * 1100,
])
def test_any_other_endpoint_is_refused(endpoint: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.check_subscription(endpoint, P256DH, AUTH)
    assert caught.value.details == {"field": "endpoint"}


def test_an_operator_adds_a_service_by_host_or_by_origin() -> None:
    assert rules.check_subscription("https://push.example.org/a", P256DH, AUTH,
                                    extra_services=("example.org",))
    # An origin entry allows exactly that scheme, host and port (a test's local service).
    assert rules.check_subscription("http://localhost:8123/push/a", P256DH, AUTH,
                                    extra_services=("http://localhost:8123",))
    for other in ("http://localhost:8124/push/a", "https://localhost:8123/push/a",
                  "http://push.example.org/a"):
        with pytest.raises(InvalidInput):
            rules.check_subscription(other, P256DH, AUTH,
                                     extra_services=("http://localhost:8123", "example.org"))


@pytest.mark.parametrize(("p256dh", "auth", "field"), [
    ("", AUTH, "p256dh"),
    (None, AUTH, "p256dh"),
    (12, AUTH, "p256dh"),
    ("not base64!", AUTH, "p256dh"),
    (base64.urlsafe_b64encode(b"\x04" + b"\x01" * 63).decode(), AUTH, "p256dh"),  # short
    (base64.urlsafe_b64encode(b"\x03" + b"\x01" * 64).decode(), AUTH, "p256dh"),  # compressed
    (P256DH, base64.urlsafe_b64encode(b"\x02" * 15).decode(), "auth"),
    (P256DH, "", "auth"),
    (P256DH, "é" * 10, "auth"),
])
def test_keys_that_are_not_keys_are_refused(p256dh: object, auth: object, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.check_subscription("https://fcm.googleapis.com/fcm/send/x", p256dh, auth)
    assert caught.value.details == {"field": field}


def test_a_message_is_json_within_3_kb_and_opens_only_this_app() -> None:
    message = rules.Message("plan", "Time to learn", "Tills: 5 minutes", "/app#/plan")
    assert message.payload() == (b'{"kind":"plan","title":"Time to learn",'
                                 b'"body":"Tills: 5 minutes","url":"/app#/plan"}')
    assert len(rules.Message("plan", "t", "é" * 1490, "/").payload()) <= rules.MAX_PAYLOAD
    with pytest.raises(InvalidInput):
        rules.Message("plan", "t", "é" * 1520, "/").payload()  # 3,040 bytes of text, and JSON
    for url in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        with pytest.raises(InvalidInput):
            rules.Message("plan", "t", "b", url).payload()


def test_a_topic_per_kind_in_the_alphabet_rfc_8030_allows() -> None:
    assert rules.topic("practice") == "skillpath-practice"
    assert rules.topic("mentor.request") == "skillpath-mentor-request"
    assert len(rules.topic("x" * 50)) == 32


@pytest.mark.parametrize(("status", "outcome"), [
    (201, rules.Outcome.DELIVERED), (200, rules.Outcome.DELIVERED),
    (404, rules.Outcome.GONE), (410, rules.Outcome.GONE),
    (429, rules.Outcome.RETRY), (500, rules.Outcome.RETRY), (503, rules.Outcome.RETRY),
    (400, rules.Outcome.FAILED), (403, rules.Outcome.FAILED), (413, rules.Outcome.FAILED),
])
def test_what_an_answer_means(status: int, outcome: rules.Outcome) -> None:
    assert rules.outcome(status) is outcome


def test_retries_back_off_exponentially_then_give_up() -> None:
    waits = [rules.retry_at(n, NOW) for n in range(1, 7)]
    assert [w - NOW if w else None for w in waits] == [
        timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2),
        timedelta(minutes=4), None, None]


def test_retry_after_is_honoured_in_seconds_or_as_a_date_up_to_an_hour() -> None:
    assert rules.retry_at(1, NOW, "120") == NOW + timedelta(minutes=2)
    assert rules.retry_at(1, NOW, "5") == NOW + timedelta(seconds=30)  # never sooner than ours
    assert rules.retry_at(1, NOW, "Mon, 09 Mar 2026 07:40:00 GMT") == NOW + timedelta(minutes=10)
    assert rules.retry_at(1, NOW, "999999999999") == NOW + timedelta(hours=1)
    assert rules.retry_at(1, NOW, "Mon, 09 Mar 2030 07:40:00 GMT") == NOW + timedelta(hours=1)
    for nonsense in ("soon", "-5", "", "Mon, 09 Mar 2026 07:00:00 GMT", "1e9"):
        assert rules.retry_at(1, NOW, nonsense) == NOW + timedelta(seconds=30)
