// mentor.request.answered: the learner, as a mentor, accepted or declined a request.

export const type = 'mentor.request.answered';

export function apply(shown, { data: d }) {
  const m = shown.mentoring;
  if (!m) return shown;
  const received = m.received.map((r) => (r.id === d.id && r.status === 'pending'
    ? { ...r, status: d.answer, pending: true } : r));
  return { ...shown, mentoring: { ...m, received } };
}
