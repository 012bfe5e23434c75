"""Every transaction that moves an organisation's counter locks its row before people's.

The mentor assignment locks its organisation's row, then moves people's counters. A
page that moved people's counters (or wrote a person's row: a rename, an HR file)
before the organisation's took the two locks the other way round, and PostgreSQL ended
one of the two transactions as a deadlock: the page answered 500. Here a rival
transaction plays the assignment; the page's change and the rival both commit. On
SQLite the database's one write lock orders them anyway, and both commit there too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import Organisation, Person
from pwa.store import bundles
from tests.factories import make_person


def race_with_the_assignment(app, org_id: int, person_id: int,
                             change: Callable[[], None]) -> list[BaseException]:
    """``change`` commits in a thread while a rival holds the organisation's lock and
    then moves the person's counter; the errors either met."""
    errors: list[BaseException] = []
    started = threading.Event()

    def page() -> None:
        with app.app_context():
            try:
                started.set()
                change()
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported to the test
                errors.append(exc)
                db.session.rollback()

    people = Person.__table__
    with app.app_context():
        with db.engine.connect() as rival:
            if rival.dialect.name == "postgresql":
                rival.execute(sa.select(Organisation.id).where(Organisation.id == org_id)
                              .with_for_update(key_share=True))
            else:  # the assignment's first statement, a write, holds the one write lock
                rival.execute(sa.update(Organisation.__table__)
                              .where(Organisation.id == org_id)
                              .values(bundle_version=Organisation.bundle_version))
            thread = threading.Thread(target=page)
            thread.start()
            assert started.wait(5)
            time.sleep(0.5)  # the page has written what it writes before it waits
            try:
                rival.execute(sa.update(people).where(people.c.id == person_id)
                              .values(bundle_version=people.c.bundle_version + 1))
                rival.commit()
            except BaseException as exc:  # noqa: BLE001 - reported to the test
                errors.append(exc)
                rival.rollback()
            thread.join(30)
            assert not thread.is_alive()
    return errors


def versions(app, org_id: int, person_id: int) -> tuple[int, int]:
    with app.app_context():
        return (db.session.get(Organisation, org_id).bundle_version,
                db.session.get(Person, person_id).bundle_version)


def test_a_rename_and_the_assignment_both_commit(app, org):
    ana = make_person(app)
    before = versions(app, org["id"], ana)

    def rename() -> None:
        db.session.get(Person, ana).display_name = "Ana R. Ruiz"  # seen by colleagues

    assert race_with_the_assignment(app, org["id"], ana, rename) == []
    with app.app_context():
        assert db.session.get(Person, ana).display_name == "Ana R. Ruiz"
    organisation, person = versions(app, org["id"], ana)
    assert organisation > before[0] and person >= before[1] + 2  # the page's, the rival's


def test_marked_people_and_organisation_and_the_assignment_both_commit(app, org):
    ana = make_person(app)
    before = versions(app, org["id"], ana)

    def mark() -> None:  # as a published profile marks its authors and organisation
        bundles.people([ana])
        bundles.organisation(org["id"])

    assert race_with_the_assignment(app, org["id"], ana, mark) == []
    organisation, person = versions(app, org["id"], ana)
    assert organisation == before[0] + 1 and person == before[1] + 2
