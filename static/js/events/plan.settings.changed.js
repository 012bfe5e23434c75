// plan.settings.changed: time, formats, mentor suggestions and languages. The plan
// takes the new settings; mentors are suggested (or not) in the languages said.

export const type = 'plan.settings.changed';
export const remakesPlan = true;

export function apply(shown, { data }) {
  const plan = shown.plan && { ...shown.plan, settings: { ...shown.plan.settings, ...data } };
  let mentoring = shown.mentoring;
  if (mentoring) {
    mentoring = { ...mentoring };
    if (typeof data.mentor_suggestions === 'boolean') mentoring.suggestions_on = data.mentor_suggestions;
    if (Array.isArray(data.languages)) mentoring.languages = data.languages.length ? data.languages : null;
  }
  return { ...shown, plan, mentoring };
}
