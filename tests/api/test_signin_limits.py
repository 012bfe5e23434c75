"""Sign-in limits stop guessing without locking out a store that shares one address.

The settings are the defaults (``pwa/config.py``), stated here so the tests read them:
10 tries a minute per passkey or invite, 30 refused tries a minute per address, 3,000
tries a minute per address. The test client comes from one address (127.0.0.1) unless
a test gives it another.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from redis import Redis

from pwa import clock
from pwa.config import from_environment
from pwa.extensions import db
from pwa.models import Organisation, Passkey
from pwa.store import people
from tests.factories import Api, make_invite, make_person, sign_in
from tests.softauthn import SoftAuthenticator

# Redis databases are shared by the machine: under xdist (CI's PostgreSQL run) every
# module that uses one runs on the same worker, one test at a time (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("redis")

DEFAULTS = {"SKILLPATH_AUTH_RATE_LIMIT": "10 per minute",
            "SKILLPATH_AUTH_FAILURE_LIMIT": "30 per minute",
            "SKILLPATH_AUTH_ADDRESS_LIMIT": "3000 per minute"}
REDIS = "redis://127.0.0.1:6379/8"


def people_with_passkeys(app, count: int, name: str = "Person") -> list[SoftAuthenticator]:
    """``count`` people, each with a passkey on a phone of their own."""
    phones = []
    with app.app_context():
        organisation = db.session.scalars(sa.select(Organisation)).one()
        role = people.role_by_slug(organisation, "store-associate")
        for i in range(count):
            person, _ = people.ensure_person(organisation, f"{name} {i:04d}", role)
            db.session.flush()
            phone = SoftAuthenticator(user_handle=person.user_handle)
            db.session.add(Passkey(person_id=person.id, credential_id=phone.credential_id,
                                   public_key=phone._cose_key(), sign_count=0,
                                   transports=["internal"], backed_up=False, name="Phone",
                                   created_at=clock.now(), last_used_at=None))
            phones.append(phone)
        db.session.commit()
    return phones


def from_address(app, address: str) -> Api:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return Api(client)



def forged_try(api, phone):
    """A sign-in with the phone's credential and a signature that is not its own: the code."""
    options = api.post("/api/v1/auth/login/options").get_json()
    credential = phone.get(options)
    credential["response"]["signature"] = credential["response"]["signature"][:-4] + "AAAA"
    return api.post("/api/v1/auth/login/verify", {"credential": credential}).status_code


def test_the_defaults_are_the_ones_these_tests_use():
    from pwa.config import defaults

    assert {k: defaults("/tmp")[k] for k in DEFAULTS} == DEFAULTS


def test_200_people_behind_one_address_all_sign_in_within_a_minute(app_factory, org):
    app = app_factory(**DEFAULTS)
    phones = people_with_passkeys(app, 200)
    answers = [sign_in(Api(app.test_client()), phone) for phone in phones]
    assert [a.status_code for a in answers] == [200] * 200
    assert all(a.get_json()["signed_in"] for a in answers)


def test_200_people_behind_one_address_all_enrol_by_their_invites(app_factory, org):
    from tests.factories import enrol

    app = app_factory(**DEFAULTS)
    tokens = [make_invite(app, make_person(app, f"New Person {i:03d}")) for i in range(200)]
    codes = [enrol(Api(app.test_client()), token)[1].status_code for token in tokens]
    assert codes == [200] * 200


def test_one_passkey_hammered_is_stopped_from_any_address(app_factory, org):
    app = app_factory(**DEFAULTS)
    [phone] = people_with_passkeys(app, 1)
    codes = []
    for i in range(12):  # a stolen credential id replayed from ever new addresses
        api = from_address(app, f"10.0.0.{i + 1}")
        codes.append(forged_try(api, phone))
    assert codes == [401] * 10 + [429, 429]
    # The person themselves, with the right signature, waits for the minute too: the limit
    # is the credential's. Anyone else at those addresses signs in.
    [other] = people_with_passkeys(app, 1, "Later")
    assert sign_in(from_address(app, "10.0.0.1"), other).status_code == 200
    assert sign_in(from_address(app, "10.0.0.99"), phone).status_code == 429


