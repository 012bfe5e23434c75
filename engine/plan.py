"""The personal plan: from a private self-assessment to what to learn, in what order, and why.

Pure and deterministic: the same inputs give the same plan. The store gathers
the inputs (the role's published profile, the future role's, the learner's
latest ratings, what they want to grow, their formats and minutes, the
catalogue and their choices) and the plan comes back with a reason for every
line, as translatable templates with their data.

The rules, in order:

1. A competency is in the plan when the learner rated it below what their role
   needs (a *gap*), below what their future role needs, or asked to grow it
   (then one level up, even at or above target; never past 5). Nothing is
   planned for a competency at or above every target that they did not ask to grow.
2. Priority: ``gap × importance`` for the role, plus ``FUTURE_WEIGHT × gap ×
   importance`` for the future role; a competency the learner wants to grow has
   its priority multiplied by ``INTEREST_WEIGHT`` (a grow-only competency counts
   as a gap of one at its importance). Ties: the competency key.
3. Each item done since the rating counts as one level of progress toward the
   need; the gap is then what is left.
4. An item suits the learner when its level range holds the next level up
   (``level_from <= level + 1 <= level_to``), it covers the competency and is
   not retired. Preferred formats first; other formats only when none of the
   preferred ones covers the gap (and the reason says so). Then shorter first,
   then title and id. A competency no suitable item covers is listed as
   *uncovered* (a peer mentor is offered there).
5. One item per competency at a time. The learner's choices stand: an accepted
   or pinned item stays while it exists (a swap is the new one accepted and the
   old one dropped); a dropped item never comes back unless restored (its
   choice is then gone), and the item that takes its place is the suitable one
   closest to it in length (by ratio: 8 minutes is as near 4 as 2 is; ties in
   the order of rule 4), so that dropping a 4-minute lesson does not put an
   8-hour project in its place while a 5-minute one would do; a retired item
   leaves with a note and the next best takes its place. A line's alternatives
   (what a swap may pick) are likewise closest in length to it first, each
   said to be about the same length (within ``SIMILAR_RATIO``) or not. Items of
   the learner's own, and suggestions they accepted, are planned beside the
   catalogue's.
6. Order: by priority, then each pinned item is put back at the place the
   learner pinned it. Weeks: items fill each week up to the weekly minutes in
   order; an item longer than a week has a week to itself.
7. Readiness for the future role: the importance-weighted share of its targets
   already met (each competency counts ``min(level, target) / target``), and the
   same once every planned item is done (each one level up).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from fractions import Fraction
from typing import Any

from engine.catalogue import MAX_MINUTES, Format
from engine.errors import N_
from engine.languages import tag
from engine.levels import LEVEL_MAX
from engine.sync import Data, Refused, is_uuid, only, whole

INTEREST_WEIGHT = 1.5  # wanting to grow a competency raises it by half
FUTURE_WEIGHT = 0.5  # a gap for the future role counts half a gap for today's
HIGH_IMPORTANCE = 4  # importance 4 or 5 of 5 is "high importance"
SIMILAR_RATIO = Fraction(3, 2)  # up to half as long again, either way: "about the same length"
DEFAULT_WEEKLY_MINUTES = 60
MIN_WEEKLY_MINUTES, MAX_WEEKLY_MINUTES = 10, 20 * 60
# Daily practice: minutes a day (a few, before the commute) and days a week to aim for.
DEFAULT_DAILY_MINUTES = 5
MIN_DAILY_MINUTES, MAX_DAILY_MINUTES = 1, 60
DEFAULT_WEEKLY_GOAL = 3
MIN_WEEKLY_GOAL, MAX_WEEKLY_GOAL = 1, 7
MAX_LANGUAGES = 10  # languages a learner can learn in


class State(StrEnum):
    SUGGESTED = "suggested"  # the plan proposes it; the learner has not acted yet
    ACCEPTED = "accepted"
    PINNED = "pinned"
    DROPPED = "dropped"
    DONE = "done"


@dataclass(frozen=True)
class Reason:
    """A line of "why", as a translatable template and its data."""

    template: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Need:
    """One competency, as the learner's role and future role see it.

    ``target`` and ``importance`` are the role's (``target`` None: not in the
    role); ``future_target`` and ``future_importance`` the future role's.
    ``level`` is the learner's latest self-rating (None: not rated yet). When the two
    profiles word the competency apart (``apart``: not ``assessment.shared``), the
    future role's needs are judged on ``future_level``, its own rating there.
    """

    key: str
    name: str
    level: int | None
    target: int | None = None
    importance: int = 0
    future_target: int | None = None
    future_importance: int = 0
    apart: bool = False
    future_level: int | None = None

    @property
    def toward_future(self) -> int | None:
        """The level the future role's target is measured from."""
        return self.future_level if self.apart else self.level


