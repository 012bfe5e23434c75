"""Push reminders and news: what to send a person now, if anything, and until when.

Pure and deterministic: the sender's tick calls :func:`decide` for each person with
``now`` (aware), their :class:`Preferences`, what is :class:`Due` for them and what
was already :class:`Sent`; it gets back zero or more :class:`Decision`\\ s. Each names
its kind and the learner's local date it is for: the sender claims the row
``(person, kind, day)`` before sending, so two ticks never send one twice. A
decision's :attr:`Decision.expires` is when the push must stop being delivered;
:meth:`Decision.ttl` turns it into the push ``TTL`` at the moment of sending.

The rules:

1. **Reminders** (:data:`SCHEDULED`: plan, practice) come at the learner's time on
   the days they chose, in their zone: the plan reminder at ``remind_at``, the
   practice reminder at the learned "usual practice" time once the learner confirmed
   it, else at ``remind_at``. A time the clocks jump over is sent at the jump (the
   first valid instant after it); a time that happens twice, once, at the first. If
   the sender was down, a reminder still goes within ``catch_up`` of its time
   (:data:`CATCH_UP` by default), never on a later local day. Only when there is
   something to do: plan work due, or practice due and not yet practised today.
2. **News** (:data:`NEWS`: mentor suggestion, request, answer, ended; profile
   changed) goes as soon as it is pending, on any day. One notification covers
   every pending item of its kind.
3. **Quiet hours** (local, ``start`` to ``end``, wrapping midnight when ``end`` is
   earlier): nothing is sent inside them. News waits for their end; a reminder
   whose time falls inside them waits for their end too, if that is still the same
   local day.
4. **At most one per kind per local day**; none on a date on or before the last
   one sent of that kind (a learner who flew west over the date line gets no
   second one for "today").
5. **Back-off** (:data:`BACKS_OFF`): after :data:`IGNORED_LIMIT` reminders of a kind
   were sent and not followed by opening the app, that kind goes at most once every
   :data:`BACK_OFF_DAYS` days, until the learner opens the app again (the store
   counts ``ignored`` as those sent since the last open, so opening resets it).
6. **Expiry**: a push may be delivered until the local day ends or quiet hours
   begin, whichever is first; never later (:func:`expires`).
7. An unknown time zone is UTC, as in :mod:`engine.practice`; saving one is refused
   (:func:`check_preferences`), as are quiet hours covering the whole day, a time of
   24:00 or a malformed one, a reminder time inside quiet hours, and no days chosen
   while a reminder is on.

The deciding is cheap for the usual person, who gets nothing this minute: a person
with nothing due of a kind that is on returns before any time-zone work, and one
inside quiet hours right after it. Zones are looked up once per name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from functools import lru_cache
from typing import Any

from engine.errors import N_, InvalidInput
from engine.errors import problem as problem_entry
from engine.people import check_time_zone
from engine.practice import wall_clock
from engine.practice import zone as practice_zone
from engine.sync import Data, Refused, only

CATCH_UP = timedelta(hours=2)  # how late a reminder may still go when the sender was down
IGNORED_LIMIT = 3  # reminders of a kind ignored in a row before it backs off
BACK_OFF_DAYS = 7  # ... to one in this many local days
ALL_DAYS = frozenset(range(1, 8))  # ISO weekdays: 1 is Monday, 7 Sunday

_MIDNIGHT = time()
_DAY = timedelta(days=1)
_TICK = timedelta(microseconds=1)
_ZERO = timedelta(0)
MAX_ZONE_NAME = 64  # the longest IANA name is 32 characters; the column holds 64
USUAL_DAYS = 14  # "when I usually practise" learns from the last this many practice days
USUAL_MIN_DAYS = 5  # ... and says nothing with fewer
USUAL_LOOKBACK = timedelta(days=42)  # ... within this long before now
USUAL_STEP = 5  # minutes it is rounded to: "around 07:10", not "07:13"
_HH_MM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")  # fullmatch: no trailing newline


class Kind(StrEnum):
    """What a notification is about; the value is its name on the wire and in the claim."""

    PLAN = "plan"
    PRACTICE = "practice"
    MENTOR_SUGGESTION = "mentor_suggestion"
    MENTOR_REQUEST = "mentor_request"
    MENTOR_ANSWER = "mentor_answer"
    MENTOR_ENDED = "mentor_ended"
    PROFILE_CHANGED = "profile_changed"


SCHEDULED = (Kind.PLAN, Kind.PRACTICE)  # at the learner's time, on their days
NEWS = (Kind.MENTOR_SUGGESTION, Kind.MENTOR_REQUEST, Kind.MENTOR_ANSWER, Kind.MENTOR_ENDED,
        Kind.PROFILE_CHANGED)  # when something happened, any day
# Nudges the learner may well not want: these back off when ignored. A colleague's
# request, its answer, an ended mentoring and a changed profile are news about people
# and the learner's own role; a week's delay would only hurt.
BACKS_OFF = frozenset({Kind.PLAN, Kind.PRACTICE, Kind.MENTOR_SUGGESTION})


@dataclass(frozen=True)
class Quiet:
    """Quiet hours: local wall-clock times from ``start`` (in) to ``end`` (out).

    ``end`` earlier than ``start`` wraps midnight (22:00 to 07:00). ``start == end``
    is refused when saving (:func:`check_preferences`); should one reach
    :func:`decide` anyway, it reads as the whole day, the reading that never wakes
    anyone.
    """

    start: time
    end: time

    def __contains__(self, wall: time) -> bool:
        start, end = self.start, self.end
        if start < end:
            return start <= wall < end
        return wall >= start or wall < end


@dataclass(frozen=True)
class Preferences:
    """A person's reminder settings, as they chose them.

    Attributes:
        time_zone: IANA name; every time here is local to it.
        remind_at: When the plan reminder comes (and the practice reminder, unless a
            confirmed usual practice time replaces it).
        days: ISO weekdays (1 Monday .. 7 Sunday) on which reminders come; news
            comes on any day.
        quiet: Quiet hours, or None for none.
        kinds: The kinds that are on; nothing is on until the learner asks.
        usual_practice: When the learner usually practises, learned from their own
            practice; only used once they confirmed it (``usual_confirmed``), since a
            guess about someone's day must be shown to them first.
        usual_confirmed: Whether they did.
    """

    time_zone: str = "UTC"
    remind_at: time = time(9, 0)
    days: frozenset[int] = ALL_DAYS
    quiet: Quiet | None = Quiet(time(21, 0), time(8, 0))
    kinds: frozenset[Kind] = frozenset()
    usual_practice: time | None = None
    usual_confirmed: bool = False

    @property
    def practice_at(self) -> time:
        """The practice reminder's local time: the usual one if confirmed."""
        if self.usual_confirmed and self.usual_practice is not None:
            return self.usual_practice
        return self.remind_at

    def to_dict(self) -> dict[str, Any]:
        return {"time_zone": self.time_zone, "remind_at": _hhmm(self.remind_at),
                "days": sorted(self.days),
                "quiet": None if self.quiet is None else
                {"start": _hhmm(self.quiet.start), "end": _hhmm(self.quiet.end)},
                "kinds": [k.value for k in Kind if k in self.kinds],
                "usual_practice": None if self.usual_practice is None
                else _hhmm(self.usual_practice),
                "usual_confirmed": self.usual_confirmed}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Preferences:
        """Preferences from their wire form (:meth:`to_dict`), checked.

        Times are ``"HH:MM"``; days ISO weekday numbers; ``quiet`` is
        ``{"start", "end"}`` or null; ``kinds`` the names of :class:`Kind`.

        Raises:
            InvalidInput: Every problem found, each with its field, in
                ``details["problems"]``; nothing is half-taken.
        """
        problems: list[dict[str, Any]] = []

        def problem(field_name: str, template: str, **params: Any) -> None:
            problems.append(problem_entry(field_name, template, **params))

        tz = d.get("time_zone")
        if not isinstance(tz, str):
            problem("time_zone", N_("Choose your time zone."))
            tz = "UTC"
        remind_at = _parse_time(d.get("remind_at"), "remind_at", problem)
        raw_days = d.get("days")
        days: frozenset[int] = frozenset()
        if not isinstance(raw_days, list) or any(
                isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 7
                for n in raw_days) or len(set(raw_days)) != len(raw_days):
            problem("days", N_("Days are numbers from 1 (Monday) to 7 (Sunday), each once."))
        else:
            days = frozenset(raw_days)
        raw_quiet = d.get("quiet")
        quiet: Quiet | None = None
        if isinstance(raw_quiet, Mapping):
            start = _parse_time(raw_quiet.get("start"), "quiet.start", problem)
            end = _parse_time(raw_quiet.get("end"), "quiet.end", problem)
            if start is not None and end is not None:
                quiet = Quiet(start, end)
        elif raw_quiet is not None:
            problem("quiet", N_("Quiet hours have a start and an end, such as 22:00 and "
                                "07:00."))
        raw_kinds = d.get("kinds")
        kinds: set[Kind] = set()
        if not isinstance(raw_kinds, list):
            problem("kinds", N_("Say which reminders you want, as a list."))
        else:
            for name in raw_kinds:
                try:
                    kinds.add(Kind(name))
                except ValueError:
                    problem("kinds", N_("'%(kind)s' is not a kind of reminder. Use any of: "
                                        "%(kinds)s."), kind=str(name)[:40],
                            kinds=", ".join(k.value for k in Kind))
        usual: time | None = None
        if d.get("usual_practice") is not None:
            usual = _parse_time(d.get("usual_practice"), "usual_practice", problem)
        confirmed = d.get("usual_confirmed", False)
        if not isinstance(confirmed, bool):
            problem("usual_confirmed", N_("Whether you confirmed your usual practice time is "
                                          "true or false."))
            confirmed = False
        if not problems and remind_at is not None:
            return check_preferences(cls(tz, remind_at, days, quiet, frozenset(kinds), usual,
                                         confirmed))
        # Said at once with the problems of form: those of what could be read (a zone that
        # is not one, quiet hours all day long), none twice for a field already told.
        told = {p["field"].split(".")[0] for p in problems}
        try:
            check_preferences(cls(tz, remind_at or _MIDNIGHT, days, quiet, frozenset(kinds),
                                  usual, confirmed))
        except InvalidInput as e:
            problems += [p for p in e.details["problems"] if p["field"] not in told and
                         not (p["field"] == "usual_confirmed" and "usual_practice" in told)]
        raise InvalidInput(N_("These reminder settings have problems to fix before they "
                              "can be saved."), {"problems": problems})


