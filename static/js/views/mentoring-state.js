// Mentoring as the learner sees it: the bundle's part with the waiting events applied,
// so an offer, a request or an answer shows at once, offline too.

const byCompetency = (list, key) => list.filter((r) => r.competency === key);
const primary = (tag) => tag.split('-')[0].toLowerCase(); // 'es-MX' speaks 'es'

/** The bundle's mentoring with the outbox applied; null before the first bundle. */
export function mentoring(state) {
  const base = state.bundle?.mentoring;
  if (!base) return null;
  let offer = base.offer ? { ...base.offer } : null;
  let sent = base.sent.map((r) => ({ ...r }));
  let received = base.received.map((r) => ({ ...r }));
  let suggestionsOn = base.suggestions_on;
  let languages = null; // what the learner said, waiting to sync: no mentor who shares none
  for (const e of state.outbox) {
    const d = e.data;
    if (e.type === 'mentor.offer.changed') offer = { load: offer?.load ?? 0, ...d, pending: true };
    else if (e.type === 'mentor.requested' && !sent.some((r) => r.id === d.id)) {
      const s = base.suggested.find((x) => x.mentor === d.mentor && x.competency === d.competency);
      sent = [...sent, { id: d.id, mentor: d.mentor, mentor_name: s?.name ?? '', competency: d.competency,
        competency_name: s?.competency_name ?? d.competency, status: 'pending', contact: null, pending: true }];
    } else if (e.type === 'mentor.request.answered') {
      received = received.map((r) => (r.id === d.id && r.status === 'pending' ? { ...r, status: d.answer, pending: true } : r));
    } else if (e.type === 'mentor.request.ended') {
      const end = (r) => (r.id !== d.id ? r
        : { ...r, status: r.status === 'pending' ? 'withdrawn' : 'ended', pending: true });
      sent = sent.map(end);
      received = received.map(end);
    } else if (e.type === 'plan.settings.changed') {
      if (typeof d.mentor_suggestions === 'boolean') suggestionsOn = d.mentor_suggestions;
      if (Array.isArray(d.languages)) languages = d.languages.length ? d.languages : null;
    }
  }
  const spoken = languages && new Set(languages.map(primary));
  const suggested = spoken ? base.suggested.filter((s) => s.languages.some((tag) => spoken.has(primary(tag))))
    : base.suggested;
  return { ...base, offer, sent, received, suggestions_on: suggestionsOn, suggested,
    learning_languages: languages ?? base.learning_languages };
}

/** The latest request the learner sent for `competency`, if it still says something. */
export function requestFor(m, competency) {
  const open = byCompetency(m.sent, competency).filter((r) => !['withdrawn', 'ended'].includes(r.status));
  return open.at(-1) ?? null;
}

export const suggestionFor = (m, competency) =>
  (m.suggestions_on ? m.suggested.find((s) => s.competency === competency) : null) ?? null;
