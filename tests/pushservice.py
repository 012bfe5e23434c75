"""A local Web Push service for the tests: it checks what a real one checks, and decrypts.

It listens on ``http://localhost:<free port>`` (the app is told to accept it
through ``SKILLPATH_PUSH_SERVICES``). ``subscribe()`` makes a subscription as
a browser would: a P-256 key pair and a 16-byte auth secret, the public half
given to the app. Each POST to ``/push/<token>`` is checked like FCM or
Mozilla's autopush check it: a ``vapid t=<JWT>,k=<key>`` Authorization whose
ES256 signature verifies with ``k``, whose ``aud`` is this service's origin,
whose ``exp`` is in the future and at most 24 hours away, and whose ``sub`` is
a mailto: or https: address; a ``TTL`` header; a body that decrypts (RFC 8291,
aes128gcm) with the subscription's private key and secret. What arrived is
kept in ``received``; a push that fails a check is answered 400 or 403 and
kept in ``refused`` with the reason.

A test says how to answer next with ``answer(token, status, retry_after=...)``
(a queue per subscription: 404, 410, 413, 429, 500 ...); otherwise 201. ``hold``
makes the next push to a subscription wait, unanswered and not accepted, until the
test lets it go: a sender can be killed while it waits for the answer.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid, Vapid02


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    token: str
    payload: dict[str, Any]
    headers: dict[str, str]
    claims: dict[str, Any]


@dataclass
class Hold:
    """A push kept waiting: ``arrived`` is set when it came, ``release`` lets it be answered."""

    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@dataclass
class PushService:
    origin: str = ""
    keys: dict[str, tuple[ec.EllipticCurvePrivateKey, bytes]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    answers: dict[str, deque[tuple[int, str | None]]] = field(
        default_factory=lambda: defaultdict(deque))
    lock: threading.Lock = field(default_factory=threading.Lock)
    held: dict[str, Hold] = field(default_factory=dict)

    def subscribe(self) -> dict[str, Any]:
        """A new subscription, as ``PushSubscription.toJSON()`` gives it."""
        token = _b64(os.urandom(12))
        private = ec.generate_private_key(ec.SECP256R1())
        secret = os.urandom(16)
        self.keys[token] = (private, secret)
        public = private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": f"{self.origin}/push/{token}", "expirationTime": None,
                "keys": {"p256dh": _b64(public), "auth": _b64(secret)}}

    def answer(self, endpoint_or_token: str, status: int, retry_after: str | None = None,
               times: int = 1) -> None:
        token = endpoint_or_token.rsplit("/", 1)[-1]
        for _ in range(times):
            self.answers[token].append((status, retry_after))

    def hold(self, endpoint_or_token: str) -> Hold:
        """Keep the next push to this subscription waiting until ``Hold.release`` is set."""
        found = Hold()
        self.held[endpoint_or_token.rsplit("/", 1)[-1]] = found
        return found

    def to(self, endpoint_or_token: str) -> list[Received]:
        token = endpoint_or_token.rsplit("/", 1)[-1]
        return [r for r in self.received if r.token == token]

    def check(self, token: str, headers: dict[str, str], body: bytes
              ) -> tuple[int, str, Received | None]:
        if token not in self.keys:
            return 404, "no such subscription", None
        auth = headers.get("authorization", "")
        try:
            scheme, _, rest = auth.partition(" ")
            parts = dict(p.split("=", 1) for p in rest.split(","))
            assert scheme.lower() == "vapid", "not a vapid Authorization"
            jwt = parts["t"]
            assert Vapid02.verify(auth), "the JWT's signature does not verify with k"
            claims = json.loads(_unb64(jwt.split(".")[1]))
        except Exception as exc:  # any malformed header is the sender's fault
            return 403, f"bad Authorization: {exc}", None
        now = time.time()
        if claims.get("aud") != self.origin:
            return 403, f"aud {claims.get('aud')!r} is not {self.origin!r}", None
        if not now < int(claims.get("exp", 0)) <= now + 24 * 3600:
            return 403, f"exp {claims.get('exp')} is not within 24 hours", None
        if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
            return 403, f"sub {claims.get('sub')!r} is not mailto: or https:", None
        if "ttl" not in headers:
            return 400, "no TTL", None
        if headers.get("content-encoding") != "aes128gcm":
            return 400, f"content-encoding {headers.get('content-encoding')!r}", None
        private, secret = self.keys[token]
        try:
            plain = http_ece.decrypt(body, private_key=private, auth_secret=secret,
                                     version="aes128gcm")
            payload = json.loads(plain)
        except Exception as exc:
            return 400, f"does not decrypt: {exc}", None
        return 201, "", Received(token, payload, headers, claims)


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing (the test's output stays readable)."""

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on a free local port from a thread of its own; yields the origin."""
    server = ThreadingHTTPServer(("localhost", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def running() -> Iterator[PushService]:
    service = PushService()

    class Handler(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            token = self.path.rsplit("/", 1)[-1]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            held = service.held.pop(token, None)
            if held is not None:  # answered late or never: not accepted, not kept
                held.arrived.set()
                held.release.wait(60)
                with contextlib.suppress(OSError):  # the sender may be gone by now
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                return
            status, reason, received = service.check(token, headers, body)
            retry_after = None
            with service.lock:
                if status == 201 and service.answers[token]:
                    status, retry_after = service.answers[token].popleft()
                if received is not None and status == 201:
                    service.received.append(received)
                elif reason:
                    service.refused.append((token, reason))
            self.send_response(status)
            if retry_after:
                self.send_header("Retry-After", retry_after)
            self.send_header("Content-Length", "0")
            self.end_headers()

    with serving(Handler) as origin:
        service.origin = origin
        yield service


def vapid_private_key() -> str:
    """A new VAPID private key, as PEM text (what ``VAPID_PRIVATE_KEY`` holds)."""
    vapid = Vapid()
    vapid.generate_keys()
    return str(vapid.private_pem().decode())
