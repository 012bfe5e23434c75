"""The app shell and what a browser needs around it.

/app, /offline, /sw.js, the web app manifest, /healthz, /readyz and the static files.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext
from sqlalchemy import text
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

from pwa import assets, requestlog
from pwa.config import ROOT
from pwa.extensions import db

bp = Blueprint("shell", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int] | Response:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        db.session.rollback()
        body = {"status": "error", "database": _unreachable(exc)}
        return Response(json.dumps(body), status=503, mimetype="application/json"), 503
    return Response(json.dumps({"status": "ok", "database": "ok"}), mimetype="application/json")


@bp.get("/readyz")
def readyz() -> Response:
    """Ready to serve: the database answers and, when the app uses one, Redis does.

    A load balancer sends people only to an app server that answers 200 here;
    ``/healthz`` says only that the process is alive and reaches its database.
    """
    problems: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        db.session.rollback()
        problems["database"] = _unreachable(exc)
    url = current_app.config.get("REDIS_URL")
    if url:
        from redis import Redis

        client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        except Exception as exc:  # noqa: BLE001
            problems["redis"] = _unreachable(exc)
        finally:
            client.close()
    if problems:
        # The API's one error shape (api/errors.py), the failing checks in its details.
        body = {"code": 503, "error": "not_ready",
                "message": gettext("The app cannot serve requests now."), "details": problems}
        return Response(json.dumps(body), status=503, mimetype="application/json")
    checks = {"database": "ok", **({"redis": "ok"} if url else {})}
    return Response(json.dumps({"status": "ok", **checks}), mimetype="application/json")


def _unreachable(exc: Exception) -> str:
    first = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"unreachable: {type(exc).__name__}: {first}"


@bp.get("/app")
def app_shell() -> Response:
    """The offline app's shell: no personal data, so the service worker may cache it."""
    return _revalidated(render_template("shell/app.html").encode(), "text/html")


@bp.get("/offline")
def offline() -> Response:
    """What a page that needs the network shows without it (from the worker's cache)."""
    return _revalidated(render_template("shell/offline.html").encode(), "text/html")


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    return _revalidated(ROOT / "static" / "manifest.webmanifest", "application/manifest+json")


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, at the root so its scope is the whole app; never cached long."""
    response = _revalidated(assets.service_worker_source(), "text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return response


def static_file(filename: str) -> Response:
    """A file under /static: JS and CSS as ``assets.served`` makes them (minified), the rest
    as on disk. Registered by ``create_app`` as the app's ``static`` endpoint."""
    found = safe_join(str(assets.STATIC), filename)
    if found is None or not Path(found).is_file():
        raise NotFound()
    path = Path(found)
    mimetype = assets.MINIFIED.get(path.suffix)
    if mimetype is None:
        # Read whole (the largest is a 3 KB icon): a file handed to the server as an open
        # stream stayed open when the browser dropped the connection mid-answer.
        guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return _revalidated(path, guessed)
    return _revalidated(assets.served(path), mimetype)


def _revalidated(path: Path | bytes, mimetype: str) -> Response:
    """A small file of ours with an ETag, revalidated on every use (it names the versions).

    The service worker keeps these; ``no-cache`` makes the browser ask each time,
    and an unchanged file costs a 304.
    """
    response = Response(path if isinstance(path, bytes) else path.read_bytes(), mimetype=mimetype)
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    response.make_conditional(request)
    return response


def error_page(status: int, message: str) -> tuple[str, int]:
    """An error as a page, with the same words the API would give."""
    return render_template("error.html", status=status, message=message,
                           request_id=requestlog.request_id()), status
