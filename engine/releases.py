"""Releases: every number derived from people's self-ratings and plans, counted once a
period with calibrated noise, so that no sequence of reports gives a person away.

A report that counts live changes the moment one person's rating changes, and
two snapshots subtract to that person. Suppressing small cells does not help
(the difference of two large cells is one person). A release instead is
computed on a schedule, stored, and shown unchanged until the next one; every
number in it carries noise from OpenDP's Gaussian mechanism, calibrated so
that anything one person does (self-assess for the first time, re-rate, move
site or role, leave) changes what a reader of the release can learn by at most
the release's privacy loss rho (zero-concentrated differential privacy, zCDP).
Losses add up across releases; :func:`allowed` refuses a release that would
take the last 365 days past the yearly budget.

What one release measures, per role (``C`` = the competencies of its profile):

* ``total``: learners per competency and level (a person is in one cell per
  competency);
* ``atoms``: the same, per group of site and future role (again one cell per
  competency). A site is one where the role's people work; a future role is
  any role of the organisation (which one a learner chose is private, so the
  list is not taken from the choices); ``""`` is "none".
* ``learners``: the role's people who have self-assessed at all;
* the plans: minutes, fees, gaps the plans cover and gaps only a mentor can
  close, summed over the learners, each person's share clipped (minutes and
  fees and gaps to caps: :func:`caps`). The clipping is done where the
  sums are counted (the database, over each learner's plan summary), so
  :class:`RoleCounts` carries the clipped sums; :func:`measure` refuses sums
  no clipped shares could add up to, since the noise is only as wide as one
  person's clipped share.
* ``answers``: the question analysis. Per question of the role's micro-lessons
  (:data:`Question`), the role's learners whose first answer was right and
  wrong, and, of those who answered it again 7 or more days after the first
  time, whose first such answer was right and wrong: four cells, a learner in
  at most one of the first two and one of the last two. Each learner counts
  for at most :attr:`Budget.questions_cap` questions (K) per release, the ones
  of their latest answers (chosen where the answers are counted).

Privacy accounting, with rho the release's budget. The two count tables share
one Gaussian measurement whose L2 sensitivity to one person changing is
``2 * sqrt(C)`` (per competency one cell down and one up, in both tables), and
to one person appearing or leaving ``sqrt(2C)``; it gets :data:`SHARE_TABLES`
of rho for a change, so half that for a presence. The question cells are
measured the same way with K in place of C: one person is in at most two cells
of each of at most K questions, so changing anything (other answers, other
questions) moves at most 4K cells by one (``2 * sqrt(K)``) and appearing or
leaving 2K (``sqrt(2K)``); they get :data:`SHARE_QUESTIONS` for a change. The
learners count (changed only by presence) and each plan sum (changed by at
most its cap either way) get their own shares. A change within a role costs
``0.45 + 0.15 + 0.15 = 0.75`` of rho; a presence ``0.225 + 0.075 + 0.05 + 0.15
= 0.5`` of it; a move between roles is a presence in two roles: at most rho.
The realised loss is computed from OpenDP's own privacy maps (:func:`loss`),
never assumed; the questions' share is counted whether or not a role has
lessons yet.

Post-processing costs no privacy, and makes the numbers behave: the total and
the atoms of a (competency, level) are combined by least squares (a parent and
its children measured with equal noise: Hay et al., "Boosting the accuracy of
differentially private histograms through consistency", 2010), the total is
rounded to a whole number >= 0, and the atoms are apportioned to it (projected
onto the non-negative numbers with that sum, then rounded by largest
remainder). So counts are whole and non-negative, levels add up to what each
filter shows, and every filter adds up to everyone. What is shown is a sum of
atoms; its margin follows from the least-squares variance (:func:`margin`).
The question cells are rounded to whole numbers >= 0 (so the wrong answers
are never more than the answers), and the cells of the week after are
apportioned to no more learners than answered the question at all.

A small noisy count is withheld (:data:`THRESHOLD`, "too few people to show"):
the threshold is applied to the released number less its margin, never to the
true one, which would itself leak.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

import numpy as np
import opendp.prelude as dp
from numpy.typing import NDArray

from engine.levels import LEVELS

NONE = ""  # no site, or no future role: a group of people, never a filter (names are not empty)
ALL = None  # a filter that keeps everyone
THRESHOLD = 5  # a released count below this reads "too few people to show"
YEAR = timedelta(days=365)
Z95 = 1.96  # a margin covers about 95% of the noise: "about 24 (±3)"

# The shares of a release's rho (see the module's docstring for why they fit).
SHARE_TABLES = 0.45  # for a change; a presence costs half as much
SHARE_QUESTIONS = 0.15  # for a change; a presence costs half as much
SHARE_LEARNERS = 0.05
SHARE_MINUTES = 0.06
SHARE_FEES = 0.04
SHARE_COVERED = 0.025
SHARE_UNCOVERED = 0.025

Atom = tuple[str, str, str, int]  # (competency key, site or NONE, future role or NONE, level)
Where = tuple[str | None, str | None]  # (site, future role), each a value or ALL
Question = tuple[str, int]  # (lesson's item key, the question's place from 0)
# A question's four cells: learners whose first answer was right, wrong; of those who
# answered it again a week or more later, whose first such answer was right, wrong.
Cells = tuple[int, int, int, int]
WEEK = timedelta(days=7)  # "after a week": 7 or more days after the first answer


@dataclass(frozen=True)
class Budget:
    """The privacy budget and the schedule, from one place in the configuration.

    ``rho`` is one release's loss (zCDP), ``rho_year`` the most any 365 days
    may spend, ``delta`` the delta at which the loss is also stated as epsilon,
    ``days`` the time between releases (at least 1: daily at most).
    ``hours_cap``, ``fee_cap`` and ``gaps_cap`` clip one person's plan hours, fees
    (in the organisation's currency) and gaps before they are summed: the noise
    of a sum is as wide as one person's most, so a cap near what a plan
    usually asks keeps it narrow. ``questions_cap`` (K) is how many questions
    one learner counts for in a release's question analysis: the noise grows
    with sqrt(K), the counts with K while learners have that many questions.
    """

    rho: float = 0.5
    rho_year: float = 26.0
    delta: float = 1e-6
    days: int = 7
    hours_cap: float = 10.0
    fee_cap: float = 100.0
    gaps_cap: int = 5
    questions_cap: int = 10

    def __post_init__(self) -> None:
        for name in ("rho", "rho_year", "hours_cap", "fee_cap"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not math.isfinite(value) or value <= 0:
                raise ValueError(f"the release {name} is a positive number, not {value!r}")
        if not (isinstance(self.delta, float) and 0 < self.delta < 1):
            raise ValueError(f"delta is a number between 0 and 1, not {self.delta!r}")
        for name in ("gaps_cap", "questions_cap"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"the {name} is a whole number >= 1, not {value!r}")
        if isinstance(self.days, bool) or not isinstance(self.days, int) or self.days < 1:
            raise ValueError(f"releases are at least a day apart, not {self.days!r} days")
        if self.rho > self.rho_year:
            raise ValueError("one release's budget is more than the year's")

    def epsilon(self, rho: float | None = None) -> float:
        """``rho`` (one release's by default) as epsilon at :attr:`delta` (OpenDP's conversion)."""
        return epsilon(self.rho if rho is None else rho, self.delta)


@dataclass(frozen=True)
class RoleCounts:
    """What the database counted for one role: the truth, never stored or shown.

    ``atoms``: learners per :data:`Atom` (an atom not given has 0); an atom's
    site must be in ``sites`` or NONE, its future role in ``futures`` or NONE.
    ``minutes``, ``fee_cents``, ``covered`` and ``uncovered``: the sums over the
    ``learners`` of their plans, each learner's share already clipped to
    :func:`caps` (and at least 0). ``questions``: every question of the role's
    lessons (from the catalogue: public), and ``answers`` their :data:`Cells`
    (a question not given has none), each learner in at most ``questions_cap``
    questions.
    """

    role: str
    competencies: tuple[str, ...]
    sites: tuple[str, ...]
    futures: tuple[str, ...]
    atoms: Mapping[Atom, int]
    learners: int
    minutes: int
    fee_cents: int
    covered: int
    uncovered: int
    programme_minutes: int
    programme_fees_cents: int
    questions: tuple[Question, ...] = ()
    answers: Mapping[Question, Cells] = field(default_factory=dict)


@dataclass(frozen=True)
class Estimate:
    """A released number and the margin its noise leaves (about 95%)."""

    value: int
    margin: int


@dataclass(frozen=True)
class Share:
    """A released share (0 to 1) and the margin its noise leaves (about 95%), both fractions."""

    value: float
    margin: float


@dataclass(frozen=True)
class Stage:
    """One stage of a question (first sight, or a week later) as a release shows it:
    the learners who answered, and the share of them who got it wrong. ``answered`` is
    None when it may be a group too small to show, and then so is ``wrong``."""

    answered: Estimate | None
    wrong: Share | None


@dataclass(frozen=True)
class RoleRelease:
    """One role's released numbers, and the noise each carries. Holds nobody's row.

    ``levels[key][level - 1][g]``: learners at that level in group ``g`` of
    :meth:`groups` (sites, then future roles, each with NONE first).
    ``answers[question]``: its released :data:`Cells`, each measured with noise
    ``questions_sigma``.
    """

    role: str
    competencies: tuple[str, ...]
    sites: tuple[str, ...]
    futures: tuple[str, ...]
    levels: Mapping[str, tuple[tuple[int, ...], ...]]
    sigma: float
    learners: int
    learners_sigma: float
    minutes: int
    minutes_sigma: float
    fee_cents: int
    fee_cents_sigma: float
    covered: int
    covered_sigma: float
    uncovered: int
    uncovered_sigma: float
    programme_minutes: int
    programme_fees_cents: int
    questions: tuple[Question, ...] = ()
    answers: Mapping[Question, Cells] = field(default_factory=dict)
    questions_sigma: float = 0.0

    def groups(self) -> list[tuple[str, str]]:
        return self._groups

    @cached_property
    def _groups(self) -> list[tuple[str, str]]:
        return _groups(self.sites, self.futures)

    @cached_property
    def _chosen(self) -> dict[Where, list[int]]:
        return {}

    @cached_property
    def _table(self) -> NDArray[np.int64]:
        """``levels`` as one array: [competency, level - 1, group]."""
        groups = len(self.groups())
        return np.array([self.levels.get(k, ((0,) * groups,) * len(LEVELS))
                         for k in self.competencies], dtype=np.int64).reshape(
            len(self.competencies), len(LEVELS), groups)

    def chosen(self, where: Where) -> list[int]:
        """The groups a filter keeps."""
        found = self._chosen.get(where)
        if found is None:
            found = self._chosen[where] = [
                g for g, (site, future) in enumerate(self._groups)
                if where[0] in (ALL, site) and where[1] in (ALL, future)]
        return found

    def by_level(self, where: Where = (ALL, ALL)) -> dict[str, tuple[int, ...]]:
        """Each competency's learners at levels 1-5 under the filter ``where`` (one sum)."""
        sums = self._table[:, :, self.chosen(where)].sum(axis=2)
        return {key: tuple(int(n) for n in row) for key, row in zip(
            self.competencies, sums, strict=True)}

    def margin_of(self, where: Where, levels: int) -> int:
        """The margin of a sum of ``levels`` level counts under the filter ``where``."""
        return margin(self.sigma, len(self._groups), len(self.chosen(where)), levels)

    def count(self, key: str, where: Where = (ALL, ALL),
              levels: Iterable[int] = LEVELS) -> Estimate:
        """Learners of competency ``key`` at ``levels`` under the filter ``where``."""
        levels = list(levels)
        counts = self.by_level(where).get(key, (0,) * len(LEVELS))
        return Estimate(sum(counts[level - 1] for level in levels),
                        self.margin_of(where, len(levels)))

    def first_sight(self, question: Question) -> Stage:
        """Who answered the question, and the share whose first answer was wrong."""
        right, wrong, _, _ = self.answers.get(question, (0, 0, 0, 0))
        return stage(right, wrong, self.questions_sigma)

    def after_a_week(self, question: Question) -> Stage:
        """Who answered it again a week or more after the first time, and the share whose
        first answer then was wrong."""
        _, _, right, wrong = self.answers.get(question, (0, 0, 0, 0))
        return stage(right, wrong, self.questions_sigma)

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role, "competencies": list(self.competencies),
            "sites": list(self.sites), "futures": list(self.futures),
            "levels": {k: [list(row) for row in v] for k, v in self.levels.items()},
            "sigma": self.sigma, "learners": self.learners,
            "learners_sigma": self.learners_sigma, "minutes": self.minutes,
            "minutes_sigma": self.minutes_sigma, "fee_cents": self.fee_cents,
            "fee_cents_sigma": self.fee_cents_sigma, "covered": self.covered,
            "covered_sigma": self.covered_sigma, "uncovered": self.uncovered,
            "uncovered_sigma": self.uncovered_sigma,
            "programme_minutes": self.programme_minutes,
            "programme_fees_cents": self.programme_fees_cents,
            "questions_sigma": self.questions_sigma,
            "answers": [[key, place, *self.answers.get((key, place), (0, 0, 0, 0))]
                        for key, place in self.questions],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RoleRelease:
        answers = {(key, place): (a, b, c, d)  # none in a release from before the analysis
                   for key, place, a, b, c, d in data.get("answers", [])}
        return cls(
            questions=tuple(answers), answers=answers,
            questions_sigma=data.get("questions_sigma", 0.0),
            role=data["role"], competencies=tuple(data["competencies"]),
            sites=tuple(data["sites"]), futures=tuple(data["futures"]),
            levels={k: tuple(tuple(row) for row in v) for k, v in data["levels"].items()},
            **{name: data[name] for name in (
                "sigma", "learners", "learners_sigma", "minutes", "minutes_sigma",
                "fee_cents", "fee_cents_sigma", "covered", "covered_sigma", "uncovered",
                "uncovered_sigma", "programme_minutes", "programme_fees_cents")})


@dataclass(frozen=True)
class Scales:
    """The noise of one role's measurements (standard deviations) and what they cost."""

    tables: float
    questions: float
    learners: float
    minutes: float
    fees: float
    covered: float
    uncovered: float
    change: float  # rho when one person of the role changes anything but their role
    presence: float  # rho when one person joins or leaves the role


# --- accounting -------------------------------------------------------------------------


def _enable() -> None:
    dp.enable_features("contrib")


def _vector(scale: float) -> Any:
    _enable()
    return dp.m.make_gaussian(dp.vector_domain(dp.atom_domain(T="i64")),
                              dp.l2_distance(T=float), scale=scale)


def _scalar(scale: float) -> Any:
    _enable()
    return dp.m.make_gaussian(dp.atom_domain(T="i64"), dp.absolute_distance(T=float),
                              scale=scale)


def epsilon(rho: float, delta: float) -> float:
    """A zCDP loss ``rho`` as (epsilon, ``delta``)-DP, by OpenDP's conversion."""
    if rho <= 0:  # a release that measured nothing (no role has a profile yet) lost nothing
        return 0.0
    _enable()
    # A Gaussian mechanism of loss exactly rho at distance 1 carries the conversion.
    mechanism = dp.m.make_gaussian(dp.atom_domain(T=float, nan=False),
                                   dp.absolute_distance(T=float), scale=1 / math.sqrt(2 * rho))
    converted = dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(mechanism), delta)
    try:
        found: tuple[float, float] = converted.map(1.0)  # type: ignore[no-untyped-call]
    except dp.OpenDPException:  # a loss so large its epsilon overflows: no guarantee at all
        return math.inf
    return float(found[0])


