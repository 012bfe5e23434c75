"""A benchmark's goal, met or missed: a miss is listed at the end of ``make bench``.

Figures are noisy on a shared machine, so a benchmark whose goal is a ratio
prints its figures and records a miss here instead of failing half-way: the
other benchmarks, and the other database, still run and print theirs.
"""

from __future__ import annotations

import os

MISSES = "SKILLPATH_BENCH_MISSES"  # the file ``tests.benchmarks.run`` reads after each run


def goal(met: bool, what: str) -> None:
    """Record ``what`` (the figure against its goal) as missed unless ``met``."""
    if met:
        return
    path = os.environ.get(MISSES)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(what.strip() + "\n")
