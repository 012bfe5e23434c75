"""Flask extensions, created unbound; ``create_app`` binds them."""

from __future__ import annotations

import time

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from limits.storage import MemoryStorage
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


limiter = Limiter(key_func=get_remote_address)
babel = Babel()
