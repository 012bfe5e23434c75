"""Subscribing a device to notifications: only real push services, and only one's own devices."""

from __future__ import annotations

import base64
import os
import stat
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from py_vapid import Vapid

from pwa import vapid
from pwa.extensions import db
from pwa.models import PushSubscription
from tests.factories import sign_in_as
from tests.pushservice import PushService


def _key() -> Any:
    vapid = Vapid()
    vapid.generate_keys()
    return vapid


VAPID = _key()


@pytest.fixture
def app(app_factory: Any, service: PushService) -> Flask:
    made: Flask = app_factory(VAPID_PRIVATE_KEY=VAPID.private_pem().decode(),
                              SKILLPATH_PUSH_SERVICES=service.origin)
    return made


def test_a_device_subscribes_and_is_listed_then_removed(app: Flask, org: Any,
                                                        service: PushService) -> None:
    api = sign_in_as(app, "Ana Ruiz")
    before = api.get("/api/v1/push").get_json()
    assert before["devices"] == [] and len(base64.urlsafe_b64decode(
        before["public_key"] + "==")) == 65
    sub = service.subscribe()
    answer = api.post("/api/v1/push/subscriptions", sub)
    assert answer.status_code == 201
    [device] = answer.get_json()["devices"]
    assert device["device"] == "Test phone"  # the name this device's passkey was given
    assert device["session_id"] == answer.get_json()["this_session"]
    again = api.post("/api/v1/push/subscriptions", sub)  # the same endpoint: one row
    assert len(again.get_json()["devices"]) == 1
    bundle = api.get("/api/v1/bootstrap").get_json()
    assert bundle["push"]["devices"] == again.get_json()["devices"]
    removed = api.delete(f"/api/v1/push/subscriptions/{device['id']}")
    assert removed.status_code == 200 and removed.get_json()["devices"] == []


def test_someone_elses_device_is_not_found(app: Flask, org: Any, service: PushService) -> None:
    ana = sign_in_as(app, "Ana Ruiz")
    ben = sign_in_as(app, "Ben Okoro")
    device = ana.post("/api/v1/push/subscriptions", service.subscribe()).get_json()["devices"][0]
    answer = ben.delete(f"/api/v1/push/subscriptions/{device['id']}")
    assert answer.status_code == 404 and answer.get_json()["error"] == "not_found"
    assert len(ana.get("/api/v1/push").get_json()["devices"]) == 1


def test_a_browser_that_changes_hands_reaches_only_the_last_subscriber(
        app: Flask, org: Any, service: PushService) -> None:
    sub = service.subscribe()
    ana = sign_in_as(app, "Ana Ruiz")
    ana.post("/api/v1/push/subscriptions", sub)
    ben = sign_in_as(app, "Ben Okoro")
    ben.post("/api/v1/push/subscriptions", sub)
    assert ana.get("/api/v1/push").get_json()["devices"] == []
    assert len(ben.get("/api/v1/push").get_json()["devices"]) == 1


def test_signing_the_device_out_stops_its_notifications(app: Flask, org: Any,
                                                        service: PushService) -> None:
    api = sign_in_as(app, "Ana Ruiz")
    api.post("/api/v1/push/subscriptions", service.subscribe())
    api.post("/api/v1/auth/signout")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 0


def test_a_changed_subscription_replaces_the_old_one(app: Flask, org: Any,
                                                     service: PushService) -> None:
    api = sign_in_as(app, "Ana Ruiz")
    old, new = service.subscribe(), service.subscribe()
    api.post("/api/v1/push/subscriptions", old)
    answer = api.post("/api/v1/push/subscriptions", {**new, "replaces": old["endpoint"]})
    with app.app_context():
        assert db.session.scalars(sa.select(PushSubscription.endpoint)).all() == [
            new["endpoint"]]
    assert answer.status_code == 201
    gone = api.post("/api/v1/push/unsubscribe", {"endpoint": new["endpoint"]})
    assert gone.status_code == 200 and gone.get_json()["devices"] == []


