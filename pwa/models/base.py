"""Column types and helpers shared by every model."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import DateTime, TypeDecorator
from sqlalchemy.engine import Dialect

from pwa import clock


def utcnow() -> datetime:
    """A column's default time: the app's one clock."""
    return clock.now()


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def dialect_insert(model: Any, dialect: str | None = None) -> Any:
    """An INSERT with the database's ON CONFLICT clauses (SQLite and PostgreSQL are supported).

    ``dialect`` names the database (:func:`dialect_name`); by default, the session's.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = dialect or dialect_name()
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise RuntimeError(f"unsupported database: {dialect}")


def dialect_name() -> str:
    """The name of the session's database dialect: a key for statements built once per dialect.

    A statement built once and executed again costs SQLAlchemy no new cache key;
    one built per call pays for it each time, which shows on the sync's hot path.
    """
    from pwa.extensions import db

    return str(db.session.get_bind().dialect.name)


def as_dict(row: Any, *fields: str) -> dict[str, Any]:
    """Plain-dict view of ``row`` for JSON export."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(row, name)
        out[name] = value.isoformat() if isinstance(value, date) else value
    return out


# PostgreSQL's answers that say "this transaction lost a race; the same one again will do":
# a deadlock (two transactions each waiting for a row the other locked) and a
# serialization failure.
TRANSIENT_STATES = frozenset({"40P01", "40001"})


def transient(error: BaseException) -> bool:
    """Whether ``error`` is a race the database settled by ending this transaction."""
    orig = getattr(error, "orig", None)
    return getattr(orig, "sqlstate", None) in TRANSIENT_STATES

