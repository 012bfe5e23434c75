"""The real app under gunicorn for the HTTP benchmarks, a signed-in session's headers, and
this process frozen as a server process is for the benchmarks that serve the app in it."""

from __future__ import annotations

import gc
import http.client
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from flask import Flask

from tests.factories import Api

LOGS: dict[int, IO[bytes]] = {}  # each server's stderr, by its pid


def session_headers(api: Api) -> dict[str, str]:
    """What a signed-in phone sends with each sync: its session cookie and CSRF token."""
    cookie = api.client.get_cookie("skillpath_session")
    assert cookie is not None, "sign in first"
    return {"Cookie": f"skillpath_session={cookie.value}", "X-CSRFToken": api.csrf(),
            "Content-Type": "application/json"}


@contextmanager
def frozen_as_served() -> Iterator[None]:
    """Run the body with what this process made so far frozen out of the garbage
    collector's reach, as ``pwa/wsgi.py`` freezes a server process once the app is built:
    a benchmark that serves the app in its own process (the test client) then pays for the
    garbage its requests make, not for walks over the test runner's heap."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def start_gunicorn(app: Flask, port: int, workers: int,
                   settings: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """gunicorn with ``workers`` sync workers serving ``app``'s database on ``port``, once up.

    ``settings`` are more ``SKILLPATH_*`` variables for the served app.
    """
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = {**os.environ, "SECRET_KEY": app.config["SECRET_KEY"], "DATABASE_URL": url,
           "SKILLPATH_ENV": "production", "SKILLPATH_ORIGIN": "http://localhost",
           **(settings or {})}
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args", {}).get("options")
    if options:
        env["PGOPTIONS"] = options
    # A file, not a pipe: each request logs a line to stderr, and a pipe nobody reads
    # fills after a few hundred requests and stops the server.
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "pwa.wsgi:app"],
        env=env, stdout=subprocess.DEVNULL, stderr=log)
    LOGS[process.pid] = log
    for _ in range(100):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.1)
        finally:
            conn.close()
    process.kill()
    process.wait()
    log.seek(0)
    said = log.read().decode()[-2000:]
    log.close()
    raise AssertionError("gunicorn did not start: " + said)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=10)
    log = LOGS.pop(process.pid, None)
    if log is not None:
        log.close()
