"""Shared test helpers: people, invites, signed-in API clients, a published profile.

Test modules import from here (and from ``tests.browser.harness``), never from
each other.
"""

from __future__ import annotations

import random
import re
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import fsrs
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Map, Rule

from engine.fitting import DEFAULT_PARAMETERS as FSRS_DEFAULTS
from engine.fitting import Log
from engine.profiles import Competency
from pwa import clock, create_app
from pwa.extensions import db
from pwa.models import Organisation, Passkey, Person, ProfileVersion, Role, Session
from pwa.store import catalogue, invites, people, releases
from pwa.store import profiles as store
from pwa.sync.ingest import ingest
from tests.softauthn import SoftAuthenticator


class Api:
    """A test client that sends JSON with the CSRF token, as the PWA does."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token: str | None = None

    def csrf(self) -> str:
        if self.token is None:
            self.token = self.client.get("/api/v1/auth/csrf").get_json()["csrf_token"]
        return self.token

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        response = self.client.post(path, json=body if body is not None else {},
                                    headers={"X-CSRFToken": self.csrf()}, **kw)
        fresh = (response.get_json(silent=True) or {}).get("csrf_token")
        if fresh:  # a new session (sign-in, sign-out) comes with a new token
            self.token = fresh
        return response

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete(path, headers={"X-CSRFToken": self.csrf()}, **kw)

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)


ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Mobile Safari/537.36")
IPHONE_SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
SESSION_COOKIE = "skillpath_session"


def device(app: Flask, user_agent: str | None = None, cookie: str | None = None) -> Api:
    """Another browser: its own cookies, maybe a User-Agent, maybe a copied session cookie."""
    client = app.test_client()
    if user_agent:
        client.environ_base["HTTP_USER_AGENT"] = user_agent
    if cookie:
        client.set_cookie(SESSION_COOKIE, cookie)
    return Api(client)


def session_cookie(api: Api) -> str | None:
    cookie = api.client.get_cookie(SESSION_COOKIE)
    return cookie.value if cookie else None


def make_person(app: Flask, name: str = "Ana Ruiz", role: str = "store-associate",
                *, ld_admin: bool = False) -> int:
    with app.app_context():
        organisation = db.session.scalars(sa.select(Organisation)).first()
        assert organisation is not None, "use the org fixture first"
        person, _ = people.ensure_person(organisation, name,
                                         people.role_by_slug(organisation, role),
                                         ld_admin=ld_admin)
        db.session.commit()
        return person.id


def make_invite(app: Flask, person_id: int, *, age: timedelta = timedelta(0),
                ttl_days: int = 7) -> str:
    """An invite for ``person_id`` created ``age`` ago; returns its token."""
    with app.app_context():
        person = db.session.get(Person, person_id)
        _, token = invites.create_invite(person, clock.now() - age, ttl_days=ttl_days)
        db.session.commit()
        return token


def enrol(api, token, authenticator=None, **verify_kw):
    authenticator = authenticator or SoftAuthenticator()
    options = api.post("/api/v1/auth/register/options", {"invite_token": token})
    assert options.status_code == 200, options.get_json()
    credential = authenticator.create(options.get_json(), **verify_kw)
    answer = api.post("/api/v1/auth/register/verify",
                      {"invite_token": token, "name": "Test phone", "credential": credential})
    return authenticator, answer


def sign_in(api, authenticator, **kw):
    options = api.post("/api/v1/auth/login/options").get_json()
    return api.post("/api/v1/auth/login/verify", {"credential": authenticator.get(options, **kw)})


LEVELS = ["Watches others greet customers and learns the basics.",
          "Greets customers when prompted by a colleague.",
          "Greets every customer within ten seconds and offers help.",
          "Reads what a customer needs and adapts, even when busy.",
          "Coaches new colleagues in greeting and helping customers."]


def comp(key, name, target=3, importance=3, group="Customers"):
    return Competency(key, name, f"About {name.lower()}.", group, tuple(LEVELS), target,
                      importance)


DEFAULT_COMPS = (comp("greet", "Greeting customers"),
                 comp("tills", "Using the tills", 2, 4, "Tills"))


def publish_profile(app, role_slug="store-associate", author="Grace Okafor",
                    comps=DEFAULT_COMPS):
    """Nominate ``author`` and publish one version; returns the author's person id."""
    author_id = make_person(app, author, role_slug)
    with app.app_context():
        person = db.session.get(Person, author_id)
        role = db.session.scalar(sa.select(Role).where(Role.slug == role_slug))
        people.nominate_author(person, role)
        draft = store.open_draft(role, person, clock.now())
        store.save_draft(draft, list(comps), expected_revision=draft.revision, author=person,
                         now=clock.now())
        store.publish(draft, "First version.", expected_revision=draft.revision, author=person,
                      now=clock.now())
        db.session.commit()
    return author_id


