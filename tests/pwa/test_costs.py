"""What learning costs: item fees summed for a programme and a plan, and the organisation's
hourly cost of learning time and currency, kept by the store and set by L&D."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from engine.costs import Costs
from engine.errors import InvalidInput
from pwa import clock
from pwa.extensions import db
from pwa.models import Organisation, Person, Role
from pwa.store import catalogue, people, plans
from tests.factories import ITEM_BASE, comp, publish_profile, sign_in_as, token


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
        assert catalogue.programme(associate) == (30 + 60 + 30, 2500 + 12000)
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


# The L&D page ---------------------------------------------------------------------------

def costs_form(html, **changes):
    return {"csrf_token": token(html), "hourly_cost": "", "currency": "GBP", **changes}


def saved(app, org):
    with app.app_context():
        acme = db.session.get(Organisation, org["id"])
        return acme.hourly_cost_cents, acme.currency


def test_ld_sets_the_hourly_cost_and_the_currency(app, org):
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    assert 'href="/admin/costs"' in admin.get("/admin").get_data(as_text=True)
    page = admin.get("/admin/costs").get_data(as_text=True)
    assert "Saved: no hourly cost yet; fees in GBP." in page
    assert re.search(r'<input [^>]*id="hourly_cost"[^>]*value=""', page)
    assert '<option selected value="GBP">GBP · British Pound</option>' in page
    done = admin.client.post("/admin/costs", data=costs_form(page, hourly_cost="12.5"),
                             follow_redirects=True)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "Costs saved." in html
    assert "Saved: £12.50 an hour; fees in GBP." in html and 'value="12.50"' in html
    assert saved(app, org) == (1250, "GBP")
    # Another currency, and the hourly cost emptied: not set any more.
    admin.client.post("/admin/costs", data=costs_form(page, currency="EUR"))
    assert saved(app, org) == (None, "EUR")


@pytest.mark.parametrize(("typed", "currency", "message"), [
    ("-3", "GBP", "The hourly cost cannot be less than zero."),
    ("10000.01", "GBP", "That hourly cost is too large: check the amount."),
    ("twelve", "GBP", "Write an amount of money, such as 25.00."),
    ("12,50", "GBP", "Write an amount of money, such as 25.00."),
    ("1e3", "GBP", "Write an amount of money, such as 25.00."),
    ("NaN", "GBP", "Write an amount of money, such as 25.00."),
    ("9" * 40, "GBP", "Write an amount of money, such as 25.00."),
    ("12.505", "GBP", "Write the amount with at most two decimal places, such as 25.00."),
    ("12.50", "XXX", "Not a valid choice."),
    ("12.50", "", "This field is required."),
])
def test_bad_costs_are_said_at_their_field_and_keep_what_was_typed(app, org, typed, currency,
                                                                   message):
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    page = admin.get("/admin/costs").get_data(as_text=True)
    answer = admin.client.post("/admin/costs",
                               data=costs_form(page, hourly_cost=typed, currency=currency))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    field = "currency" if currency != "GBP" else "hourly_cost"
    assert re.search(rf'<p class="field-error" id="{field}-error">{re.escape(message)}</p>',
                     html), html
    assert f'value="{typed}"' in html  # kept as typed, to correct
    assert saved(app, org) == (None, "GBP")


def test_the_costs_page_reads_and_writes_amounts_as_the_reader_does(app, org):
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    with app.app_context():
        priya = db.session.scalar(sa.select(Person).where(Person.display_name == "Priya N"))
        priya.locale = "de-DE"  # English words (no German catalogue), German numbers
        db.session.commit()
    page = admin.get("/admin/costs").get_data(as_text=True)
    admin.client.post("/admin/costs", data=costs_form(page, hourly_cost="1.012,50"))
    assert saved(app, org) == (101250, "GBP")
    html = admin.get("/admin/costs").get_data(as_text=True)
    assert 'value="1012,50"' in html and "Saved: 1.012,50\xa0£ an hour" in html
    answer = admin.client.post("/admin/costs", data=costs_form(page, hourly_cost="12.50"))
    assert answer.status_code == 422 and "such as 25,00." in answer.get_data(as_text=True)


def test_only_ld_admins_see_or_set_the_costs(app, org):
    publish_profile(app)  # Grace, an author, is no L&D admin either
    for name in ("Ana Ruiz", "Grace Okafor"):
        person = sign_in_as(app, name)
        assert person.get("/admin/costs").status_code == 403
        html = person.get("/").get_data(as_text=True)
        assert person.client.post("/admin/costs", data=costs_form(
            html, hourly_cost="1.00")).status_code == 403
    assert saved(app, org) == (None, "GBP")
