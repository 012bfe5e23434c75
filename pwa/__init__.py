"""The Skillpath Flask application: ``create_app`` builds it."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from pwa import config as config_module
from pwa import i18n


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then the environment, then ``test_config``."""
    # /static is served by shell.static_file (registered below), which minifies JS and CSS.
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.config.from_mapping(config_module.defaults(app.instance_path))
    app.config.update(config_module.from_environment(app.config, os.environ))
    if test_config is not None:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY") and app.config["SKILLPATH_ENV"] != "production":
        app.config["SECRET_KEY"] = _development_secret(Path(app.instance_path))
    config_module.finish(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from api.http import Request, signed_out_before_csrf
    from pwa import requestlog, session
    from pwa.extensions import csrf, db, limiter, migrate
    from pwa.params import refuse_nul

    requestlog.init_app(app)  # first: it times the whole request and names it
    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.ROOT / "migrations"))
    app.request_class = Request  # an API body is never read as a form (the CSRF check would)
    app.before_request(refuse_nul)
    app.before_request(signed_out_before_csrf)  # before csrf.init_app adds its check
    csrf.init_app(app)
    limiter.init_app(app)
    # After CSRF: a request from a session that has just ended is checked against the token
    # it was given, then finds nobody signed in (401), rather than a token gone missing.
    session.init_app(app)
    i18n.init_app(app)
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)

    from api import BLUEPRINTS as API_BLUEPRINTS
    from api import errors
    from pwa import assets, cli, params, security
    from pwa.pages import account, admin, author, home, interchange, profiles, reports, shell

    # Before any route is added: ids in addresses are read by <id:...> alone.
    app.url_map.converters["id"] = params.IdConverter
    errors.register(app, shell.error_page)
    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=shell.static_file)
    for blueprint in [*API_BLUEPRINTS, shell.bp, home.bp, account.bp, profiles.bp, author.bp,
                      admin.bp, interchange.bp, reports.bp]:
        app.register_blueprint(blueprint)
    for group in cli.GROUPS:
        app.cli.add_command(group)
    app.jinja_env.globals["module_preloads"] = assets.module_preloads
    app.after_request(security.headers)
    from pwa import jobs
    from pwa.store import bundles, gaps

    jobs.init_app(app)
    gaps.init_app(app)
    bundles.init_app(app)
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
