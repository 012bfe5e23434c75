"""Passkey sign-in: our whole path against the floor beneath it.

Ours: two HTTP round trips through the app (options, verify): rate limit,
CSRF, JSON schemas, the challenge stored then burned, the passkey updated,
the previous session ended and a new one started under a new id (its row in
``sessions`` and its data in ``session_data``). The floor: the same database
work in raw SQLAlchemy Core (insert the challenge; in one transaction take it
back, read the passkey, update its counter, replace the session row; then
replace the session data) around a bare ``webauthn.verify_authentication_response``,
on the same database. Printed as sign-ins per second and their ratio.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from webauthn import verify_authentication_response

from pwa import clock
from pwa.extensions import db
from pwa.models import Passkey, Session, SessionData, WebAuthnChallenge
from tests.factories import Api, enrol, make_invite, make_person
from tests.softauthn import b64url

ROUNDS = 300


@pytest.mark.benchmark
def test_signin_throughput(app_factory, org, capsys):
    app = app_factory(SKILLPATH_AUTH_RATE_LIMIT="100000 per minute")
    api = Api(app.test_client())
    authenticator, _ = enrol(api, make_invite(app, make_person(app)))
    api.post("/api/v1/auth/signout")

    started = time.perf_counter()
    for _ in range(ROUNDS):
        options = api.post("/api/v1/auth/login/options").get_json()
        answer = api.post("/api/v1/auth/login/verify", {"credential": authenticator.get(options)})
        assert answer.status_code == 200
    ours = ROUNDS / (time.perf_counter() - started)

    with app.app_context():
        floor = _floor(db.engine, authenticator)

    database = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
    with capsys.disabled():
        print(f"\nsign-in on {database}: ours {ours:,.0f}/s (options + verify over HTTP), "
              f"floor {floor:,.0f}/s (Core + bare webauthn), ratio {ours / floor:.2f}")


def _floor(engine: sa.Engine, authenticator) -> float:
    challenges = WebAuthnChallenge.__table__
    passkeys = Passkey.__table__
    sessions, records = Session.__table__, SessionData.__table__
    credential_id = authenticator.credential_id
    session_id, key = None, None
    started = time.perf_counter()
    for _ in range(ROUNDS):
        now = clock.now()
        challenge = os.urandom(32)
        with engine.begin() as conn:
            conn.execute(challenges.insert(), {
                "challenge": b64url(challenge), "purpose": "authenticate",
                "created_at": now, "expires_at": now + timedelta(minutes=5)})
        assertion = authenticator.get({"challenge": b64url(challenge)})
        with engine.begin() as conn:
            conn.execute(challenges.delete().where(challenges.c.challenge == b64url(challenge)))
            row = conn.execute(sa.select(passkeys.c.id, passkeys.c.person_id,
                                         passkeys.c.public_key, passkeys.c.sign_count)
                               .where(passkeys.c.credential_id == credential_id)).one()
            verified = verify_authentication_response(
                credential=assertion, expected_challenge=challenge, expected_rp_id="localhost",
                expected_origin="http://localhost", credential_public_key=row.public_key,
                credential_current_sign_count=row.sign_count)
            conn.execute(passkeys.update().where(passkeys.c.credential_id == credential_id)
                         .values(sign_count=verified.new_sign_count, last_used_at=now))
            conn.execute(sessions.delete().where(sessions.c.id == session_id))
            session_id = conn.execute(sessions.insert().returning(sessions.c.id), {
                "person_id": row.person_id, "passkey_id": row.id, "browser": None, "os": None,
                "created_at": now, "last_seen_at": now}).scalar_one()
        with engine.begin() as conn:
            conn.execute(records.delete().where(records.c.key == key))
            key = b64url(os.urandom(32))
            conn.execute(records.insert(), {"key": key, "data": b"{}",
                                            "expires_at": now + timedelta(days=90)})
    return ROUNDS / (time.perf_counter() - started)
