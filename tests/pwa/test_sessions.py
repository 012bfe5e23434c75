"""Sessions end when they should: on sign-out, passkey removal, account deletion, from the
device list, and after the idle or absolute lifetime; the cookie is a random id only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pwa import clock
from pwa.extensions import db
from pwa.models import Passkey, Session, SessionData
from pwa.session import KEY_PREFIX
from tests.factories import (
    ANDROID_CHROME,
    IPHONE_SAFARI,
    device,
    enrol,
    make_invite,
    make_person,
    session_cookie,
    sign_in,
)
from tests.softauthn import SoftAuthenticator

# Redis databases are shared by the machine: under xdist (CI's PostgreSQL run) every
# module that uses one runs on the same worker, one test at a time (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("redis")


def form_token(html: bytes) -> str:
    return re.search(rb'<meta name="csrf-token" content="([^"]+)"', html).group(1).decode()


def signed_in(api) -> bool:
    return api.get("/api/v1/me").status_code == 200


def three_devices(app):
    """One person on three devices: A and B signed in with the first passkey, C with a second."""
    person_id = make_person(app)
    a, b, c = device(app, ANDROID_CHROME), device(app, IPHONE_SAFARI), device(app)
    first, answer = enrol(a, make_invite(app, person_id))
    assert answer.status_code == 200
    assert sign_in(b, first).status_code == 200
    assert enrol(c, make_invite(app, person_id))[1].status_code == 200
    return person_id, a, b, c


def session_ids(app) -> dict[str | None, int]:
    """Each standing session's id by its browser (None for the test client's)."""
    with app.app_context():
        return {s.browser: s.id for s in db.session.scalars(sa.select(Session))}


def stored_keys(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(sa.select(SessionData.key)))


def test_the_cookie_holds_a_random_id_and_the_session_lives_on_the_server(app, api, org):
    enrol(api, make_invite(app, make_person(app)))
    cookie = session_cookie(api)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie)  # 32 random bytes, nothing signed in it
    assert stored_keys(app) == {KEY_PREFIX + cookie}
    with app.app_context():
        row = db.session.scalars(sa.select(Session)).one()
        assert (row.created_at, row.last_seen_at) == (row.created_at, row.created_at)


@pytest.mark.parametrize("how", ["page", "api"])
def test_a_copy_of_the_cookie_taken_before_sign_out_no_longer_works(app, api, org, how):
    enrol(api, make_invite(app, make_person(app)))
    copy = session_cookie(api)
    assert signed_in(device(app, cookie=copy))  # while signed in, the copy works (it is a cookie)

    if how == "page":
        token = form_token(api.get("/").data)
        assert api.client.post("/signout", data={"csrf_token": token}).status_code == 302
    else:
        assert api.post("/api/v1/auth/signout").status_code == 200

    thief = device(app, cookie=copy)
    assert thief.get("/api/v1/me").status_code == 401
    assert thief.get("/account").status_code == 302
    assert thief.get("/api/v1/auth/session").get_json()["signed_in"] is False
    assert session_ids(app) == {}
    assert KEY_PREFIX + copy not in stored_keys(app)


def test_sign_in_gives_the_browser_a_new_session_id(app, api, org):
    api.csrf()  # a session before sign-in: it holds the CSRF secret of the sign-in page
    before = session_cookie(api)
    assert stored_keys(app) == {KEY_PREFIX + before}

    enrol(api, make_invite(app, make_person(app)))

    after = session_cookie(api)
    assert after != before
    assert stored_keys(app) == {KEY_PREFIX + after}  # the id from before names nothing now
    assert not signed_in(device(app, cookie=before))  # a planted id is not signed in
    assert signed_in(api)


def test_the_pages_the_service_worker_keeps_never_start_a_session(app, api, org):
    """/app and /offline are fetched by the service worker too, in the background. Were
    they to start a session, an answer to a request sent with an id that has since
    changed (the browser signed in meanwhile) would set a new, empty session's cookie
    over the signed-in one, and the page's next call would be a 401."""
    for url in ("/app", "/offline"):
        stranger = device(app)
        assert stranger.client.get(url).status_code == 200
        assert session_cookie(stranger) is None, url
    assert stored_keys(app) == set()

    api.csrf()  # the sign-in page's session; its id is replaced on signing in
    before = session_cookie(api)
    enrol(api, make_invite(app, make_person(app)))
    late = device(app, cookie=before)  # a background fetch sent before signing in
    for url in ("/app", "/offline"):
        answer = late.client.get(url)
        assert answer.status_code == 200
        assert "Set-Cookie" not in answer.headers, url
    assert stored_keys(app) == {KEY_PREFIX + session_cookie(api)}
    assert signed_in(api)