def _hhmm(t: time) -> str:
    return f"{t.hour:02}:{t.minute:02}"


def _parse_time(value: Any, field_name: str,
                problem: Callable[..., None]) -> time | None:
    """``"HH:MM"`` as a time of day; None (and a problem) for anything else."""
    if isinstance(value, str):
        found = _HH_MM.fullmatch(value)
        if found:
            return time(int(found[1]), int(found[2]))
        if value.strip() in {"24:00", "24:00:00"}:
            problem(field_name, N_("24:00 is not a time of day: the day ends there. Use 00:00 "
                                   "for the start of a day, or 23:59."))
            return None
    problem(field_name, N_("A time of day is written as hours and minutes from 00:00 to "
                           "23:59, such as 07:30."))
    return None


def check_preferences(p: Preferences) -> Preferences:
    """Return ``p`` if it can be saved, else raise with every problem.

    The deciding never refuses anything (an unknown zone is UTC there), because a
    bad setting must not stop everyone else's reminders in the same tick; saving
    is where a person can still be told.

    Raises:
        InvalidInput: With ``details["problems"]``: an unknown time zone; quiet hours
            that start when they end (the whole day); a reminder time, or a confirmed
            usual practice time, inside quiet hours (it could never come); no day
            chosen while a reminder is on; usual practice confirmed without a time.
    """
    problems: list[dict[str, Any]] = []

    def problem(field_name: str, template: str, **params: Any) -> None:
        problems.append(problem_entry(field_name, template, **params))

    try:
        check_time_zone(p.time_zone)
    except InvalidInput as e:
        problem("time_zone", e.template, **e.params)
    if p.quiet is not None and p.quiet.start == p.quiet.end:
        problem("quiet", N_("Quiet hours cannot last the whole day: no reminder could ever "
                            "come. Choose an end different from the start."))
    elif p.quiet is not None:
        shown = {"start": _hhmm(p.quiet.start), "end": _hhmm(p.quiet.end)}
        if p.remind_at in p.quiet:
            problem("remind_at", N_("%(time)s is inside your quiet hours (%(start)s to "
                                    "%(end)s): choose a time outside them."),
                    time=_hhmm(p.remind_at), **shown)
        if p.usual_confirmed and p.usual_practice is not None and \
                p.usual_practice in p.quiet:
            problem("usual_practice", N_("%(time)s is inside your quiet hours (%(start)s to "
                                         "%(end)s): choose a time outside them."),
                    time=_hhmm(p.usual_practice), **shown)
    if not p.days and any(k in p.kinds for k in SCHEDULED):
        problem("days", N_("Choose at least one day for your reminders."))
    if not p.days <= ALL_DAYS:
        problem("days", N_("Days are numbers from 1 (Monday) to 7 (Sunday), each once."))
    if p.usual_confirmed and p.usual_practice is None:
        problem("usual_confirmed", N_("There is no usual practice time to confirm yet."))
    if problems:
        raise InvalidInput(N_("These reminder settings have problems to fix before they can "
                              "be saved."), {"problems": problems})
    return p


