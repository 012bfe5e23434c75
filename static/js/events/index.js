// Every event type the client knows, one module each: the client's half of the server's
// registry (pwa/sync/registry.py). Each module exports its `type` and `apply(shown,
// event)`, which returns the shown state with the event in it (never changing its
// input); `remakesPlan` says the server makes the plan again when it arrives.
//
// A module is loaded when an event of its type waits in the outbox, not before: a first
// load with nothing waiting fetches none of them. The service worker keeps them all, so
// an event written offline finds its module offline.

// Each type and how to load its module, in the registry's order.
const LOADERS = {
  'rating.set': () => import('./rating.set.js'),
  'assessment.submitted': () => import('./assessment.submitted.js'),
  'feedback.created': () => import('./feedback.created.js'),
  'plan.settings.changed': () => import('./plan.settings.changed.js'),
  'plan.goal.added': () => import('./plan.goal.added.js'),
  'plan.goal.removed': () => import('./plan.goal.removed.js'),
  'plan.item.added': () => import('./plan.item.added.js'),
  'plan.suggestion.sent': () => import('./plan.suggestion.sent.js'),
  'plan.suggestion.answered': () => import('./plan.suggestion.answered.js'),
  'plan.item.changed': () => import('./plan.item.changed.js'),
  'mentor.offer.changed': () => import('./mentor.offer.changed.js'),
  'mentor.requested': () => import('./mentor.requested.js'),
  'mentor.request.answered': () => import('./mentor.request.answered.js'),
  'mentor.request.ended': () => import('./mentor.request.ended.js'),
  'lesson.completed': () => import('./lesson.completed.js'),
  'card.reviewed': () => import('./card.reviewed.js'),
  'reminders.settings.changed': () => import('./reminders.settings.changed.js'),
  'person.language.changed': () => import('./person.language.changed.js'),
};

/** The types this client knows. */
export const TYPES = Object.keys(LOADERS);

const loaded = new Map();

/**
 * The modules of the known types among `types`, each imported once. One that cannot be
 * loaded is left out: its events change nothing shown and stay in the outbox.
 */
export async function modulesFor(types) {
  const wanted = [...new Set(types)].filter((type) => Object.hasOwn(LOADERS, type) && !loaded.has(type));
  await Promise.all(wanted.map(async (type) => {
    try {
      loaded.set(type, await LOADERS[type]());
    } catch (error) {
      console.warn(`The module of ${type} did not load`, error);
    }
  }));
  return loaded;
}