@pytest.mark.parametrize(("change", "field"), [
    ({"endpoint": "https://evil.example/push"}, "endpoint"),
    ({"endpoint": "http://169.254.169.254/latest"}, "endpoint"),
    ({"endpoint": "https://fcm.googleapis.com.evil.example/x"}, "endpoint"),
    ({"keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "p256dh"),
    ({"keys": {"p256dh": "BCdefg", "auth": "x"}}, "p256dh"),
])
def test_a_subscription_we_would_not_post_to_is_refused_and_nothing_stored(
        app: Flask, org: Any, service: PushService, change: dict[str, Any], field: str) -> None:
    api = sign_in_as(app, "Ana Ruiz")
    answer = api.post("/api/v1/push/subscriptions", {**service.subscribe(), **change})
    body = answer.get_json()
    assert answer.status_code == 422, body
    assert body["error"] == "invalid_input" and body["details"]["field"] == field
    assert api.get("/api/v1/push").get_json()["devices"] == []


@pytest.mark.parametrize("body", [
    {}, {"endpoint": "x"}, {"endpoint": "https://fcm.googleapis.com/x", "keys": {}},
    {"endpoint": ["x"], "keys": {"p256dh": "a", "auth": "b"}},
    {"endpoint": "https://fcm.googleapis.com/x", "keys": {"p256dh": "a", "auth": "b"},
     "colour": "red"},
    {"endpoint": "https://fcm.googleapis.com/x\u0000", "keys": {"p256dh": "a", "auth": "b"}},
    {"endpoint": "https://fcm.googleapis.com/" + "x" * 5000,
     "keys": {"p256dh": "a", "auth": "b"}},
    {"endpoint": "https://fcm.googleapis.com/x", "keys": {"p256dh": "a", "auth": "b"},
     "expirationTime": 10**400},
])
def test_malformed_subscriptions_get_the_one_error_shape(app: Flask, org: Any,
                                                         body: dict[str, Any]) -> None:
    api = sign_in_as(app, "Ana Ruiz")
    answer = api.post("/api/v1/push/subscriptions", body)
    assert answer.status_code in (400, 422)
    assert set(answer.get_json()) >= {"code", "error", "message"}


def test_without_a_key_the_server_says_push_is_not_set_up(app_factory: Any, org: Any,
                                                          service: PushService) -> None:
    app = app_factory(SKILLPATH_PUSH_SERVICES=service.origin)
    api = sign_in_as(app, "Ana Ruiz")
    assert api.get("/api/v1/push").get_json()["public_key"] is None
    answer = api.post("/api/v1/push/subscriptions", service.subscribe())
    assert answer.status_code == 409 and answer.get_json()["error"] == "push_not_set_up"


def test_generate_writes_a_private_key_only_its_owner_reads_and_never_replaces_it(
        app_factory: Any, tmp_path: Any) -> None:
    file = tmp_path / "instance" / "vapid_private.pem"
    app = app_factory(SKILLPATH_VAPID_FILE=str(file))
    first = app.test_cli_runner().invoke(args=["vapid", "generate"])
    assert first.exit_code == 0, first.output
    assert stat.S_IMODE(os.stat(file).st_mode) == 0o600
    key = file.read_bytes()
    second = app.test_cli_runner().invoke(args=["vapid", "generate"])
    assert "Kept the key" in second.output and file.read_bytes() == key
    public = first.output.strip().rsplit(" ", 1)[-1]
    assert public in second.output
    with app.test_request_context():
        assert vapid.keys() is not None and vapid.keys().public == public


def test_keys_from_the_environment_must_be_a_pair_that_reads() -> None:
    other = _key()
    private = VAPID.private_pem().decode()
    assert vapid.load({"VAPID_PRIVATE_KEY": private,
                       "VAPID_PUBLIC_KEY": vapid.public_of(VAPID)}) is not None
    with pytest.raises(RuntimeError, match="not the public half"):
        vapid.load({"VAPID_PRIVATE_KEY": private, "VAPID_PUBLIC_KEY": vapid.public_of(other)})
    with pytest.raises(RuntimeError, match="cannot be read"):
        vapid.load({"VAPID_PRIVATE_KEY": "not a key"})
