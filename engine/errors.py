"""Domain errors, and how their words stay translatable without the engine knowing Babel.

Each error carries a stable machine-readable ``code``; ``api/errors.py`` maps the
class to an HTTP status so that the engine never needs to know about HTTP.

A message is written once, in English, as a template with named placeholders
(``"A name can be at most %(limit)s characters."``) marked with :func:`N_`, so
that message extraction finds it; a message whose words depend on a ``count`` is a
pair of templates, one and many, marked with :func:`N_plural`. The error keeps the
``template`` and its ``params``; the server translates them for the person who reads them, while
``message`` (the English text) goes to logs and to stored records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


def N_(template: str) -> str:
    """Mark ``template`` for extraction; translation happens where a person reads it."""
    return template


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a template whose words depend on its ``count``, in its one and many forms.

    Translated where it is read with ``ngettext``, which picks the form each language
    needs for the count (``make messages`` extracts both as one entry).
    """
    return singular, plural


def render_count(singular: str, plural: str, params: Mapping[str, Any]) -> str:
    """The English text of a :func:`N_plural` pair: one form for a count of 1, else many."""
    return (singular if params["count"] == 1 else plural) % dict(params)


def render(template: str, params: Mapping[str, Any]) -> str:
    """The English text of a template: ``%``-style named placeholders, as gettext uses."""
    return template % dict(params) if params else template


class Message(Protocol):
    """Anything that carries a translatable template and its parameters."""

    @property
    def template(self) -> str: ...

    @property
    def params(self) -> Mapping[str, Any]: ...


def problem(field: str, template: str, **params: Any) -> dict[str, Any]:
    """One entry of ``details["problems"]``: the field, its English message, and its template.

    The boundary replaces ``message`` with the translation and drops the
    template and params before anything leaves the server.
    """
    return {"field": field, "message": render(template, params), "template": template,
            "params": params}


class DomainError(Exception):
    """Base of every rule the domain refuses to break."""

    code = "domain_error"

    def __init__(self, template: str, details: dict[str, Any] | None = None,
                 **params: Any) -> None:
        message = render(template, params)
        super().__init__(message)
        self.template = template
        self.params = params
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

    def __init__(self, status: str, template: str, **params: Any) -> None:
        super().__init__(template, {"status": status}, **params)
        self.status = status


class UnknownInvite(InviteUnusable, NotFound):
    """An invite token that matches no invite: not gone (410) but never there (404)."""
