"""``make bench``: every benchmark on SQLite, then on PostgreSQL, then the goals missed.

A goal missed on one database never keeps the other from running: each run
prints all its figures, and the last lines list every benchmark that missed
its goal (or could not run), on which database. The exit status is non-zero
only then. Extra arguments go to pytest (``make bench PYTEST_ARGS="-k sync"``).
``TEST_DATABASE_URL`` names the PostgreSQL database (default: the local one).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.benchmarks.goals import MISSES

POSTGRESQL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FAILED = re.compile(r"^(FAILED|ERROR) (\S+)(?: - (.*))?$")


def run(label: str, env: dict[str, str], args: list[str]) -> tuple[int, list[str]]:
    """Run the benchmarks on one database; its exit status and its failures, one line each."""
    print(f"\n=== benchmarks on {label} ===", flush=True)
    command = [sys.executable, "-m", "pytest", "tests/benchmarks", "-m", "benchmark", "-q",
               "-rfE", "-p", "no:cacheprovider", *args]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    missed: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        print(line, end="", flush=True)
        found = FAILED.match(line.strip())
        if found:
            kind, test, reason = found.groups()
            what = "missed" if kind == "FAILED" else "could not run"
            missed.append(f"{label}: {test} {what}" + (f": {reason}" if reason else ""))
    code = process.wait()
    recorded = Path(env[MISSES])
    if recorded.exists():
        missed += [f"{label}: {line}" for line in recorded.read_text().splitlines() if line]
    if code not in (0, 1) and not missed:  # pytest itself failed (usage, collection)
        missed.append(f"{label}: pytest exited {code} before any benchmark could report")
    return code, missed


def main(args: list[str]) -> int:
    base = {**os.environ, "SKILLPATH_BENCH": "1"}
    base.pop("TEST_DATABASE_URL", None)
    runs = [("SQLite", base),
            ("PostgreSQL", {**base, "TEST_DATABASE_URL":
                            os.environ.get("TEST_DATABASE_URL") or POSTGRESQL})]
    missed: list[str] = []
    failed = False
    folder = tempfile.mkdtemp(prefix="skillpath-bench-")
    for label, env in runs:
        env[MISSES] = os.path.join(folder, f"{label}.txt")
        code, found = run(label, env, args)
        missed += found
        failed = failed or code != 0
    print("\n=== goals missed ===")
    print("\n".join(missed) if missed else "none: every benchmark met its goal on both databases")
    return 1 if failed or missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
