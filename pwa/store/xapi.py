"""xAPI statements queued for the organisation's learning record store, and their sending.

What a statement holds is ``engine.interchange.xapi``'s: only a finished lesson or a
practice answer can become one. This module queues one row per such event, in the
transaction that applies it and only when an LRS is configured
(``SKILLPATH_XAPI_URL``), leases due rows to a sender, and records what the LRS
answered. The posting itself is ``pwa.jobs.xapi``'s.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app

from engine import practice as practice_rules
from engine.interchange import xapi as rules
from engine.sync import Event
from pwa import clock
from pwa.extensions import db
from pwa.models import Person, XapiStatement
from pwa.models.base import as_dict, dialect_insert
from pwa.store import job_failures

LEASE = timedelta(minutes=5)  # a sender that took a statement and died: retried after this
JOB = "xapi.send"  # the job that sends them, named in a refused statement's failure

# Only these two events' data can be queued: mypy refuses any other type of event here.
D = TypeVar("D", practice_rules.CompletedData, practice_rules.ReviewedData)
Builder = Callable[[Event[D], rules.Learner, rules.Site], rules.Statement]


def configured() -> bool:
    """Whether an LRS is configured: without one nothing is queued and nothing is sent."""
    return bool(current_app.config.get("SKILLPATH_XAPI_URL"))


def bootstrap_part(person: Person, bundle: dict[str, Any]) -> dict[str, Any]:
    """Whether what the learner finishes goes to an LRS: the privacy page says so."""
    return {"learning_records": configured()}


def _secret() -> bytes:
    """The key of the learners' opaque ids: its own setting, else derived from SECRET_KEY."""
    own = str(current_app.config.get("SKILLPATH_XAPI_ACTOR_SECRET") or "")
    if own:
        return own.encode()
    return hmac.new(str(current_app.config["SECRET_KEY"]).encode(), b"skillpath-xapi-actor",
                    hashlib.sha256).digest()


def learner(person: Person) -> rules.Learner:
    """Who the person is at the LRS: an account on their organisation's page."""
    config = current_app.config
    origin = str(config["SKILLPATH_ORIGIN"]).rstrip("/")
    name = rules.opaque_name(_secret(), person.organisation_id, person.id)
    if config.get("SKILLPATH_XAPI_ACTOR") == "external_id" and person.external_id:
        name = person.external_id
    return rules.Learner(home_page=f"{origin}/organisations/{person.organisation.slug}",
                         name=name, language=person.locale)


def queue(person: Person, events: Sequence[Event[D]], build: Builder[D]) -> int:
    """Queue a statement of each event, once each (unique on the event); how many were new.

    Called by the event's apply, so the rows commit with it; nothing when no LRS is
    configured.
    """
    if not events or not configured():
        return 0
    who = learner(person)
    site = rules.Site(str(current_app.config["SKILLPATH_ORIGIN"]).rstrip("/"))
    now = clock.now()
    rows = []
    for event in events:
        made = build(event, who, site)
        rows.append({"event_id": event.id, "person_id": person.id, "statement_id": made.id,
                     "kind": made.kind, "statement": made.to_dict(), "state": "pending",
                     "tries": 0, "next_try_at": now, "created_at": now})
    insert = dialect_insert(XapiStatement).on_conflict_do_nothing(index_elements=["event_id"])
    return len(db.session.execute(insert.returning(XapiStatement.id), rows).all())


def _due(now: datetime) -> tuple[sa.ColumnElement[bool], ...]:
    return (XapiStatement.state == "pending", XapiStatement.next_try_at <= now,
            sa.or_(XapiStatement.leased_until.is_(None), XapiStatement.leased_until <= now))


def anything_due(now: datetime) -> bool:
    """Whether a statement waits to be posted now: new, due a retry, or left by a sender
    that died holding its lease (which has run out)."""
    return db.session.execute(
        sa.select(XapiStatement.id).where(*_due(now)).limit(1)).first() is not None


@dataclass(frozen=True)
class Standing:
    """Where the queue stands: how many statements are waiting (due now, or later after a
    backoff), held by a sender, sent and failed, and when the oldest waiting one was made."""

    due: int
    later: int
    held: int
    sent: int
    failed: int
    oldest_waiting: datetime | None


def standing(now: datetime) -> Standing:
    """Counted by SQL in one query (the state and next-try index)."""
    leased = sa.and_(XapiStatement.leased_until.is_not(None), XapiStatement.leased_until > now)
    pending = XapiStatement.state == "pending"

    def count(*where: sa.ColumnElement[bool]) -> Any:
        return sa.func.count().filter(*where)

    row = db.session.execute(sa.select(
        count(*_due(now)), count(pending, XapiStatement.next_try_at > now, sa.not_(leased)),
        count(pending, leased), count(XapiStatement.state == "sent"),
        count(XapiStatement.state == "failed"),
        sa.func.min(XapiStatement.created_at).filter(pending))).one()
    return Standing(*row)


