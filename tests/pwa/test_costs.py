"""What learning costs: item fees summed for a programme and a plan, and the organisation's
hourly cost of learning time and currency, kept by the store and set by L&D."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine.costs import Costs
from engine.errors import InvalidInput
from pwa import clock
from pwa.extensions import db
from pwa.models import Organisation, Person, Role
from pwa.store import analytics, catalogue, people, plans
from tests.factories import ITEM_BASE, comp, publish_profile, sign_in_as


def add(org_id, title, competencies, fee_cents=None, fmt="course", minutes=30):
    data = {**ITEM_BASE, "title": title, "format": fmt, "competencies": competencies,
            "duration_minutes": minutes}
    if fee_cents is not None:
        data["fee_cents"] = fee_cents
    return catalogue.save(org_id, data, by=None, now=clock.now()).item


def role(slug):
    return db.session.scalar(sa.select(Role).where(Role.slug == slug))


def test_a_programme_costs_the_fees_of_the_roles_active_items_each_once(app, org):
    publish_profile(app)
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=(comp("pick", "Picking"),))
    with app.app_context():
        add(org["id"], "Till basics", ["store-associate/tills"], 2500)
        # Develops two of the role's competencies: one programme pays for it once.
        both = add(org["id"], "Service at the till", ["store-associate/tills",
                                                      "store-associate/greet"], 12000, minutes=60)
        add(org["id"], "Greeting in ten seconds", ["store-associate/greet"])  # free
        retired = add(org["id"], "Old greeting course", ["store-associate/greet"], 9900)
        catalogue.retire(retired, clock.now())
        add(org["id"], "Pick paths", ["warehouse-picker/pick"], 40000)  # another role's
        db.session.commit()
        associate, picker = role("store-associate"), role("warehouse-picker")
        assert catalogue.programme_fees_cents(associate) == 2500 + 12000
        assert catalogue.programme_fees_cents(picker) == 40000
        # The same items as the programme's minutes: fees and hours describe one programme.
        assert analytics.programme_minutes(associate) == 30 + 60 + 30
        # Only the current revision counts: a new revision may change the fee.
        catalogue.save(org["id"], {**ITEM_BASE, "title": "Service at the till",
                                   "format": "course", "duration_minutes": 60,
                                   "competencies": ["store-associate/tills"], "fee_cents": 15000},
                       item=both, by=None, now=clock.now())
        assert catalogue.programme_fees_cents(associate) == 2500 + 15000
        assert catalogue.item_dict(both.revisions[0])["fee_cents"] == 12000
        # Retiring every item leaves nothing to pay; a role with no items costs 0.
        for item in (both, catalogue.item_by_key(org["id"], "till-basics")):
            catalogue.retire(item, clock.now())
        assert catalogue.programme_fees_cents(associate) == 0


def test_a_role_without_a_profile_has_a_programme_of_nothing(app, org):
    with app.app_context():
        assert catalogue.programme_fees_cents(role("store-associate")) == 0


def test_a_plans_lines_carry_the_fees_of_their_items(app, org):
    publish_profile(app)
    with app.app_context():
        add(org["id"], "Till basics", ["store-associate/tills"], 2500)
        add(org["id"], "Greeting well", ["store-associate/greet"], 12000, fmt="classroom")
        db.session.commit()
    ana = sign_in_as(app, "Ana Ruiz")
    answer = ana.post("/api/v1/sync", {"events": [
        {"id": f"00000000-0000-4000-8000-00000000000{n}", "type": "rating.set", "schema": 1,
         "occurred_at": clock.now().isoformat().replace("+00:00", "Z"), "device_id": "phone-1",
         "data": {"role": "store-associate", "competency": key, "version": 1, "level": 1,
                  "note": None}} for n, key in enumerate(("greet", "tills"))]}).get_json()
    assert len(answer["accepted"]) == 2, answer
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
        plan = plans.built(person)
        assert sorted((line.item.title, line.item.fee_cents) for line in plan.active) == [
            ("Greeting well", 12000), ("Till basics", 2500)]
        assert sum(line.item.fee_cents for line in plan.active) == 14500


def test_the_organisations_costs_start_unset_in_pounds_and_are_checked(app, org):
    with app.app_context():
        acme = db.session.get(Organisation, org["id"])
        assert people.costs(acme) == Costs(None, "GBP")
        assert people.set_costs(acme, 1250, "EUR") == Costs(1250, "EUR")
        db.session.commit()
        assert people.costs(db.session.get(Organisation, org["id"])) == Costs(1250, "EUR")
        with pytest.raises(InvalidInput) as caught:
            people.set_costs(acme, -100, "XXX")
        assert [p["field"] for p in caught.value.details["problems"]] == [
            "hourly_cost_cents", "currency"]
        assert people.costs(acme) == Costs(1250, "EUR")  # nothing half-kept
        assert people.set_costs(acme, None, "GBP") == Costs(None, "GBP")  # unset again
