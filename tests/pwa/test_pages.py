"""Server-rendered pages: who may see them, what they change, what they refuse."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import Invite, Passkey, Person
from tests.factories import (
    RECENT_MORNING,
    enrol,
    make_invite,
    make_person,
    moment,
    publish_change,
)

PUBLISHED = RECENT_MORNING + timedelta(days=5, minutes=30)  # after the first ratings


def signed_in(app, api, name="Ana Ruiz", **kw):
    person_id = make_person(app, name, **kw)
    _, answer = enrol(api, make_invite(app, person_id))
    assert answer.status_code == 200
    return person_id


def form_token(html: bytes) -> str:
    return re.search(rb'<meta name="csrf-token" content="([^"]+)"', html).group(1).decode()


def test_signed_out_pages_send_you_to_sign_in(client):
    for path in ("/", "/account/passkeys", "/account/data", "/admin/invites"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/signin?next=")


def test_home_shows_name_and_role(app, api, org):
    signed_in(app, api)
    html = api.get("/").get_data(as_text=True)
    assert "Hello, Ana" in html
    assert 'class="who-name">Ana Ruiz<' in html
    assert "Store associate" in html
    assert "Invites" not in html  # not an L&D admin
    assert "No future role chosen yet." in html and ">Choose one</a>" in html


def test_home_offers_to_change_a_future_role_once_chosen(app, api, org):
    person_id = signed_in(app, api)
    with app.app_context():
        person = db.session.get(Person, person_id)
        person.future_role_id = org["roles"]["warehouse-picker"]
        db.session.commit()
    html = api.get("/").get_data(as_text=True)
    assert "aiming for" in html and "Warehouse picker" in html and ">Change</a>" in html


def test_enrol_page_and_its_refusals(app, client, org):
    person_id = make_person(app)
    good = client.get(f"/enrol/{make_invite(app, person_id)}")
    assert good.status_code == 200 and b"Welcome, Ana Ruiz" in good.data
    expired = client.get(f"/enrol/{make_invite(app, person_id, age=timedelta(days=8))}")
    assert expired.status_code == 410 and b"has expired" in expired.data
    unknown = client.get("/enrol/nope")
    assert unknown.status_code == 404 and b"not valid" in unknown.data


def test_only_ld_admins_can_invite(app, api, org):
    signed_in(app, api)
    assert api.get("/admin/invites").status_code == 403
    assert api.client.post("/admin/invites", data={"csrf_token": api.csrf()}).status_code == 403


def test_ld_admin_creates_an_invite_with_a_qr_code_and_can_withdraw_it(app, api, org):
    signed_in(app, api, "Priya N", ld_admin=True)
    page = api.get("/admin/invites")
    response = api.client.post("/admin/invites", data={
        "csrf_token": form_token(page.data), "name": "Ben Ode", "role": "warehouse-picker",
        "days": "3"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "Invite for Ben Ode" in html and "<svg" in html and "<path" in html
    link = re.search(r'value="(http://localhost/enrol/[^"]+)"', html).group(1)
    assert api.client.get(link.removeprefix("http://localhost")).status_code == 200
    with app.app_context():
        invite = db.session.scalars(sa.select(Invite).join(Person, Invite.person_id == Person.id)
                                    .where(Person.display_name == "Ben Ode")).one()
        assert invite.expires_at - invite.created_at == timedelta(days=3)
        assert invite.person.role.slug == "warehouse-picker"
        invite_id = invite.id
    revoked = api.client.post(f"/admin/invites/{invite_id}/revoke",
                              data={"csrf_token": form_token(html.encode())},
                              follow_redirects=True)
    assert b"no longer works" in revoked.data
    refused = api.client.get(link.removeprefix("http://localhost"))
    assert refused.status_code == 410 and b"withdrawn" in refused.data


def test_invite_form_errors_are_shown_and_nothing_is_saved(app, api, org):
    signed_in(app, api, "Priya N", ld_admin=True)
    token = form_token(api.get("/admin/invites").data)
    response = api.client.post("/admin/invites", data={
        "csrf_token": token, "name": "", "role": "store-associate", "days": "90"})
    assert response.status_code == 422
    assert b"This field is required" in response.data
    assert b"Number must be between 1 and 30" in response.data
    wrong_role = api.client.post("/admin/invites", data={
        "csrf_token": token, "name": "Priya N", "role": "warehouse-picker", "days": "7"})
    assert wrong_role.status_code == 422 and b"already exists with the role" in wrong_role.data
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invite)) == 1


def test_settings_change_future_role_time_zone_and_language(app, api, org):
    person_id = signed_in(app, api)
    with app.app_context():
        db.session.get(Person, person_id).locale = "en-MX"
        db.session.commit()
    page = api.get("/account/settings").get_data(as_text=True)
    token = form_token(page.encode())
    # The languages that have a catalogue, each named in itself; the region is kept.
    assert '<option selected value="en">English</option>' in page
    assert '<option value="es">Español</option>' in page
    assert "Dates and numbers as in Mexico." in page
    bad = api.client.post("/account/settings", data={
        "csrf_token": token, "future_role": "", "time_zone": "Mars/Base", "language": "en"})
    assert bad.status_code == 422 and b"Not a valid choice" in bad.data
    bad_language = api.client.post("/account/settings", data={
        "csrf_token": token, "future_role": "", "time_zone": "Europe/Madrid", "language": "xx"})
    assert bad_language.status_code == 422 and b"Not a valid choice" in bad_language.data
    good = api.client.post("/account/settings", data={
        "csrf_token": token, "future_role": "warehouse-picker", "time_zone": "Europe/Madrid",
        "language": "es"}, follow_redirects=True)
    assert "Tus datos se guardaron." in good.get_data(as_text=True)  # in Spanish at once
    assert '<html lang="es-MX">' in good.get_data(as_text=True)
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert (person.future_role.slug, person.time_zone, person.locale) == \
            ("warehouse-picker", "Europe/Madrid", "es-MX")


def test_saving_settings_keeps_a_language_that_has_no_catalogue(app, api, org):
    """Pages speak English to a person who chose Polish, and saving keeps Polish chosen."""
    person_id = signed_in(app, api)
    with app.app_context():
        db.session.get(Person, person_id).locale = "pl-PL"
        db.session.commit()
    page = api.get("/account/settings").get_data(as_text=True)
    assert '<option selected value="pl">Polski (not translated yet)</option>' in page
    saved = api.client.post("/account/settings", data={
        "csrf_token": form_token(page.encode()), "future_role": "", "time_zone": "Europe/Warsaw",
        "language": "pl"}, follow_redirects=True)
    assert b"Your details are saved" in saved.data
    with app.app_context():
        assert db.session.get(Person, person_id).locale == "pl-PL"


def test_time_zones_are_grouped_by_region_and_named_by_place(app, api, org):
    signed_in(app, api)
    page = api.get("/account/settings").get_data(as_text=True)
    groups = re.findall(r'<optgroup label="([^"]+)">', page)
    assert groups[:3] == ["Universal time", "Africa", "Americas"] and "Indian Ocean" in groups
    assert '<option value="America/Argentina/Buenos_Aires">Argentina / Buenos Aires</option>' \
        in page
    asia = page.split('<optgroup label="Asia">')[1].split("</optgroup>")[0]
    assert '<option value="Asia/Kolkata">Kolkata</option>' in asia
    assert "Europe/" not in asia


def test_export_holds_everything_about_me_and_nothing_of_others(app, api, org):
    make_person(app, "Someone Else")
    signed_in(app, api)
    response = api.get("/api/v1/me/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert data["person"]["display_name"] == "Ana Ruiz"
    assert data["person"]["role"]["slug"] == "store-associate"
    assert len(data["passkeys"]) == 1 and data["passkeys"][0]["name"] == "Test phone"
    assert len(data["invites"]) == 1 and data["invites"][0]["used_at"]
    assert "Someone Else" not in response.get_data(as_text=True)


def test_delete_account_needs_confirmation_then_removes_everything(app, api, org):
    person_id = signed_in(app, api)
    token = form_token(api.get("/account/data").data)
    unconfirmed = api.client.post("/account/delete", data={"csrf_token": token})
    assert unconfirmed.status_code == 422 and b"Tick the box" in unconfirmed.data
    done = api.client.post("/account/delete", data={"csrf_token": token, "confirm": "y"},
                           follow_redirects=True)
    assert b"have been deleted" in done.data
    with app.app_context():
        assert db.session.get(Person, person_id) is None
        for model in (Passkey, Invite):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
    assert api.get("/api/v1/me").status_code == 401


def test_delete_account_through_the_api(app, api, org):
    person_id = signed_in(app, api)
    assert api.delete("/api/v1/me").get_json() == {"deleted": True}
    with app.app_context():
        assert db.session.get(Person, person_id) is None


def test_passkey_page_removes_one_but_never_the_last(app, api, org):
    person_id = signed_in(app, api)
    with app.app_context():
        only = db.session.scalars(sa.select(Passkey)).one().id
    page = api.get("/account/passkeys")
    assert b"Test phone" in page.data and b"only passkey" in page.data
    refused = api.client.post(f"/account/passkeys/{only}/remove",
                              data={"csrf_token": form_token(page.data)}, follow_redirects=True)
    assert b"only passkey" in refused.data
    with app.app_context():
        assert db.session.get(Person, person_id).passkeys


def test_signout_form(app, api, org):
    signed_in(app, api)
    token = form_token(api.get("/").data)
    response = api.client.post("/signout", data={"csrf_token": token}, follow_redirects=True)
    assert b"You are signed out" in response.data
    assert api.get("/").status_code == 302


def test_invite_pages_are_rate_limited(app_factory, org):
    # Guessed links all fail: the address's refused tries are what stops them.
    app = app_factory(SKILLPATH_AUTH_FAILURE_LIMIT="2 per minute")
    client = app.test_client()
    codes = [client.get(f"/enrol/guess-number-{i}").status_code for i in range(3)]
    assert codes == [404, 404, 429]
    assert b"Too many attempts" in client.get("/enrol/another").data


def test_home_says_the_profile_changed_until_the_changed_competency_is_rated_again(app, org):
    import uuid

    from tests.factories import publish_profile, sign_in_as

    def rating(level, competency, version, at):
        return {"id": str(uuid.uuid4()), "type": "rating.set", "schema": 1,
                "occurred_at": at, "device_id": "phone-1",
                "data": {"role": "store-associate", "competency": competency,
                         "version": version, "level": level, "note": None}}

    author_id = publish_profile(app)
    api = sign_in_as(app, "Ana Ruiz")
    api.post("/api/v1/sync", {"events": [rating(3, "greet", 1, moment()),
                                         rating(2, "tills", 1, moment(1))]})
    assert "changed" not in api.get("/").get_data(as_text=True)
    publish_change(app, author_id, 1, lambda tills: replace(  # level 1 reworded
        tills, levels=("Watches a colleague use the till.", *tills.levels[1:])),
        "Clearer first level for tills.", at=PUBLISHED)
    html = api.get("/").get_data(as_text=True)
    assert "The profile of Store associate changed" in html
    assert (f"Version 2 was published on {PUBLISHED:%B} {PUBLISHED.day}, {PUBLISHED.year}."
            in html)
    assert "Look again at 1 competency you rated before it changed." in html
    assert '<a class="button primary" href="/app#/rate/store-associate/tills">Rate it again</a>' \
        in html
    api.post("/api/v1/sync", {"events": [rating(2, "tills", 2, moment(60 * 24 * 10))]})
    assert "The profile of Store associate changed" not in api.get("/").get_data(as_text=True)
