// Reminders: the learner's settings (when, which kinds, quiet hours; reminder-settings.js),
// and this phone: asked for only when the learner taps "Remind me" (never on load,
// never again after a refusal), with the Home Screen steps where iOS needs them first, and
// the list of phones that get reminders, each with a way to stop them.
// Subscribing needs the network (the browser's push service does too): it is a request,
// not an outbox event; the list comes from the bundle and is refreshed after each change.

import { ApiError, send } from '../data/http.js';
import { refreshBootstrap } from '../data/sync.js';
import { addWords, formatDate, t } from '../i18n.js';
import words from '../i18n/en-reminders.js';
import { esc } from '../ui/html.js';
import * as settings from './reminder-settings.js';

addWords('reminders', words);

let said = ''; // the outcome of the last action, said once under the button

const supported = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
const isIos = () => /iPhone|iPad|iPod/.test(navigator.userAgent)
  || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
const standalone = () => window.matchMedia?.('(display-mode: standalone)').matches || navigator.standalone === true;

/** The base64url VAPID key as the bytes ``applicationServerKey`` takes. */
function keyBytes(base64url) {
  const text = atob(base64url.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(base64url.length / 4) * 4, '='));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function iosSteps() {
  return `<p>${esc(t('reminders.ios_home_screen'))}</p>
    <ol class="steps"><li>${esc(t('reminders.ios_step_share'))}</li><li>${esc(t('reminders.ios_step_add'))}</li>
    <li>${esc(t('reminders.ios_step_open'))}</li></ol>`;
}

/** What stands between this phone and reminders, as a paragraph; '' when nothing does. */
function obstacle(push) {
  if (!supported()) return isIos() && !standalone() ? iosSteps() : `<p>${esc(t('reminders.unsupported'))}</p>`;
  if (!push?.public_key) return `<p>${esc(t('reminders.not_set_up'))}</p>`;
  if (Notification.permission === 'denied') return `<p class="notice">${esc(t('reminders.blocked'))}</p>`;
  return '';
}

function devices(push) {
  const rows = push?.devices ?? [];
  if (!rows.length) return `<p>${esc(t('reminders.no_devices'))}</p>`;
  return `<ul class="list">${rows.map((d) => {
    const name = d.session_id === push.this_session ? t('reminders.this_device', { device: d.device }) : d.device;
    const when = d.last_sent_at ? t('reminders.last_sent', { date: formatDate(d.last_sent_at) })
      : t('reminders.since', { date: formatDate(d.created_at) });
    return `<li class="row"><div><p class="row-title">${esc(name)}</p><p class="hint">${esc(when)}</p></div>
      <button type="button" class="button" data-remove="${esc(String(d.id))}" aria-label="${esc(t('reminders.remove', { device: d.device }))}">${esc(t('reminders.remove', { device: d.device }))}</button></li>`;
  }).join('')}</ul>`;
}

export function render(state) {
  const push = state.bundle.push ?? null;
  const blocked = obstacle(push);
  const here = push?.devices?.some((d) => d.session_id === push.this_session);
  const action = blocked || here ? (here && !said ? `<p>${esc(t('reminders.on_here'))}</p>` : '')
    : `<p class="hint">${esc(t('reminders.asking'))}</p>
       <p><button type="button" class="button primary" id="remind-me">${esc(t('reminders.turn_on'))}</button></p>`;
  return `<h1 tabindex="-1">${esc(t('reminders.title'))}</h1>
    <p>${esc(t('reminders.intro'))}</p>
    ${blocked}${action}
    <p class="hint" id="reminders-said" role="status">${esc(said)}</p>
    ${settings.render(state)}
    <h2>${esc(t('reminders.devices'))}</h2>
    ${devices(push)}
    <p><a class="standalone" href="#/practice">${esc(t('reminders.back'))}</a></p>`;
}

function reason(error) {
  return error instanceof ApiError ? error.message : String(error?.message ?? error);
}

async function turnOn(push) {
  if (!navigator.onLine) return t('reminders.offline');
  // Asked here, on the learner's tap, and only while the browser has not been answered.
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return permission === 'denied' ? t('reminders.blocked') : t('reminders.refused');
  const registration = await navigator.serviceWorker.ready;
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && subscription.options?.applicationServerKey) {
    const held = new Uint8Array(subscription.options.applicationServerKey);
    const wanted = keyBytes(push.public_key);
    if (held.length !== wanted.length || held.some((b, i) => b !== wanted[i])) {
      await subscription.unsubscribe(); // made with another server key: it would never work
      subscription = null;
    }
  }
  subscription ??= await registration.pushManager.subscribe({
    userVisibleOnly: true, applicationServerKey: keyBytes(push.public_key) });
  await send('/api/v1/push/subscriptions', subscription.toJSON());
  return t('reminders.on_here');
}

async function remove(id, push) {
  if (!navigator.onLine) return t('reminders.offline');
  await send(`/api/v1/push/subscriptions/${encodeURIComponent(id)}`, {}, 'DELETE');
  const mine = push.devices.find((d) => String(d.id) === id && d.session_id === push.this_session);
  if (mine) {
    const registration = await navigator.serviceWorker.ready;
    await (await registration.pushManager.getSubscription())?.unsubscribe();
  }
  return t('reminders.removed');
}

export function mount(root, { state, redraw, signal }) {
  settings.mount(root, { state, redraw, signal });
  const push = state.bundle.push ?? null;
  const act = async (work) => {
    try {
      said = await work();
    } catch (error) {
      said = t('reminders.failed', { reason: reason(error) });
    }
    try { await refreshBootstrap(); } catch { /* offline: the list is redrawn on the next sync */ }
    await redraw();
    root.querySelector('#reminders-said')?.focus?.();
  };
  root.querySelector('#remind-me')?.addEventListener('click', () => act(() => turnOn(push)), { signal });
  for (const button of root.querySelectorAll('[data-remove]')) {
    button.addEventListener('click', () => act(() => remove(button.dataset.remove, push)), { signal });
  }
}

export function unmount() {
  said = '';
}
