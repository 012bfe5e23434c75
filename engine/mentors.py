"""Peer mentors: who may offer help with what, the events of offers and requests, and the
global assignment of suggested mentors to the gaps no catalogue item covers.

Pure. The store gathers the offers, the gaps and the loads; this module judges.

The assignment is a minimum-cost flow (its arcs written straight into OR-Tools' arrays,
solved by its compiled solver), not a greedy pass per learner, so that capacity is
shared fairly across everyone:

* each learner's uncovered gap (learner, competency) gets at most one mentor;
* a mentor is suggested at most as many times as they have free places
  (capacity minus the requests holding a place);
* a mentor must offer that competency, be active, share a language with the
  learner (compared by primary language subtag: ``en-US`` speaks ``en``), and
  never be the learner;
* the most gaps are covered first (a bypass edge dearer than any match makes
  every unmatched gap cost more than any matched one); among those answers the
  cheapest wins: each further mentee of a mentor costs ``LOAD_COST`` more than
  the last (convex, so the fewest active mentees go first), a mentor of another
  role costs ``ROLE_COST``, of another site ``SITE_COST``, and one who does not
  speak the learner's own language (the first of the languages they said they
  can learn in, else their locale's) ``LANGUAGE_COST``.

Learners that are interchangeable (same competency, role, site and languages)
are one node with a supply of their count, and reach mentors through hub nodes
per competency, language and likeness (same role and site, same role, same
site, any): the graph grows with the kinds of people, not with learners times
mentors. Answers depend on the input's content, never its order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow

from engine.errors import N_
from engine.languages import language as language  # the store compares through this module
from engine.languages import tag
from engine.sync import Data, Refused, is_uuid, only, whole

DEFAULT_CAPACITY = 2
MIN_CAPACITY, MAX_CAPACITY = 1, 10
MIN_LANGUAGES, MAX_LANGUAGES = 1, 5
MAX_AVAILABILITY = 200
MAX_CONTACT = 200
MAX_MESSAGE = 500
MAX_KEY = 100
MAX_COMPETENCIES = 50
STATUSES = ("active", "paused", "left")
ANSWERS = ("accepted", "declined")
# A request holds a place while it is pending or accepted.
HOLDING = ("pending", "accepted")

LOAD_COST = 4  # each further mentee of one mentor
ROLE_COST = 3  # a mentor of another role
SITE_COST = 2  # a mentor of another site (or where either site is unknown)
LANGUAGE_COST = 1  # talking in a language that is not the learner's own
_UNMATCHED = 10**6  # dearer than any match: coverage comes first


# The events ---------------------------------------------------------------------------

def _text(value: object, limit: int, template: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise Refused("invalid_data", template, limit=limit)
    return value.strip()


def _key(value: object) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_KEY:
        raise Refused("invalid_data", N_("A competency is named by its key."))
    return value


@dataclass(frozen=True)
class OfferData(Data):
    """A ``mentor.offer.changed``: the whole offer as it stands after the change."""

    competencies: tuple[str, ...]
    capacity: int
    languages: tuple[str, ...]
    status: str
    availability: str
    contact: str


@dataclass(frozen=True)
class RequestedData(Data):
    """A ``mentor.requested``: a learner's ask to one mentor about one competency."""

    id: str
    mentor: int
    competency: str
    message: str
    contact: str
    share_level: bool


@dataclass(frozen=True)
class AnsweredData(Data):
    """A ``mentor.request.answered``: the mentor's answer to a request."""

    id: str
    answer: str


@dataclass(frozen=True)
class EndedData(Data):
    """A ``mentor.request.ended``: either side ends a request."""

    id: str


