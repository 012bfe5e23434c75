"""Golden and property tests of k-anonymous aggregates (engine/analytics.py).

The golden cases are worked out by hand from the rules: a cell of 1-4 is
hidden; a hidden cell that the shown ones give back (by subtraction, through
overlapping filters, or because an attacker knows a hidden number is at least
1) costs one more shown cell per way of getting it back, the smallest non-zero
one in that way; ties by key.
"""

from __future__ import annotations

import math
import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.analytics import K_ANONYMITY, Cell, audit, priority, protect
from tests.factories import role_report_cells, role_report_counts


def cell(key, *atoms):
    return Cell(key, frozenset(atoms))


def truth(counts, cells):
    return {c.key: sum(counts.get(a, 0) for a in c.atoms) for c in cells}


# --- primary suppression ---------------------------------------------------------------


def test_a_group_of_one_to_four_is_hidden_and_zero_and_five_are_shown():
    counts = {"a": 0, "b": 1, "c": 4, "d": 5}
    cells = [cell(k, k) for k in "abcd"]
    assert K_ANONYMITY == 5
    assert protect(counts, cells) == {"a": 0, "b": None, "c": None, "d": 5}


def test_seven_and_five_of_twelve_are_all_shown():
    counts = {"a": 7, "b": 5}
    cells = [cell("total", "a", "b"), cell("A", "a"), cell("B", "b")]
    assert protect(counts, cells) == {"total": 12, "A": 7, "B": 5}


# --- secondary suppression, golden -----------------------------------------------------


def test_eight_and_four_of_twelve_hide_the_eight_too():
    # 4 = 12 - 8: the way back is {total 12, A 8}; its smallest is A.
    counts = {"a": 8, "b": 4}
    cells = [cell("total", "a", "b"), cell("A", "a"), cell("B", "b")]
    published = protect(counts, cells)
    assert published == {"total": 12, "A": None, "B": None}
    # A + B = 12 with both at least 1: anything from 1 to 11.
    assert audit(cells, published) == []
    # Only the primary suppression: the 4 comes straight back.
    assert audit(cells, {"total": 12, "A": 8, "B": None}) == ["B"]


def test_two_hidden_partners_with_a_known_sum_are_not_pinned():
    # 12 = 8 + 2 + 2: B + C = 4, each anything from 1 to 3.
    counts = {"a": 8, "b": 2, "c": 2}
    cells = [cell("total", "a", "b", "c"), cell("A", "a"), cell("B", "b"), cell("C", "c")]
    published = protect(counts, cells)
    assert published == {"total": 12, "A": 8, "B": None, "C": None}
    assert audit(cells, published) == []


def test_two_hidden_partners_summing_to_two_are_each_one_so_more_is_hidden():
    # 10 = 8 + 1 + 1: B + C = 2, and a hidden number is at least 1 (a zero is
    # shown), so B = C = 1. The way back is {total 10, A 8}: A is hidden too.
    counts = {"a": 8, "b": 1, "c": 1}
    cells = [cell("total", "a", "b", "c"), cell("A", "a"), cell("B", "b"), cell("C", "c")]
    assert audit(cells, {"total": 10, "A": 8, "B": None, "C": None}) == ["B", "C"]
    # Without that knowledge (0 to 2 each) neither is pinned.
    assert audit(cells, {"total": 10, "A": 8, "B": None, "C": None}, zeros_shown=False) == []
    published = protect(counts, cells)
    assert published == {"total": 10, "A": None, "B": None, "C": None}
    assert audit(cells, published) == []


def test_two_overlapping_filters_site_and_future_role():
    # Learners by site (N, S) and future role (lead, none):
    #            lead  none | site
    #   N          2     5  |   7
    #   S          4     6  |  10
    #   future     6    11  |  17
    counts = {("N", "lead"): 2, ("N", "none"): 5, ("S", "lead"): 4, ("S", "none"): 6}
    atoms = list(counts)
    cells = [cell(("all",), *atoms),
             cell(("site", "N"), ("N", "lead"), ("N", "none")),
             cell(("site", "S"), ("S", "lead"), ("S", "none")),
             cell(("future", "lead"), ("N", "lead"), ("S", "lead")),
             cell(("future", "none"), ("N", "none"), ("S", "none")),
             *(cell(("site-future", *a), a) for a in atoms)]
    # N x lead = 7 - 5 (way {site N 7, N x none 5}: hide N x none) and
    # S x lead = 10 - 6 (way {site S 10, S x none 6}: hide S x none). The other
    # ways ({all, site S, N x none}, {all, site N, S x none}) are already broken.
    # Then the four inner cells have one free number t = N x lead:
    # N x none = 7 - t, S x lead = 6 - t, S x none = 4 + t, all >= 1: t from 1 to 5.
    published = protect(counts, cells)
    assert published == {("all",): 17, ("site", "N"): 7, ("site", "S"): 10,
                         ("future", "lead"): 6, ("future", "none"): 11,
                         ("site-future", "N", "lead"): None,
                         ("site-future", "N", "none"): None,
                         ("site-future", "S", "lead"): None,
                         ("site-future", "S", "none"): None}
    assert audit(cells, published) == []


