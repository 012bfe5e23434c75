// The route table: each hash route names its view and the navigation tab it belongs to.
// A navigation always draws the view and opens it at its title; a background update
// (a sync finished, a bundle arrived) redraws the view around what the learner is editing:
// the form they type in or changed stays as it is (value, focus), the rest is drawn anew.
// Views get `redraw` (and a `signal` that ends their listeners) through mount, so no view
// imports this module.

import { onLanguage, setLocale, t } from './i18n.js';
import { loadState, profileFor } from './state.js';
import * as assess from './views/assess.js';

const overview = async () => assess;
const routes = [
  { path: 'practice/:mode', nav: 'practice', load: () => import('./views/practice-play.js') },
  { path: 'practice', nav: 'practice', load: () => import('./views/practice.js') },
  { path: 'reminders/settings', nav: 'practice', load: () => import('./views/reminder-settings.js').then((m) => ({ render: m.page, mount: m.mount })) },
  { path: 'reminders', nav: 'practice', load: () => import('./views/reminders.js') },
  { path: 'plan/add', nav: 'plan', load: () => import('./views/own-item.js') },
  { path: 'plan/suggest', nav: 'plan', load: () => import('./views/suggest.js') },
  { path: 'plan', nav: 'plan', load: () => import('./views/plan.js') },
  { path: 'mentoring', nav: 'plan', load: () => import('./views/mentoring.js') },
  { path: 'lesson/:key/:revision', nav: 'plan', load: () => import('./views/lesson.js') },
  { path: 'rate/:role/:key', nav: 'assess', load: () => import('./views/rate.js') },
  { path: 'review/:role', nav: 'assess', load: () => import('./views/review.js') },
  { path: 'results', nav: 'assess', load: () => import('./views/results.js') },
  { path: 'feedback/:role/:key?', nav: 'assess', load: () => import('./views/feedback.js') },
  { path: 'privacy', nav: 'assess', load: () => import('./views/privacy.js') },
  { path: 'language', nav: 'account', anyone: true, load: () => import('./views/language.js') },
  { path: 'assess/:role', nav: 'assess', load: overview },
  { path: '', nav: 'assess', load: overview },
];

/** The route for `hash` and its parameters; an unknown hash is the overview. */
export function match(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  for (const route of routes) {
    const pattern = route.path.split('/').filter(Boolean);
    if (parts.length > pattern.length) continue;
    const params = {};
    const fits = pattern.every((seg, i) => {
      if (seg.startsWith(':')) {
        const optional = seg.endsWith('?');
        if (parts[i] === undefined) return optional;
        params[seg.slice(1, optional ? -1 : undefined)] = parts[i];
        return true;
      }
      return seg === parts[i];
    });
    if (fits) return { route, params };
  }
  return { route: routes.at(-1), params: {} };
}

let root = null;
let current = null;
let drawing = 0;
let touched = new Set(); // what the learner changed since the view was drawn: form or field
let listening = null; // ends the listeners of the mounted view
let navigating = false; // a navigation's draw is under way: whichever draw comes last ends it
let forcing = false; // a deliberate save's draw is under way: a later background draw keeps it

