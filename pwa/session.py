"""Who is signed in, and where a session lives.

The cookie carries a random id and nothing else (Flask-Session). The data it
names is kept on the server: in the ``session_data`` table, or in Redis when
``REDIS_URL`` is set. That data holds the CSRF secret, flashed messages and,
once someone signs in, the id of a row of ``sessions``: the signed-in device.

In the table, a record also names that row in a column of its own, so that every
request reads the record, the row, the person and the organisation (whose counters make
the bootstrap's ETag) in one joined SELECT; with Redis it is one GET and one SELECT. A
route that needs less says so (``reads_session``): a sign-in's verify reads the record
alone (the CSRF secret, the row it ends), the sign-in options nothing at all.

The row is what decides. A browser is signed in only while its row exists and
stands (``engine.sessions``: not unused for the idle lifetime, not older than
the absolute one), whichever store keeps the data. So ending a session, by any
route, is deleting its row: signing out; "Sign out" on a device in the list;
removing the passkey that opened it (``ON DELETE CASCADE``); deleting the
account. A browser whose row is gone is signed out at its next request: its
record is deleted and it gets a new, empty session. A record whose browser never
comes back holds nothing of use and expires (Redis by its TTL; the table is
swept of expired records now and then, when a new record is stored).

Signing in and signing out give the browser a new id and delete the old record,
so an id planted before sign-in (session fixation) or a copy of the cookie taken
before sign-out names nothing afterwards. A sign-in is one transaction: the
challenge used, the passkey's counter, the old session's row ended, the new
one started and, in the table, the old record replaced by the new one.

Flask-Session 0.8's own SQLAlchemy backend is not used as it is: it creates its
table when the app starts, with no setting to turn that off (our schema comes
only from migrations), it defines its model anew for each app made in one
process (the second one fails), and it commits the application's database
session when it stores a record, which would commit whatever a view left
half done. ``DatabaseSessions`` keeps the library's cookie, ids, serialisation
and rotation and stores records in transactions of their own, but for a
sign-in's, stored in the sign-in's transaction.

One permission model: pages ask ``login_required`` / ``ld_admin_required``,
the API asks ``api.http.signed_in()``; what a person may do is judged by
``engine.people.permissions`` on facts the store loads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
    Flask,
    Request,
    Response,
    abort,
    current_app,
    g,
    redirect,
    request,
    session,
    url_for,
)
from flask.globals import request_ctx
from flask_session.base import ServerSideSession, ServerSideSessionInterface
from flask_session.redis import RedisSessionInterface
from flask_wtf.csrf import generate_csrf
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session as OrmSession

from engine.people import Permission
from engine.sessions import Lifetimes
from pwa import clock
from pwa.extensions import db
from pwa.models import Person, Session, SessionData
from pwa.store import people, sessions

F = TypeVar("F", bound=Callable[..., Any])

SESSION_ID = "session_id"  # the key, in the session data, of the signed-in device's row
KEY_PREFIX = "skillpath:session:"
# The data of a browser nobody signed in on (the CSRF secret of the sign-in page) is kept
# a day; a signed-in session's for the absolute lifetime, which its row ends sooner.
SIGNED_OUT_RECORD_LIFETIME = timedelta(days=1)

# What a route reads of its session (``reads_session``); undeclared, everything.
EVERYTHING, RECORD, NOTHING = "everything", "record", "nothing"


def reads_session(what: str) -> Callable[[F], F]:
    """Declare what a route reads of its session, so that no more is read for it.

    ``RECORD``: the record's data (the CSRF secret, the id of the ``sessions`` row it
    names), not who is signed in: the record is read alone, without the row, the person
    and the organisation most routes want with it (a sign-in's verify replaces the session
    whoever it was). ``NOTHING``: the session is not read at all (a route that answers
    anyone alike, changes nothing and so needs no CSRF check, whose secret is in the
    record: the sign-in options); writing to it is an error.
    """
    if what not in {RECORD, NOTHING}:
        raise ValueError(f"a route reads its session's record or nothing, not {what!r}")

    def decorate(view: F) -> F:
        view.reads_session = what  # type: ignore[attr-defined]
        return view

    return decorate


def _view(request: Request) -> Any:
    """The view of ``request``'s route, or None. Flask opens the session before it matches
    the request to a route, so the request is matched here first (Flask's own matching,
    done again after, finds the same)."""
    if request.url_rule is None and request.routing_exception is None:
        request_ctx.match_request()
    return current_app.view_functions.get(request.endpoint) if request.endpoint else None


def _reads(request: Request) -> str:
    """What the route of ``request`` reads of its session."""
    return cast(str, getattr(_view(request), "reads_session", EVERYTHING))


class _Unread(ServerSideSession):  # type: ignore[misc]
    """The session of a route that declared it reads nothing of it: empty, never stored."""

    def __init__(self) -> None:
        super().__init__()

        def refuse(_session: Any) -> None:
            raise RuntimeError("this route declared that it reads nothing of its session "
                               "(reads_session(NOTHING)): it may not write to it either")

        self.on_update = refuse


class _DeclaredReads(ServerSideSessionInterface):  # type: ignore[misc]
    """Reads what the route declared it needs of the session (``reads_session``)."""

    def open_session(self, app: Flask, request: Request) -> ServerSideSession:
        if request.cookies.get(app.config["SESSION_COOKIE_NAME"]) and \
                _reads(request) == NOTHING:
            return _Unread()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: ServerSideSession, response: Response) -> None:
        if not isinstance(session, _Unread):
            super().save_session(app, session, response)


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
    found = g.pop("session_row_found", None)  # read with the record, in the database
    if session_id is None:
        return None, None, None
    if found is not None and found[0] == session_id:
        row = sessions.still_standing(found[1], clock.now(), lifetimes())
    else:  # Redis, or a record stored by code from before the joined read
        row = sessions.standing(session_id, clock.now(), lifetimes())
    if db.session.dirty or db.session.deleted:
        db.session.commit()  # its use recorded, or the row that ran out deleted
    if row is None:
        _renew()
        return None, None, None
    return row.person, row.id, row.passkey_id


def _who_is_signed_in() -> None:
    """Decide who is signed in before the view runs, so that recording use commits nothing
    of the view's. Static files need nobody, nor do the routes that say so
    (``session="none"`` in ``api.http.responds``: the CSRF token, sign-in, sign-out):
    those that ask anyway change nothing before they do, and signing in needs only the
    id of the row it replaces."""
    if request.endpoint == "static" or request.endpoint is None:
        return
    if getattr(current_app.view_functions.get(request.endpoint), "session", None) == "none":
        return
    current_person()


def me() -> Person:
    """The signed-in person, inside a view guarded by ``login_required``."""
    person = current_person()
    if person is None:
        abort(401)
    return person


def sign_in(person_id: int, passkey_id: int, person: Person | None = None) -> None:
    """Start a session for the person ``person_id`` on this device, opened with the passkey
    ``passkey_id``, and commit.

    One transaction holds the whole sign-in: whatever the caller left uncommitted
    (the challenge used, the passkey's counter), the end of a session this
    browser already had (someone adding a passkey), the new row and, when session
    data is kept in the database, the old record replaced by the new one. The
    browser always gets a new id (an id planted before sign-in names nothing after).
    ``person``, if the caller has it loaded, is who ``current_person`` answers for the
    rest of the request; else it is looked up only if asked.
    """
    interface = cast(ServerSideSessionInterface, current_app.session_interface)
    # The row this browser had, standing or not: it ends, and needs no loading for that.
    previous = g.session_id if "person" in g else session.get(SESSION_ID)
    if previous is not None:
        sessions.end(previous)
    row_id = sessions.start(person_id, passkey_id, request.headers.get("User-Agent"),
                            clock.now())
    data = cast(ServerSideSession, session)
    old_sid = data.sid if data else None  # only a session with data was stored
    data.clear()
    data.sid = interface._generate_sid(interface.sid_length)
    data.permanent = True  # a signed-in session's cookie outlives the browser
    g.pop(current_app.config["WTF_CSRF_FIELD_NAME"], None)  # Flask-WTF's token of the old one
    data[SESSION_ID] = row_id
    g.pop("session_row_found", None)  # the ended row's, read with the old record
    generate_csrf()  # the new session's CSRF secret, now, so that its record is whole
    if isinstance(interface, DatabaseSessions):
        interface.replace_in_transaction(old_sid, data)
    db.session.commit()
    if old_sid is not None and not isinstance(interface, DatabaseSessions):
        interface._delete_session(interface._get_store_id(old_sid))  # Redis: the old key
    if person is not None:
        g.person, g.session_id, g.passkey_id = person, row_id, passkey_id
    else:
        for name in ("person", "session_id", "passkey_id"):
            g.pop(name, None)  # found again from the new session, if anyone asks
    g.signed_in_person_id = person_id


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


class RedisSessions(_DeclaredReads, RedisSessionInterface):  # type: ignore[misc]
    """Flask-Session's Redis backend: each record expires by its own TTL."""

    def _upsert_session(self, session_lifetime: timedelta, session: ServerSideSession,
                        store_id: str) -> None:
        super()._upsert_session(_record_lifetime(session_lifetime, session), session, store_id)


# Expired records hold nothing of use (one found is deleted as it is read), so the
# table is swept of them now and then, not each time a record is added: at most once
# every few minutes per process, by whichever process stores a new record.
RECORD_SWEEP_EVERY = timedelta(minutes=5)
_last_record_sweep: datetime | None = None

# A session's record, read on every request, in one statement with the signed-in device's
# row it names (none if that row is gone: the session ended), its person, their roles and
# organisation (the counters of the bootstrap's ETag): built once.
_RECORD = (select(SessionData.data, SessionData.expires_at, SessionData.session_id, Session)
           .outerjoin(Session, Session.id == SessionData.session_id)
           .where(SessionData.key == bindparam("key")).options(*sessions.WITH_PERSON))
_RECORDS = SessionData.__table__
_RECORD_ALONE = select(_RECORDS.c.data, _RECORDS.c.expires_at).where(
    _RECORDS.c.key == bindparam("key"))
_STORE = _RECORDS.insert()
# The record of a browser signing in, moved to its new id with its new data: the old id
# names nothing afterwards, in one statement rather than a DELETE and an INSERT.
_MOVE = _RECORDS.update().where(_RECORDS.c.key == bindparam("old_key")).values(
    key=bindparam("new_key"), data=bindparam("new_data"),
    expires_at=bindparam("new_expiry"), session_id=bindparam("new_session_id"))


WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _writes_as_someone() -> bool:
    """Whether this request, its route not matched yet, is one that changes something and
    needs someone signed in (``session="required"`` in ``api.http.responds``): a sync, a
    change to the plan. A route that does not say so reads the record on its own."""
    if request.method not in WRITES:
        return False
    return getattr(_view(request), "session", None) == "required"


class DatabaseSessions(_DeclaredReads):
    """Records in ``session_data``, each written in a transaction of its own, but for the
    record of a sign-in, written in the sign-in's transaction.

    A record is read joined with the ``sessions`` row its ``session_id`` column names, and
    the person and organisation of that row: a signed-in request's lookup is that one
    statement, on a connection of its own with no transaction, or, for a request that
    changes something for someone signed in (a sync), in the request's own transaction.
    The column repeats the id the data holds; the data decides, and the joined row is used
    only when both name the same row (a record stored by code from before the column keeps
    none, or an older one)."""

    ttl = False  # the table has no expiry of its own: expired records are deleted when met

    def __init__(self, app: Flask) -> None:
        super().__init__(app, key_prefix=KEY_PREFIX, permanent=False)

    def _retrieve_session_data(self, store_id: str) -> dict[str, Any] | None:
        # A route that reads the record alone reads it with one statement. A request that
        # changes something for someone signed in opens a transaction anyway: it reads the
        # record in it. Any other reads it with one statement on a connection of its own,
        # needing no transaction: on PostgreSQL no BEGIN and no ROLLBACK (a signed-out
        # request may ask nothing more), and the row found joins the request's session
        # without being read again (merging it costs about what reading it does).
        alone = _reads(request) == RECORD
        own = not alone and _writes_as_someone()
        if own:
            row = db.session.execute(_RECORD, {"key": store_id}).first()
        else:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                if alone:  # nor an ORM session to read it with
                    row = conn.execute(_RECORD_ALONE, {"key": store_id}).first()
                else:
                    with OrmSession(bind=conn) as reader:
                        row = reader.execute(_RECORD, {"key": store_id}).first()
        if row is None:
            return None
        if row.expires_at <= clock.now():
            if own:
                db.session.rollback()  # its read; the record goes on a connection of its own
            self._delete_session(store_id)
            return None
        data = cast(dict[str, Any], self.serializer.decode(row.data))
        if not alone and row.session_id is not None and row.session_id == data.get(SESSION_ID):
            found = row.Session if own else \
                row.Session and db.session.merge(row.Session, load=False)
            g.session_row_found = (row.session_id, found)  # for _find_signed_in
        return data

    def _delete_session(self, store_id: str) -> None:
        with db.engine.begin() as conn:
            conn.execute(delete(SessionData).where(SessionData.key == store_id))

    def replace_in_transaction(self, old_sid: str | None, session: ServerSideSession) -> None:
        """Store ``session``'s record in place of ``old_sid``'s (which then names nothing),
        in the application's transaction (a sign-in's): with its commit or not at all.

        The record is not written again when the response is made, unless the session
        has changed since.
        """
        store_id, data = self._get_store_id(session.sid), self.serializer.encode(session)
        expires_at = clock.now() + _record_lifetime(current_app.permanent_session_lifetime,
                                                    session)
        conn = db.session.connection()
        moved = old_sid is not None and conn.execute(_MOVE, {
            "old_key": self._get_store_id(old_sid), "new_key": store_id, "new_data": data,
            "new_expiry": expires_at, "new_session_id": session.get(SESSION_ID)}).rowcount == 1
        if not moved:  # none stored under the old id (its data was never stored, or expired)
            conn.execute(_STORE, {"key": store_id, "data": data, "expires_at": expires_at,
                                  "session_id": session.get(SESSION_ID)})
        g.session_record_stored = (store_id, data)

    def _upsert_session(self, session_lifetime: timedelta, session: ServerSideSession,
                        store_id: str) -> None:
        global _last_record_sweep
        now = clock.now()
        data = self.serializer.encode(session)
        if g.get("session_record_stored") == (store_id, data):
            return  # stored, as it is, with the sign-in
        values = {"data": data, "expires_at": now + _record_lifetime(session_lifetime, session),
                  "session_id": session.get(SESSION_ID)}
        with db.engine.begin() as conn:
            found = conn.execute(update(SessionData).where(SessionData.key == store_id)
                                 .values(**values))
            if not found.rowcount:  # a new session: sweep out the expired ones now and then
                if _last_record_sweep is None or not (
                        _last_record_sweep <= now < _last_record_sweep + RECORD_SWEEP_EVERY):
                    conn.execute(delete(SessionData).where(SessionData.expires_at <= now))
                    _last_record_sweep = now
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
