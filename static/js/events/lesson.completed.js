// lesson.completed: the learner went through a new lesson to its end (cards read,
// questions answered). It leaves the queue, its length counts toward the day, and the
// plan counts it toward its item when the server has it.

import { lessonSeconds, localDay, progressOf, tallied } from '../days.js';

export const type = 'lesson.completed';
export const remakesPlan = true;

const sameLesson = (d) => (e) => e.kind === 'lesson' && e.item_key === d.item;

export function apply(shown, { data: d, occurred_at: at }) {
  let practice = shown.practice;
  if (!practice) return shown;
  const day = localDay(at, practice.timeZone);
  const lesson = `${day}:${d.item}`;
  const seconds = practice.counted.has(lesson) ? 0 : lessonSeconds(practice, d.item);
  const [ref, progress] = progressOf(practice, shown.plan, d.item);
  practice = {
    ...practice,
    counted: new Set([...practice.counted, lesson]),
    days: practice.days.map((x) => ({ ...x, entries: x.entries.filter((e) => !sameLesson(d)(e)) })),
    progress: { ...practice.progress, [ref]: { ...progress, completed: true } },
  };
  return { ...shown, practice: tallied(practice, day, seconds, 0) };
}
