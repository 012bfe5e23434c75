"""The live server of the browser tests stops for good before its app is closed.

Its app's engine is disposed right after it stops: a request still being served
then, or one accepted afterwards, would check out a database connection that
nobody closes. No browser is needed here.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from typing import Any

import pytest
import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import Person
from tests.browser.harness import free_port, serving

SHUTDOWN_POLL = 0.5  # socketserver's serve_forever checks for shutdown this often


def in_thread(work: Any) -> tuple[threading.Thread, list[Any]]:
    results: list[Any] = []
    thread = threading.Thread(target=lambda: results.append(work()), daemon=True)
    thread.start()
    return thread, results


def test_stopping_waits_for_the_request_being_served(app_factory):
    app = app_factory()
    entered, finished = threading.Event(), threading.Event()

    def slow() -> str:
        entered.set()
        time.sleep(2 * SHUTDOWN_POLL)  # still running when a bare shutdown() returns
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Person))
        finished.set()
        return str(count)

    app.add_url_rule("/slow", view_func=slow)
    port = free_port()
    with serving(app, port) as server:
        client, answers = in_thread(
            lambda: urllib.request.urlopen(f"{server.url}/slow", timeout=10).read())
        assert entered.wait(10)
    assert finished.is_set(), "the server stopped while a request still used the database"
    with app.app_context():
        assert db.engine.pool.checkedout() == 0
    client.join(10)
    assert answers == [b"0"]


def test_a_stopped_server_takes_no_connection_and_drops_idle_ones(app_factory):
    app = app_factory()
    port = free_port()
    idle = None

    def serve_and_stop() -> bool:
        nonlocal idle
        with serving(app, port):
            # Browsers open connections ahead of need and may send nothing on them.
            idle = socket.create_connection(("localhost", port), timeout=10)
            time.sleep(SHUTDOWN_POLL)  # accepted, its thread waiting for a request line
        return True

    stopper, stopped = in_thread(serve_and_stop)
    stopper.join(20)
    assert stopped == [True], "stopping waited for a connection that never sends a request"
    assert idle is not None
    with idle:
        assert idle.recv(1) == b""  # closed by the server
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("localhost", port), timeout=5).close()
