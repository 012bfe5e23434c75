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
from datetime import datetime, timedelta
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


def attempt(note: store.Outgoing, now: datetime) -> store.Attempt:
    """Post one leased notification to the devices it has not reached."""
    if now >= note.expires_at:
        return store.Attempt(note, [], expired=True)
    keys = vapid.keys()
    if keys is None:
        return store.Attempt(note, [])
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
    return store.Attempt(note, results, retry_after)


def lease() -> timedelta:
    """How long a turn holds its notifications: 5 minutes, or longer when a push service
    that lets every post time out could hold a turn longer (two devices each)."""
    timeout = timedelta(seconds=float(current_app.config["SKILLPATH_PUSH_TIMEOUT"]))
    return max(store.LEASE, RECORD_EVERY * 2 * timeout)


def send_due() -> dict[str, int]:
    """Send every notification due now, ``RECORD_EVERY`` at a time; how many ended in each
    state.

    Each turn's notifications are leased and loaded (``store.take_turn``) and the
    leases committed before anything is posted to them; then they are posted, and
    their answers recorded in one commit, with the next turn's leases. A lease covers
    one turn, not a whole morning (``lease()``). These commits do not wait for the
    disk (``store.without_waiting_for_disk``).
    """
    states: dict[str, int] = {}
    held = lease()
    store.without_waiting_for_disk()
    turn = store.take_turn(clock.now(), RECORD_EVERY, held)
    db.session.commit()  # the leases hold before anything is posted
    while turn:
        attempts = [attempt(note, clock.now()) for note in turn]
        store.without_waiting_for_disk()
        for state in store.record(attempts, clock.now()):
            states[state] = states.get(state, 0) + 1
        # The next turn's leases go in the same commit as this turn's answers.
        more = len(turn) == RECORD_EVERY
        turn = store.take_turn(clock.now(), RECORD_EVERY, held) if more else []
        db.session.commit()
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
