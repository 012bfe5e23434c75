// Skillpath service worker: the shell from the cache, versioned content cache-first,
// the bootstrap bundle network-first, the learner's own pages network-first with a
// cached copy offline, an offline page for the rest.
// A new version waits and is announced to the page; it never reloads by itself.

// Filled in when served (pwa/assets.py): a hash of the shell files, and their list.
const VERSION = '{{VERSION}}';
const SHELL = [/* {{SHELL}} */];

const PREFIX = 'skillpath-';
const SHELL_CACHE = `${PREFIX}shell-${VERSION}`;
const CONTENT_CACHE = `${PREFIX}content`; // versioned URLs never change: kept across versions
const DATA_CACHE = `${PREFIX}data-${VERSION}`;
const PAGES_CACHE = `${PREFIX}pages`; // the signed-in learner's own pages; emptied on sign-out
// Requests that end a session: the pages and the bundle kept for that learner go with it,
// however the request was made (the page's script, or its form before the script ran).
const SESSION_ENDS = new Set(['/signout', '/api/v1/auth/signout', '/account/delete']);
// Requests that begin one: what the phone keeps for someone else goes before it is shown.
const SESSION_BEGINS = new Set(['/api/v1/auth/login/verify', '/api/v1/auth/register/verify']);

async function precacheShell() {
  const cache = await caches.open(SHELL_CACHE);
  await cache.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' })));
}

async function deleteStaleCaches() {
  const keep = new Set([SHELL_CACHE, CONTENT_CACHE, DATA_CACHE, PAGES_CACHE]);
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(PREFIX) && !keep.has(n)).map((n) => caches.delete(n)));
  await self.clients.claim();
}

function isVersionedContent(url) {
  return (url.pathname.match(/^\/api\/v1\/roles\/[^/]+\/profile$/) && url.searchParams.has('version'))
    || (url.pathname.startsWith('/api/v1/catalog/items/') && url.searchParams.has('revision'));
}

async function cacheFirst(request) {
  const cache = await caches.open(CONTENT_CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(DATA_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const hit = await cache.match(request);
    if (!hit) throw error;
    // Tell the page this copy is from the cache: the network is down.
    const headers = new Headers(hit.headers);
    headers.set('X-Served-From', 'cache');
    return new Response(hit.body, { status: hit.status, headers });
  }
}

/**
 * Run ``work(store)`` on the app's key-value store in one transaction of ``mode``; resolves
 * with what ``work`` set as ``result`` when it completes, or ``fallback`` if it cannot run.
 * The database is opened without a version, and an open that would create it is aborted:
 * the app alone creates it, with its stores.
 */
function inKv(mode, work, fallback) {
  return new Promise((resolve) => {
    const request = indexedDB.open('skillpath');
    request.onupgradeneeded = () => request.transaction.abort();
    request.onerror = () => resolve(fallback);
    request.onsuccess = () => {
      const db = request.result;
      try {
        const tx = db.transaction('kv', mode);
        const outcome = { result: fallback };
        work(tx.objectStore('kv'), outcome);
        tx.oncomplete = () => resolve(outcome.result);
        tx.onerror = () => resolve(fallback);
        tx.onabort = () => resolve(fallback);
      } catch {
        resolve(fallback);
      } finally {
        db.close();
      }
    };
  });
}

/** The bundle the app keeps, or null. */
const savedBundle = () => inKv('readonly', (kv, outcome) => {
  kv.get('bootstrap').onsuccess = (e) => { outcome.result = e.target.result ?? null; };
}, null);

/**
 * Forget the bundle the app keeps (and its validator). Its outbox and device id stay: the
 * changes waiting there name their person and are sent when that person signs in again.
 */
const forgetSavedBundle = () => inKv('readwrite', (kv) => {
  kv.delete('bootstrap');
  kv.delete('bootstrap_etag');
}, undefined);

/** Everything kept for the learner who was signed in: their pages, bundle and its copy. */
async function forgetLearner() {
  await Promise.all([forgetOwnPages(), caches.delete(DATA_CACHE), forgetSavedBundle()]);
}

/**
 * A session ends: once the server has answered (a redirect, from a form; 2xx, from a
 * script), the learner's pages and bundle are forgotten before the answer reaches the
 * page, so the next person to sign in on this phone never sees them, not even for a moment.
 * Offline, nothing ended and nothing is forgotten.
 */
async function endSession(request) {
  const response = await fetch(request);
  if (response.ok || response.type === 'opaqueredirect') await forgetLearner();
  return response;
}

/**
 * A session begins: when the person who signed in is not the one whose bundle the phone
 * keeps (their session ended without signing out), that bundle goes first.
 */
async function beginSession(request) {
  const response = await fetch(request);
  if (response.ok) {
    const answer = await response.clone().json().catch(() => null);
    const bundle = await savedBundle();
    const who = answer?.person?.id;
    if (bundle && who !== undefined && bundle.person?.id !== who) await forgetLearner();
  }
  return response;
}

/** The roles whose pages are the learner's own, read from the bundle the app keeps. */
async function ownRoles() {
  const bundle = await savedBundle();
  return bundle ? [bundle.role, bundle.future_role].filter(Boolean) : [];
}

/** Home, the profiles list, the learner's own role pages, the account page: nobody else's. */
async function isOwnPage(url) {
  if (['/', '/roles', '/account'].includes(url.pathname)) return true;
  const role = url.pathname.match(/^\/roles\/([^/]+)$/);
  return Boolean(role) && (await ownRoles()).includes(decodeURIComponent(role[1]));
}

async function ownPage(request) {
  const cache = await caches.open(PAGES_CACHE);
  try {
    const response = await fetch(request);
    // A redirect (to sign in) or an error is never kept in place of the page.
    if (response.ok && response.type === 'basic') await cache.put(request, response.clone());
    return response;
  } catch {
    return (await cache.match(request, { ignoreSearch: true }))
      ?? (await caches.match('/offline')) ?? Response.error();
  }
}

/** A page the person saw before this worker controlled it (the first one after enrolling
 * or signing in) is fetched again, so that it is there offline too. A redirect (signed
 * out) is opaque under ``redirect: 'manual'`` and is never kept. */
async function keepOwnPage(path) {
  const url = new URL(path, self.location.origin);
  if (url.origin !== self.location.origin || !(await isOwnPage(url))) return;
  await ownPage(new Request(url.pathname, { redirect: 'manual', credentials: 'same-origin' })).catch(() => {});
}

async function shellOrNetwork(request) {
  const url = new URL(request.url);
  const cache = await caches.open(SHELL_CACHE);
  if (url.pathname === '/app') {
    // The shell holds no personal data; serve it at once and refresh it behind.
    const hit = await cache.match('/app');
    const fresh = fetch(request).then((r) => (r.ok ? cache.put('/app', r.clone()).then(() => r) : r));
    if (hit) { fresh.catch(() => {}); return hit; }
    return fresh;
  }
  const hit = await cache.match(request, { ignoreSearch: url.pathname.startsWith('/static/') });
  if (hit) return hit;
  if (request.mode === 'navigate' && await isOwnPage(url)) return ownPage(request);
  try {
    return await fetch(request);
  } catch (error) {
    if (request.mode === 'navigate') return (await cache.match('/offline')) ?? Response.error();
    throw error;
  }
}

async function forgetOwnPages() {
  await caches.delete(PAGES_CACHE);
}

function onFetch(event) {
  const { request } = event;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== 'GET') {
    if (SESSION_ENDS.has(url.pathname)) event.respondWith(endSession(request));
    else if (SESSION_BEGINS.has(url.pathname)) event.respondWith(beginSession(request));
    return;
  }
  if (isVersionedContent(url)) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname === '/api/v1/bootstrap') {
    event.respondWith(networkFirst(request));
  } else if (url.pathname.startsWith('/api/')) {
    // Other API calls go to the network as they are.
  } else {
    event.respondWith(shellOrNetwork(request));
  }
}

