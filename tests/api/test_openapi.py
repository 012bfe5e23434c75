from __future__ import annotations

import re


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
