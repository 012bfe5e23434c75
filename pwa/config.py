"""Configuration: defaults, then the environment, then the caller's mapping."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from engine.releases import Budget

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("production", "development", "testing")


def defaults(instance_path: str) -> dict[str, Any]:
    return {
        "SKILLPATH_ENV": "production",
        "SECRET_KEY": None,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "skillpath.db"),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "REDIS_URL": None,
        # Relying party for passkeys: the host name the browser shows, and the full origin.
        "SKILLPATH_RP_ID": "localhost",
        "SKILLPATH_RP_NAME": "Skillpath",
        "SKILLPATH_ORIGIN": "http://localhost:5000",
        "SKILLPATH_INVITE_TTL_DAYS": 7,
        "SKILLPATH_CHALLENGE_TTL_SECONDS": 300,
        # Sign-in and enrolment (pwa/limits.py says why three): tries per credential or
        # invite, refused tries per address, and every try per address.
        "SKILLPATH_AUTH_RATE_LIMIT": "10 per minute",
        "SKILLPATH_AUTH_FAILURE_LIMIT": "30 per minute",
        "SKILLPATH_AUTH_ADDRESS_LIMIT": "3000 per minute",
        # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
        "SKILLPATH_TRUSTED_PROXIES": 0,
        # One request body is at most 1 MB (a sync batch of 500 events fits).
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": 3600,
        "WTF_CSRF_SSL_STRICT": True,
        # Stated for every app: the limiter object (pwa.extensions.Limits) is shared, and
        # keeps what the last app said.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "in-process://",  # pwa.extensions.InProcessLimits
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "skillpath_session",
        # A session ends after this many days unused, and this many days after sign-in in
        # any case. A phone may sit unused through a holiday and should not need signing in
        # again after it; a phone lost or handed on stops being signed in within a month;
        # and once a quarter everyone shows their passkey again, which is one tap.
        # Background jobs run before the answer instead of after it (tests see them at once).
        "SKILLPATH_JOBS_INLINE": False,
        # A background job runs this long after it was first asked for: the syncs of a
        # burst (a phone back online, a whole shift at the start of a break) share one run.
        "SKILLPATH_JOBS_DELAY_MS": 1000,
        # With REDIS_URL: the RQ queue, and how long a job asked for counts as waiting
        # (a second ask meanwhile is merged into it) if no worker starts it. The expiry only
        # matters when a process died between asking and queueing, or a worker before it
        # started the job: the next ask after it queues the job again.
        "SKILLPATH_JOBS_QUEUE": "skillpath",
        "SKILLPATH_JOBS_WAITING_SECONDS": 900,
        "SKILLPATH_SESSION_IDLE_DAYS": 30,
        "SKILLPATH_SESSION_ABSOLUTE_DAYS": 90,
        # The session's data is stored when it changes, not on every request.
        "SESSION_REFRESH_EACH_REQUEST": False,
        # Reports: releases and their privacy budget, in one place (engine/releases.py says
        # what each means). A release every 7 days (1 at least: daily at most); each spends
        # rho 0.5 of zero-concentrated differential privacy (epsilon 5.2 at delta 1e-6), and
        # the releases of any 365 days at most rho 26 (epsilon 62.3 at delta 1e-6): one
        # release a week, and a release past that budget is refused. One person's plan
        # counts for at most 10 hours, 100 in fees and 5 gaps.
        "SKILLPATH_RELEASE_DAYS": 7,
        "SKILLPATH_RELEASE_RHO": 0.5,
        "SKILLPATH_RELEASE_RHO_YEAR": 26.0,
        "SKILLPATH_RELEASE_DELTA": 1e-6,
        "SKILLPATH_RELEASE_HOURS_CAP": 10.0,
        "SKILLPATH_RELEASE_FEE_CAP": 100.0,
        "SKILLPATH_RELEASE_GAPS_CAP": 5,
        # Daily practice: FSRS schedules a question for when the learner's chance of
        # recalling it falls to this (0.7 to 0.97: lower is fewer reviews, more forgetting).
        "SKILLPATH_DESIRED_RETENTION": 0.9,
        # Practice: FSRS' parameters are fitted to an organisation's own answers once it
        # has this many (engine/fitting.py), and adopted only if they predict better.
        "SKILLPATH_FIT_MIN_LOGS": 1000,
        "SKILLPATH_RELEASE_QUESTIONS_CAP": 10,
        # Push: the key pair (pwa/vapid.py; the environment's VAPID_* override the file in
        # instance/), the contact the push services may write to about our pushes (a
        # mailto: or https: address; empty: the origin when it is https), the push services
        # we post to besides the browsers' own (comma-separated hosts, or origins such as
        # http://localhost:8123 for a test's local service), and how long one post may take.
        "VAPID_PRIVATE_KEY": None,
        "SKILLPATH_VAPID_FILE": os.path.join(instance_path, "vapid_private.pem"),
        "VAPID_PUBLIC_KEY": None,
        "SKILLPATH_PUSH_CONTACT": "",
        "SKILLPATH_PUSH_SERVICES": "",
        "SKILLPATH_PUSH_TIMEOUT": 10.0,
        # xAPI: the learning record store that gets a statement of every finished lesson
        # and every practice answer (empty: none, and nothing is queued), its Basic auth
        # credentials, how long one post may take, and who the actor is: "opaque" (a keyed
        # hash, SKILLPATH_XAPI_ACTOR_SECRET or else one derived from SECRET_KEY) or
        # "external_id" (the person's id from the HR file, where there is one).
        "SKILLPATH_XAPI_URL": "",
        "SKILLPATH_XAPI_USERNAME": "",
        "SKILLPATH_XAPI_PASSWORD": "",
        "SKILLPATH_XAPI_TIMEOUT": 10.0,
        "SKILLPATH_XAPI_ACTOR": "opaque",
        "SKILLPATH_XAPI_ACTOR_SECRET": "",
        # The reminder tick comes every this many seconds (0: never, in this process).
        "SKILLPATH_TICK_SECONDS": 60,
        # The hour (UTC, 0-23) in which the routine asks for every organisation's whole
        # mentor assignment.
        "SKILLPATH_NIGHTLY_HOUR": 3,
    }


def _coerce(raw: str, like: Any) -> Any:
    if isinstance(like, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(like, int):
        return int(raw)
    if isinstance(like, float):
        return float(raw)
    return raw


def from_environment(
    current: dict[str, Any], environ: os._Environ[str] | dict[str, str]
) -> dict[str, Any]:
    """Read ``SKILLPATH_*``, ``SECRET_KEY``, ``DATABASE_URL`` and ``REDIS_URL``."""
    found: dict[str, Any] = {}
    for key, value in environ.items():
        if key.startswith("SKILLPATH_"):
            found[key] = _coerce(value, current.get(key))
    if environ.get("SECRET_KEY"):
        found["SECRET_KEY"] = environ["SECRET_KEY"]
    if environ.get("DATABASE_URL"):
        found["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(environ["DATABASE_URL"])
    for key in ("VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY"):
        if environ.get(key):
            found[key] = environ[key]
    if environ.get("REDIS_URL"):
        found["REDIS_URL"] = environ["REDIS_URL"]
        found["RATELIMIT_STORAGE_URI"] = environ["REDIS_URL"]
    return found


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs that name no driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def finish(config: dict[str, Any]) -> None:
    """Derive settings and refuse unsafe ones; runs after all sources are merged."""
    env = config["SKILLPATH_ENV"]
    if env not in ENVIRONMENTS:
        raise RuntimeError(f"SKILLPATH_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    if not config.get("SECRET_KEY"):
        if env == "production":
            raise RuntimeError(
                "SECRET_KEY is not set. Set it in the environment (a long random string); "
                "for local development run with SKILLPATH_ENV=development."
            )
    config["SESSION_COOKIE_SECURE"] = env == "production"
    idle = config["SKILLPATH_SESSION_IDLE_DAYS"]
    absolute = config["SKILLPATH_SESSION_ABSOLUTE_DAYS"]
    if not 0 < idle <= absolute:
        raise RuntimeError("SKILLPATH_SESSION_IDLE_DAYS must be more than 0 and at most "
                           "SKILLPATH_SESSION_ABSOLUTE_DAYS")
    try:
        budget(config)
    except ValueError as exc:
        raise RuntimeError(f"The release settings (SKILLPATH_RELEASE_*) do not fit: {exc}") \
            from exc
    if not 0.7 <= config["SKILLPATH_DESIRED_RETENTION"] <= 0.97:
        raise RuntimeError("SKILLPATH_DESIRED_RETENTION must be from 0.7 to 0.97")
    fit_min = config["SKILLPATH_FIT_MIN_LOGS"]
    if isinstance(fit_min, bool) or not isinstance(fit_min, int) or fit_min < 1:
        raise RuntimeError("SKILLPATH_FIT_MIN_LOGS must be a whole number of answers, at least 1")
    contact = config["SKILLPATH_PUSH_CONTACT"] or (
        config["SKILLPATH_ORIGIN"] if config["SKILLPATH_ORIGIN"].startswith("https://")
        else "mailto:push@localhost")
    if not contact.startswith(("mailto:", "https://")) or len(contact) < 10:
        raise RuntimeError("SKILLPATH_PUSH_CONTACT must be a mailto: or https: address")
    config["SKILLPATH_PUSH_CONTACT"] = contact
    timeout = config["SKILLPATH_PUSH_TIMEOUT"]
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) \
            or not 0 < timeout <= 60:
        raise RuntimeError("SKILLPATH_PUSH_TIMEOUT must be more than 0 and at most 60 seconds")
    check_xapi(config)
    nightly = config["SKILLPATH_NIGHTLY_HOUR"]
    if isinstance(nightly, bool) or not isinstance(nightly, int) or not 0 <= nightly <= 23:
        raise RuntimeError("SKILLPATH_NIGHTLY_HOUR must be a whole hour from 0 to 23 (UTC)")
    # The cookie and the stored data of a signed-in session last as long as it may.
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=absolute)
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    # A database error's text never lists the values it was given (a rating, a note): it
    # reaches the logs. Merged into whatever options the caller gave, in every case.
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {**(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}),
                                           "hide_parameters": True}


XAPI_ACTORS = ("opaque", "external_id")


def check_xapi(config: dict[str, Any]) -> None:
    """Refuse an LRS address that is not http(s), a timeout out of range, an unknown actor."""
    url = str(config.get("SKILLPATH_XAPI_URL") or "").strip().rstrip("/")
    config["SKILLPATH_XAPI_URL"] = url
    if url and not url.startswith(("https://", "http://")):
        raise RuntimeError("SKILLPATH_XAPI_URL must be the LRS's https:// address (its "
                           "xAPI endpoint, before /statements)")
    timeout = config["SKILLPATH_XAPI_TIMEOUT"]
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) \
            or not 0 < timeout <= 60:
        raise RuntimeError("SKILLPATH_XAPI_TIMEOUT must be more than 0 and at most 60 seconds")
    if config["SKILLPATH_XAPI_ACTOR"] not in XAPI_ACTORS:
        raise RuntimeError(f"SKILLPATH_XAPI_ACTOR must be one of {', '.join(XAPI_ACTORS)}")


def budget(config: dict[str, Any]) -> Budget:
    """The reports' privacy budget and schedule, from the ``SKILLPATH_RELEASE_*`` settings."""
    return Budget(rho=config["SKILLPATH_RELEASE_RHO"],
                  rho_year=config["SKILLPATH_RELEASE_RHO_YEAR"],
                  delta=config["SKILLPATH_RELEASE_DELTA"], days=config["SKILLPATH_RELEASE_DAYS"],
                  hours_cap=config["SKILLPATH_RELEASE_HOURS_CAP"],
                  fee_cap=config["SKILLPATH_RELEASE_FEE_CAP"],
                  gaps_cap=config["SKILLPATH_RELEASE_GAPS_CAP"],
                  questions_cap=config["SKILLPATH_RELEASE_QUESTIONS_CAP"])