@dataclass(frozen=True)
class Outgoing:
    """A statement leased to this sender."""

    id: int
    organisation_id: int
    statement_id: str
    statement: dict[str, Any]
    tries: int  # counting this one


def take(now: datetime, limit: int, lease: timedelta = LEASE) -> list[Outgoing]:
    """Lease up to ``limit`` due statements to this sender, oldest first; commit before
    posting.

    The due ids are read, then one UPDATE by id, guarded by "still due and not leased",
    moves their lease ahead: of two senders racing for a row, the second finds the
    guard false once the first's update is committed (PostgreSQL re-checks a row it
    waited for; SQLite has one writer) and leaves it.
    """
    due = db.session.scalars(sa.select(XapiStatement.id).where(*_due(now))
                             .order_by(XapiStatement.next_try_at, XapiStatement.id)
                             .limit(limit)).all()
    if not due:
        return []
    taken = db.session.scalars(
        sa.update(XapiStatement).where(XapiStatement.id.in_(due), *_due(now))
        .values(leased_until=now + lease, tries=XapiStatement.tries + 1)
        .returning(XapiStatement.id)).all()
    if not taken:
        return []
    rows = db.session.execute(
        sa.select(XapiStatement.id, Person.organisation_id, XapiStatement.statement_id,
                  XapiStatement.statement, XapiStatement.tries)
        .join(Person, Person.id == XapiStatement.person_id)
        .where(XapiStatement.id.in_(taken))
        .order_by(XapiStatement.next_try_at, XapiStatement.id)).all()
    return [Outgoing(*row) for row in rows]


@dataclass(frozen=True)
class Posted:
    """What became of one leased statement: the LRS's status (0: no answer) and what it
    means (``engine.interchange.xapi.Answer``), or ``None`` if its turn ended first."""

    statement: Outgoing
    status: int = 0
    answer: str | None = None
    retry_after: str | None = None
    detail: str = ""


def record(posted: list[Posted], now: datetime) -> dict[str, int]:
    """Settle each statement as its answer says; how many ended in each state.

    Sent: the LRS has it. Retry: due again after a backoff that honours Retry-After,
    or failed after ``MAX_ATTEMPTS``. Refused: failed, and recorded for L&D with the
    LRS's status (``job_failures``; *Try again* queues it once more). One not posted
    (its turn's time ran out) is due now, the try its lease counted not counted.
    """
    values: list[dict[str, Any]] = []
    states: dict[str, int] = {}
    for p in posted:
        s = p.statement
        row: dict[str, Any] = {"id": s.id, "leased_until": None}
        if p.answer is None:
            row.update(state="pending", next_try_at=now, tries=s.tries - 1)
        elif p.answer == rules.Answer.STORED:
            row.update(state="sent", sent_at=now, detail=f"stored {p.status}")
        else:
            later = rules.retry_at(s.tries, now, p.retry_after) \
                if p.answer == rules.Answer.RETRY else None
            if later is not None:
                row.update(state="pending", next_try_at=later, detail=p.detail[:200] or None)
            else:
                row.update(state="failed", detail=p.detail[:200] or f"{p.status}")
                _failed(p, now)
        values.append(row)
        states[row["state"]] = states.get(row["state"], 0) + 1
    if values:
        db.session.execute(sa.update(XapiStatement), values)
    return states


def _failed(p: Posted, now: datetime) -> None:
    """A statement given up on, for L&D: the LRS's status, never the statement."""
    s = p.statement
    said = f"The LRS answered {p.status}" if p.status else "The LRS did not answer"
    job_failures.record(job_failures.Failed(
        job=JOB, arguments=json.dumps([s.id]), organisation_id=s.organisation_id,
        job_id=s.statement_id, attempts=s.tries, error=f"HTTP {p.status}" if p.status
        else "no answer", kind="lrs", message=f"{said} to statement {s.statement_id}."), now)


def again(ids: Sequence[int], now: datetime) -> int:
    """Queue failed statements once more (L&D's *Try again*); how many there were."""
    done = db.session.execute(
        sa.update(XapiStatement).where(XapiStatement.id.in_(list(ids)),
                                       XapiStatement.state == "failed")
        .values(state="pending", tries=0, next_try_at=now, leased_until=None))
    return int(getattr(done, "rowcount", 0) or 0)


def export(person: Person) -> list[dict[str, Any]]:
    """Every statement of the person's: what was (or is to be) sent to the LRS, and when."""
    rows = db.session.scalars(sa.select(XapiStatement).where(
        XapiStatement.person_id == person.id).order_by(XapiStatement.id))
    return [as_dict(r, "statement_id", "kind", "state", "created_at", "sent_at", "statement")
            for r in rows]
