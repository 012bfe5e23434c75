from __future__ import annotations

import pytest
import sqlalchemy as sa

from pwa import create_app
from pwa.extensions import db


def test_production_without_secret_key_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SKILLPATH_ENV", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_environment_then_test_config(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("SKILLPATH_RP_ID", "learn.example.com")
    monkeypatch.setenv("SKILLPATH_INVITE_TTL_DAYS", "3")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/skillpath")
    app = create_app({"SKILLPATH_ORIGIN": "https://learn.example.com"})
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SKILLPATH_RP_ID"] == "learn.example.com"
    assert app.config["SKILLPATH_INVITE_TTL_DAYS"] == 3
    assert app.config["SKILLPATH_ORIGIN"] == "https://learn.example.com"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/skillpath"
    assert app.config["SESSION_COOKIE_SECURE"] is True  # production


def test_development_keeps_a_generated_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings = {"SKILLPATH_ENV": "development",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    first = create_app(settings)
    second = create_app(settings)
    assert first.config["SECRET_KEY"] and first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["SESSION_COOKIE_SECURE"] is False


def test_unknown_environment_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="SKILLPATH_ENV"):
        create_app({"SKILLPATH_ENV": "staging", "SECRET_KEY": "x"})


def test_sqlite_runs_with_wal_and_foreign_keys(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
            assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
    else:
        with app.app_context():
            assert db.session.execute(sa.text("SELECT 1")).scalar() == 1


def test_security_headers(client):
    response = client.get("/signin")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_production_asks_browsers_for_https_only(app_factory):
    # On the migrated test database (and closed afterwards): these requests store a session.
    app = app_factory(SKILLPATH_ENV="production")
    client = app.test_client()
    for path, status in (("/signin", 200), ("/api/v1/auth/csrf", 200),
                         ("/api/v1/nothing-here", 404)):
        response = client.get(path, base_url="https://learn.example.com")
        assert response.status_code == status, path
        assert response.headers["Strict-Transport-Security"] == "max-age=63072000", path


def test_development_over_http_sends_no_hsts(app_factory):
    app = app_factory(SKILLPATH_ENV="development")
    response = app.test_client().get("/signin")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def test_session_cookie_flags(app, api, org):
    from tests.factories import enrol, make_invite, make_person

    _, answer = enrol(api, make_invite(app, make_person(app)))
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_lifetimes_from_configuration(tmp_path):
    from datetime import timedelta

    settings = {"SKILLPATH_ENV": "testing", "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    app = create_app(settings)
    assert (app.config["SKILLPATH_SESSION_IDLE_DAYS"],
            app.config["SKILLPATH_SESSION_ABSOLUTE_DAYS"]) == (30, 90)
    # The cookie and the stored data of a signed-in session last as long as it may.
    assert app.permanent_session_lifetime == timedelta(days=90)
    assert app.config["SESSION_REFRESH_EACH_REQUEST"] is False  # stored when it changes
    for idle, absolute in [(0, 90), (91, 90)]:
        with pytest.raises(RuntimeError, match="SKILLPATH_SESSION_IDLE_DAYS"):
            create_app({**settings, "SKILLPATH_SESSION_IDLE_DAYS": idle,
                        "SKILLPATH_SESSION_ABSOLUTE_DAYS": absolute})


def test_an_app_without_rate_limits_does_not_switch_them_off_for_the_next(app_factory):
    from pwa.extensions import limiter

    app_factory(RATELIMIT_ENABLED=False)
    assert limiter.enabled is False
    app_factory()
    assert limiter.enabled is True


@pytest.mark.parametrize("retention", [0.5, 0.99, 1.0])
def test_a_desired_retention_fsrs_cannot_keep_is_refused(retention):
    with pytest.raises(RuntimeError, match="SKILLPATH_DESIRED_RETENTION"):
        create_app({"SKILLPATH_ENV": "testing", "SECRET_KEY": "x",
                    "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "SKILLPATH_DESIRED_RETENTION": retention})


@pytest.mark.parametrize(("setting", "value"), [
    ("SKILLPATH_XAPI_URL", "lrs.example.com/xapi"), ("SKILLPATH_XAPI_URL", "ftp://lrs.example"),
    ("SKILLPATH_XAPI_TIMEOUT", 0.0), ("SKILLPATH_XAPI_TIMEOUT", 61.0),
    ("SKILLPATH_XAPI_ACTOR", "email")])
def test_an_lrs_setting_that_cannot_work_is_refused(setting, value):
    with pytest.raises(RuntimeError, match=setting):
        create_app({"SKILLPATH_ENV": "testing", "SECRET_KEY": "x",
                    "SQLALCHEMY_DATABASE_URI": "sqlite://", setting: value})


def test_the_lrs_address_from_the_environment_loses_its_trailing_slash(monkeypatch):
    monkeypatch.setenv("SKILLPATH_XAPI_URL", "https://lrs.example.com/xapi/")
    monkeypatch.setenv("SKILLPATH_XAPI_TIMEOUT", "4.5")
    app = create_app({"SKILLPATH_ENV": "testing", "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SKILLPATH_XAPI_URL"] == "https://lrs.example.com/xapi"
    assert app.config["SKILLPATH_XAPI_TIMEOUT"] == 4.5
    assert app.config["SKILLPATH_XAPI_ACTOR"] == "opaque"