def offer_data(data: dict[str, Any]) -> OfferData:
    """``mentor.offer.changed``: what the person offers help with, how many at once, when."""
    only(data, {"competencies", "capacity", "languages", "availability", "contact", "status"})
    status = data.get("status", "active")
    if status not in STATUSES:
        raise Refused("invalid_data", N_("An offer is one of: %(states)s."),
                      states=", ".join(STATUSES))
    capacity = data.get("capacity", DEFAULT_CAPACITY)
    if not whole(capacity) or not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        raise Refused("invalid_capacity", N_(
            "You can mentor from %(low)s to %(high)s people at once."),
            low=MIN_CAPACITY, high=MAX_CAPACITY)
    competencies = data.get("competencies", [])
    if not isinstance(competencies, list) or len(competencies) > MAX_COMPETENCIES:
        raise Refused("invalid_data", N_("An offer lists the competencies you help with."))
    keys = sorted({_key(c) for c in competencies})
    if status == "active" and not keys:
        raise Refused("invalid_data", N_("Choose at least one competency to help with."))
    languages = data.get("languages")
    if not isinstance(languages, list) or not MIN_LANGUAGES <= len(languages) <= MAX_LANGUAGES:
        raise Refused("invalid_data", N_("List from %(low)s to %(high)s languages you speak."),
                      low=MIN_LANGUAGES, high=MAX_LANGUAGES)
    tags = list(dict.fromkeys(tag(t) for t in languages))
    return OfferData(
        competencies=tuple(keys), capacity=capacity, languages=tuple(tags), status=status,
        availability=_text(data.get("availability"), MAX_AVAILABILITY, N_(
            "When you are available is at most %(limit)s characters.")),
        contact=_text(data.get("contact"), MAX_CONTACT, N_(
            "How to reach you is at most %(limit)s characters.")))


def requested_data(data: dict[str, Any]) -> RequestedData:
    """``mentor.requested``: a learner asks a mentor for help with one competency."""
    only(data, {"id", "mentor", "competency", "message", "contact", "share_level"})
    request_id, mentor, share = data.get("id"), data.get("mentor"), data.get("share_level", False)
    if not isinstance(request_id, str) or not is_uuid(request_id):
        raise Refused("invalid_data", N_("A request needs an id made on the phone."))
    if not whole(mentor) or not 1 <= mentor <= 2 ** 31 - 1:
        raise Refused("invalid_data", N_("A request names the mentor it is for."))
    if not isinstance(share, bool):
        raise Refused("invalid_data", N_("Sharing your rating is yes or no."))
    return RequestedData(
        id=request_id.lower(), mentor=mentor, competency=_key(data.get("competency")),
        message=_text(data.get("message"), MAX_MESSAGE, N_(
            "A message is text of at most %(limit)s characters.")),
        contact=_text(data.get("contact"), MAX_CONTACT, N_(
            "How to reach you is at most %(limit)s characters.")),
        share_level=share)


def _request_id(data: Mapping[str, Any]) -> str:
    request_id = data.get("id")
    if not isinstance(request_id, str) or not is_uuid(request_id):
        raise Refused("invalid_data", N_("Name the request by its id."))
    return request_id.lower()


def answered_data(data: dict[str, Any]) -> AnsweredData:
    """``mentor.request.answered``: the mentor accepts or declines."""
    only(data, {"id", "answer"})
    if data.get("answer") not in ANSWERS:
        raise Refused("invalid_data", N_("A request is accepted or declined."))
    return AnsweredData(_request_id(data), data["answer"])


def ended_data(data: dict[str, Any]) -> EndedData:
    """``mentor.request.ended``: either side ends it; the learner ending a pending one withdraws."""
    only(data, {"id"})
    return EndedData(_request_id(data))


def may_offer(level: int | None, target: int | None) -> bool:
    """Help is offered only where the person rated themselves at or above their role's target."""
    return level is not None and target is not None and level >= target


def ineligible(wanted: Iterable[str], levels: Mapping[str, int],
               targets: Mapping[str, int]) -> list[str]:
    """The competencies of ``wanted`` the person may not offer (sorted); no numbers in it."""
    return sorted(k for k in set(wanted) if not may_offer(levels.get(k), targets.get(k)))


# The assignment -----------------------------------------------------------------------

