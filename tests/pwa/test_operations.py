"""What an operator relies on: readiness, and one log line per request a person can be led to."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from pwa import requestlog
from tests.factories import person_named, sign_in_as

# Redis databases are shared by the machine: under xdist (CI's PostgreSQL run) every
# module that uses one runs on the same worker, one test at a time (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("redis")

REDIS = "redis://127.0.0.1:6379/15"


def closed_port() -> int:
    """A local port nothing listens on (it was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


# Readiness ---------------------------------------------------------------------------------

def test_readyz_answers_when_the_database_answers(client: Any) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_readyz_checks_redis_when_the_app_uses_it(app_factory: Any) -> None:
    response = app_factory(REDIS_URL=REDIS).test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_readyz_is_503_in_the_error_shape_when_redis_is_down(app_factory: Any) -> None:
    app = app_factory(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert set(body) == {"code", "error", "message", "details"}
    assert (body["code"], body["error"]) == (503, "not_ready")
    assert set(body["details"]) == {"redis"}
    assert body["details"]["redis"].startswith("unreachable: ConnectionError")
    # Alive all the same: the process answers, and so does its database.
    assert app.test_client().get("/healthz").status_code == 200


def test_readyz_is_503_when_the_database_is_down(app_factory: Any, tmp_path: Any) -> None:
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/x.db")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["error"] == "not_ready"
    assert body["details"]["database"].startswith("unreachable")


# Request ids and the request log -----------------------------------------------------------

class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))


@pytest.fixture
def logged() -> Iterator[list[dict[str, Any]]]:
    handler = Lines()
    requestlog.log.addHandler(handler)
    try:
        yield handler.lines
    finally:
        requestlog.log.removeHandler(handler)


def test_every_answer_names_its_request(client: Any,
                                        logged: list[dict[str, Any]]) -> None:
    first, second = client.get("/healthz"), client.get("/no/such/page")
    ids = [first.headers["X-Request-Id"], second.headers["X-Request-Id"]]
    assert all(requestlog.SANE.fullmatch(rid) for rid in ids) and ids[0] != ids[1]
    assert [(line["request_id"], line["route"], line["status"]) for line in logged] == [
        (ids[0], "/healthz", 200), (ids[1], None, 404)]


def test_the_log_line_names_the_route_and_the_person_by_id_only(
        app: Flask, org: Any, logged: list[dict[str, Any]]) -> None:
    api = sign_in_as(app, "Ana Ruiz")
    logged.clear()
    response = api.get("/api/v1/me")
    assert response.status_code == 200
    [line] = logged
    assert set(line) == {"request_id", "person", "method", "route", "status", "ms"}
    assert line["person"] == person_named(app, "Ana Ruiz")
    assert (line["method"], line["route"], line["status"]) == ("GET", "/api/v1/me", 200)
    assert isinstance(line["ms"], float) and line["ms"] >= 0
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert "Ana" not in json.dumps(line)


def test_routes_that_never_look_up_the_session_log_nobody_and_look_nothing_up(
        app: Flask, org: Any, logged: list[dict[str, Any]]) -> None:
    """The CSRF token and the sign-in options are declared ``session="none"``: they skip the
    lookup of who is signed in (it would cost a query on every page load of the sign-in
    screen and every sync's token). Their line names nobody rather than someone the server
    has not checked: the session's data holds only the id of a sessions row, which may have
    ended (signed out elsewhere, passkey removed, account deleted)."""
    import sqlalchemy as sa

    from pwa.extensions import db

    api = sign_in_as(app, "Ana Ruiz")
    api.get("/api/v1/me")
    asked: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        asked.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        logged.clear()
        assert api.get("/api/v1/auth/csrf").status_code == 200
        assert api.post("/api/v1/auth/login/options").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert [(line["route"], line["person"]) for line in logged] == [
        ("/api/v1/auth/csrf", None), ("/api/v1/auth/login/options", None)]
    assert not [s for s in asked if "FROM sessions" in s or "FROM people" in s]
    for rule in ("/api/v1/auth/csrf", "/api/v1/auth/login/options"):
        endpoint = next(r.endpoint for r in app.url_map.iter_rules() if r.rule == rule)
        assert app.view_functions[endpoint].session == "none"
    # A route that asks who is there names them, declared "none" or not.
    logged.clear()
    assert api.get("/api/v1/auth/session").get_json()["signed_in"] is True
    assert logged[-1]["person"] == person_named(app, "Ana Ruiz")


def test_the_route_is_the_rule_not_the_address(client: Any,
                                               logged: list[dict[str, Any]]) -> None:
    client.get("/static/css/pages.css")
    assert logged[-1]["route"] == "/static/<path:filename>"


def test_a_sane_incoming_id_is_kept_and_a_bogus_one_replaced(
        client: Any, logged: list[dict[str, Any]]) -> None:
    kept = client.get("/healthz", headers={"X-Request-Id": "lb-7f3a9c2e-0001"})
    assert kept.headers["X-Request-Id"] == "lb-7f3a9c2e-0001"
    for bogus in ("short", "x" * 200, "has spaces in it", 'evil"},"person":1', "ünïcode-id-123"):
        answer = client.get("/healthz", headers={"X-Request-Id": bogus})
        assert answer.headers["X-Request-Id"] != bogus
        assert requestlog.SANE.fullmatch(answer.headers["X-Request-Id"])
    assert logged[0]["request_id"] == "lb-7f3a9c2e-0001"


def test_a_server_error_shows_the_request_id_to_quote(app: Flask, org: Any,
                                                      logged: list[dict[str, Any]]) -> None:
    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_url_rule("/test/broken", "broken", broken)
    app.add_url_rule("/api/test/broken", "api_broken", broken)
    client = app.test_client()
    page = client.get("/test/broken", headers={"X-Request-Id": "quote-me-0123456789"})
    html = page.get_data(as_text=True)
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "quote this reference: quote-me-0123456789" in html
    answer = client.get("/api/test/broken")
    body = answer.get_json()
    assert (body["code"], body["error"]) == (500, "internal_error")
    assert body["details"]["request_id"] == answer.headers["X-Request-Id"]
    assert [line["status"] for line in logged] == [500, 500]
    assert logged[1]["request_id"] == body["details"]["request_id"]


def test_a_client_error_page_shows_no_reference(client: Any) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert "quote this reference" not in page.get_data(as_text=True)
