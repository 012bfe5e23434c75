"""L&D reports: counting on the latest rating, releases, filters, pages and API."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from pwa import clock, demo
from pwa.extensions import db
from pwa.models import Organisation, Role
from pwa.store import analytics, people, releases
from pwa.sync.ingest import ingest
from tests.factories import comp, make_org, publish_profile, sign_in_as

TOO_FEW = "too few people to show"
# Noise so small that every released count is the true one: the pipeline can be checked
# number by number (the privacy tests use the configured budget).
EXACT = {"SKILLPATH_RELEASE_RHO": 1000.0, "SKILLPATH_RELEASE_RHO_YEAR": 1e6}


def rate(app, name, role, ratings, *, site=None, future=None, when=None, holds=None):
    """``name`` (who ``holds`` a role, created if new, at ``site``) rates ``ratings``
    {key: level} of ``role``'s profile through sync."""
    when = when or clock.now() - timedelta(days=1)
    with app.app_context():
        org = db.session.scalars(sa.select(Organisation)).first()
        person, _ = people.ensure_person(org, name, people.role_by_slug(org, holds or role),
                                         site=site)
        if future:
            person.future_role_id = people.role_by_slug(org, future).id
        stamp = when.isoformat().replace("+00:00", "Z")
        events = [{"id": str(uuid.uuid4()), "type": "rating.set", "schema": 1,
                   "occurred_at": stamp, "device_id": "t",
                   "data": {"role": role, "competency": key, "version": 1, "level": level,
                            "note": None}} for key, level in ratings.items()]
        result = ingest(person, events, clock.now())
        assert not result.refused, result.refused
        db.session.commit()


def role(slug):
    return db.session.scalar(sa.select(Role).where(Role.slug == slug))


# Counting -------------------------------------------------------------------------------

def test_atoms_count_the_latest_rating_of_people_in_the_role(app, org):
    publish_profile(app)  # store-associate: greet (target 3), tills (target 2)
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=(comp("pick", "Picking"),))
    earlier = clock.now() - timedelta(days=5)
    rate(app, "Ana Ruiz", "store-associate", {"greet": 1, "tills": 2}, site="North",
         when=earlier)
    rate(app, "Ana Ruiz", "store-associate", {"greet": 4})  # the latest wins
    rate(app, "Ben Ode", "store-associate", {"greet": 2}, site="South", future="warehouse-picker")
    # A picker who rated the store's profile (say, for a future role) is not one of its learners.
    rate(app, "Wes Moyo", "store-associate", {"greet": 1}, holds="warehouse-picker")
    rate(app, "Wes Moyo", "warehouse-picker", {"pick": 3})
    with app.app_context():
        assert analytics.atoms(role("store-associate")) == {
            ("greet", "North", "", 4): 1, ("tills", "North", "", 2): 1,
            ("greet", "South", "warehouse-picker", 2): 1}
        assert analytics.atoms(role("warehouse-picker")) == {("pick", "", "", 3): 1}


def test_a_tie_in_time_counts_one_rating(app, org):
    publish_profile(app)
    when = clock.now() - timedelta(days=1)
    rate(app, "Ana Ruiz", "store-associate", {"greet": 1}, when=when)
    rate(app, "Ana Ruiz", "store-associate", {"greet": 5}, when=when)
    with app.app_context():
        counts = analytics.atoms(role("store-associate"))
        assert sum(counts.values()) == 1


# A crafted organisation: one site of 4 people -------------------------------------------

@pytest.fixture
def exact(app_factory) -> Flask:
    return app_factory(**EXACT)


def publish(app, *, days_later=0):
    """Publish the organisation's next release, ``days_later`` days from now."""
    with app.app_context():
        org = db.session.scalars(sa.select(Organisation)).first()
        release = releases.publish(org.id, clock.now() + timedelta(days=days_later))
        db.session.commit()
        return release.status


def populate(app):
    """Store associates: 6 at North, 4 at South (two of them want to pick in the warehouse)."""
    publish_profile(app)
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=(comp("pick", "Picking"),))
    levels = [1, 2, 2, 3, 4, 2, 1, 3, 2, 5]
    for n, level in enumerate(levels):
        rate(app, f"Learner {n:02d}", "store-associate", {"greet": level, "tills": 1 + n % 3},
             site="North" if n < 6 else "South",
             future="warehouse-picker" if n in (7, 8) else None)
    return levels


@pytest.fixture
def crafted(exact, org_in):
    populate(exact)
    assert publish(exact) == releases.PUBLISHED
    return exact


@pytest.fixture
def org_in(exact):
    return make_org(exact)


def test_a_release_counts_exactly_what_the_database_holds_when_noise_is_tiny(crafted):
    admin = sign_in_as(crafted, "Priya Nair", "warehouse-picker", ld_admin=True)
    body = admin.get("/api/v1/analytics/priorities?role=store-associate").get_json()
    assert body["release"]["sequence"] == 1 and body["threshold"] == 5
    greet = next(r for r in body["competencies"] if r["competency"] == "greet")
    assert greet["assessed"]["value"] == 10
    # Levels 1 and 2 (2 and 4 people) are under target 3: 6 below target.
    assert greet["below_target"]["value"] == 6
    assert greet["levels"]["2"] is None  # 4 people: under the threshold, too few to show
    assert greet["levels"]["1"] is None and greet["levels"]["5"] is None
    south = admin.get("/api/v1/analytics/priorities?role=store-associate&site=South")
    assert south.status_code == 200
    for r in south.get_json()["competencies"]:
        assert r["assessed"] is None and r["below_target"] is None  # a site of four
    page = admin.get("/reports/priorities/store-associate?site=South")
    assert page.status_code == 200 and TOO_FEW in page.get_data(as_text=True)


