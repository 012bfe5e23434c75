"""App servers keep no state of their own: one sign-in and one sync alternate between two.

Two gunicorn processes (one worker each) on two ports serve this run's database
with sessions and rate limits in one Redis, as two machines of an organisation
would. A phone's requests go to one and then the other at every step: the CSRF
token handed out by one is checked by the other, a passkey challenge issued by one
is answered at the other, a session begun on one is used on the other, and a sync
sent to one is read back, and sent again as a retry, through the other.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from redis import Redis
from rq import Queue

from pwa import jobs
from tests.factories import (
    associate_rating,
    make_invite,
    make_person,
    publish_profile,
)
from tests.softauthn import SoftAuthenticator

# Redis databases are shared by the machine: under xdist (CI's PostgreSQL run) every
# module that uses one runs on the same worker, one test at a time (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("redis")

REDIS = "redis://127.0.0.1:6379/11"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def serve(app: Flask, port: int, log: Path) -> subprocess.Popen[bytes]:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = {**os.environ, "SECRET_KEY": app.config["SECRET_KEY"], "DATABASE_URL": url,
           # development: plain http, so the session cookie is not Secure-only.
           "SKILLPATH_ENV": "development", "SKILLPATH_ORIGIN": "http://localhost",
           "SKILLPATH_RP_ID": "localhost", "SKILLPATH_VAPID_FILE": "", "REDIS_URL": REDIS,
           "SKILLPATH_AUTH_RATE_LIMIT": "1000 per minute",
           "SKILLPATH_AUTH_FAILURE_LIMIT": "100000 per minute",
           "SKILLPATH_AUTH_ADDRESS_LIMIT": "100000 per minute"}
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args", {}).get("options")
    if options:
        env["PGOPTIONS"] = options
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}",
             "pwa.wsgi:app"], env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_ready(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the server on {port} is not ready: {log.read_text()[-3000:]}")


class Phone:
    """One browser: one cookie jar, the CSRF token it was last given, any server."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.token = ""

    def call(self, port: int, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "X-CSRFToken": self.token})
        try:
            with self.opener.open(request, timeout=30) as answer:
                status, raw = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        found = json.loads(raw) if raw else None
        if isinstance(found, dict) and found.get("csrf_token"):
            self.token = found["csrf_token"]  # a new session comes with a new token
        return status, found


@pytest.fixture
def servers(app: Flask, tmp_path: Path) -> Iterator[tuple[int, int]]:
    Redis.from_url(REDIS).ping()  # the local Redis must be there: this test fails, never skips
    ports = (free_port(), free_port())
    logs = [tmp_path / f"server-{port}.log" for port in ports]
    processes = [serve(app, port, log) for port, log in zip(ports, logs, strict=True)]
    try:
        for port, process, log in zip(ports, processes, logs, strict=True):
            wait_ready(port, process, log)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        # What the syncs asked for (the mentor assignment) waits on a queue no worker reads.
        Queue(jobs.QUEUE, connection=Redis.from_url(REDIS)).empty()


def test_one_sign_in_and_one_sync_alternate_between_two_app_servers(
        app: Flask, org: Any, servers: tuple[int, int]) -> None:
    a, b = servers
    publish_profile(app)
    invite = make_invite(app, make_person(app, "Ana Ruiz"))
    phone, passkey = Phone(), SoftAuthenticator()

    # Enrolment: the token from a, the challenge from b, the answer to a.
    assert phone.call(a, "GET", "/api/v1/auth/csrf")[0] == 200
    status, options = phone.call(b, "POST", "/api/v1/auth/register/options",
                                 {"invite_token": invite})
    assert status == 200, options
    status, answer = phone.call(a, "POST", "/api/v1/auth/register/verify", {
        "invite_token": invite, "name": "Test phone", "credential": passkey.create(options)})
    assert status == 200, answer
    assert phone.call(b, "GET", "/api/v1/me")[1]["display_name"] == "Ana Ruiz"

    # Signing out on b ends the session a knows of; signing in again crosses over too.
    assert phone.call(b, "POST", "/api/v1/auth/signout")[0] == 200
    assert phone.call(a, "GET", "/api/v1/me")[0] == 401
    status, options = phone.call(a, "POST", "/api/v1/auth/login/options")
    assert status == 200, options
    status, answer = phone.call(b, "POST", "/api/v1/auth/login/verify",
                                {"credential": passkey.get(options)})
    assert status == 200, answer

    # One sync: sent to a, read back from b, sent again to b as a phone's retry would be.
    batch = [associate_rating(2, "greet"), associate_rating(3, "tills")]
    status, synced = phone.call(a, "POST", "/api/v1/sync", {"events": batch})
    assert (status, synced["accepted"]) == (200, [event["id"] for event in batch]), synced
    status, bundle = phone.call(b, "GET", "/api/v1/bootstrap")
    assert status == 200
    assert {(r["competency"], r["level"]) for r in bundle["ratings"]["current"]} == {
        ("greet", 2), ("tills", 3)}
    status, again = phone.call(b, "POST", "/api/v1/sync", {"events": batch})
    assert (status, again["accepted"], again["duplicates"]) == (
        200, [], [event["id"] for event in batch])
