"""xAPI statements of what was learned: a finished lesson, an answer in daily practice.

A learning record store (LRS) an organisation runs may receive, for each
``lesson.completed`` and each ``card.reviewed`` event, one xAPI 1.0.3 statement:
who (an opaque id, never a name), did what (an ADL verb), to which catalogue item,
with what result, when. Nothing else can become a statement: the builders take only
those two events' typed data (``engine.practice.CompletedData`` and
``ReviewedData``), and a statement is made only of the fields below, so a
self-rating, a plan, a goal, feedback or a mentor request has no way in.

A statement's id is derived from its event's id (a UUIDv5), so the same event
always makes the same statement: a retry after a crash is recognised by the LRS
as the statement it already has.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from engine import push
from engine.practice import CompletedData, ReviewedData
from engine.sync import Event

VERSION = "1.0.3"  # the X-Experience-API-Version we speak
PLATFORM = "Skillpath"
# Every statement id is uuid5(NAMESPACE, event id): fixed for ever, or a retry after an
# upgrade would make a second statement of one event.
NAMESPACE = uuid.UUID("6f1c6a52-3f7e-5b59-9a51-0d3b8a7c2e41")
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
ANSWERED = "http://adlnet.gov/expapi/verbs/answered"
LESSON = "http://adlnet.gov/expapi/activities/lesson"
QUESTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
REVISION = "revision"  # the context extension's last path segment: the lesson's revision
# How the LRS's answer to a POST of statements is taken (the sender acts on it).
MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)


@dataclass(frozen=True)
class Learner:
    """Who did it, as the LRS sees them: an account on the organisation's home page.

    ``name`` is :func:`opaque_name` unless the operator chose to send the person's
    HR id (``SKILLPATH_XAPI_ACTOR=external_id``); never a display name or an e-mail.
    """

    home_page: str
    name: str
    language: str  # the person's locale, e.g. "es" or "en-GB": the context's language


@dataclass(frozen=True)
class Site:
    """Where the activities live: the app's origin, which every activity id starts with."""

    origin: str


@dataclass(frozen=True)
class Statement:
    """One xAPI statement, made only of what the two builders put in it."""

    id: str
    kind: str  # "completed" or "answered"
    actor: Learner
    verb: str
    activity: str
    activity_type: str
    parent: str | None
    timestamp: datetime
    success: bool | None
    duration_ms: int | None
    revision: int
    origin: str

    def to_dict(self) -> dict[str, Any]:
        """The statement as the LRS receives it (xAPI 1.0.3 JSON)."""
        result: dict[str, Any] = {}
        if self.kind == "completed":
            result["completion"] = True
        if self.success is not None:
            result["success"] = self.success
        if self.duration_ms is not None:
            result["duration"] = duration(self.duration_ms)
        context: dict[str, Any] = {
            "platform": PLATFORM, "language": self.actor.language,
            "extensions": {f"{self.origin}/xapi/extensions/{REVISION}": self.revision}}
        if self.parent is not None:
            context["contextActivities"] = {"parent": [
                {"objectType": "Activity", "id": self.parent,
                 "definition": {"type": LESSON}}]}
        return {
            "id": self.id,
            "actor": {"objectType": "Agent", "account": {"homePage": self.actor.home_page,
                                                         "name": self.actor.name}},
            "verb": {"id": self.verb, "display": {"en-US": self.kind}},
            "object": {"objectType": "Activity", "id": self.activity,
                       "definition": {"type": self.activity_type}},
            "result": result,
            "context": context,
            "timestamp": timestamp(self.timestamp),
        }


def statement_id(event_id: str) -> str:
    """The statement's id for an event: the same event always gives the same id."""
    return str(uuid.uuid5(NAMESPACE, event_id))


