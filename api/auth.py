"""Passkey enrolment and sign-in (WebAuthn), and the CSRF token for the client.

Each challenge works once and only for a few minutes: a registration's is stored
server-side and deleted when used; a sign-in's is signed with the app's key and
recorded as used by the sign-in's one transaction, so asking for sign-in options
writes nothing (``pwa.store.passkeys``). The origin and RP ID come from
configuration and are checked by the ``webauthn`` package on every response.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from flask_babel import gettext
from flask_wtf.csrf import generate_csrf
from pydantic import Field
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from api.errors import ApiError
from api.http import Schema, body, changes_nothing, no_store, responds
from engine.errors import N_
from pwa import clock
from pwa.extensions import db
from pwa.i18n import adopt_browser_language
from pwa.limits import invite_body_key, passkey_key, sign_in_limits
from pwa.models import Invite, Passkey, Person
from pwa.session import RECORD, current_person, reads_session, sign_in, sign_out
from pwa.store import invites, people
from pwa.store import passkeys as passkey_store

bp = Blueprint("api_auth", __name__, url_prefix="/api/v1/auth")

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
REGISTER = "register"
AUTHENTICATE = passkey_store.SIGN_IN


class RegisterOptionsRequest(Schema):
    invite_token: str | None = Field(default=None, max_length=200)


class RegisterVerifyRequest(Schema):
    invite_token: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, max_length=80)
    credential: dict[str, Any]


class LoginVerifyRequest(Schema):
    credential: dict[str, Any]


@bp.get("/csrf")
@responds(200)
@reads_session(RECORD)
def csrf_token() -> Response:
    """A fresh CSRF token; the client sends it back in the X-CSRFToken header."""
    return no_store({"csrf_token": generate_csrf()})


@bp.get("/session")
@responds(200)
def whoami() -> Response:
    """Whether someone is signed in, and who, with a fresh CSRF token.

    The phone asks this before it sends its outbox: only the signed-in person's
    own answers go, in one round trip with the token they need.
    """
    person = current_person()
    return no_store({"signed_in": person is not None,
                     "person": people.person_summary(person) if person else None,
                     "csrf_token": generate_csrf()})


@bp.post("/signout")
@responds(200)
def signout() -> Response:
    """End the session; the answer carries the new session's CSRF token."""
    sign_out()
    return jsonify({"signed_in": False, "csrf_token": generate_csrf()})


@bp.post("/register/options")
@sign_in_limits(invite_body_key)
@responds(200, 401, 404, 410, 429, session="optional")
@body(RegisterOptionsRequest)
def register_options(body: RegisterOptionsRequest) -> Response:
    """Options for ``navigator.credentials.create``: by invite, or signed in."""
    now = clock.now()
    person, invite = _registering_person(body.invite_token, now)
    options = generate_registration_options(
        rp_id=current_app.config["SKILLPATH_RP_ID"],
        rp_name=current_app.config["SKILLPATH_RP_NAME"],
        user_id=person.user_handle,
        user_name=person.display_name,
        user_display_name=person.display_name,
        timeout=current_app.config["SKILLPATH_CHALLENGE_TTL_SECONDS"] * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            require_resident_key=True,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=p.credential_id) for p in person.passkeys
        ],
    )
    passkey_store.issue_challenge(
        bytes_to_base64url(options.challenge),
        REGISTER,
        now,
        person_id=None if invite else person.id,
        invite_id=invite.id if invite else None,
    )
    db.session.commit()
    return _options_response(options_to_json(options))


@bp.post("/register/verify")
@sign_in_limits(invite_body_key)
@responds(200, 400, 401, 404, 409, 410, 429, session="optional")
@body(RegisterVerifyRequest)
def register_verify(body: RegisterVerifyRequest) -> Response:
    """Check the new passkey, store it, use up the invite and sign the person in."""
    now = clock.now()
    challenge = _consume(body.credential, REGISTER, now)
    with _burnt_on_failure():
        return _finish_registration(body, challenge, now)


