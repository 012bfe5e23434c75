"""Security headers on every response: a strict Content-Security-Policy (no inline script
or style), no sniffing, no framing, no referrer, and HTTPS only in production."""

from __future__ import annotations

from flask import Response, current_app

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


# Two years, as browsers' preload lists ask. Not includeSubDomains: the app may live beside
# other sites of the organisation's domain that are not ours to move to HTTPS.
HSTS = "max-age=63072000"


# Set on every response unless the route set its own. Their names in lower case, as
# HTTP compares them: the response's own are listed once, rather than each looked up.
ALWAYS = [("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
          ("Referrer-Policy", "no-referrer"), ("X-Frame-Options", "DENY"),
          ("Permissions-Policy", "camera=(), microphone=(), geolocation=()")]
_ALWAYS = [(name.lower(), name, value) for name, value in ALWAYS]


def headers(response: Response) -> Response:
    own = {name.lower() for name in response.headers.keys()}
    for lower, name, value in _ALWAYS:
        if lower not in own:
            response.headers.add(name, value)
    # Production serves over HTTPS only (its cookies are Secure); development runs on http.
    if current_app.config["SKILLPATH_ENV"] == "production" and \
            "strict-transport-security" not in own:
        response.headers.add("Strict-Transport-Security", HSTS)
    if response.mimetype == "text/html" and "cache-control" not in own:
        response.headers.add("Cache-Control", "no-store")
    return response
