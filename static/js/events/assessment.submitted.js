// assessment.submitted: the learner submitted their self-assessment of a role.

export const type = 'assessment.submitted';
export const remakesPlan = true;

export function apply(shown, event) {
  const entry = { ...event.data, occurred_at: event.occurred_at, pending: true };
  return { ...shown, submissions: [...shown.submissions, entry] };
}
