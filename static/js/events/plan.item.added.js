// plan.item.added: an item of the learner's own, at the end of their plan until the
// server places it. Its reason ("you added it") is said by the view, from its origin.

export const type = 'plan.item.added';
export const remakesPlan = true;

/**
 * The competency's name in the learner's profiles (their role's, then their future role's),
 * and the original's language when the name is shown in it (else null), as the server says.
 */
function nameOf(bundle, key) {
  const [profile, found] = [bundle?.role, bundle?.future_role].map((slug) => bundle?.profiles?.[slug])
    .flatMap((p) => (p?.competencies ?? []).map((c) => [p, c])).find(([, c]) => c.key === key) ?? [];
  const lang = found?.in_original?.includes('name') ? profile.original_language ?? 'en' : null;
  return { competency_name: found?.name ?? key, competency_lang: lang };
}

export function apply(shown, { data }) {
  const { plan } = shown;
  const item = `own:${data.id}`;
  if (!plan || [...plan.lines, ...plan.done, ...plan.dropped].some((l) => l.item === item)) return shown;
  const line = { ...data, item, ...nameOf(shown.bundle, data.competency), offline: false,
    content: null, state: 'accepted', origin: 'own', reasons: [], alternatives: [], pending: true };
  return { ...shown, plan: { ...plan, lines: [...plan.lines, line] } };
}
