// Every event type the client knows, one module each: the client's half of the server's
// registry (pwa/sync/registry.py). Each module exports its `type` and `apply(shown,
// event)`, which returns the shown state with the event in it (never changing its
// input); `remakesPlan` says the server makes the plan again when it arrives.

import * as assessmentSubmitted from './assessment.submitted.js';
import * as feedbackCreated from './feedback.created.js';
import * as mentorOfferChanged from './mentor.offer.changed.js';
import * as mentorRequestAnswered from './mentor.request.answered.js';
import * as mentorRequestEnded from './mentor.request.ended.js';
import * as mentorRequested from './mentor.requested.js';
import * as planGoalAdded from './plan.goal.added.js';
import * as planGoalRemoved from './plan.goal.removed.js';
import * as planItemAdded from './plan.item.added.js';
import * as planItemChanged from './plan.item.changed.js';
import * as planSettingsChanged from './plan.settings.changed.js';
import * as planSuggestionAnswered from './plan.suggestion.answered.js';
import * as planSuggestionSent from './plan.suggestion.sent.js';
import * as ratingSet from './rating.set.js';

export const events = new Map([
  ratingSet, assessmentSubmitted, feedbackCreated,
  planSettingsChanged, planGoalAdded, planGoalRemoved, planItemAdded, planSuggestionSent,
  planSuggestionAnswered, planItemChanged,
  mentorOfferChanged, mentorRequested, mentorRequestAnswered, mentorRequestEnded,
].map((module) => [module.type, module]));
