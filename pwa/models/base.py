"""Column types and helpers shared by every model."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, TypeDecorator
from sqlalchemy.engine import Dialect

from pwa import clock

T = TypeVar("T")


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


def plain(statement: Any, params: Any = None) -> Any:
    """``statement`` (a SELECT of columns, or a bulk write of plain rows) run on the session's
    connection as SQLAlchemy Core runs it, after the session's pending changes are flushed
    (what ``Session.execute`` would do first).

    ``Session.execute`` of a statement naming mapped columns or classes goes through the
    ORM: its compile state, its row loading, its bulk bookkeeping. None of that is needed
    for rows read as columns or written as dicts, and on the sync's path it cost several
    times what the statement did (a third of a millisecond for a one-line SELECT).
    """
    from pwa.extensions import db

    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params)


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


TRIES = 3  # a unit of work that lost a race to another transaction is done this often in all


def again_after_race(unit: Callable[[], T], *, tries: int = TRIES,
                     before_again: Callable[[], None] | None = None,
                     lost: Callable[[], T] | None = None) -> T:
    """Do ``unit`` (a whole transaction, its commit included) and, while PostgreSQL ends it
    as a deadlock or a serialization failure, roll back and do it again, ``tries`` times in
    all. ``before_again`` undoes, before each new try, what the failed one did outside the
    database (a page's flashed messages). When the last try lost too, ``lost`` (after
    ``before_again``) gives the answer, nothing having been saved; without it the last
    error is raised.

    Only for a unit that has done nothing the rollback cannot undo when it fails: it
    reads what it needs inside itself, and its effects outside the database come after
    its commit. A race met after the unit committed (a second transaction of its own) is
    raised at once: doing the first one again would do it twice.
    """
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    from pwa.extensions import db

    session = db.session()
    committed: list[bool] = []

    def note(_: Any) -> None:
        committed.append(True)

    event.listen(session, "after_commit", note)
    try:
        for attempt in range(1, tries + 1):
            committed.clear()
            try:
                return unit()
            except OperationalError as error:
                db.session.rollback()
                if not transient(error) or committed or (attempt == tries and lost is None):
                    raise
            if before_again is not None:
                before_again()
            if attempt == tries and lost is not None:
                return lost()
    finally:
        event.remove(session, "after_commit", note)
    raise AssertionError("unreachable: the last try returns or raises")

