// One question: read the level descriptions, pick the one that sounds like you.

import { record } from '../data/outbox.js';
import { addWords, formatDate, t } from '../i18n.js';
import words from '../i18n/en-assess.js';
import { historyOf, limits, loadState, profileFor, ratingOf, toAsk } from '../state.js';
import { langOf, originalMark, ROLE, withRole } from '../ui/content.js';
import { esc } from '../ui/html.js';
import { privacy } from './assess.js';

addWords('assess', words);

function earlier(history) {
  if (!history.length) return '';
  const items = history.map((r) => `<li>${esc(t(r.note ? 'rate.earlier_note' : 'rate.earlier',
    { date: formatDate(r.occurred_at), level: r.level, note: r.note }))}</li>`).join('');
  return `<details class="history"><summary>${esc(t('rate.earlier_title'))}</summary><ol>${items}</ol></details>`;
}

export function render(state, params) {
  const profile = profileFor(state, params.role);
  const index = profile.competencies.findIndex((c) => c.key === params.key);
  if (index < 0) return null;
  const competency = profile.competencies[index];
  const mine = ratingOf(state, profile, competency.key);
  const { level_min: min, max_note: maxNote } = limits(state);
  const options = competency.levels.map((text, i) => {
    const level = min + i;
    return `<label class="descriptor"><input type="radio" name="level" value="${level}" ${mine?.level === level ? 'checked' : ''} required>
      <span><span class="level-n">${esc(t('rate.level', { level }))}</span><span${langOf(profile, competency, `level ${i + 1}`)}>${esc(text)}</span></span></label>`;
  }).join('');
  const slug = esc(profile.role.slug);
  return `
    <p class="meta">${withRole(t('rate.position', { index: index + 1, total: profile.competencies.length, role: ROLE }), profile.role)}</p>
    <h1 tabindex="-1"${langOf(profile, competency, 'name')}>${esc(competency.name)}</h1>
    ${originalMark(competency) ? `<p>${originalMark(competency)}</p>` : ''}
    <p${langOf(profile, competency, 'description')}>${esc(competency.description)}</p>
    ${privacy()}
    <form id="rate-form" class="stack">
      <fieldset class="descriptors"><legend>${esc(t('rate.question'))}</legend>${options}</fieldset>
      <label for="note">${esc(t('rate.note'))} <span class="hint">${esc(t('rate.optional'))}</span></label>
      <textarea id="note" name="note" maxlength="${maxNote}" rows="3">${esc(mine?.note ?? '')}</textarea>
      <p class="field-error" id="rate-error" hidden>${esc(t('rate.choose_error'))}</p>
      <button type="submit" class="button primary">${esc(t('rate.save'))}</button>
    </form>
    ${earlier(historyOf(state, profile, competency.key))}
    <p><a class="standalone" href="#/assess/${slug}">${esc(t('rate.stop'))}</a></p>
    <p><a class="standalone" href="#/feedback/${slug}/${esc(competency.key)}">${esc(t('rate.feedback'))}</a></p>`;
}

export function mount(root, { state, params, signal }) {
  const profile = profileFor(state, params.role);
  const form = root.querySelector('#rate-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const level = Number(new FormData(form).get('level'));
    if (!level) { root.querySelector('#rate-error').hidden = false; return; }
    const note = form.note.value.trim() || null;
    await record('rating.set', { role: profile.role.slug, competency: params.key, version: profile.number, level, note });
    const after = await loadState();
    const next = toAsk(after, profile)[0];
    location.hash = next ? `#/rate/${profile.role.slug}/${next.key}` : `#/review/${profile.role.slug}`;
  }, { signal });
}
