"""The one error shape of the API.

Every error under ``/api/`` is ``{"code", "error", "message", "details"}``:
HTTP errors raised by Flask and Werkzeug (404, 405, 413, ...), CSRF failures,
rate limits, request validation, domain errors from ``engine`` and, as a last
resort, unexpected exceptions. Pages get an HTML page with the same message,
drawn by the renderer the app registers (this package knows no templates).

Messages are English templates marked with ``N_``; they are translated here,
at the boundary, for the person who asked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine.errors import (
    N_,
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    InviteUnusable,
    NotFound,
    UnknownInvite,
    render,
)
from pwa.extensions import db
from pwa.i18n import translate, translated_details
from pwa.jobs import log_untold, quotes_a_row

log = logging.getLogger(__name__)

# The first class an error is an instance of decides.
DOMAIN_STATUS: dict[type[DomainError], int] = {
    UnknownInvite: 404,  # an invite too, but one that never existed
    InvalidInput: 422,
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    InviteUnusable: 410,
}

# Plain-words messages for HTTP errors that Werkzeug describes tersely.
HTTP_MESSAGES = {
    400: N_("The request could not be understood."),
    401: N_("Please sign in first."),
    403: N_("You are not allowed to do this."),
    404: N_("There is nothing at this address."),
    405: N_("This address does not accept that method."),
    409: N_("This clashes with what is saved now. Reload and try again."),
    410: N_("This is no longer here."),
    413: N_("The request body is too large."),
    415: N_("The request body must be JSON (Content-Type: application/json)."),
    429: N_("Too many attempts. Wait a minute, then try again."),
}
# For any other status Werkzeug raises (its own description is English only).
OTHER_HTTP_MESSAGE = N_("The request could not be completed.")


class ApiError(Exception):
    """An error raised inside an API route, answered in the one shape.

    ``template`` is an English message marked with ``N_``, with ``%(name)s``
    placeholders filled from ``params``; it is translated when answered.
    """

    def __init__(
        self, status: int, error: str, template: str, details: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        message = render(template, params)
        super().__init__(message)
        self.status = status
        self.error = error
        self.template = template
        self.params = params
        self.message = message
        self.details = details or {}


def error_response(
    status: int, error: str, message: str, details: dict[str, Any] | None = None
) -> Response:
    response = jsonify(
        {"code": status, "error": error, "message": message, "details": details or {}}
    )
    response.status_code = status
    return response


def _is_api() -> bool:
    return request.path.startswith("/api/")


# Renders an error as a page for a person (not under /api/); the app gives it.
PageRenderer = Callable[[int, str], tuple[str, int]]


def roll_back() -> None:
    """End the request's transaction before anything is drawn.

    A failed statement leaves a PostgreSQL transaction aborted: every later
    query of the request (who is signed in, their language) would fail too and
    turn the error page itself into a bare 500. Nothing an error interrupted is
    meant to be saved, so rolling back loses nothing that was not committed.
    """
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the database may be the thing that failed
        log.exception("rolling back after an error failed")


def _answer(
    status: int, error: str, message: str, details: dict[str, Any] | None = None
) -> Response | tuple[str, int]:
    if status >= 500:
        # So that a person can quote it, and whoever reads the logs finds the one line.
        details = {**(details or {}), "request_id": g.get("request_id")}
    if _is_api():
        return error_response(status, error, message, details)
    page: PageRenderer = current_app.extensions["skillpath_error_page"]
    try:
        return page(status, message)
    except Exception as exc:  # noqa: BLE001 - the last resort must not fail in turn
        if quotes_a_row(exc):
            log_untold(log, logging.ERROR, "the error page for %s failed on %s", status,
                       request.path, exc=exc)
        else:
            log.exception("the error page for %s failed on %s", status, request.path)
        roll_back()
        return Response(message, status=status, mimetype="text/plain")


def _snake(name: str) -> str:
    return name.lower().replace(" ", "_").replace("-", "_").replace("'", "")


def handle_api_error(exc: ApiError) -> Response | tuple[str, int]:
    roll_back()
    return _answer(exc.status, exc.error, translate(exc), exc.details)


def handle_domain_error(exc: DomainError) -> Response | tuple[str, int]:
    roll_back()
    status = next((s for cls, s in DOMAIN_STATUS.items() if isinstance(exc, cls)), 422)
    return _answer(status, exc.code, translate(exc), translated_details(exc.details))


def handle_csrf_error(exc: CSRFError) -> Response | tuple[str, int]:
    roll_back()
    return _answer(
        400,
        "csrf_failed",
        gettext("The security token is missing or out of date (%(reason)s) "
                "Reload the page and try again.", reason=exc.description),
    )


def handle_http_error(exc: HTTPException) -> Response | tuple[str, int]:
    roll_back()
    status = exc.code or 500
    details: dict[str, Any] = {}
    if status == 413:
        details["max_bytes"] = request.max_content_length
        if request.path.startswith("/api/v1/sync"):
            from engine.sync import MAX_BATCH

            details["max_events"] = MAX_BATCH
    if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
        details["allowed"] = sorted(exc.valid_methods)  # type: ignore[attr-defined]
    message = gettext(HTTP_MESSAGES.get(status, OTHER_HTTP_MESSAGE))
    if status == 429:
        details["limit"] = str(exc.description)
    response = _answer(status, _snake(exc.name), message, details)
    if isinstance(response, Response):
        told = exc.get_response().headers
        for header in ("Allow", "Retry-After"):  # a 405's methods, a 429's wait
            if told.get(header):
                response.headers[header] = told[header]
    return response


def handle_unexpected(exc: Exception) -> Response | tuple[str, int]:
    if isinstance(exc, HTTPException):
        return handle_http_error(exc)
    if quotes_a_row(exc):  # its text may quote a person's row: never logged
        log_untold(log, logging.ERROR, "unhandled error on %s %s", request.method,
                   request.path, exc=exc)
    else:
        log.exception("unhandled error on %s %s", request.method, request.path)
    roll_back()
    return _answer(500, "internal_error",
                   gettext("Something went wrong on our side. Nothing was saved."))


def register(app: Flask, page: PageRenderer) -> None:
    """Answer every error in the one shape under /api/, and with ``page`` elsewhere."""
    app.extensions["skillpath_error_page"] = page
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