def caps(budget: Budget, competencies: int) -> tuple[int, int, int]:
    """How much one person can add to the plan sums: minutes, fees in cents, gaps."""
    return round(budget.hours_cap * 60), round(budget.fee_cap * 100), min(competencies,
                                                                          budget.gaps_cap)


def distances(count: int) -> tuple[float, float]:
    """The L2 sensitivity of cells in which one person is in two cells for each of ``count``
    things (a competency: its total and its atom; a question: its first sight and its week
    after): to that person changing anything (each of their cells down one, as many up one:
    ``4 * count`` cells) and to them joining or leaving (``2 * count`` cells)."""
    return 2 * math.sqrt(count), math.sqrt(2 * count)


def scales(budget: Budget, competencies: int) -> Scales:
    """The noise for a role of ``competencies`` competencies, and its loss by OpenDP's maps."""
    if competencies < 1:
        raise ValueError("a role without competencies has nothing to release")
    minutes_cap, fee_cap, gaps_cap = caps(budget, competencies)
    change_distance, presence_distance = distances(competencies)
    question_change, question_presence = distances(budget.questions_cap)

    def scale(distance: float, share: float) -> float:
        return distance / math.sqrt(2 * share * budget.rho)

    tables = scale(change_distance, SHARE_TABLES)
    questions = scale(question_change, SHARE_QUESTIONS)
    learners = scale(1, SHARE_LEARNERS)
    sums = [(scale(minutes_cap, SHARE_MINUTES), minutes_cap), (scale(fee_cap, SHARE_FEES), fee_cap),
            (scale(gaps_cap, SHARE_COVERED), gaps_cap),
            (scale(gaps_cap, SHARE_UNCOVERED), gaps_cap)]
    table_measure, question_measure = _vector(tables), _vector(questions)
    sums_loss = sum(float(_scalar(s).map(float(d))) for s, d in sums)
    change = float(table_measure.map(change_distance)) + float(
        question_measure.map(question_change)) + sums_loss
    presence = float(table_measure.map(presence_distance)) + float(
        question_measure.map(question_presence)) + float(_scalar(learners).map(1.0)) + sums_loss
    return Scales(tables=tables, questions=questions, learners=learners, minutes=sums[0][0],
                  fees=sums[1][0], covered=sums[2][0], uncovered=sums[3][0], change=change,
                  presence=presence)


