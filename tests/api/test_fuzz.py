"""A fuzzer reads /api/v1/openapi.json and holds the API to it.

Schemathesis generates requests for every operation from the document (its
examples, boundary and missing-part cases, then random ones), sends them to
the app in-process (WSGI, no network) signed in as a learner, and runs all of
its checks on each answer: no 5xx, statuses, content types and bodies as
declared, valid data accepted, invalid data refused, missing required headers
refused, undeclared methods answered 405 with Allow, and a signed-in operation
refusing the same request without the session. Values that name something
here (role slugs, item keys, the learner's passkeys) are mixed into the random
ones, so requests get past "not found" too. The seed is fixed and the examples
per operation bounded: a run is repeatable and takes under a minute.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import Item, Passkey
from tests.factories import Api, enrol, make_invite, make_person, seed_catalogue, sign_in
from tests.softauthn import SoftAuthenticator

# A longer hunt: SKILLPATH_FUZZ_SEED=1 SKILLPATH_FUZZ_EXAMPLES=1000 pytest tests/api/test_fuzz.py
SEED = int(os.environ.get("SKILLPATH_FUZZ_SEED", "20261124"))
EXAMPLES = int(os.environ.get("SKILLPATH_FUZZ_EXAMPLES", "300"))
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]  # schemathesis' default, less 5xx


def config(names: dict[str, list[Any]]) -> schemathesis.Config:
    """Seed, bounds and checks; ``names`` are values that name something in this world."""
    dictionaries = {name: {"values": values} for name, values in names.items()}
    half = 0.5  # half the time a value that exists, half the time anything the document allows
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "generation": {"max-examples": EXAMPLES, "database": "none", "unique-inputs": True},
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
        "dictionaries": dictionaries,
        "parameters": {
            "path.slug": {"dictionary": "roles", "probability": half},
            "body.role": {"dictionary": "roles", "probability": half},
            "path.key": {"dictionary": "items", "probability": half},
            "path.passkey_id": {"dictionary": "passkeys", "probability": half},
            "query.competency": {"dictionary": "competencies", "probability": half},
            **{f"query.{n}": {"dictionary": "versions", "probability": half}
               for n in ("version", "from", "to", "revision")},
        },
        "operations": [
            # Passkey responses, challenges and invite tokens can be well-formed by the
            # document and still name nothing here: refusing them is the right answer.
            {"include-path-regex": "^/api/v1/auth/(login|register)/", "checks": {
                "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400", "410"]}}},
            # A competency (?competency=role/key, or the one feedback is about) names data:
            # one that names no competency is said plainly (422), as the L&D pages do.
            {"include-path-regex": "^/api/v1/(catalog|feedback)$", "checks": {
                "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}}},
            # Sign-out has nothing to vary but the CSRF header: the fuzzer sends it without the
            # header (a refused CSRF token, 400 as documented), and replays an example after
            # a success ended the session its cookie named (400 again: that session has no
            # token any more). What a real sign-out does is tested in tests/pwa/test_sessions.py.
            {"include-name": "POST /api/v1/auth/signout", "checks": {
                "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400"]}}},
            # Nothing to vary but the CSRF header, and each success deletes the learner (who
            # is then enrolled anew, with new passkey ids): a few examples are enough.
            {"include-name": "DELETE /api/v1/me",
             "generation": {"max-examples": 3}},
        ],
    })


# The learner the fuzzer is signed in as: their session cookie and its CSRF token.
LEARNER: dict[str, Any] = {}


def enrol_learner(app: Any) -> None:
    """A store associate with two passkeys, so that one can be removed; anew after a deletion."""
    LEARNER["count"] = LEARNER.get("count", 0) + 1
    api = Api(app.test_client())
    authenticator, answer = enrol(
        api, make_invite(app, make_person(app, f"Fuzz Learner {LEARNER['count']}")))
    assert answer.status_code == 200, answer.get_json()
    options = api.post("/api/v1/auth/register/options", {}).get_json()
    second = api.post("/api/v1/auth/register/verify",
                      {"credential": SoftAuthenticator().create(options)})
    assert second.status_code == 200, second.get_json()
    LEARNER["authenticator"] = authenticator
    keep_session(app, api)


def sign_in_again(app: Any) -> None:
    """After signing out: the same learner signs in with the same passkey, if it is still
    theirs (the run may have removed it), else a new learner is enrolled."""
    api = Api(app.test_client())
    if sign_in(api, LEARNER["authenticator"]).status_code == 200:
        keep_session(app, api)
    else:
        enrol_learner(app)


def keep_session(app: Any, api: Api) -> None:
    cookie = api.client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    LEARNER["cookie"] = (cookie.key, cookie.value)
    LEARNER["token"] = api.csrf()
    LEARNER["session"] = next(s["id"] for s in api.get("/api/v1/me/sessions").get_json()[
        "sessions"] if s["current"])


# What each operation answered during the run.
ANSWERS: dict[str, set[int]] = {}
# Random passkey responses never verify, so these never succeed.
NEVER_SUCCEED = {"POST /api/v1/auth/login/verify", "POST /api/v1/auth/register/verify"}


@pytest.fixture
def fuzzed_app(app_factory, org):
    """The app with a sign-in limit no run reaches, a catalogue, two roles and a learner.

    Afterwards: every operation succeeded at least once, so the run got past sign-in,
    CSRF, validation and "not found", rather than passing on a wall of 401s and 404s.
    """
    # Raised, not disabled: the limiter is one object for every app of the process, and
    # RATELIMIT_ENABLED would follow it to the next test's app; the limit is read per app.
    app = app_factory(SKILLPATH_AUTH_RATE_LIMIT="100000 per minute")
    seed_catalogue(app)
    enrol_learner(app)
    yield app
    LEARNER.clear()
    answered, _ = dict(ANSWERS), ANSWERS.clear()
    never = sorted(op for op, statuses in answered.items()
                   if op not in NEVER_SUCCEED and not any(200 <= s < 300 for s in statuses))
    assert answered and never == [], f"never succeeded during the run: {never}"


@pytest.fixture
def api_document(fuzzed_app):
    with fuzzed_app.app_context():
        first = db.session.scalar(sa.select(sa.func.min(Passkey.id)))
        items = db.session.scalars(sa.select(Item.key)).all()
    # The learner's passkeys, and those of the learners who replace a deleted one.
    passkeys = list(range(first, first + 20))
    names = {"roles": ["store-associate", "warehouse-picker"], "items": list(items),
             "passkeys": passkeys, "versions": [1],
             "competencies": ["store-associate/greet", "warehouse-picker/pick"]}
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed_app,
                                          config=config(names))


schema = schemathesis.pytest.from_fixture("api_document")


@schema.auth(refresh_interval=None)
class LearnerSession:
    """Every request carries the learner's session, and every change the real CSRF token."""

    def get(self, case: schemathesis.Case, ctx: schemathesis.AuthContext) -> dict[str, Any]:
        return LEARNER

    def set(self, case: schemathesis.Case, data: dict[str, Any],
            ctx: schemathesis.AuthContext) -> None:
        name, value = data["cookie"]
        case.cookies = {**(case.cookies or {}), name: value}
        # The learner's own session changes as the run signs them out and in: every other
        # generated id (an even one) names the current one, so ending it is tried too.
        wanted = (case.path_parameters or {}).get("session_id")
        if isinstance(wanted, int) and wanted % 2 == 0:
            case.path_parameters = {**case.path_parameters, "session_id": data["session"]}
        # The app always sends its token; a case without the header would be a missing
        # token, refused as the document says, but counted as valid data by the checks.
        if case.method.upper() in {"POST", "PUT", "PATCH", "DELETE"}:
            others = {k: v for k, v in (case.headers or {}).items()
                      if k.lower() != "x-csrftoken"}  # whatever spelling was generated
            case.headers = {**others, "X-CSRFToken": data["token"]}


# Operations whose success ends the learner's session, and how the learner gets one back;
# removing the passkey or ending the session this device signed in with says
# "signed_in": false, and the learner signs in again.
ENDS_SESSION = {"DELETE /api/v1/me": enrol_learner, "POST /api/v1/auth/signout": sign_in_again}


@schema.parametrize()
def test_the_api_keeps_to_its_document(case, fuzzed_app):
    response = case.call_and_validate()
    if case.method.upper() != case.operation.method.upper():
        return  # a method the document does not list, answered 405
    operation = f"{case.method.upper()} {case.operation.path}"
    ANSWERS.setdefault(operation, set()).add(response.status_code)
    if operation in ENDS_SESSION and response.status_code == 200:
        ENDS_SESSION[operation](fuzzed_app)
    elif response.status_code == 200 and (response.json() or {}).get("signed_in") is False:
        sign_in_again(fuzzed_app)
