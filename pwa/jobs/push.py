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
# A turn leases at most TURN notifications and starts no post once it has run for
# TURN_SECONDS: what it leased and did not post goes back in the commit that records
# what it posted. A sender killed between two commits posts again, once its lease ends,
# to the devices of at most one turn (the Topic header and the notification tag replace
# rather than stack a second copy).
TURN = 100
TURN_SECONDS = 30.0
_local = threading.local()


def http_session() -> requests.Session:
    """This thread's HTTP session: kept open across sends, so each post reuses a connection
    (the xAPI sender's too)."""
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
                                requests_session=http_session())
    except WebPushException as exc:
        if exc.response is None:
            return 0, None
        return int(exc.response.status_code), exc.response.headers.get("Retry-After")
    except requests.RequestException as exc:  # a timeout, a refused connection
        log.info("push to %s failed: %s", parts.netloc, exc)
        return 0, None
    return int(response.status_code), None


class Budget:
    """How long a turn may go on starting posts: until ``until`` (``time.monotonic``);
    its first post always starts, so that every turn moves on."""

    def __init__(self, seconds: float) -> None:
        self.until = time.monotonic() + seconds
        self.started = 0

    def allows(self) -> bool:
        """Whether one more post may start; counts it if so."""
        if self.started and time.monotonic() >= self.until:
            return False
        self.started += 1
        return True


def attempt(note: store.Outgoing, now: datetime, budget: Budget | None = None
            ) -> store.Attempt:
    """Post one leased notification to the devices it has not reached, while ``budget``
    allows (the devices left then are ``unposted``)."""
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
        if budget is not None and not budget.allows():
            return store.Attempt(note, results, retry_after, unposted=True)
        status, after = post(subscription, note.message, ttl, keys,
                             config["SKILLPATH_PUSH_CONTACT"],
                             float(config["SKILLPATH_PUSH_TIMEOUT"]))
        outcome = rules.Outcome.RETRY if status == 0 else rules.outcome(status)
        results.append((sid, device, status, outcome))
        retry_after = after or retry_after
    return store.Attempt(note, results, retry_after)


def lease() -> timedelta:
    """How long a turn holds its notifications: longer than the turn can last.

    A turn starts posts for ``TURN_SECONDS``; the last one it started ends within its
    timeout twice over (``requests`` applies it to the connection and to the answer);
    then the answers are recorded, which a minute covers with room. 5 minutes
    (``store.LEASE``) is more than that unless the timeout is long; the lease does
    not grow with ``TURN``.
    """
    timeout = timedelta(seconds=float(current_app.config["SKILLPATH_PUSH_TIMEOUT"]))
    turn = timedelta(seconds=TURN_SECONDS) + 2 * timeout + timedelta(minutes=1)
    return max(store.LEASE, turn)


def send_due() -> dict[str, int]:
    """Send every notification due now, a turn at a time; how many ended in each state.

    Each turn's notifications (up to ``TURN``) are leased and loaded
    (``store.take_turn``) and the leases committed before anything is posted to them;
    then they are posted until ``TURN_SECONDS`` have passed, and their answers recorded
    in one commit with the next turn's leases (on PostgreSQL in one statement), what
    was not posted given back. A lease covers one turn, not a whole morning
    (``lease()``). These commits do not wait for the disk
    (``store.without_waiting_for_disk``).
    """
    states: dict[str, int] = {}
    held = lease()
    budget = Budget(TURN_SECONDS)  # from before the lease is taken: the lease counts it
    store.without_waiting_for_disk()
    turn = store.take_turn(clock.now(), TURN, held)
    db.session.commit()  # the leases hold before anything is posted
    while turn:
        attempts = [attempt(note, clock.now(), budget) for note in turn]
        gave_back = any(a.unposted for a in attempts)
        more = len(turn) == TURN or gave_back  # more may be due
        budget = Budget(TURN_SECONDS)
        store.without_waiting_for_disk()
        answers, turn = store.record(attempts, clock.now(), TURN if more else 0, held)
        for a, state in zip(attempts, answers, strict=True):
            if not a.unposted:  # one given back is counted when a later turn settles it
                states[state] = states.get(state, 0) + 1
        db.session.commit()
        if gave_back and not turn:
            # On PostgreSQL the statement that gave them back took the next turn as the
            # table was before it: what it gave back is taken now.
            store.without_waiting_for_disk()
            turn = store.take_turn(clock.now(), TURN, held)
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
