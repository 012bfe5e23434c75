"""One structured log line per request, and the request id a person can quote.

Each request gets an id: the caller's ``X-Request-Id`` when it is sane (a
reverse proxy or a load balancer may set one, so that its logs and ours join),
else a new random one. It goes back in the ``X-Request-Id`` header, on the
server error page and in the details of an API error, so that a learner who
quotes it leads whoever reads the logs to the one line of that request.

The line is JSON on the ``skillpath.requests`` logger: the request id, the
signed-in person's id (an opaque number: never a name, a rating or a note),
the method, the route as declared (``/api/v1/plan/items/<id:item_id>``, not the
address with its ids), the status and the duration in milliseconds.

The person is whoever the request itself found signed in; the line never looks
them up. Routes declared ``session="none"`` that never ask (the CSRF token, the
sign-in options) skip that lookup to stay cheap, so their line names nobody even
from a signed-in phone: the session's data holds only the id of a ``sessions``
row, which may have ended, and a line must not name someone the server has not
checked. A sign-in's line names whom it signed in (found by their passkey, not
loaded again). A sign-out's line names nobody: by then nobody is signed in there.
The phone's next request (its sync, its bundle) names the person.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, request
from sqlalchemy import inspect

log = logging.getLogger("skillpath.requests")
HEADER = "X-Request-Id"
# What an incoming id may be: what proxies generate (UUIDs, hex, base64url), no spaces,
# nothing a log reader could mistake for another field.
SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")


class _StandardError(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a line is written, not when it was made."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def init_app(app: Flask) -> None:
    """Time and name every request of ``app``; register this before anything else."""
    app.before_request(_start)
    app.after_request(_finish)
    if not log.handlers:
        handler = _StandardError()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def request_id() -> str | None:
    """This request's id, once the request has started."""
    found: str | None = g.get("request_id")
    return found


def _start() -> None:
    g.request_started = time.perf_counter()
    offered = request.headers.get(HEADER, "")
    g.request_id = offered if SANE.fullmatch(offered) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    rid = request_id() or uuid.uuid4().hex
    response.headers[HEADER] = rid
    started = g.get("request_started")
    person = g.get("person")  # only if the request already knew; never loaded here
    rule = request.url_rule
    log.info(json.dumps({
        "request_id": rid,
        "person": _person_id(person) if person is not None
        else g.get("signed_in_person_id"),  # who a sign-in found by their passkey
        "method": request.method,
        "route": rule.rule if rule is not None else None,
        "status": response.status_code,
        "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
    }, separators=(",", ":")))
    return response


def _person_id(person: object) -> object:
    """The person's id as the session knows it: reading ``person.id`` after a commit
    would load the row again, one more query for a log line."""
    if person is None:
        return None
    identity = inspect(person).identity
    return identity[0] if identity else None