def test_removing_a_passkey_ends_the_sessions_it_opened_but_not_others(app, org):
    _, a, b, c = three_devices(app)
    with app.app_context():
        first, second = db.session.scalars(sa.select(Passkey.id).order_by(Passkey.id)).all()

    answer = c.delete(f"/api/v1/me/passkeys/{first}")

    assert answer.get_json() == {"removed": first, "signed_in": True}
    assert not signed_in(a) and not signed_in(b)
    assert signed_in(c)
    assert set(session_ids(app)) == {None}


def test_removing_the_passkey_this_device_signed_in_with_signs_it_out(app, org):
    _, a, b, c = three_devices(app)
    with app.app_context():
        first = db.session.scalars(sa.select(Passkey.id).order_by(Passkey.id)).first()
    page = a.get("/account/passkeys")

    answer = a.client.post(f"/account/passkeys/{first}/remove",
                           data={"csrf_token": form_token(page.data)}, follow_redirects=True)

    assert answer.request.path == "/signin"
    assert "This device was signed in with it, so you are signed out" in answer.text
    assert not signed_in(a) and not signed_in(b)
    assert signed_in(c)


def test_deleting_the_account_ends_every_session(app, org):
    person_id, a, b, c = three_devices(app)
    b_key = KEY_PREFIX + session_cookie(b)

    assert a.delete("/api/v1/me").get_json() == {"deleted": True}

    assert session_ids(app) == {}
    # B's data is still stored, but it names a session that is gone: it is dead...
    assert b_key in stored_keys(app)
    assert b.get("/api/v1/auth/session").get_json()["signed_in"] is False
    # ...and deleted the first time B comes back.
    assert b_key not in stored_keys(app)
    assert not signed_in(c)


def test_sign_out_on_another_devices_row_ends_only_that_one(app, org):
    _, a, b, c = three_devices(app)
    ids = session_ids(app)
    page = a.get("/account/sessions")
    assert page.status_code == 200
    html = page.text
    assert "Chrome on Android" in html and "Safari on iOS" in html and "Unknown browser" in html
    here = re.search(r'<li class="row" id="session-(\d+)">\s*<div>\s*<p class="row-title">'
                     r'[^<]*<span class="pill">This device</span>', html)
    assert here and int(here.group(1)) == ids["Chrome"]  # this device, marked
    assert html.count("This device") == 1
    assert 'aria-label="Sign out Safari on iOS"' in html

    answer = a.client.post(f"/account/sessions/{ids['Safari']}/end",
                           data={"csrf_token": form_token(page.data)}, follow_redirects=True)

    assert "Signed out Safari on iOS." in answer.text
    assert not signed_in(b)
    assert signed_in(a) and signed_in(c)
    assert "Safari on iOS" not in a.get("/account/sessions").text.split("</h1>")[1].split(
        "</ul>")[0]


def test_nobody_can_sign_out_another_persons_device(app, org):
    _, a, b, c = three_devices(app)
    ids = session_ids(app)
    stranger = device(app)
    enrol(stranger, make_invite(app, make_person(app, "Ben Ode")))
    page = stranger.get("/account/sessions")

    answer = stranger.client.post(f"/account/sessions/{ids['Safari']}/end",
                                  data={"csrf_token": form_token(page.data)},
                                  follow_redirects=True)

    assert "That device is not signed in." in answer.text
    assert stranger.delete(f"/api/v1/me/sessions/{ids['Safari']}").status_code == 404
    assert signed_in(b)


def test_signing_this_device_out_from_the_list(app, org):
    _, a, b, c = three_devices(app)
    page = a.get("/account/sessions")

    answer = a.client.post(f"/account/sessions/{session_ids(app)['Chrome']}/end",
                           data={"csrf_token": form_token(page.data)}, follow_redirects=True)

    assert answer.request.path == "/signin" and "You are signed out." in answer.text
    assert not signed_in(a)
    assert signed_in(b) and signed_in(c)


