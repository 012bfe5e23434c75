"""The reminder tick: every minute, decide for everyone with reminders on, claim, then send.

``decide_for`` is the tick's work for a set of people whose preferences are known:
what is due and what was sent is counted by the database in a few grouped queries
(``pwa.store.push.inputs``), ``engine.reminders.decide`` judges each person, and
every decision becomes a claim of ``(person, kind, local date)`` with its words in
the person's language. Claims already made are skipped by the database, so two
ticks racing claim each notification once; ``push.send`` then posts what was
claimed.
"""

from __future__ import annotations

from datetime import datetime

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import force_locale, format_decimal, gettext, ngettext

from engine import push as push_rules
from engine import reminders as rules
from engine.errors import N_
from pwa import clock, i18n
from pwa.extensions import db
from pwa.jobs import enqueue
from pwa.store import push as store
from pwa.store import xapi

# What each kind says, and where a tap leads. Never a count of what was missed, never
# guilt: the learner chose to be reminded, and may have a good reason to skip a day. A
# body of None has a number in it: see message().
TEXTS: dict[rules.Kind, tuple[str, str | None, str]] = {
    rules.Kind.PLAN: (N_("Your learning plan"),
                      N_("A few minutes for your plan, whenever suits you."), "/app#/plan"),
    rules.Kind.PRACTICE: (N_("Today's practice is ready"),
                          N_("A few minutes of questions, whenever suits you."),
                          "/app#/practice"),
    rules.Kind.MENTOR_SUGGESTION: (
        N_("A colleague could help you"),
        N_("Someone who does it well offered to mentor what your plan needs."), "/app#/plan"),
    rules.Kind.MENTOR_REQUEST: (N_("Someone asked you to mentor them"),
                                N_("Open Mentoring to answer."), "/app#/mentoring"),
    rules.Kind.MENTOR_ANSWER: (N_("Your mentoring request was answered"),
                               N_("Open Mentoring to see the answer."), "/app#/mentoring"),
    rules.Kind.MENTOR_ENDED: (N_("A mentoring has ended"),
                              N_("Open Mentoring to see it."), "/app#/mentoring"),
    rules.Kind.PROFILE_CHANGED: (N_("Your role's profile changed"), None, "/app#/"),
}


def message(kind: rules.Kind, locale: str, look_again: int = 0) -> push_rules.Message:
    """What a notification of ``kind`` says, in the language of a person of ``locale``.

    ``look_again``: for profile_changed, how many competencies the role's new version
    asks its learners to look at again (``pwa.store.push``: the role's number, never one
    worked out from the learner's ratings); it is news only when there is one.

    Raises:
        ValueError: profile_changed with nothing to look at again.
    """
    title, body, url = TEXTS[kind]
    with force_locale(i18n.locale_of(locale)):
        if body is not None:
            words = str(gettext(body))
        elif look_again < 1:
            raise ValueError("a new profile version that asks nothing again is no news")
        else:
            words = str(ngettext("%(count)s competency to look at again.",
                                 "%(count)s competencies to look at again.", look_again,
                                 count=format_decimal(look_again)))
        return push_rules.Message(kind.value, str(gettext(title)), words, url)


def decide_for(preferences: dict[int, rules.Preferences], now: datetime) -> int:
    """Decide and claim for these people at ``now``; how many notifications were claimed."""
    found = store.inputs(list(preferences), now)
    claims = []
    for person_id, prefs in preferences.items():
        person = found.get(person_id)
        if person is None:
            continue
        for decision in rules.decide(now, prefs, person.due, person.sent):
            claims.append(store.Claim(person_id, decision.kind.value, decision.day,
                                      message(decision.kind, person.locale,
                                              person.look_again),
                                      decision.expires))
    return store.claim(claims, now)


BATCH = 1000  # people decided per round of queries


def people_with_reminders() -> list[int]:
    """Everyone who turned at least one kind on, in id order."""
    from pwa.models import ReminderSettings

    rows = db.session.execute(sa.select(ReminderSettings.person_id, ReminderSettings.kinds)
                              .order_by(ReminderSettings.person_id))
    return [person_id for person_id, kinds in rows if kinds]


def tick() -> int:
    """Decide and claim for everyone with reminders on, then send what is due; how many were
    claimed."""
    from pwa.store import reminders as settings

    now = clock.now()
    people = people_with_reminders()
    made = 0
    for start in range(0, len(people), BATCH):
        made += decide_for(settings.preferences_for(people[start:start + BATCH]), now)
        db.session.commit()
    # Not only what this tick claimed: a retry whose back-off ended, or a claim whose
    # sender died before posting, is sent by the first tick after it is due.
    if made or store.anything_due(now):
        enqueue("push.send")
    # The same minute sends the statements of finished lessons and answers to the LRS.
    if xapi.configured() and xapi.anything_due(now):
        enqueue("xapi.send")
    return made


reminders_cli = AppGroup("reminders", help="Push reminders: decide, claim and send.")


@reminders_cli.command("tick")
def tick_command() -> None:
    """Decide for everyone now (as the minute's tick does) and send what was claimed."""
    made = tick()
    click.echo(f"Claimed {made} notification{'s' if made != 1 else ''}.")