/**
 * Fetch the versioned content the page names, skipping what is cached already. Lessons come
 * in turns of CONTENTS_TURN per answer (/api/v1/catalog/contents), which compresses far better
 * than one answer each, and each is kept at its own address; a turn that fails is fetched
 * one by one, so one bad address costs no other lesson.
 */
async function warmContent(urls) {
  const cache = await caches.open(CONTENT_CACHE);
  const own = [...new Set(urls.filter(isOwnUrl).map((url) => new URL(url, self.location.origin).href))];
  const missing = (await Promise.all(own.map(async (url) => ((await cache.match(url)) ? null : url))))
    .filter(Boolean);
  const turns = new Map(); // one language per answer
  for (const url of missing) {
    const parsed = new URL(url);
    const item = itemRevision(parsed);
    if (!item) {
      await keepOne(cache, url);
      continue;
    }
    const language = parsed.searchParams.get('lang') ?? '';
    const turn = turns.get(language) ?? [];
    turns.set(language, turn);
    turn.push({ url, item });
  }
  await Promise.all([...turns].flatMap(([language, wanted]) => {
    const batches = [];
    for (let i = 0; i < wanted.length; i += CONTENTS_TURN) batches.push(wanted.slice(i, i + CONTENTS_TURN));
    return batches.map((batch) => keepTurn(cache, language, batch));
  }));
}

const CONTENTS_TURN = 50; // api/content.py MAX_CONTENTS

/** `key:revision` of an item revision's address, else null (a profile version). */
function itemRevision(url) {
  const match = url.pathname.match(/^\/api\/v1\/catalog\/items\/([^/]+)$/);
  const revision = url.searchParams.get('revision');
  return match && /^\d+$/.test(revision ?? '') ? `${decodeURIComponent(match[1])}:${revision}` : null;
}

async function keepTurn(cache, language, batch) {
  try {
    const query = new URLSearchParams({ items: batch.map((b) => b.item).join(',') });
    if (language) query.set('lang', language);
    const response = await fetch(`/api/v1/catalog/contents?${query}`, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`contents ${response.status}`);
    const { items } = await response.json();
    if (items?.length !== batch.length) throw new Error('contents: not one answer per lesson');
    await Promise.all(batch.map(({ url }, i) => cache.put(url, new Response(JSON.stringify(items[i]), {
      headers: { 'Content-Type': 'application/json' },
    }))));
  } catch {
    await Promise.all(batch.map(({ url }) => keepOne(cache, url)));
  }
}