@dataclass(frozen=True)
class Item:
    """A learning item: the catalogue's (``c:<id>``) or the learner's own (``own:<id>``).

    ``fee_cents`` is the catalogue's fee for it (``engine.costs``); the plan never
    weighs it, reports add it up. A learner's own item has none the catalogue knows.
    """

    id: str
    title: str
    competencies: tuple[str, ...]
    format: str
    minutes: int
    level_from: int = 1
    level_to: int = LEVEL_MAX
    offline: bool = False
    retired: bool = False
    fee_cents: int = 0


@dataclass(frozen=True)
class Choice:
    """What the learner did with an item for a competency (its latest state).

    ``position`` is where a pinned item stays (0 is first); ``origin`` says
    where an item not from the plan came from (``own`` or ``suggestion``, with
    ``by`` the colleague's name).
    """

    item: str
    competency: str
    state: State
    position: int | None = None
    origin: str | None = None
    by: str | None = None


@dataclass(frozen=True)
class Inputs:
    role: str
    needs: tuple[Need, ...]
    items: tuple[Item, ...]
    future_role: str | None = None
    interests: frozenset[str] = frozenset()
    formats: tuple[str, ...] = ()
    weekly_minutes: int = DEFAULT_WEEKLY_MINUTES
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class Line:
    """One item of the plan, with its reasons and the alternatives a swap may pick.

    ``aim`` is the level the item builds toward (the learner's level plus one);
    ``replaces`` the item the learner dropped last for this competency, when the
    plan put this one in its place.
    """

    competency: str
    item: Item
    state: State
    week: int | None
    reasons: tuple[Reason, ...]
    alternatives: tuple[str, ...] = ()
    aim: int | None = None
    replaces: Item | None = None


@dataclass(frozen=True)
class Uncovered:
    """A gap no suitable item covers: where a peer mentor can help."""

    competency: str
    name: str
    level: int
    needed: int
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Readiness:
    role: str
    now: float
    after: float


@dataclass(frozen=True)
class Plan:
    lines: tuple[Line, ...]
    uncovered: tuple[Uncovered, ...] = ()
    notes: tuple[Reason, ...] = ()
    readiness: Readiness | None = None

    @property
    def active(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.state is not State.DONE)

    @property
    def done(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.state is State.DONE)


@dataclass(frozen=True)
class _Gap:
    need: Need
    rated: int  # the learner's own rating
    level: int  # the rating plus the items done since
    wanted: int  # the level the plan aims for
    score: float
    grow: bool


def index(items: Iterable[Item]) -> dict[str, list[Item]]:
    """Items by competency key: the plan looks up each gap's items, never scans them all."""
    found: dict[str, list[Item]] = {}
    for item in items:
        for key in item.competencies:
            found.setdefault(key, []).append(item)
    return found


