// The learner's state: the bootstrap bundle merged with what waits in the outbox,
// and the selectors every view uses, so no view works out the same thing twice.

import { get } from './data/idb.js';
import { pending } from './data/outbox.js';

/** The one key of a rating: a competency of a role ("store-associate/greet"). */
export const ratingKey = (role, competency) => `${role}/${competency}`;

const byTime = (a, b) => Date.parse(a.occurred_at) - Date.parse(b.occurred_at);

/** The bundle with pending events applied: what the learner did counts at once. */
export function build(bundle, outbox) {
  const history = [...(bundle?.ratings?.history ?? [])];
  const submissions = [...(bundle?.submissions ?? [])];
  for (const e of outbox) {
    const entry = { ...e.data, occurred_at: e.occurred_at, pending: true };
    if (e.type === 'rating.set') history.push(entry);
    else if (e.type === 'assessment.submitted') submissions.push(entry);
  }
  history.sort(byTime);
  submissions.sort(byTime);
  const latest = new Map();
  for (const r of history) latest.set(ratingKey(r.role, r.competency), r);
  return { bundle: bundle ?? null, outbox, history, latest, submissions };
}

/** The bundle and the waiting events of its learner (never another's on a shared phone). */
export async function loadState() {
  const bundle = await get('kv', 'bootstrap');
  return build(bundle, await pending(bundle?.person?.id));
}

/** The learner's profiles: their role's first, then the role they are aiming for. */
export function profiles(state) {
  const { bundle } = state;
  return [bundle.role, bundle.future_role].filter(Boolean)
    .map((slug) => bundle.profiles[slug]).filter(Boolean);
}

export const profileFor = (state, role) =>
  profiles(state).find((p) => p.role.slug === role) ?? profiles(state)[0] ?? null;

export const limits = (state) => state.bundle.limits;

export const ratingOf = (state, profile, key) => state.latest.get(ratingKey(profile.role.slug, key));

export const historyOf = (state, profile, key) =>
  state.history.filter((r) => r.role === profile.role.slug && r.competency === key);

/** Competencies of `profile` still to answer: never rated, or changed since. */
export function toAsk(state, profile) {
  const rerate = state.bundle.rerate?.[profile.role.slug] ?? [];
  return profile.competencies.filter((c) => {
    const mine = ratingOf(state, profile, c.key);
    return !mine || (rerate.includes(c.key) && mine.version !== profile.number);
  });
}

export const changedSinceRated = (state, profile, competency) => {
  const mine = ratingOf(state, profile, competency.key);
  const rerate = state.bundle.rerate?.[profile.role.slug] ?? [];
  return Boolean(mine) && rerate.includes(competency.key) && mine.version !== profile.number;
};

/**
 * Where the self-assessment of `profile` stands: the last submission (from the server
 * or still in the outbox), and how many answers changed after it.
 */
export function submission(state, profile) {
  const slug = profile.role.slug;
  const last = state.submissions.filter((s) => s.role === slug).at(-1) ?? null;
  if (!last) return { last: null, changed: 0, current: false };
  const after = Date.parse(last.occurred_at);
  const changed = new Set(state.history
    .filter((r) => r.role === slug && Date.parse(r.occurred_at) > after)
    .map((r) => r.competency)).size;
  return { last, changed, current: !changed && last.version === profile.number };
}
