from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import Invite, Person, Role, RoleAuthor
from tests.factories import make_org, populate


def test_seed_demo_is_idempotent_and_complete(app, runner):
    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "(601 new)" in first.output and "(0 new)" in second.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 601
        roles = db.session.scalars(sa.select(Role)).all()
        frontline = [r for r in roles if r.slug != "learning-development"]
        assert len(frontline) == 4
        assert db.session.scalar(sa.select(sa.func.count()).where(Person.is_ld_admin)) == 1
        for role in frontline:
            authors = db.session.scalars(
                sa.select(RoleAuthor).where(RoleAuthor.role_id == role.id)).all()
            assert len(authors) == 2
            assert all(a.person.role_id == role.id for a in authors)


def test_seed_demo_prints_a_working_invite_link_for_each_demo_person(app, runner):
    result = runner.invoke(args=["seed-demo", "--print-invites"])
    links = re.findall(r"http://localhost/enrol/(\S+)", result.output)
    assert len(links) == 7
    assert "Mentor (Marcus Johnson, warehouse picker): http" in result.output
    assert "Learner in Spanish (Verónica Mendoza, warehouse picker): http" in result.output
    client = app.test_client()
    for token in links:
        assert client.get(f"/enrol/{token}").status_code == 200


def test_invite_create_makes_the_person_once_and_prints_a_link(app, runner, org):
    result = runner.invoke(args=["invite", "create", "--name", "Ana Ruiz",
                                 "--role", "store-associate", "--ld-admin"])
    assert result.exit_code == 0, result.output
    assert "Created Ana Ruiz (Store associate)" in result.output
    token = re.search(r"/enrol/(\S+)", result.output).group(1)
    again = runner.invoke(args=["invite", "create", "--name", "Ana Ruiz",
                                "--role", "store-associate", "--days", "2"])
    assert "Found Ana Ruiz" in again.output
    with app.app_context():
        people = db.session.scalars(sa.select(Person)).all()
        assert [(p.display_name, p.is_ld_admin) for p in people] == [("Ana Ruiz", True)]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invite)) == 2
    assert app.test_client().get(f"/enrol/{token}").status_code == 200


def test_invite_create_explains_bad_input(runner, org):
    unknown_role = runner.invoke(args=["invite", "create", "--name", "A", "--role", "pilot"])
    assert unknown_role.exit_code != 0
    assert "There is no role 'pilot'" in unknown_role.output
    bad_days = runner.invoke(args=["invite", "create", "--name", "A", "--role",
                                   "store-associate", "--days", "90"])
    assert bad_days.exit_code != 0 and "30 days" in bad_days.output
    bad_zone = runner.invoke(args=["invite", "create", "--name", "B", "--role",
                                   "store-associate", "--time-zone", "Mars/Base"])
    assert bad_zone.exit_code != 0 and "not a time zone" in bad_zone.output


def test_invite_create_without_an_organisation(runner):
    result = runner.invoke(args=["invite", "create", "--name", "A", "--role", "x"])
    assert result.exit_code != 0 and "seed-demo" in result.output


def test_releases_publish_follows_the_schedule_and_the_budget(app_factory):
    app = app_factory(SKILLPATH_RELEASE_RHO=0.5, SKILLPATH_RELEASE_RHO_YEAR=1.0)
    runner = app.test_cli_runner()
    make_org(app)
    populate(app)
    first = runner.invoke(args=["releases", "publish"])
    assert first.exit_code == 0 and "release 1 published, rho 0.500" in first.output, first.output
    assert "not due (next " in runner.invoke(args=["releases", "publish"]).output
    forced = runner.invoke(args=["releases", "publish", "--now"])
    assert "release 2 published" in forced.output, forced.output
    refused = runner.invoke(args=["releases", "publish", "--now"])
    assert "refused: spent 1.000 of rho 1" in refused.output, refused.output
    budget = runner.invoke(args=["releases", "budget"])
    assert "Per release: rho 0.5 (epsilon 5.22 at delta 1e-06); every 7 days." in budget.output
    assert "Acme Stores: spent rho 1.000 in the last 365 days." in budget.output


def test_settings_that_make_no_sense_stop_the_app(app_factory):
    for bad in ({"SKILLPATH_RELEASE_DAYS": 0}, {"SKILLPATH_RELEASE_RHO": -1.0},
                {"SKILLPATH_RELEASE_RHO": 30.0, "SKILLPATH_RELEASE_RHO_YEAR": 26.0}):
        with pytest.raises(RuntimeError, match="SKILLPATH_RELEASE_"):
            app_factory(**bad)
