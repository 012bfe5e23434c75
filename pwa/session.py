"""Who is signed in, and where a session lives.

The cookie carries a random id and nothing else (Flask-Session). The data it
names is kept on the server: in the ``session_data`` table, or in Redis when
``REDIS_URL`` is set. That data holds the CSRF secret, flashed messages and,
once someone signs in, the id of a row of ``sessions``: the signed-in device.

The row is what decides. A browser is signed in only while its row exists and
stands (``engine.sessions``: not unused for the idle lifetime, not older than
the absolute one), whichever store keeps the data. So ending a session, by any
route, is deleting its row: signing out; "Sign out" on a device in the list;
removing the passkey that opened it (``ON DELETE CASCADE``); deleting the
account. A browser whose row is gone is signed out at its next request: its
record is deleted and it gets a new, empty session. A record whose browser never
comes back holds nothing of use and expires (Redis by its TTL; the table is
swept of expired records whenever a new session is stored).

Signing in and signing out give the browser a new id and delete the old record,
so an id planted before sign-in (session fixation) or a copy of the cookie taken
before sign-out names nothing afterwards.

Flask-Session 0.8's own SQLAlchemy backend is not used as it is: it creates its
table when the app starts, with no setting to turn that off (our schema comes
only from migrations), it defines its model anew for each app made in one
process (the second one fails), and it commits the application's database
session when it stores a record, which would commit whatever a view left
half done. ``DatabaseSessions`` keeps the library's cookie, ids, serialisation
and rotation and stores records in transactions of their own.

One permission model: pages ask ``login_required`` / ``ld_admin_required``,
the API asks ``api.http.signed_in()``; what a person may do is judged by
``engine.people.permissions`` on facts the store loads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, Response, abort, current_app, g, redirect, request, session, url_for
from flask_session.base import ServerSideSession, ServerSideSessionInterface
from flask_session.redis import RedisSessionInterface
from sqlalchemy import bindparam, delete, insert, select, update

from engine.people import Permission
from engine.sessions import Lifetimes
from pwa import clock
from pwa.extensions import db
from pwa.models import Passkey, Person, SessionData
from pwa.store import people, sessions

F = TypeVar("F", bound=Callable[..., Any])

SESSION_ID = "session_id"  # the key, in the session data, of the signed-in device's row
KEY_PREFIX = "skillpath:session:"
# The data of a browser nobody signed in on (the CSRF secret of the sign-in page) is kept
# a day; a signed-in session's for the absolute lifetime, which its row ends sooner.
SIGNED_OUT_RECORD_LIFETIME = timedelta(days=1)


def init_app(app: Flask) -> None:
    """Keep sessions in Redis when ``REDIS_URL`` is set, else in the database."""
    if app.config.get("REDIS_URL"):
        from redis import Redis

        app.session_interface = RedisSessions(
            app, client=Redis.from_url(app.config["REDIS_URL"]), key_prefix=KEY_PREFIX,
            permanent=False)
    else:
        app.session_interface = DatabaseSessions(app)
    app.before_request(_who_is_signed_in)


def lifetimes() -> Lifetimes:
    config = current_app.config
    return Lifetimes(idle=timedelta(days=config["SKILLPATH_SESSION_IDLE_DAYS"]),
                     absolute=timedelta(days=config["SKILLPATH_SESSION_ABSOLUTE_DAYS"]))


def current_person() -> Person | None:
    if "person" not in g:
        g.person, g.session_id, g.passkey_id = _find_signed_in()
    return cast(Person | None, g.person)


def current_session_id() -> int | None:
    """The id of this device's row in ``sessions``, if someone is signed in here."""
    current_person()
    return cast(int | None, g.session_id)


def current_passkey_id() -> int | None:
    """The passkey this device's session was opened with, if someone is signed in here."""
    current_person()
    return cast(int | None, g.passkey_id)


def _find_signed_in() -> tuple[Person | None, int | None, int | None]:
    session_id = session.get(SESSION_ID)
    if session_id is None:
        return None, None, None
    row = sessions.standing(session_id, clock.now(), lifetimes())
    if db.session.dirty or db.session.deleted:
        db.session.commit()  # its use recorded, or the row that ran out deleted
    if row is None:
        _renew()
        return None, None, None
    return row.person, row.id, row.passkey_id


def _who_is_signed_in() -> None:
    """Decide who is signed in before the view runs, so that recording use commits nothing
    of the view's. Static files need nobody."""
    if request.endpoint != "static":
        current_person()


