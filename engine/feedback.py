"""Learners' feedback on a Success Profile: what it may say, and how authors answer it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from engine.errors import N_, InvalidInput
from engine.levels import FEEDBACK_KINDS, MAX_FEEDBACK
from engine.sync import Data, Refused, only

OPEN, ACCEPTED, DECLINED = "open", "accepted", "declined"


@dataclass(frozen=True)
class FeedbackNote:
    """Checked feedback: its kind, its text and the competency it is about (or none)."""

    kind: str
    text: str
    competency_key: str | None


def check(kind: str, text: str, competency_key: str | None, *, known_keys: Collection[str],
          role_name: str) -> FeedbackNote:
    """Feedback as it will be stored, or :class:`InvalidInput` naming the field at fault."""
    if kind not in FEEDBACK_KINDS:
        raise InvalidInput(N_("'%(kind)s' is not a kind of feedback. Use one of: %(kinds)s."),
                           {"field": "kind"}, kind=kind, kinds=", ".join(FEEDBACK_KINDS))
    text = text.strip()
    if not text:
        raise InvalidInput(N_("Write a few words about what should change."),
                           {"field": "text"})
    if len(text) > MAX_FEEDBACK:
        raise InvalidInput(N_("Feedback can be at most %(limit)s characters."),
                           {"field": "text"}, limit=MAX_FEEDBACK)
    if competency_key and competency_key not in known_keys:
        raise InvalidInput(N_("%(role)s's profile has no competency '%(key)s'."),
                           {"field": "competency"}, role=role_name, key=competency_key)
    return FeedbackNote(kind, text, competency_key or None)


def answer(status: str, *, accept: bool, reply: str) -> tuple[str, str | None]:
    """The new status and reply when an author answers feedback.

    Declining needs a reason in words: the learner reads it, and a bare "no"
    teaches nobody to give feedback again.
    """
    if status != OPEN:
        raise InvalidInput(N_("This feedback was already answered."))
    reply = reply.strip()
    if not accept and not reply:
        raise InvalidInput(N_("Tell the learner why, in a sentence: they will read it."),
                           {"field": "reply"})
    return (ACCEPTED if accept else DECLINED), reply or None


@dataclass(frozen=True)
class CreatedData(Data):
    """A ``feedback.created``: a learner's note on a role's profile or one competency of it."""

    role: str
    competency: str | None
    kind: str
    text: str


def created_data(data: dict[str, Any]) -> CreatedData:
    """The ``data`` of a ``feedback.created`` event: role, competency, kind, text."""
    only(data, {"role", "competency", "kind", "text"})
    role, competency = data.get("role"), data.get("competency")
    kind, text = data.get("kind"), data.get("text")
    if not isinstance(role, str) or not role:
        raise Refused("invalid_data", N_("Feedback names the role whose profile it is about."))
    if competency is not None and not isinstance(competency, str):
        raise Refused("invalid_data", N_("competency is a competency id, or null."))
    if not isinstance(kind, str) or not isinstance(text, str):
        raise Refused("invalid_data", N_("Feedback has a kind and a text."))
    return CreatedData(role, competency or None, kind, text)
