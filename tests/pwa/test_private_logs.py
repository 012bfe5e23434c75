"""A database error's text never reaches the logs: it may quote the row it refused.

SQLAlchemy lists a statement's parameters in its errors unless the engine hides
them, and PostgreSQL adds ``DETAIL: Failing row contains (...)`` to a refused row.
Either can hold a person's rating or note. Here a row with a personal value breaks
a NOT NULL rule, in a request that answers 500 and in a job, on both databases.
"""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from pwa import jobs
from pwa.extensions import db

SECRET = "Ana rated herself 2, my manager shouts"


def insert_refused_row(organisation_id: int) -> None:
    """A person without a role or handle: the database refuses the row, quoting it."""
    db.session.execute(
        sa.text("INSERT INTO people (organisation_id, display_name) VALUES (:org, :name)"),
        {"org": organisation_id, "name": SECRET})


@pytest.fixture
def refused_job(monkeypatch):
    monkeypatch.setitem(jobs.JOBS, "test.refused", f"{__name__}:insert_refused_row")
    monkeypatch.setitem(jobs.SCOPE, "test.refused", "organisation")
    return "test.refused"


def test_the_engine_hides_parameters_whatever_options_were_given(app_factory):
    app = app_factory(SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True})
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    with app.app_context():
        assert db.engine.hide_parameters is True


def test_a_500_from_a_refused_row_logs_no_value_of_it(app, org, caplog):
    app.add_url_rule("/test/refused", "test_refused",
                     lambda: insert_refused_row(org["id"]) or "saved")
    with caplog.at_level(logging.DEBUG):
        response = app.test_client().get("/test/refused")
    assert response.status_code == 500
    [logged] = [r for r in caplog.records if r.name == "api.errors"]
    assert "IntegrityError" in logged.getMessage()
    assert "insert_refused_row" in logged.getMessage()  # our frame, to find the bug by
    assert SECRET not in caplog.text and "manager" not in caplog.text


def test_a_job_run_with_the_request_that_refuses_a_row_logs_no_value_of_it(
        app, org, refused_job, caplog):
    def ask() -> str:
        jobs.enqueue(refused_job, org["id"])
        return "asked"

    app.add_url_rule("/test/ask", "test_ask", ask)
    with caplog.at_level(logging.DEBUG), pytest.raises(sa.exc.IntegrityError):
        app.test_client().get("/test/ask")  # tests run jobs inline; a failure is raised
    assert any("IntegrityError" in r.getMessage() for r in caplog.records
               if r.name == "pwa.jobs")
    assert SECRET not in caplog.text and "manager" not in caplog.text


def test_a_background_job_that_refuses_a_row_logs_and_records_no_value_of_it(
        app_factory, org, refused_job, monkeypatch, caplog):
    app = app_factory(SKILLPATH_JOBS_INLINE=False, SKILLPATH_JOBS_DELAY_MS=0)
    monkeypatch.setattr(jobs, "RETRY_SECONDS", [0.01])
    with caplog.at_level(logging.DEBUG):
        with app.test_request_context():
            jobs._submit(refused_job, (org["id"],))
        assert jobs._runner(app).settle(10)
    assert any("failed after 2 tries" in r.getMessage() for r in caplog.records)
    assert SECRET not in caplog.text and "manager" not in caplog.text