def build(inputs: Inputs, by_competency: Mapping[str, list[Item]] | None = None) -> Plan:
    """The learner's plan (``by_competency`` is :func:`index` of the items, if kept)."""
    by_competency = by_competency if by_competency is not None else index(inputs.items)
    items = {item.id: item for item in inputs.items}
    choices = _latest(inputs.choices)
    done = [c for c in choices.values() if c.state is State.DONE and c.item in items]
    progress: dict[str, int] = {}
    for c in done:
        progress[c.competency] = progress.get(c.competency, 0) + 1
    gaps = sorted((g for g in (_gap(n, inputs, progress.get(n.key, 0)) for n in inputs.needs)
                   if g is not None), key=lambda g: (-g.score, g.need.key))
    lines: list[Line] = []
    uncovered: list[Uncovered] = []
    notes: list[Reason] = []
    names = {n.key: n.name for n in inputs.needs}
    gone = _last_dropped(inputs.choices, choices, items)
    for gap in gaps:
        why = _why(gap, inputs)
        key = gap.need.key
        mine = [c for c in choices.values() if c.competency == key]
        dropped = {c.item for c in mine if c.state is State.DROPPED}
        done_here = {c.item for c in mine if c.state is State.DONE}
        chosen = [c for c in mine if c.state in (State.ACCEPTED, State.PINNED)
                  and c.origin is None and c.item in items]
        for c in chosen:
            if items[c.item].retired:
                notes.append(Reason(N_("%(title)s was retired and left your plan."),
                                    {"title": items[c.item].title}))
        chosen = [c for c in chosen if not items[c.item].retired]
        own = [c for c in mine if c.origin is not None
               and c.state in (State.ACCEPTED, State.PINNED) and c.item in items]
        beside = {c.item for c in own}  # an accepted suggestion is not proposed twice
        suitable = [i for i in by_competency.get(key, ()) if _suits(i, gap.level)
                    and i.id not in dropped and i.id not in done_here and i.id not in beside]
        ranked, fallback = _rank(suitable, inputs.formats)
        aim = min(LEVEL_MAX, gap.level + 1)
        replaces = None
        if chosen:
            choice = chosen[0]
            pick, state = items[choice.item], choice.state
        elif ranked and gap.level < gap.wanted:
            replaces = gone.get(key)
            if replaces is not None:
                ranked = by_length(ranked, replaces.minutes)
            pick, state = ranked[0], State.SUGGESTED
        else:
            pick, state = None, State.SUGGESTED
        if pick is not None:
            extra = (Reason(N_("Not in your preferred formats: no item in them covers this "
                               "yet.")),) if fallback and pick in ranked else ()
            lines.append(Line(key, pick, state, None, (*why, *extra),
                              tuple(i.id for i in by_length(ranked, pick.minutes)
                                    if i.id != pick.id), aim, replaces))
        for c in own:
            lines.append(Line(key, items[c.item], c.state, None, (_origin(c), *why), (), aim))
        if pick is None and not own and gap.level < gap.wanted:
            uncovered.append(Uncovered(key, gap.need.name, gap.level, gap.wanted, why))
    planned_keys = {g.need.key for g in gaps}
    for c in sorted(choices.values(), key=lambda c: (c.competency, c.item)):
        # The learner's own items and accepted suggestions for a competency with no gap.
        if c.origin is not None and c.competency not in planned_keys and c.item in items \
                and c.state in (State.ACCEPTED, State.PINNED):
            lines.append(Line(c.competency, items[c.item], c.state, None, (_origin(c),)))
    lines = _pin(lines, choices)
    lines = _weeks(lines, inputs.weekly_minutes)
    finished = [Line(c.competency, items[c.item], State.DONE, None,
                     (Reason(N_("Done: it counts toward %(name)s."),
                             {"name": names.get(c.competency, c.competency)}),))
                for c in sorted(done, key=lambda c: (c.competency, c.item))]
    return Plan(tuple(lines + finished), tuple(uncovered), tuple(notes),
                _readiness(inputs, progress, lines))


def _latest(choices: Iterable[Choice]) -> dict[tuple[str, str], Choice]:
    """The last word on each (item, competency); given in time order."""
    found: dict[tuple[str, str], Choice] = {}
    for c in choices:
        found[(c.item, c.competency)] = c
    return found


def _last_dropped(given: Iterable[Choice], latest: Mapping[tuple[str, str], Choice],
                  items: Mapping[str, Item]) -> dict[str, Item]:
    """Per competency, the item the learner dropped last that is still dropped."""
    found: dict[str, Item] = {}
    for c in given:
        still = latest.get((c.item, c.competency))
        if c.state is State.DROPPED and still is not None and still.state is State.DROPPED \
                and c.item in items:
            found[c.competency] = items[c.item]
    return found


