// An item of the learner's own (a book, a video, a course elsewhere, shadowing a
// colleague): planned like any other, kept on the phone until it can be sent.

import { record } from '../data/outbox.js';
import { addWords, t } from '../i18n.js';
import words from '../i18n/en-plan.js';
import { competencies } from '../state.js';
import { langOf } from '../ui/content.js';
import { esc } from '../ui/html.js';

addWords('plan', words);

/** The form's fields for an item someone writes themselves (also used to suggest one). */
export function fields(options, prefix = 'own') {
  const formats = options.formats.map((f) => `<option value="${esc(f)}">${esc(t(`format.${f}`))}</option>`).join('');
  return `<label for="${prefix}-title">${esc(t('own.title'))}</label>
    <input id="${prefix}-title" name="title" maxlength="${options.max_title}" required>
    <label for="${prefix}-format">${esc(t('own.format'))}</label>
    <select id="${prefix}-format" name="format" required>${formats}</select>
    <label for="${prefix}-minutes">${esc(t('own.minutes'))}</label>
    <input id="${prefix}-minutes" name="minutes" type="number" inputmode="numeric" min="1" max="${options.max_minutes}" step="1" required>
    <label for="${prefix}-url">${esc(t('own.url'))} <span class="hint">${esc(t('own.optional'))}</span></label>
    <input id="${prefix}-url" name="url" type="url" inputmode="url" pattern="[Hh][Tt][Tt][Pp][Ss]?://.+" maxlength="2000" aria-describedby="${prefix}-url-hint">
    <p id="${prefix}-url-hint" class="hint">${esc(t('own.url_hint'))}</p>`;
}

/** What those fields hold, as the event's data wants it. */
export function described(form) {
  const data = new FormData(form);
  return { title: String(data.get('title')).trim(), format: data.get('format'),
    minutes: Number(data.get('minutes')), url: String(data.get('url') ?? '').trim() || null };
}

export function render(state) {
  const plan = state.bundle.plan;
  if (!plan) return null;
  const choices = competencies(state).map((c) => `<option value="${esc(c.key)}"${langOf(c.profile, c.competency, 'name')}>${esc(c.name)}</option>`).join('');
  return `<h1 tabindex="-1">${esc(t('own.heading'))}</h1>
    <p>${esc(t('own.intro'))}</p>
    <form id="own-item" class="stack">
      <label for="own-competency">${esc(t('own.competency'))}</label>
      <select id="own-competency" name="competency" required>${choices}</select>
      ${fields(plan.options)}
      <button type="submit" class="button primary">${esc(t('own.add'))}</button>
    </form>
    <p><a class="standalone" href="#/plan">${esc(t('own.back'))}</a></p>`;
}

export function mount(root, { signal }) {
  const form = root.querySelector('#own-item');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const competency = new FormData(form).get('competency');
    await record('plan.item.added', { id: crypto.randomUUID(), ...described(form), competency });
    location.hash = '#/plan';
  }, { signal });
}