def test_bad_filters_are_clear_errors(crafted):
    admin = sign_in_as(crafted, "Priya Nair", "warehouse-picker", ld_admin=True)
    for query, field in (("&site=Nowhere", "site"), ("&future_role=astronaut", "future_role")):
        answer = admin.get(f"/api/v1/analytics/priorities?role=store-associate{query}")
        assert answer.status_code == 422
        body = answer.get_json()
        assert body["error"] == "invalid_input" and body["details"]["field"] == field
    assert admin.get("/api/v1/analytics/priorities?role=nope").status_code == 404
    assert admin.get("/api/v1/analytics/priorities").status_code == 422
    assert admin.get("/api/v1/analytics/priorities?role=store-associate&x=1").status_code == 422
    page = admin.get("/reports/priorities/store-associate?site=Nowhere")
    assert page.status_code == 422
    assert "Nowhere" in page.get_data(as_text=True)
    assert admin.get("/reports/priorities/nope").status_code == 404


def test_learners_get_the_error_shape(crafted):
    learner = sign_in_as(crafted, "Learner 00")
    for path in ("/api/v1/gaps", "/api/v1/analytics/priorities?role=store-associate"):
        answer = learner.get(path)
        assert answer.status_code == 403
        assert set(answer.get_json()) == {"code", "error", "message", "details"}


def test_nothing_changes_within_a_period_and_the_next_release_sees_the_change(crafted):
    admin = sign_in_as(crafted, "Priya Nair", "warehouse-picker", ld_admin=True)
    paths = ["/api/v1/analytics/priorities?role=store-associate", "/api/v1/gaps",
             "/reports/priorities/store-associate", "/reports/case/store-associate",
             "/reports/gaps"]

    def read():  # a page's CSRF token carries the second it was signed: not a number shown
        return [re.sub(rb'name="csrf-token" content="[^"]*"', b"", admin.get(p).get_data())
                for p in paths]

    before = read()
    rate(crafted, "Learner 10", "store-associate", {"greet": 1, "tills": 1}, site="North")
    rate(crafted, "Learner 00", "store-associate", {"greet": 5})
    assert read() == before
    assert publish(crafted, days_later=7) == releases.PUBLISHED
    body = admin.get("/api/v1/analytics/priorities?role=store-associate").get_json()
    greet = next(r for r in body["competencies"] if r["competency"] == "greet")
    assert greet["assessed"]["value"] == 11 and body["release"]["sequence"] == 2


def test_a_release_past_the_yearly_budget_is_refused_and_the_last_one_stays(app_factory):
    app = app_factory(SKILLPATH_RELEASE_RHO=0.5, SKILLPATH_RELEASE_RHO_YEAR=1.0)
    make_org(app)
    populate(app)
    assert publish(app) == releases.PUBLISHED
    assert publish(app, days_later=7) == releases.PUBLISHED
    assert publish(app, days_later=14) == releases.REFUSED  # 1.5 > 1.0 in 365 days
    admin = sign_in_as(app, "Priya Nair", "warehouse-picker", ld_admin=True)
    body = admin.get("/api/v1/analytics/priorities?role=store-associate").get_json()
    assert body["release"]["sequence"] == 2
    page = admin.get("/reports/priorities/store-associate").get_data(as_text=True)
    assert "was not made" in page
    # A year after the first, the budget allows one again.
    assert publish(app, days_later=366) == releases.PUBLISHED


# The demo organisation -----------------------------------------------------------------

@pytest.fixture
def demo_admin(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "release 1 published" in result.output
    return sign_in_as(app, demo.LD_ADMIN[0], demo.LD_ADMIN[1], ld_admin=True)


def test_demo_reports_come_from_its_first_release(app, demo_admin):
    gaps = demo_admin.get("/api/v1/gaps").get_json()
    assert gaps["release"]["sequence"] == 1
    page = demo_admin.get("/reports/gaps").get_data(as_text=True)
    assert "These numbers come from the release of" in page
    for path in ("/reports", "/reports/priorities/store-associate",
                 "/reports/case/warehouse-picker", "/reports/case/store-associate"):
        answer = demo_admin.get(path)
        assert answer.status_code == 200, path
        text = answer.get_data(as_text=True)
        assert "Privacy loss of this release" in text
        for name in ("Marcus Johnson", "Lucia Fernandez"):  # no page names a learner
            assert name not in text
    case = demo_admin.get("/reports/case/warehouse-picker").get_data(as_text=True)
    assert "Print or save as PDF" in case and "A trend needs two releases" in case
    store = demo_admin.get("/api/v1/analytics/priorities?role=store-associate").get_json()
    assert store["filters"]["sites"] == [demo.HIGH_STREET, demo.RIVERSIDE]
    scores = [r["priority"] for r in store["competencies"] if r["priority"] is not None]
    assert scores == sorted(scores, reverse=True)
