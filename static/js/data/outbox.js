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

/** Record an event of `type` with `data`; returns it. */
export async function record(type, data) {
  const event = {
    id: crypto.randomUUID(),
    type,
    schema: 1,
    occurred_at: new Date().toISOString(),
    device_id: await deviceId(),
    data,
  };
  await put('outbox', event);
  for (const fn of listeners) fn(event);
  return event;
}

/** Waiting events, oldest first (by instant: the strings may differ in form). */
export async function pending() {
  const events = await all('outbox');
  return events.sort((a, b) => Date.parse(a.occurred_at) - Date.parse(b.occurred_at));
}
