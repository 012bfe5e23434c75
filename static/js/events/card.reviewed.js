// card.reviewed: the learner answered a practice question (a review, or a new lesson's
// question seen for the first time). It leaves the queue at once, offline too, and the
// day counts as practised; when the question is due next is the server's to say (FSRS).

import { lessonSeconds, localDay, progressOf, tallied } from '../days.js';

export const type = 'card.reviewed';

const sameCard = (d) => (e) => e.kind === 'review' && e.item_key === d.item && e.question === d.question;

export function apply(shown, { data: d, occurred_at: at }) {
  let practice = shown.practice;
  if (!practice) return shown;
  const day = localDay(at, practice.timeZone);
  const id = `${d.item}:${d.question}`;
  const card = practice.cards[id];
  // A question answered before is a review; a first answer starts its lesson (its length counts once).
  const lesson = `${day}:${d.item}`;
  const seconds = card ? practice.thresholds.review_seconds
    : practice.counted.has(lesson) ? 0 : lessonSeconds(practice, d.item);
  const counted = card ? practice.counted : new Set([...practice.counted, lesson]);
  const [ref, progress] = progressOf(practice, shown.plan, d.item);
  practice = {
    ...practice,
    counted,
    days: practice.days.map((x) => ({ ...x, entries: x.entries.filter((e) => !sameCard(d)(e)) })),
    cards: { ...practice.cards, [id]: { stability: 0, ...card, reps: (card?.reps ?? 0) + 1, due: null, pending: true } },
    progress: card ? practice.progress : { ...practice.progress, [ref]: { ...progress, started: progress.started + 1 } },
  };
  return { ...shown, practice: tallied(practice, day, seconds, 1) };
}