@dataclass(frozen=True)
class Due:
    """What there is for a person now.

    Attributes:
        plan: Plan work is waiting (an accepted item not done).
        practice: Today's practice queue is not empty.
        last_practised: When they last practised (aware), or None; practising today,
            in their zone, ends that day's practice reminder.
        news: The :data:`NEWS` kinds with something pending (others are ignored).
    """

    plan: bool = False
    practice: bool = False
    last_practised: datetime | None = None
    news: frozenset[Kind] = frozenset()


@dataclass(frozen=True)
class Sent:
    """What was already sent of one kind to one person, as the store counts it.

    Attributes:
        last_day: The latest local date one was claimed for, or None.
        ignored: How many were sent since the learner last opened the app.
    """

    last_day: date | None = None
    ignored: int = 0


@dataclass(frozen=True)
class Decision:
    """Send one notification of ``kind`` now.

    Attributes:
        kind: What it is about.
        day: The learner's local date it is for; the claim key is
            ``(person, kind, day)``.
        expires: The instant (aware, UTC) after which it must not be delivered: the
            start of quiet hours or the end of ``day``, whichever comes first.
    """

    kind: Kind
    day: date
    expires: datetime

    def ttl(self, at: datetime) -> int:
        """The push ``TTL`` in whole seconds for a send at ``at``, never negative.

        Taken when the push is actually posted (a retried send gets less): a
        phone offline now still gets it later that day, never in quiet hours nor
        on the next day. 0 means it is too late: the sender gives up rather than
        sending a reminder nobody should see.
        """
        return max(0, int((self.expires - at).total_seconds()))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "day": self.day.isoformat(),
                "expires": self.expires.isoformat()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Decision:
        expires = datetime.fromisoformat(d["expires"])
        if expires.tzinfo is None:
            raise ValueError("a decision's expiry must be timezone-aware")
        return cls(Kind(d["kind"]), date.fromisoformat(d["day"]), expires.astimezone(UTC))


