"""Golden tests of the report rules, worked by hand from a release's numbers."""

from __future__ import annotations

from datetime import UTC, datetime

from engine import gaps, leaders, priorities
from engine.priorities import Line
from engine.releases import Estimate, RoleRelease

GREET = Line("greet", "Greeting", target=3, importance=4)
T1, T2 = datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 12, tzinfo=UTC)


def release(levels, *, sigma=1.0, learners=20, minutes=1200, fee_cents=5000,
            programme_minutes=600, programme_fees_cents=2000):
    """One role with no sites or future roles (one group), ``levels`` of greet at 1-5."""
    return RoleRelease(
        role="store-associate", competencies=("greet",), sites=(), futures=(),
        levels={"greet": tuple((n,) for n in levels)}, sigma=sigma, learners=learners,
        learners_sigma=1.0, minutes=minutes, minutes_sigma=60.0, fee_cents=fee_cents,
        fee_cents_sigma=100.0, covered=7, covered_sigma=1.0, uncovered=2, uncovered_sigma=1.0,
        programme_minutes=programme_minutes, programme_fees_cents=programme_fees_cents)


def test_score_is_mean_gap_times_importance_times_people_below():
    # 16 at level 1 (gap 2), 15 at level 2 (gap 1): mean gap 47/31, 31 below, importance 4.
    [row] = priorities.report([GREET], release([16, 15, 19, 0, 0]))
    assert row.assessed == Estimate(50, 4)  # 5 levels of sigma 1, one group: 1.96 * sqrt(5 / 2), up
    assert row.below == Estimate(31, 2)  # two levels: 1.96 * sqrt(2 / 2), up
    assert row.score == 47 / 31 * 4 * 31 == 188
    assert row.share == 31 / 50
    assert row.band == (188 / 31 * 29, 188 / 31 * 33)
    # A count whose margin reaches under 5 is withheld (0 too): judged on the released number.
    assert row.levels == (Estimate(16, 2), Estimate(15, 2), Estimate(19, 2), None, None)
    [row] = priorities.report([GREET], release([6, 7, 19, 0, 0]))
    assert row.levels[:2] == (None, Estimate(7, 2))  # 6 - 2 < 5 <= 7 - 2


def test_a_group_too_small_shows_nothing_and_nothing_is_computed_from_it():
    [row] = priorities.report([GREET], release([1, 1, 1, 0, 0]))
    assert row.assessed is None and row.below is None and row.score is None
    assert row.levels == (None,) * 5
    # Below target too few to show, the rest shown: no score beside a hidden count.
    [row] = priorities.report([GREET], release([2, 2, 9, 0, 0]))
    assert row.assessed == Estimate(13, 4) and row.below is None and row.score is None
    assert row.share is None  # a share beside it would print it: share x assessed


def test_nobody_below_target_scores_zero_and_sorts_last():
    other = Line("tills", "Tills", target=1, importance=5)
    numbers = release([16, 15, 19, 0, 0])
    numbers = RoleRelease(**{**numbers.__dict__, "competencies": ("greet", "tills"),
                             "levels": {**numbers.levels, "tills": ((18,), (0,), (0,), (0,),
                                                                    (0,))}})
    rows = priorities.report([other, GREET], numbers)
    assert [r.key for r in rows] == ["greet", "tills"]
    assert rows[1].score == 0.0 and rows[1].below == Estimate(0, 0)
    assert priorities.top([other, GREET], numbers, 1) == ["greet"]


def test_a_curriculum_gap_counts_the_levels_no_item_covers():
    # Items cover level 3 only: those at level 1 need level 2, which nothing teaches.
    [gap] = gaps.report([GREET], release([16, 15, 19, 0, 0]), {"greet": [(3, 3)]},
                        {"greet": 1})
    assert gap.learners == Estimate(16, 2) and gap.levels == ((2, Estimate(16, 2)),)
    assert gap.impact == 2 * 4 * 16 and gap.mentors
    assert gaps.report([GREET], release([16, 15, 19, 0, 0]), {"greet": [(2, 3)]}, {}) == []
    [small] = gaps.report([GREET], release([3, 5, 9, 0, 0]), {"greet": [(3, 3)]}, {})
    assert small.learners is None and small.impact is None and not small.mentors


def test_the_case_adds_cost_from_released_hours_and_fees():
    case = leaders.case(release([6, 5, 9, 0, 0]), hourly_cost=12.5)
    assert case.learners == Estimate(20, 2)
    assert case.hours.value == 20 and case.mean_hours == 1.0
    assert case.fees.value == 50
    assert case.cost.value == 20 * 12.5 + 50 == 300
    assert case.programme_hours == 10 and case.programme_total_hours == 200
    assert case.programme_cost == (10 * 12.5 + 20) * 20 == 2900
    assert leaders.case(release([6, 5, 9, 0, 0]), hourly_cost=None).cost is None
    small = leaders.case(release([6, 5, 9, 0, 0], learners=4), hourly_cost=12.5)
    assert small.learners is None and small.hours is None and small.programme_hours == 10


def test_the_trend_reads_the_top_priorities_share_below_target_first_release_to_last():
    first, last = release([16, 15, 19, 0, 0]), release([8, 9, 33, 0, 0])
    [trend] = leaders.trends([GREET], [(T1, first), (T2, last)])
    assert [s.value for s in trend.shares] == [31 / 50, 17 / 50]
    keys, before, after = leaders.top_trend([GREET], [(T1, first), (T2, last)])
    assert keys == ["greet"] and (before.at, before.value) == (T1, 31 / 50)
    assert (after.at, after.value) == (T2, 17 / 50)
    assert leaders.top_trend([GREET], [(T1, first)]) is None
