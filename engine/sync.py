"""Rules of the events a phone sends: what a valid event is, and when it is refused.

Everything a learner does on the phone is an event written first to its
outbox: ``{id, type, schema, occurred_at, device_id, data}``. The server
checks each one on its own here, so one bad event never sinks a batch; a
refused event is kept, with the reason this module gives, never dropped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from types import NoneType
from typing import Any, Generic, TypeGuard, TypeVar

from engine.errors import N_, render
from engine.levels import MAX_NUMBER

MAX_BATCH = 500
MAX_BATCH_BYTES = 1024 * 1024
MAX_CLOCK_SKEW = timedelta(days=1)
SCHEMA = 1
MAX_DEVICE = 100
MAX_DEPTH = 16  # nesting of one event: {"data": {...}} needs 2
EARLIEST = datetime(2020, 1, 1, tzinfo=UTC)  # nothing in this app happened before


@dataclass(frozen=True)
class Data:
    """The checked ``data`` of one type of event: a frozen dataclass its data rule makes.

    ``to_dict`` is what is stored and exported, as the phone would send it again:
    tuples become lists, an inner ``Data`` a dict.
    """

    def to_dict(self) -> dict[str, Any]:
        names = _FIELDS.get(type(self))
        if names is None:
            names = _FIELDS[type(self)] = tuple(f.name for f in fields(self))
        out = {}
        for name in names:
            value = getattr(self, name)
            out[name] = _plain(value) if isinstance(value, _NESTED) else value
        return out


_FIELDS: dict[type[Data], tuple[str, ...]] = {}  # each Data class's field names, once
# What to_dict turns into plain values: a tuple of types, not a union made on every call
# (every stored event's data passes here).
_NESTED = (Data, tuple, list)


def _plain(value: object) -> object:
    if isinstance(value, str | int | float | NoneType):
        return value
    if isinstance(value, Data):
        return value.to_dict()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


D = TypeVar("D", bound=Data)


@dataclass(frozen=True)
class Event(Generic[D]):
    """A checked event; ``data`` is its type's own typed data, made by the type's data rule."""

    id: str
    type: str
    schema: int
    occurred_at: datetime
    device_id: str
    data: D


@dataclass(frozen=True)
class Refusal:
    """Why an event was not applied, in a code and in plain words.

    ``message`` is the English text (the quarantine keeps it); ``template``
    and ``params`` let the answer to the phone be translated.
    """

    code: str
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)
    # Each problem of a refusal that has several (``engine.errors.problem`` entries):
    # the phone is told each one, in the person's language; the quarantine keeps them all.
    problems: tuple[Mapping[str, Any], ...] = ()

    @property
    def message(self) -> str:
        if self.problems:
            return " ".join(render(p["template"], p["params"]) for p in self.problems)
        return render(self.template, self.params)

    def each(self) -> tuple[Refusal, ...]:
        """One refusal per problem (itself when it has none), for translating each."""
        if not self.problems:
            return (self,)
        return tuple(Refusal(self.code, p["template"], p["params"]) for p in self.problems)


class Refused(Exception):
    """An event broke a rule; ``template`` is marked with ``N_`` and filled from ``params``."""

    def __init__(self, code: str, template: str, **params: Any) -> None:
        self.refusal = Refusal(code, template, params)
        super().__init__(self.refusal.message)

    @classmethod
    def with_problems(cls, code: str, template: str,
                      problems: list[dict[str, Any]]) -> Refused:
        """Refused for every problem at once (``details["problems"]`` of an InvalidInput)."""
        refused = cls(code, template)
        refused.refusal = Refusal(code, template, {}, tuple(problems))
        refused.args = (refused.refusal.message,)
        return refused


ENVELOPE = frozenset({"id", "type", "schema", "occurred_at", "device_id", "data"})

# A data rule: the raw ``data`` of one type of event -> its typed data, or Refused.
DataRule = Callable[[dict[str, Any]], Data]


def check(raw: object, now: datetime, data_rules: Mapping[str, DataRule]) -> Event[Data]:
    """Validate one raw event envelope and its data, or raise :class:`Refused`.

    ``data_rules`` maps each event type to the rule of its ``data`` (each
    concept owns its own; ``pwa.sync.registry`` gathers them).
    """
    if not isinstance(raw, dict):
        raise Refused("invalid_event", N_("An event is a JSON object."))
    storable(raw)
    event_id = raw.get("id")
    if not isinstance(event_id, str) or not is_uuid(event_id):
        raise Refused("invalid_id", N_("The event id must be a UUID made on the device."))
    if not raw.keys() <= ENVELOPE:
        raise Refused("invalid_event", N_("Unknown fields: %(fields)s."),
                      fields=", ".join(sorted(raw.keys() - ENVELOPE)))
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in data_rules:
        raise Refused("unknown_type", N_("'%(type)s' is not a type of event this server knows. "
                                         "Update the app and try again."), type=kind)
    if raw.get("schema") != SCHEMA or isinstance(raw.get("schema"), bool):
        raise Refused("unsupported_schema",
                      N_("This server reads schema %(schema)s of '%(type)s', not %(sent)s."),
                      schema=SCHEMA, type=kind, sent=repr(raw.get("schema")))
    occurred_at = _parse_time(raw.get("occurred_at"))
    if occurred_at > now + MAX_CLOCK_SKEW:
        raise Refused("clock_wrong", N_("This answer is dated more than a day in the future: "
                                        "check the date and time on your phone."))
    if occurred_at < EARLIEST:
        raise Refused("clock_wrong", N_("This answer is dated before %(year)s: "
                                        "check the date and time on your phone."),
                      year=EARLIEST.year)
    device = raw.get("device_id")
    if not isinstance(device, str) or not device.strip() or len(device) > MAX_DEVICE:
        raise Refused("invalid_event", N_("device_id must be a short text naming the device."))
    data = raw.get("data")
    if not isinstance(data, dict):
        raise Refused("invalid_data", N_("data must be a JSON object."))
    return Event(event_id.lower(), kind, SCHEMA, occurred_at, device,
                 data_rules[kind](data))


def storable(value: object) -> None:
    """Refuse a value no database should hold: text that is not text, numbers that are not.

    JSON can carry a lone UTF-16 surrogate ("\\ud83d"), a NUL character, NaN and
    Infinity (Python reads them), integers of any size and any nesting. None of
    it is a learner's answer, and some of it breaks one database or the other, so
    each event is judged here before anything reads it. Every event passes through
    here: ASCII text (most of it) is judged without encoding it, and the values
    JSON makes most (text, whole numbers, true and false) are judged where they
    are met, without a trip through the stack.
    """
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[object]
        if isinstance(item, dict):
            for key in item:
                if "\x00" in key or not key.isascii():
                    _text(key)
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            _scalar(item)
            continue
        depth += 1
        if depth > MAX_DEPTH and children:
            raise Refused("invalid_value", N_("An event may nest at most %(limit)s levels."),
                          limit=MAX_DEPTH)
        for inner in children:
            kind = type(inner)
            if kind is str:
                if "\x00" in inner or not inner.isascii():
                    _text(inner)
            elif kind is int:
                if not _LOWEST <= inner < _BEYOND:
                    raise Refused("invalid_value", N_("A number is too large."))
            elif kind is not bool:
                stack.append((inner, depth))


def _scalar(item: object) -> None:
    """:func:`storable` of a value that holds no other."""
    if isinstance(item, str):
        if "\x00" in item or not item.isascii():
            _text(item)
    elif isinstance(item, bool):
        pass
    elif isinstance(item, int):
        if not _LOWEST <= item < _BEYOND:
            raise Refused("invalid_value", N_("A number is too large."))
    elif isinstance(item, float):
        if not math.isfinite(item):
            raise Refused("invalid_value", N_("Numbers must be finite (not NaN or Infinity)."))


_LOWEST, _BEYOND = -(2 ** 63), 2 ** 63  # what a 64-bit integer column holds


def _text(text: str) -> None:
    if "\x00" in text:
        raise Refused("invalid_value", N_("Text may not contain a NUL character."))
    if text.isascii():  # no surrogate in it: nothing to encode
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise Refused("invalid_value", N_("Text must be valid Unicode (a lone surrogate is "
                                          "not).")) from exc


def order(events: list[Event[D]], rank: Mapping[str, int] | None = None) -> list[Event[D]]:
    """Apply order: by the time things happened, then id, whatever order they came in.

    ``rank`` orders the types of events made at the same instant (an item
    added before the change that names it); types it does not list come last.
    """
    rank = rank or {}
    return sorted(events, key=lambda e: (e.occurred_at, rank.get(e.type, len(rank)), e.id))


def only(data: dict[str, Any], allowed: set[str] | frozenset[str]) -> None:
    if not data.keys() <= allowed:
        raise Refused("invalid_data", N_("Unknown fields in data: %(fields)s."),
                      fields=", ".join(sorted(data.keys() - allowed)))


def _parse_time(value: object) -> datetime:
    if not isinstance(value, str):
        raise Refused("invalid_time", N_("occurred_at is an ISO 8601 time with a time zone."))
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Refused("invalid_time",
                      N_("occurred_at is an ISO 8601 time with a time zone.")) from exc
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise Refused("invalid_time", N_("occurred_at needs a time zone (e.g. Z)."))
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00:00+05:00 is before year 1 in UTC
        raise Refused("clock_wrong", N_("This answer's date is out of range: "
                                        "check the date and time on your phone.")) from exc


def is_uuid(value: str) -> bool:
    """A UUID in its canonical text form (8-4-4-4-12 hex digits), in either case."""
    return _UUID.fullmatch(value) is not None


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def whole(value: object) -> TypeGuard[int]:
    # A plain int, as JSON gives, at once; a subclass of int counts too, but not a bool.
    return type(value) is int or (isinstance(value, int) and not isinstance(value, bool))


def counted(value: object) -> TypeGuard[int]:
    """A version number or a count: a whole number from 1 that every database column holds."""
    return whole(value) and 1 <= value <= MAX_NUMBER