def publish_change(app, author_id: int, index: int, change: Callable[[Competency], Competency],
                   summary: str, at: datetime | None = None,
                   role_slug: str = "store-associate") -> None:
    """Publish the role's next version, its competency at ``index`` changed by ``change``."""
    with app.app_context():
        author = db.session.get(Person, author_id)
        role = db.session.scalar(sa.select(Role).where(Role.slug == role_slug))
        draft = store.open_draft(role, author, clock.now())
        comps = store.competencies(draft)
        comps[index] = change(comps[index])
        store.save_draft(draft, comps, expected_revision=draft.revision, author=author,
                         now=clock.now())
        store.publish(draft, summary, expected_revision=draft.revision, author=author,
                      now=at or clock.now())
        db.session.commit()


def sign_in_as(app, name, role="store-associate", **kw):
    api = Api(app.test_client())
    person_id = make_person(app, name, role, **kw)
    _, answer = enrol(api, make_invite(app, person_id))
    assert answer.status_code == 200
    return api


def token(html):
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


ITEM_BASE = {"duration_minutes": 30, "language": "en", "level_from": 1, "level_to": 5}


def seed_catalogue(app):
    """Three items over two roles and two formats, with published profiles for both roles."""
    publish_profile(app)
    publish_profile(app, "warehouse-picker", "Wes Moyo",
                    comps=(comp("pick", "Picking orders", group="Picking"),))
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        for title, fmt, summary, competency in [
            ("Till basics", "course", "Open, balance and close a till.", "store-associate/tills"),
            ("Greeting well", "classroom", "Welcome every customer within 10 seconds.",
             "store-associate/greet"),
            ("Pick paths", "course", "Walk less: the 100% route through the aisles.",
             "warehouse-picker/pick"),
        ]:
            catalogue.save(org_id, {**ITEM_BASE, "title": title, "format": fmt, "summary": summary,
                                    "competencies": [competency]}, by=None, now=clock.now())
        db.session.commit()


def add_offline_item(app, title="Greeting in ten seconds", competency="store-associate/greet"):
    """An item that works without signal, for the phone to keep; returns its key."""
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        saved = catalogue.save(org_id, {**ITEM_BASE, "title": title, "format": "book_study",
                                        "offline": True, "competencies": [competency]},
                               by=None, now=clock.now())
        db.session.commit()
        return saved.item.key


