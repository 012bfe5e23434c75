"""Rate limits on sign-in and enrolment: against guessing, without locking out a store.

A whole store often comes through one address (its Wi-Fi, a carrier's NAT), and
at the start of a shift hundreds of people sign in within a minute. A limit per
address alone either blocks them or, set high enough for them, does nothing
against someone guessing. So each route has three limits, each on its own key:

- **Per credential or invite** (``SKILLPATH_AUTH_RATE_LIMIT``, 10 a minute): the
  passkey a sign-in presents, the invite a registration or an enrolment page
  names (by a hash of its token, never the token), or the signed-in person adding
  a passkey. One credential hammered is stopped, from however many addresses.
- **Failures per address** (``SKILLPATH_AUTH_FAILURE_LIMIT``, 30 a minute, shared
  by every sign-in route): only answers that refuse (4xx) count, so the people of
  a store who sign in count nothing here, while a guesser, whose every try fails,
  is stopped after a few dozen. A 410 (a real invite, used, run out or withdrawn:
  someone scanning an earlier sheet) is no guess and counts nothing either.
- **Every attempt per address** (``SKILLPATH_AUTH_ADDRESS_LIMIT``, 3,000 a minute,
  shared): a ceiling that protects the server, high enough for a door of 1,000
  people (two counted requests each).

Counters live where ``RATELIMIT_STORAGE_URI`` says: in the process on one
machine, in Redis when ``REDIS_URL`` is set, so every app server counts together
(``pwa.extensions.Limits``: ``limits``' fixed windows, keyed by the route's scope and
what it counts, prefixed by ``RATELIMIT_KEY_PREFIX``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Response, after_this_request, current_app, request
from werkzeug.exceptions import TooManyRequests

from pwa.extensions import limiter
from pwa.session import current_person  # loaded for the routes that use it anyway

F = TypeVar("F", bound=Callable[..., Any])
Key = Callable[[], str]


def get_remote_address() -> str:
    """The address a request came from (behind trusted proxies, the one they name)."""
    return request.remote_addr or "127.0.0.1"


def _hashed(kind: str, secret: str) -> str:
    return f"{kind}:{hashlib.sha256(secret.encode()).hexdigest()[:32]}"


def _refused(response: Response) -> bool:
    """A sign-in attempt that failed. A 429 is the limit's own answer, not a try; a 410
    answers a real invite that was used, ran out or was withdrawn (an earlier sheet
    still on the notice board): whoever sent it held a real code and guessed nothing."""
    return 400 <= response.status_code < 500 and response.status_code not in (410, 429)


def passkey_key() -> str:
    """The credential a sign-in presents; the address if the body names none."""
    body = request.get_json(silent=True)
    credential = body.get("credential") if isinstance(body, dict) else None
    raw = credential.get("rawId") or credential.get("id") if isinstance(credential, dict) \
        else None
    return _hashed("passkey", raw) if isinstance(raw, str) and raw else \
        f"address:{get_remote_address()}"


def invite_body_key() -> str:
    """The invite a registration names, else the signed-in person adding a passkey."""
    body = request.get_json(silent=True)
    token = body.get("invite_token") if isinstance(body, dict) else None
    if isinstance(token, str) and token:
        return _hashed("invite", token)
    person = current_person()
    return f"person:{person.id}" if person is not None else f"address:{get_remote_address()}"


def invite_path_key() -> str:
    """The invite an enrolment page's address names."""
    token = (request.view_args or {}).get("token")
    return _hashed("invite", token) if isinstance(token, str) else \
        f"address:{get_remote_address()}"


ADDRESS, FAILURES = "auth-address", "auth-failures"  # the scopes every route shares


def sign_in_limits(key: Key | None) -> Callable[[F], F]:
    """The three limits of a sign-in or enrolment route; ``key`` names what one try is
    about (None: nothing yet, as when a sign-in first asks for its options).

    Checked in this order, and the first one reached answers 429 (with Retry-After): every
    try from the address (counted), the refused tries from the address (only looked at
    here: a refused answer counts itself once it is made), then the route's own per ``key``
    (counted). The settings are read per request, so each app keeps its own.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            if limiter.enabled:
                _check(key, request.endpoint or view.__name__)
            return view(*args, **kwargs)

        return cast(F, limited)

    return decorate


def _check(key: Key | None, route: str) -> None:
    config = current_app.config
    address = get_remote_address()
    every, refused = config["SKILLPATH_AUTH_ADDRESS_LIMIT"], config["SKILLPATH_AUTH_FAILURE_LIMIT"]
    if not limiter.hit(every, address, ADDRESS):
        _refuse(every, address, ADDRESS)
    if not limiter.test(refused, address, FAILURES):
        _refuse(refused, address, FAILURES)

    @after_this_request
    def count_refusal(response: Response) -> Response:
        if _refused(response):
            limiter.hit(refused, address, FAILURES)
        return response

    if key is not None:
        own, about = config["SKILLPATH_AUTH_RATE_LIMIT"], key()
        if not limiter.hit(own, about, route):
            _refuse(own, about, route)


def _refuse(limit: str, key: str, scope: str) -> None:
    raise TooManyRequests(description=str(limit), retry_after=limiter.reset_in(limit, key,
                                                                                scope))
