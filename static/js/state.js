// The learner's state: the bootstrap bundle merged with what waits in the outbox (each
// event applied once, by its type's module in events/), and the selectors every view
// uses, so no view works out the same thing twice.

import { get } from './data/idb.js';
import { pending } from './data/outbox.js';
import { modulesFor } from './events/index.js';

/** The one key of a rating: a competency of a role ("store-associate/greet"). */
export const ratingKey = (role, competency) => `${role}/${competency}`;

const byTime = (a, b) => Date.parse(a.occurred_at) - Date.parse(b.occurred_at);

/** Fill each week up to the weekly minutes, in order; a long item has a week to itself. */
function weeks(lines, weekly) {
  let week = 1;
  let used = 0;
  return lines.map((line) => {
    if (used && used + line.minutes > weekly) { week += 1; used = 0; }
    used += line.minutes;
    return { ...line, week };
  });
}

/** What the server last said, before any waiting event is applied to it. */
function fromBundle(bundle) {
  const plan = bundle?.plan;
  const m = bundle?.mentoring;
  return {
    bundle: bundle ?? null,
    person: bundle?.person ? { ...bundle.person } : null, // with the language chosen, waiting to sync
    history: [...(bundle?.ratings?.history ?? [])],
    submissions: [...(bundle?.submissions ?? [])],
    plan: plan ? { ...plan, settings: { ...plan.settings }, goals: new Set(plan.goals), droppedAt: new Map() } : null,
    mentoring: m ? { ...m, offer: m.offer ? { ...m.offer } : null, languages: null } : null,
    practice: shownPractice(bundle),
    reminders: bundle?.reminders ? { ...bundle.reminders, settings: { ...bundle.reminders.settings } } : null,
  };
}

/**
 * The bundle's practice, ready for events (events/card.reviewed.js, lesson.completed.js):
 * `done` tallies each day's seconds and answers, `practised` the days practised that the
 * phone knows of, `counted` the lessons whose length counts already (day:key).
 */
function shownPractice(bundle) {
  const p = bundle?.practice;
  if (!p) return null;
  const { today } = p;
  const practisedToday = today.answered > 0 || today.done_seconds > 0;
  return {
    ...p,
    timeZone: bundle.person?.time_zone || 'UTC',
    done: { [today.day]: { seconds: today.done_seconds, answered: today.answered } },
    practised: new Set(practisedToday ? [today.day] : []),
    counted: new Set(),
  };
}

/**
 * Apply `event` through its type's module. An event of a type this client does not
 * know (or one it cannot read) changes nothing shown; it stays in the outbox all the same.
 */
function applied(known, shown, event) {
  const module = known.get(event.type);
  if (!module) return shown;
  try {
    return module.apply(shown, event) ?? shown;
  } catch (error) {
    console.warn(`Event ${event.id} (${event.type}) is not shown`, error);
    return shown;
  }
}

const primary = (tag) => tag.split('-')[0].toLowerCase(); // 'es-MX' speaks 'es'

/**
 * The bundle with pending events applied, each once, by the modules `known` of their types
 * (see events/index.js): what the learner did counts at once.
 */
export function build(bundle, outbox, known) {
  const shown = outbox.reduce((soFar, event) => applied(known, soFar, event), fromBundle(bundle));
  const history = shown.history.sort(byTime);
  const submissions = shown.submissions.sort(byTime);
  const latest = new Map();
  for (const r of history) latest.set(ratingKey(r.role, r.competency), r);
  let { plan, mentoring } = shown;
  const { person, practice, reminders } = shown;
  if (plan) {
    const waiting = outbox.filter((e) => known.get(e.type)?.remakesPlan).length;
    plan = { ...plan, lines: weeks(plan.lines, plan.settings.weekly_minutes), waiting };
  }
  if (mentoring) {
    // What the learner said, waiting to sync: no mentor who shares none of their languages.
    const spoken = mentoring.languages && new Set(mentoring.languages.map(primary));
    const suggested = spoken
      ? mentoring.suggested.filter((s) => s.languages.some((tag) => spoken.has(primary(tag))))
      : mentoring.suggested;
    mentoring = { ...mentoring, suggested, learning_languages: mentoring.languages ?? mentoring.learning_languages };
  }
  return { bundle: bundle ?? null, person, outbox, history, latest, submissions, plan, mentoring, practice, reminders };
}

/** The bundle and the waiting events of its learner (never another's on a shared phone). */
export async function loadState() {
  const bundle = await get('kv', 'bootstrap');
  const outbox = await pending(bundle?.person?.id);
  return build(bundle, outbox, await modulesFor(outbox.map((e) => e.type)));
}

/**
 * The data of a plan.settings.changed that changes `changes` and keeps the rest of the
 * plan's settings: the event always says the weekly minutes and formats.
 */