def test_before_and_after_a_date():
    # Level 3 and level 4, assessed before and after a date:
    #            level 3  level 4 | assessed
    #   before       6        5   |   11
    #   after        3        7   |   10
    #   all          9       12   |   21
    counts = {("before", 3): 6, ("after", 3): 3, ("before", 4): 5, ("after", 4): 7}
    cells = [cell((p, "level", n), (p, n)) for p in ("before", "after") for n in (3, 4)]
    cells += [cell(("all", "level", n), ("before", n), ("after", n)) for n in (3, 4)]
    cells += [cell((p, "assessed"), (p, 3), (p, 4)) for p in ("before", "after")]
    cells.append(cell(("all", "assessed"), *counts))
    published = protect(counts, cells)
    # After x 3 is hidden; before x 3, before x 4 and after x 4 each give it back
    # with the margins, so all four inner cells go and the margins stay: one free
    # number t = before x 3, the others 9 - t, 11 - t, 1 + t, all >= 1: t from 1 to 8.
    assert published == {("before", "level", 3): None, ("before", "level", 4): None,
                         ("after", "level", 3): None, ("after", "level", 4): None,
                         ("all", "level", 3): 9, ("all", "level", 4): 12,
                         ("before", "assessed"): 11, ("after", "assessed"): 10,
                         ("all", "assessed"): 21}
    assert audit(cells, published) == []


def test_a_roles_total_minus_its_levels_and_zero_cells():
    # 12 learners assessed: none at levels 1, 2 or 5, 4 at level 3, 8 at level 4.
    # Level 3 = 12 - 8 - 0 - 0 - 0: the zeros drop out, the way is {total 12,
    # level 4 8}: level 4 is hidden too; the zeros stay shown.
    counts = {1: 0, 2: 0, 3: 4, 4: 8, 5: 0}
    cells = [cell("assessed", 1, 2, 3, 4, 5), *(cell(("level", n), n) for n in range(1, 6))]
    published = protect(counts, cells)
    assert published == {"assessed": 12, ("level", 1): 0, ("level", 2): 0,
                         ("level", 3): None, ("level", 4): None, ("level", 5): 0}
    assert audit(cells, published) == []


def test_the_smallest_shown_cell_of_the_way_back_is_the_one_hidden():
    # 20 = 9 + 6 + 3 + 2: C (3) and D (2) are hidden, C + D = 5 is known but
    # neither is pinned (1 to 4 each). Nothing more is hidden.
    counts = {"a": 9, "b": 6, "c": 3, "d": 2}
    cells = [cell("total", *counts), *(cell(k.upper(), k) for k in counts)]
    assert protect(counts, cells) == {"total": 20, "A": 9, "B": 6, "C": None, "D": None}
    # 12 = 6 + 5 + 1: D = 12 - 6 - 5. The way back is {total 12, B 6, C 5}:
    # its smallest, C, is hidden; then C + D = 6, each anything from 1 to 5.
    counts = {"b": 6, "c": 5, "d": 1}
    cells = [cell("total", *counts), *(cell(k.upper(), k) for k in counts)]
    published = protect(counts, cells)
    assert published == {"total": 12, "B": 6, "C": None, "D": None}
    assert audit(cells, published) == []


def test_a_cell_pinned_only_because_counts_are_not_negative():
    # X = a + b = 5 and Y = a + b + c + d = 5 say c + d = 0, so c = 0 although
    # no subtraction gives c alone. (A zero is shown, so hiding it contradicts.)
    cells = [cell("X", "a", "b"), cell("Y", "a", "b", "c", "d"), cell("H", "c")]
    assert audit(cells, {"X": 5, "Y": 5, "H": None}, zeros_shown=False) == ["H"]
    with pytest.raises(ValueError, match="contradict"):
        audit(cells, {"X": 5, "Y": 5, "H": None})


