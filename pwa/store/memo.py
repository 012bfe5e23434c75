"""What readers ask for again and again: read once, within a request or across them.

**Within a block that writes nothing.** The bootstrap bundle is built part after part,
and several parts ask for the same rows (the current profiles, the plan's settings).
Within :func:`reading` each is read once; outside it, every call reads. A row that is
not there is remembered too (the identity map of the session keeps only rows that are).
The person's rows of tables of one row each are read together (:func:`rows`).

**Across requests, what an organisation's members share** (:func:`shared`). Every
member's bootstrap bundle and plan are made partly of the same rows: the current
published profiles, the catalogue items of their competencies and the lessons' content,
the practice parameters adopted, the latest release. Each of those changes only in a
transaction that also moves ``organisations.bundle_version`` (``pwa.store.bundles``),
and every signed-in request has read that counter with its session. So what was read
under ``(organisation, counter)`` is what any later reader holding the same counter
would read: it is kept in the process under that key, and a change made by any process
is seen by the next request anywhere, because that request reads the new counter and
finds nothing kept under it.

Kept per application (one per process in a deployment; two apps in one test are two
processes), at most :data:`ENTRIES` values, the least recently used going first, behind
a lock (a threaded server shares it). Never a person's data: only what every member of
the organisation may be shown, keyed by nothing of a person's. A value is shared by
every reader, who never changes it (tuples and frozen dataclasses where they can be).
Read afresh, and not kept, in a transaction that changed what members share (publishing
a profile, saving an item): its counter moves only as it commits, and until then it
reads its own changes under the old one (``bundles.shares_changed``).

Its own module, importing nothing of the store but ``bundles`` (which imports none of
it): any store module may remember.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import select

from pwa.extensions import db
from pwa.models import Organisation, Person
from pwa.store import bundles

T = TypeVar("T")
KEY = "skillpath_remembered"
EXTENSION = "skillpath_shared"
ENTRIES = 4096  # values kept per process, across all organisations and versions
_MISSING = object()


@contextmanager
def reading() -> Iterator[None]:
    """Remember reads within the block (nested blocks share the outer one's)."""
    outer = KEY in db.session.info
    if not outer:
        db.session.info[KEY] = {}
    try:
        yield
    finally:
        if not outer:
            db.session.info.pop(KEY, None)


def reading_now() -> bool:
    """Whether reads are remembered here (inside :func:`reading`)."""
    return KEY in db.session.info


def remembered(key: tuple[Hashable, ...], read: Callable[[], T]) -> T:
    """``read()``, once per ``key`` within :func:`reading`; every time outside it."""
    store: dict[tuple[Hashable, ...], Any] | None = db.session.info.get(KEY)
    if store is None:
        return read()
    if key not in store:
        store[key] = read()
    found: T = store[key]
    return found


def row(model: type[T], person_id: int) -> T | None:
    """The person's row of ``model`` (a table of one row per person, keyed by
    ``person_id``), or None; remembered within :func:`reading`, a row that is not there
    too, and read with the others by :func:`rows`."""
    return remembered(_row_key(model, person_id), lambda: db.session.get(model, person_id))


def rows(person_id: int, *models: type) -> None:
    """Read the person's rows of these tables of one row per person in one query, and
    remember each (None where there is none) for :func:`row` within :func:`reading`."""
    store: dict[tuple[Hashable, ...], Any] | None = db.session.info.get(KEY)
    if store is None:
        return
    wanted: list[Any] = [m for m in models if _row_key(m, person_id) not in store]
    if not wanted:
        return
    statement: Any = select(*wanted).select_from(Person)
    for model in wanted:
        statement = statement.outerjoin(model, model.person_id == Person.id)
    found = db.session.execute(statement.where(Person.id == person_id)).one()
    for model, value in zip(wanted, found, strict=True):
        store[_row_key(model, person_id)] = value


def _row_key(model: type, person_id: int) -> tuple[str, int]:
    return (model.__name__, person_id)


# Across requests: what an organisation's members share ---------------------------------



class Kept:
    """A bounded map, least recently used out first, safe to share between threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._values: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable) -> Any:
        """The value kept under ``key``, else :data:`_MISSING`."""
        with self._lock:
            found = self._values.get(key, _MISSING)
            if found is not _MISSING:
                self._values.move_to_end(key)
            return found

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def __len__(self) -> int:
        return len(self._values)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


def kept() -> Kept:
    """This application's values."""
    found: Kept | None = current_app.extensions.get(EXTENSION)
    if found is None:
        found = current_app.extensions.setdefault(EXTENSION, Kept(ENTRIES))
    return found


def fresh() -> bool:
    """Whether this transaction must read what members share from the database: it has
    changed some of it (its unflushed changes are flushed, and so marked, first: a query
    would have flushed them too)."""
    session = db.session
    if session.new or session.dirty or session.deleted:
        session.flush()
    return bundles.shares_changed()


def shared(organisation: Organisation, name: tuple[Hashable, ...], load: Callable[[], T]) -> T:
    """``load()``, kept under the organisation's current counter and ``name`` (which says
    what is read, and from which ids); read once per process and version of the
    organisation's shared rows.

    ``load`` reads only what every member of ``organisation`` may be shown, and only
    rows whose change moves its counter.
    """
    if fresh():
        return load()
    key = (organisation.id, organisation.bundle_version, *name)
    values = kept()
    found = values.get(key)
    if found is _MISSING:
        found = load()
        values.put(key, found)
    value: T = found
    return value


def shared_each(organisation: Organisation, name: str, ids: set[int],
                load: Callable[[set[int]], dict[int, T]]) -> dict[int, T]:
    """:func:`shared` of many values named by ids (an item's lesson, ...): those not kept are
    read by one ``load`` of their ids, which leaves out the ids it finds nothing for (kept
    as nothing, too)."""
    if not ids:
        return {}
    if fresh():
        return load(ids)
    values = kept()
    prefix = (organisation.id, organisation.bundle_version, name)
    found: dict[int, T] = {}
    missing: set[int] = set()
    for i in ids:
        value = values.get((*prefix, i))
        if value is _MISSING:
            missing.add(i)
        elif value is not None:
            found[i] = value
    if missing:
        loaded = load(missing)
        for i in missing:
            values.put((*prefix, i), loaded.get(i))
        found |= loaded
    return found