@lru_cache(maxsize=1)
def url_map() -> Map:
    """The routes of the app, for tests parametrized over them (the app never serves)."""
    app = create_app({"SKILLPATH_ENV": "testing", "SECRET_KEY": "only-for-the-url-map",
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return app.url_map


def route_methods(rule: Rule) -> list[str]:
    """The methods a route was written for (Flask adds HEAD and OPTIONS by itself)."""
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


# Peer mentors: a warehouse role whose scanner competency no catalogue item covers.
PICKER_COMPS = (comp("scan", "Using the scanner", 3, 3, "Picking"),
                comp("pick", "Picking orders", 3, 4, "Picking"))
# Every instant a test sends comes from the app's one clock (``SKILLPATH_CLOCK_OFFSET`` moves
# it): two weeks before this run's today, at 08:30 UTC, so that no test depends on the date
# and a test may send what happened days after it without its being in the future.
RECENT_MORNING = (clock.now() - timedelta(days=14)).replace(hour=8, minute=30, second=0,
                                                            microsecond=0)


def moment(minutes: float = 0) -> str:
    """The instant ``minutes`` after this run's :data:`RECENT_MORNING`, as a phone writes it."""
    return (RECENT_MORNING + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


MENTOR_MONDAY = moment()


def mentor_event(type_: str, data: dict[str, Any], at: str = MENTOR_MONDAY) -> dict[str, Any]:
    import uuid

    return {"id": str(uuid.uuid4()), "type": type_, "schema": 1, "occurred_at": at,
            "device_id": "phone-1", "data": data}


def picker_rating(level: int, competency: str = "scan", at: str = MENTOR_MONDAY) -> dict[str, Any]:
    return mentor_event("rating.set", {"role": "warehouse-picker", "competency": competency,
                                       "version": 1, "level": level, "note": None}, at)


def associate_rating(level: int, competency: str) -> dict[str, Any]:
    """A store associate's rating of ``competency`` at ``level``, made on a recent morning."""
    return mentor_event("rating.set", {"role": "store-associate", "competency": competency,
                                       "version": 1, "level": level, "note": None},
                        RECENT_MORNING.isoformat().replace("+00:00", "Z"))


def mentor_offer(competencies: tuple[str, ...] = ("scan",), at: str = moment(1),
                 **kw: Any) -> dict[str, Any]:
    return mentor_event("mentor.offer.changed", {
        "competencies": list(competencies), "languages": ["en"], "availability": "Mornings",
        "contact": "Desk 4, goods-in", **kw}, at)


def picker_signed_in(app: Flask, name: str, *events: dict[str, Any]) -> Api:
    """A warehouse picker signed in, who has sent ``events`` (each accepted)."""
    api = sign_in_as(app, name, "warehouse-picker")
    if events:
        answer = api.post("/api/v1/sync", {"events": list(events)}).get_json()
        assert len(answer["accepted"]) == len(events), answer
    return api


def person_named(app: Flask, name: str) -> int:
    with app.app_context():
        found: int = db.session.scalar(sa.select(Person.id).where(Person.display_name == name))
        return found


# Reports: people who rate, releases, and what an L&D admin reads -----------------------

# Noise so small that every released count is the true one: the pipeline can be checked
# number by number (the privacy tests use the configured budget).
EXACT = {"SKILLPATH_RELEASE_RHO": 1000.0, "SKILLPATH_RELEASE_RHO_YEAR": 1e6}
# The question cells' noise is wider (K = 10 questions a learner): exact needs more still.
EXACT_QUESTIONS = {"SKILLPATH_RELEASE_RHO": 1e5, "SKILLPATH_RELEASE_RHO_YEAR": 1e8}


def rate(app, name, role, ratings, *, site=None, future=None, when=None, holds=None,
         version=1):
    """``name`` (who ``holds`` a role, created if new, at ``site``) rates ``ratings``
    {key: level} of version ``version`` of ``role``'s profile through sync."""
    when = when or clock.now() - timedelta(days=1)
    with app.app_context():
        org = db.session.scalars(sa.select(Organisation)).first()
        person, _ = people.ensure_person(org, name, people.role_by_slug(org, holds or role),
                                         site=site)
        if future:
            person.future_role_id = people.role_by_slug(org, future).id
        stamp = when.isoformat().replace("+00:00", "Z")
        events = [{"id": str(uuid.uuid4()), "type": "rating.set", "schema": 1,
                   "occurred_at": stamp, "device_id": "t",
                   "data": {"role": role, "competency": key, "version": version, "level": level,
                            "note": None}} for key, level in ratings.items()]
        result = ingest(person, events, clock.now())
        assert not result.refused, result.refused
        db.session.commit()


def publish(app, *, days_later=0):
    """Publish the organisation's next release, ``days_later`` days from now."""
    with app.app_context():
        org = db.session.scalars(sa.select(Organisation)).first()
        release = releases.publish(org.id, clock.now() + timedelta(days=days_later))
        db.session.commit()
        return release.status


def populate(app):
    """Store associates: 6 at North, 4 at South (two of them want to pick in the warehouse)."""
    publish_profile(app)
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=(comp("pick", "Picking"),))
    levels = [1, 2, 2, 3, 4, 2, 1, 3, 2, 5]
    for n, level in enumerate(levels):
        rate(app, f"Learner {n:02d}", "store-associate", {"greet": level, "tills": 1 + n % 3},
             site="North" if n < 6 else "South",
             future="warehouse-picker" if n in (7, 8) else None)
    return levels


REPORT_PAGES = ["/reports", "/reports/gaps", "/reports/priorities/store-associate",
                "/reports/priorities/store-associate?site=North",
                "/reports/priorities/store-associate?future_role=warehouse-picker",
                "/reports/case/store-associate", "/reports/case/warehouse-picker",
                "/reports/questions/store-associate", "/reports/questions/warehouse-picker",
                "/api/v1/gaps", "/api/v1/analytics/priorities?role=store-associate",
                "/api/v1/analytics/priorities?role=store-associate&site=South",
                "/api/v1/analytics/priorities?role=store-associate&site=North"
                "&future_role=warehouse-picker", "/api/v1/releases/latest"]


def report_snapshot(admin: Any, paths: Sequence[str] = tuple(REPORT_PAGES)) -> list[str]:
    """Every report page and answer, as text, with the page's per-request token taken out."""
    out = []
    for path in paths:
        answer = admin.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        out.append(re.sub(r'<meta name="csrf-token" content="[^"]+">', "",
                          answer.get_data(as_text=True)))
    return out


def make_org(app: Flask) -> dict[str, Any]:
    """The ``org`` fixture's organisation, in any app."""
    with app.app_context():
        organisation = Organisation(slug="acme", name="Acme Stores")
        db.session.add(organisation)
        db.session.flush()
        roles = {}
        for slug, name in [("store-associate", "Store associate"),
                           ("warehouse-picker", "Warehouse picker")]:
            role = Role(organisation_id=organisation.id, slug=slug, name=name, description="")
            db.session.add(role)
            db.session.flush()
            roles[slug] = role.id
        db.session.commit()
        return {"id": organisation.id, "roles": roles}


# People who forget faster than FSRS' defaults expect: lower first stabilities, slower
# growth (w8) and a steeper forgetting curve (w20).
FORGETFUL = (0.05, 0.2, 0.5, 1.5, 7.2, 0.6, 2.4, 0.01, 0.9, 0.25, 1.1, 1.8, 0.05, 0.35, 1.9,
             0.5, 2.2, 0.5, 0.09, 0.07, 0.3)
REVIEWS_FROM = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def day_scheduler(parameters: Sequence[float]) -> fsrs.Scheduler:
    """FSRS as the app schedules with it: in whole days, no steps, no fuzz."""
    return fsrs.Scheduler(parameters, desired_retention=0.9, learning_steps=(),
                          relearning_steps=(), enable_fuzzing=False)


def simulated_reviews(cards: int, days: int, seed: int,
                      true: Sequence[float] = FORGETFUL) -> list[Log]:
    """Reviews of ``cards`` questions over ``days``, by people whose memory follows ``true``.

    Each question starts in the first half of the days and is reviewed whenever it is
    due. The app's scheduler (FSRS' defaults) picks the day; the grade is drawn from the
    true memory's retrievability at that moment (Again when forgotten; Hard, Good or Easy
    when recalled); the first answer's grade has a fixed distribution. Shuffled: the
    order a store reads them in is not the fit's business.
    """
    rng = random.Random(seed)
    app, truth = day_scheduler(FSRS_DEFAULTS), day_scheduler(true)
    end = REVIEWS_FROM + timedelta(days=days)
    logs = []
    for card in range(cards):
        at = REVIEWS_FROM + timedelta(days=rng.randrange(days // 2), hours=rng.uniform(0, 10))
        scheduled, remembered = fsrs.Card(card_id=card + 1), fsrs.Card(card_id=card + 1)
        grade = rng.choices((1, 2, 3, 4), (0.25, 0.15, 0.45, 0.15))[0]
        while at < end:
            logs.append(Log(card, at, grade))
            scheduled, _ = app.review_card(scheduled, fsrs.Rating(grade), at)
            remembered, _ = truth.review_card(remembered, fsrs.Rating(grade), at)
            at = scheduled.due + timedelta(hours=rng.uniform(0, 10))
            recalled = rng.random() < truth.get_card_retrievability(remembered, at)
            grade = rng.choices((2, 3, 4), (0.15, 0.75, 0.1))[0] if recalled else 1
    rng.shuffle(logs)
    return logs


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements sent to ``app``'s database while in the block, in order."""
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)


# Practice: a micro-lesson and learners who answer its questions ---------------------------

LESSON_PROMPTS = ("Where does the float go?", "May you leave a till open?",
                  "Who checks a void?")


def add_lesson(app: Flask, title: str = "Till safety",
               competency: str = "store-associate/tills") -> str:
    """A micro-lesson of three single-choice questions (the first option is right), made a
    month before :data:`RECENT_MORNING`; returns its key."""
    lesson = {**ITEM_BASE, "title": title, "format": "micro_lesson", "duration_minutes": 3,
              "summary": "Three habits.", "cards": [{"text": "Count the float."}],
              "competencies": [competency],
              "questions": [{"kind": "single_choice", "prompt": prompt,
                             "options": ["Right", "Wrong", "Also wrong"], "correct": [0],
                             "explanation": "The first option."} for prompt in LESSON_PROMPTS]}
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        key: str = catalogue.save(org_id, lesson, by=None,
                                  now=RECENT_MORNING - timedelta(days=30)).item.key
        db.session.commit()
        return key


def practise(app: Flask, name: str, item: str, answers: Sequence[tuple[int, bool, datetime]],
             role: str = "store-associate", future: str | None = None,
             completed: datetime | None = None) -> None:
    """``name`` (of ``role``, created if new) answers questions of ``item`` through sync:
    (place, right?, when) each; and went through the lesson to its end at ``completed``."""
    with app.app_context():
        org = db.session.scalars(sa.select(Organisation)).first()
        person, _ = people.ensure_person(org, name, people.role_by_slug(org, role))
        if future:
            person.future_role_id = people.role_by_slug(org, future).id
        events = [{"id": str(uuid.uuid4()), "type": "card.reviewed", "schema": 1,
                   "occurred_at": when.isoformat().replace("+00:00", "Z"), "device_id": "t",
                   "data": {"item": item, "revision": 1, "question": place,
                            "answer": [0] if right else [1], "correct": right,
                            "hinted": False, "grade": 3 if right else 1,
                            "response_ms": 5000}}
                  for place, right, when in answers]
        if completed is not None:
            events.append({"id": str(uuid.uuid4()), "type": "lesson.completed", "schema": 1,
                           "occurred_at": completed.isoformat().replace("+00:00", "Z"),
                           "device_id": "t", "data": {"item": item, "revision": 1}})
        result = ingest(person, events, clock.now())
        assert not result.refused, result.refused
        db.session.commit()


def practice_learner(app: Flask, name: str = "Ana Ruiz") -> tuple[Api, str]:
    """A store associate signed in, the :func:`add_lesson` lesson for tills in their practice;
    returns their API client and the lesson's key."""
    publish_profile(app)
    key = add_lesson(app)
    return sign_in_as(app, name), key


def practice_event(type_: str, data: dict[str, Any], at: datetime = RECENT_MORNING,
                   event_id: str | None = None) -> dict[str, Any]:
    """A practice event (``card.reviewed``, ``lesson.completed``, ...) as the phone writes it."""
    return {"id": event_id or str(uuid.uuid4()), "type": type_, "schema": 1,
            "occurred_at": at.isoformat().replace("+00:00", "Z"), "device_id": "phone-1",
            "data": data}


def reviewed(item: str, question: int = 0, *, right: bool = True,
             at: datetime = RECENT_MORNING, ms: int = 4000, **data: Any) -> dict[str, Any]:
    """A ``card.reviewed`` of an :func:`add_lesson` question (its first option is right),
    graded Good when right, Again when wrong; ``data`` overrides any field."""
    return practice_event("card.reviewed", {
        "item": item, "revision": 1, "question": question, "answer": [0] if right else [1],
        "correct": right, "hinted": False, "grade": 3 if right else 1, "response_ms": ms,
        **data}, at)


def together(work: Callable[[], None], threads: int = 2) -> None:
    """Run ``work`` in ``threads`` threads that start at the same moment; wait for all."""
    start = threading.Barrier(threads)

    def run() -> None:
        start.wait()
        work()

    running = [threading.Thread(target=run) for _ in range(threads)]
    for t in running:
        t.start()
    for t in running:
        t.join()


def save_reminders(api: Api, **data: Any) -> None:
    """The learner's reminder settings, sent as the app sends them; ``data`` overrides."""
    settings = {"time_zone": "UTC", "remind_at": "08:30", "days": [1, 2, 3, 4, 5, 6, 7],
                "quiet": {"start": "21:00", "end": "08:00"}, "kinds": [],
                "usual_practice": None, "usual_confirmed": False, **data}
    event = {"id": str(uuid.uuid4()), "type": "reminders.settings.changed", "schema": 1,
             "occurred_at": clock.now().isoformat(), "device_id": "phone-1", "data": settings}
    answer = api.post("/api/v1/sync", {"events": [event]}).get_json()
    assert answer["accepted"] == [event["id"]], answer


def with_plan(app: Flask, person: int) -> None:
    """A plan with 45 minutes of learning in it, as the plan job summarises one."""
    from pwa.models import PlanSummary

    with app.app_context():
        db.session.add(PlanSummary(person_id=person, minutes=45, fee_cents=0, covered=1,
                                   uncovered=0, computed_at=clock.now()))
        db.session.commit()


def signed_in_people(role_id: int, count: int) -> list[tuple[int, int]]:
    """``count`` learners of ``role_id``, each signed in on one phone, written in bulk (inside
    an app context; the caller commits): (person id, session id) of each, in order."""
    org = db.session.scalar(sa.select(Role.organisation_id).where(Role.id == role_id))
    now = clock.now()
    people = db.session.execute(sa.insert(Person).returning(Person.id), [
        {"organisation_id": org, "role_id": role_id, "display_name": f"Learner {n:05d}",
         "time_zone": "UTC", "locale": "en", "is_ld_admin": False,
         "user_handle": secrets.token_bytes(32)} for n in range(count)]).scalars().all()
    keys = db.session.execute(sa.insert(Passkey).returning(Passkey.id), [
        {"person_id": p, "credential_id": f"key-{p}".encode(), "public_key": b"k",
         "sign_count": 0, "transports": [], "backed_up": False, "name": "Work phone",
         "created_at": now} for p in people]).scalars().all()
    sessions = db.session.execute(sa.insert(Session).returning(Session.id), [
        {"person_id": p, "passkey_id": k, "created_at": now, "last_seen_at": now}
        for p, k in zip(people, keys, strict=True)]).scalars().all()
    return list(zip(people, sessions, strict=True))


def own_queue() -> str:
    """A queue (and waiting keys) of the test's own: other runs share the Redis database."""
    return f"test-{uuid.uuid4().hex[:12]}"


@contextmanager
def own_rq_queue(app_factory: Callable[..., Flask], redis_url: str) -> Iterator[tuple[Flask, Any]]:
    """An app whose jobs go to an RQ queue of its own in ``redis_url``, and that queue.

    Other runs share the Redis database, so the queue and its waiting keys are this
    test's alone; both are emptied after. Without the local Redis the test fails, never
    skips.
    """
    from redis import Redis
    from rq import Queue

    redis = Redis.from_url(redis_url)
    redis.ping()
    name = own_queue()
    app = app_factory(REDIS_URL=redis_url, SKILLPATH_JOBS_QUEUE=name)
    queue = Queue(name, connection=redis)
    try:
        yield app, queue
    finally:
        queue.empty()
        for key in redis.scan_iter(f"skillpath:jobs:{name}:*"):
            redis.delete(key)


# The client's catalogues (static/js/i18n/*.js): read by the string checks and the
# Spanish journey alike.
CLIENT_CATALOGUES = Path(__file__).resolve().parents[1] / "static" / "js" / "i18n"
_STRING = r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\""""


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)),
                  literal[1:-1])


def catalogue_entries(path: Path) -> dict[str, str | dict[str, str]]:
    """A catalogue file's entries: text, or {form: text} for one with plural forms."""
    found: dict[str, str | dict[str, str]] = {}
    source = path.read_text()
    for key, value in re.findall(r"^\s*'([\w.]+)':\s*(.*?),?\s*$", source, re.MULTILINE):
        assert key not in found, f"{path.name}: {key} twice"
        if value.startswith("{"):
            forms = re.findall(rf"(\w+):\s*({_STRING})", value)
            found[key] = {form: _unquote(text) for form, text in forms}
        else:
            assert re.fullmatch(_STRING, value), f"{path.name}: {key} is not one text on its line"
            found[key] = _unquote(value)
    return found


# Item translations: a lesson, its Spanish (all but one question), and L&D's changes -------

TRANSLATABLE_QUESTIONS = [
    {"kind": "single_choice", "prompt": "Where does the float go?",
     "options": ["The safe", "The till", "Your pocket"], "correct": [0],
     "explanation": "The float is counted into the safe."},
    {"kind": "true_false", "prompt": "You may leave a till open.", "options": ["True", "False"],
     "correct": [1], "explanation": "Never leave a till open."},
]
TRANSLATABLE_LESSON = {
    **ITEM_BASE, "title": "Till safety", "format": "micro_lesson", "duration_minutes": 3,
    "summary": "Two habits that keep the till right.", "offline": True,
    "cards": [{"text": "Count the float."}, {"text": "Lock the till."}],
    "questions": TRANSLATABLE_QUESTIONS, "competencies": ["store-associate/tills"]}
SPANISH: dict[str, Any] = {
    "title": "Seguridad en la caja",
    "summary": "Dos hábitos que mantienen la caja en orden.",
    "cards.0": "Cuenta el fondo de caja.",
    "cards.1": "Cierra la caja con llave.",
    "questions.0": {"prompt": "¿Dónde va el fondo de caja?",
                    "options": ["La caja fuerte", "La caja", "Tu bolsillo"],
                    "explanation": "El fondo se cuenta en la caja fuerte."},
}  # questions.1 is left untranslated


def add_translatable_lesson(app: Flask, lesson: dict[str, Any] | None = None) -> str:
    """A store associate profile and a micro-lesson for tills (two cards, two questions),
    made a month before :data:`RECENT_MORNING`; returns its key."""
    publish_profile(app, comps=(comp("tills", "Using the tills", 4, 5),
                                comp("greet", "Greeting customers", 3, 3)))
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        key: str = catalogue.save(org_id, lesson or TRANSLATABLE_LESSON, by=None,
                                  now=RECENT_MORNING - timedelta(days=30)).item.key
        db.session.commit()
        return key


def translate(app, key: str, parts: dict[str, Any], confirmed: tuple[str, ...] = ()) -> int:
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        r = catalogue.revision(org_id, key, None)
        saved = catalogue.save_translation(r, "es", parts, confirmed=confirmed, by=None,
                                           now=clock.now())
        db.session.commit()
        return saved.version


def revise(app, key: str, **changes: Any) -> None:
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        item = catalogue.item_by_key(org_id, key)
        catalogue.save(org_id, {**TRANSLATABLE_LESSON, **changes}, item=item, by=None,
                       now=clock.now())
        db.session.commit()


def state(app, key: str) -> dict[str, str]:
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        return catalogue.translation_state(catalogue.revision(org_id, key, None), "es")


def speaks_spanish(app, name: str) -> None:
    with app.app_context():
        db.session.scalars(sa.select(Person).where(Person.display_name == name)).one() \
            .locale = "es-MX"
        db.session.commit()


# Races a page loses (pwa.pages.forms.done_again_after_race) ----------------------------


class Deadlocked(Exception):
    """What psycopg raises for a deadlock: its SQLSTATE on the driver's exception."""

    sqlstate = "40P01"


def draft_to_publish(app, author_id: int) -> int:
    """A draft of store-associate with one target changed; its revision."""
    with app.app_context():
        author = db.session.get(Person, author_id)
        role = db.session.scalar(sa.select(Role).where(Role.slug == "store-associate"))
        draft = store.open_draft(role, author, clock.now())
        comps = store.competencies(draft)
        comps[1] = comp("tills", "Using the tills", 1, 4, "Tills")
        store.save_draft(draft, comps, expected_revision=draft.revision, author=author,
                         now=clock.now())
        db.session.commit()
        return draft.revision


def published_numbers(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(
            sa.select(ProfileVersion.number).where(ProfileVersion.status == "published")
            .order_by(ProfileVersion.number)))