def _ratio(minutes: int, reference: int) -> Fraction:
    low, high = sorted((max(minutes, 1), max(reference, 1)))
    return Fraction(high, low)


def similar(minutes: int, reference: int) -> bool:
    """Whether an item of ``minutes`` is about as long as one of ``reference`` minutes."""
    return _ratio(minutes, reference) <= SIMILAR_RATIO


def by_length(items: Sequence[Item], reference: int) -> list[Item]:
    """Items closest in length to ``reference`` minutes first, by ratio (8 is as near 4 as
    2 is); items as near keep their order."""
    return sorted(items, key=lambda i: _ratio(i.minutes, reference))


def _gap(need: Need, inputs: Inputs, done: int) -> _Gap | None:
    if need.level is None:
        return None
    level = min(LEVEL_MAX, need.level + done)
    grow = need.key in inputs.interests
    now = max(0, (need.target or 0) - need.level)
    toward = need.toward_future
    future = max(0, (need.future_target or 0) - toward) if toward is not None else 0
    wanted = max(need.target or 0, (need.future_target or 0) if future else 0)
    score = now * need.importance + FUTURE_WEIGHT * future * need.future_importance
    if grow and need.level < LEVEL_MAX:
        wanted = max(wanted, need.level + 1)
        if score == 0:
            score = max(need.importance, need.future_importance, 1)
        score *= INTEREST_WEIGHT
    if wanted <= need.level:
        return None  # at or above every target, and not asked to grow
    return _Gap(need, need.level, level, min(wanted, LEVEL_MAX), score, grow)


def _why(gap: _Gap, inputs: Inputs) -> tuple[Reason, ...]:
    need = gap.need
    out = []
    if need.target is not None:
        out.append(Reason(N_("%(name)s: you said %(level)s, your role (%(role)s) needs "
                             "%(target)s"),
                          {"name": need.name, "level": gap.rated, "role": inputs.role,
                           "target": need.target}))
    else:
        out.append(Reason(N_("%(name)s: you said %(level)s"),
                          {"name": need.name, "level": gap.rated}))
    if need.importance >= HIGH_IMPORTANCE:
        out.append(Reason(N_("high importance")))
    if gap.grow:
        out.append(Reason(N_("you want to grow this")))
    toward = need.toward_future
    if need.future_target is not None and inputs.future_role and toward is not None and \
            need.future_target > toward:
        out.append(Reason(N_("your future role (%(role)s) needs %(target)s"),
                          {"role": inputs.future_role, "target": need.future_target}))
    if gap.level > gap.rated:
        out.append(Reason(N_("%(count)s done since you rated it"),
                          {"count": gap.level - gap.rated}))
    return tuple(out)


def _origin(choice: Choice) -> Reason:
    if choice.origin == "own":
        return Reason(N_("You added this."))
    if not choice.by:
        return Reason(N_("Suggested by a former colleague."))
    return Reason(N_("Suggested by %(name)s."), {"name": choice.by})


def swap_reason(name: str, aim: int | None) -> Reason:
    """Why an alternative may take a line's place: it builds the same competency, as far."""
    if aim is None:
        return Reason(N_("Another way to grow %(name)s."), {"name": name})
    return Reason(N_("Another way to reach level %(level)s in %(name)s."),
                  {"level": aim, "name": name})


def _suits(item: Item, level: int) -> bool:
    return not item.retired and item.level_from <= level + 1 <= item.level_to


def _rank(items: list[Item], formats: tuple[str, ...]) -> tuple[list[Item], bool]:
    """Suitable items best first; True when none is in a preferred format (a fallback)."""
    preferred = [i for i in items if i.format in formats]
    pool, fallback = (preferred, False) if preferred else (items, bool(formats and items))
    order = {f: n for n, f in enumerate(formats)}
    pool = sorted(pool, key=lambda i: (order.get(i.format, len(order)), i.minutes, i.title, i.id))
    return pool, fallback


