"""``make run-scaled``: the demo as an organisation would run it, on this machine.

PostgreSQL for the data, Redis for sessions, rate limits and jobs, and the three
kinds of process of a deployment, each the app's own command:

- web: gunicorn, ``--workers`` sync workers serving ``pwa.wsgi:app``;
- worker: ``flask jobs work``, an RQ worker (mentor assignment, plan summaries,
  the reminder tick, push sends);
- scheduler: ``flask jobs schedule``, which asks for the minute's jobs (one leader
  at a time, by a Redis lock that expires).

Before they start it prepares what a release would: the database (created if
missing), the push key pair (kept in ``instance/`` as ``make run`` keeps it),
``flask db upgrade`` and the demo seed, which adds only what is missing when run
again and prints fresh one-time invite links each time.

Ctrl-C (SIGINT) or SIGTERM stops every process it started, by its pid: each gets
SIGTERM (gunicorn stops its workers, the RQ worker finishes the job in hand) and,
if it has not ended after ``--grace`` seconds, SIGKILL. If any of them ends on its
own, the others are stopped too and this exits non-zero; with ``--restart-worker`` an RQ
worker that ends on its own is started again instead (as a process manager's
``Restart=always`` would), which the shift-start storm uses to kill the worker
mid-storm.

Run it from the repository with the project's Python: ``.venv/bin/python
scripts/run_scaled.py [--port 5000] [--workers N]``. Settings by environment:
``DATABASE_URL`` (default: the database ``skillpath`` on the local PostgreSQL),
``REDIS_URL`` (default: database 1 of the local Redis), ``SKILLPATH_ENV``
(default ``development``: plain http on localhost, a secret key kept in
``instance/``) and every other variable the app reads.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/skillpath"
DEFAULT_REDIS = "redis://127.0.0.1:6379/1"


def default_workers() -> int:
    """gunicorn's own rule, 2 × cores + 1 sync workers.

    A sync worker spends most of a request waiting on PostgreSQL (about two thirds
    of the samples in the shift-start storm's profile), so one worker per core
    would leave the cores idle while the database answers; more than about twice
    the cores only queues requests inside the box and adds database connections.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 2 * (cores or 1) + 1


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database ``url`` names if it does not exist yet."""
    if not url.startswith(("postgresql", "postgres:")):
        return  # SQLite makes its file on first use
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from pwa.config import normalise_database_url

    target = make_url(normalise_database_url(url))
    server = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            found = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                {"name": target.database})
            if not found:
                name = target.database or ""
                conn.execute(sa.text(f'CREATE DATABASE "{name.replace(chr(34), "")}"'))
                print(f"Created the database {name}.", flush=True)
    finally:
        server.dispose()


def check_redis(url: str) -> None:
    from redis import Redis

    client = Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - said plainly, then stop
        raise SystemExit(f"Redis does not answer at {url}: {exc}") from exc
    finally:
        client.close()


def flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "pwa", *args]


def prepare(env: dict[str, str], seed: bool) -> str:
    """The release steps; returns what the seed printed (the invite links)."""
    for step in (flask("vapid", "generate"), flask("db", "upgrade")):
        subprocess.run(step, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    if not seed:
        return ""
    done = subprocess.run(flask("seed-demo", "--print-invites"), env=env, cwd=ROOT, check=True,
                          stdout=subprocess.PIPE, text=True)
    return done.stdout


class Supervisor:
    """The processes it started, by name and pid; stops them all, once."""

    def __init__(self, env: dict[str, str], grace: float) -> None:
        self.env = env
        self.grace = grace
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = False

    def start(self, name: str, command: list[str]) -> None:
        # A session of its own: Ctrl-C reaches this supervisor only, which stops each
        # process in its own way (not every process of the terminal at once).
        process = subprocess.Popen(command, env=self.env, cwd=ROOT, start_new_session=True)
        self.processes[name] = process
        print(f"Started {name} (pid {process.pid}).", flush=True)

    def ended(self) -> str | None:
        """The name of a process that has ended, if one has."""
        return next((name for name, p in self.processes.items() if p.poll() is not None), None)

    def stop(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        for name, process in self.processes.items():
            if process.poll() is None:
                print(f"Stopping {name} (pid {process.pid}).", flush=True)
                process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        told_again = False
        while time.monotonic() - started < self.grace:
            if all(process.poll() is not None for process in self.processes.values()):
                return
            worker = self.processes.get("worker")
            # RQ may miss a warm stop asked for while it is still starting, and then sits
            # out a minute. With no work horse (no child process) it holds no job, so
            # asking again (RQ's cold stop) loses nothing.
            if (not told_again and worker is not None and worker.poll() is None
                    and time.monotonic() - started > 2 and not children(worker.pid)):
                worker.send_signal(signal.SIGTERM)
                told_again = True
            time.sleep(0.1)
        for name, process in self.processes.items():
            if process.poll() is None:
                print(f"{name} (pid {process.pid}) did not stop in time: killed.", flush=True)
                process.kill()
                process.wait()


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux's /proc; elsewhere none are seen)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def wait_ready(port: int, supervisor: Supervisor, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and supervisor.ended() is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return True
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 5000))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY")
                                                           or default_workers()),
                        help="gunicorn sync workers (default: 2 x cores + 1)")
    parser.add_argument("--no-seed", dest="seed", action="store_false",
                        help="do not seed the demo organisation")
    parser.add_argument("--grace", type=float, default=20.0,
                        help="seconds a process has to stop before it is killed")
    parser.add_argument("--restart-worker", action="store_true",
                        help="start the RQ worker again when it ends on its own")
    options = parser.parse_args(argv)

    env = {**os.environ}
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE)
    env.setdefault("REDIS_URL", DEFAULT_REDIS)
    env.setdefault("SKILLPATH_ENV", "development")
    env.setdefault("SKILLPATH_ORIGIN", f"http://localhost:{options.port}")
    origin = env["SKILLPATH_ORIGIN"]
    ensure_database(env["DATABASE_URL"])
    check_redis(env["REDIS_URL"])
    seeded = prepare(env, options.seed)

    supervisor = Supervisor(env, options.grace)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # the same way out for Ctrl-C and SIGTERM

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        supervisor.start("web", [sys.executable, "-m", "gunicorn", "--workers",
                                 str(options.workers), "--bind", f"127.0.0.1:{options.port}",
                                 "pwa.wsgi:app"])
        supervisor.start("worker", flask("jobs", "work"))
        supervisor.start("scheduler", flask("jobs", "schedule"))
        if not wait_ready(options.port, supervisor):
            print("The app did not become ready; stopping.", file=sys.stderr, flush=True)
            return 1
        print(seeded, end="", flush=True)
        print(f"Serving on {origin} with {options.workers} web workers, an RQ worker and the "
              f"scheduler (database {env['DATABASE_URL'].rpartition('@')[2]}, Redis "
              f"{env['REDIS_URL'].rpartition('@')[2]}). Ctrl-C stops them all.", flush=True)
        while True:
            while (name := supervisor.ended()) is None:
                time.sleep(0.5)
            if not (options.restart_worker and name == "worker"):
                break
            print(f"worker ended on its own (exit status "
                  f"{supervisor.processes[name].returncode}); starting it again.", flush=True)
            supervisor.start("worker", flask("jobs", "work"))
        print(f"{name} ended on its own (exit status {supervisor.processes[name].returncode}); "
              "stopping the others.", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C waits for the stop
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        supervisor.stop()
        print("Stopped.", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