def loss(role_scales: Iterable[Scales]) -> float:
    """One release's rho: the worst one person can do, across all its roles.

    A change within a role costs that role's ``change``; a move between two
    roles, a presence in each (the other roles' numbers do not depend on them).
    """
    found = list(role_scales)
    if not found:
        return 0.0
    presences = sorted((s.presence for s in found), reverse=True)
    return max(max(s.change for s in found), sum(presences[:2]))


def spent(history: Iterable[tuple[datetime, float]], now: datetime) -> float:
    """The rho of the releases published in the 365 days before ``now``."""
    return sum(rho for at, rho in history if now - YEAR < at <= now)


def allowed(history: Iterable[tuple[datetime, float]], now: datetime, rho: float,
            budget: Budget) -> bool:
    """Whether a release of loss ``rho`` now keeps the last 365 days within the yearly budget."""
    return spent(history, now) + rho <= budget.rho_year * (1 + 1e-9)


def next_release(last: datetime | None, now: datetime, budget: Budget) -> datetime:
    """When the next release is due: a period after the last one (now if there is none)."""
    return now if last is None else last + timedelta(days=budget.days)


# --- measuring ----------------------------------------------------------------------------


def _groups(sites: Sequence[str], futures: Sequence[str]) -> list[tuple[str, str]]:
    return [(s, f) for s in (NONE, *sites) for f in (NONE, *futures)]


