// plan.goal.removed: a competency the learner no longer chooses to grow.

export const type = 'plan.goal.removed';
export const remakesPlan = true;

export function apply(shown, { data }) {
  if (!shown.plan) return shown;
  const goals = new Set(shown.plan.goals);
  goals.delete(data.competency);
  return { ...shown, plan: { ...shown.plan, goals } };
}
