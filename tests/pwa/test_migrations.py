"""Migrations that change a table people already have rows in keep those rows.

The suite's database is built by the migrations (``tests/conftest.py``); here a
migration is taken down and up again over rows, on SQLite (where a column is
added or dropped by copying the table) and on PostgreSQL alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from pwa.extensions import db
from pwa.models import PlanSettings
from tests.factories import make_person, moment, sign_in_as


def test_0010_adds_the_languages_to_learn_in_as_not_said_and_keeps_the_settings(app, org):
    ana = sign_in_as(app, "Ana Ruiz")
    ben = make_person(app, "Ben Carter")
    answer = ana.post("/api/v1/sync", {"events": [{
        "id": "8f6a3f4e-3a57-4c36-9a36-0d6c3d0f2a10", "type": "plan.settings.changed",
        "schema": 1, "occurred_at": moment(30), "device_id": "phone-1",
        "data": {"weekly_minutes": 90, "formats": ["course"], "mentor_suggestions": False,
                 "languages": ["es", "en"]}}]}).get_json()
    assert len(answer["accepted"]) == 1, answer

    def rows():
        return [(s.weekly_minutes, s.formats, s.mentor_suggestions, s.languages)
                for s in db.session.scalars(sa.select(PlanSettings))]

    with app.app_context():
        assert rows() == [(90, ["course"], False, ["es", "en"])]
        db.session.remove()
        try:
            downgrade(revision="0009")
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns("plan_settings")}
            assert "languages" not in columns and "mentor_suggestions" in columns
            upgrade(revision="0010")
        finally:
            upgrade()
        # Not said (SQL NULL, not JSON null): the assignment guesses again until she says.
        assert rows() == [(90, ["course"], False, None)]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanSettings).where(
            PlanSettings.languages.is_(None))) == 1
        # A learner who never saved settings has no row, and nothing to guess from but
        # their locale: the column is nullable, with no default to pretend they said.
        column = next(c for c in sa.inspect(db.engine).get_columns("plan_settings")
                      if c["name"] == "languages")
        assert column["nullable"] and column["default"] is None
        assert db.session.get(PlanSettings, ben) is None


def test_the_models_and_the_migrations_agree(app):
    """The schema the migrations build is the one the models declare: a model changed without
    its migration (or a migration without its model) shows up here, on either database."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []
