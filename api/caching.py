"""Strong ETags and cache lifetimes for content responses."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Response, current_app, request

IMMUTABLE = "private, max-age=31536000, immutable"
REVALIDATE = "private, no-cache"


def content_response(body: Any, *, immutable: bool) -> Response:
    """JSON with a strong ETag from its bytes; 304 when the client already has them.

    Immutable resources (a published profile version, an item revision) may be
    cached for a year; the rest must be revalidated on every use.
    """
    data = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    payload = data.encode("utf-8")
    etag = hashlib.sha256(payload).hexdigest()[:32]
    response: Response = current_app.response_class(payload, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = IMMUTABLE if immutable else REVALIDATE
    response.vary.add("Cookie")
    if etag in request.if_none_match:
        response.status_code = 304
        response.set_data(b"")
    return response
