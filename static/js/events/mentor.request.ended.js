// mentor.request.ended: a request withdrawn before its answer, or mentoring ended after.

export const type = 'mentor.request.ended';

export function apply(shown, { data: d }) {
  const m = shown.mentoring;
  if (!m) return shown;
  const end = (r) => (r.id !== d.id ? r
    : { ...r, status: r.status === 'pending' ? 'withdrawn' : 'ended', pending: true });
  return { ...shown, mentoring: { ...m, sent: m.sent.map(end), received: m.received.map(end) } };
}
