"""The Skillpath Flask application: ``create_app`` builds it."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, Response
from sqlalchemy import event
from sqlalchemy.engine import Engine

from pwa import config as config_module

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then the environment, then ``test_config``."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        static_folder=str(config_module.ROOT / "static"),
        static_url_path="/static",
    )
    app.config.from_mapping(config_module.defaults(app.instance_path))
    app.config.update(config_module.from_environment(app.config, os.environ))
    if test_config is not None:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY") and app.config["SKILLPATH_ENV"] != "production":
        app.config["SECRET_KEY"] = _development_secret(Path(app.instance_path))
    config_module.finish(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from pwa.extensions import csrf, db, limiter, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)

    from api import register_api
    from pwa import admin_pages, assets, cli, pages, profile_pages

    register_api(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(profile_pages.bp)
    app.register_blueprint(admin_pages.bp)
    cli.register(app)
    app.jinja_env.globals["module_preloads"] = assets.module_preloads
    app.after_request(_security_headers)
    proxies = app.config["SKILLPATH_TRUSTED_PROXIES"]
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    return app


def _development_secret(instance: Path) -> str:
    """A random key kept in instance/ so development sessions survive a restart."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
    )
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
