// plan.suggestion.answered: the learner accepted a colleague's suggestion (it joins the
// plan) or dismissed it; either way it leaves the list of suggestions.

export const type = 'plan.suggestion.answered';
export const remakesPlan = true;

export function apply(shown, { data }) {
  const { plan } = shown;
  if (!plan) return shown;
  const suggestion = plan.suggestions.find((s) => s.id === data.id);
  const suggestions = plan.suggestions.filter((s) => s.id !== data.id);
  let { lines } = plan;
  if (suggestion && data.answer === 'accepted') {
    lines = [...lines, { ...suggestion, item: suggestion.item ?? `sug:${suggestion.id}`, state: 'accepted',
      origin: 'suggestion', reasons: [], alternatives: [], pending: true }];
  }
  return { ...shown, plan: { ...plan, suggestions, lines } };
}
