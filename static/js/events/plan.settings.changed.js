// plan.settings.changed: time, formats, mentor suggestions and languages, and the daily
// practice's minutes a day and days a week. The plan takes the new settings; mentors are
// suggested (or not) in the languages said; the week's goal is the one chosen. How much
// fits in each day ahead is the server's to plan again.

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
  let practice = shown.practice;
  if (practice && (data.daily_minutes || data.weekly_goal)) {
    const settings = { ...practice.settings };
    if (data.daily_minutes) settings.daily_minutes = data.daily_minutes;
    if (data.weekly_goal) settings.weekly_goal = data.weekly_goal;
    const goal = settings.weekly_goal;
    practice = { ...practice, settings, week: { ...practice.week, goal, met: practice.week.days_practised >= goal } };
  }
  return { ...shown, plan, mentoring, practice };
}
