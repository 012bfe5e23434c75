// Sync: send the outbox in batches, keep what the server has not acknowledged,
// and refresh the bootstrap bundle. One sync at a time across tabs (Web Locks).

import { ApiError, post, safeJson, session } from './http.js';
import { all, get, put, removeMany } from './idb.js';
import { pending } from './outbox.js';

const BATCH = 100;
const status = new EventTarget();
let backoff = 0;
let retryTimer = null;
let soon = null;
let lastProblem = null; // 'offline' | 'signin' | 'server'
let synced = false; // a sync finished on this page: we know who is signed in

export const onStatus = (fn) => status.addEventListener('change', (e) => fn(e.detail));

/**
 * What the status line should say now: only the learner's own waiting changes count (of every kind).
 * With no bundle on the phone (a first start, or someone signed in after another) we
 * do not know whose changes these are until a sync has asked: "checking", not "saved".
 */
export async function describe() {
  const bundle = await get('kv', 'bootstrap');
  const waiting = (await pending(bundle?.person?.id)).length;
  const refused = await all('refused');
  const checking = !bundle && !synced && navigator.onLine && !lastProblem;
  return { waiting, refused, online: navigator.onLine, problem: lastProblem, checking };
}

async function announce() {
  status.dispatchEvent(new CustomEvent('change', { detail: await describe() }));
}

/**
 * Send the signed-in person's waiting events. Another person's (a shared phone, signed
 * out with changes waiting) stay until that person signs in here again; a bundle left
 * by someone else is forgotten before anything is shown or sent.
 */
async function sendOutbox() {
  const who = await session();
  if (!who.signed_in) throw Object.assign(new Error('sign in'), { signin: true });
  const bundle = await get('kv', 'bootstrap');
  if (bundle && bundle.person?.id !== who.person.id) await forgetBundle();
  let events = await pending(who.person.id);
  const saved = [];
  while (events.length) {
    saved.push(...await sendBatch(events.slice(0, BATCH), who.csrf_token));
    events = events.slice(BATCH);
  }
  return saved;
}

/**
 * Send one batch and settle every event in it by the server's answer. When the server
 * refuses the batch as a whole (a 4xx other than 401 and 429), the fault is in some of
 * its events: halve it until they are found, move those to "could not be saved" with
 * the server's reason, and send the rest. Sign-in, rate limits, a lost CSRF token and
 * server errors (5xx) throw, and the whole outbox waits for the next try: nothing
 * leaves the outbox without an answer from the server.
 */
async function sendBatch(batch, token) {
  const res = await post('/api/v1/sync', { events: batch }, { token });
  if (res.status === 401) throw Object.assign(new Error('sign in'), { signin: true });
  if (res.ok) return settle(batch, await res.json());
  const body = await safeJson(res);
  const notTheEvents = res.status === 429 || res.status >= 500 || res.status < 400
    || body?.error === 'csrf_failed';
  if (notTheEvents) throw new ApiError(body, res.status);
  if (batch.length > 1) {
    const half = Math.ceil(batch.length / 2);
    return [...await sendBatch(batch.slice(0, half), token),
      ...await sendBatch(batch.slice(half), token)];
  }
  const [event] = batch;
  const reason = new ApiError(body, res.status);
  await put('refused', { id: event.id, code: reason.error, message: reason.message, event });
  await removeMany('outbox', [event.id]);
  return [];
}

/**
 * Move refused events to "could not be saved"; return the ids the server saved. Those
 * stay in the outbox until the bundle that holds them has arrived (syncOnce), so the
 * phone never shows a moment where a change is neither waiting nor saved.
 */
async function settle(batch, answer) {
  const byId = new Map(batch.map((e) => [e.id, e]));
  for (const refusal of answer.refused) {
    const event = byId.get(refusal.id);
    if (event) await put('refused', { ...refusal, event });
  }
  await removeMany('outbox', answer.refused.map((r) => r.id));
  return [...answer.accepted, ...answer.duplicates];
}

/** Fetch the bootstrap bundle if it changed; returns true when something new arrived. */
export async function refreshBootstrap() {
  const etag = await get('kv', 'bootstrap_etag');
  const res = await fetch('/api/v1/bootstrap', {
    credentials: 'same-origin',
    headers: etag ? { 'If-None-Match': etag } : {},
  });
  if (res.status === 401) throw Object.assign(new Error('sign in'), { signin: true });
  if (res.headers.get('X-Served-From') === 'cache') throw new TypeError('offline');
  if (res.status === 304) return false;
  if (!res.ok) throw new Error(`bootstrap ${res.status}`);
  const bundle = await res.json();
  await put('kv', bundle, 'bootstrap');
  await put('kv', res.headers.get('ETag'), 'bootstrap_etag');
  cacheContent(bundle.content);
  return true;
}

/** Forget the signed-in learner's bundle (sign-out); the outbox and device id stay. */
export const forgetBundle = () => removeMany('kv', ['bootstrap', 'bootstrap_etag']);

/**
 * Versioned content is for later, offline: the service worker fetches what it does not
 * hold yet in the background, so it never competes with what the learner waits for.
 */
function cacheContent(content) {
  const urls = content?.items ?? [];
  navigator.serviceWorker?.ready
    .then((reg) => reg.active?.postMessage({ type: 'cache-content', urls }))
    .catch(() => {});
}

async function syncOnce() {
  try {
    const saved = await sendOutbox();
    const changed = await refreshBootstrap();
    await removeMany('outbox', saved); // the bundle now holds them (a failure above resends them)
    lastProblem = null;
    synced = true;
    backoff = 0;
    await announce();
    return changed;
  } catch (error) {
    // fetch() rejects with a TypeError when the network is down; HTTP errors are ours.
    const offline = !navigator.onLine || error instanceof TypeError;
    lastProblem = error.signin ? 'signin' : offline ? 'offline' : 'server';
    await announce();
    if (!error.signin) retryLater();
    return false;
  }
}

function retryLater() {
  clearTimeout(retryTimer);
  backoff = Math.min(backoff ? backoff * 2 : 2000, 5 * 60 * 1000);
  retryTimer = setTimeout(() => syncNow(), backoff);
}

/** Sync now, one tab at a time; resolves true if the bundle changed. */
export function syncNow() {
  if (!navigator.onLine) {
    lastProblem = 'offline';
    return announce().then(() => false);
  }
  if (navigator.locks?.request) {
    return navigator.locks.request('skillpath-sync', syncOnce);
  }
  return syncOnce();
}

/** Sync shortly after a write, and ask for Background Sync where the browser has it. */
export function syncSoon() {
  announce();
  clearTimeout(soon);
  soon = setTimeout(() => syncNow(), 800);
  navigator.serviceWorker?.ready
    .then((reg) => reg.sync?.register('skillpath-outbox'))
    .catch(() => {});
}

/** Wire the triggers: start, online, visible, a message from the service worker. */
export function startSync(onChange) {
  const run = () => syncNow().then((changed) => changed && onChange());
  window.addEventListener('online', run);
  window.addEventListener('offline', () => { lastProblem = 'offline'; announce(); });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') run();
  });
  navigator.serviceWorker?.addEventListener('message', (e) => {
    if (e.data?.type === 'sync-now') run();
  });
  return run();
}
