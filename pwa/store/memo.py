"""What a reader asks for again and again within one block that writes nothing: read once.

The bootstrap bundle is built part after part, and several parts ask for the same rows
(the current profiles, the plan's settings). Within :func:`reading` each is read once;
outside it, every call reads. A row that is not there is remembered too (the identity
map of the session keeps only rows that are). Its own module, importing nothing of the
store: any store module may remember.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from pwa.extensions import db

T = TypeVar("T")
KEY = "skillpath_remembered"


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


def remembered(key: tuple[Hashable, ...], read: Callable[[], T]) -> T:
    """``read()``, once per ``key`` within :func:`reading`; every time outside it."""
    store: dict[tuple[Hashable, ...], Any] | None = db.session.info.get(KEY)
    if store is None:
        return read()
    if key not in store:
        store[key] = read()
    found: T = store[key]
    return found
