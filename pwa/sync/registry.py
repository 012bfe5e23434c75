"""The one registry of what each concept contributes to sync, the bootstrap and your data.

A concept that owns events, bundle data or personal data adds one declaration
here for each. An event type is declared once, whole: its typed data (the data
rule from ``engine`` that makes it), the store's check and apply for that data,
and the follow-up jobs a sync that accepted one asks for; the order of the
declarations is the order events made at one instant are applied in. Besides:
a part of the bootstrap bundle, and each table of personal data with its part
of "Download my data" and what deleting the account removes. A test fails when
a table that refers to a person is missing here.

Nothing this module imports imports it back: ingest, the bootstrap and the
export read it; it reads the store, the engine's rules and the event log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Generic, TypeVar, overload

from engine import assessment as assessment_rules
from engine import feedback as feedback_rules
from engine import mentors as mentor_rules
from engine import people as people_rules
from engine import plan as plan_rules
from engine import practice as practice_rules
from engine import reminders as reminder_rules
from engine import sync as rules
from engine.errors import N_
from engine.interchange import xapi as xapi_rules
from pwa.i18n import translate
from pwa.models import Person
from pwa.store import (
    assessment,
    catalogue,
    feedback,
    invites,
    mentors,
    passkeys,
    people,
    plans,
    practice,
    profiles,
    push,
    releases,
    reminders,
    sessions,
    stale,
    xapi,
)
from pwa.store.batch import Batch
from pwa.sync import events, quarantine

D = TypeVar("D", bound=rules.Data)
P = TypeVar("P")

# part(person, bundle so far) -> keys to add to the bootstrap bundle.
BootstrapPart = Callable[[Person, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True, order=True)
class Job:
    """A follow-up job: its name (one of ``pwa.jobs.JOBS``) and its arguments."""

    name: str
    args: tuple[int | str, ...] = ()


# follow_up(person who synced) -> the job to queue once the batch is committed.
FollowUp = Callable[[Person], Job]


@dataclass(frozen=True)
class EventType(Generic[D, P]):
    """One type of event, declared whole.

    ``data`` turns the raw data into the typed ``D`` (or raises Refused);
    ``check`` judges one event against the database and the batch in hand and
    returns what ``apply`` needs besides the data (``P``), or raises Refused;
    ``apply`` writes the events of this type stored now, in bulk and in time
    order; ``jobs`` are the follow-ups a sync that accepted one queues.
    """

    type: str
    data: Callable[[dict[str, Any]], D]
    check: Callable[[Batch, rules.Event[D]], P]
    apply: Callable[[Person, list[tuple[rules.Event[D], P]]], None]
    jobs: tuple[FollowUp, ...] = ()


@dataclass(frozen=True)
class PersonalData:
    """A table that refers to a person.

    ``export`` gives its part of the person's data export (``None``: nothing in
    it is the person's own words or choices, e.g. a nulled "created by");
    ``forget`` removes what the schema's ON DELETE rules do not.
    """

    table: str
    key: str
    export: Callable[[Person], Any] | None = None
    forget: Callable[[Person], None] | None = None
    title: str | None = None  # the heading of its part on the printable page, N_-marked


@dataclass
class Registry:
    events: dict[str, EventType[Any, Any]] = field(default_factory=dict)
    bootstrap: list[BootstrapPart] = field(default_factory=list)
    personal: dict[str, PersonalData] = field(default_factory=dict)

    def event(self, type_: str, data: Callable[[dict[str, Any]], D],
              check: Callable[[Batch, rules.Event[D]], P],
              apply: Callable[[Person, list[tuple[rules.Event[D], P]]], None], *,
              jobs: tuple[FollowUp, ...] = ()) -> None:
        """Declare ``type_``; mypy checks that its data, check and apply fit one another."""
        if type_ in self.events:
            raise ValueError(f"event type {type_!r} is registered twice")
        self.events[type_] = EventType(type_, data, check, apply, jobs)

    def personal_data(self, table: str, *, export: Callable[[Person], Any] | None = None,
                      key: str | None = None, title: str | None = None,
                      forget: Callable[[Person], None] | None = None) -> None:
        """``key`` names the export's part (default: the table); an exported part has a title."""
        if table in self.personal:
            raise ValueError(f"table {table!r} is registered twice")
        if export is not None and title is None:
            raise ValueError(f"table {table!r} is exported without a title")
        self.personal[table] = PersonalData(table, key or table, export, forget, title)

    @property
    def data_rules(self) -> dict[str, rules.DataRule]:
        return {name: e.data for name, e in self.events.items()}


