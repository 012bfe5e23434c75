"""Flask extensions, created unbound; ``create_app`` binds them."""

from __future__ import annotations

import time
from functools import cache

from flask import Flask
from flask_babel import Babel
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so that migrations can alter them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()


class InProcessLimits(MemoryStorage):
    """Rate-limit counters in the process (``in-process://``), for one machine.

    ``limits``' own ``memory://`` starts a thread on nearly every counted request, to
    drop expired counters 10 ms later; on a busy machine starting it costs more than
    the rest of the counting. Counters are checked for expiry as they are read anyway,
    so here the sweep runs in the request, at most once a second.
    """

    STORAGE_SCHEME = ["in-process"]
    SWEEP_EVERY = 1.0  # seconds
    _next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 (the name it replaces)
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_EVERY
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


class Limits:
    """Rate-limit counters for the sign-in routes (``pwa.limits``): ``limits``' fixed
    windows in the storage ``RATELIMIT_STORAGE_URI`` names (``in-process://``, or Redis,
    where every app server counts together), keys prefixed by ``RATELIMIT_KEY_PREFIX``;
    off when ``RATELIMIT_ENABLED`` is false.

    Flask-Limiter did this before: it resolved every route's limits anew on every request
    of the app (a check before each request, another in the route, headers after), for
    three counters on four routes, about a sixth of a sign-in's time in a profile. Here
    a limited route counts its own, and every other route pays nothing. One object for
    the process, as Flask-Limiter's was: the last app made sets it up.
    """

    def __init__(self) -> None:
        self.enabled = True
        self.prefix = ""
        self._windows: FixedWindowRateLimiter | None = None

    def init_app(self, app: Flask) -> None:
        config = app.config
        self.enabled = bool(config.get("RATELIMIT_ENABLED", True))
        self.prefix = str(config.get("RATELIMIT_KEY_PREFIX", ""))
        storage = storage_from_string(config["RATELIMIT_STORAGE_URI"],
                                      **config.get("RATELIMIT_STORAGE_OPTIONS", {}))
        self._windows = FixedWindowRateLimiter(storage)

    @property
    def storage(self) -> Storage:
        assert self._windows is not None, "Limits.init_app has not been called"
        return self._windows.storage

    def hit(self, limit: str, key: str, scope: str) -> bool:
        """Count one try against ``limit`` ("10 per minute") for ``key`` in ``scope``; whether
        it was within the limit."""
        assert self._windows is not None, "Limits.init_app has not been called"
        return self._windows.hit(_parsed(limit), *self._ids(key, scope))

    def test(self, limit: str, key: str, scope: str) -> bool:
        """Whether one more try would be within ``limit``, counting nothing."""
        assert self._windows is not None, "Limits.init_app has not been called"
        return self._windows.test(_parsed(limit), *self._ids(key, scope))

    def reset_in(self, limit: str, key: str, scope: str) -> int:
        """Seconds until ``limit``'s window for ``key`` in ``scope`` starts again."""
        assert self._windows is not None, "Limits.init_app has not been called"
        stats = self._windows.get_window_stats(_parsed(limit), *self._ids(key, scope))
        return max(1, int(stats.reset_time - time.time()) + 1)

    def reset(self) -> None:
        """Forget every counter (tests)."""
        self.storage.reset()

    def _ids(self, key: str, scope: str) -> tuple[str, ...]:
        return (self.prefix, key, scope) if self.prefix else (key, scope)


@cache
def _parsed(limit: str) -> RateLimitItem:
    return parse(limit)


limiter = Limits()
babel = Babel()
