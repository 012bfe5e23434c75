"""What an organisation's members share, kept across requests (``pwa.store.memo.shared``).

A bundle built with nothing kept, and again with everything kept, is the same bytes; a
change of what members share (a profile published, an item saved, a role renamed) is in
the very next bundle, whichever process made it and whichever serves it; a transaction
that changes shared rows reads its own changes, not what was kept before them.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa

from pwa import clock
from pwa.extensions import db
from pwa.models import (
    Item,
    Organisation,
    Person,
    PlanSettings,
    ReminderSettings,
    Role,
    UncoveredGap,
)
from pwa.store import catalogue, memo, plans
from tests.factories import (
    ITEM_BASE,
    RECENT_MORNING,
    Api,
    add_lesson,
    add_offline_item,
    associate_rating,
    device,
    make_org,
    person_named,
    publish_change,
    reviewed,
    seed_catalogue,
    session_cookie,
    sign_in_as,
    statements,
)

BOOTSTRAP = "/api/v1/bootstrap"
NOW = clock.now().replace(minute=20, second=0, microsecond=0)
# Tables of what members share: a bundle built with them kept reads none of them first.
SHARED = {"profile_versions", "version_competencies", "items", "item_revisions",
          "practice_fits", "releases", "people JOIN role_authors"}


def first_read(statement: str) -> str:
    """The table a statement reads first (with the join of the authors' names)."""
    flat = re.sub(r"\s+", " ", statement)
    after = flat.split(" FROM ", 1)[1] if " FROM " in flat else flat
    return "people JOIN role_authors" if after.startswith("people JOIN role_authors") \
        else after.split(" ")[0]


@pytest.fixture(autouse=True)
def still_clock(monkeypatch):
    """Every request at one instant: no hour turns between two bundles compared."""
    monkeypatch.setattr(clock, "now", lambda: NOW)


def forget(app) -> None:
    with app.app_context():
        memo.kept().clear()


def sync(api: Api, *events: dict[str, Any]) -> None:
    answer = api.post("/api/v1/sync", {"events": list(events)}).get_json()
    assert answer["accepted"] == [e["id"] for e in events], answer


def learner(app) -> Api:
    """Ana, with a plan of catalogue items, an offline item, a lesson begun and one planned."""
    seed_catalogue(app)
    add_offline_item(app)
    lesson = add_lesson(app)
    add_lesson(app, "Till closing")
    api = sign_in_as(app, "Ana Ruiz")
    sync(api, associate_rating(1, "greet"), associate_rating(1, "tills"), reviewed(lesson, 0))
    return api


def cold(app, api: Api) -> bytes:
    forget(app)
    answer = api.get(BOOTSTRAP)
    assert answer.status_code == 200
    return answer.data


def test_a_bundle_is_the_same_bytes_cold_and_warm_and_reads_no_shared_row_warm(app, org):
    api = learner(app)
    first = cold(app, api)
    bundle = api.get(BOOTSTRAP).get_json()
    assert bundle["practice"]["lessons"] and bundle["plan"]["lines"]
    assert bundle["content"]["items"] and bundle["reports"]
    with statements(app) as warm:
        again = api.get(BOOTSTRAP)
    assert again.data == first
    assert {first_read(s) for s in warm} & SHARED == set(), warm
    forget(app)
    with statements(app) as read:
        assert api.get(BOOTSTRAP).data == first
    assert len(warm) < len(read) - 5


@pytest.mark.parametrize("change", ["profile", "item", "role"])
def test_a_change_of_what_members_share_is_in_the_next_bundle(app, org, change):
    api = learner(app)
    api.get(BOOTSTRAP)  # kept
    before = api.get(BOOTSTRAP).get_json()
    if change == "profile":
        author = person_named(app, "Grace Okafor")
        publish_change(app, author, 0, lambda c: replace(c, name="Welcoming customers"),
                       "Reworded.")
    elif change == "item":
        add_offline_item(app, "Greeting at the door")
    else:
        with app.app_context():
            role = db.session.scalar(sa.select(Role).where(Role.slug == "store-associate"))
            role.name = "Shop associate"
            db.session.commit()
    after = api.get(BOOTSTRAP)
    assert after.get_json() != before
    assert after.data == cold(app, api)  # what a process with nothing kept builds
    if change == "profile":
        assert after.get_json()["profiles"]["store-associate"]["number"] == 2
    elif change == "item":
        assert len(after.get_json()["content"]["items"]) == 2
    else:
        assert after.get_json()["person"]["role"]["name"] == "Shop associate"


def test_two_processes_each_see_the_others_change_at_once(app_factory):
    """Two apps on one database are two processes: each keeps its own values, and a change
    made through one is what the other serves next, never what it kept before."""
    one, two = app_factory(), app_factory()
    make_org(one)
    api = learner(one)
    other = device(two, cookie=session_cookie(api))  # the same phone, the other server
    shown = api.get(BOOTSTRAP).get_json()
    assert other.get(BOOTSTRAP).get_json() == shown  # both keep it now
    with one.app_context(), two.app_context():
        assert len(memo.kept()) > 0
    with two.app_context():
        assert one.extensions[memo.EXTENSION] is not two.extensions[memo.EXTENSION]
        org_id = db.session.scalar(sa.select(Organisation.id))
        catalogue.save(org_id, {**ITEM_BASE, "title": "Greeting by name", "format": "course",
                                "competencies": ["store-associate/greet"]},
                       by=None, now=clock.now())
        db.session.commit()
    titles = {x["title"] for x in api.get(BOOTSTRAP).get_json()["plan"]["lines"]} | {
        a["title"] for x in api.get(BOOTSTRAP).get_json()["plan"]["lines"]
        for a in x["alternatives"]}
    assert "Greeting by name" in titles  # made by two, served by one
    add_offline_item(one, "Greeting at the door")
    assert len(other.get(BOOTSTRAP).get_json()["content"]["items"]) == 2  # made by one


def test_a_transaction_that_changes_shared_rows_reads_its_own_changes(app, org):
    """An item saved and the plan built before the commit (as the uncovered gaps are):
    the plan has the new item, though the counter it holds is the one values were kept
    under."""
    api = learner(app)
    api.get(BOOTSTRAP)  # the plan's items kept
    with app.app_context():
        ana = db.session.get(Person, person_named(app, "Ana Ruiz"))
        plans.built(ana)  # kept here too
        catalogue.save(ana.organisation_id, {
            **ITEM_BASE, "title": "Greeting by name", "format": "course",
            "competencies": ["store-associate/greet"]}, by=None, now=clock.now())
        titles = {i.title for i in plans.gather(ana).inputs.items}
        assert "Greeting by name" in titles
        db.session.rollback()
        titles = {i.title for i in plans.gather(ana).inputs.items}
        assert "Greeting by name" not in titles  # rolled back: what was kept stands


def test_the_uncovered_gaps_refreshed_as_items_retire_read_them_retired(app, org):
    """The refresh of the learners' uncovered gaps runs in the transaction that retires the
    items, before it commits: it must see them retired, not as they were kept."""
    api = learner(app)
    api.get(BOOTSTRAP)  # the plan's items kept, none retired
    ana = person_named(app, "Ana Ruiz")
    with app.app_context():
        assert not db.session.scalars(sa.select(UncoveredGap.competency).where(
            UncoveredGap.person_id == ana)).all()
        for item in db.session.scalars(sa.select(Item)):
            if "store-associate/greet" in catalogue.item_dict(
                    catalogue.revision(item.organisation_id, item.key, None))["competencies"]:
                catalogue.retire(item, clock.now())
        db.session.commit()
        assert db.session.scalars(sa.select(UncoveredGap.competency).where(
            UncoveredGap.person_id == ana)).all() == ["greet"]
    assert [u["competency"] for u in api.get(BOOTSTRAP).get_json()["plan"]["uncovered"]] \
        == ["greet"]


def test_kept_values_are_bounded_least_recently_used_first():
    kept = memo.Kept(2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # a used last: b goes first
    kept.put("c", 3)
    assert kept.get("b") is memo._MISSING
    assert (kept.get("a"), kept.get("c"), len(kept)) == (1, 3, 2)


def test_a_persons_rows_of_one_row_each_are_read_in_one_query(app, org):
    api = learner(app)
    sync(api, {"id": str(uuid.uuid4()), "type": "plan.settings.changed", "schema": 1,
               "occurred_at": RECENT_MORNING.isoformat().replace("+00:00", "Z"),
               "device_id": "phone-1", "data": {"weekly_minutes": 45, "formats": ["course"]}})
    ana = person_named(app, "Ana Ruiz")
    with app.app_context(), memo.reading():
        with statements(app) as read:
            memo.rows(ana, PlanSettings, ReminderSettings)
            settings = memo.row(PlanSettings, ana)
            reminders = memo.row(ReminderSettings, ana)
        assert len(read) == 1
        assert settings is not None and settings.weekly_minutes == 45
        assert reminders is None  # none saved: remembered as none, not asked again
    with app.app_context(), statements(app) as outside:
        assert memo.row(ReminderSettings, ana) is None  # outside reading: read every time
        assert memo.row(ReminderSettings, ana) is None
    assert len(outside) == 2