@dataclass(frozen=True)
class Gap:
    """A learner's gap no catalogue item covers and no request of theirs already holds."""

    learner: int
    competency: str
    role: str
    site: str | None
    languages: frozenset[str]  # primary subtags: those the learner can learn in
    first_language: str | None = None  # the learner's own (the first they listed): preferred


@dataclass(frozen=True)
class Mentor:
    person: int
    competencies: frozenset[str]
    capacity: int
    load: int  # requests holding a place (pending or accepted)
    languages: frozenset[str]  # primary subtags
    role: str
    site: str | None
    active: bool = True

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.load) if self.active else 0


@dataclass(frozen=True)
class Assignment:
    learner: int
    competency: str
    mentor: int


def cost(gap: Gap, mentor: Mentor) -> int:
    """The price of a match before load: a mentor of the same role and site who speaks the
    learner's own language costs nothing."""
    same_site = gap.site is not None and gap.site == mentor.site
    own = gap.first_language is None or gap.first_language in mentor.languages
    return ((0 if gap.role == mentor.role else ROLE_COST) + (0 if same_site else SITE_COST)
            + (0 if own else LANGUAGE_COST))


def can_match(gap: Gap, mentor: Mentor) -> bool:
    return (mentor.free > 0 and gap.competency in mentor.competencies
            and gap.learner != mentor.person and bool(gap.languages & mentor.languages))


def assign(gaps: Iterable[Gap], mentors: Iterable[Mentor]) -> tuple[Assignment, ...]:
    """Suggest mentors for as many gaps as capacities allow, cheapest first (see module)."""
    once = {(g.learner, g.competency): g for g in sorted(set(gaps), key=repr)}
    gaps = [once[k] for k in sorted(once)]  # one suggestion per learner and competency
    pool = sorted((m for m in mentors if m.free > 0), key=lambda m: m.person)
    if not gaps or not pool:
        return ()
    by_competency: dict[str, list[Mentor]] = {}
    for m in pool:
        for c in sorted(m.competencies):
            by_competency.setdefault(c, []).append(m)
    mentor_ids = {m.person for m in pool}

    # Interchangeable learners are one class; a learner who also mentors that
    # competency is a class of their own, joined to each other mentor directly.
    classes: dict[tuple[Any, ...], list[Gap]] = {}
    for g in gaps:
        alone = g.learner if g.learner in mentor_ids else None
        key = (g.competency, g.role, g.site or "", tuple(sorted(g.languages)),
               g.first_language or "", alone or 0)
        classes.setdefault(key, []).append(g)

    graph = _Arcs()
    source, sink = ("source",), ("sink",)
    total = len(gaps)
    graph.supply[graph.node(source)] = total
    graph.supply[graph.node(sink)] = -total
    graph.add(source, sink, total, _UNMATCHED)
    # Hubs per competency and language, one per kind of likeness: a class reaches a
    # mentor through the hub of what they share, at that hub's price. A path through a
    # hub that claims less likeness than there is only costs more, so the cheapest
    # flow takes the true price; every path is a valid match (same competency, a
    # shared language), so any pairing inside a hub is too.
    def hubs(competency: str, lang: str, role: str, site: str) -> list[tuple[Any, int]]:
        return [(("hub", competency, lang, "both", role, site), 0),
                (("hub", competency, lang, "role", role), SITE_COST),
                (("hub", competency, lang, "site", site), ROLE_COST),
                (("hub", competency, lang, "any"), ROLE_COST + SITE_COST)]

    for m in pool:
        for k in range(m.free):  # the k-th further mentee costs more than the one before
            graph.add(("mentor", m.person), sink, 1, LOAD_COST * (m.load + k))
        for competency in sorted(m.competencies):
            for lang in sorted(m.languages):
                for hub, _ in hubs(competency, lang, m.role, m.site or ""):
                    graph.add(hub, ("mentor", m.person), m.free, 0)
    ordered = sorted(classes.items(), key=lambda kv: repr(kv[0]))
    for key, members in ordered:
        node = ("class", *key)
        graph.add(source, node, len(members), 0)
        probe = members[0]
        if key[-1]:
            for m in by_competency.get(probe.competency, ()):
                if can_match(probe, m):
                    graph.add(node, ("mentor", m.person), 1, cost(probe, m))
            continue
        for lang in sorted(probe.languages):
            for hub, price in hubs(probe.competency, lang, probe.role, probe.site or ""):
                if hub in graph.index:
                    own = lang == probe.first_language or probe.first_language is None
                    graph.add(node, hub, len(members),
                              price + (0 if own else LANGUAGE_COST))
    flow = _min_cost_flow(graph)

    def sent(u: Any, v: Any) -> int:
        return flow.get(u, {}).get(v, 0)

    places: dict[Any, list[int]] = {}  # each hub's matched mentor places, in order
    for node, targets in sorted(flow.items(), key=lambda kv: repr(kv[0])):
        if node[0] == "hub":
            places[node] = [t[1] for t in sorted(targets, key=repr)
                            for _ in range(sent(node, t))]
    out: list[Assignment] = []
    for key, members in ordered:
        node = ("class", *key)
        waiting = sorted(members, key=lambda g: g.learner)
        for target in sorted(flow.get(node, {}), key=repr):
            for _ in range(sent(node, target)):
                g = waiting.pop(0)
                mentor = target[1] if target[0] == "mentor" else places[target].pop(0)
                out.append(Assignment(g.learner, g.competency, mentor))
    return tuple(sorted(out, key=lambda a: (a.learner, a.competency)))


