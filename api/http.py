"""Request plumbing every API route shares: who is signed in, the body, the caching.

``@body(Schema)`` parses the JSON body into the schema and hands it to the
route as ``body``; ``@query(Query)`` does the same for the query string, as
``query``; ``@responds(...)`` lists the statuses the route answers. The
OpenAPI document reads all three off the route, so what is documented is what
is enforced. ``signed_in()`` is the one way a route learns who is calling.
``no_store`` and ``content_response`` set the cache headers; no route sets
them by hand.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, TypeVar, cast

from flask import Request as FlaskRequest
from flask import Response, current_app, jsonify, request
from flask_wtf.csrf import CSRFError
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from api.errors import ApiError
from engine.errors import N_
from pwa import params
from pwa.extensions import csrf
from pwa.models import Person
from pwa.session import NOTHING, current_person, reads_session

F = TypeVar("F", bound=Callable[..., Any])

IMMUTABLE = "private, max-age=31536000, immutable"
REVALIDATE = "private, no-cache"


def _no_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("holds a NUL character (U+0000), which is not text")
    return value


def _escaped(chars: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in chars)


# What the document says of text fields: no NUL; and where a field must not be empty, a
# character that is not whitespace (fields are stripped first, by Python's or Unicode's
# idea of whitespace: the class holds both).
_SPACE = _escaped("".join(chr(c) for c in range(0x10000) if chr(c).isspace()))
NO_NUL = "^[^\\u0000]*$"
NOT_BLANK = f"^[^\\u0000]*[^\\u0000{_SPACE}][^\\u0000]*$"


def _document_text(schema: dict[str, Any]) -> None:
    """Say in the document what the schema enforces on text beyond its JSON Schema."""
    for prop in schema.get("properties", {}).values():
        for branch in [prop, *prop.get("anyOf", [])]:
            if branch.get("type") == "string" and "pattern" not in branch:
                branch["pattern"] = NOT_BLANK if branch.get("minLength", 0) else NO_NUL


class Schema(BaseModel):
    """Base of request schemas: unknown fields are an error, never dropped; text has no NUL."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              json_schema_extra=_document_text)

    _text = field_validator("*", mode="after")(_no_nul)


def _whole_number(value: Any) -> Any:
    """Query strings are text: digits become an int, the field's bounds judge its size."""
    if isinstance(value, str):
        return params.whole_number(value, low=0, high=10**32)
    return value


def _flag(value: Any) -> Any:
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("must be true or false")


# An id, version or revision number in a query string: ASCII digits, 1 to 2**31-1.
WholeNumber = Annotated[int, Field(ge=1, le=params.MAX_ID), BeforeValidator(_whole_number)]
# A count or version in a query string that may be 0 (nothing yet).
Count = Annotated[int, Field(ge=0, le=params.MAX_ID), BeforeValidator(_whole_number)]
# A yes-or-no query argument, spelled exactly "true" or "false".
Flag = Annotated[bool, BeforeValidator(_flag)]


class Query(BaseModel):
    """Base of query-string schemas: an argument the route does not know is refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False,
                              json_schema_extra=_document_text)

    _text = field_validator("*", mode="after")(_no_nul)


def signed_in(template: str = N_("Please sign in first.")) -> Person:
    """The signed-in person, or a 401 in the one error shape (``template`` marked with N_)."""
    person = current_person()
    if person is None:
        raise ApiError(401, "sign_in_required", template)
    return person


class Request(FlaskRequest):
    """The app's request: the body of an API request is never parsed as a form.

    The API reads JSON, and its CSRF token comes in a header; but the CSRF check
    looks for a token in the form first, and parsing a form consumes the body (a
    body sync cannot read is then kept as "" in the quarantine) or refuses it with
    the form parser's own limits (a 413 for a multipart body under the app's).
    Not parsed, the body stays whole for the route, whatever its content type.
    """

    @property
    def want_form_data_parsed(self) -> bool:
        return not self.path.startswith(API_PREFIX) and super().want_form_data_parsed

    @property  # type: ignore[misc]
    def max_content_length(self) -> int | None:  # type: ignore[override]
        """The app's limit, or a larger one a route declares as its view's
        ``max_content_length`` (an HR file's upload): set before anything reads the body,
        since the NUL and CSRF checks read a page's form before the route runs."""
        view = current_app.view_functions.get(self.endpoint) if self.endpoint else None
        own: int | None = getattr(view, "max_content_length", None)
        return own if own is not None else super().max_content_length


API_PREFIX = "/api/"


def signed_out_before_csrf() -> None:
    """Run before the CSRF check: a change to a signed-in operation, from nobody, is a 401.

    Without a session there is nobody to forge a request for, and what the
    caller must do is sign in, not reload for a fresh token. A request that
    passes the CSRF check goes on to the route, which says 401 in its own words.
    """
    if request.method not in {"POST", "PUT", "PATCH", "DELETE"} or request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "session", None) != "required" or current_person() is not None:
        return
    try:
        csrf.protect()
    except CSRFError:
        raise ApiError(401, "sign_in_required", N_("Please sign in first.")) from None


