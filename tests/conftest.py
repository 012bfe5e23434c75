"""Fixtures shared by the whole suite: a migrated database, the app, clients, factories.

The schema is built once per run by the real migrations, on SQLite by default
or on PostgreSQL when ``TEST_DATABASE_URL`` is set; there every run gets its own
schema, dropped at the end, so the database is left as it was found. After each
test every table is emptied.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, Response, request, request_finished
from flask.testing import FlaskClient, FlaskCliRunner

from api.openapi import declared_statuses
from pwa import create_app
from pwa.extensions import db, limiter
from tests.factories import Api, make_org
from tests.pushservice import PushService, running

collect_ignore = [] if os.environ.get("SKILLPATH_BENCH") else ["benchmarks"]


def pytest_configure(config: pytest.Config) -> None:
    """The app reads compiled catalogues (.mo), which are built from the committed .po
    files and not committed: `make test` builds them, and so does a bare ``pytest`` (as
    .ci/run's later runs and targeted runs are), so every run speaks the current Spanish."""
    from pwa.i18n import compile_catalogues

    compile_catalogues()


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The URL and engine options of this run's database, migrated to head."""
    url = os.environ.get("TEST_DATABASE_URL")
    schema = None
    if url:
        schema = f"skillpath_test_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(url)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        options = {"connect_args": {"options": f"-csearch_path={schema}"}}
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
        options = {}
    settings = {"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options}
    app = create_app(base_config(settings))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    try:
        yield settings
    finally:
        if schema:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def base_config(settings: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SKILLPATH_ENV": "testing",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SKILLPATH_AUTH_RATE_LIMIT": "1000 per minute",
        "SKILLPATH_AUTH_FAILURE_LIMIT": "100000 per minute",
        "SKILLPATH_AUTH_ADDRESS_LIMIT": "100000 per minute",
        "SKILLPATH_ORIGIN": "http://localhost",
        "SKILLPATH_RP_ID": "localhost",
        "SKILLPATH_JOBS_INLINE": True,
        # Push is off unless a test gives a key: never the developer's instance/ key file.
        "SKILLPATH_VAPID_FILE": "",
        **settings,
        **overrides,
    }


def empty_tables(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def app_factory(database: dict[str, Any]) -> Iterator[Any]:
    """Build apps on this run's database; each is emptied and closed afterwards."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        app = create_app(base_config(database, **overrides))
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            limiter.reset()
            db.engine.dispose()
    if made:
        empty_tables(create_app(base_config(database)))


@pytest.fixture
def app(app_factory: Any) -> Flask:
    return app_factory()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


@pytest.fixture
def service() -> Iterator[PushService]:
    """A local push service (tests/pushservice.py), for the tests that send pushes."""
    with running() as found:
        yield found


@pytest.fixture
def org(app: Flask) -> dict[str, Any]:
    """A small organisation with two roles, as ids.

    No app context stays open: requests must each get their own, as in production.
    """
    return make_org(app)




@pytest.fixture(autouse=True)
def answers_are_documented() -> Iterator[None]:
    """Every status an API route answers in any test is one its OpenAPI operation declares.

    The document is generated from ``@responds`` and the route's plumbing; this
    compares it, per operation, with what the whole suite actually sees.
    """
    seen: set[tuple[str, str, int, Any]] = set()

    def record(sender: Flask, response: Response, **_: Any) -> None:
        rule = request.url_rule
        if rule is not None and rule.rule.startswith("/api/v1/") \
                and request.method not in {"HEAD", "OPTIONS"}:
            view = sender.view_functions[rule.endpoint]
            seen.add((request.method, rule.rule, response.status_code, view))

    with request_finished.connected_to(record):
        yield
    undeclared = sorted(f"{method} {rule} answered {status}" for method, rule, status, view in seen
                        if status not in declared_statuses(rule, method, view))
    assert undeclared == [], "declare these with @responds(...) or fix the route"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/browser drives Chromium: ``-m "not browser"`` leaves them all out."""
    browser = pytest.mark.browser
    for item in items:
        if "browser" in item.path.relative_to(config.rootpath).parts[:2]:
            item.add_marker(browser)
