"""Bad input gets the one error shape, a clear message and never a 500."""

from __future__ import annotations

import pytest

from tests.factories import make_invite, make_person

SHAPE = {"code", "error", "message", "details"}


def assert_shape(response, status, error):
    body = response.get_json()
    assert response.status_code == status, body
    assert set(body) == SHAPE
    assert body["code"] == status
    assert body["error"] == error
    assert body["message"]
    return body


def test_unknown_api_address_is_a_json_404(client):
    assert_shape(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_wrong_method_is_a_json_405_naming_the_allowed_ones(client):
    body = assert_shape(client.get("/api/v1/auth/login/options"), 405, "method_not_allowed")
    assert body["details"]["allowed"] == ["OPTIONS", "POST"]


def test_malformed_json_is_a_400(api):
    response = api.client.post("/api/v1/auth/register/options", data="{not json",
                               content_type="application/json",
                               headers={"X-CSRFToken": api.csrf()})
    assert_shape(response, 400, "malformed_json")


def test_wrong_content_type_is_a_415(api):
    response = api.client.post("/api/v1/auth/register/options", data="invite_token=x",
                               content_type="application/x-www-form-urlencoded",
                               headers={"X-CSRFToken": api.csrf()})
    body = assert_shape(response, 415, "unsupported_media_type")
    assert body["details"]["content_type"] == "application/x-www-form-urlencoded"


def test_oversized_body_is_a_413_with_the_limit(api):
    response = api.client.post("/api/v1/auth/register/options",
                               data='{"invite_token": "' + "x" * (1024 * 1024) + '"}',
                               content_type="application/json",
                               headers={"X-CSRFToken": api.csrf()})
    body = assert_shape(response, 413, "request_entity_too_large")
    assert body["details"]["max_bytes"] == 1024 * 1024


def test_unknown_fields_are_refused_not_dropped(api):
    response = api.post("/api/v1/auth/register/options", {"invite_token": "x", "extra": 1})
    body = assert_shape(response, 422, "invalid_request")
    assert body["details"]["fields"][0]["field"] == "extra"


def test_wrong_field_type_is_a_422(api):
    response = api.post("/api/v1/auth/login/verify", {"credential": "not an object"})
    body = assert_shape(response, 422, "invalid_request")
    assert body["details"]["fields"][0]["field"] == "credential"


def test_missing_csrf_token_is_refused(client):
    response = client.post("/api/v1/auth/login/verify", json={"credential": {}})
    body = assert_shape(response, 400, "csrf_failed")
    assert "missing" in body["message"]


def test_forged_csrf_token_is_refused(api):
    api.csrf()
    response = api.client.post("/api/v1/auth/login/verify", json={"credential": {}},
                               headers={"X-CSRFToken": "forged.token.value"})
    assert_shape(response, 400, "csrf_failed")


def test_asking_for_sign_in_options_needs_no_csrf_token(client):
    """The options change nothing: a fresh signed challenge, stored nowhere, which only
    the browser's own authenticator can sign, for our origin. The verify that uses it
    keeps its CSRF check (above)."""
    for headers in ({}, {"X-CSRFToken": "forged.token.value"}):
        response = client.post("/api/v1/auth/login/options", json={}, headers=headers)
        assert response.status_code == 200
        assert response.get_json()["challenge"]


def test_csrf_is_checked_on_delete_too(app, api, org):
    from tests.factories import enrol

    enrol(api, make_invite(app, make_person(app)))
    response = api.client.delete("/api/v1/me")
    assert_shape(response, 400, "csrf_failed")
    assert api.get("/api/v1/me").status_code == 200


def test_a_change_asked_by_nobody_is_a_401_before_the_csrf_check(client):
    """Without a session nothing can be forged; 'sign in' is what the caller needs to hear."""
    for method, path in [("DELETE", "/api/v1/me"), ("POST", "/api/v1/sync"),
                         ("POST", "/api/v1/feedback")]:
        response = client.open(path, method=method, json={},
                               headers={"X-CSRFToken": "from.another.session"})
        assert_shape(response, 401, "sign_in_required")
    # Sign-in itself needs no session, and keeps its CSRF check.
    assert_shape(client.post("/api/v1/auth/login/verify", json={"credential": {}}), 400,
                 "csrf_failed")


def test_forms_without_csrf_are_refused_with_a_page(app, client, org):
    response = client.post("/signout")
    assert response.status_code == 400
    assert b"security token" in response.data
    assert response.mimetype == "text/html"


def test_signed_out_api_calls_are_401(api):
    assert_shape(api.get("/api/v1/me"), 401, "sign_in_required")
    assert_shape(api.get("/api/v1/me/export"), 401, "sign_in_required")
    assert_shape(api.delete("/api/v1/me"), 401, "sign_in_required")


@pytest.mark.parametrize("credential", [
    {},
    {"response": {}},
    {"response": {"clientDataJSON": "!!!"}},
    {"response": {"clientDataJSON": "bm90IGpzb24"}},  # "not json"
    {"response": {"clientDataJSON": "eyJjaGFsbGVuZ2UiOiAxfQ"}},  # {"challenge": 1}
    {"response": {"clientDataJSON": "eyJjaGFsbGVuZ2UiOiAiYWJjIn0"}},  # unknown challenge
])
def test_garbage_credentials_are_400_never_500(api, credential):
    for path in ("/api/v1/auth/login/verify", "/api/v1/auth/register/verify"):
        response = api.post(path, {"credential": credential})
        assert response.status_code == 400, response.get_json()
        assert set(response.get_json()) == SHAPE


def test_garbage_raw_id_after_a_real_challenge_is_refused(app, api, org):
    options = api.post("/api/v1/auth/login/options").get_json()
    from tests.softauthn import SoftAuthenticator

    assertion = SoftAuthenticator().get(options)
    assertion["rawId"] = "%%%"
    assert_shape(api.post("/api/v1/auth/login/verify", {"credential": assertion}), 400,
                 "invalid_credential")


@pytest.mark.parametrize("user_handle", ["%%%", 12, "AAAA"])
def test_bad_user_handle_is_refused(app, api, org, user_handle):
    from tests.factories import enrol
    from tests.softauthn import SoftAuthenticator

    authenticator, _ = enrol(api, make_invite(app, make_person(app)))
    assert isinstance(authenticator, SoftAuthenticator)
    api.post("/api/v1/auth/signout")
    assertion = authenticator.get(api.post("/api/v1/auth/login/options").get_json())
    assertion["response"]["userHandle"] = user_handle
    response = api.post("/api/v1/auth/login/verify", {"credential": assertion})
    assert response.status_code in (400, 401), response.get_json()
    assert set(response.get_json()) == SHAPE


def test_invite_for_someone_else_cannot_reuse_another_persons_challenge(app, api, org):
    from tests.softauthn import SoftAuthenticator

    ana = make_invite(app, make_person(app, "Ana Ruiz"))
    ben = make_invite(app, make_person(app, "Ben Ode"))
    options = api.post("/api/v1/auth/register/options", {"invite_token": ana}).get_json()
    credential = SoftAuthenticator().create(options)
    answer = api.post("/api/v1/auth/register/verify",
                      {"invite_token": ben, "credential": credential})
    assert_shape(answer, 400, "challenge_mismatch")


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(app_factory, tmp_path):
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/x.db")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["database"].startswith("unreachable")