def test_guessing_from_one_address_is_stopped_and_the_store_next_door_signs_in(
        app_factory, org):
    app = app_factory(**DEFAULTS)
    [phone] = people_with_passkeys(app, 1)
    guesser = from_address(app, "203.0.113.7")
    codes = []
    for _ in range(32):  # a new made-up passkey each time: no one credential is hammered
        options = guesser.post("/api/v1/auth/login/options")
        if options.status_code != 200:  # past 30 refusals even the options are refused
            codes.append(options.status_code)
            continue
        codes.append(guesser.post("/api/v1/auth/login/verify", {
            "credential": SoftAuthenticator().get(options.get_json())}).status_code)
    assert codes == [401] * 30 + [429, 429]
    # Invite links guessed from there are stopped too: the failures are counted together.
    assert guesser.client.get(f"/enrol/{uuid.uuid4().hex}").status_code == 429
    assert sign_in(from_address(app, "198.51.100.1"), phone).status_code == 200


def test_every_try_from_one_address_has_a_ceiling(app_factory, org):
    app = app_factory(**{**DEFAULTS, "SKILLPATH_AUTH_ADDRESS_LIMIT": "5 per minute"})
    api = from_address(app, "192.0.2.1")
    codes = [api.post("/api/v1/auth/login/options").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    refused = api.post("/api/v1/auth/login/options")
    body = refused.get_json()
    assert body["code"] == 429 and body["error"] == "too_many_requests"
    assert 0 < int(refused.headers["Retry-After"]) <= 61  # when the minute's window ends
    assert from_address(app, "192.0.2.2").post("/api/v1/auth/login/options").status_code \
        == 200


def test_a_stores_people_scanning_an_old_sheet_do_not_lock_out_their_colleagues(
        app_factory, org):
    """A reprinted sheet withdraws the codes of the earlier one, which may still hang on the
    notice board: its scans are answered 410 (a real invite, no longer usable). Whoever
    scans one held a real code and guessed nothing: those answers are no refused tries,
    or a morning's scans of the old sheet would lock the whole store out."""
    from pwa.models import Invite

    app = app_factory(**DEFAULTS)
    tokens = [make_invite(app, make_person(app, f"Old Sheet {i:02d}")) for i in range(35)]
    with app.app_context():
        db.session.execute(sa.update(Invite).values(revoked_at=clock.now()))
        db.session.commit()
    store = from_address(app, "192.0.2.50")
    assert [store.client.get(f"/enrol/{t}").status_code for t in tokens] == [410] * 35
    assert [store.post("/api/v1/auth/register/options", {"invite_token": t}).status_code
            for t in tokens[:5]] == [410] * 5
    [phone] = people_with_passkeys(app, 1)
    assert sign_in(from_address(app, "192.0.2.50"), phone).status_code == 200


def test_one_invite_hammered_is_stopped(app_factory, org):
    app = app_factory(**DEFAULTS)
    token = make_invite(app, make_person(app, "Ben Ode"))
    codes = [from_address(app, f"10.1.0.{i}").client.get(f"/enrol/{token}").status_code
             for i in range(1, 13)]
    assert codes == [200] * 10 + [429, 429]


@pytest.fixture
def redis_limits():
    redis = Redis.from_url(REDIS)
    redis.ping()  # the local Redis must be there: without it this test fails, never skips
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    yield redis, prefix
    for key in redis.scan_iter(f"*{prefix}*"):
        redis.delete(key)


def test_with_redis_the_counters_are_in_redis_and_shared_by_every_app_server(
        app_factory, org, redis_limits):
    redis, prefix = redis_limits
    # What REDIS_URL in the environment sets (pwa/config.py): the limits' storage too.
    from_env = from_environment({}, {"REDIS_URL": REDIS})
    assert from_env["RATELIMIT_STORAGE_URI"] == REDIS
    first = app_factory(**DEFAULTS, **from_env, RATELIMIT_KEY_PREFIX=prefix)
    [phone] = people_with_passkeys(first, 1)
    second = app_factory(**DEFAULTS, **from_env, RATELIMIT_KEY_PREFIX=prefix)
    codes = []
    for i in range(12):  # alternating between two app servers
        api = from_address(first if i % 2 else second, f"10.2.0.{i + 1}")
        codes.append(forged_try(api, phone))
    assert codes == [401] * 10 + [429, 429]
    keys = [k.decode() for k in redis.scan_iter(f"*{prefix}*")]
    assert any("passkey:" in k for k in keys) and any("auth-failures" in k for k in keys)