def truth(counts: RoleCounts) -> NDArray[np.int64]:
    """The true count tables of one role: ``[competency, level - 1, group]``, the last
    group being the total (what :func:`measure` adds noise to)."""
    keys = counts.competencies
    groups = _groups(counts.sites, counts.futures)
    column = {g: i for i, g in enumerate(groups)}
    m = len(groups)
    found = np.zeros((len(keys), len(LEVELS), m + 1), dtype=np.int64)
    row = {k: i for i, k in enumerate(keys)}
    for (key, site, future, level), n in counts.atoms.items():
        if key not in row:
            continue
        if (site, future) not in column:
            raise ValueError(f"the atom {(key, site, future, level)!r} is in no group")
        found[row[key], level - 1, column[(site, future)]] += n
        found[row[key], level - 1, m] += n
    return found


def measure(counts: RoleCounts, budget: Budget) -> RoleRelease:
    """One role's release: the counts measured with noise (OpenDP), then post-processed."""
    keys = counts.competencies
    found = scales(budget, len(keys))
    tables = truth(counts)
    m = tables.shape[2] - 1
    noisy = np.array(_vector(found.tables)(tables.ravel().tolist()),
                     dtype=np.float64).reshape(tables.shape)
    sums = clipped_sums(counts, budget)
    minutes, fees, covered, uncovered = (
        max(0, int(_scalar(s)(total))) for s, total in zip(
            (found.minutes, found.fees, found.covered, found.uncovered), sums, strict=True))
    learners = max(0, int(_scalar(found.learners)(counts.learners)))
    cells = question_truth(counts)
    noisy_cells = (np.array(_vector(found.questions)(cells.ravel().tolist()), dtype=np.float64)
                   .reshape(cells.shape) if len(cells) else cells.astype(np.float64))
    return RoleRelease(
        role=counts.role, competencies=keys, sites=counts.sites, futures=counts.futures,
        levels={key: tuple(tuple(consistent(noisy[i, j, m], noisy[i, j, :m]))
                           for j in range(len(LEVELS))) for i, key in enumerate(keys)},
        sigma=found.tables, learners=learners, learners_sigma=found.learners,
        minutes=minutes, minutes_sigma=found.minutes, fee_cents=fees,
        fee_cents_sigma=found.fees, covered=covered, covered_sigma=found.covered,
        uncovered=uncovered, uncovered_sigma=found.uncovered,
        programme_minutes=counts.programme_minutes,
        programme_fees_cents=counts.programme_fees_cents,
        questions=counts.questions,
        answers={q: tidy_cells(row) for q, row in zip(counts.questions, noisy_cells,
                                                       strict=True)},
        questions_sigma=found.questions)