@lru_cache(maxsize=4096)
def _zone(name: str) -> tzinfo:
    """:func:`engine.practice.zone`, once per name: a tick asks for the same few often."""
    return practice_zone(name)


_NOTHING: Mapping[Kind, Sent] = {}
_ORDER = tuple(Kind)


def decide(now: datetime, prefs: Preferences, due: Due,
           sent: Mapping[Kind, Sent] = _NOTHING, *,
           catch_up: timedelta = CATCH_UP) -> tuple[Decision, ...]:
    """What to send this person now, in :class:`Kind` order; usually nothing.

    Called every tick (a minute) for everyone, so it must be cheap and must never
    send twice: the window of a reminder is as long as ``catch_up``, and the
    ``sent`` record, not the tick's timing, keeps it to one a day.

    Args:
        now: The current instant (aware).
        prefs: The person's settings (an unknown zone reads as UTC).
        due: What there is for them.
        sent: Per kind, what was already sent; a missing kind was never sent.
        catch_up: How long after its time a reminder may still go, for a sender
            that was down; at least one tick.

    Raises:
        ValueError: ``now`` or ``due.last_practised`` is naive, or ``catch_up`` is not
            positive.
    """
    if now.tzinfo is None:
        raise ValueError(f"now must be timezone-aware, got {now!r}")
    if catch_up <= _ZERO:
        raise ValueError(f"catch_up must be positive, got {catch_up}")
    kinds = prefs.kinds
    plan = due.plan and Kind.PLAN in kinds
    practice = due.practice and Kind.PRACTICE in kinds
    news = due.news & kinds if due.news else due.news
    if not (plan or practice or news):
        return ()
    z = _zone(prefs.time_zone)
    local = now.astimezone(z)
    quiet = prefs.quiet
    if quiet is not None and local.time() in quiet:
        return ()
    today = local.date()
    chosen_day = today.isoweekday() in prefs.days
    practised = due.last_practised
    if practice and practised is not None:
        if practised.tzinfo is None:
            raise ValueError(f"last_practised must be timezone-aware, got {practised!r}")
        if practised.astimezone(z).date() >= today:
            practice = False
    out: list[Decision] = []
    end: datetime | None = None
    for kind in _ORDER:
        if kind is Kind.PLAN:
            wanted, at = plan and chosen_day, prefs.remind_at
        elif kind is Kind.PRACTICE:
            wanted, at = practice and chosen_day, prefs.practice_at
        else:
            wanted, at = kind in news, None
        if not wanted or not _may_send(kind, sent.get(kind), today):
            continue
        if at is not None:
            slot = _slot(today, at, z, quiet)
            if slot is None or not slot <= now < slot + catch_up:
                continue
        if end is None:
            end = expires(now, prefs)
        out.append(Decision(kind, today, end))
    return tuple(out)


