// Today's practice: what is left today (or what was done), the week's goal without
// streaks, mastery beside the learner's own rating (theirs alone), and the minutes a day
// and days a week they choose. The lessons themselves play in practice-play.js.

import { readPosition } from '../data/position.js';
import { record } from '../data/outbox.js';
import { addWords, formatDay, formatMegabytes, t } from '../i18n.js';
import words from '../i18n/en-practice.js';
import { extraRound, practiceToday } from '../practice-day.js';
import { settingsData } from '../state.js';
import { esc } from '../ui/html.js';

addWords('practice', words);

const SHORT_OF_SPACE = 20e6; // bytes free under which the phone may not keep the days ahead
const PERSIST_ASKED = 'skillpath-storage-persist-asked';

/** "4 minutes · 6 questions" */
const size = ({ minutes, questions }) => t('practice.size', {
  time: t('practice.minutes', { count: minutes }), questions: t('practice.questions', { count: questions }) });

function today(state) {
  const day = practiceToday(state);
  if (!day.known) return `<p>${esc(t('practice.not_on_phone'))}</p>`;
  const next = day.next ? `<p class="meta">${esc(t('practice.next', { day: formatDay(day.next.day), size: size(day.next) }))}</p>` : '';
  if (day.entries.length) {
    const begun = day.done.answered > 0 || readPosition(state.bundle.person.id, day.day)?.entry;
    const so_far = day.done.answered ? `<p class="meta">${esc(t('practice.so_far', { count: day.done.answered }))}</p>` : '';
    return `<p class="practice-size">${esc(size(day.left))}</p>${so_far}
      <p><a class="button primary" id="practice-start" href="#/practice/play">${esc(t(begun ? 'practice.continue' : 'practice.start'))}</a></p>`;
  }
  if (day.done.answered || day.done.minutes) {
    return `<p class="practice-done">${esc(t('practice.done_today', { count: day.done.answered }))}</p>
      <p>${esc(t('practice.done_minutes', { count: day.done.minutes }))}</p>${next}`;
  }
  const extra = extraRound(state).length
    ? `<p class="hint">${esc(t('practice.extra_hint'))}</p>
      <p><a class="button" href="#/practice/extra">${esc(t('practice.extra'))}</a></p>` : '';
  return `<p class="practice-done">${esc(t('practice.nothing_due'))}</p>${next}${extra}`;
}

function week(state) {
  const w = practiceToday(state).week;
  const line = t('practice.week', { count: w.goal, days: w.days_practised });
  return `<h2>${esc(t('practice.this_week'))}</h2>
    <p class="week-goal"><meter min="0" max="${w.goal}" value="${Math.min(w.days_practised, w.goal)}" aria-hidden="true"></meter>
    <span>${esc(line)}</span></p>${w.met ? `<p>${esc(t('practice.week_met'))}</p>` : ''}`;
}

function mastery(state) {
  const rows = state.practice.mastery;
  if (!rows.length) return '';
  const role = state.bundle.role;
  const items = rows.map((m) => {
    const practised = m.value === null || m.value === undefined ? t('practice.mastery_unknown')
      : t('practice.mastery_value', { percent: Math.round(m.value * 100), level: m.level_to });
    const rated = m.rating ? t('practice.your_rating', { level: m.rating }) : t('practice.not_rated');
    const again = m.disagreement ? `<p><a class="standalone" href="#/rate/${esc(encodeURIComponent(role))}/${esc(encodeURIComponent(m.competency_key))}">${esc(t('practice.look_again', { name: m.name }))}</a></p>` : '';
    return `<li class="row mastery"><div><p class="row-title">${esc(m.name)}</p>
      <p class="meta">${esc(practised)}</p><p class="meta">${esc(rated)}</p>${again}</div></li>`;
  }).join('');
  return `<h2>${esc(t('practice.mastery'))}</h2><p class="privacy">${esc(t('practice.mastery_private'))}</p>
    <ul class="list">${items}</ul>`;
}

let settingsOpen = false;
let saved = false; // the settings were just saved: said once, under the button

function settings(state) {
  const s = state.practice.settings;
  const goals = [1, 2, 3, 4, 5, 6, 7].map((n) => `<option value="${n}"${n === s.weekly_goal ? ' selected' : ''}>${esc(t('practice.days', { count: n }))}</option>`).join('');
  return `<details class="settings"${settingsOpen ? ' open' : ''}><summary>${esc(t('practice.settings'))}</summary>
    <form id="practice-settings" class="stack">
      <label for="daily-minutes">${esc(t('practice.daily_minutes'))}</label>
      <input id="daily-minutes" name="daily_minutes" type="number" inputmode="numeric" min="1" max="60" step="1" value="${s.daily_minutes}" required>
      <label for="weekly-goal">${esc(t('practice.weekly_goal'))}</label>
      <select id="weekly-goal" name="weekly_goal">${goals}</select>
      <button type="submit" class="button">${esc(t('practice.save_settings'))}</button>
      <p class="hint" id="settings-saved" role="status">${saved ? esc(t('practice.settings_saved')) : ''}</p>
    </form></details>`;
}

export function render(state) {
  const title = `<h1 tabindex="-1">${esc(t('practice.title'))}</h1>`;
  const reminders = `<p><a class="standalone" href="#/reminders">${esc(t('practice.reminders'))}</a></p>`;
  if (!state.practice) return `${title}<p>${esc(t('practice.none'))}</p>${reminders}`;
  return `${title}${today(state)}
    <p class="hint">${esc(t('practice.offline_ready'))}</p>
    <p class="notice" id="storage-short" role="status" hidden></p>
    ${week(state)}${mastery(state)}${state.plan ? settings(state) : ''}${reminders}`;
}

/** Ask once that the phone keep what the app stored; say plainly when space runs short. */
async function checkStorage(root, signal) {
  const storage = navigator.storage;
  if (!navigator.onLine || !storage?.estimate) return;
  try {
    if (storage.persist && !localStorage.getItem(PERSIST_ASKED)) {
      localStorage.setItem(PERSIST_ASKED, '1');
      await storage.persist();
    }
    const { quota, usage } = await storage.estimate();
    const free = (quota ?? 0) - (usage ?? 0);
    const box = root.querySelector('#storage-short');
    if (signal.aborted || !box || !quota || free >= SHORT_OF_SPACE) return;
    box.textContent = t('practice.short_of_space', { free: formatMegabytes(Math.max(0, free)) });
    box.hidden = false;
  } catch { /* a browser without these answers nothing: nothing to say */ }
}

export function mount(root, { state, redraw, signal }) {
  saved = false;
  checkStorage(root, signal);
  root.querySelector('details.settings')?.addEventListener('toggle', (event) => { settingsOpen = event.target.open; }, { signal });
  const form = root.querySelector('#practice-settings');
  form?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    await record('plan.settings.changed', settingsData(state.plan, {
      daily_minutes: Number(data.get('daily_minutes')), weekly_goal: Number(data.get('weekly_goal')) }));
    saved = true;
    await redraw();
    root.querySelector('#daily-minutes')?.focus();
  }, { signal });
}