export const settingsData = (plan, changes) => ({
  weekly_minutes: plan.settings.weekly_minutes, formats: [...plan.settings.formats], ...changes });

/** The learner's profiles: their role's first, then the role they are aiming for. */
export function profiles(state) {
  const { bundle } = state;
  return [bundle.role, bundle.future_role].filter(Boolean)
    .map((slug) => bundle.profiles[slug]).filter(Boolean);
}

export const profileFor = (state, role) =>
  profiles(state).find((p) => p.role.slug === role) ?? profiles(state)[0] ?? null;

export const limits = (state) => state.bundle.limits;

/**
 * What the learner is told of L&D's releases: `last_release_at` (null before the first),
 * `days` between them, and the `threshold` under which a group is not shown. Null in a
 * bundle kept from before the server said.
 */
export const reports = (state) => state.bundle.reports ?? null;

/**
 * Whether two profiles' competencies are one skill: the same key and the same five level
 * descriptors, word for word (engine/assessment.py `shared`), in the original. A profile
 * read in another language carries a digest of its original's (`levels_digest`,
 * pwa/store/profiles.py) instead. A rating of one stands for the other; the same key with
 * other descriptors is asked again.
 */
export const shared = (one, other) => one.key === other.key
  && (one.levels_digest || other.levels_digest ? one.levels_digest === other.levels_digest
    : one.levels.length === other.levels.length && one.levels.every((text, i) => text === other.levels[i]));

/**
 * The rating that stands for competency `key` of `profile`: its own, or that of a shared
 * competency of the learner's other profile, whichever was made last (its own on a tie).
 */
export function ratingOf(state, profile, key) {
  let best = state.latest.get(ratingKey(profile.role.slug, key));
  const comp = profile.competencies.find((c) => c.key === key);
  for (const other of profiles(state)) {
    if (!comp || other.role.slug === profile.role.slug) continue;
    const twin = other.competencies.find((c) => c.key === key);
    const rating = twin && shared(comp, twin) ? state.latest.get(ratingKey(other.role.slug, key)) : null;
    if (rating && (!best || Date.parse(rating.occurred_at) > Date.parse(best.occurred_at))) best = rating;
  }
  return best;
}

/** Every rating of competency `key` of `profile`, a shared one's in the other profile too. */
export function historyOf(state, profile, key) {
  const comp = profile.competencies.find((c) => c.key === key);
  const roles = new Set([profile.role.slug, ...profiles(state).filter((p) => {
    const twin = p.competencies.find((c) => c.key === key);
    return comp && twin && shared(comp, twin);
  }).map((p) => p.role.slug)]);
  return state.history.filter((r) => roles.has(r.role) && r.competency === key);
}

/**
 * Whether the rating that stands for `competency` was made before its profile changed
 * what it means: judged in the profile the rating was made in (a shared one's too).
 */
export const changedSinceRated = (state, profile, competency) => {
  const mine = ratingOf(state, profile, competency.key);
  if (!mine) return false;
  const source = profiles(state).find((p) => p.role.slug === mine.role) ?? profile;
  const rerate = state.bundle.rerate?.[source.role.slug] ?? [];
  return rerate.includes(competency.key) && mine.version !== source.number;
};

/**
 * `profile` was published anew since the learner rated it: its version, when, and the
 * competencies to look at again (null once each is rated again). The server's home page
 * says the same (pwa/store/assessment.py `profile_changes`).
 */
export function profileChange(state, profile) {
  const again = profile.competencies.filter((c) => changedSinceRated(state, profile, c)
    && ratingOf(state, profile, c.key).role === profile.role.slug);
  return again.length ? { version: profile.number, published_at: profile.published_at, again } : null;
}

/** Competencies of `profile` still to answer: never rated (here or shared), or changed since. */
export const toAsk = (state, profile) => profile.competencies
  .filter((c) => !ratingOf(state, profile, c.key) || changedSinceRated(state, profile, c));

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

/** The competencies the learner can plan for: their role's, then their future role's. */
export function competencies(state) {
  const seen = new Map();
  for (const p of profiles(state)) {
    for (const c of p.competencies) if (!seen.has(c.key)) seen.set(c.key, { key: c.key, name: c.name, profile: p, c });
  }
  return [...seen.values()].map(({ key, name, profile, c }) => ({ key, name, profile, competency: c }));
}

/** The latest request the learner sent for `competency`, if it still says something. */
export function requestFor(m, competency) {
  const open = m.sent.filter((r) => r.competency === competency && !['withdrawn', 'ended'].includes(r.status));
  return open.at(-1) ?? null;
}

/** The colleague suggested to mentor `competency`, while the learner wants suggestions. */
export const suggestionFor = (m, competency) =>
  (m.suggestions_on ? m.suggested.find((s) => s.competency === competency) : null) ?? null;
