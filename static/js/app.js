// The offline-first app: it renders from IndexedDB, always; the network only refreshes it.

import { get, removeMany } from './idb.js';
import { onWrite, pending, record } from './outbox.js';
import { describe, onStatus, startSync, syncSoon } from './sync.js';
import * as assess from './views/assess.js';
import { esc } from './views/html.js';
import { results } from './views/results.js';

const main = document.getElementById('app');
const statusBar = document.getElementById('sync-status');
const who = document.getElementById('who');

/** The learner's ratings: the server's history plus what waits in the outbox, by time. */
function ratingsFrom(bundle, outbox) {
  const history = [...(bundle?.ratings?.history ?? [])];
  for (const e of outbox) {
    if (e.type === 'rating.set') history.push({ ...e.data, occurred_at: e.occurred_at, pending: true });
  }
  history.sort((a, b) => a.occurred_at.localeCompare(b.occurred_at));
  const latest = new Map();
  for (const r of history) latest.set(`${r.role}/${r.competency}`, r);
  return { history, latest };
}

async function load() {
  const bundle = await get('kv', 'bootstrap');
  const outbox = await pending();
  return { bundle, outbox, ...ratingsFrom(bundle, outbox) };
}

function profilesOf(bundle) {
  const order = [bundle.role, bundle.future_role].filter(Boolean);
  return order.map((slug) => bundle.profiles[slug]).filter(Boolean);
}

function markNav() {
  const results = location.hash.startsWith('#/results');
  for (const link of document.querySelectorAll('nav.tabs a')) {
    const here = link.getAttribute('href') === (results ? '/app#/results' : '/app');
    if (here) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

async function render() {
  markNav();
  await draw();
  if (main.dataset.ready || !(await get('kv', 'bootstrap'))) return;
  main.dataset.ready = '1'; // a real view is on screen: late extras may appear below it
  document.dispatchEvent(new Event('app-ready'));
}

async function draw() {
  const state = await load();
  const { bundle } = state;
  if (!bundle) {
    main.innerHTML = `<h1>Your self-assessment</h1>
      <p>${navigator.onLine ? 'Loading…' : 'This phone has not loaded your profile yet. Connect once to the internet, then it works without signal.'}</p>
      <p><a href="/signin">Sign in</a></p>`;
    return;
  }
  who.innerHTML = `<span class="who-name">${esc(bundle.person.display_name)}</span> <span class="who-role">${esc(bundle.person.role.name)}</span>`;
  const [route, role, key] = location.hash.replace(/^#\/?/, '').split('/');
  const profiles = profilesOf(bundle);
  const profile = profiles.find((p) => p.role.slug === role) ?? profiles[0];
  if (!profile) {
    main.innerHTML = '<h1>Your self-assessment</h1><p>Your role has no Success Profile yet.</p>';
    return;
  }
  const rerate = bundle.rerate?.[profile.role.slug] ?? [];
  if (route === 'rate') return showRate(state, profile, key, rerate);
  if (route === 'review') return showReview(state, profile);
  if (route === 'results') {
    main.innerHTML = results({ profiles, latest: state.latest, history: state.history });
    return;
  }
  if (route === 'feedback') return showFeedback(profile, key);
  const submitted = state.outbox.some((e) => e.type === 'assessment.submitted');
  const others = profiles.filter((p) => p !== profile);
  main.innerHTML = assess.overview({ profile, latest: state.latest, rerate, submitted, others });
}

function showRate(state, profile, key, rerate) {
  const index = profile.competencies.findIndex((c) => c.key === key);
  if (index < 0) { location.hash = '#/'; return; }
  const competency = profile.competencies[index];
  const mine = state.latest.get(`${profile.role.slug}/${key}`);
  const history = state.history.filter((r) => r.role === profile.role.slug && r.competency === key);
  main.innerHTML = assess.rate({ profile, competency, mine, history,
    position: { index: index + 1, total: profile.competencies.length } });
  const form = document.getElementById('rate-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const level = Number(new FormData(form).get('level'));
    if (!level) { document.getElementById('rate-error').hidden = false; return; }
    const note = form.note.value.trim() || null;
    await record('rating.set', { role: profile.role.slug, competency: key, version: profile.number, level, note });
    const after = await load();
    const next = assess.toAsk(profile, after.latest, rerate)[0];
    location.hash = next ? `#/rate/${profile.role.slug}/${next.key}` : `#/review/${profile.role.slug}`;
  });
}

function showReview(state, profile) {
  main.innerHTML = assess.review({ profile, latest: state.latest });
  document.getElementById('submit-assessment')?.addEventListener('click', async () => {
    await record('assessment.submitted', { role: profile.role.slug, version: profile.number });
    location.hash = '#/results';
  });
}

function showFeedback(profile, key) {
  const competency = profile.competencies.find((c) => c.key === key) ?? null;
  main.innerHTML = assess.feedbackForm({ profile, competency });
  const form = document.getElementById('feedback-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    await record('feedback.created', { role: profile.role.slug, competency: competency?.key ?? null,
      kind: data.get('kind'), text: String(data.get('text')).trim() });
    history.back();
  });
}

function showStatus({ waiting, refused, online, problem }) {
  let text;
  let tone = 'ok';
  if (refused.length) {
    text = `${refused.length} answer${refused.length > 1 ? 's' : ''} could not be saved: ${refused[0].message}`;
    tone = 'error';
    statusBar.dataset.tone = tone;
    statusBar.innerHTML = `${esc(text)} Answer it again if it still matters; the app team keeps a copy to fix the cause.
      <button type="button" class="button small" id="dismiss-refused">OK</button>`;
    document.getElementById('dismiss-refused').addEventListener('click', async () => {
      await removeMany('refused', refused.map((r) => r.id));
      showStatus(await describe());
    });
    return;
  } else if (problem === 'signin') {
    text = `Sign in again to save ${waiting || 'your'} answer${waiting === 1 ? '' : 's'}. They are kept on this phone.`;
    tone = 'warn';
  } else if (!online || problem === 'offline') {
    text = 'Offline — your answers are kept on this phone';
    tone = 'warn';
  } else if (waiting) {
    text = `${waiting} answer${waiting > 1 ? 's' : ''} waiting to sync`
      + (problem === 'server' ? ': Skillpath did not answer, trying again soon' : '');
    tone = 'warn';
  } else {
    text = 'All saved';
  }
  statusBar.dataset.tone = tone;
  statusBar.innerHTML = problem === 'signin' ? `${esc(text)} <a href="/signin?next=/app">Sign in</a>` : esc(text);
}

let lastWaiting = null;
onStatus((status) => {
  showStatus(status);
  // The outbox shrank (sent, or refused): what the view shows may have changed.
  if (lastWaiting !== null && status.waiting !== lastWaiting) render();
  lastWaiting = status.waiting;
});
onWrite(() => { syncSoon(); render(); });
window.addEventListener('hashchange', render);
render().then(() => describe().then(showStatus));
startSync(render);
