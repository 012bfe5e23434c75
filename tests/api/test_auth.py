"""Passkey enrolment by invite and discoverable sign-in, through the JSON API."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import enrol, make_invite, make_person, sign_in
from tests.softauthn import SoftAuthenticator


def test_enrol_by_invite_signs_in_and_the_link_then_stops_working(app, api, org):
    person_id = make_person(app)
    token = make_invite(app, person_id)

    _, answer = enrol(api, token)

    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["person"]["display_name"] == "Ana Ruiz"
    assert api.get("/api/v1/me").get_json()["role"]["slug"] == "store-associate"
    again = api.post("/api/v1/auth/register/options", {"invite_token": token})
    assert again.status_code == 410
    assert again.get_json()["error"] == "invite_unusable"
    assert again.get_json()["details"] == {"status": "used"}


def test_sign_out_then_sign_in_with_the_discoverable_passkey(app, api, org):
    token = make_invite(app, make_person(app))
    authenticator, _ = enrol(api, token)
    assert api.post("/api/v1/auth/signout").status_code == 200
    assert api.get("/api/v1/me").status_code == 401

    answer = sign_in(api, authenticator)

    assert answer.status_code == 200, answer.get_json()
    assert api.get("/api/v1/me").get_json()["display_name"] == "Ana Ruiz"


def test_expired_and_revoked_and_unknown_invites_are_refused(app, api, org):
    person_id = make_person(app)
    expired = make_invite(app, person_id, age=timedelta(days=8))
    answer = api.post("/api/v1/auth/register/options", {"invite_token": expired})
    assert answer.status_code == 410
    assert answer.get_json()["details"]["status"] == "expired"
    # A token that never named an invite is not gone but was never there, as on the page.
    unknown = api.post("/api/v1/auth/register/options", {"invite_token": "not-a-token"})
    assert unknown.status_code == 404
    assert unknown.get_json()["error"] == "invite_unusable"
    assert unknown.get_json()["details"]["status"] == "unknown"


def test_replayed_registration_challenge_is_refused(app, api, org):
    person_id = make_person(app)
    token = make_invite(app, person_id)
    options = api.post("/api/v1/auth/register/options", {"invite_token": token}).get_json()
    first = SoftAuthenticator().create(options)
    bad = dict(first, response=dict(first["response"], attestationObject="AAAA"))
    assert api.post("/api/v1/auth/register/verify",
                    {"invite_token": token, "credential": bad}).status_code == 400

    replay = api.post("/api/v1/auth/register/verify", {"invite_token": token, "credential": first})

    assert replay.status_code == 400
    assert replay.get_json()["error"] == "challenge_invalid"


def test_replayed_sign_in_is_refused(app, api, org):
    authenticator, _ = enrol(api, make_invite(app, make_person(app)))
    api.post("/api/v1/auth/signout")
    options = api.post("/api/v1/auth/login/options").get_json()
    assertion = authenticator.get(options)
    assert api.post("/api/v1/auth/login/verify", {"credential": assertion}).status_code == 200
    api.post("/api/v1/auth/signout")

    replay = api.post("/api/v1/auth/login/verify", {"credential": assertion})

    assert replay.status_code == 400
    assert replay.get_json()["error"] == "challenge_invalid"
    assert api.get("/api/v1/me").status_code == 401


def test_credential_from_another_origin_or_rp_is_refused(app, api, org):
    authenticator, _ = enrol(api, make_invite(app, make_person(app)))
    api.post("/api/v1/auth/signout")

    other_origin = sign_in(api, authenticator, origin="https://evil.example")
    other_rp = sign_in(api, authenticator, rp_id="evil.example")

    for answer in (other_origin, other_rp):
        assert answer.status_code == 401
        assert answer.get_json()["error"] == "invalid_credential"
    assert api.get("/api/v1/me").status_code == 401


def test_registration_from_another_origin_is_refused_and_the_invite_still_works(app, api, org):
    token = make_invite(app, make_person(app))

    _, answer = enrol(api, token, origin="https://evil.example")

    assert answer.status_code == 400
    assert "origin" in answer.get_json()["message"]
    _, retry = enrol(api, token)
    assert retry.status_code == 200


def test_expired_challenge_is_refused(app_factory, org):
    app = app_factory(SKILLPATH_CHALLENGE_TTL_SECONDS=0)
    from tests.factories import Api

    api = Api(app.test_client())
    person_id = make_person(app)
    _, answer = enrol(api, make_invite(app, person_id))
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "challenge_invalid"


def test_unknown_passkey_is_refused(app, api, org):
    answer = sign_in(api, SoftAuthenticator())
    assert answer.status_code == 401
    assert answer.get_json()["error"] == "unknown_passkey"


def test_several_passkeys_listed_and_the_last_one_cannot_be_removed(app, api, org):
    person_id = make_person(app)
    first, _ = enrol(api, make_invite(app, person_id))
    options = api.post("/api/v1/auth/register/options", {}).get_json()
    second = SoftAuthenticator()
    added = api.post("/api/v1/auth/register/verify",
                     {"name": "Tablet", "credential": second.create(options)})
    assert added.status_code == 200, added.get_json()

    listed = api.get("/api/v1/me/passkeys").get_json()["passkeys"]
    assert [p["name"] for p in listed] == ["Test phone", "Tablet"]
    assert api.delete(f"/api/v1/me/passkeys/{listed[0]['id']}").status_code == 200
    last = api.delete(f"/api/v1/me/passkeys/{listed[1]['id']}")
    assert last.status_code == 409
    assert last.get_json()["error"] == "conflict"

    api.post("/api/v1/auth/signout")
    assert sign_in(api, first).status_code == 401  # removed passkey no longer works
    assert sign_in(api, second).status_code == 200


def test_new_device_through_a_fresh_invite(app, api, org):
    person_id = make_person(app)
    enrol(api, make_invite(app, person_id))
    api.post("/api/v1/auth/signout")
    phone_two, answer = enrol(api, make_invite(app, person_id))
    assert answer.status_code == 200
    assert len(api.get("/api/v1/me/passkeys").get_json()["passkeys"]) == 2


def test_sign_in_is_rate_limited(app_factory, org):
    # Asking for options names no passkey yet: only the address's ceiling counts them.
    app = app_factory(SKILLPATH_AUTH_ADDRESS_LIMIT="3 per minute")
    from tests.factories import Api

    api = Api(app.test_client())
    codes = [api.post("/api/v1/auth/login/options").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    body = api.post("/api/v1/auth/login/options").get_json()
    assert body["code"] == 429 and body["error"] == "too_many_requests"


def test_racing_enrolments_with_one_invite_make_exactly_one_passkey(app, org):
    """Several phones fetch options with the same link, then verify at the same moment."""
    import threading

    import sqlalchemy as sa

    from pwa.extensions import db
    from pwa.models import Passkey
    from tests.factories import Api

    token = make_invite(app, make_person(app))
    racers = []
    for _ in range(4):
        api, authenticator = Api(app.test_client()), SoftAuthenticator()
        options = api.post("/api/v1/auth/register/options", {"invite_token": token})
        assert options.status_code == 200
        racers.append((api, authenticator.create(options.get_json())))
    start, answers = threading.Barrier(len(racers)), []

    def verify(api, credential):
        start.wait()
        answers.append(api.post("/api/v1/auth/register/verify", {
            "invite_token": token, "name": "Phone", "credential": credential}))

    threads = [threading.Thread(target=verify, args=racer) for racer in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 410, 410, 410], [a.get_json() for a in answers]
    refused = [a.get_json() for a in answers if a.status_code == 410]
    assert all(r["details"] == {"status": "used"} and "already" in r["message"]
               for r in refused), refused
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Passkey)) == 1


def test_racing_sign_ins_with_one_challenge_sign_in_once(app, org):
    """The same signed answer sent by several browsers at the same moment: the challenge
    is taken back by one of them; the others are told it was used, and start nothing."""
    import threading

    import sqlalchemy as sa

    from pwa.extensions import db
    from pwa.models import Session
    from tests.factories import Api

    authenticator, _ = enrol(Api(app.test_client()), make_invite(app, make_person(app)))
    options = Api(app.test_client()).post("/api/v1/auth/login/options").get_json()
    assertion = authenticator.get(options)
    racers = [Api(app.test_client()) for _ in range(4)]
    for racer in racers:
        racer.csrf()
    start, answers = threading.Barrier(len(racers)), []

    def verify(api):
        start.wait()
        answers.append(api.post("/api/v1/auth/login/verify", {"credential": assertion}))

    threads = [threading.Thread(target=verify, args=(racer,)) for racer in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 400, 400, 400], [
        a.get_json() for a in answers]
    assert {a.get_json()["error"] for a in answers if a.status_code == 400} == {
        "challenge_invalid"}
    assert [api.get("/api/v1/me").status_code for api in racers].count(200) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Session)) == 2


def test_a_sign_count_that_does_not_go_up_is_refused(app, api, org):
    authenticator, _ = enrol(api, make_invite(app, make_person(app)))
    api.post("/api/v1/auth/signout")
    assert sign_in(api, authenticator).status_code == 200
    api.post("/api/v1/auth/signout")
    authenticator.sign_count = 0  # a clone, made before the last sign-in, says 1 again

    answer = sign_in(api, authenticator)

    assert answer.status_code == 401 and answer.get_json()["error"] == "invalid_credential"
    assert api.get("/api/v1/me").status_code == 401


def test_the_stored_counter_only_goes_up_when_two_sign_ins_race(app, org):
    """The counter check is the UPDATE's own: a sign-in whose counter another one has
    meanwhile passed (both read the old one) writes nothing and is refused."""
    import sqlalchemy as sa

    from pwa import clock
    from pwa.extensions import db
    from pwa.models import Passkey
    from pwa.store import passkeys
    from tests.factories import Api

    enrol(Api(app.test_client()), make_invite(app, make_person(app)))
    with app.app_context():
        passkey = db.session.scalars(sa.select(Passkey)).one()
        assert passkeys.record_use(passkey.id, 5, clock.now())
        assert not passkeys.record_use(passkey.id, 4, clock.now())  # read 0, but 5 is stored
        assert not passkeys.record_use(passkey.id, 5, clock.now())
        assert not passkeys.record_use(passkey.id, 0, clock.now())
        db.session.commit()
        assert db.session.scalar(sa.select(Passkey.sign_count)) == 5


def test_a_sign_in_is_one_transaction(app, api, org):
    """Recording the challenge as used, the counter, the session's row and its data: one
    commit, and nothing read twice (not even who was signed in: the row this browser had
    is ended by its id); asking for options reads and writes nothing (the challenge is
    sealed, not stored, and needs no CSRF check, so not the session's record either; the
    enrolment just before swept the expired ones, so no sweep is due)."""
    import sqlalchemy as sa

    from pwa.extensions import db
    from tests.factories import statements

    authenticator, _ = enrol(api, make_invite(app, make_person(app)))  # signed in already
    with app.app_context():
        engine = db.engine
    commits: list[object] = []

    def count(conn):
        commits.append(conn)

    sa.event.listen(engine, "commit", count)
    try:
        with statements(app) as asked:
            options = api.post("/api/v1/auth/login/options").get_json()
        options_commits = len(commits)
        commits.clear()
        with statements(app) as seen:
            answer = api.post("/api/v1/auth/login/verify",
                              {"credential": authenticator.get(options)})
    finally:
        sa.event.remove(engine, "commit", count)

    assert answer.status_code == 200, answer.get_json()
    assert options_commits == 0, asked
    assert asked == []
    assert len(commits) == 1, seen
    assert "JOIN" not in seen[0]  # the record alone: who it named is not asked
    assert [" ".join(s.split()[:3]) for s in seen] == [
        # The cookie's record (its CSRF secret, the id of the session that ends).
        "SELECT session_data.data, session_data.expires_at",
        "INSERT INTO webauthn_challenges",  # used now: unless it was already
        "SELECT passkeys.id, passkeys.person_id,",  # with the person, for the answer
        "UPDATE passkeys SET",  # the counter, only if it went up
        "DELETE FROM sessions",  # the session this browser had ends
        "INSERT INTO sessions",
        "UPDATE session_data SET",  # its record, moved to a new id with the new data
        # The ended session's push subscription went with it: the devices its person's
        # bundle lists changed (its counter, moved as the transaction commits).
        "UPDATE people SET",
    ]
    assert api.get("/api/v1/me").status_code == 200


def test_a_sign_in_challenge_we_did_not_make_or_that_expired_is_refused(app_factory, org):
    """A sign-in's challenge is not stored: its seal says we made it, and when it expires.
    (The passkey is unknown: a challenge that passes is told so, one that fails is not.)"""
    import base64

    from tests.factories import Api

    def encoded(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    app = app_factory()
    api, phone = Api(app.test_client()), SoftAuthenticator()
    options = api.post("/api/v1/auth/login/options").get_json()
    raw = base64.urlsafe_b64decode(options["challenge"] + "==")
    forged = [
        bytes([raw[0] ^ 1]) + raw[1:],  # another nonce under the same seal
        raw[:16] + (2**63 - 1).to_bytes(8, "big") + raw[24:],  # a later expiry
        raw[:-1],  # a seal cut short
        raw + b"\0",
        b"\0" * len(raw),
    ]
    for challenge in forged:
        answer = api.post("/api/v1/auth/login/verify",
                          {"credential": phone.get({"challenge": encoded(challenge)})})
        assert answer.status_code == 400, challenge
        assert answer.get_json()["error"] == "challenge_invalid"
    genuine = api.post("/api/v1/auth/login/verify", {"credential": phone.get(options)})
    assert genuine.get_json()["error"] == "unknown_passkey"

    at_once = app_factory(SKILLPATH_CHALLENGE_TTL_SECONDS=0)  # expired as it is made
    api = Api(at_once.test_client())
    options = api.post("/api/v1/auth/login/options").get_json()
    expired = api.post("/api/v1/auth/login/verify", {"credential": phone.get(options)})
    assert expired.status_code == 400 and expired.get_json()["error"] == "challenge_invalid"


def test_counting_a_request_against_the_limit_starts_no_thread(app, api, org):
    """The in-process counters expire as they are read, and are swept in the request."""
    import threading
    import time

    from pwa.extensions import InProcessLimits

    api.post("/api/v1/auth/login/options")
    before = threading.active_count()
    for _ in range(5):
        time.sleep(0.02)  # longer than ``memory://``'s timer lives
        assert api.post("/api/v1/auth/login/options").status_code == 200
    assert threading.active_count() == before

    counters = InProcessLimits()
    counters.incr("door", expiry=0.01)
    counters.SWEEP_EVERY = 0.0
    time.sleep(0.02)
    assert counters.get("door") == 0
    counters.incr("other", expiry=60)
    assert "door" not in counters.storage and counters.get("other") == 1
