"""The OpenAPI document of /api/v1, built from the routes and what they declare.

Routes come from the URL map, so a new endpoint appears without editing this
file. Each operation's parts come from the route itself: its path arguments
and their converters, the query schema of ``@query``, the body schema of
``@body`` (the same schemas that parse the request), and the statuses of
``@responds`` together with those its plumbing implies. Every error status
refers to the one error schema. A test compares the statuses the suite
observes with the ones declared here, and a fuzzer checks the rest.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify
from pydantic import BaseModel

from api.http import responds

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

# What each status means on this API; errors carry the one error shape.
STATUSES = {
    200: "OK",
    201: "Created",
    304: "Not modified: the ETag in If-None-Match is still current",
    400: "Malformed JSON, a missing or stale CSRF token, or a passkey response that fails",
    401: "Not signed in (or, when signing in, a passkey that is not known here)",
    403: "Signed in, but not allowed to do this",
    404: "Nothing with that name or number is here for you",
    409: "Clashes with what is saved now",
    410: "The invite link was used, withdrawn, has expired or never existed",
    413: "The request body (or batch) is too large",
    415: "The request body is not JSON",
    422: "Well-formed, but some fields or query arguments are missing or wrong",
    429: "Too many attempts from this address; wait a minute",
    500: "The server failed; nothing of the request was saved, and it may be sent again",
}
CHANGES = {"POST", "PUT", "PATCH", "DELETE"}
_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
# A path argument read by Werkzeug's default converter: one segment of text.
SEGMENT = {"type": "string", "minLength": 1, "pattern": "^[^/\\u0000]+$"}


@bp.get("/openapi.json")
@responds(200)
def openapi() -> Response:
    """This document."""
    return jsonify(document(current_app))


def document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route under /api/v1/ of ``app``."""
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        view = app.view_functions[rule.endpoint]
        path = _ARGUMENT.sub(r"{\g<name>}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation = _operation(app, rule.rule, rule.endpoint, method, view, schemas)
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Skillpath API", "version": "1",
                 "description": "Errors have one shape: #/components/schemas/Error."},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "responses": _error_responses(),
            "securitySchemes": {"session": {
                "type": "apiKey", "in": "cookie", "name": app.config["SESSION_COOKIE_NAME"],
                "description": "the session cookie set by signing in with a passkey"}},
        },
    }


def declared_statuses(rule: str, method: str, view: Any) -> set[int]:
    """What a route answers: what ``@responds`` lists and what its plumbing implies."""
    statuses = set(getattr(view, "responses", ()))
    if _ARGUMENT.search(rule):
        statuses.add(404)
    if getattr(view, "request_schema", None) is not None:
        statuses |= {400, 413, 415, 422}
    if getattr(view, "query_schema", None) is not None:
        statuses.add(422)
    if getattr(view, "etag", False):
        statuses.add(304)
    if method in CHANGES and not getattr(view, "changes_nothing", False):
        statuses.add(400)  # no CSRF token
    return statuses


def _operation(app: Flask, rule: str, endpoint: str, method: str, view: Any,
               schemas: dict[str, Any]) -> dict[str, Any]:
    if not hasattr(view, "responses"):
        raise RuntimeError(f"{endpoint} does not declare its statuses: add @responds(...)")
    doc = (view.__doc__ or endpoint).strip()
    operation: dict[str, Any] = {
        "operationId": endpoint.replace(".", "_"),
        "summary": doc.splitlines()[0],
        "responses": {str(s): _response(s) for s in sorted(declared_statuses(rule, method, view))},
    }
    parameters = [_path_parameter(app, m) for m in _ARGUMENT.finditer(rule)]
    query_schema: type[BaseModel] | None = getattr(view, "query_schema", None)
    if query_schema is not None:
        parameters += _query_parameters(query_schema)
    if getattr(view, "etag", False):
        parameters.append({"name": "If-None-Match", "in": "header", "required": False,
                           "schema": {"type": "string"},
                           "description": "the ETag of the copy the client holds"})
    if method in CHANGES and not getattr(view, "changes_nothing", False):
        parameters.append({"name": "X-CSRFToken", "in": "header", "required": True,
                           "schema": {"type": "string", "minLength": 1},
                           "description": "from GET /api/v1/auth/csrf"})
    if parameters:
        operation["parameters"] = parameters
    body_schema: type[BaseModel] | None = getattr(view, "request_schema", None)
    if body_schema is not None:
        _add_schema(body_schema, schemas)
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{body_schema.__name__}"}}}}
    session = getattr(view, "session", "none")
    if session == "required":
        operation["security"] = [{"session": []}]
    elif session == "optional":
        operation["security"] = [{}, {"session": []}]
    return operation


def _response(status: int) -> dict[str, Any]:
    if status >= 400:
        return {"$ref": f"#/components/responses/Error{status}"}
    if status == 304:
        return {"description": STATUSES[status]}
    return {"description": STATUSES[status],
            "content": {"application/json": {"schema": {"type": "object"}}}}


def _error_responses() -> dict[str, Any]:
    """One entry per error status, each in the one error shape."""
    return {f"Error{status}": {"description": description, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}
            for status, description in STATUSES.items() if status >= 400}


def _path_parameter(app: Flask, match: re.Match[str]) -> dict[str, Any]:
    converter = app.url_map.converters[match["converter"] or "default"]
    schema = getattr(converter, "openapi_schema", SEGMENT)
    return {"name": match["name"], "in": "path", "required": True, "schema": dict(schema)}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        if prop.get("default", ...) is None:
            del prop["default"]
        # An argument that may be left out is never null in a query string.
        branches = [b for b in prop.pop("anyOf", []) if b.get("type") != "null"]
        if len(branches) == 1:
            prop.update(branches[0])
        elif branches:
            prop["anyOf"] = branches
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required,
                                     "schema": prop}
        if description:
            parameter["description"] = description
        out.append(parameter)
    return out


def _add_schema(model: type[BaseModel], schemas: dict[str, Any]) -> None:
    found = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, nested in found.pop("$defs", {}).items():
        schemas[name] = nested
    schemas[model.__name__] = found
