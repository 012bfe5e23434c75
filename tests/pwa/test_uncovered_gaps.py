"""The read model of uncovered gaps equals the plans it is kept for, whatever changes them.

Ratings come through the sync, profiles are published, items are added to the
catalogue, retired and restored, in a random order (seeded): after each change
every learner's rows in ``uncovered_gaps`` are what building their plan now finds
uncovered, and the mentor assignment suggests what it did when it built every plan.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pwa import clock
from pwa.extensions import db
from pwa.models import Item, Organisation, Person, ProfileVersion, Role, UncoveredGap
from pwa.store import catalogue, gaps, plans
from tests.factories import (
    DEFAULT_COMPS,
    ITEM_BASE,
    PICKER_COMPS,
    publish_change,
    publish_profile,
    rate,
)

ROLES = {"store-associate": [c.key for c in DEFAULT_COMPS],
         "warehouse-picker": [c.key for c in PICKER_COMPS]}
LEARNERS = [("Ana Ruiz", "store-associate", None), ("Ben Okoro", "store-associate",
                                                    "warehouse-picker"),
            ("Chen Li", "warehouse-picker", None), ("Dana Novak", "warehouse-picker",
                                                     "store-associate"),
            ("Eve Adams", "store-associate", None)]


def stored(app) -> dict[int, list[tuple[str, int, int]]]:
    with app.app_context():
        found: dict[int, list[tuple[str, int, int]]] = {}
        for row in db.session.scalars(sa.select(UncoveredGap).order_by(
                UncoveredGap.person_id, UncoveredGap.competency)):
            found.setdefault(row.person_id, []).append((row.competency, row.level, row.needed))
        return found


def truth(app) -> dict[int, list[tuple[str, int, int]]]:
    with app.app_context():
        found: dict[int, list[tuple[str, int, int]]] = {}
        for person in db.session.scalars(sa.select(Person).order_by(Person.id)):
            rows = sorted((u.competency, u.level, u.needed)
                          for u in plans.built(person).uncovered)
            if rows:
                found[person.id] = rows
        return found


def version(app, role_slug: str) -> int:
    with app.app_context():
        number: int = db.session.scalar(
            sa.select(sa.func.max(ProfileVersion.number)).join(Role)
            .where(Role.slug == role_slug, ProfileVersion.status == "published"))
        return number


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_read_model_equals_the_plans_after_random_changes(app, org, seed):
    rng = random.Random(seed)
    authors = {"store-associate": publish_profile(app),
               "warehouse-picker": publish_profile(app, "warehouse-picker", "Wes Moyo",
                                                   comps=PICKER_COMPS)}
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
    day = 0
    seen: list[int] = []
    for step in range(30):
        what = rng.choice(["rate", "rate", "rate", "publish", "item", "retire", "restore"])
        day += 1
        if what == "rate":
            name, role, future = rng.choice(LEARNERS)
            target = rng.choice([role, future] if future else [role])
            keys = rng.sample(ROLES[target], rng.randint(1, len(ROLES[target])))
            rate(app, name, target, {k: rng.randint(1, 5) for k in keys}, holds=role,
                 future=future, version=version(app, target),
                 when=clock.now() - timedelta(days=60) + timedelta(hours=day))
        elif what == "publish":
            role = rng.choice(list(ROLES))
            index = rng.randrange(len(ROLES[role]))
            new_target = rng.randint(1, 5)

            def change(c, new_target=new_target):
                return dataclasses.replace(c, target=new_target if new_target != c.target
                                           else (c.target % 5) + 1)

            publish_change(app, authors[role], index, change, f"Step {step}.",
                           role_slug=role)
        elif what == "item":
            role = rng.choice(list(ROLES))
            low = rng.randint(1, 5)
            with app.app_context():
                catalogue.save(org_id, {**ITEM_BASE, "title": f"Item {step}", "format": "course",
                                        "summary": "Practise it.", "level_from": low,
                                        "level_to": min(5, low + rng.randint(0, 1)),
                                        "competencies": [f"{role}/{rng.choice(ROLES[role])}"]},
                               by=None, now=clock.now())
                db.session.commit()
        else:
            with app.app_context():
                items = db.session.scalars(sa.select(Item).order_by(Item.id)).all()
                if items:
                    item = rng.choice(items)
                    if what == "retire":
                        catalogue.retire(item, clock.now())
                    else:
                        catalogue.restore(item)
                    db.session.commit()
        now = stored(app)
        assert now == truth(app), (seed, step, what)
        seen.append(sum(map(len, now.values())))
    assert max(seen) > 0 and len(set(seen)) > 1, seen  # gaps came and went


def test_the_command_fills_the_table_and_a_rolled_back_change_refreshes_nothing(
        app, org, runner):
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=PICKER_COMPS)
    rate(app, "Chen Li", "warehouse-picker", {"scan": 1, "pick": 2})
    before = truth(app)
    assert stored(app) == before and before
    with app.app_context():
        db.session.execute(sa.delete(UncoveredGap))
        db.session.commit()
    assert stored(app) == {}
    result = runner.invoke(args=["plans", "summarise"])
    assert result.exit_code == 0, result.output
    assert stored(app) == before
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        catalogue.save(org_id, {**ITEM_BASE, "title": "Scanning", "format": "course",
                                "summary": "Scan well.",
                                "competencies": ["warehouse-picker/scan"]},
                       by=None, now=clock.now())
        db.session.rollback()  # never saved: the marks go with it
        assert gaps.refresh_marked() == 0
    assert stored(app) == before


def test_a_rating_builds_the_plan_again_only_where_a_level_it_reads_may_move(
        app, org, monkeypatch):
    publish_profile(app)
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=PICKER_COMPS)
    built: list[int] = []
    refresh = gaps.refresh

    def counted(person_ids):
        ids = sorted(set(person_ids))
        built.extend(ids)
        return refresh(ids)

    monkeypatch.setattr(gaps, "refresh", counted)
    start = clock.now() - timedelta(days=30)

    def rated(name, ratings, hours, **kw):
        built.clear()
        rate(app, name, "store-associate", ratings, when=start + timedelta(hours=hours), **kw)
        assert stored(app) == truth(app)
        return len(built)

    assert rated("Ana Ruiz", {"greet": 2, "tills": 1}, 1) == 1  # rated for the first time
    assert rated("Ana Ruiz", {"greet": 2, "tills": 1}, 2) == 0  # later, the same levels
    assert rated("Ana Ruiz", {"greet": 4}, 0) == 0  # older than the one that stands
    assert rated("Ana Ruiz", {"greet": 3}, 3) == 1  # later, another level
    assert rated("Ana Ruiz", {"greet": 5}, 3) == 1  # the same instant: the ids decide
    assert rated("Ana Ruiz", {"tills": 1, "greet": 1}, 4) == 1  # one of two moves
    # With a future role, which of two shared competencies' ratings stands goes by time.
    assert rated("Ben Okoro", {"greet": 2}, 1, future="warehouse-picker") == 1
    assert rated("Ben Okoro", {"greet": 2}, 2, future="warehouse-picker") == 1
