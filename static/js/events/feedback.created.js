// feedback.created: a note to a profile's authors. Nothing the learner sees changes:
// it only waits in the outbox until it is sent.

export const type = 'feedback.created';

export const apply = (shown) => shown;