def question_truth(counts: RoleCounts) -> NDArray[np.int64]:
    """The true question cells, one row of :data:`Cells` per question of ``questions``.

    Every question of the role's lessons is measured, answered or not: which ones
    the release holds must not say whether anybody answered them.
    """
    unknown = set(counts.answers) - set(counts.questions)
    if unknown:
        raise ValueError(f"answers to questions {sorted(unknown)!r} not among the role's")
    rows = np.array([counts.answers.get(q, (0, 0, 0, 0)) for q in counts.questions],
                    dtype=np.int64).reshape(len(counts.questions), 4)
    if (rows < 0).any() or (rows[:, 2] + rows[:, 3] > rows[:, 0] + rows[:, 1]).any():
        raise ValueError("a question's cells are counts, and who answered a week later "
                         "answered it first")
    return rows


def clipped_sums(counts: RoleCounts, budget: Budget) -> tuple[int, int, int, int]:
    """The plan sums, checked to be what shares clipped to :func:`caps` can add up to.

    The noise of a sum is calibrated to one person's clipped share: a sum
    counted without the clipping would be released with too little of it.
    """
    minutes_cap, fee_cap, gaps_cap = caps(budget, len(counts.competencies))
    limits = {"minutes": minutes_cap, "fee_cents": fee_cap, "covered": gaps_cap,
              "uncovered": gaps_cap}
    for name, cap in limits.items():
        total = getattr(counts, name)
        if not 0 <= total <= counts.learners * cap:
            raise ValueError(f"the {name} of {counts.role!r} ({total}) are no sum of "
                             f"{counts.learners} shares each between 0 and {cap}")
    return counts.minutes, counts.fee_cents, counts.covered, counts.uncovered


