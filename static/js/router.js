// The route table: each hash route names its view and the navigation tab it belongs to.
// A navigation always draws the view and opens it at its title; a background update
// (a sync finished, a bundle arrived) redraws only a view the learner is not editing.

import { setLocale } from './i18n.js';
import { loadState, profileFor } from './state.js';
import * as assess from './views/assess.js';

const overview = async () => assess;
const routes = [
  { path: 'plan/add', nav: 'plan', load: () => import('./views/own-item.js') },
  { path: 'plan/suggest', nav: 'plan', load: () => import('./views/suggest.js') },
  { path: 'plan', nav: 'plan', load: () => import('./views/plan.js') },
  { path: 'mentoring', nav: 'plan', load: () => import('./views/mentoring.js') },
  { path: 'lesson/:key/:revision', nav: 'plan', load: () => import('./views/lesson.js') },
  { path: 'rate/:role/:key', nav: 'assess', load: () => import('./views/rate.js') },
  { path: 'review/:role', nav: 'assess', load: () => import('./views/review.js') },
  { path: 'results', nav: 'assess', load: () => import('./views/results.js') },
  { path: 'feedback/:role/:key?', nav: 'assess', load: () => import('./views/feedback.js') },
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
let dirty = false;

/** Mark the destination of `route` as the current page: links carry data-nav, the table says which. */
function markNav(route) {
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === route.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function showWho(person) {
  const who = document.getElementById('who');
  if (!who) return;
  who.replaceChildren(...[['who-name', person.display_name], ['who-role', person.role.name]].map(([cls, text]) => {
    const span = document.createElement('span');
    span.className = cls;
    span.textContent = text;
    return span;
  }));
}

async function draw(navigation, force = navigation) {
  const seq = ++drawing;
  const { route, params } = match(location.hash);
  markNav(route);
  const [view, state] = await Promise.all([route.load(), loadState()]);
  if (seq !== drawing) return; // a later draw is under way
  if (!force && (dirty || editing())) {
    root.dataset.stale = 'true'; // the learner chose something while this was loading: keep it
    return;
  }
  let html;
  if (!state.bundle) html = assess.empty(navigator.onLine);
  else {
    setLocale(state.bundle.person);
    showWho(state.bundle.person);
    html = profileFor(state, params.role) ? view.render(state, params) : assess.noProfile();
  }
  if (html === null) { location.replace('#/'); return; }
  current?.unmount?.();
  root.innerHTML = html;
  dirty = false;
  delete root.dataset.stale;
  current = state.bundle ? view : null;
  current?.mount?.(root, { state, params });
  if (navigation) {
    window.scrollTo(0, 0);
    root.querySelector('h1')?.focus({ preventScroll: true });
  }
  if (state.bundle && !root.dataset.ready) {
    root.dataset.ready = '1'; // a real view is on screen: late extras may appear below it
    document.dispatchEvent(new Event('app-ready'));
  }
}

const editing = () => root.contains(document.activeElement)
  && document.activeElement.matches('input, textarea, select');

/**
 * Redraw after a background change, unless the learner is choosing or typing: then
 * the view stays as it is (marked stale) and the next navigation draws it afresh.
 */
export function refresh() {
  if (dirty || editing()) {
    root.dataset.stale = 'true';
    return Promise.resolve();
  }
  return draw(false);
}

/** Draw the current view again after a deliberate save, even while a form was touched. */
export const redraw = () => draw(false, true);

export function start(main) {
  root = main;
  const touched = () => { dirty = true; };
  root.addEventListener('input', touched);
  root.addEventListener('change', touched);
  window.addEventListener('hashchange', () => draw(true));
  return draw(false);
}