def test_audit_of_everything_shown_or_nothing_shown():
    cells = [cell("total", "a", "b"), cell("A", "a"), cell("B", "b")]
    assert audit(cells, {"total": 12, "A": 8, "B": 4}) == []
    assert audit(cells, {}) == []  # nothing shown: nothing to subtract from


def test_a_cell_of_no_atoms_is_zero_and_always_known():
    cells = [cell("nobody"), cell("A", "a")]
    assert protect({"a": 6}, cells) == {"nobody": 0, "A": 6}
    assert audit(cells, {"nobody": None, "A": 6}, zeros_shown=False) == ["nobody"]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="whole number"):
        protect({"a": -1}, [cell("A", "a")])
    with pytest.raises(ValueError, match="whole number"):
        protect({"a": True}, [cell("A", "a")])
    with pytest.raises(ValueError, match="two cells"):
        protect({"a": 1}, [cell("A", "a"), cell("A", "a")])


# --- the priority score ----------------------------------------------------------------


def test_priority_is_gap_times_importance_times_people():
    assert priority(1.5, 4, 10) == 60.0
    assert priority(2, 5, 7) == 70.0
    assert priority(0, 5, 30) == 0.0
    assert priority(3, 1, 0) == 0.0
    # A bigger gap in fewer people can outrank a small gap in many.
    assert priority(3, 5, 6) > priority(0.5, 5, 30)


@pytest.mark.parametrize("args", [(-1, 3, 5), (math.nan, 3, 5), (math.inf, 3, 5),
                                  (1, 0, 5), (1, 6, 5), (1, True, 5), (1, 3, -1),
                                  (1, 3, 2.5), (1, 3, True), ("1", 3, 5)])
def test_priority_refuses_what_is_not_a_gap_an_importance_or_a_number_of_people(args):
    with pytest.raises(ValueError):
        priority(*args)


# --- a role's whole report view --------------------------------------------------------


def organisation(rng, people, comps, sites, futures, periods=("before", "after")):
    return [(rng.choice(sites), rng.choice(futures), rng.choice(periods),
             {c: rng.choice([0, 1, 2, 2, 3, 3, 3, 4, 4, 5]) for c in comps})
            for _ in range(people)]


def test_a_roles_report_is_protected_and_the_audit_catches_primary_suppression_alone():
    rng = random.Random(11)
    targets = {"scanner-systems": 4, "safety": 3}
    sites, futures = ["North", "South", "East"], ["none", "lead"]
    cells = role_report_cells(targets, sites, futures)
    counts = role_report_counts(organisation(rng, 40, targets, sites, futures))
    true = truth(counts, cells)
    primary = {k: None if 0 < v < K_ANONYMITY else v for k, v in true.items()}
    assert audit(cells, primary)  # primary suppression alone gives cells back
    published = protect(counts, cells)
    assert audit(cells, published) == []
    assert all(published[k] is None for k, v in primary.items() if v is None)
    assert all(v == true[k] for k, v in published.items() if v is not None)
    # The same input in another order gives the same output.
    shuffled = cells[:]
    rng.shuffle(shuffled)
    assert protect(dict(reversed(counts.items())), shuffled) == published


def test_a_role_report_of_eight_competencies_protects_quickly():
    """8 competencies x 26 filter groups x 7 numbers; the benchmark prints the figures."""
    rng = random.Random(7)
    targets = {f"competency-{i}": rng.randint(2, 5) for i in range(8)}
    sites, futures = [f"site-{i}" for i in range(5)], ["none", "lead", "planner"]
    cells = role_report_cells(targets, sites, futures)
    counts = role_report_counts(organisation(rng, 150, targets, sites, futures))
    started = time.perf_counter()
    published = protect(counts, cells)
    took = time.perf_counter() - started
    assert len(cells) == 8 * 26 * 7 + 1
    assert audit(cells, published) == []
    assert took < 10, f"protect took {took:.1f} s"  # about 0.6 s of CPU; generous when busy