async function keepOne(cache, url) {
  try {
    const response = await fetch(url, { credentials: 'same-origin' });
    if (response.ok) await cache.put(url, response);
  } catch {
    // Offline or refused: the next sync names it again.
  }
}

function isOwnUrl(url) {
  const parsed = new URL(url, self.location.origin);
  return parsed.origin === self.location.origin && isVersionedContent(parsed);
}

async function askPagesToSync() {
  const pages = await self.clients.matchAll({ type: 'window' });
  for (const page of pages) page.postMessage({ type: 'sync-now' });
}

// Push: the server sends each notification already in the learner's language, as JSON
// {kind, title, body, url}. One that is empty or unreadable still shows a plain reminder
// in the learner's language (the bundle's person.locale, else the phone's), and a tap
// only ever opens a page of this app. One entry per language of static/js/i18n/.
const PUSH_FALLBACK = {
  en: { title: 'Skillpath', body: 'A few minutes of learning are waiting for you.' },
  es: { title: 'Skillpath', body: 'Te esperan unos minutos de aprendizaje.' },
};

/** The plain reminder's words in the learner's language, English when there are none. */
async function fallbackWords() {
  const bundle = await savedBundle();
  for (const tag of [bundle?.person?.locale, self.navigator.language]) {
    const language = typeof tag === 'string' ? tag.split(/[-_]/)[0].toLowerCase() : '';
    if (language) return PUSH_FALLBACK[language] ?? PUSH_FALLBACK.en;
  }
  return PUSH_FALLBACK.en;
}

function pushMessage(event, fallback) {
  let data = null;
  try {
    data = event.data ? event.data.json() : null;
  } catch {
    data = null;
  }
  const text = (value, limit) => (typeof value === 'string' && value.trim() ? value.slice(0, limit) : null);
  const kind = text(data?.kind, 32)?.replace(/[^a-z0-9._-]/gi, '-') ?? 'reminder';
  return {
    title: text(data?.title, 200) ?? fallback.title,
    body: text(data?.body, 600) ?? (data ? '' : fallback.body),
    url: appUrl(data?.url),
    kind,
  };
}

/** A path of this app, or the app's start: a payload never sends anyone elsewhere. */
function appUrl(value) {
  try {
    const url = new URL(typeof value === 'string' ? value : '/app', self.location.origin);
    if (url.origin === self.location.origin) return url.pathname + url.search + url.hash;
  } catch {
    // not a URL at all
  }
  return '/app';
}

async function showPush(event) {
  const note = pushMessage(event, await fallbackWords());
  await self.registration.showNotification(note.title, {
    body: note.body,
    icon: '/static/icons/icon-192.png',
    badge: '/static/icons/badge-96.png',
    tag: `skillpath-${note.kind}`, // one per kind: a new one replaces the unread one
    data: { url: note.url, kind: note.kind },
  });
}

async function openFromNotification(event) {
  event.notification.close();
  const url = new URL(appUrl(event.notification.data?.url), self.location.origin).href;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
  if (open) {
    // Always navigated: a client's url can lag behind the page's own hash changes.
    const shown = (await open.navigate(url)) ?? open;
    // Focusing needs the tap itself; should the browser refuse it, the page is there anyway.
    await shown.focus().catch(() => {});
    return;
  }
  await self.clients.openWindow(url);
}

/** The browser renewed the subscription: tell the server, which forgets the old endpoint. */
async function renewSubscription(event) {
  const old = event.oldSubscription;
  const fresh = event.newSubscription
    ?? (old ? await self.registration.pushManager.subscribe(old.options) : null);
  if (!fresh) return;
  const who = await fetch('/api/v1/auth/csrf', { credentials: 'same-origin', cache: 'no-store' });
  if (!who.ok) return;
  const { csrf_token: token } = await who.json();
  await fetch('/api/v1/push/subscriptions', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': token },
    body: JSON.stringify({ ...fresh.toJSON(), replaces: old?.endpoint ?? null }),
  });
}

self.addEventListener('install', (event) => event.waitUntil(precacheShell()));
self.addEventListener('activate', (event) => event.waitUntil(deleteStaleCaches()));
self.addEventListener('fetch', onFetch);
self.addEventListener('sync', (event) => {
  if (event.tag === 'skillpath-outbox') event.waitUntil(askPagesToSync());
});
self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
  if (event.data?.type === 'cache-content') event.waitUntil(warmContent(event.data.urls ?? []));
  if (event.data?.type === 'keep-page') event.waitUntil(keepOwnPage(String(event.data.path ?? '')));
});
self.addEventListener('push', (event) => event.waitUntil(showPush(event)));
self.addEventListener('notificationclick', (event) => event.waitUntil(openFromNotification(event)));
self.addEventListener('pushsubscriptionchange', (event) => event.waitUntil(renewSubscription(event)));
