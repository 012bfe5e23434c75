"""The signed-in devices through the API: listed, one signed out, all the others signed out."""

from __future__ import annotations

from tests.factories import (
    ANDROID_CHROME,
    IPHONE_SAFARI,
    device,
    enrol,
    make_invite,
    make_person,
    sign_in,
)
from tests.softauthn import SoftAuthenticator


def two_devices(app):
    person_id = make_person(app)
    phone, tablet = device(app, ANDROID_CHROME), device(app, IPHONE_SAFARI)
    authenticator, _ = enrol(phone, make_invite(app, person_id))
    assert sign_in(tablet, authenticator).status_code == 200
    return phone, tablet


def test_the_devices_are_listed_with_this_one_marked(app, org):
    phone, tablet = two_devices(app)

    listed = phone.get("/api/v1/me/sessions")

    assert listed.headers["Cache-Control"] == "no-store"
    sessions = listed.get_json()["sessions"]
    assert [(s["browser"], s["os"], s["current"], s["passkey"]["name"]) for s in sessions] == [
        ("Safari", "iOS", False, "Test phone"), ("Chrome", "Android", True, "Test phone")]
    assert {"id", "created_at", "last_seen_at"} <= set(sessions[0])
    assert device(app).get("/api/v1/me/sessions").status_code == 401


def test_one_device_is_signed_out(app, org):
    phone, tablet = two_devices(app)
    other = next(s for s in phone.get("/api/v1/me/sessions").get_json()["sessions"]
                 if not s["current"])

    answer = phone.delete(f"/api/v1/me/sessions/{other['id']}")

    assert answer.get_json() == {"ended": other["id"], "signed_in": True}
    assert tablet.get("/api/v1/me").status_code == 401
    assert phone.get("/api/v1/me").status_code == 200
    again = phone.delete(f"/api/v1/me/sessions/{other['id']}")
    assert again.status_code == 404 and again.get_json()["error"] == "not_found"


def test_signing_out_this_device_through_the_list(app, org):
    phone, tablet = two_devices(app)
    mine = next(s for s in phone.get("/api/v1/me/sessions").get_json()["sessions"]
                if s["current"])

    answer = phone.delete(f"/api/v1/me/sessions/{mine['id']}").get_json()

    assert answer["signed_in"] is False and answer["csrf_token"]
    assert phone.get("/api/v1/me").status_code == 401
    assert tablet.get("/api/v1/me").status_code == 200


def test_every_other_device_is_signed_out(app, org):
    phone, tablet = two_devices(app)

    answer = phone.post("/api/v1/me/sessions/end-others")

    assert answer.get_json() == {"ended": 1}
    assert tablet.get("/api/v1/me").status_code == 401
    assert [s["current"] for s in phone.get("/api/v1/me/sessions").get_json()["sessions"]] == [
        True]


def test_removing_the_passkey_this_device_signed_in_with_signs_it_out(app, org):
    phone, tablet = two_devices(app)
    passkey = phone.get("/api/v1/me/passkeys").get_json()["passkeys"][0]
    # A second passkey, so that the first may be removed; the tablet moves its session to it.
    options = tablet.post("/api/v1/auth/register/options", {}).get_json()
    tablet.post("/api/v1/auth/register/verify",
                {"name": "Tablet", "credential": SoftAuthenticator().create(options)})

    answer = phone.delete(f"/api/v1/me/passkeys/{passkey['id']}").get_json()

    assert answer["removed"] == passkey["id"] and answer["signed_in"] is False
    assert answer["csrf_token"]
    assert phone.get("/api/v1/me").status_code == 401
    assert tablet.get("/api/v1/me").status_code == 200