def _pin(lines: list[Line], choices: Mapping[tuple[str, str], Choice]) -> list[Line]:
    """Put each pinned line back where the learner pinned it; the rest keep their order."""
    pinned = []
    rest = []
    for line in lines:
        choice = choices.get((line.item.id, line.competency))
        if line.state is State.PINNED and choice is not None and choice.position is not None:
            pinned.append((choice.position, line))
        else:
            rest.append(line)
    for position, line in sorted(pinned, key=lambda p: (p[0], p[1].item.id)):
        rest.insert(min(max(position, 0), len(rest)), line)
    return rest


def _weeks(lines: list[Line], weekly: int) -> list[Line]:
    out, week, used = [], 1, 0
    for line in lines:
        if used and used + line.item.minutes > weekly:
            week, used = week + 1, 0
        out.append(replace(line, week=week))
        used += line.item.minutes
    return out


def _readiness(inputs: Inputs, progress: Mapping[str, int], lines: list[Line]) -> Readiness | None:
    future = [n for n in inputs.needs if n.future_target]
    if not inputs.future_role or not future:
        return None
    planned: dict[str, int] = {}
    for line in lines:
        planned[line.competency] = planned.get(line.competency, 0) + 1
    weight = sum(max(n.future_importance, 1) for n in future)

    def share(extra: Mapping[str, int]) -> float:
        met = 0.0
        for n in future:
            level = min(LEVEL_MAX, (n.toward_future or 0) + progress.get(n.key, 0)
                        + extra.get(n.key, 0))
            met += max(n.future_importance, 1) * min(level, n.future_target or 1) / \
                (n.future_target or 1)
        return met / weight

    return Readiness(inputs.future_role, share({}), share(planned))


# The events that shape a plan, offline: what their data must be. -------------------------

MAX_OWN_TITLE = 160
MAX_URL = 2000
MAX_MESSAGE = 500
MAX_KEY = 100
CHANGES = ("accepted", "pinned", "dropped", "done", "restored")


def item_ref(value: object) -> str:
    """``c:<catalogue item id>`` or ``own:<uuid>``, else Refused."""
    if isinstance(value, str):
        kind, _, rest = value.partition(":")
        if kind == "c" and rest.isascii() and rest.isdigit() and 0 < len(rest) <= 18:
            return f"c:{int(rest)}"
        if kind == "own" and is_uuid(rest):
            return f"own:{rest.lower()}"
    raise Refused("invalid_data", N_("An item is named 'c:<number>' (the catalogue's) or "
                                     "'own:<id>' (your own)."))


def competency_key(value: object) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_KEY:
        raise Refused("invalid_data", N_("A plan change names the competency it is for."))
    return value


@dataclass(frozen=True)
class ChangedData(Data):
    """A ``plan.item.changed``: the learner's choice about one item of one competency."""

    item: str
    competency: str
    state: str
    position: int | None


@dataclass(frozen=True)
class GoalData(Data):
    """A ``plan.goal.added`` or ``plan.goal.removed``: a competency to grow, or no longer."""

    competency: str


@dataclass(frozen=True)
class Described(Data):
    """An item someone writes themselves: its title, format, minutes and link."""

    title: str
    format: str
    minutes: int
    url: str | None


@dataclass(frozen=True)
class OwnItemData(Data):
    """A ``plan.item.added``: an item of the learner's own, for one competency."""

    id: str
    title: str
    format: str
    minutes: int
    url: str | None
    competency: str


@dataclass(frozen=True)
class SettingsData(Data):
    """A ``plan.settings.changed``; ``None`` in the optional ones: not said, left as it was."""

    weekly_minutes: int
    formats: tuple[str, ...]
    mentor_suggestions: bool | None
    languages: tuple[str, ...] | None
    daily_minutes: int | None = None
    weekly_goal: int | None = None


@dataclass(frozen=True)
class SuggestionSentData(Data):
    """A ``plan.suggestion.sent``: a catalogue ``item`` or an ``own`` one, one of the two."""

    id: str
    to: int
    message: str
    competency: str
    item: str | None = None
    own: Described | None = None

    def to_dict(self) -> dict[str, Any]:
        """As sent: only the one of ``item`` and ``own`` that it is."""
        return {k: v for k, v in super().to_dict().items()
                if k not in ("item", "own") or v is not None}


@dataclass(frozen=True)
class SuggestionAnsweredData(Data):
    """A ``plan.suggestion.answered``: accepted or dismissed."""

    id: str
    answer: str


