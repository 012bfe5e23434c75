"""Who is signed in: the session holds a person id, nothing more."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, redirect, request, session, url_for

from pwa.extensions import db
from pwa.models import Person

F = TypeVar("F", bound=Callable[..., Any])


def current_person() -> Person | None:
    if "person" not in g:
        person_id = session.get("person_id")
        g.person = db.session.get(Person, person_id) if person_id is not None else None
        if person_id is not None and g.person is None:
            session.clear()  # the account was deleted
    return cast(Person | None, g.person)


def sign_in(person: Person) -> None:
    """Start a fresh session for ``person`` (a new session defeats fixation)."""
    session.clear()
    session["person_id"] = person.id
    session.permanent = True
    g.person = person


def sign_out() -> None:
    session.clear()
    g.person = None


class SignInRequired(Exception):
    """Raised by API routes; ``api/errors.py`` answers 401."""


def page_login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_person() is None:
            return redirect(url_for("pages.signin", next=request.path))
        return view(*args, **kwargs)

    return cast(F, wrapped)
