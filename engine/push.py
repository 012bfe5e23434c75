"""Web Push: which subscriptions we accept, what one push carries, and what its answer means.

The server posts to a subscription's endpoint with the organisation's VAPID
key. An endpoint is a URL the phone hands us; posting to any URL would make
the server a proxy for whoever signs in, so only the push services browsers
use are accepted (``PUSH_SERVICES``), plus the origins an operator adds (a
test's local push service). The keys are checked as RFC 8291 wants them: an
uncompressed P-256 point and a 16-byte secret, so a send cannot fail later on
a key that never was one.

What happens after a send is decided here too: 201 is delivered; 404 and 410
mean the subscription is gone (removed, never retried); 429 and 5xx are tried
again after a backoff that honours ``Retry-After``, at most ``MAX_ATTEMPTS``
times; anything else (400, 403, 413) is a failure that retrying cannot mend.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from urllib.parse import urlsplit

from engine.errors import N_, InvalidInput

# Push services of the browsers people use: Chrome and Android (FCM), Firefox
# (Mozilla autopush), Safari on iOS and macOS (Apple), Edge (Windows Push
# Notification Services). A host matches itself and its subdomains.
PUSH_SERVICES = (
    "fcm.googleapis.com",
    "android.googleapis.com",
    "push.services.mozilla.com",
    "push.apple.com",
    "notify.windows.com",
)
MAX_ENDPOINT = 1024  # FCM's are about 200 characters, WNS's about 300
MAX_PAYLOAD = 3072  # what one push may carry, before encryption (the services allow 4 KB)
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)


class Outcome(StrEnum):
    """What a push service's answer means for the notification and the subscription."""

    DELIVERED = "delivered"
    GONE = "gone"  # the subscription expired or was withdrawn: remove it
    RETRY = "retry"  # try again later
    FAILED = "failed"  # retrying will not help


@dataclass(frozen=True)
class Subscription:
    """A subscription as the browser's ``PushSubscription.toJSON()`` gives it, checked."""

    endpoint: str
    p256dh: str
    auth: str

    def to_dict(self) -> dict[str, object]:
        """The shape pywebpush and the browser use."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def _allowed(endpoint: str, extra: tuple[str, ...]) -> bool:
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    if not host:
        return False
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    for entry in extra:
        entry = entry.strip().lower().rstrip("/")
        if "://" in entry:
            if origin == entry:
                return True
        elif entry and parts.scheme == "https" and (host == entry or host.endswith("." + entry)):
            return True
    if parts.scheme != "https" or parts.port not in (None, 443):
        return False
    return any(host == known or host.endswith("." + known) for known in PUSH_SERVICES)


def _key(value: object, field: str, size: int) -> bytes:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise InvalidInput(N_("The subscription's key %(field)s is missing or not text."),
                           {"field": field}, field=field)
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput(N_("The subscription's key %(field)s is not base64url."),
                           {"field": field}, field=field) from None
    if len(raw) != size or (field == "p256dh" and raw[0] != 4):
        raise InvalidInput(N_("The subscription's key %(field)s is not a key of the right kind."),
                           {"field": field}, field=field)
    return raw


def check_subscription(endpoint: object, p256dh: object, auth: object, *,
                       extra_services: tuple[str, ...] = ()) -> Subscription:
    """The subscription, if its endpoint is a known push service and its keys are keys.

    Raises:
        InvalidInput: naming the field that is wrong.
    """
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT:
        raise InvalidInput(N_("The subscription's endpoint is missing or too long."),
                           {"field": "endpoint"})
    if any(ch.isspace() or ord(ch) < 32 for ch in endpoint):
        raise InvalidInput(N_("The subscription's endpoint is not an address."),
                           {"field": "endpoint"})
    try:
        allowed = _allowed(endpoint, extra_services)
    except ValueError:  # a port that is not a number, a malformed IPv6 host
        allowed = False
    if not allowed:
        raise InvalidInput(N_("The subscription's endpoint is not a push service we send to."),
                           {"field": "endpoint"})
    _key(p256dh, "p256dh", 65)
    _key(auth, "auth", 16)
    assert isinstance(p256dh, str) and isinstance(auth, str)
    return Subscription(endpoint, p256dh, auth)


@dataclass(frozen=True)
class Message:
    """What the service worker shows: already in the person's language, and where a tap leads.

    ``url`` is a path of this app (it starts with ``/``): a notification never
    sends a person to another site.
    """

    kind: str
    title: str
    body: str
    url: str

    def payload(self) -> bytes:
        """The JSON the service worker reads; refused above ``MAX_PAYLOAD`` bytes."""
        if not self.url.startswith("/") or self.url.startswith("//"):
            raise InvalidInput(N_("A notification can only open a page of this app."))
        data = json.dumps({"kind": self.kind, "title": self.title, "body": self.body,
                           "url": self.url}, ensure_ascii=False, separators=(",", ":"))
        encoded = data.encode()
        if len(encoded) > MAX_PAYLOAD:
            raise InvalidInput(N_("A notification can carry at most %(limit)s bytes."),
                               {"size": len(encoded)}, limit=MAX_PAYLOAD)
        return encoded


def topic(kind: str) -> str:
    """The ``Topic`` header: one per kind, so an unread reminder is replaced, not stacked.

    RFC 8030 allows at most 32 characters of the base64url alphabet.
    """
    cleaned = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "-"
                      for ch in kind)
    return ("skillpath-" + cleaned)[:32]


def outcome(status: int) -> Outcome:
    """What the push service's HTTP status means."""
    if 200 <= status < 300:
        return Outcome.DELIVERED
    if status in (404, 410):
        return Outcome.GONE
    if status == 429 or status >= 500:
        return Outcome.RETRY
    return Outcome.FAILED


def retry_at(attempts: int, now: datetime, retry_after: str | None = None) -> datetime | None:
    """When to try again after ``attempts`` tries that asked for a retry; None: give up.

    Exponential from ``FIRST_RETRY`` (30 s, 1 min, 2 min, ...), never longer
    than ``LONGEST_RETRY``; a ``Retry-After`` (seconds or an HTTP date) that asks
    for longer is honoured, up to ``LONGEST_RETRY``.
    """
    if attempts >= MAX_ATTEMPTS:
        return None
    wait = min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)
    asked = asked_wait(retry_after, now)
    if asked is not None:
        wait = min(max(wait, asked), LONGEST_RETRY)
    found: datetime = now + wait
    return found


def asked_wait(value: str | None, now: datetime) -> timedelta | None:
    """How long a ``Retry-After`` (seconds, at most ``LONGEST_RETRY``, or an HTTP date)
    asks to wait; None when it asks nothing readable (the xAPI sender reads it too)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=min(int(value), int(LONGEST_RETRY.total_seconds())))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    seconds = (when - now).total_seconds()
    if not math.isfinite(seconds) or seconds <= 0:
        return None
    return timedelta(seconds=seconds)
