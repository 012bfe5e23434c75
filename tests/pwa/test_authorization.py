"""Who may do what: every route, asked by six kinds of people, in one table.

Each row is a route (its path with ``{placeholders}`` filled from the world
below) and the status each person gets. A route of the app that has no row
fails ``test_every_route_has_a_row``: a new route needs its row here, which is
the moment to decide who may use it. Every cell also searches the answer for
the private notes and rating ids of everyone but the person asking: ratings
are owner-only, for admins too.

Columns: anon (nobody signed in), learner (Ana, store associate), other (Ben,
another store associate), author (Grace, an author of Ana's role), author2
(Wes, an author of another role), admin (Priya, an L&D admin). The persons
ask in that order, each in a world of their own row, so a row that changes
something (revoke, discard, delete) is tried from the least to the most
allowed. Non-GET requests carry the asker's CSRF token. The last column names
a body from BODIES (JSON under /api/, a form elsewhere); without one, API
requests send ``{}`` and forms send only the token.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from pwa import clock
from pwa.extensions import db
from pwa.models import Feedback, Invite, Item, Passkey, Person, PushSubscription, Role, Session
from pwa.store import job_failures, profiles, roster
from tests.factories import (
    Api,
    make_invite,
    make_person,
    moment,
    route_methods,
    seed_catalogue,
    sign_in_as,
    url_map,
)

PERSONS = ("anon", "learner", "other", "author", "author2", "admin")

MATRIX = """
method path                                           anon learner other author author2 admin body
# Shell: the same for everyone
GET    /app                                           200  200     200   200    200     200
GET    /offline                                       200  200     200   200    200     200
GET    /manifest.webmanifest                          200  200     200   200    200     200
GET    /sw.js                                         200  200     200   200    200     200
GET    /healthz                                       200  200     200   200    200     200
GET    /readyz                                        200  200     200   200    200     200
GET    /static/css/pages.css                          200  200     200   200    200     200
# Home, sign-in, enrolment
GET    /                                              302  200     200   200    200     200
GET    /signin                                        200  302     302   302    302     302
POST   /signout                                       302  302     302   302    302     302
GET    /enrol/{token}                                 200  200     200   200    200     200
# Account: each person's own
GET    /account                                       302  200     200   200    200     200
GET    /account/settings                              302  200     200   200    200     200
POST   /account/settings                              302  422     422   422    422     422
GET    /account/passkeys                              302  200     200   200    200     200
POST   /account/passkeys/{passkey}/remove             302  302     302   302    302     302
GET    /account/notifications                         302  200     200   200    200     200
GET    /account/sessions                              302  200     200   200    200     200
POST   /account/sessions/{session}/end                302  302     302   302    302     302
POST   /account/sessions/end-others                   302  302     302   302    302     302
GET    /account/data                                  302  200     200   200    200     200
GET    /account/data/print                            302  200     200   200    200     200
POST   /account/delete                                302  422     422   422    422     422
GET    /feedback                                      302  200     200   200    200     200
# Profiles: everyone signed in reads every role's published profile
GET    /roles                                         302  200     200   200    200     200
GET    /roles/{role}                                  302  200     200   200    200     200
GET    /roles/{role}/versions                         302  200     200   200    200     200
GET    /roles/{role}/changes/1                        302  200     200   200    200     200
GET    /roles/{role}/feedback                         302  200     200   200    200     200
POST   /roles/{role}/feedback                         302  422     422   422    422     422
# Author's desk: the role's authors only
GET    /author                                        302  403     403   200    200     403
GET    /author/{role}                                 302  403     403   200    403     403
POST   /author/{role}/feedback/{feedback}             302  403     403   302    403     403
POST   /author/{role}/draft                           302  403     403   302    403     403
GET    /author/{role}/draft                           302  403     403   200    403     403
POST   /author/{role}/draft/move                      302  403     403   302    403     403
GET    /author/{role}/draft/competency/{competency}   302  403     403   200    403     403
POST   /author/{role}/draft/competency/{competency}   302  403     403   422    403     403
GET    /author/{role}/draft/preview                   302  403     403   200    403     403
GET    /author/{role}/questions                       302  403     403   200    403     403
POST   /author/{role}/draft/publish                   302  403     403   302    403     403
POST   /author/{role}/draft/discard                   302  403     403   302    403     403
GET    /author/{role}/translations/es/1               302  403     403   200    403     403
GET    /author/{role}/translations/es/1/{competency}  302  403     403   200    403     403
POST   /author/{role}/translations/es/1/{competency}  302  403     403   302    403     403   es
GET    /author/{role}/translations/es/1/role-name     302  403     403   200    403     403
POST   /author/{role}/translations/es/1/role-name     302  403     403   302    403     403   es
# L&D: admins only
GET    /admin                                         302  403     403   403    403     200
GET    /admin/invites                                 302  403     403   403    403     200
POST   /admin/invites                                 302  403     403   403    403     422
POST   /admin/invites/{invite}/revoke                 302  403     403   403    403     302
GET    /admin/people                                  302  403     403   403    403     200
POST   /admin/people                                  302  403     403   403    403     422
GET    /admin/people/import/{upload}                  302  403     403   403    403     200
POST   /admin/people/import/{upload}                  302  403     403   403    403     422
POST   /admin/people/reprint                          302  403     403   403    403     422
GET    /admin/authors                                 302  403     403   403    403     200
POST   /admin/authors/{role}                          302  403     403   403    403     302
POST   /admin/authors/{role}/{author_id}/withdraw     302  403     403   403    403     302
GET    /admin/catalogue                               302  403     403   403    403     200
GET    /admin/catalogue/new                           302  403     403   403    403     200
POST   /admin/catalogue/new                           302  403     403   403    403     422
GET    /admin/catalogue/{item}                        302  403     403   403    403     200
POST   /admin/catalogue/{item}                        302  403     403   403    403     422
GET    /admin/catalogue/{item}/retire                 302  403     403   403    403     200
POST   /admin/catalogue/{item}/retire                 302  403     403   403    403     302
GET    /admin/catalogue/{item}/translations/es        302  403     403   403    403     200
POST   /admin/catalogue/{item}/translations/es        302  403     403   403    403     302
GET    /admin/costs                                   302  403     403   403    403     200
POST   /admin/costs                                   302  403     403   403    403     422
GET    /admin/jobs                                    302  403     403   403    403     200
GET    /admin/profiles                                302  403     403   403    403     200
POST   /admin/profiles/import                         302  403     403   403    403     422
POST   /admin/profiles/import/draft                   302  403     403   403    403     302
GET    /admin/profiles/{role}/export/case             302  403     403   403    403     200
GET    /admin/profiles/{role}/export/nothing          302  403     403   403    403     404
POST   /admin/jobs/{failure}/retry                    302  403     403   403    403     302
# Reports: L&D only (aggregates, never a rating)
GET    /reports                                       302  403     403   403    403     200
GET    /reports/gaps                                  302  403     403   403    403     200
GET    /reports/priorities/{role}                     302  403     403   403    403     200
GET    /reports/priorities/{role}?site=nowhere        302  403     403   403    403     422
GET    /reports/case/{role}                           302  403     403   403    403     200
GET    /reports/practice                              302  403     403   403    403     200
GET    /reports/questions/{role}                      302  403     403   403    403     200
# API: sign-in
GET    /api/v1/openapi.json                           200  200     200   200    200     200
GET    /api/v1/auth/csrf                              200  200     200   200    200     200
GET    /api/v1/auth/session                           200  200     200   200    200     200
POST   /api/v1/auth/signout                           200  200     200   200    200     200
POST   /api/v1/auth/login/options                     200  200     200   200    200     200
POST   /api/v1/auth/login/verify                      400  400     400   400    400     400   cred
POST   /api/v1/auth/register/options                  401  200     200   200    200     200
POST   /api/v1/auth/register/verify                   400  400     400   400    400     400   cred
# API: the signed-in person's own
GET    /api/v1/me                                     401  200     200   200    200     200
DELETE /api/v1/me                                     401  200     200   200    200     200
GET    /api/v1/me/export                              401  200     200   200    200     200
GET    /api/v1/me/passkeys                            401  200     200   200    200     200
DELETE /api/v1/me/passkeys/{passkey}                  401  409     404   404    404     404
GET    /api/v1/me/sessions                            401  200     200   200    200     200
DELETE /api/v1/me/sessions/{session}                  401  200     404   404    404     404
POST   /api/v1/me/sessions/end-others                 401  200     200   200    200     200
GET    /api/v1/bootstrap                              401  200     200   200    200     200
POST   /api/v1/sync                                   401  200     200   200    200     200   sync
GET    /api/v1/feedback                               401  200     200   200    200     200
GET    /api/v1/plan                                   401  200     200   200    200     200
GET    /api/v1/colleagues?q=an                        401  200     200   200    200     200
GET    /api/v1/mentors                                401  200     200   200    200     200
GET    /api/v1/push                                   401  200     200   200    200     200
POST   /api/v1/push/subscriptions                     401  422     422   422    422     422  pushsub
POST   /api/v1/push/unsubscribe                       401  200     200   200    200     200   unsub
DELETE /api/v1/push/subscriptions/{subscription}      401  200     404   404    404     404
POST   /api/v1/feedback                               401  201     201   201    201     201   note
# API: content for everyone signed in
GET    /api/v1/roles                                  401  200     200   200    200     200
GET    /api/v1/roles/{role}/profile                   401  200     200   200    200     200
GET    /api/v1/roles/{role}/profile/diff?from=1&to=1  401  200     200   200    200     200
GET    /api/v1/catalog                                401  200     200   200    200     200
GET    /api/v1/catalog/items/{item}                   401  200     200   200    200     200
GET    /api/v1/catalog/items/{item}?revision=1&lang=es&translation=0 401 200 200 200 200 200
GET    /api/v1/catalog/contents?items={item}:1&lang=es   401  200     200   200    200     200
# API: reports for L&D
GET    /api/v1/analytics/priorities?role={role}       401  403     403   403    403     200
GET    /api/v1/analytics/priorities?role={role}&site=x 401 403     403   403    403     422
GET    /api/v1/gaps                                   401  403     403   403    403     200
GET    /api/v1/releases/latest                        401  403     403   403    403     200
"""

BODIES: dict[str, Any] = {
    "cred": {"credential": {}},
    "sync": {"events": []},
    "note": {"role": "{role}", "kind": "unclear", "text": "Level 4 reads like level 3."},
    # A push service nobody may ask the server to post to.
    "pushsub": {"endpoint": "https://evil.example/push", "keys": {"p256dh": "x", "auth": "y"}},
    "unsub": {"endpoint": "https://fcm.googleapis.com/fcm/send/x"},
    "es": {"name": "Saludar a la clientela", "seen": ""},
}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expected: dict[str, int]
    body: str | None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def parse(table: str) -> list[Row]:
    lines = [line.split() for line in table.strip().splitlines()[1:]]
    rows = []
    for cells in lines:
        if not cells or cells[0].startswith("#"):
            continue
        method, path, *rest = cells
        statuses, body = rest[:len(PERSONS)], rest[len(PERSONS):]
        assert len(statuses) == len(PERSONS), f"{method} {path}: one status per person"
        rows.append(Row(method, path, dict(zip(PERSONS, map(int, statuses), strict=True)),
                        body[0] if body else None))
    return rows


ROWS = parse(MATRIX)
# Values that match each placeholder's route, to find which route a row is.
SHAPES = {"role": "store-associate", "token": "x", "passkey": "1", "session": "1",
          "feedback": "1",
          "competency": "greet", "invite": "1", "author_id": "1", "item": "x",
          "subscription": "1", "upload": "1", "failure": "1"}


def test_every_route_has_a_row_and_every_row_a_route():
    adapter = url_map().bind("localhost")
    covered = set()
    for row in ROWS:
        path = row.path.split("?")[0].format(**SHAPES)
        rule, _ = adapter.match(path, method=row.method, return_rule=True)
        covered.add((rule.rule, row.method))
    routes = {(rule.rule, method) for rule in url_map().iter_rules()
              for method in route_methods(rule)}
    assert sorted(routes - covered) == [], "add a row to MATRIX for each of these"
    assert len(ROWS) == len({(r.method, r.path) for r in ROWS}), "a row is listed twice"


@dataclass
class World:
    """Six people, two published roles, a draft, feedback, an invite, private notes."""

    clients: dict[str, Api]
    values: dict[str, str]
    secrets: dict[str, list[str]] = field(default_factory=dict)


def rating_event(role: str, competency: str, note: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "type": "rating.set", "schema": 1,
            "occurred_at": moment(30), "device_id": "phone-1",
            "data": {"role": role, "competency": competency, "version": 1, "level": 2,
                     "note": note}}


@pytest.fixture
def world(app, org) -> World:
    seed_catalogue(app)  # both roles published, by Grace Okafor and Wes Moyo; three items
    clients = {
        "anon": Api(app.test_client()),
        "learner": sign_in_as(app, "Ana Ruiz"),
        "other": sign_in_as(app, "Ben Ode"),
        "author": sign_in_as(app, "Grace Okafor"),
        "author2": sign_in_as(app, "Wes Moyo", "warehouse-picker"),
        "admin": sign_in_as(app, "Priya Nair", "warehouse-picker", ld_admin=True),
    }
    world = World(clients, {})
    for persona, (role, competency) in {
            "learner": ("store-associate", "greet"), "other": ("store-associate", "tills"),
            "author": ("store-associate", "greet"), "author2": ("warehouse-picker", "pick"),
            "admin": ("warehouse-picker", "pick")}.items():
        note = f"private note of {persona} {uuid.uuid4().hex}"
        event = rating_event(role, competency, note)
        sent = clients[persona].post("/api/v1/sync", {"events": [event]}).get_json()
        assert sent["accepted"] == [event["id"]], sent
        own = clients[persona].get("/api/v1/me/export").get_data(as_text=True)
        assert note in own and event["id"] in own, "the search below would find nothing"
        world.secrets[persona] = [note, event["id"]]
    # Mentoring: the admin (picking rated 4 of 3) offers help; Wes asks, sharing his rating.
    # Neither answer may hold the other's note or rating event.
    strong = rating_event("warehouse-picker", "pick", "")
    strong["data"].update(level=4, note=None)
    strong["occurred_at"] = moment(35)
    offer = {"id": str(uuid.uuid4()), "type": "mentor.offer.changed", "schema": 1,
             "occurred_at": moment(36), "device_id": "phone-1",
             "data": {"competencies": ["pick"], "languages": ["en"]}}
    sent = clients["admin"].post("/api/v1/sync", {"events": [strong, offer]}).get_json()
    assert len(sent["accepted"]) == 2, sent
    world.secrets["admin"].append(strong["id"])
    with app.app_context():
        mentor = db.session.scalar(sa.select(Person.id).where(Person.display_name == "Priya Nair"))
    request = {"id": str(uuid.uuid4()), "type": "mentor.requested", "schema": 1,
               "occurred_at": moment(37), "device_id": "phone-1",
               "data": {"id": str(uuid.uuid4()), "mentor": mentor, "competency": "pick",
                        "share_level": True}}
    sent = clients["author2"].post("/api/v1/sync", {"events": [request]}).get_json()
    assert sent["accepted"] == [request["id"]], sent
    given = clients["learner"].post("/api/v1/feedback", {
        "role": "store-associate", "competency": "greet", "kind": "unclear",
        "text": "Which customers count?"})
    assert given.status_code == 201
    token = make_invite(app, make_person(app, "Cleo Diaz"))
    with app.app_context():
        grace = db.session.scalar(sa.select(Person).where(Person.display_name == "Grace Okafor"))
        role = db.session.scalar(sa.select(Role).where(Role.slug == "store-associate"))
        profiles.open_draft(role, grace, clock.now())
        db.session.commit()
        ana = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
        ana_session = db.session.scalar(sa.select(Session.id).where(Session.person_id == ana.id))
        subscription = PushSubscription(
            person_id=ana.id, session_id=ana_session, device="Work phone",
            endpoint="https://fcm.googleapis.com/fcm/send/ana", p256dh="x", auth="y")
        db.session.add(subscription)
        failure = job_failures.record(job_failures.Failed(
            job="mentors.assign", arguments=f"[{role.organisation_id}]",
            organisation_id=role.organisation_id, job_id="mentors_assign-1", attempts=4,
            error="TimeoutError", kind="timeout", message=""), clock.now())
        db.session.flush()
        world.values = {
            "role": "store-associate", "competency": "greet", "token": token,
            "passkey": str(db.session.scalar(sa.select(Passkey.id)
                                             .where(Passkey.person_id == ana.id))),
            "session": str(db.session.scalar(sa.select(Session.id)
                                             .where(Session.person_id == ana.id))),
            "feedback": str(db.session.scalar(sa.select(Feedback.id))),
            "invite": str(db.session.scalar(sa.select(Invite.id)
                                            .where(Invite.used_at.is_(None)))),
            "author_id": str(grace.id),
            "item": db.session.scalar(sa.select(Item.key).order_by(Item.id)),
            "subscription": str(subscription.id),
            "upload": str(roster.save_upload(
                role.organisation, db.session.scalar(
                    sa.select(Person).where(Person.display_name == "Priya Nair")),
                "people.csv", "name,role,site,external_id\nAna,store-associate,A,E1\n",
                clock.now()).id),
            "failure": str(failure.id),
        }
        db.session.commit()
    return world


def fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**values)
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    return value


def ask(client: Api, row: Row, values: dict[str, str]) -> Any:
    path = fill(row.path, values)
    if row.method == "GET":
        return client.get(path)
    token = client.csrf()
    body = fill(BODIES[row.body], values) if row.body else None
    if path.startswith("/api/"):
        return client.client.open(path, method=row.method, json=body or {},
                                  headers={"X-CSRFToken": token})
    return client.client.open(path, method=row.method, data={**(body or {}), "csrf_token": token},
                              headers={"X-CSRFToken": token})


@pytest.mark.parametrize("row", ROWS, ids=str)
def test_who_may_use_each_route(world, row):
    answers = {}
    leaks = []
    for persona in PERSONS:
        response = ask(world.clients[persona], row, world.values)
        answers[persona] = response.status_code
        text = response.get_data(as_text=True)
        response.close()
        for owner, secrets in world.secrets.items():
            if owner != persona and any(secret in text for secret in secrets):
                leaks.append(f"{persona} sees {owner}'s rating")
        if persona == "anon" and response.status_code == 302:
            assert response.headers["Location"].startswith(("/signin", "/")), row
    assert leaks == []
    assert answers == row.expected
