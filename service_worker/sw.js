// Skillpath service worker: the shell from the cache, versioned content cache-first,
// the bootstrap bundle network-first, an offline page for the rest.
// A new version waits and is announced to the page; it never reloads by itself.

const VERSION = 'v1';
const PREFIX = 'skillpath-';
const SHELL_CACHE = `${PREFIX}shell-${VERSION}`;
const CONTENT_CACHE = `${PREFIX}content`; // versioned URLs never change: kept across versions
const DATA_CACHE = `${PREFIX}data-${VERSION}`;

const SHELL = [
  '/app',
  '/offline',
  '/manifest.webmanifest',
  '/static/css/app.css',
  '/static/icons/icon.svg',
  '/static/icons/icon-192.png',
  '/static/icons/icon-512.png',
  '/static/js/app.js',
  '/static/js/idb.js',
  '/static/js/outbox.js',
  '/static/js/sync.js',
  '/static/js/http.js',
  '/static/js/register-sw.js',
  '/static/js/install.js',
  '/static/js/views/assess.js',
  '/static/js/views/results.js',
  '/static/js/views/chart.js',
  '/static/js/views/html.js',
];

async function precacheShell() {
  const cache = await caches.open(SHELL_CACHE);
  await cache.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' })));
}

async function deleteStaleCaches() {
  const keep = new Set([SHELL_CACHE, CONTENT_CACHE, DATA_CACHE]);
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
  try {
    return await fetch(request);
  } catch (error) {
    if (request.mode === 'navigate') return (await cache.match('/offline')) ?? Response.error();
    throw error;
  }
}

function onFetch(event) {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
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

async function askPagesToSync() {
  const pages = await self.clients.matchAll({ type: 'window' });
  for (const page of pages) page.postMessage({ type: 'sync-now' });
}

self.addEventListener('install', (event) => event.waitUntil(precacheShell()));
self.addEventListener('activate', (event) => event.waitUntil(deleteStaleCaches()));
self.addEventListener('fetch', onFetch);
self.addEventListener('sync', (event) => {
  if (event.tag === 'skillpath-outbox') event.waitUntil(askPagesToSync());
});
self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
});
