"""Golden tests of the report rules, worked by hand from the published numbers."""

from __future__ import annotations

from engine import gaps, leaders, priorities
from engine.gaps import Line

GREET = Line("greet", "Greeting", target=3, importance=4)
ALL = (priorities.ALL, priorities.ALL)


def published(key, assessed, below, levels, where=ALL):
    out = {("assessed", key, *where): assessed, ("below", key, *where): below}
    out.update({("level", key, *where, n): c for n, c in enumerate(levels, start=1)})
    return out


def test_score_is_mean_gap_times_importance_times_people_below():
    # 6 at level 1 (gap 2), 5 at level 2 (gap 1): mean gap 17/11, 11 below, importance 4.
    [row] = priorities.report([GREET], published("greet", 20, 11, [6, 5, 9, 0, 0]), ALL)
    assert row.score == 17 / 11 * 4 * 11 == 68
    assert row.share == 11 / 20 and not row.estimate


def test_hidden_levels_count_the_least_gap_and_say_estimate():
    # Level 1 withheld, 6 at level 2: the mean gap is read from level 2 only (1).
    [row] = priorities.report([GREET], published("greet", 20, 9, [None, 6, 11, 0, 0]), ALL)
    assert row.score == 1 * 4 * 9 and row.estimate
    [row] = priorities.report([GREET], published("greet", 20, 7, [None, None, 13, 0, 0]), ALL)
    assert row.score == 1 * 4 * 7 and row.estimate


def test_a_withheld_group_shows_nothing_else():
    [row] = priorities.report([GREET], published("greet", None, 0, [0, 0, None, 0, 0]), ALL)
    assert (row.assessed, row.below, row.levels, row.score) == (None, None, (None,) * 5, None)


def test_filters_are_every_combination():
    every = priorities.ALL
    assert priorities.filters(["B", "A"], ["lead"]) == [
        (every, every), ("A", every), ("B", every), (every, "lead"), ("A", "lead"),
        ("B", "lead")]
    # A site named like a wildcard is a site like any other; "everyone" is not a site.
    assert priorities.filters(["*", every], []) == [(every, every), ("*", every)]


def test_uncovered_levels_need_an_item_holding_the_next_level():
    assert gaps.uncovered_levels(4, []) == (1, 2, 3)
    assert gaps.uncovered_levels(4, [(1, 2)]) == (2, 3)  # level 1 needs 2: covered
    assert gaps.uncovered_levels(3, [(2, 3)]) == ()
    assert gaps.uncovered_levels(1, []) == ()


def test_gap_report_reads_only_shown_counts():
    scan = Line("scan", "Scanner", target=3, importance=3)
    shown = {("gap", "scan"): 6, ("gap", "scan", 1): None, ("gap", "scan", 2): None}
    [gap] = gaps.report([scan], {}, shown, {"scan": 0})
    assert gap.learners == 6 and gap.levels == ((2, None), (3, None))
    assert gap.impact == 1 * 3 * 6 and gap.mentors is False
    assert gaps.report([scan], {}, {("gap", "scan"): 0}, {}) == []


def test_case_needs_a_group_of_five():
    loads = [leaders.Load(60 * h, 2, 1) for h in (1, 2, 3, 4, 10)]
    case = leaders.case(loads, 5, 600)
    assert (case.total_hours, case.median_hours, case.covered, case.uncovered) == (20, 3, 10, 5)
    assert case.programme_total_hours == 50
    small = leaders.case(loads[:4], None, 600)
    assert small.learners is None and small.total_hours is None and small.programme_hours == 10