def body(schema: type[Schema],
         refused: Callable[[ApiError], None] | None = None) -> Callable[[F], F]:
    """Parse the request body as ``schema`` and pass it to the route as ``body``.

    ``refused`` hears of a body that cannot be read (400, 422) before the error
    is answered: sync keeps such a body rather than lose what a phone sent.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            try:
                parsed = parse(schema)
            except ApiError as exc:
                if refused is not None:
                    refused(exc)
                raise
            return view(*args, body=parsed, **kwargs)

        wrapped.request_schema = schema  # type: ignore[attr-defined]
        return cast(F, wrapped)

    return decorate


def query(schema: type[Query]) -> Callable[[F], F]:
    """Parse the query string as ``schema`` and pass it to the route as ``query`` (else 422)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            try:
                parsed = schema.model_validate(request.args.to_dict())
            except ValidationError as exc:
                raise ApiError(422, "invalid_request",
                               N_("Some query arguments are missing or wrong."),
                               validation_details(exc)) from exc
            return view(*args, query=parsed, **kwargs)

        wrapped.query_schema = schema  # type: ignore[attr-defined]
        return cast(F, wrapped)

    return decorate


def responds(*statuses: int, etag: bool = False, session: str | None = None
             ) -> Callable[[F], F]:
    """Declare the statuses a route answers, for the OpenAPI document.

    Those its plumbing implies are added there and need not be listed: a path
    argument (404), ``@body`` (400, 413, 415, 422), ``@query`` (422), a method
    that changes something (400 for a missing CSRF token). ``etag`` says the
    route answers through ``content_response``: ``If-None-Match`` and 304.
    ``session`` is "required" (the default when 401 is listed), "optional"
    (an invite or a session will do) or "none".
    """
    if session is None:
        session = "required" if 401 in statuses else "none"
    if session not in {"required", "optional", "none"}:
        raise ValueError(f"session is required, optional or none, not {session!r}")

    def decorate(view: F) -> F:
        view.responses = tuple(sorted(set(statuses)))  # type: ignore[attr-defined]
        view.etag = etag  # type: ignore[attr-defined]
        view.session = session  # type: ignore[attr-defined]
        return view

    return decorate