class _Arcs:
    """The flow network as OR-Tools takes it: node indices, and per arc its tail, head,
    capacity and unit cost, kept in four lists.

    Arcs are numbered grouped by tail (in the order nodes first appear), then by head
    (in the order the pair first appears), then as added: the order the solver has always
    been given them, so that among equally cheap flows it picks the same one.
    """

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}
        self.supply: dict[int, int] = {}
        self._out: list[dict[int, list[tuple[int, int]]]] = []

    def node(self, name: Any) -> int:
        found = self.index.get(name)
        if found is None:
            found = self.index[name] = len(self._out)
            self._out.append({})
        return found

    def add(self, tail: Any, head: Any, capacity: int, unit_cost: int) -> None:
        u, v = self.node(tail), self.node(head)
        self._out[u].setdefault(v, []).append((capacity, unit_cost))

    def arrays(self) -> tuple[list[int], list[int], list[int], list[int]]:
        tails: list[int] = []
        heads: list[int] = []
        capacities: list[int] = []
        costs: list[int] = []
        for u, out in enumerate(self._out):
            for v, arcs in out.items():
                for capacity, unit_cost in arcs:
                    tails.append(u)
                    heads.append(v)
                    capacities.append(capacity)
                    costs.append(unit_cost)
        return tails, heads, capacities, costs


def _min_cost_flow(graph: _Arcs) -> dict[Any, dict[Any, int]]:
    """The cheapest flow meeting every node's supply, as ``flow[u][v]`` (summed over arcs).

    Solved by OR-Tools' cost-scaling minimum-cost flow (compiled): networkx's network
    simplex is pure Python and took over half a minute for 10,000 learners.
    """
    tails, heads, capacities, costs = graph.arrays()
    solver = min_cost_flow.SimpleMinCostFlow()
    arcs = solver.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int64), np.array(heads, dtype=np.int64),
        np.array(capacities, dtype=np.int64), np.array(costs, dtype=np.int64))
    nodes = len(graph.index)
    supplies = np.zeros(nodes, dtype=np.int64)
    for n, amount in graph.supply.items():
        supplies[n] = amount
    solver.set_nodes_supplies(np.arange(nodes, dtype=np.int64), supplies)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise ValueError(f"the assignment found no flow (status {status})")
    names = list(graph.index)
    flow: dict[Any, dict[Any, int]] = {}
    for u, v, amount in zip(tails, heads, solver.flows(arcs), strict=True):
        if amount:
            into = flow.setdefault(names[u], {})
            into[names[v]] = into.get(names[v], 0) + int(amount)
    return flow