def _finish_registration(body: RegisterVerifyRequest, challenge: passkey_store.Challenge,
                         now: Any) -> Response:
    person, invite = _registering_person(body.invite_token, now)
    expected = (invite.id, None) if invite else (None, person.id)
    if (challenge.invite_id, challenge.person_id) != expected:
        raise ApiError(400, "challenge_mismatch", N_("This passkey was started for someone else."))
    try:
        verified = verify_registration_response(
            credential=body.credential,
            expected_challenge=_b64(challenge.challenge),
            expected_rp_id=current_app.config["SKILLPATH_RP_ID"],
            expected_origin=current_app.config["SKILLPATH_ORIGIN"],
            require_user_verification=False,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise ApiError(400, "invalid_credential",
                       N_("The passkey could not be verified: %(reason)s"), reason=str(exc)) \
            from exc
    if db.session.query(Passkey).filter_by(credential_id=verified.credential_id).first():
        raise ApiError(409, "passkey_exists", N_("This passkey is already registered."))
    transports = body.credential["response"].get("transports")
    if not isinstance(transports, list):
        transports = []
    passkey = Passkey(
        person_id=person.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[str(t) for t in transports][:8],
        backed_up=verified.credential_backed_up,
        name=(body.name or "").strip() or gettext(
            "Passkey %(number)s", number=len(person.passkeys) + 1),
        created_at=now,
        last_used_at=now,
    )
    if invite:
        invites.redeem(invite, now)  # first: the loser of a race stores nothing
        if not person.passkeys:  # the first device: its language, if none was chosen
            person.locale = adopt_browser_language(person.locale)
    db.session.add(passkey)
    db.session.flush()
    answer = {"signed_in": True, "person": people.person_summary(person),
              "passkey": {"id": passkey.id, "name": passkey.name}}
    # The one commit: the invite used, the passkey and the session.
    sign_in(person.id, passkey.id, person)
    return jsonify({**answer, "csrf_token": generate_csrf()})


@bp.post("/login/options")
@sign_in_limits(None)
@responds(200, 429)
@changes_nothing
def login_options() -> Response:
    """Options for ``navigator.credentials.get`` with a discoverable credential.

    The challenge is signed, not stored: nothing is written (but, now and then, the
    expired challenges are swept out), so no CSRF token is asked and the session is not
    read (``changes_nothing``); the verify that uses the challenge checks both.
    """
    now = clock.now()
    options = generate_authentication_options(
        rp_id=current_app.config["SKILLPATH_RP_ID"],
        challenge=passkey_store.sign_in_challenge(now),
        timeout=current_app.config["SKILLPATH_CHALLENGE_TTL_SECONDS"] * 1000,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    if passkey_store.sweep_challenges(now):
        db.session.commit()
    return _options_response(options_to_json(options))


@bp.post("/login/verify")
@sign_in_limits(passkey_key)
@responds(200, 400, 401, 429, session="none")
@reads_session(RECORD)  # the CSRF secret and the row it ends; not who that was
@body(LoginVerifyRequest)
def login_verify(body: LoginVerifyRequest) -> Response:
    """Check a passkey assertion against its stored public key and sign in."""
    now = clock.now()
    challenge = _consume(body.credential, AUTHENTICATE, now)
    with _burnt_on_failure():
        return _finish_sign_in(body, challenge, now)


def _finish_sign_in(body: LoginVerifyRequest, challenge: passkey_store.Challenge,
                    now: Any) -> Response:
    raw_id = _b64_field(body.credential, "rawId", body.credential.get("id"))
    passkey = passkey_store.for_sign_in(raw_id)
    if passkey is None:
        raise ApiError(
            401, "unknown_passkey",
            N_("This passkey is not registered here. It may have been removed: "
               "ask your L&D team for a new invite link."),
        )
    response = body.credential.get("response")
    if isinstance(response, dict) and response.get("userHandle"):
        if _b64_field(response, "userHandle") != passkey.user_handle:
            raise ApiError(401, "unknown_passkey", N_("This passkey belongs to someone else."))
    try:
        verified = verify_authentication_response(
            credential=body.credential,
            expected_challenge=_b64(challenge.challenge),
            expected_rp_id=current_app.config["SKILLPATH_RP_ID"],
            expected_origin=current_app.config["SKILLPATH_ORIGIN"],
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=False,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise ApiError(401, "invalid_credential",
                       N_("The passkey could not be verified: %(reason)s"), reason=str(exc)) \
            from exc
    if not passkey_store.record_use(passkey.passkey_id, verified.new_sign_count, now):
        raise ApiError(401, "invalid_credential",
                       N_("The passkey could not be verified: %(reason)s"),
                       reason="its sign count did not go up")
    # The one commit: challenge, counter and session together.
    sign_in(passkey.person_id, passkey.passkey_id)
    return jsonify({"signed_in": True, "person": passkey.summary, "csrf_token": generate_csrf()})


@contextmanager
def _burnt_on_failure() -> Iterator[None]:
    """A consumed challenge stays consumed when verification then fails.

    Verification writes nothing before it succeeds (the counter's conditional
    update is its last check, and a failed one writes nothing), so committing on
    failure stores only the challenge's use (a registration's deleted, a sign-in's
    recorded); success commits it with the rest.
    """
    try:
        yield
    except Exception:
        db.session.commit()
        raise


def _registering_person(token: str | None, now: Any) -> tuple[Person, Invite | None]:
    if token:
        invite = invites.usable_invite(token, now)
        return invite.person, invite
    person = current_person()
    if person is None:
        raise ApiError(401, "sign_in_required",
                       N_("Open your invite link, or sign in to add another passkey."))
    return person, None


def _consume(credential: dict[str, Any], purpose: str,
             now: Any) -> passkey_store.Challenge:
    """Find and burn the challenge the browser signed; refuse unknown or reused ones."""
    client_data = _b64_field(credential.get("response", {}), "clientDataJSON")
    try:
        challenge = json.loads(client_data)["challenge"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ApiError(400, "invalid_credential", N_("The passkey response is malformed.")) from exc
    if not isinstance(challenge, str) or not _B64URL.fullmatch(challenge):
        raise ApiError(400, "invalid_credential", N_("The passkey response is malformed."))
    row = passkey_store.use_sign_in_challenge(challenge, now) if purpose == AUTHENTICATE \
        else passkey_store.consume_challenge(challenge, purpose, now)
    if row is None:
        db.session.commit()
        raise ApiError(
            400, "challenge_invalid",
            N_("This sign-in attempt has expired or was already used. Please try again."),
        )
    return row


def _b64(value: str) -> bytes:
    """Strict base64url: characters outside the alphabet are an error, not skipped."""
    if not _B64URL.fullmatch(value):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _b64_field(container: Any, key: str, fallback: Any = None) -> bytes:
    value = container.get(key, fallback) if isinstance(container, dict) else None
    if not isinstance(value, str):
        raise ApiError(400, "invalid_credential",
                       N_("The passkey response has no valid '%(key)s'."), key=key)
    try:
        return _b64(value)
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise ApiError(400, "invalid_credential", N_("'%(key)s' is not base64url."),
                       key=key) from exc


def _options_response(options_json: str) -> Response:
    return no_store(current_app.response_class(options_json, mimetype="application/json"))