def test_sign_out_everywhere_else_keeps_this_device(app, org):
    _, a, b, c = three_devices(app)
    page = a.get("/account/sessions")
    assert "You stay signed in on this device." in page.text

    answer = a.client.post("/account/sessions/end-others",
                           data={"csrf_token": form_token(page.data)}, follow_redirects=True)

    assert "Signed out 2 other devices." in answer.text
    assert signed_in(a)
    assert not signed_in(b) and not signed_in(c)
    assert "Sign out everywhere else" not in a.get("/account/sessions").text  # nobody else


def test_an_ended_session_makes_sync_answer_401_so_the_phone_keeps_its_outbox(app, org):
    _, a, b, c = three_devices(app)
    token = b.csrf()
    a.post("/api/v1/me/sessions/end-others")

    answer = b.client.post("/api/v1/sync", json={"events": []}, headers={"X-CSRFToken": token})

    assert answer.status_code == 401
    assert answer.get_json()["error"] == "sign_in_required"


class Clock:
    """``pwa.clock.now`` moved by hand."""

    def __init__(self, monkeypatch):
        self.now = clock.now()
        monkeypatch.setattr(clock, "now", lambda: self.now)

    def advance(self, by):
        self.now += by


DAY = timedelta(days=1)


def test_a_session_unused_for_the_idle_lifetime_ends(app, api, org, monkeypatch):
    enrol(api, make_invite(app, make_person(app)))
    time = Clock(monkeypatch)
    time.advance(29 * DAY)
    assert signed_in(api)  # used within 30 days: still signed in, and used now
    time.advance(29 * DAY)
    assert signed_in(api)
    time.advance(30 * DAY)

    assert not signed_in(api)
    assert session_ids(app) == {}


def test_a_session_used_every_month_still_ends_after_the_absolute_lifetime(
        app, api, org, monkeypatch):
    enrol(api, make_invite(app, make_person(app)))
    time = Clock(monkeypatch)
    for _ in range(3):
        time.advance(29 * DAY)
        assert signed_in(api)
    # Saving something rewrites the session's stored data, which then outlives the 90 days:
    # the sessions row alone ends it.
    page = api.get("/account/settings")
    saved = api.client.post("/account/settings", data={
        "csrf_token": form_token(page.data), "future_role": "", "time_zone": "UTC",
        "language": "en"})
    assert saved.status_code == 302
    time.advance(3 * DAY)  # 90 days after signing in

    assert not signed_in(api)
    assert session_ids(app) == {}


def test_lifetimes_come_from_configuration(app_factory, org, monkeypatch):
    app = app_factory(SKILLPATH_SESSION_IDLE_DAYS=1, SKILLPATH_SESSION_ABSOLUTE_DAYS=2)
    api = device(app)
    enrol(api, make_invite(app, make_person(app)))
    time = Clock(monkeypatch)
    time.advance(DAY - timedelta(seconds=1))
    assert signed_in(api)
    time.advance(DAY)
    assert not signed_in(api)


def test_use_is_recorded_at_most_once_a_minute(app, api, org, monkeypatch):
    enrol(api, make_invite(app, make_person(app)))
    time = Clock(monkeypatch)

    def last_seen():
        with app.app_context():
            row = db.session.scalars(sa.select(Session)).one()
            return row.last_seen_at, row.created_at

    signed_in_at = last_seen()[1]
    time.advance(timedelta(seconds=30))
    assert signed_in(api) and last_seen() == (signed_in_at, signed_in_at)
    time.advance(timedelta(seconds=31))
    assert signed_in(api) and last_seen() == (time.now, signed_in_at)


def test_adding_a_passkey_on_this_device_moves_its_session_to_the_new_passkey(app, api, org):
    enrol(api, make_invite(app, make_person(app)))
    options = api.post("/api/v1/auth/register/options", {}).get_json()
    added = api.post("/api/v1/auth/register/verify",
                     {"name": "Tablet", "credential": SoftAuthenticator().create(options)})
    assert added.status_code == 200
    listed = api.get("/api/v1/me/sessions").get_json()["sessions"]
    assert [(s["passkey"]["name"], s["current"]) for s in listed] == [("Tablet", True)]


