"""The catalogue: L&D pages create, revise and retire items; the API serves them."""

from __future__ import annotations

import re

import sqlalchemy as sa

from pwa import clock
from pwa.extensions import db
from pwa.models import Item, ItemRevision, Organisation
from pwa.store import catalogue
from tests.factories import publish_profile, sign_in_as, token

QUESTIONS = "? Where is the nearest fire exit?\n* Through the back of the stockroom\n- " \
            "Through the front doors only\n> Know two ways out."


def item_form(html, **changes):
    data = {"csrf_token": token(html), "title": "Fire exits on the shop floor",
            "format": "micro_lesson", "summary": "Know your way out.", "duration_minutes": "4",
            "language": "en-GB", "level_from": "1", "level_to": "3",
            "competencies": ["store-associate/greet"], "offline": "y", "url": "",
            "cards": "Every store has at least two exits.\n---\nKeep fire doors clear.",
            "questions": QUESTIONS}
    data.update(changes)
    return data


def test_ld_admin_creates_revises_and_retires_an_item(app, org):
    publish_profile(app)
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    page = admin.get("/admin/catalogue/new").get_data(as_text=True)
    created = admin.client.post("/admin/catalogue/new", data=item_form(page),
                                follow_redirects=True)
    assert "Saved “Fire exits on the shop floor” (revision 1)" in created.get_data(as_text=True)
    edit = admin.get("/admin/catalogue/fire-exits-on-the-shop-floor").get_data(as_text=True)
    assert "* Through the back of the stockroom" in edit  # questions shown in their text form
    admin.client.post("/admin/catalogue/fire-exits-on-the-shop-floor",
                      data=item_form(edit, duration_minutes="5"))
    learner = sign_in_as(app, "Ana Ruiz")
    listing = learner.get("/api/v1/catalog?offline=true").get_json()["items"]
    assert [(i["key"], i["revision"], i["duration_minutes"]) for i in listing] == [
        ("fire-exits-on-the-shop-floor", 2, 5)]
    first = learner.get("/api/v1/catalog/items/fire-exits-on-the-shop-floor?revision=1")
    assert first.get_json()["duration_minutes"] == 4
    assert first.get_json()["questions"][0]["correct"] == [0]
    assert "immutable" in first.headers["Cache-Control"]
    admin.client.post("/admin/catalogue/fire-exits-on-the-shop-floor/retire",
                      data={"csrf_token": token(edit)})
    assert learner.get("/api/v1/catalog").get_json()["items"] == []
    retired = learner.get("/api/v1/catalog?include_retired=true").get_json()["items"]
    assert retired[0]["retired"] is True
    # a retired item stays readable where plans and history point at it
    assert learner.get("/api/v1/catalog/items/fire-exits-on-the-shop-floor").status_code == 200


def test_item_form_errors_save_nothing(app, org):
    publish_profile(app)
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    page = admin.get("/admin/catalogue/new").get_data(as_text=True)
    for changes, message in [
        ({"questions": "? Q\n* a\n- b\nnot marked"}, "start each line with"),
        ({"cards": ""}, "needs at least one card"),
        ({"level_from": "4", "level_to": "2"}, "from low to high"),
        ({"competencies": []}, "Choose at least one competency"),
        ({"url": "ftp://x"}, "must start with https://"),
        ({"language": "english"}, "not a language tag"),
    ]:
        answer = admin.client.post("/admin/catalogue/new", data=item_form(page, **changes))
        assert answer.status_code == 422, changes
        assert message in answer.get_data(as_text=True), changes
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == 0


def test_learners_cannot_edit_the_catalogue(app, org):
    learner = sign_in_as(app, "Ana Ruiz")
    assert learner.get("/admin/catalogue").status_code == 403
    html = learner.get("/").get_data(as_text=True)
    assert learner.client.post("/admin/catalogue/new",
                               data={"csrf_token": token(html)}).status_code == 403


def test_catalog_filters(app, org):
    publish_profile(app)
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        base = {"format": "course", "duration_minutes": 60, "language": "en", "level_from": 1,
                "level_to": 5, "competencies": ["store-associate/tills"]}
        catalogue.save(org_id, {**base, "title": "Till basics"}, by=None, now=clock.now())
        catalogue.save(org_id, {**base, "title": "Greeting well", "format": "classroom",
                                "competencies": ["store-associate/greet"]},
                       by=None, now=clock.now())
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ItemRevision)) == 2
    learner = sign_in_as(app, "Ana Ruiz")

    def titles(query):
        response = learner.get("/api/v1/catalog" + query)
        assert response.status_code == 200, response.get_json()
        return [i["title"] for i in response.get_json()["items"]]

    assert titles("") == ["Greeting well", "Till basics"]
    assert titles("?competency=store-associate/tills") == ["Till basics"]
    assert titles("?format=classroom") == ["Greeting well"]
    assert titles("?offline=true") == []
    assert learner.get("/api/v1/catalog?format=podcast").status_code == 422
    assert learner.get("/api/v1/catalog?competency=nope/x").status_code == 422
    assert learner.get("/api/v1/catalog?offline=maybe").status_code == 422
    etag = learner.get("/api/v1/catalog").headers["ETag"]
    assert learner.get("/api/v1/catalog", headers={"If-None-Match": etag}).status_code == 304
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)


