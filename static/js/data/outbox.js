// The outbox: everything the learner does is an event written here first.
// An event leaves only when the server acknowledged its id (sync.js).

import { all, get, put } from './idb.js';

const listeners = new Set();
export const onWrite = (fn) => listeners.add(fn);

async function deviceId() {
  let id = await get('kv', 'device_id');
  if (!id) {
    id = crypto.randomUUID();
    await put('kv', id, 'device_id');
  }
  return id;
}

/**
 * Record an event of `type` with `data` for the learner whose bundle is on the phone;
 * returns it. The event names its person: on a shared phone it waits for them alone.
 */
export async function record(type, data) {
  const bundle = await get('kv', 'bootstrap');
  const event = {
    id: crypto.randomUUID(),
    type,
    schema: 1,
    occurred_at: new Date().toISOString(),
    device_id: await deviceId(),
    person_id: bundle?.person?.id,
    data,
  };
  await put('outbox', event);
  for (const fn of listeners) fn(event);
  return event;
}

/**
 * Waiting events of `personId`, oldest first (by instant: the strings may differ in
 * form). Events recorded before they named their person count as anyone's.
 */
export async function pending(personId) {
  const events = (await all('outbox')).filter(
    (e) => e.person_id === undefined || e.person_id === personId);
  return events.sort((a, b) => Date.parse(a.occurred_at) - Date.parse(b.occurred_at));
}