def changes_nothing(view: F) -> F:
    """Declare a POST that changes nothing and answers anyone alike (the sign-in options:
    a fresh signed challenge, stored nowhere): it needs no CSRF token, and its session is
    not read (``reads_session(NOTHING)``).

    CSRF protects a change made with a browser's ambient credentials (its cookie) on a
    request another site made it send. Such a route changes nothing to forge, and what it
    answers is of no use to the other site, which cannot read it (no CORS) and could not
    use it if it could: only the browser's own authenticator signs a challenge, bound to
    our origin. The change the challenge leads to, the verify, keeps its CSRF check. The
    OpenAPI document asks no ``X-CSRFToken`` of it.
    """
    csrf.exempt(view)
    view.changes_nothing = True  # type: ignore[attr-defined]
    return reads_session(NOTHING)(view)


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M]) -> M:
    """The request body as ``model``, or the matching ApiError (415, 400 or 422)."""
    if not request.is_json:
        raise ApiError(
            415,
            "unsupported_media_type",
            N_("The request body must be JSON (Content-Type: application/json)."),
            {"content_type": request.content_type},
        )
    try:
        data = json.loads(request.get_data(), object_pairs_hook=_unique_keys)
    except DuplicateKey as exc:
        key = exc.key[:40]
        raise ApiError(400, "malformed_json", N_("The request body names '%(key)s' twice in "
                                                 "one object."), {"duplicate_key": key},
                       key=key) from exc
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise ApiError(400, "malformed_json", N_("The request body is not valid JSON.")) from exc
    if _depth(data) > MAX_DEPTH:
        raise ApiError(400, "malformed_json", N_("The request body nests more than %(limit)s "
                                                 "levels deep."), {"max_depth": MAX_DEPTH},
                       limit=MAX_DEPTH)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(
            422, "invalid_request", N_("Some fields are missing or wrong."),
            validation_details(exc)
        ) from exc


MAX_DEPTH = 64  # no request of ours needs more than a handful


class DuplicateKey(ValueError):
    """A JSON object names one key twice."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key {key!r} appears twice in one object")
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object of the body, refused if it names a key twice.

    JSON leaves a repeated key to the reader: Python keeps the last value, other
    readers the first. Reading one of them would drop the other silently, so the
    body is refused whole, like any body that is not plain JSON, and kept.
    """
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return out


_CONTAINERS = (dict, list)  # a tuple: isinstance of a union type is slower, per value


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects, counted without recursion.

    Only lists and objects go on the stack: a scalar counts where it is met. Every
    value of every request body passes here (a sync's hundred events too), so each
    is looked at once, with the cheapest test that tells a container.
    """
    if not isinstance(value, _CONTAINERS):
        return 0
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > deepest:
            deepest = depth
        if depth > MAX_DEPTH:
            break
        below = depth + 1
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, _CONTAINERS):
                stack.append((child, below))
            elif below > deepest:
                deepest = below
    return deepest


def validation_details(exc: ValidationError) -> dict[str, Any]:
    return {
        "fields": [
            {
                "field": ".".join(str(part) for part in err["loc"]) or "(body)",
                "message": err["msg"],
                "type": err["type"],
            }
            for err in exc.errors(include_url=False, include_input=False, include_context=False)
        ]
    }


def no_store(response: Response | Any) -> Response:
    """Personal answers that no cache may keep: JSON of ``response`` if it is not one."""
    if not isinstance(response, Response):
        response = jsonify(response)
    response.headers["Cache-Control"] = "no-store"
    return response


def validated_response(etag: str, build: Callable[[], Any], *,
                       vary: tuple[str, ...] = ()) -> Response:
    """JSON whose strong ETag is known before it is built (``build`` is called only for a
    200): 304 when the client holds ``etag``; revalidated on every use.

    ``etag`` must change whenever what ``build`` gives does; ``vary`` names the request
    headers besides the cookie that it depends on.
    """
    if etag in request.if_none_match:
        response: Response = current_app.response_class(status=304)
    else:
        data = json.dumps(build(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        response = current_app.response_class(data.encode("utf-8"),
                                              mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = REVALIDATE
    response.vary.add("Cookie")
    for header in vary:
        response.vary.add(header)
    return response


def content_response(payload: Any, *, immutable: bool) -> Response:
    """JSON with a strong ETag from its bytes; 304 when the client already has them.

    Immutable resources (a published profile version, an item revision) may be
    cached for a year; the rest must be revalidated on every use.
    """
    data = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    encoded = data.encode("utf-8")
    etag = hashlib.sha256(encoded).hexdigest()[:32]
    response: Response = current_app.response_class(encoded, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = IMMUTABLE if immutable else REVALIDATE
    response.vary.add("Cookie")
    if etag in request.if_none_match:
        response.status_code = 304
        response.set_data(b"")
    return response