def changed_data(data: dict[str, Any]) -> ChangedData:
    """``plan.item.changed``: accept, pin (at a place), drop, restore or mark done an item."""
    only(data, {"item", "competency", "state", "position"})
    state = data.get("state")
    if state not in CHANGES:
        raise Refused("invalid_data", N_("A plan change is one of: %(states)s."),
                      states=", ".join(CHANGES))
    position = data.get("position")
    if state == "pinned":
        if not whole(position) or not 0 <= position <= 999:
            raise Refused("invalid_data", N_("A pinned item has a place from 0 to 999."))
    elif position is not None:
        raise Refused("invalid_data", N_("Only a pinned item has a place."))
    return ChangedData(item_ref(data.get("item")), competency_key(data.get("competency")),
                       state, position)


def goal_data(data: dict[str, Any]) -> GoalData:
    """``plan.goal.added`` / ``plan.goal.removed``: a competency the learner wants to grow."""
    only(data, {"competency"})
    return GoalData(competency_key(data.get("competency")))


def own_item_data(data: dict[str, Any]) -> OwnItemData:
    """``plan.item.added``: an item of the learner's own (a book, a video, shadowing)."""
    only(data, {"id", "title", "format", "minutes", "url", "competency"})
    own_id = data.get("id")
    if not isinstance(own_id, str) or not is_uuid(own_id):
        raise Refused("invalid_data", N_("Your own item needs an id made on the phone."))
    item = described(data)
    return OwnItemData(own_id.lower(), item.title, item.format, item.minutes, item.url,
                       competency_key(data.get("competency")))


def described(data: Mapping[str, Any]) -> Described:
    """Title, format, minutes and link of an item someone writes themselves."""
    title, fmt, minutes, url = (data.get("title"), data.get("format"), data.get("minutes"),
                                data.get("url"))
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_OWN_TITLE:
        raise Refused("invalid_data", N_("An item has a title of at most %(limit)s characters."),
                      limit=MAX_OWN_TITLE)
    if fmt not in {f.value for f in Format}:
        raise Refused("invalid_data", N_("'%(format)s' is not a format."), format=str(fmt)[:40])
    if not whole(minutes) or not 1 <= minutes <= MAX_MINUTES:
        raise Refused("invalid_data", N_("Minutes are a whole number from 1 to %(limit)s."),
                      limit=MAX_MINUTES)
    if url is not None and (not isinstance(url, str) or len(url) > MAX_URL
                            or not url.lower().startswith(("https://", "http://"))):
        raise Refused("invalid_data", N_("A link must start with https:// or http://."))
    return Described(title.strip(), fmt, minutes, url or None)


def settings_data(data: dict[str, Any]) -> SettingsData:
    """``plan.settings.changed``: weekly minutes, preferred formats in order, whether peer
    mentors may be suggested, the languages the learner can learn in, and the daily
    practice's minutes a day and days a week.

    ``mentor_suggestions``, ``languages``, ``daily_minutes`` and ``weekly_goal`` are
    optional (events from before they existed stay valid): absent or null, the stored
    choice is left as it was. The languages are what the mentor assignment requires a
    mentor to share, the first the learner's own; an empty list takes back what they said
    (the app guesses again).
    """
    only(data, {"weekly_minutes", "formats", "mentor_suggestions", "languages",
                "daily_minutes", "weekly_goal"})
    minutes, formats = data.get("weekly_minutes"), data.get("formats")
    if not whole(minutes) or not MIN_WEEKLY_MINUTES <= minutes <= MAX_WEEKLY_MINUTES:
        raise Refused("invalid_data", N_("Minutes a week are a whole number from %(low)s to "
                                         "%(high)s."),
                      low=MIN_WEEKLY_MINUTES, high=MAX_WEEKLY_MINUTES)
    known = {f.value for f in Format}
    if not isinstance(formats, list) or any(f not in known for f in formats) or \
            len(set(formats)) != len(formats):
        raise Refused("invalid_data", N_("Preferred formats are a list of formats, each once."))
    mentors = data.get("mentor_suggestions")
    if mentors is not None and not isinstance(mentors, bool):
        raise Refused("invalid_data", N_("Mentor suggestions are on or off (true or false)."))
    languages = learning_languages(data.get("languages"))
    daily, goal = data.get("daily_minutes"), data.get("weekly_goal")
    if daily is not None and (not whole(daily) or
                              not MIN_DAILY_MINUTES <= daily <= MAX_DAILY_MINUTES):
        raise Refused("invalid_data", N_("Practice minutes a day are a whole number from "
                                         "%(low)s to %(high)s."),
                      low=MIN_DAILY_MINUTES, high=MAX_DAILY_MINUTES)
    if goal is not None and (not whole(goal) or not MIN_WEEKLY_GOAL <= goal <= MAX_WEEKLY_GOAL):
        raise Refused("invalid_data", N_("Practice days a week are a whole number from "
                                         "%(low)s to %(high)s."),
                      low=MIN_WEEKLY_GOAL, high=MAX_WEEKLY_GOAL)
    return SettingsData(minutes, tuple(formats), mentors,
                        None if languages is None else tuple(languages), daily, goal)


