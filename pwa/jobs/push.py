"""The push sender: posts each claimed notification to its person's devices with pywebpush.

One job, ``push.send``, takes the notifications that are due (each leased to
this sender, committed before anything is posted), posts each to every device
it has not reached, and records the answers (``pwa.store.push.record``).
Posting follows pywebpush's pitfalls: a fresh VAPID claims dict for every
call (pywebpush writes ``aud`` and ``exp`` into the one it is given), one
``requests.Session`` per process (connections to FCM or Apple are reused), an
explicit timeout (pywebpush has none), and a TTL up to the notification's
expiry (pywebpush's default of 0 drops a push for a phone that is offline at
that moment).

This module and ``pwa.jobs`` are the only places that import pywebpush.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import click
import requests
from flask import current_app
from flask.cli import AppGroup
from pywebpush import WebPushException, webpush

from engine import push as rules
from pwa import clock, vapid
from pwa.extensions import db
from pwa.store import push as store

log = logging.getLogger(__name__)
VAPID_LIFETIME = 12 * 3600  # seconds a signed VAPID token is valid (services allow 24 h)
# What was posted is committed every this many notifications: a sender killed between
# two commits posts again, once its lease ends, to the devices of at most this many
# (the Topic header and the notification tag replace rather than stack a second copy).
RECORD_EVERY = 25
_local = threading.local()


def _session() -> requests.Session:
    """This thread's HTTP session: kept open across sends, so each post reuses a connection."""
    found: requests.Session | None = getattr(_local, "session", None)
    if found is None:
        found = requests.Session()
        _local.session = found
    return found


def post(subscription: rules.Subscription, message: rules.Message, ttl: int,
         keys: vapid.Keys, contact: str, timeout: float) -> tuple[int, str | None]:
    """Post one push; the service's HTTP status (0: no answer) and its ``Retry-After``."""
    parts = urlsplit(subscription.endpoint)
    claims: dict[str, str | int] = {  # fresh each call: pywebpush writes into it
        "sub": contact, "aud": f"{parts.scheme}://{parts.netloc}",
        # Real time, not the app's clock: the push service checks it against its own.
        "exp": int(time.time()) + VAPID_LIFETIME}
    headers: dict[str, str | int | float] = {
        "Urgency": "normal", "Topic": rules.topic(message.kind)}
    try:
        response: Any = webpush(subscription.to_dict(), data=message.payload().decode(),
                                vapid_private_key=keys.vapid, vapid_claims=claims,
                                ttl=max(ttl, 0), headers=headers, timeout=timeout,
                                requests_session=_session())
    except WebPushException as exc:
        if exc.response is None:
            return 0, None
        return int(exc.response.status_code), exc.response.headers.get("Retry-After")
    except requests.RequestException as exc:  # a timeout, a refused connection
        log.info("push to %s failed: %s", parts.netloc, exc)
        return 0, None
    return int(response.status_code), None


def send_one(notification_id: int, now: datetime) -> str | None:
    """Post one leased notification to the devices it has not reached; its new state."""
    note = store.outgoing(notification_id)
    if note is None:
        return None
    if now >= note.expires_at:
        return store.record(note, [], now, expired=True)
    keys = vapid.keys()
    if keys is None:
        return store.record(note, [], now)
    config = current_app.config
    ttl = int((note.expires_at - now).total_seconds())
    results: list[tuple[int, str, int, rules.Outcome]] = []
    retry_after = None
    for sid, device, subscription in note.targets:
        status, after = post(subscription, note.message, ttl, keys,
                             config["SKILLPATH_PUSH_CONTACT"],
                             float(config["SKILLPATH_PUSH_TIMEOUT"]))
        outcome = rules.Outcome.RETRY if status == 0 else rules.outcome(status)
        results.append((sid, device, status, outcome))
        retry_after = after or retry_after
    return store.record(note, results, now, retry_after)


def send_due(limit: int = 500) -> dict[str, int]:
    """Send every notification due now, a batch at a time; how many ended in each state."""
    states: dict[str, int] = {}
    while True:
        now = clock.now()
        taken = store.take_due(now, limit)
        db.session.commit()  # the leases hold before anything is posted
        for done, notification_id in enumerate(taken, 1):
            state = send_one(notification_id, clock.now())
            if done % RECORD_EVERY == 0:
                db.session.commit()
            if state is not None:
                states[state] = states.get(state, 0) + 1
        db.session.commit()
        if len(taken) < limit:
            return states


push_cli = AppGroup("push", help="Push notifications: send what is due.")


@push_cli.command("send")
def send_command() -> None:
    """Send every notification that is due now, and say how each ended."""
    states = send_due()
    if not states:
        click.echo("Nothing was due.")
    for state, count in sorted(states.items()):
        click.echo(f"{state}: {count}")
