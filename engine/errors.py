"""Domain errors.

Each carries a stable machine-readable ``code``; ``api/errors.py`` maps the
class to an HTTP status so that the engine never needs to know about HTTP.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every rule the domain refuses to break."""

    code = "domain_error"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidInput(DomainError):
    """Input that is well-formed but breaks a rule (an unknown time zone, say)."""

    code = "invalid_input"


class NotFound(DomainError):
    """Something the caller named does not exist (or is not theirs to see)."""

    code = "not_found"


class Forbidden(DomainError):
    """The caller is signed in but may not do this."""

    code = "forbidden"


class Conflict(DomainError):
    """The request clashes with the current state (the last passkey, say)."""

    code = "conflict"


class InviteUnusable(DomainError):
    """An invite link that was used, revoked, expired or never existed."""

    code = "invite_unusable"

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message, {"status": status})
        self.status = status
