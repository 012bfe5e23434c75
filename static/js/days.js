// Calendar days ("2026-12-07") as the learner lives them: the day of an instant in their
// time zone, and days counted from one another. Practice is planned by these days.

/** The learner's calendar day of `when` (a Date or ISO string) in `timeZone`, "YYYY-MM-DD". */
export function localDay(when, timeZone) {
  const date = new Date(when);
  let parts;
  try {
    parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(date);
  } catch {
    parts = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(date);
  }
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

const asDate = (day) => new Date(`${day}T00:00:00Z`);

/** `day` moved by `n` days. */
export function addDays(day, n) {
  const date = asDate(day);
  date.setUTCDate(date.getUTCDate() + n);
  return date.toISOString().slice(0, 10);
}

/** The Monday of the week of `day` (the server's weeks start on Monday). */
export const weekStart = (day) => addDays(day, -((asDate(day).getUTCDay() + 6) % 7));

/**
 * `practice` (the shown state of state.js) with `seconds` and `answered` done on `day`:
 * the day counts as practised, and toward the week's goal when it is in the bundle's week.
 */
export function tallied(practice, day, seconds, answered) {
  const was = practice.done[day] ?? { seconds: 0, answered: 0 };
  const done = { ...practice.done, [day]: { seconds: was.seconds + seconds, answered: was.answered + answered } };
  let { week, practised } = practice;
  if (!practised.has(day)) {
    practised = new Set([...practised, day]);
    if (weekStart(day) === week.start) {
      const days = week.days_practised + 1;
      week = { ...week, days_practised: days, met: days >= week.goal };
    }
  }
  return { ...practice, done, practised, week };
}

/** The lesson `key`'s length in seconds, as today's queue counts it. */
export function lessonSeconds(practice, key) {
  for (const d of practice.days) {
    const entry = d.entries.find((e) => e.kind === 'lesson' && e.item_key === key);
    if (entry) return entry.seconds;
  }
  return (practice.lessons[key]?.minutes ?? 0) * 60;
}

/** The progress of lesson `key`: its place in `practice.progress` and what it says. */
export function progressOf(practice, plan, key) {
  const found = Object.entries(practice.progress).find(([, p]) => p.key === key);
  if (found) return found;
  // Not begun yet: the plan names it "c:<id>"; the server says the same once it arrives.
  const line = plan?.lines.find((l) => l.content?.includes(`/items/${encodeURIComponent(key)}?`));
  const questions = practice.lessons[key]?.questions?.length ?? 0;
  return [line?.item ?? `key:${key}`, { key, started: 0, questions, completed: false }];
}