def assign_mentors(person: Person) -> Job:
    """Who is suggested to whom may change: the person's organisation is assigned again."""
    return Job("mentors.assign", (person.organisation_id,))


def fit_practice(person: Person) -> Job:
    """More answers: the organisation's FSRS parameters may be due a fit (the job checks)."""
    return Job("practice.fit", (person.organisation_id,))


def gaps_again(apply: Callable[[Person, list[tuple[rules.Event[D], P]]], None]
               ) -> Callable[[Person, list[tuple[rules.Event[D], P]]], None]:
    """``apply``, and the person's uncovered gaps refreshed before the sync commits (once
    however many of the batch's types changed the plan: ``pwa.store.gaps``)."""
    def applied(person: Person, planned: list[tuple[rules.Event[D], P]]) -> None:
        apply(person, planned)
        stale.people([person.id])
    return applied


def assignment_again(apply: Callable[[Person, list[tuple[rules.Event[D], P]]], None]
                     ) -> Callable[[Person, list[tuple[rules.Event[D], P]]], None]:
    """``apply``, and the person marked for the mentor assignment in the same transaction
    (their languages or their wish for suggestions may have changed, which their
    uncovered gaps do not show)."""
    def applied(person: Person, planned: list[tuple[rules.Event[D], P]]) -> None:
        apply(person, planned)
        stale.assignment(person.organisation_id, [person.id])
    return applied


Completed = rules.Event[practice_rules.CompletedData]
Reviewed = rules.Event[practice_rules.ReviewedData]


@overload
def sent_to_lrs(apply: Callable[[Person, list[tuple[Completed, P]]], None],
                build: xapi.Builder[practice_rules.CompletedData]
                ) -> Callable[[Person, list[tuple[Completed, P]]], None]: ...


@overload
def sent_to_lrs(apply: Callable[[Person, list[tuple[Reviewed, P]]], None],
                build: xapi.Builder[practice_rules.ReviewedData]
                ) -> Callable[[Person, list[tuple[Reviewed, P]]], None]: ...


def sent_to_lrs(apply: Callable[[Person, list[tuple[Any, P]]], None],
                build: Callable[..., Any]) -> Callable[[Person, list[tuple[Any, P]]], None]:
    """``apply``, and a statement of each event queued for the LRS in the same transaction
    (when one is configured). Only a finished lesson's or an answer's apply fits (the two
    overloads): no other type of event can be declared with it, mypy sees to that."""
    def applied(person: Person, planned: list[tuple[Any, P]]) -> None:
        apply(person, planned)
        xapi.queue(person, [event for event, _ in planned], build)
    return applied


def plan_part(person: Person, bundle: dict[str, Any]) -> dict[str, Any]:
    """The plan's part of the bundle, its reasons in the person's language."""
    return plans.bootstrap_part(person, bundle, translate)


def push_part(person: Person, bundle: dict[str, Any]) -> dict[str, Any]:
    """The key to subscribe with (None: push is not set up here) and the devices that get
    the person's notifications (the API marks which one asks)."""
    from pwa import vapid

    keys = vapid.keys()
    return {"push": {"public_key": keys.public if keys else None,
                     "devices": push.devices(person)}}


