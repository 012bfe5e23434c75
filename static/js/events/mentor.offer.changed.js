// mentor.offer.changed: the learner's offer to mentor, made, changed, paused or left.

export const type = 'mentor.offer.changed';

export function apply(shown, { data }) {
  const m = shown.mentoring;
  if (!m) return shown;
  return { ...shown, mentoring: { ...m, offer: { load: m.offer?.load ?? 0, ...data, pending: true } } };
}