# --- post-processing -----------------------------------------------------------------------


def consistent(total: float, children: Sequence[float] | NDArray[np.float64]) -> list[int]:
    """Whole, non-negative children that add up to the best estimate of the total.

    ``total`` and ``children`` are noisy measurements with equal noise of one
    parent and its parts. Least squares gives each child
    ``y_i + (y_total - sum(y)) / (m + 1)``; their sum, rounded and at least 0,
    is the released total, and the children are apportioned to it.
    """
    y = np.asarray(children, dtype=np.float64)
    estimate = y + (total - y.sum()) / (len(y) + 1)
    return apportion(estimate, max(0, round(float(estimate.sum()))))


def apportion(values: Sequence[float] | NDArray[np.float64], total: int) -> list[int]:
    """Whole numbers >= 0 adding up to ``total``, as close to ``values`` as can be.

    The Euclidean projection onto {x >= 0, sum x = total} (Duchi et al., 2008),
    then the largest remainders get the units the floors leave (ties: first).
    """
    x = np.asarray(values, dtype=np.float64)
    if total < 0:
        raise ValueError("a total of people is at least 0")
    if not len(x):
        if total:
            raise ValueError("no parts to share a total among")
        return []
    if total == 0:
        return [0] * len(x)
    u = np.sort(x)[::-1]
    cumulative = np.cumsum(u) - total
    ranks = np.arange(1, len(x) + 1)
    last = int(np.flatnonzero(u - cumulative / ranks > 0)[-1])
    projected = np.maximum(x - cumulative[last] / (last + 1), 0.0)
    floors = np.floor(projected + 1e-9).astype(np.int64)
    short = total - int(floors.sum())
    order = sorted(range(len(x)), key=lambda i: (-(projected[i] - floors[i]), i))
    for i in order[:short]:
        floors[i] += 1
    return [int(v) for v in floors]