def learning_languages(value: object) -> list[str] | None:
    """The languages a learner can learn in, normalised as an offer's, in their order.

    ``None`` (not said in this event), or a list of at most ``MAX_LANGUAGES``
    distinct tags; a duplicate is refused rather than dropped, so that what is
    stored is what the learner saw in their list.
    """
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_LANGUAGES:
        raise Refused("invalid_data", N_(
            "Languages you can learn in are a list of at most %(limit)s languages."),
            limit=MAX_LANGUAGES)
    tags: list[str] = []
    for raw in value:
        found = tag(raw)
        if found in tags:
            raise Refused("invalid_data", N_("List each language once: '%(tag)s' is there "
                                             "twice."), tag=found)
        tags.append(found)
    return tags


def suggestion_sent_data(data: dict[str, Any]) -> SuggestionSentData:
    """``plan.suggestion.sent``: a colleague suggests a catalogue item or one of their own."""
    only(data, {"id", "to", "competency", "item", "own", "message"})
    suggestion_id, to, message = data.get("id"), data.get("to"), data.get("message", "")
    if not isinstance(suggestion_id, str) or not is_uuid(suggestion_id):
        raise Refused("invalid_data", N_("A suggestion needs an id made on the phone."))
    if not whole(to) or not 1 <= to <= 2 ** 31 - 1:
        raise Refused("invalid_data", N_("A suggestion names the colleague it is for."))
    if not isinstance(message, str) or len(message) > MAX_MESSAGE:
        raise Refused("invalid_data", N_("A message is text of at most %(limit)s characters."),
                      limit=MAX_MESSAGE)
    item, own = data.get("item"), data.get("own")
    if (item is None) == (own is None):
        raise Refused("invalid_data", N_("A suggestion is a catalogue item or an item of your "
                                         "own, one of the two."))
    key = competency_key(data.get("competency"))
    if item is not None:
        ref = item_ref(item)
        if not ref.startswith("c:"):
            raise Refused("invalid_data", N_("Suggest a catalogue item by its 'c:<number>'."))
        return SuggestionSentData(suggestion_id.lower(), to, message.strip(), key, item=ref)
    if not isinstance(own, dict):
        raise Refused("invalid_data", N_("An item of your own has a title, format and "
                                         "minutes."))
    only(own, {"title", "format", "minutes", "url"})
    return SuggestionSentData(suggestion_id.lower(), to, message.strip(), key,
                              own=described(own))


def suggestion_answered_data(data: dict[str, Any]) -> SuggestionAnsweredData:
    """``plan.suggestion.answered``: the learner accepts or dismisses a suggestion."""
    only(data, {"id", "answer"})
    suggestion_id, answer = data.get("id"), data.get("answer")
    if not isinstance(suggestion_id, str) or not is_uuid(suggestion_id):
        raise Refused("invalid_data", N_("An answer names the suggestion it is for."))
    if answer not in ("accepted", "dismissed"):
        raise Refused("invalid_data", N_("A suggestion is accepted or dismissed."))
    return SuggestionAnsweredData(suggestion_id.lower(), answer)

