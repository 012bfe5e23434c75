"""A learner's reminder settings: read (one person, or many for the sender's tick),
checked and applied from ``reminders.settings.changed``, in the bundle and the export.

The time zone is the person's own (``people.time_zone``, which practice uses too):
the settings read it from there, and the latest change of the settings writes it
back, unless the account page set it after that change happened. "When I usually
practise" is learned from the person's own answers
(``engine.reminders.usual_practice_time``) and shown to them; it is used only once
they confirmed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from typing import Any

from sqlalchemy import select, tuple_

from engine import reminders as rules
from engine import sync as sync_rules
from pwa.extensions import db
from pwa.models import Person, PracticeReview, ReminderSettings
from pwa.models.base import dialect_insert
from pwa.store import memo, practice
from pwa.store.batch import Batch

_COLUMNS = ("remind_at", "days", "quiet_start", "quiet_end", "kinds", "usual_practice",
            "usual_confirmed", "occurred_at")
_WRITTEN = (*_COLUMNS, "event_id")


def _preferences(time_zone: str, row: Any | None) -> rules.Preferences:
    """Preferences from a stored row (None: the defaults, nothing on) in ``time_zone``."""
    if row is None:
        return rules.Preferences(time_zone=time_zone)
    quiet = None if row.quiet_start is None or row.quiet_end is None else \
        rules.Quiet(row.quiet_start, row.quiet_end)
    kinds = frozenset(rules.Kind(k) for k in row.kinds if k in rules.Kind.__members__.values())
    return rules.Preferences(time_zone, row.remind_at, frozenset(row.days), quiet, kinds,
                             row.usual_practice, bool(row.usual_confirmed))


def preferences_for(person_ids: Iterable[int]) -> dict[int, rules.Preferences]:
    """Each person's reminder preferences, in one query: for the sender's tick.

    Every person of ``person_ids`` that exists is in the answer; one who never saved
    settings has the defaults, with nothing on, in their own time zone.
    """
    ids = list(set(person_ids))
    if not ids:
        return {}
    found: dict[int, rules.Preferences] = {}
    query = (select(Person.id, Person.time_zone,
                    *(getattr(ReminderSettings, c) for c in _COLUMNS))
             .outerjoin(ReminderSettings, ReminderSettings.person_id == Person.id)
             .where(Person.id.in_(ids)))
    for row in db.session.execute(query):
        found[row.id] = _preferences(row.time_zone,
                                     row if row.occurred_at is not None else None)
    return found


def preferences(person: Person) -> rules.Preferences:
    """The person's reminder preferences (the defaults until they save some)."""
    return _preferences(person.time_zone, db.session.get(ReminderSettings, person.id))


def usual_practice(person: Person, now: datetime) -> time | None:
    """When the person usually practises, learned from their own recent answers, or None."""
    answers = db.session.scalars(
        select(PracticeReview.occurred_at)
        .where(PracticeReview.person_id == person.id,
               PracticeReview.occurred_at >= now - rules.USUAL_LOOKBACK,
               PracticeReview.occurred_at <= now))
    return rules.usual_practice_time(now, answers, person.time_zone)


# The event -------------------------------------------------------------------------------

def check_settings(batch: Batch, event: sync_rules.Event[rules.SettingsData]) -> None:
    """``reminders.settings.changed``: the data rule judged it all."""


def apply_settings(person: Person,
                   planned: list[tuple[sync_rules.Event[rules.SettingsData], None]]) -> None:
    """The change that happened last wins, whatever order the phone's events arrive in
    (at one instant, the higher id, as the sync orders them); its time zone becomes the
    person's (the one practice counts days in too), unless the zone was chosen later
    elsewhere (the account page) than this change happened on the phone."""
    if not planned:
        return
    rows = {}
    for e, _ in planned:  # in time order: the last of the batch is the one that may win
        p = e.data.preferences
        rows[person.id] = {
            "person_id": person.id, "remind_at": p.remind_at, "days": sorted(p.days),
            "quiet_start": None if p.quiet is None else p.quiet.start,
            "quiet_end": None if p.quiet is None else p.quiet.end,
            "kinds": [k.value for k in rules.Kind if k in p.kinds],
            "usual_practice": p.usual_practice, "usual_confirmed": p.usual_confirmed,
            "occurred_at": e.occurred_at, "event_id": e.id}
    table = ReminderSettings.__table__
    statement = dialect_insert(ReminderSettings)
    statement = statement.on_conflict_do_update(
        index_elements=["person_id"],
        set_={c: statement.excluded[c] for c in _WRITTEN},
        where=tuple_(table.c.occurred_at, table.c.event_id) <
        tuple_(statement.excluded.occurred_at, statement.excluded.event_id))
    db.session.execute(statement, list(rows.values()))
    latest = planned[-1][0]
    if db.session.scalar(select(ReminderSettings.event_id)
                         .where(ReminderSettings.person_id == person.id)) != latest.id:
        return
    chosen_at = person.time_zone_set_at
    if chosen_at is None or latest.occurred_at >= chosen_at:  # a tie: as the row ordered it
        person.time_zone = latest.data.preferences.time_zone
        person.time_zone_set_at = latest.occurred_at


# The bundle and the export ---------------------------------------------------------------

def bootstrap_part(person: Person, bundle: dict[str, Any]) -> dict[str, Any]:
    """The settings as the phone edits them, whether any were saved, and the usual
    practice time learned so far (None until there are enough days of practice)."""
    row = memo.row(ReminderSettings, person.id)  # read with the others (pwa.sync.bootstrap)
    usual = usual_practice(person, practice.as_of(bundle))  # as of the bundle's instant
    return {"reminders": {
        "settings": _preferences(person.time_zone, row).to_dict(),
        "saved": row is not None,
        "suggested_usual": None if usual is None else f"{usual.hour:02}:{usual.minute:02}"}}


def export(person: Person) -> dict[str, Any] | None:
    row = db.session.get(ReminderSettings, person.id)
    if row is None:
        return None
    return {**_preferences(person.time_zone, row).to_dict(),
            "changed_at": row.occurred_at.isoformat()}
