"""FSRS fitted to 100,000 reviews: seconds and peak memory, against the library's own share.

The reviews: about 8,300 questions over 240 days, simulated as the app schedules
them (``tests.factories.simulated_reviews``). Our path is ``engine.fitting.fit``:
sort, split at the later fifth, build fsrs-rs' training items, fit, then predict
the later reviews with the old and the new parameters and score both. The floor
beneath it is what fsrs-rs itself does in that path, on items built beforehand:
``compute_parameters`` once and ``historical_memory_state_batch`` twice. Both are
timed in this process (median of 3); their ratio is the cost of our Python around
the library.

Peak memory is measured in a child process that reads the reviews from a file: the
most it held (Linux's VmHWM, reset just before the fit) above what it held once the
reviews were loaded, so it counts fsrs-rs' own allocations too, which tracemalloc
cannot see. No absolute figure is asserted.
"""

from __future__ import annotations

import bisect
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import fsrs_rs_python
import pytest

from engine import fitting
from tests.factories import simulated_reviews

REVIEWS = 100_000
ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import json, sys
from datetime import datetime
from engine import fitting

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024

rows = json.load(open(sys.argv[1]))
logs = [fitting.Log(card, datetime.fromisoformat(at), grade) for card, at, grade in rows]
del rows
before = status("VmRSS:")
open("/proc/self/clear_refs", "w").write("5")  # the high-water mark starts from here
result = fitting.fit(logs, None)
print(json.dumps({"before": before, "peak": status("VmHWM:"), "adopted": result.adopted}))
"""


def reviews() -> list[fitting.Log]:
    logs: list[fitting.Log] = []
    cards = 8_200  # 8,300 questions make just over 100,000 reviews (seed 5)
    while len(logs) < REVIEWS:  # whole questions, so that no history is cut short
        cards += 100
        logs = simulated_reviews(cards=cards, days=240, seed=5)
    return logs


def floor(logs: list[fitting.Log]) -> float:
    """fsrs-rs' own part of a fit, on items built beforehand: its seconds."""
    ordered = sorted(logs, key=lambda log: log.occurred_at)
    since = ordered[len(ordered) - round(len(ordered) * fitting.TEST_SHARE)].occurred_at
    questions = fitting._questions(ordered)
    items = sorted(((q.times[k], number, fsrs_rs_python.FSRSItem(q.reviews[:k + 1]))
                    for number, q in enumerate(questions)
                    for k in range(1, bisect.bisect_left(q.times, since)) if q.days[k] > 0),
                   key=lambda item: item[0])
    later = fitting._later(questions, since)
    assert later is not None
    start = time.perf_counter()
    new = fsrs_rs_python.FSRS([]).compute_parameters(
        [item for _, _, item in items], card_ids=[number for _, number, _ in items],
        num_relearning_steps=0, training_config=fsrs_rs_python.TrainingConfig(seed=fitting.SEED))
    for parameters in (list(fitting.DEFAULT_PARAMETERS), new):
        fsrs_rs_python.FSRS(parameters).historical_memory_state_batch(later.items)
    return time.perf_counter() - start


@pytest.mark.benchmark
def test_fitting_a_hundred_thousand_reviews(capsys, tmp_path):
    logs = reviews()
    times, result = [], None
    for _ in range(3):
        start = time.perf_counter()
        result = fitting.fit(logs, None)
        times.append(time.perf_counter() - start)
    ours = statistics.median(times)
    library = statistics.median(floor(logs) for _ in range(3))
    path = tmp_path / "reviews.json"
    path.write_text(json.dumps([[log.card, log.occurred_at.isoformat(), log.grade]
                                for log in logs]))
    child = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=ROOT, check=True,
                           capture_output=True, text=True)
    memory = json.loads(child.stdout)
    assert result is not None and result.new_metrics and result.old_metrics
    with capsys.disabled():  # make bench shows it
        print(f"\nFSRS fit: {len(logs):,} reviews of {len({log.card for log in logs}):,} "
              f"questions; {result.train:,} before the cut, {result.test:,} judged")
        print(f"  fit + judge: {ours:.2f} s (median of 3); fsrs-rs' own share: "
              f"{library:.2f} s; ratio {ours / library:.1f}")
        print(f"  peak memory during the fit: {(memory['peak'] - memory['before']) / 2**20:.0f} "
              f"MB above the {memory['before'] / 2**20:.0f} MB the process held with the "
              f"reviews loaded")
        print(f"  log loss on the later reviews: {result.old_metrics.log_loss:.4f} (defaults) "
              f"-> {result.new_metrics.log_loss:.4f} (fitted); adopted: {result.adopted}")
    assert result.adopted and memory["adopted"]
