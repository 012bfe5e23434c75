"""k-anonymous aggregates: a role's whole report view through ``protect``, against primary alone.

The view: 8 competencies x 26 filter groups (all, 5 sites, 3 future roles,
15 site x future role, before and after a date) x 7 numbers (assessed, below
target, at each level 1-5), and the role's learners: 1,457 cells over 1,230
atoms, for 150 learners with random levels (many groups of 1-4: about 650
cells hidden by the first rule). Ours: ``protect`` (secondary suppression,
with its audit to the end). The floor beneath it: the same cells counted
from the same atoms and the first rule applied (what the report would cost
with no secondary suppression). Median of 5 runs each after one; printed with
the ratio, the cells hidden by each rule, and one ``audit`` of the result.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

import pytest

from engine.analytics import K_ANONYMITY, Cell, audit, protect
from tests.factories import role_report_cells, role_report_counts

RUNS = 5


def _primary(counts: dict, cells: list[Cell]) -> dict:
    out = {}
    for cell in cells:
        n = sum(counts.get(a, 0) for a in cell.atoms)
        out[cell.key] = None if 0 < n < K_ANONYMITY else n
    return out


def _median_seconds(work: Callable[[], object]) -> float:
    work()
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


@pytest.mark.benchmark
def test_protect_a_role_report(capsys):
    rng = random.Random(7)
    targets = {f"competency-{i}": rng.randint(2, 5) for i in range(8)}
    sites, futures = [f"site-{i}" for i in range(5)], ["none", "lead", "planner"]
    cells = role_report_cells(targets, sites, futures)
    people = [(rng.choice(sites), rng.choice(futures), rng.choice(["before", "after"]),
               {c: rng.choice([0, 1, 2, 2, 3, 3, 3, 4, 4, 5]) for c in targets})
              for _ in range(150)]
    counts = role_report_counts(people)

    ours = _median_seconds(lambda: protect(counts, cells))
    floor = _median_seconds(lambda: _primary(counts, cells))
    published = protect(counts, cells)
    started = time.perf_counter()
    assert audit(cells, published) == []
    audited = time.perf_counter() - started

    primary = sum(v is None for v in _primary(counts, cells).values())
    hidden = sum(v is None for v in published.values())
    with capsys.disabled():
        print(f"\nprotect, {len(cells)} cells (8 competencies x 26 groups x 7 numbers + 1): "
              f"ours {ours * 1000:.0f} ms, floor (primary only) {floor * 1000:.1f} ms, "
              f"ratio {ours / floor:.0f}; hidden {primary} by the first rule, "
              f"{hidden - primary} more by the second; audit {audited * 1000:.0f} ms")