def _may_send(kind: Kind, record: Sent | None, today: date) -> bool:
    """Not twice a day (nor for a date before one already sent), and backing off."""
    if record is None or record.last_day is None:
        return True
    if record.last_day >= today:
        return False
    return not (kind in BACKS_OFF and record.ignored >= IGNORED_LIMIT and
                (today - record.last_day).days < BACK_OFF_DAYS)


def _slot(today: date, at: time, z: tzinfo, quiet: Quiet | None) -> datetime | None:
    """When a reminder set for ``at`` is due on ``today``: None if not at all that day.

    Inside quiet hours (a learned usual time, or a time the clocks jumped over into
    them) it waits for their end, if that comes before the day ends.
    """
    slot = wall_clock(today, at, z)
    if quiet is not None and slot.astimezone(z).time() in quiet:
        after = wall_clock(today, quiet.end, z)
        return after if after > slot and after.astimezone(z).date() == today else None
    return slot


def scheduled_at(day: date, kind: Kind, prefs: Preferences) -> datetime | None:
    """When a reminder of ``kind`` is due on the local ``day`` (aware, UTC), or None.

    None for news (it has no time), a day not chosen, or a time in quiet hours whose
    end is on the next day. For pages that say "next reminder: Tue 07:30".
    """
    if kind not in SCHEDULED or day.isoweekday() not in prefs.days:
        return None
    at = prefs.remind_at if kind is Kind.PLAN else prefs.practice_at
    return _slot(day, at, _zone(prefs.time_zone), prefs.quiet)


def expires(now: datetime, prefs: Preferences) -> datetime:
    """Until when a push sent at ``now`` may be delivered (aware, UTC).

    The first instant after ``now`` at which quiet hours begin, or the end of the
    local day, whichever is first; ``now`` itself if it is inside quiet hours. Quiet
    hours "begin" wherever the wall clock enters them, which across a DST change can
    be where the clocks jump (forward into them, or back into them), not only at
    ``start``.

    Raises:
        ValueError: ``now`` is naive.
    """
    if now.tzinfo is None:
        raise ValueError(f"now must be timezone-aware, got {now!r}")
    z = _zone(prefs.time_zone)
    now = now.astimezone(UTC)
    local = now.astimezone(z)
    end = wall_clock(local.date() + _DAY, _MIDNIGHT, z)
    quiet = prefs.quiet
    if quiet is None:
        return end
    offset = local.utcoffset()
    if (end - _TICK).astimezone(z).utcoffset() == offset:
        return _first_quiet(now, local.time(), end, quiet)
    # The clocks change before the day ends: the wall clock runs straight up to the
    # change and straight on from it. Changes fall on whole seconds, and no zone of the
    # tz database has changed its offset twice within 26 hours since 1970.
    lo, hi = int(now.timestamp()), int((end - _TICK).timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, z).utcoffset() == offset:
            lo = mid
        else:
            hi = mid
    change = max(datetime.fromtimestamp(hi, UTC), now)
    first = _first_quiet(now, local.time(), change, quiet)
    if first < change:
        return first
    return _first_quiet(change, change.astimezone(z).time(), end, quiet)