/** Mark the destination of `route` as the current page: links carry data-nav, the table says which. */
function markNav(route) {
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === route.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/**
 * The shell's own words (the bar, the skip link, the page's title) in the learner's
 * language: /app is kept offline as it was first fetched, maybe before sign-in in the
 * phone's language, and the learner may change language offline.
 */
function nameShell() {
  document.querySelector('nav.tabbar')?.setAttribute('aria-label', t('nav.main'));
  for (const link of document.querySelectorAll('nav.tabbar [data-nav]')) {
    const label = link.querySelector('span');
    if (label) label.textContent = t(`nav.${link.dataset.nav}`);
  }
  const skip = document.querySelector('a.skip');
  if (skip) skip.textContent = t('app.skip');
  document.title = t('app.title');
}
onLanguage(nameShell);

function showWho(person) {
  const who = document.getElementById('who');
  if (!who) return;
  who.replaceChildren(...[['who-name', person.display_name], ['who-role', person.role.name]].map(([cls, text]) => {
    const span = document.createElement('span');
    span.className = cls;
    span.textContent = text;
    if (cls === 'who-role' && (person.role.in_original ?? []).includes('name')) span.lang = 'en';
    return span;
  }));
}

/** The form (or lone field) that holds `field`: what a redraw must leave alone. */
const holder = (field) => field.closest('form') ?? field;

/** What the learner is editing in the view: the forms they changed, the one they type in. */
function inHand() {
  const active = document.activeElement;
  const found = [...touched];
  if (root.contains(active) && active.matches('input, textarea, select')) found.push(holder(active));
  const live = found.filter((el) => root.contains(el));
  return new Set(live.filter((el) => !live.some((other) => other !== el && other.contains(el))));
}

/** `el`'s place in the freshly drawn `fresh`: by its id, or by the id of a field in it. */
function twinOf(el, fresh) {
  const named = el.id ? el : el.querySelector('[id]');
  const twin = named && fresh.querySelector(`#${CSS.escape(named.id)}`);
  return (named === el ? twin : twin?.closest(el.tagName.toLowerCase())) ?? null;
}

/**
 * Pair each kept element and its ancestors (up to the root) with their places in `fresh`;
 * null when the new drawing has no such place, or puts them elsewhere or in another order.
 */
function pairUp(keep, fresh) {
  const pairs = new Map();
  for (const el of keep) {
    let [a, b] = [el, twinOf(el, fresh)];
    while (a !== root) {
      if (!b || b === fresh || a.tagName !== b.tagName || (pairs.has(a) && pairs.get(a) !== b)) return null;
      pairs.set(a, b);
      [a, b] = [a.parentNode, b.parentNode];
    }
    if (b !== fresh) return null;
  }
  const inOrder = (live) => {
    const places = [...live.childNodes].filter((n) => pairs.has(n))
      .map((n) => [...pairs.get(n).parentNode.childNodes].indexOf(pairs.get(n)));
    return places.every((p, i) => !i || p > places[i - 1]);
  };
  return [root, ...pairs.keys()].every(inOrder) ? pairs : null;
}

function sameAttributes(live, fresh) {
  for (const { name } of [...live.attributes]) if (!fresh.hasAttribute(name)) live.removeAttribute(name);
  for (const { name, value } of fresh.attributes) if (live.getAttribute(name) !== value) live.setAttribute(name, value);
}

/**
 * Make `live` show `fresh`, leaving the kept elements (and so their ancestors) in place:
 * a node that holds focus is never moved, so focus, caret and typed values stay.
 */
function graft(live, fresh, pairs, keep) {
  for (const node of [...live.childNodes]) if (!pairs.has(node)) node.remove();
  const twins = new Map([...live.childNodes].map((node) => [pairs.get(node), node]));
  let next = live.firstChild;
  for (const node of [...fresh.childNodes]) {
    const mine = twins.get(node);
    if (!mine) { live.insertBefore(node, next); continue; }
    next = mine.nextSibling;
    if (!keep.has(mine)) {
      sameAttributes(mine, node);
      graft(mine, node, pairs, keep);
    }
  }
}

/** Draw `html` around what the learner is editing; false when it cannot be done safely. */
function drawAround(html, keep) {
  const fresh = document.createElement('div');
  fresh.innerHTML = html;
  const pairs = pairUp(keep, fresh);
  if (!pairs) return false;
  const active = document.activeElement;
  const top = root.contains(active) ? active.getBoundingClientRect().top : null;
  graft(root, fresh, pairs, keep);
  if (top !== null) window.scrollBy(0, active.getBoundingClientRect().top - top); // it stays under the thumb
  return true;
}

function mountView(view, state, params) {
  current?.unmount?.();
  listening?.abort();
  listening = new AbortController();
  current = state.bundle ? view : null;
  current?.mount?.(root, { state, params, redraw, signal: listening.signal });
}

async function draw(navigation, force = navigation) {
  navigating ||= navigation;
  forcing ||= force;
  const seq = ++drawing;
  const { route, params } = match(location.hash);
  markNav(route);
  const [view, state] = await Promise.all([route.load(), loadState()]);
  await setLocale(state.person); // the learner's language (a change waiting to sync included), with the view's words
  if (seq !== drawing) return; // a later draw is under way
  nameShell();
  if (navigating) [navigation, force, navigating] = [true, true, false];
  if (forcing) [force, forcing] = [true, false];
  // A view that draws itself as the learner goes (the practice player) is left alone by a
  // background change: it reads the state again when it moves on.
  if (!force && view === current && view.drawsItself) return;
  let html;
  if (!state.bundle) html = assess.empty(navigator.onLine);
  else {
    showWho(state.bundle.person);
    // A view about the person alone (`anyone`) is drawn whether or not their role has a profile.
    html = route.anyone || profileFor(state, params.role) ? view.render(state, params) : assess.noProfile();
  }
  const keep = force ? new Set() : inHand();
  if (keep.size && view === current && view.redrawnAroundEdits !== false) {
    // The learner is choosing or typing: what they hold stays, the rest is drawn anew.
    if (html === null || !drawAround(html, keep)) {
      root.dataset.stale = 'true'; // it cannot be drawn around: the next navigation draws it
      return;
    }
  } else if (keep.size) {
    root.dataset.stale = 'true'; // it draws itself as they go, or another view loaded: keep what they chose
    return;
  } else {
    if (html === null) { location.replace('#/'); return; }
    root.innerHTML = html;
    touched = new Set();
  }
  delete root.dataset.stale;
  mountView(view, state, params);
  if (navigation) {
    window.scrollTo(0, 0);
    root.querySelector('h1')?.focus({ preventScroll: true });
  }
  if (state.bundle && !root.dataset.ready) {
    root.dataset.ready = '1'; // a real view is on screen: late extras may appear below it
    document.dispatchEvent(new Event('app-ready'));
  }
}

/** Redraw after a background change (a sync finished), around what the learner is editing. */
export const refresh = () => draw(false);

/** Draw the current view again after a deliberate save, even while a form was touched. */
export const redraw = () => draw(false, true);

export function start(main) {
  root = main;
  const changed = (event) => { if (event.target !== root) touched.add(holder(event.target)); };
  root.addEventListener('input', changed);
  root.addEventListener('change', changed);
  window.addEventListener('hashchange', () => draw(true));
  return draw(false);
}
