"""Database models, one module per concept. The schema is created and changed only by
migrations; everything is re-exported here so ``from pwa.models import Person`` works."""

from __future__ import annotations

from pwa.models.assessment import AssessmentSubmission, LatestRating, Rating
from pwa.models.base import UTCDateTime, as_dict, utcnow
from pwa.models.catalogue import Item, ItemCompetency, ItemRevision, ItemTranslation
from pwa.models.feedback import Feedback
from pwa.models.fitting import PracticeFit
from pwa.models.invites import Invite
from pwa.models.job_failures import JobFailure
from pwa.models.mentors import (
    MentorChange,
    MentorCompetency,
    MentorOffer,
    MentorRequest,
    MentorSuggestion,
)
from pwa.models.passkeys import Passkey, WebAuthnChallenge
from pwa.models.people import Organisation, Person, Role, RoleAuthor
from pwa.models.plans import (
    OwnItem,
    PlanChoice,
    PlanGoal,
    PlanSettings,
    PlanSuggestion,
    PlanSummary,
    UncoveredGap,
)
from pwa.models.practice import LessonCompletion, PracticeCard, PracticeReview
from pwa.models.profiles import (
    CompetencyIdentity,
    ProfileTranslation,
    ProfileVersion,
    RoleTranslation,
    VersionCompetency,
)
from pwa.models.push import Notification, PushDelivery, PushSubscription
from pwa.models.releases import Release
from pwa.models.reminders import ReminderSettings
from pwa.models.roster import RosterUpload
from pwa.models.sessions import Session, SessionData
from pwa.models.sync import Event, QuarantinedEvent
from pwa.models.xapi import XapiStatement

__all__ = [
    "AssessmentSubmission",
    "CompetencyIdentity",
    "Event",
    "Feedback",
    "Invite",
    "JobFailure",
    "Item",
    "ItemCompetency",
    "ItemRevision",
    "ItemTranslation",
    "LatestRating",
    "LessonCompletion",
    "MentorCompetency",
    "Notification",
    "PushDelivery",
    "PushSubscription",
    "MentorOffer",
    "MentorRequest",
    "MentorChange",
    "MentorSuggestion",
    "Organisation",
    "OwnItem",
    "Passkey",
    "Person",
    "PlanChoice",
    "PlanGoal",
    "PlanSettings",
    "PlanSuggestion",
    "PlanSummary",
    "UncoveredGap",
    "PracticeCard",
    "PracticeFit",
    "PracticeReview",
    "Release",
    "ReminderSettings",
    "ProfileTranslation",
    "ProfileVersion",
    "QuarantinedEvent",
    "Rating",
    "Role",
    "RoleAuthor",
    "RoleTranslation",
    "RosterUpload",
    "Session",
    "SessionData",
    "UTCDateTime",
    "VersionCompetency",
    "WebAuthnChallenge",
    "XapiStatement",
    "as_dict",
    "utcnow",
]
