"""The migrations build what the models describe, and keep the rows people already have.

The suite's database is built by the migrations (``tests/conftest.py``); here the
models are compared with it, and a migration is taken down and up again over rows,
on SQLite (where a column may be dropped by copying the table, and a copied parent
table must not take its children's rows with it) and on PostgreSQL alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from pwa import clock
from pwa.extensions import db
from pwa.models import (
    ItemCompetency,
    ItemRevision,
    MentorRequest,
    Organisation,
    Person,
    PlanSettings,
    Role,
)
from pwa.store import catalogue
from tests.factories import ITEM_BASE, make_person, moment, publish_profile, sign_in_as


def test_the_migrations_build_the_schema_the_models_describe(app):
    """A model changed without its migration (or the other way round) fails here."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "compare_server_default": True})
        assert compare_metadata(context, db.metadata) == []


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


def test_0012_adds_fees_as_nothing_to_pay_and_costs_as_not_set_in_pounds(app, org):
    publish_profile(app)
    with app.app_context():
        catalogue.save(org["id"], {**ITEM_BASE, "title": "Till basics", "format": "course",
                                   "competencies": ["store-associate/tills"]},
                       by=None, now=clock.now())
        db.session.commit()

        def rows():
            return (db.session.execute(sa.select(ItemRevision.title, ItemRevision.fee_cents))
                    .all(), db.session.execute(sa.select(
                        Organisation.name, Organisation.hourly_cost_cents, Organisation.currency))
                    .all())

        db.session.remove()
        try:
            downgrade(revision="0011")
            inspector = sa.inspect(db.engine)
            assert "fee_cents" not in {c["name"] for c in inspector.get_columns("item_revisions")}
            assert {c["name"] for c in inspector.get_columns("organisations")}.isdisjoint(
                {"hourly_cost_cents", "currency"})
            upgrade(revision="0012")
        finally:
            upgrade()
        assert rows() == ([("Till basics", 0)], [("Acme Stores", None, "GBP")])
        # Nothing that hangs from the two tables went with their columns.
        assert [db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in (
            Role, Person, ItemCompetency)] == [2, 1, 1]


def test_0019_adds_who_ended_a_mentoring_as_not_known_and_keeps_the_requests(app, org):
    learner, mentor = make_person(app, "Lucia Fernandez"), make_person(app, "Marcus Johnson")
    with app.app_context():
        db.session.add(MentorRequest(
            id="5b1f0c52-9d1e-4c1a-8f43-2f6f1f0e7a01", learner_id=learner, mentor_id=mentor,
            competency="greet", status="ended", occurred_at=clock.now(),
            answered_at=clock.now(), ended_at=clock.now(), ended_by_id=mentor))
        db.session.commit()

        def rows():
            return db.session.execute(sa.select(
                MentorRequest.competency, MentorRequest.status, MentorRequest.ended_by_id)).all()

        assert rows() == [("greet", "ended", mentor)]
        db.session.remove()
        try:
            downgrade(revision="0018")
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns("mentor_requests")}
            assert "ended_by_id" not in columns and "ended_at" in columns
            upgrade(revision="0019")
        finally:
            upgrade()
        assert rows() == [("greet", "ended", None)]  # ended by someone no longer known
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 2
        # The column is a person's id: deleting that person clears it, never the request
        # by itself (the request goes with its learner or mentor).
        foreign = [fk for fk in sa.inspect(db.engine).get_foreign_keys("mentor_requests")
                   if fk["constrained_columns"] == ["ended_by_id"]]
        assert [(fk["referred_table"], fk["options"].get("ondelete", "").upper())
                for fk in foreign] == [("people", "SET NULL")]
