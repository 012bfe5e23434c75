"""The demo content is real and complete: checked against the rules and the issue's counts."""

from __future__ import annotations

import json
from collections import Counter

import sqlalchemy as sa

from engine import catalogue as catalogue_rules
from engine import profiles as profile_rules
from pwa import demo
from pwa.extensions import db
from pwa.models import Feedback, Item, Role
from pwa.store import catalogue, people
from pwa.store import profiles as store

ROLES = ("store-associate", "warehouse-picker", "home-care-assistant")


def load(name):
    return json.loads((demo.CONTENT / f"{name}.json").read_text(encoding="utf-8"))


def test_profiles_follow_the_rules():
    for slug in ROLES:
        data = load(slug)
        assert data["role"] == slug
        for version in data["versions"]:
            comps = [profile_rules.Competency.from_dict(c) for c in version["competencies"]]
            profile_rules.validate(comps)
            assert 8 <= len(comps) <= 12, slug
            for c in comps:
                assert all(len(text.split()) >= 5 for text in c.levels), (slug, c.key)
            assert version["summary"].strip()
            assert version["author"] in demo.AUTHORS[slug]
        assert data["open_feedback"], slug
    store_versions = load("store-associate")["versions"]
    assert len(store_versions) == 2
    old, new = (
        [profile_rules.Competency.from_dict(c) for c in v["competencies"]] for v in store_versions)
    changes = Counter(c for d in profile_rules.diff(old, new) for c in d.changes)
    assert changes["added"] and changes["removed"] and changes["target_changed"]


def test_catalogue_follows_the_rules_and_leaves_a_true_gap():
    items = load("catalogue")
    keys = {slug: {c["key"] for c in load(slug)["versions"][-1]["competencies"]}
            for slug in ROLES}
    for item in items:
        catalogue_rules.validate(catalogue.content_from(item))
        for ref in item["competencies"]:
            role, _, key = ref.partition("/")
            assert key in keys[role], (item["key"], ref)
    assert 35 <= len(items) <= 45
    assert {i["format"] for i in items} == {f.value for f in catalogue_rules.Format}
    offline_micro = [i for i in items if i["format"] == "micro_lesson" and i["offline"]]
    assert len(offline_micro) >= 15
    assert all(3 <= i["duration_minutes"] <= 6 and len(i["cards"]) >= 3 and i["questions"]
               for i in offline_micro)
    covered = {ref for i in items for ref in i["competencies"]}
    uncovered = {f"{role}/{key}" for role in ROLES for key in keys[role]} - covered
    assert uncovered == {"warehouse-picker/scanner-systems"}


def test_seed_builds_profiles_feedback_and_catalogue(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        for slug in ROLES:
            role = db.session.scalar(sa.select(Role).where(Role.slug == slug))
            current = store.current(role)
            assert current is not None and len(current.lines) >= 8
            assert [p.display_name for p in people.authors(role)] == sorted(demo.AUTHORS[slug])
        sa_role = db.session.scalar(sa.select(Role).where(Role.slug == "store-associate"))
        assert [v.number for v in store.published(sa_role)] == [1, 2]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Feedback).where(
            Feedback.status == "open")) == 5
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == 45


def test_every_format_fits_its_column():
    """SQLite keeps any length; PostgreSQL refuses a format longer than the column."""
    from engine.catalogue import Format
    from pwa.models import ItemRevision

    assert max(len(f.value) for f in Format) <= ItemRevision.__table__.c.format.type.length
