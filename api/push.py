"""Push: the key browsers subscribe with, and the signed-in person's subscribed devices.

A subscription is made online (the browser's push service needs the network
as much as we do), so it is a plain request rather than an outbox event. The
endpoint must be a push service we know (``engine.push``): the server never
posts to an address a client made up.
"""

from __future__ import annotations

from typing import Annotated, Any

from flask import Blueprint, Response, current_app
from pydantic import AfterValidator, Field

from api.errors import ApiError
from api.http import Schema, body, no_store, responds, signed_in
from engine import push as rules
from engine.errors import N_, NotFound
from pwa import clock, vapid
from pwa.extensions import db
from pwa.session import current_session_id
from pwa.store import push as store
from pwa.sync import registry

bp = Blueprint("api_push", __name__, url_prefix="/api/v1/push")


def _not_blank(value: str) -> str:
    """Not only whitespace, by Python's idea of it too (the document says so)."""
    if not value.strip():
        raise ValueError("is blank")
    return value


Key = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_not_blank)]
Endpoint = Annotated[str, Field(min_length=1, max_length=rules.MAX_ENDPOINT),
                     AfterValidator(_not_blank)]


class SubscriptionKeys(Schema):
    p256dh: Key
    auth: Key


class SubscribeRequest(Schema):
    """What ``PushSubscription.toJSON()`` gives, and the endpoint it replaces, if any."""

    endpoint: Endpoint
    keys: SubscriptionKeys
    expirationTime: int | None = Field(default=None, ge=0, le=2**53)  # noqa: N815 (the browser's)
    replaces: Endpoint | None = None


class UnsubscribeRequest(Schema):
    endpoint: Endpoint


def state() -> dict[str, Any]:
    """The bundle's ``push`` part (the key, the person's devices), and which one asks."""
    part: dict[str, Any] = registry.push_part(signed_in(), {})["push"]
    return {**part, "this_session": current_session_id()}


@bp.get("")
@responds(200, 401)
def push_state() -> Response:
    """The key to subscribe with and the devices that get notifications; ``this_session``
    tells this device's own row (its ``session_id``) from the others."""
    return no_store(state())


@bp.post("/subscriptions")
@responds(201, 401, 404, 409)
@body(SubscribeRequest)
def subscribe(body: SubscribeRequest) -> Response:
    """Keep this device's subscription (the same endpoint again updates it)."""
    person = signed_in()
    subscription = rules.check_subscription(
        body.endpoint, body.keys.p256dh, body.keys.auth,
        extra_services=store.extra_services(current_app.config))
    if vapid.keys() is None:
        raise ApiError(409, "push_not_set_up",
                       N_("Notifications are not set up on this server yet."))
    session_id = current_session_id()
    if session_id is None:
        raise NotFound(N_("This device is not signed in any more."))
    if body.replaces and body.replaces != body.endpoint:
        store.remove_endpoint(person, body.replaces)
    store.subscribe(person, session_id, subscription, clock.now())
    db.session.commit()
    response = no_store(state())
    response.status_code = 201
    return response


@bp.post("/unsubscribe")
@responds(200, 401)
@body(UnsubscribeRequest)
def unsubscribe(body: UnsubscribeRequest) -> Response:
    """This browser unsubscribed: forget its endpoint (not found is fine: nothing to forget)."""
    store.remove_endpoint(signed_in(), body.endpoint)
    db.session.commit()
    return no_store(state())


@bp.delete("/subscriptions/<id:subscription_id>")
@responds(200, 401, 404)
def remove(subscription_id: int) -> Response:
    """Stop notifications to one of the person's devices."""
    store.remove(signed_in(), subscription_id)
    db.session.commit()
    return no_store(state())
