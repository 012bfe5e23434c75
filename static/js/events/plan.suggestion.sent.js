// plan.suggestion.sent: something the learner suggested to a colleague. It changes the
// colleague's plan, not theirs: nothing here shows it but the outbox.

export const type = 'plan.suggestion.sent';

export const apply = (shown) => shown;
