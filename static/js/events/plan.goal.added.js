// plan.goal.added: a competency the learner chose to grow.

export const type = 'plan.goal.added';
export const remakesPlan = true;

export function apply(shown, { data }) {
  if (!shown.plan) return shown;
  return { ...shown, plan: { ...shown.plan, goals: new Set([...shown.plan.goals, data.competency]) } };
}
