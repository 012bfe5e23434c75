// Register the service worker; announce a new version instead of reloading under the user.

import { onLanguage, t } from './i18n.js';

onLanguage(() => {
  const bar = document.getElementById('update-ready');
  if (bar) bar.textContent = t('update.ready');
});

function announce(worker) {
  if (document.getElementById('update-ready')) return;
  const bar = document.createElement('button');
  bar.id = 'update-ready';
  bar.type = 'button';
  bar.className = 'update-ready';
  bar.textContent = t('update.ready');
  bar.addEventListener('click', () => worker.postMessage({ type: 'skip-waiting' }));
  document.body.append(bar);
}

async function register() {
  if (!('serviceWorker' in navigator)) return;
  const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  if (registration.waiting && navigator.serviceWorker.controller) announce(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => {
      if (worker.state === 'installed' && navigator.serviceWorker.controller) announce(worker);
    });
  });
  if (!navigator.serviceWorker.controller) {
    // This page came from the network, not through the worker: ask it to keep a copy
    // for offline if it is one of the person's own pages (it decides which are).
    const ready = await navigator.serviceWorker.ready;
    ready.active?.postMessage({ type: 'keep-page', path: window.location.pathname });
  }
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // Only after the user tapped "Update ready" (a first install claims silently).
    if (reloading || !document.getElementById('update-ready')) return;
    reloading = true;
    window.location.reload();
  });
}

register().catch((error) => console.warn('Service worker not registered:', error.message));
