// Where the learner left today's practice (the item, the card or question, what they
// answered), kept on the phone by learner and day: a pause, a closed app or a reload
// resumes there. Another day's place is forgotten.

const PREFIX = 'skillpath-practice:';
const keyOf = (personId, day) => `${PREFIX}${personId}:${day}`;

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // storage blocked: the practice still works, it only forgets its place
  }
}

/** The place kept for `personId` on `day`, or null. */
export function readPosition(personId, day) {
  try {
    return JSON.parse(storage()?.getItem(keyOf(personId, day)) ?? 'null');
  } catch {
    return null;
  }
}

/** Keep `position` for `personId` on `day`, and forget the learner's other days. */
export function keepPosition(personId, day, position) {
  const store = storage();
  if (!store) return;
  const mine = `${PREFIX}${personId}:`;
  for (let i = store.length - 1; i >= 0; i -= 1) {
    const key = store.key(i);
    if (key?.startsWith(mine) && key !== keyOf(personId, day)) store.removeItem(key);
  }
  try {
    store.setItem(keyOf(personId, day), JSON.stringify(position));
  } catch { /* full: the place is not kept, the answers are (in the outbox) */ }
}
