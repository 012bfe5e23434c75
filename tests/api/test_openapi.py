from __future__ import annotations

import re

import pytest


def test_every_api_route_is_documented_with_its_request_schema(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method.lower()) in documented
    verify = doc["paths"]["/api/v1/auth/register/verify"]["post"]
    schema = doc["components"]["schemas"]["RegisterVerifyRequest"]
    assert verify["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "RegisterVerifyRequest")
    assert schema["required"] == ["credential"]
    assert schema["additionalProperties"] is False
    assert set(doc["components"]["schemas"]["Error"]["required"]) == {
        "code", "error", "message", "details"}


def operation(doc, method, path):
    return doc["paths"][path][method]


def test_known_answers_are_declared(client):
    """The statuses these operations were seen to answer before they were declared."""
    doc = client.get("/api/v1/openapi.json").get_json()
    feedback = operation(doc, "post", "/api/v1/feedback")
    assert "201" in feedback["responses"] and "200" not in feedback["responses"]
    for path in ("/api/v1/auth/register/options", "/api/v1/auth/register/verify"):
        assert {"400", "401", "404", "410", "422", "429"} <= set(
            operation(doc, "post", path)["responses"])
    assert {"400", "401"} <= set(operation(doc, "post", "/api/v1/auth/login/verify")["responses"])
    assert "409" in operation(doc, "delete", "/api/v1/me/passkeys/{passkey_id}")["responses"]
    assert "default" not in {s for ops in doc["paths"].values() for op in ops.values()
                             for s in op["responses"]}, "every status is named"


def test_required_query_and_path_parameters_are_declared(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    diff = operation(doc, "get", "/api/v1/roles/{slug}/profile/diff")
    query = {p["name"]: p for p in diff["parameters"] if p["in"] == "query"}
    assert query["from"]["required"] and query["to"]["required"]
    assert query["from"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    version = [p for p in operation(doc, "get", "/api/v1/roles/{slug}/profile")["parameters"]
               if p["name"] == "version"][0]
    assert version["in"] == "query" and not version["required"]
    passkey = operation(doc, "delete", "/api/v1/me/passkeys/{passkey_id}")["parameters"][0]
    assert passkey == {"name": "passkey_id", "in": "path", "required": True,
                       "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
    catalog = {p["name"]: p["schema"] for p in operation(doc, "get", "/api/v1/catalog")
               ["parameters"] if p["in"] == "query"}
    assert catalog["offline"] == {"type": "boolean"}
    assert "course" in catalog["format"]["enum"]


def test_errors_refer_to_the_one_error_schema_and_bodies_to_theirs(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for status, answer in op["responses"].items():
                if int(status) >= 400:
                    assert answer == {"$ref": f"#/components/responses/Error{status}"}
            if method in {"post", "delete"} and path != "/api/v1/auth/login/options":
                assert any(p["name"] == "X-CSRFToken" and p["required"]
                           for p in op["parameters"]), (method, path)
    # The sign-in options change nothing (api.http.changes_nothing): no token is asked.
    options = operation(doc, "post", "/api/v1/auth/login/options")
    assert "parameters" not in options and set(options["responses"]) == {"200", "429"}
    for answer in doc["components"]["responses"].values():
        assert answer["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"}
    feedback = operation(doc, "post", "/api/v1/feedback")
    assert feedback["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/FeedbackRequest")
    assert doc["components"]["schemas"]["FeedbackRequest"]["properties"]["kind"]["enum"] == [
        "outdated", "unclear", "missing", "other"]


def test_signed_in_operations_declare_the_session(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert operation(doc, "get", "/api/v1/me")["security"] == [{"session": []}]
    assert operation(doc, "post", "/api/v1/auth/register/options")["security"] == [
        {}, {"session": []}]
    assert "security" not in operation(doc, "get", "/api/v1/auth/csrf")
    scheme = doc["components"]["securitySchemes"]["session"]
    assert scheme == {"type": "apiKey", "in": "cookie", "name": "skillpath_session",
                      "description": scheme["description"]}


def test_a_route_that_declares_nothing_is_caught(app):
    from flask import Flask

    from api.openapi import document

    bare = Flask(__name__)
    bare.config["SESSION_COOKIE_NAME"] = "s"
    bare.add_url_rule("/api/v1/forgotten", "forgotten", lambda: "")
    with pytest.raises(RuntimeError, match="forgotten does not declare its statuses"):
        document(bare)