@cache
def registry() -> Registry:
    """Every concept's contributions, in one list each."""
    r = Registry()
    mentors_again = (assign_mentors,)
    # The plan is made of the learner's latest ratings and plan rows (settings, goals, own
    # items, accepted suggestions, choices): a type that writes one of them builds the
    # learner's plan again in its own transaction, once per sync, and keeps from it their
    # uncovered gaps and their plan's summary for the reports (``pwa.store.gaps``); where
    # those gaps moved, the refresh marks the learner for the mentor assignment, which
    # each of them asks for (a run with nothing marked does nothing).
    # Submissions, feedback, suggestions sent and mentoring are not in it.
    plan_again = mentors_again
    # Ratings mark the learner's plan themselves, only where a level it reads may move.
    r.event("rating.set", assessment_rules.rating_data, assessment.check_rating,
            assessment.apply_ratings, jobs=plan_again)
    r.event("assessment.submitted", assessment_rules.submitted_data,
            assessment.check_submission, assessment.apply_submissions)
    r.event("feedback.created", feedback_rules.created_data, feedback.check_created,
            feedback.apply_created)
    # Applied in this order: own items and accepted suggestions before the changes naming them.
    r.event("plan.settings.changed", plan_rules.settings_data, plans.check_settings,
            assignment_again(gaps_again(plans.apply_settings)), jobs=plan_again)
    r.event("plan.goal.added", plan_rules.goal_data, plans.check_goal,
            gaps_again(plans.apply_goals_added), jobs=plan_again)
    r.event("plan.goal.removed", plan_rules.goal_data, plans.check_goal,
            gaps_again(plans.apply_goals_removed), jobs=plan_again)
    r.event("plan.item.added", plan_rules.own_item_data, plans.check_own_item,
            gaps_again(plans.apply_own_items), jobs=plan_again)
    r.event("plan.suggestion.sent", plan_rules.suggestion_sent_data,
            plans.check_suggestion_sent, plans.apply_suggestions_sent)
    r.event("plan.suggestion.answered", plan_rules.suggestion_answered_data,
            plans.check_suggestion_answered, gaps_again(plans.apply_suggestions_answered),
            jobs=plan_again)
    r.event("plan.item.changed", plan_rules.changed_data, plans.check_changed,
            gaps_again(plans.apply_changed), jobs=plan_again)

    # Offers before the requests to them, requests before their answers and ends.
    r.event("mentor.offer.changed", mentor_rules.offer_data, mentors.check_offer,
            mentors.apply_offers, jobs=mentors_again)
    r.event("mentor.requested", mentor_rules.requested_data, mentors.check_requested,
            mentors.apply_requested, jobs=mentors_again)
    r.event("mentor.request.answered", mentor_rules.answered_data, mentors.check_answered,
            mentors.apply_answered, jobs=mentors_again)
    r.event("mentor.request.ended", mentor_rules.ended_data, mentors.check_ended,
            mentors.apply_ended, jobs=mentors_again)

    # A completed lesson counts toward its plan item; an answer is practice, not the plan.
    # Both are what an LRS may be sent (pwa/store/xapi.py); nothing else is.
    r.event("lesson.completed", practice_rules.completed_data, practice.check_completed,
            sent_to_lrs(practice.apply_completed, xapi_rules.completed))
    r.event("card.reviewed", practice_rules.reviewed_data, practice.check_reviewed,
            sent_to_lrs(practice.apply_reviewed, xapi_rules.answered), jobs=(fit_practice,))

    # Reminder settings: the time zone they carry is the person's, which practice counts
    # days in; nothing else reads them in a sync.
    r.event("reminders.settings.changed", reminder_rules.settings_data,
            reminders.check_settings, reminders.apply_settings)

    # The language a person reads in: the plan's items and the mentors they can learn from
    # follow it until they choose languages of their own (plan settings).
    r.event("person.language.changed", people_rules.language_data, people.check_language,
            assignment_again(gaps_again(people.apply_language)), jobs=plan_again)

    # The practice part reads the plan's lines: after it.
    r.bootstrap += [people.bootstrap_part, profiles.bootstrap_part, assessment.bootstrap_part,
                    catalogue.bootstrap_part, plan_part, practice.bootstrap_part,
                    mentors.bootstrap_part, releases.bootstrap_part, reminders.bootstrap_part,
                    xapi.bootstrap_part, push_part]

    r.personal_data("people", export=people.export_person, key="person",
                    title=N_("About you"))
    r.personal_data("role_authors", export=people.export_authorship, key="authored_roles",
                    title=N_("Profiles you write"))
    r.personal_data("passkeys", export=passkeys.export, title=N_("Your passkeys"))
    r.personal_data("sessions", export=sessions.export, title=N_("Where you are signed in"))
    r.personal_data("webauthn_challenges")
    r.personal_data("invites", export=invites.export,
                    title=N_("Invite links made for you"))
    r.personal_data("feedback", export=feedback.export,
                    title=N_("Your feedback to authors"))
    r.personal_data("ratings", export=assessment.export_ratings,
                    title=N_("Your self-assessment ratings"))
    # Each latest rating again, kept for the reports: its part of the export is the ratings'.
    r.personal_data("latest_ratings")
    r.personal_data("assessment_submissions", export=assessment.export_submissions,
                    title=N_("Your submitted self-assessments"))
    r.personal_data("plan_settings", export=plans.export_settings,
                    title=N_("Your plan settings: time, formats, mentors and languages"))
    r.personal_data("plan_goals", export=plans.export_goals,
                    title=N_("Competencies you want to grow"))
    r.personal_data("own_items", export=plans.export_own_items,
                    title=N_("Items you added to your plan"))
    r.personal_data("plan_choices", export=plans.export_choices,
                    title=N_("What you chose in your plan"))
    # The size of the person's plan, kept for the reports: computed from the rows above,
    # whose parts of the export say what it is made of.
    r.personal_data("plan_summaries")
    # The gaps of the person's plan no item covers, kept for the mentor assignment: its
    # part of the export is the plan's rows and ratings above, which it is computed from.
    r.personal_data("uncovered_gaps")
    r.personal_data("plan_suggestions", export=plans.export_suggestions,
                    forget=plans.forget_sent_suggestions,
                    title=N_("Suggestions you received and sent"))
    r.personal_data("mentor_offers", export=mentors.export_offer, key="mentor_offer",
                    title=N_("Your offer to mentor"))
    r.personal_data("mentor_requests", export=mentors.export_requests,
                    forget=mentors.forget_requests,
                    title=N_("Mentoring you asked for or were asked for"))
    r.personal_data("mentor_suggestions", export=mentors.export_suggestions,
                    title=N_("Mentors suggested to you"))
    # Whom the next mentor assignment looks at again: gone with the account, and its end
    # has everyone's suggestions decided again.
    r.personal_data("mentor_changes", forget=mentors.forget_changes)
    r.personal_data("practice_reviews", export=practice.export_reviews,
                    title=N_("Your answers in daily practice"))
    r.personal_data("practice_cards", export=practice.export_cards,
                    title=N_("When each practice question is due again"))
    r.personal_data("lesson_completions", export=practice.export_completions,
                    title=N_("Lessons you finished"))
    r.personal_data("push_subscriptions", export=push.export_subscriptions,
                    title=N_("Devices that get your notifications"))
    r.personal_data("notifications", export=push.export_notifications,
                    title=N_("Notifications sent to you"))
    r.personal_data("push_deliveries", export=push.export_deliveries,
                    title=N_("Which device each notification reached"))
    r.personal_data("reminder_settings", export=reminders.export,
                    title=N_("Your reminder settings: time, days, quiet hours and kinds"))
    r.personal_data("xapi_statements", export=xapi.export,
                    title=N_("What was sent to your organisation’s learning record store"))
    r.personal_data("events", export=events.export, title=N_("What your phone sent"))
    r.personal_data("quarantined_events", export=quarantine.export,
                    title=N_("What your phone sent that could not be saved"))
    r.personal_data("roster_uploads")  # a file its uploader previewed: goes with them
    r.personal_data("profile_versions")  # who drafted or published a version: nulled
    r.personal_data("item_revisions")  # who wrote an item revision: nulled
    r.personal_data("item_translations")  # who last translated a revision: nulled
    return r
