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


def headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
    )
    # Production serves over HTTPS only (its cookies are Secure); development runs on http.
    if current_app.config["SKILLPATH_ENV"] == "production":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