# Found by the property test: all but the role's total hidden, a warm-started
# programme ended undecided on an unbounded cell (it is solved afresh now).
FOUND = {
    ("a", "s0", "f1", 0): 2, ("a", "s0", "f1", 3): 2, ("a", "s0", "f1", 5): 1,
    ("a", "s1", "f0", 0): 1, ("a", "s1", "f0", 1): 2, ("a", "s1", "f0", 3): 5,
    ("a", "s1", "f0", 4): 3, ("a", "s1", "f0", 5): 1, ("a", "s1", "f1", 1): 1,
    ("a", "s1", "f1", 2): 2, ("a", "s1", "f1", 3): 1, ("a", "s1", "f1", 4): 1,
    ("a", "s2", "f0", 1): 1, ("a", "s2", "f0", 2): 3, ("a", "s2", "f0", 4): 2,
    ("a", "s2", "f0", 5): 1, ("a", "s2", "f1", 0): 1, ("a", "s2", "f1", 1): 2,
    ("a", "s2", "f1", 2): 2, ("a", "s2", "f1", 3): 3, ("a", "s2", "f1", 5): 2,
    ("b", "s0", "f1", 0): 2, ("b", "s0", "f1", 1): 1, ("b", "s0", "f1", 2): 1,
    ("b", "s0", "f1", 5): 1, ("b", "s1", "f0", 0): 2, ("b", "s1", "f0", 2): 2,
    ("b", "s1", "f0", 3): 5, ("b", "s1", "f0", 4): 1, ("b", "s1", "f0", 5): 2,
    ("b", "s1", "f1", 2): 2, ("b", "s1", "f1", 3): 1, ("b", "s1", "f1", 4): 1,
    ("b", "s1", "f1", 5): 1, ("b", "s2", "f0", 1): 2, ("b", "s2", "f0", 2): 3,
    ("b", "s2", "f0", 5): 2, ("b", "s2", "f1", 0): 3, ("b", "s2", "f1", 1): 2,
    ("b", "s2", "f1", 2): 3, ("b", "s2", "f1", 4): 1, ("b", "s2", "f1", 5): 1
}


def test_a_report_with_almost_everything_hidden():
    counts = {(c, s, f, "before", level): n for (c, s, f, level), n in FOUND.items()}
    cells = role_report_cells({"a": 3, "b": 4}, ["s0", "s1", "s2"], ["f0", "f1"], ["before"],
                              ["site"])
    published = protect(counts, cells)
    assert audit(cells, published) == []
    assert sum(v is not None for v in published.values()) < len(cells) / 2


@st.composite
def report_views(draw):
    """A small organisation (0-12 people per group, sizes near 5) and a report view of it."""
    comps = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=2,
                          unique=True))
    targets = {c: draw(st.integers(2, 5)) for c in comps}
    sites = [f"s{i}" for i in range(draw(st.integers(1, 3)))]
    futures = [f"f{i}" for i in range(draw(st.integers(1, 3)))]
    periods = ["before", "after"][:draw(st.integers(1, 2))]
    groups = draw(st.lists(st.sampled_from(["all", "site", "future", "site-future", "period"]),
                           min_size=1, unique=True))
    numbers = draw(st.lists(st.sampled_from(["assessed", "below", "level"]), min_size=1,
                            unique=True))
    people = []
    for s in sites:
        for f in futures:
            for p in periods:
                for _ in range(draw(st.integers(0, 12))):
                    levels = {c: draw(st.integers(0, 5)) for c in comps}
                    people.append((s, f, p, levels))
    cells = role_report_cells(targets, sites, futures, periods, groups, numbers)
    return cells, role_report_counts(people)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(report_views())
def test_no_protected_report_gives_a_hidden_cell_back(view):
    cells, counts = view
    true = truth(counts, cells)
    published = protect(counts, cells)
    assert audit(cells, published) == []
    # Not even whole-number reasoning (integer programmes) pins one (on the
    # smaller views: it is slow).
    if len(cells) <= 120:
        assert audit(cells, published, integer=True) == []
    for key, value in published.items():
        if value is None:
            assert true[key] > 0  # a zero is always shown
        else:
            assert value == true[key]
            assert value == 0 or value >= K_ANONYMITY


def test_whole_numbers_can_pin_what_the_linear_relaxation_leaves_open():
    # C = 1; B + C + D + E = 3; A + B = 4; A + C + D = 4. So B = D + 1 and
    # 2D + E = 1. Over real numbers D runs from 0 to 1/2, and BCD = 2 + 2D
    # from 2 to 3 (two whole values: open); DE = 1 - D from 1/2 to 1 (one
    # whole value: pinned). In whole numbers D = 0: BCD = 2 is pinned too.
    cells = [cell("BCD", "b", "c", "d"), cell("C", "c"), cell("BCDE", "b", "c", "d", "e"),
             cell("AB", "a", "b"), cell("DE", "d", "e"), cell("ACD", "a", "c", "d")]
    published = {"BCD": None, "C": 1, "BCDE": 3, "AB": 4, "DE": None, "ACD": 4}
    assert audit(cells, published, zeros_shown=False) == ["DE"]
    assert audit(cells, published, zeros_shown=False, integer=True) == ["BCD", "DE"]
