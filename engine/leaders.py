"""The case for leaders: what personalised plans ask of a role against one programme for all.

Every figure is read from releases: the learners, their plans' hours, fees
and gaps as one release measured them (each person's plan clipped to the
release's caps), and the trend across the releases since plans began. Costs
are the released hours at the hourly cost L&D set, plus the released fees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.priorities import Line, top
from engine.releases import THRESHOLD, Estimate, RoleRelease, plus_minus, shown


@dataclass(frozen=True)
class Amount:
    """A released amount (hours, money) and the margin its noise leaves (about 95%)."""

    value: float
    margin: float


@dataclass(frozen=True)
class Case:
    """The role's plans against one programme (None: too few learners to show).

    Money is in the organisation's currency; ``cost`` and ``programme_cost``
    are None until L&D sets an hourly cost of learning time.
    """

    learners: Estimate | None
    hours: Amount | None
    mean_hours: float | None
    covered: Estimate | None
    uncovered: Estimate | None
    fees: Amount | None
    cost: Amount | None
    programme_hours: float  # one learner's share of the one-size-fits-all programme
    programme_fees: float
    programme_total_hours: float | None
    programme_cost: float | None


@dataclass(frozen=True)
class Share:
    """The share of learners below target at one release, or None where too few to show."""

    at: datetime
    value: float | None


@dataclass(frozen=True)
class Trend:
    key: str
    name: str
    shares: tuple[Share, ...]


def case(release: RoleRelease, hourly_cost: float | None,
         threshold: int = THRESHOLD) -> Case:
    """The plans' totals, when the released number of learners is large enough to show."""
    programme_hours = release.programme_minutes / 60
    programme_fees = release.programme_fees_cents / 100
    learners = shown(Estimate(release.learners, plus_minus(release.learners_sigma)), threshold)
    if learners is None:
        return Case(None, None, None, None, None, None, None, programme_hours, programme_fees,
                    None, None)
    hours = Amount(release.minutes / 60, plus_minus(release.minutes_sigma) / 60)
    fees = Amount(release.fee_cents / 100, plus_minus(release.fee_cents_sigma) / 100)
    cost = programme_cost = None
    if hourly_cost is not None:
        cost = Amount(hours.value * hourly_cost + fees.value,
                      hours.margin * hourly_cost + fees.margin)
        programme_cost = (programme_hours * hourly_cost + programme_fees) * learners.value
    return Case(learners, hours, hours.value / learners.value,
                shown(Estimate(release.covered, plus_minus(release.covered_sigma)), threshold),
                shown(Estimate(release.uncovered, plus_minus(release.uncovered_sigma)),
                      threshold), fees, cost,
                programme_hours, programme_fees, programme_hours * learners.value,
                programme_cost)


def share_below(lines: Iterable[Line], release: RoleRelease, keys: Iterable[str],
                threshold: int = THRESHOLD) -> float | None:
    """Of the learners' ratings of the competencies ``keys``, the share below target."""
    wanted = set(keys)
    assessed = below = margin = 0
    for line in lines:
        if line.key not in wanted:
            continue
        count = release.count(line.key)
        assessed, margin = assessed + count.value, margin + count.margin
        below += release.count(line.key, levels=range(1, line.target)).value
    if shown(Estimate(assessed, margin), threshold) is None:
        return None
    return below / assessed


def trends(lines: Sequence[Line], releases: Sequence[tuple[datetime, RoleRelease]],
           threshold: int = THRESHOLD) -> list[Trend]:
    """Each competency's share below target in every release, oldest first."""
    return [Trend(line.key, line.name, tuple(
        Share(at, share_below([line], numbers, [line.key], threshold))
        for at, numbers in releases)) for line in lines]


def top_trend(lines: Sequence[Line], releases: Sequence[tuple[datetime, RoleRelease]],
              n: int = 3, threshold: int = THRESHOLD) -> tuple[list[str], Share, Share] | None:
    """The share below target in the role's top ``n`` priorities, first release against last.

    The priorities are the latest release's; None with fewer than two releases.
    """
    if len(releases) < 2:
        return None
    keys = top(lines, releases[-1][1], n)
    if not keys:
        return None
    (first_at, first), (last_at, last) = releases[0], releases[-1]
    return (keys, Share(first_at, share_below(lines, first, keys, threshold)),
            Share(last_at, share_below(lines, last, keys, threshold)))
