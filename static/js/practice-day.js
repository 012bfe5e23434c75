// Today's practice on this phone, read from the state: what is left today, what was done,
// the next day, the week, and an extra round. Only the practice views import it, so the
// first view of the app loads none of it.

import { addDays, localDay, weekStart } from './days.js';

/** Seconds → whole minutes, at least one when there is anything at all. */
const minutesOf = (seconds) => (seconds > 0 ? Math.max(1, Math.round(seconds / 60)) : 0);

/** How many questions `entries` ask (a new lesson: its questions not yet answered). */
export function questionsIn(practice, entries, answeredIn = () => 0) {
  return entries.reduce((sum, e) => sum + (e.kind === 'review' ? 1
    : Math.max(0, (practice.lessons[e.item_key]?.questions?.length ?? 0) - answeredIn(e.item_key))), 0);
}

/**
 * Today's practice on this phone, by the learner's own calendar (the bundle may be days
 * old: its next days are on the phone for that). `known` is false past the days it holds.
 * `left` is what is still to do (minutes, questions), `done` what was done today, `next`
 * the next day with something to do, `week` this week's goal.
 */
export function practiceToday(state, now = new Date(), answeredIn = undefined) {
  const p = state.practice;
  if (!p) return null;
  const day = localDay(now, p.timeZone);
  const at = p.days.findIndex((d) => d.day === day);
  const entries = at >= 0 ? p.days[at].entries : [];
  const done = p.done[day] ?? { seconds: 0, answered: 0 };
  const nextDay = at >= 0 ? p.days.slice(at + 1).find((d) => d.entries.length) : null;
  const size = (list) => ({ minutes: minutesOf(list.reduce((sum, e) => sum + e.seconds, 0)),
    questions: questionsIn(p, list, answeredIn) });
  const start = weekStart(day);
  const week = start === p.week.start ? p.week : (() => {
    const days = [...p.practised].filter((d) => d >= start && d <= addDays(start, 6)).length;
    return { start, days_practised: days, goal: p.settings.weekly_goal, met: days >= p.settings.weekly_goal };
  })();
  return {
    day, known: at >= 0, entries, left: size(entries),
    done: { minutes: minutesOf(done.seconds), answered: done.answered },
    next: nextDay ? { day: nextDay.day, ...size(nextDay.entries) } : null,
    week,
  };
}

/**
 * Questions for an extra round on a day with nothing due: the server's choice
 * (`practice.extra`, closest to forgotten first) when the bundle has one, else the started
 * questions due soonest; only those whose lesson is on the phone.
 */
export function extraRound(state, limit = 5) {
  const p = state.practice;
  if (!p) return [];
  if (Array.isArray(p.extra)) {
    return p.extra.filter((e) => !p.cards[`${e.item_key}:${e.question}`]?.pending
      && p.lessons[e.item_key]?.questions?.[e.question]);
  }
  return Object.entries(p.cards)
    .map(([id, card]) => {
      const cut = id.lastIndexOf(':');
      return { key: id.slice(0, cut), question: Number(id.slice(cut + 1)), card };
    })
    .filter(({ key, question, card }) => !card.pending && p.lessons[key]?.questions?.[question])
    .sort((a, b) => Date.parse(a.card.due) - Date.parse(b.card.due))
    .slice(0, limit)
    .map(({ key, question }) => ({ kind: 'review', item_key: key, revision: p.lessons[key].revision,
      question, seconds: p.thresholds.review_seconds, due: null }));
}
