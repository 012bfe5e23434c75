"""Who is signed in: the session holds a person id, nothing more.

One permission model: pages ask ``login_required`` / ``ld_admin_required``,
the API asks ``api.http.signed_in()``; what a person may do is judged by
``engine.people.permissions`` on facts the store loads.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, g, redirect, request, session, url_for

from engine.people import Permission
from pwa.extensions import db
from pwa.models import Person
from pwa.store import people

F = TypeVar("F", bound=Callable[..., Any])


def current_person() -> Person | None:
    if "person" not in g:
        person_id = session.get("person_id")
        g.person = db.session.get(Person, person_id) if person_id is not None else None
        if person_id is not None and g.person is None:
            session.clear()  # the account was deleted
    return cast(Person | None, g.person)


def me() -> Person:
    """The signed-in person, inside a view guarded by ``login_required``."""
    person = current_person()
    if person is None:
        abort(401)
    return person


def sign_in(person: Person) -> None:
    """Start a fresh session for ``person`` (a new session defeats fixation)."""
    session.clear()
    session["person_id"] = person.id
    session.permanent = True
    g.person = person


def sign_out() -> None:
    session.clear()
    g.person = None


def login_required(view: F) -> F:
    """A page for signed-in people: others go to sign-in and come back."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_person() is None:
            return redirect(url_for("home.signin", next=request.path))
        return view(*args, **kwargs)

    return cast(F, wrapped)


def ld_admin_required(view: F) -> F:
    """A page for L&D admins; anyone else signed in gets 403."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if Permission.LD_ADMIN not in people.permissions(me()):
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapped)
