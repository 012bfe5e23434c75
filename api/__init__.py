"""The JSON API the PWA talks to, one blueprint per resource under /api/v1."""

from __future__ import annotations

from flask import Flask


def register_api(app: Flask) -> None:
    from api import auth, content, errors, me, openapi, sync

    errors.register(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(me.bp)
    app.register_blueprint(content.bp)
    app.register_blueprint(sync.bp)
    app.register_blueprint(openapi.bp)
