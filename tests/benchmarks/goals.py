"""A benchmark's goal, met or missed: a miss is listed at the end of ``make bench``.

Figures are noisy on a shared machine, so a benchmark whose goal is a ratio
prints its figures and records a miss here instead of failing half-way: the
other benchmarks, and the other database, still run and print theirs.
"""

from __future__ import annotations

import os
import statistics

MISSES = "SKILLPATH_BENCH_MISSES"  # the file ``tests.benchmarks.run`` reads after each run


def goal(met: bool, what: str) -> None:
    """Record ``what`` (the figure against its goal) as missed unless ``met``."""
    if met:
        return
    path = os.environ.get(MISSES)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(what.strip() + "\n")


def paired_ratio(ours: list[float], floor: list[float]) -> tuple[float, list[float]]:
    """The median of the rounds' own ratios ``ours[i] / floor[i]``, and those ratios.

    Ours and the floor run in turn, round by round, so the two figures of one round
    saw the same machine; the figures of two different rounds did not. On a shared
    machine whose load comes and goes, the ratio of the two sides' medians compares
    a round of ours with a round of the floor taken minutes apart (a quiet round of
    the floor against a loaded round of ours reads as our slowness), while each
    round's own ratio compares like with like. The median of those ratios is the
    usual estimate for paired measurements and is what every goal here reads; both
    sides' medians are printed as well. Pass rates (more is better) for both sides.
    """
    ratios = [o / f for o, f in zip(ours, floor, strict=True)]
    return statistics.median(ratios), ratios
