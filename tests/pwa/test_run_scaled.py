"""``make run-scaled``: its supervisor starts web, worker and scheduler, serves, and stops them all.

The supervisor (scripts/run_scaled.py) runs as ``make run-scaled`` runs it, on a
database of its own (a new PostgreSQL database on the server of
``TEST_DATABASE_URL``, dropped afterwards, or an SQLite file) and a Redis
database of its own, on a free port; without the demo seed, which
tests/pwa/test_cli.py covers and which takes longer than the rest together.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from redis import Redis

# Redis databases are shared by the machine: under xdist (CI's PostgreSQL run) every
# module that uses one runs on the same worker, one test at a time (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("redis")

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/12"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A database nobody else uses: the supervisor migrates it from nothing."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path}/scaled.db"
        return
    name = f"skillpath_scaled_{uuid.uuid4().hex[:10]}"
    url = sa.engine.make_url(server)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid``, read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def get(port: int, path: str) -> tuple[int, dict[str, str]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
        return answer.status, dict(answer.headers)


def test_run_scaled_serves_with_its_processes_and_ctrl_c_stops_every_one(
        database_url: str, tmp_path: Path) -> None:
    redis = Redis.from_url(REDIS)
    redis.ping()  # the local Redis must be there: without it this test fails, never skips
    port = free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "PORT", "PGOPTIONS"}}
    env.update(DATABASE_URL=database_url, REDIS_URL=REDIS, SKILLPATH_ENV="development",
               SECRET_KEY="run-scaled-test-secret",
               SKILLPATH_VAPID_FILE=str(tmp_path / "vapid_private.pem"))
    supervisor = subprocess.Popen(
        [sys.executable, "scripts/run_scaled.py", "--port", str(port), "--workers", "2",
         "--no-seed", "--grace", "15"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert supervisor.stdout is not None
        for line in supervisor.stdout:
            lines.append(line)
            if line.startswith("Serving on "):
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(90), "".join(lines)[-4000:]
        assert f"Serving on http://localhost:{port} with 2 web workers" in "".join(lines)
        started = {line.split()[1]: int(line.split("pid ")[1].rstrip(").\n"))
                   for line in lines if line.startswith("Started ")}
        assert sorted(started) == ["scheduler", "web", "worker"]

        assert get(port, "/healthz")[0] == 200
        status, headers = get(port, "/readyz")
        assert status == 200 and headers["X-Request-Id"]
        # A request that keeps a session: its record is in this Redis, not in the app server.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/auth/csrf",
                                    timeout=10) as answer:
            cookie = answer.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
        assert redis.exists(f"skillpath:session:{cookie}")

        below = descendants(supervisor.pid)
        assert set(started.values()) <= below
        assert len(below) >= 3 + 2  # the three, and gunicorn's two workers
        supervisor.send_signal(signal.SIGINT)
        assert supervisor.wait(timeout=40) == 0, "".join(lines)[-4000:]
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in below) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in below if alive(pid)] == [], "".join(lines)[-4000:]
        reader.join(60)  # its output ends with it; on a loaded machine it is read late
        assert not reader.is_alive(), "".join(lines)[-4000:]
        for name, pid in started.items():
            assert f"Stopping {name} (pid {pid}).\n" in lines, name
        assert lines[-1] == "Stopped.\n"
    finally:
        if supervisor.poll() is None:
            for pid in descendants(supervisor.pid):
                os.kill(pid, signal.SIGKILL)
            supervisor.kill()
            supervisor.wait()
        reader.join(10)
        if supervisor.stdout is not None:
            supervisor.stdout.close()
        redis.close()