def me() -> Person:
    """The signed-in person, inside a view guarded by ``login_required``."""
    person = current_person()
    if person is None:
        abort(401)
    return person


def sign_in(person: Person, passkey: Passkey) -> None:
    """Start a session for ``person`` on this device, opened with ``passkey``.

    A session this browser already had (someone adding a passkey) ends first,
    and the browser gets a new id.
    """
    previous = current_session_id()
    if previous is not None:
        sessions.end(previous)
    row = sessions.start(person, passkey, request.headers.get("User-Agent"), clock.now())
    db.session.commit()
    _renew(signed_in=True)
    session[SESSION_ID] = row.id
    g.person, g.session_id, g.passkey_id = person, row.id, passkey.id


def sign_out() -> None:
    """End this device's session on the server, and start afresh here."""
    session_id = current_session_id()
    if session_id is not None:
        sessions.end(session_id)
        db.session.commit()
    _renew()
    g.person, g.session_id, g.passkey_id = None, None, None


def _renew(*, signed_in: bool = False) -> None:
    """Give this browser a new session id and an empty session; the old record is deleted.

    An empty session was never stored (empty ones are not), so its id is new already.
    A signed-in session is permanent (its cookie outlives the browser); others are not.
    """
    if session:
        cast(ServerSideSessionInterface, current_app.session_interface).regenerate(session)
    session.clear()
    session.permanent = signed_in
    g.pop(current_app.config["WTF_CSRF_FIELD_NAME"], None)  # Flask-WTF's token of this request


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


# Where session data is kept ----------------------------------------------------------------


def _record_lifetime(lifetime: timedelta, session: ServerSideSession) -> timedelta:
    """A record of a session nobody signed in to is kept a day at most."""
    return lifetime if session.permanent else min(lifetime, SIGNED_OUT_RECORD_LIFETIME)


class RedisSessions(RedisSessionInterface):  # type: ignore[misc]
    """Flask-Session's Redis backend: each record expires by its own TTL."""

    def _upsert_session(self, session_lifetime: timedelta, session: ServerSideSession,
                        store_id: str) -> None:
        super()._upsert_session(_record_lifetime(session_lifetime, session), session, store_id)


# A session's record, read on every request: built once.
_RECORD = select(SessionData.data, SessionData.expires_at).where(
    SessionData.key == bindparam("key"))


class DatabaseSessions(ServerSideSessionInterface):  # type: ignore[misc]
    """Records in ``session_data``, each read or written in a transaction of its own."""

    ttl = False  # the table has no expiry of its own: expired records are deleted when met

    def __init__(self, app: Flask) -> None:
        super().__init__(app, key_prefix=KEY_PREFIX, permanent=False)

    def _retrieve_session_data(self, store_id: str) -> dict[str, Any] | None:
        # One statement, needing no transaction: on PostgreSQL no BEGIN and no ROLLBACK.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            row = conn.execute(_RECORD, {"key": store_id}).first()
        if row is None:
            return None
        if row.expires_at <= clock.now():
            self._delete_session(store_id)
            return None
        return cast(dict[str, Any], self.serializer.decode(row.data))

    def _delete_session(self, store_id: str) -> None:
        with db.engine.begin() as conn:
            conn.execute(delete(SessionData).where(SessionData.key == store_id))

    def _upsert_session(self, session_lifetime: timedelta, session: ServerSideSession,
                        store_id: str) -> None:
        now = clock.now()
        values = {"data": self.serializer.encode(session),
                  "expires_at": now + _record_lifetime(session_lifetime, session)}
        with db.engine.begin() as conn:
            found = conn.execute(update(SessionData).where(SessionData.key == store_id)
                                 .values(**values))
            if not found.rowcount:  # a new session: sweep out the expired ones as we go
                conn.execute(delete(SessionData).where(SessionData.expires_at <= now))
                conn.execute(insert(SessionData).values(key=store_id, **values))

    def _delete_expired_sessions(self) -> None:
        with db.engine.begin() as conn:
            conn.execute(delete(SessionData).where(SessionData.expires_at <= clock.now()))

    def save_session(self, app: Flask, session: ServerSideSession, response: Response) -> None:
        # The response is made: whatever the view left uncommitted is rolled back now, as the
        # app context's teardown would do next. Otherwise, on SQLite, its open write would
        # lock out the record's own transaction.
        db.session.rollback()
        super().save_session(app, session, response)
