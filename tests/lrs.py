"""A local learning record store for the tests: it takes xAPI statements as an LRS does.

``POST {origin}/xapi/statements`` with Basic auth (``USERNAME``/``PASSWORD``, else
401) and ``X-Experience-API-Version: 1.0.x`` (else 400), a JSON statement or a list of
them, each with an id. A batch naming an id the LRS has already is refused whole with
409 (as several LRSs do); otherwise every statement is stored and 200 answers their
ids. A test may queue other answers (429 with ``Retry-After``, 503), refuse one
statement id with 400, or hold the next post unanswered. ``bodies`` keeps every
post's raw body as it came over the wire.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.pushservice import QuietHandler, serving

USERNAME = "skillpath"
PASSWORD = "s3cret: with a colon"


@dataclass
class Lrs:
    origin: str = ""
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    bodies: list[bytes] = field(default_factory=list)  # every post, raw, answered or not
    posts: list[list[str]] = field(default_factory=list)  # the statement ids of each post
    refused: list[str] = field(default_factory=list)  # why a post was refused
    answers: deque[tuple[int, str | None]] = field(default_factory=deque)
    bad: set[str] = field(default_factory=set)  # statement ids answered 400
    held: list[threading.Event] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def endpoint(self) -> str:
        return f"{self.origin}/xapi"

    def answer(self, status: int, retry_after: str | None = None, times: int = 1) -> None:
        """The next ``times`` posts are answered ``status`` and nothing of them is kept."""
        self.answers.extend([(status, retry_after)] * times)

    def hold(self) -> threading.Event:
        """Keep the next post waiting, unanswered, until the returned event is set."""
        release = threading.Event()
        self.held.append(release)
        return release

    def posted(self, statement_id: str) -> int:
        """How many posts carried this statement."""
        return sum(ids.count(statement_id) for ids in self.posts)

    def take(self, headers: dict[str, str], body: bytes) -> tuple[int, str | None, Any]:
        auth = headers.get("authorization", "")
        expected = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        if auth != f"Basic {expected}":
            return 401, None, {"error": "unauthorised"}
        if not headers.get("x-experience-api-version", "").startswith("1.0."):
            return 400, None, {"error": "X-Experience-API-Version is missing"}
        sent = json.loads(body)
        statements = sent if isinstance(sent, list) else [sent]
        ids = [s["id"] for s in statements]
        with self.lock:
            self.posts.append(ids)
            if self.answers:
                status, retry_after = self.answers.popleft()
                return status, retry_after, {"error": f"answered {status}"}
            if set(ids) & self.bad:
                return 400, None, {"error": "the statement is not valid: its result is bad"}
            if set(ids) & set(self.stored):
                return 409, None, {"error": "a statement with this id exists"}
            for s in statements:
                self.stored[s["id"]] = s
        return 200, None, ids


@contextmanager
def running() -> Iterator[Lrs]:
    lrs = Lrs()

    class Handler(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            lrs.bodies.append(body)
            if lrs.held:
                lrs.held.pop(0).wait(60)
                with contextlib.suppress(OSError):  # the sender gave up waiting
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                return
            if self.path != "/xapi/statements":
                status, retry_after, answer = 404, None, {"error": "no such resource"}
            else:
                status, retry_after, answer = lrs.take(
                    {k.lower(): v for k, v in self.headers.items()}, body)
            if status >= 400:
                lrs.refused.append(f"{status} {answer}")
            out = json.dumps(answer).encode()
            self.send_response(status)
            if retry_after:
                self.send_header("Retry-After", retry_after)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

    with serving(Handler) as origin:
        lrs.origin = origin
        try:
            yield lrs
        finally:  # a post still held is let go, so that the server can close
            for release in lrs.held:
                release.set()