REDIS_URL = "redis://127.0.0.1:6379/13"  # a database of its own, flushed before and after


@pytest.fixture
def redis_app(app_factory):
    from redis import Redis

    redis = Redis.from_url(REDIS_URL)
    try:
        redis.flushdb()
    except Exception as exc:  # it fails rather than skips: sessions in Redis are ours to test
        pytest.fail(f"Redis is not running at {REDIS_URL} ({exc}): start redis-server")
    app = app_factory(REDIS_URL=REDIS_URL)
    yield app, redis
    redis.flushdb()
    redis.close()
    app.session_interface.client.close()


def test_with_redis_url_sessions_live_in_redis_and_the_row_still_decides(redis_app, org):
    app, redis = redis_app
    person_id = make_person(app)
    a, b = device(app, ANDROID_CHROME), device(app, IPHONE_SAFARI)
    before = (a.csrf(), session_cookie(a))[1]
    first, _ = enrol(a, make_invite(app, person_id))
    sign_in(b, first)
    a_key, b_key = (KEY_PREFIX + session_cookie(api) for api in (a, b))

    assert session_cookie(a) != before and not redis.exists(KEY_PREFIX + before)  # rotated
    assert redis.exists(a_key) and redis.exists(b_key)
    assert stored_keys(app) == set()  # nothing in the database's session table
    assert 89 * 86400 < redis.ttl(a_key) <= 90 * 86400  # a signed-in session's data: 90 days
    assert signed_in(a) and signed_in(b)

    # B is signed out from A's list: B's data is still in Redis, but its row is gone.
    assert a.delete(f"/api/v1/me/sessions/{session_ids(app)['Safari']}").status_code == 200
    assert redis.exists(b_key)
    assert not signed_in(b)
    assert not redis.exists(b_key)  # forgotten when B came back

    copy = session_cookie(a)
    assert a.post("/api/v1/auth/signout").status_code == 200
    assert not redis.exists(a_key)
    assert not signed_in(device(app, cookie=copy))
    a.get("/api/v1/auth/session")  # a signed-out session's data (the CSRF secret) is kept a day
    assert 0 < redis.ttl(KEY_PREFIX + session_cookie(a)) <= 86400


def test_a_signed_in_request_finds_its_session_in_one_statement(app, api, org):
    """The record, the row it names, the person, their roles and organisation (the
    bootstrap's counters): one joined SELECT, nothing read again."""
    from tests.factories import statements

    enrol(api, make_invite(app, make_person(app)))
    assert signed_in(api)  # its use recorded, if due
    with statements(app) as seen:
        assert api.get("/api/v1/auth/session").get_json()["signed_in"]
    flat = [" ".join(s.split()) for s in seen]
    assert flat[0].startswith("SELECT session_data.data, session_data.expires_at, "
                              "session_data.session_id, sessions.id")
    for table in ("people", "organisations"):
        assert f"JOIN {table} " in flat[0]
    assert not [s for s in flat[1:] if " FROM sessions" in s or " FROM people" in s
                or " FROM organisations" in s or " FROM session_data" in s], flat


@pytest.mark.parametrize("column", ["none", "another standing row", "an ended row"])
def test_the_records_data_decides_whichever_row_its_column_names(app, org, column):
    """A record stored by code from before ``session_data.session_id`` has none, or one left
    behind (that code moves a record on sign-in without it): the data's row decides."""
    person_id, a, b, _ = three_devices(app)
    ids = session_ids(app)
    names = {"none": None, "another standing row": ids["Safari"], "an ended row": 10**6}
    with app.app_context():
        db.session.execute(sa.update(SessionData).where(
            SessionData.key == KEY_PREFIX + session_cookie(a)).values(
                session_id=names[column]))
        db.session.commit()
    listed = a.get("/api/v1/me/sessions").get_json()["sessions"]
    assert [s["id"] for s in listed if s["current"]] == [ids["Chrome"]]

    # A's row ends; its record's column still names B's standing row: A is signed out.
    with app.app_context():
        db.session.execute(sa.update(SessionData).where(
            SessionData.key == KEY_PREFIX + session_cookie(a)).values(
                session_id=ids["Safari"]))
        db.session.execute(sa.delete(Session).where(Session.id == ids["Chrome"]))
        db.session.commit()
    assert not signed_in(a)
    assert signed_in(b)