def tidy_cells(noisy: Sequence[float] | NDArray[np.float64]) -> Cells:
    """A question's noisy cells as whole numbers >= 0, the week after's no more in all than
    the first sight's (who answered a week later answered first): post-processing."""
    first = [max(0, round(float(x))) for x in noisy[:2]]
    week = [max(0, round(float(x))) for x in noisy[2:]]
    if sum(week) > sum(first):
        week = apportion(week, sum(first))
    return first[0], first[1], week[0], week[1]


def stage(right: int, wrong: int, sigma: float, threshold: int = THRESHOLD) -> Stage:
    """One stage of a question from its released cells: who answered, and the share wrong.

    The answered count is a sum of two cells (its margin: both noises); withheld
    like any count by :func:`shown`, and then the share is too: a share of a group
    too small to show would show it. The share's margin is the delta method's, for
    the noise of both cells: ``sigma * sqrt(right**2 + wrong**2) / answered**2``.
    """
    answered = shown(Estimate(right + wrong, plus_minus(sigma * math.sqrt(2))), threshold)
    if answered is None:
        return Stage(None, None)
    n = answered.value
    spread = Z95 * sigma * math.sqrt(right**2 + wrong**2) / n**2
    return Stage(answered, Share(wrong / n, spread))


def margin(sigma: float, groups: int, chosen: int, levels: int = 1) -> int:
    """About 95% of the noise of a sum of ``chosen`` of ``groups`` atoms over ``levels`` levels.

    Least squares leaves a sum of k of the m parts the variance
    ``sigma**2 * k * (m + 1 - k) / (m + 1)`` (k = m: the total's); levels are
    measured apart, so theirs add. At least 1: no released number is exact.
    """
    if not chosen or not levels:
        return 0
    variance = levels * sigma**2 * chosen * (groups + 1 - chosen) / (groups + 1)
    return max(1, math.ceil(Z95 * math.sqrt(variance)))


def plus_minus(sigma: float) -> int:
    """About 95% of the noise of one measured number."""
    return max(1, math.ceil(Z95 * sigma))


def shown(estimate: Estimate, threshold: int = THRESHOLD) -> Estimate | None:
    """The estimate, or None when it may be a group too small to show.

    Judged on the released number and its margin, never the true one: shown when
    even the low end of its margin is ``threshold`` people or more. A group of 3
    released as "about 33 (±32)" says nothing true enough to print.
    """
    return estimate if estimate.value - estimate.margin >= threshold else None
