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
machine, in Redis when ``REDIS_URL`` is set, so every app server counts together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Response, current_app, request
from flask_limiter.util import get_remote_address

from pwa.extensions import limiter
from pwa.session import current_person  # loaded for the routes that use it anyway

F = TypeVar("F", bound=Callable[..., Any])
Key = Callable[[], str]


def _hashed(kind: str, secret: str) -> str:
    return f"{kind}:{hashlib.sha256(secret.encode()).hexdigest()[:32]}"


def _refused(response: Response) -> bool:
    """A sign-in attempt that failed. A 429 is the limit's own answer, not a try; a 410
    answers a real invite that was used, ran out or was withdrawn (an earlier sheet
    still on the notice board): whoever sent it held a real code and guessed nothing."""
    return 400 <= response.status_code < 500 and response.status_code not in (410, 429)


def _setting(name: str) -> Callable[[], str]:
    return lambda: str(current_app.config[name])


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


def sign_in_limits(key: Key | None) -> Callable[[F], F]:
    """The three limits of a sign-in or enrolment route; ``key`` names what one try is
    about (None: nothing yet, as when a sign-in first asks for its options)."""

    def decorate(view: F) -> F:
        limited = limiter.shared_limit(_setting("SKILLPATH_AUTH_ADDRESS_LIMIT"),
                                       scope="auth-address")(view)
        limited = limiter.shared_limit(_setting("SKILLPATH_AUTH_FAILURE_LIMIT"),
                                       scope="auth-failures", deduct_when=_refused)(limited)
        if key is not None:
            limited = limiter.limit(_setting("SKILLPATH_AUTH_RATE_LIMIT"), key_func=key)(
                limited)
        return cast(F, limited)

    return decorate
