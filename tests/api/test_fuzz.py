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
from pwa.models import Item, Passkey, PushSubscription, Session
from tests.factories import Api, enrol, make_invite, make_person, seed_catalogue, sign_in
from tests.softauthn import SoftAuthenticator

# A longer hunt: SKILLPATH_FUZZ_SEED=1 SKILLPATH_FUZZ_EXAMPLES=1000 pytest tests/api/test_fuzz.py
SEED = int(os.environ.get("SKILLPATH_FUZZ_SEED", "20261124"))
EXAMPLES = int(os.environ.get("SKILLPATH_FUZZ_EXAMPLES", "300"))
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]  # schemathesis' default, less 5xx

# What else a request well-formed by the document may be answered, per operation: the status
# and the (error, details.field) pairs it may carry, each for a cause no schema can express
# (it depends on what exists here). Any other refusal of valid data fails the run.
REFUSED: dict[str, dict[int, set[tuple[str, str | None]]]] = {
    # A passkey response is any object to the document (the browser makes it). Its
    # clientDataJSON must decode to a challenge (else invalid_credential), and that challenge
    # must be one this server issued and nobody used yet (else challenge_invalid).
    "POST /api/v1/auth/login/verify": {
        400: {("invalid_credential", None), ("challenge_invalid", None)}},
    "POST /api/v1/auth/register/verify": {
        400: {("invalid_credential", None), ("challenge_invalid", None)}},
    # ?competency=role/key that names no competency of the organisation: said plainly, as
    # the L&D catalogue page does, rather than an empty list that looks like "no items".
    "GET /api/v1/catalog": {422: {("invalid_input", "competency")}},
    # Feedback about a competency key that the role's current profile does not have.
    "POST /api/v1/feedback": {422: {("invalid_input", "competency")}},
    # A push subscription whose endpoint is no push service we post to, or whose keys are
    # not a P-256 point and a 16-byte secret: the document cannot say which hosts those are.
    "POST /api/v1/push/subscriptions": {422: {("invalid_input", "endpoint"),
                                              ("invalid_input", "p256dh"),
                                              ("invalid_input", "auth")}},
}


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
            "query.items": {"dictionary": "revisions", "probability": half},
            "path.passkey_id": {"dictionary": "passkeys", "probability": half},
            "path.subscription_id": {"dictionary": "subscriptions", "probability": half},
            "query.competency": {"dictionary": "competencies", "probability": half},
            **{f"query.{n}": {"dictionary": "versions", "probability": half}
               for n in ("version", "from", "to", "revision")},
        },
        "operations": [
            *({"include-name": name, "checks": {"positive_data_acceptance": {
                "expected-statuses": [*ACCEPTED, *map(str, statuses)]}}}
              for name, statuses in REFUSED.items()),
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
    if "session" in LEARNER:
        LEARNER.setdefault("ended", set()).add(LEARNER["session"])
    LEARNER["cookie"] = (cookie.key, cookie.value)
    LEARNER["token"] = api.csrf()
    LEARNER["session"] = next(s["id"] for s in api.get("/api/v1/me/sessions").get_json()[
        "sessions"] if s["current"])
    with app.app_context():  # devices that get the learner's notifications, to remove
        session = db.session.get(Session, LEARNER["session"])
        db.session.add_all(PushSubscription(
            person_id=session.person_id, session_id=session.id, device=f"Phone {n}",
            endpoint=f"https://fcm.googleapis.com/fcm/send/{session.id}-{n}", p256dh="k",
            auth="a") for n in range(5))
        db.session.commit()


def as_the_learner_now(case: schemathesis.Case) -> None:
    """Give a case the learner's session as it is now, not as it was when the case was made.

    Cases are made before they are sent (the coverage phase makes all of an operation's at
    once), so a case made before another one ended the learner's session would carry that
    session's cookie, CSRF token and id: it would be answered as from nobody, a 401 or a
    CSRF failure (400) that says nothing about the request. What the generator took away
    (the cookie, the header) stays away.
    """
    # Only what is stale is written: schemathesis reads any write as a change to the case.
    name, value = LEARNER["cookie"]
    if name in (case.cookies or {}) and case.cookies[name] != value:
        case.cookies = {**case.cookies, name: value}
    stale = {k for k, v in (case.headers or {}).items()
             if k.lower() == "x-csrftoken" and v != LEARNER["token"]}
    if stale:
        case.headers = {k: LEARNER["token"] if k in stale else v for k, v in case.headers.items()}
    if (case.path_parameters or {}).get("session_id") in LEARNER.get("ended", set()):
        case.path_parameters = {**case.path_parameters, "session_id": LEARNER["session"]}


# What each operation answered during the run.
ANSWERS: dict[str, set[int]] = {}
# Random passkey responses never verify, so these never succeed.
NEVER_SUCCEED = {"POST /api/v1/auth/login/verify", "POST /api/v1/auth/register/verify",
                 # L&D only: the fuzzer's learner is refused (403) however the query reads;
                 # their 200s are asked for in tests/pwa/test_reports.py.
                 "GET /api/v1/analytics/priorities", "GET /api/v1/gaps",
                 "GET /api/v1/releases/latest",
                 # Random keys are never a browser's P-256 key: tests/api/test_push.py
                 # subscribes real ones.
                 "POST /api/v1/push/subscriptions",
                 # The devices seeded for each session of the learner go with that session,
                 # which the run's sign-outs, passkey removals and deletions end, often
                 # before this operation's turn (on PostgreSQL, every time): its 200 is asked
                 # for in tests/api/test_push.py and the authorization matrix.
                 "DELETE /api/v1/push/subscriptions/{subscription_id}"}


@pytest.fixture
def fuzzed_app(app_factory, org):
    """The app with a sign-in limit no run reaches, a catalogue, two roles and a learner.

    Afterwards: every operation succeeded at least once, so the run got past sign-in,
    CSRF, validation and "not found", rather than passing on a wall of 401s and 404s.
    """
    # Raised, not disabled: the limiter is one object for every app of the process, and
    # RATELIMIT_ENABLED would follow it to the next test's app; the limit is read per app.
    app = app_factory(SKILLPATH_AUTH_RATE_LIMIT="100000 per minute",
                      SKILLPATH_AUTH_FAILURE_LIMIT="100000 per minute",
                      SKILLPATH_AUTH_ADDRESS_LIMIT="100000 per minute")
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
        first_subscription = db.session.scalar(sa.select(sa.func.min(PushSubscription.id)))
    # The learner's passkeys, and those of the learners who replace a deleted one.
    passkeys = list(range(first, first + 20))
    # Each session the learner signs in with gets five devices: these and those to come.
    subscriptions = list(range(first_subscription, first_subscription + 200))
    # Lessons in one answer (/catalog/contents): each item's first revision, and all at once.
    revisions = [f"{key}:1" for key in items] + [",".join(f"{key}:1" for key in items)]
    names = {"roles": ["store-associate", "warehouse-picker"], "items": list(items),
             "revisions": revisions,
             "passkeys": passkeys, "versions": [1], "subscriptions": list(subscriptions),
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
        # A generated token is never one the server issued: the real one takes its place.
        # A case without the header is left without it (the check that a missing token is
        # refused).
        if any(k.lower() == "x-csrftoken" for k in case.headers or {}):
            others = {k: v for k, v in case.headers.items()
                      if k.lower() != "x-csrftoken"}  # whatever spelling was generated
            case.headers = {**others, "X-CSRFToken": data["token"]}


# Operations whose success ends the learner's session, and how the learner gets one back;
# removing the passkey or ending the session this device signed in with says
# "signed_in": false, and the learner signs in again.
ENDS_SESSION = {"DELETE /api/v1/me": enrol_learner, "POST /api/v1/auth/signout": sign_in_again}


@schema.parametrize()
def test_the_api_keeps_to_its_document(case, fuzzed_app):
    as_the_learner_now(case)
    response = case.call_and_validate()
    if case.method.upper() != case.operation.method.upper():
        return  # a method the document does not list, answered 405
    operation = f"{case.method.upper()} {case.operation.path}"
    ANSWERS.setdefault(operation, set()).add(response.status_code)
    refused = REFUSED.get(operation, {}).get(response.status_code)
    if refused and case.meta is not None and case.meta.generation.mode.is_positive:
        answer = response.json()
        assert (answer["error"], answer["details"].get("field")) in refused, answer
    if operation in ENDS_SESSION and response.status_code == 200:
        ENDS_SESSION[operation](fuzzed_app)
    elif response.status_code == 200 and (response.json() or {}).get("signed_in") is False:
        sign_in_again(fuzzed_app)
