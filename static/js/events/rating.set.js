// rating.set: the learner rated a competency. It joins their history at once, and the
// plan, made from ratings, is made again when it arrives.

export const type = 'rating.set';
export const remakesPlan = true;

export function apply(shown, event) {
  const entry = { ...event.data, occurred_at: event.occurred_at, pending: true };
  return { ...shown, history: [...shown.history, entry] };
}