def test_the_bundle_lists_the_offline_items_of_the_learners_competencies_only(app, org):
    from tests.factories import add_offline_item, comp

    publish_profile(app)
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=(comp("pick", "Picking"),))
    mine = add_offline_item(app, "Greeting in ten seconds")
    add_offline_item(app, "Pick paths offline", "warehouse-picker/pick")  # another role's
    retired = add_offline_item(app, "Old greeting")
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        catalogue.retire(catalogue.item_by_key(org_id, retired), clock.now())
        catalogue.save(org_id, {"title": "Greeting course", "format": "course",
                                "duration_minutes": 30, "level_from": 1, "level_to": 5,
                                "competencies": ["store-associate/greet"]},
                       by=None, now=clock.now())  # not offline
        db.session.commit()
    api = sign_in_as(app, "Ana Ruiz")
    assert api.get("/api/v1/bootstrap").get_json()["content"]["items"] == [
        f"/api/v1/catalog/items/{mine}?revision=1"]
    with app.app_context():  # a future role brings its items too
        from pwa.models import Person, Role
        ana = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
        ana.future_role_id = db.session.scalar(sa.select(Role.id).where(
            Role.slug == "warehouse-picker"))
        db.session.commit()
    assert len(api.get("/api/v1/bootstrap").get_json()["content"]["items"]) == 2


def test_an_items_fee_is_typed_as_money_kept_per_revision_and_shown_in_the_currency(app, org):
    publish_profile(app)
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    page = admin.get("/admin/catalogue/new").get_data(as_text=True)
    assert "in British Pound. Leave it empty if it is free." in page
    admin.client.post("/admin/catalogue/new", data=item_form(
        page, title="Fire marshal training", format="classroom", cards="", questions="",
        fee="120"))
    key = "fire-marshal-training"
    edit = admin.get(f"/admin/catalogue/{key}").get_data(as_text=True)
    assert re.search(r'<input [^>]*id="fee"[^>]*value="120.00"', edit)
    assert "£120.00" in admin.get("/admin/catalogue").get_data(as_text=True)
    # A new revision may change the fee; emptied, the item is free. The old one keeps its own.
    admin.client.post(f"/admin/catalogue/{key}", data=item_form(
        edit, title="Fire marshal training", format="classroom", cards="", questions="",
        fee=""))
    learner = sign_in_as(app, "Ana Ruiz")
    assert [learner.get(f"/api/v1/catalog/items/{key}?revision={n}").get_json()["fee_cents"]
            for n in (1, 2)] == [12000, 0]
    assert re.search(r'<input [^>]*id="fee"[^>]*value=""',
                     admin.get(f"/admin/catalogue/{key}").get_data(as_text=True))
    assert "£" not in admin.get("/admin/catalogue").get_data(as_text=True)
    with app.app_context():  # the organisation's currency is the fees' currency
        db.session.scalar(sa.select(Organisation)).currency = "EUR"
        db.session.commit()
    admin.client.post(f"/admin/catalogue/{key}", data=item_form(
        edit, title="Fire marshal training", format="classroom", cards="", questions="",
        fee="1,200.5"))
    listing = admin.get("/admin/catalogue").get_data(as_text=True)
    assert "€1,200.50" in listing
    assert "in Euro." in admin.get(f"/admin/catalogue/{key}").get_data(as_text=True)


def test_a_bad_fee_saves_nothing_and_keeps_what_was_typed(app, org):
    publish_profile(app)
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    page = admin.get("/admin/catalogue/new").get_data(as_text=True)
    for fee, message in [
        ("-5", "A fee cannot be less than zero."),  # the engine's rule, in the problems
        ("1000000.01", "That fee is too large: check the amount."),
        ("free", "Write an amount of money, such as 25.00."),  # the field's own
        ("£12", "Write an amount of money, such as 25.00."),
        ("12.345", "Write the amount with at most two decimal places, such as 25.00."),
    ]:
        answer = admin.client.post("/admin/catalogue/new", data=item_form(page, fee=fee))
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422, fee
        assert message in html, fee
        assert re.search(rf'<input [^>]*id="fee"[^>]*value="{re.escape(fee)}"', html), fee
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == 0
