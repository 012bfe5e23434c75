"""The OpenAPI document of /api/v1, built from the routes and their schemas.

Routes come from the URL map, so a new endpoint appears without editing this
file; request bodies come from the schema ``@body(Schema)`` put on the route,
the same one that parses the request.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

bp = Blueprint("api_openapi", __name__, url_prefix="/api/v1")

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["code", "error", "message", "details"],
    "properties": {
        "code": {"type": "integer", "description": "the HTTP status"},
        "error": {"type": "string", "description": "a stable machine-readable code"},
        "message": {"type": "string", "description": "what went wrong, in plain words"},
        "details": {"type": "object"},
    },
}


@bp.get("/openapi.json")
def openapi() -> Response:
    """This document."""
    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        view = current_app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation: dict[str, Any] = {
                "operationId": rule.endpoint.replace(".", "_"),
                "summary": (view.__doc__ or rule.endpoint).strip().splitlines()[0],
                "responses": {
                    "200": {"description": "OK"},
                    "default": {"description": "An error in the one shape",
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}}}},
                },
            }
            params = [{"name": arg, "in": "path", "required": True,
                       "schema": {"type": "integer" if "id:" in rule.rule else "string"}}
                      for arg in sorted(rule.arguments)]
            if params:
                operation["parameters"] = params
            model = getattr(view, "request_schema", None)
            if model is not None:
                components[model.__name__] = model.model_json_schema(
                    ref_template="#/components/schemas/{model}")
                operation["requestBody"] = {"required": True, "content": {"application/json": {
                    "schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}
            if method in {"POST", "PUT", "PATCH", "DELETE"}:
                operation["parameters"] = [*operation.get("parameters", []), {
                    "name": "X-CSRFToken", "in": "header", "required": True,
                    "schema": {"type": "string"},
                    "description": "from GET /api/v1/auth/csrf"}]
            paths.setdefault(path, {})[method.lower()] = operation
    return jsonify({
        "openapi": "3.1.0",
        "info": {"title": "Skillpath API", "version": "1"},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": components},
    })