def _first_quiet(start: datetime, wall: time, stop: datetime, quiet: Quiet) -> datetime:
    """Where quiet hours begin in ``[start, stop)``, over which the wall clock runs
    straight on from ``wall`` without passing midnight; ``stop`` if they do not."""
    if wall in quiet:
        return start
    if wall < quiet.start:
        gap = _micros(quiet.start) - _micros(wall)
        return min(stop, start + timedelta(microseconds=gap))
    return stop


def _micros(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


# Saving: the reminders.settings.changed event --------------------------------------------

SETTINGS_REFUSED = N_("These reminder settings have problems to fix before they can be saved.")
SETTINGS_FIELDS = frozenset({"time_zone", "remind_at", "days", "quiet", "kinds",
                             "usual_practice", "usual_confirmed"})


@dataclass(frozen=True)
class SettingsData(Data):
    """A ``reminders.settings.changed``: the whole of the learner's reminder settings."""

    preferences: Preferences

    def to_dict(self) -> dict[str, Any]:
        """As the phone sends it: :meth:`Preferences.to_dict`."""
        return self.preferences.to_dict()


def settings_data(data: dict[str, Any]) -> SettingsData:
    """``reminders.settings.changed``: every setting, each field judged, all said at once.

    Every field is required (an event that left one out would silently reset it);
    ``quiet`` and ``usual_practice`` may be null (no quiet hours; nothing learned).

    Raises:
        Refused: ``invalid_data``, with each problem and its field
            (:meth:`engine.sync.Refused.with_problems`); nothing is half-taken.
    """
    only(data, set(SETTINGS_FIELDS))
    missing = sorted(SETTINGS_FIELDS - set(data))
    if missing:
        raise Refused("invalid_data", N_("Reminder settings need every field; missing: "
                                         "%(fields)s."), fields=", ".join(missing))
    zone_name = data["time_zone"]
    if isinstance(zone_name, str) and len(zone_name) > MAX_ZONE_NAME:
        raise Refused.with_problems("invalid_data", SETTINGS_REFUSED, [problem_entry(
            "time_zone", N_("'%(name)s' is not a time zone name such as Europe/Madrid."),
            name=zone_name[:MAX_ZONE_NAME] + "…")])
    try:
        return SettingsData(Preferences.from_dict(data))
    except InvalidInput as e:
        raise Refused.with_problems("invalid_data", e.template,
                                    list(e.details.get("problems", []))) from e


# "When I usually practise" ---------------------------------------------------------------

def usual_practice_time(now: datetime, answers: Iterable[datetime], time_zone: str, *,
                        days: int = USUAL_DAYS, min_days: int = USUAL_MIN_DAYS,
                        lookback: timedelta = USUAL_LOOKBACK) -> time | None:
    """When the learner usually starts practising, in their own zone, or None.

    The rule: the answers within ``lookback`` before ``now``, grouped by the learner's
    local date in ``time_zone``; the local time of the first answer of each day; of
    the last ``days`` such days, the median minute of the day (the mean of the two
    middle ones for an even count), rounded to the nearest :data:`USUAL_STEP` minutes
    (a half rounds up), and never past 23:55. None with fewer than ``min_days`` days:
    a guess from three mornings is no habit.

    Local times are read in the zone at each answer, so a learner who practises at
    07:10 all year stays at 07:10 across a DST change. The median of minutes of the
    day does not wrap: a learner who practises around midnight gets a time from the
    side most of their days fall on, which they see and confirm before it is used.

    Raises:
        ValueError: ``now`` or an answer is naive.
    """
    if now.tzinfo is None:
        raise ValueError(f"now must be timezone-aware, got {now!r}")
    z = _zone(time_zone)
    since = now - lookback
    first: dict[date, int] = {}
    for at in answers:
        if at.tzinfo is None:
            raise ValueError(f"answers must be timezone-aware, got {at!r}")
        if not since <= at <= now:
            continue
        local = at.astimezone(z)
        minute = local.hour * 60 + local.minute
        day = local.date()
        if day not in first or minute < first[day]:
            first[day] = minute
    recent = [first[d] for d in sorted(first)[-days:]]
    if len(recent) < max(1, min_days):
        return None
    recent.sort()
    middle = len(recent) // 2
    median = recent[middle] if len(recent) % 2 else (recent[middle - 1] + recent[middle]) / 2
    minute = min(int((median + USUAL_STEP / 2) // USUAL_STEP) * USUAL_STEP,
                 24 * 60 - USUAL_STEP)
    return time(minute // 60, minute % 60)
