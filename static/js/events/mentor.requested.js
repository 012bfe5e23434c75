// mentor.requested: the learner asked a suggested colleague to mentor them.

export const type = 'mentor.requested';

export function apply(shown, { data: d }) {
  const m = shown.mentoring;
  if (!m || m.sent.some((r) => r.id === d.id)) return shown;
  const s = m.suggested.find((x) => x.mentor === d.mentor && x.competency === d.competency);
  const request = { id: d.id, mentor: d.mentor, mentor_name: s?.name ?? '', competency: d.competency,
    competency_name: s?.competency_name ?? d.competency, status: 'pending', contact: null, pending: true };
  return { ...shown, mentoring: { ...m, sent: [...m.sent, request] } };
}