def opaque_name(secret: bytes, organisation_id: int, person_id: int) -> str:
    """A person's id at the LRS: a keyed hash of who they are, meaningless without the
    secret, different in every organisation, the same for every statement of theirs."""
    message = f"skillpath-xapi-actor:{organisation_id}:{person_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def lesson_id(site: Site, item: str) -> str:
    """A catalogue item's activity id: the app's origin and the item's key."""
    return f"{site.origin}/xapi/items/{quote(item, safe='')}"


def completed(event: Event[CompletedData], learner: Learner, site: Site) -> Statement:
    """``lesson.completed``: the learner *completed* the lesson."""
    _only(event, CompletedData)
    return Statement(id=statement_id(event.id), kind="completed", actor=learner,
                     verb=COMPLETED, activity=lesson_id(site, event.data.item),
                     activity_type=LESSON, parent=None, timestamp=event.occurred_at,
                     success=None, duration_ms=None, revision=event.data.revision,
                     origin=site.origin)


def answered(event: Event[ReviewedData], learner: Learner, site: Site) -> Statement:
    """``card.reviewed``: the learner *answered* a question of the lesson, right or not,
    in so many milliseconds. Which options they chose is not sent."""
    _only(event, ReviewedData)
    lesson = lesson_id(site, event.data.item)
    return Statement(id=statement_id(event.id), kind="answered", actor=learner,
                     verb=ANSWERED, activity=f"{lesson}/questions/{event.data.question}",
                     activity_type=QUESTION, parent=lesson, timestamp=event.occurred_at,
                     success=event.data.correct, duration_ms=event.data.response_ms,
                     revision=event.data.revision, origin=site.origin)


def _only(event: Event[Any], kind: type) -> None:
    """Refuse any other event at run time too (mypy refuses it before): no statement is
    ever made of a rating, a plan, feedback or a mentor request."""
    if type(event.data) is not kind:
        raise TypeError(f"only {kind.__name__} becomes an xAPI statement, not "
                        f"{type(event.data).__name__}")


def duration(ms: int) -> str:
    """Milliseconds as an ISO 8601 duration, to the hundredth of a second xAPI keeps."""
    hundredths = round(ms / 10)
    seconds, rest = divmod(hundredths, 100)
    return f"PT{seconds}.{rest:02d}S" if rest else f"PT{seconds}S"


def timestamp(when: datetime) -> str:
    """An instant in UTC, to the millisecond, with a Z."""
    utc = when.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


class Answer:
    """What the LRS's answer to one POST means."""

    STORED = "stored"  # 200, 204: kept; 409 for one statement: it has it already
    SPLIT = "split"  # refused as a batch: each statement is posted on its own
    RETRY = "retry"  # 429, 5xx, no answer: later
    REFUSED = "refused"  # any other 4xx for one statement: retrying cannot mend it


def answer(status: int, statements: int) -> str:
    """What an HTTP status (0: no answer) to a POST of ``statements`` statements means.

    A batch the LRS refuses whole (a 409 because one of them is there already, a 400
    for one bad statement) is posted again one statement at a time, so that one
    statement never holds back or sinks the others.
    """
    if status in (200, 204):
        return Answer.STORED
    if status == 0 or status == 429 or status >= 500:
        return Answer.RETRY
    if statements > 1:
        return Answer.SPLIT
    if status == 409:
        return Answer.STORED
    return Answer.REFUSED


def retry_at(tries: int, now: datetime, retry_after: str | None = None) -> datetime | None:
    """When to post again after ``tries`` tries the LRS asked to repeat; None: give up.

    Exponential from ``FIRST_RETRY`` up to ``LONGEST_RETRY`` (statements do not expire,
    so the tries cover more than a day's outage of the LRS); a ``Retry-After`` asking for
    longer is honoured, up to ``LONGEST_RETRY``.
    """
    if tries >= MAX_ATTEMPTS:
        return None
    wait = min(FIRST_RETRY * (2 ** max(tries - 1, 0)), LONGEST_RETRY)
    asked = push.asked_wait(retry_after, now)
    if asked is not None:
        wait = min(max(wait, asked), LONGEST_RETRY)
    found: datetime = now + wait
    return found
