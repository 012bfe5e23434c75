// Review before submitting: every answer with its note; tap a row to change it.

import { record } from '../data/outbox.js';
import { addWords, formatDateTime, t } from '../i18n.js';
import words from '../i18n/en-assess.js';
import { limits, profileFor, ratingOf, submission } from '../state.js';
import { langOf, originalMark, roleLang } from '../ui/content.js';
import { esc } from '../ui/html.js';
import { privacy } from './assess.js';

addWords('assess', words);

function row(state, profile, c) {
  const mine = ratingOf(state, profile, c.key);
  const index = mine ? mine.level - limits(state).level_min : 0;
  const answer = mine
    ? `<span class="hint"${langOf(profile, c, `level ${index + 1}`)}>${esc(t('review.level', { level: mine.level, text: c.levels[index] }))}</span>
       ${mine.note ? `<span class="note">${esc(t('review.note', { note: mine.note }))}</span>` : ''}`
    : `<span class="hint">${esc(t('review.not_rated'))}</span>`;
  return `<li><a class="row row-link" href="#/rate/${esc(profile.role.slug)}/${esc(c.key)}">
      <span class="row-title"><span${langOf(profile, c, 'name')}>${esc(c.name)}</span>${originalMark(c)}</span>${answer}
      <span class="row-action">${esc(t(mine ? 'review.change' : 'review.choose'))}</span></a></li>`;
}

function action(state, profile) {
  const missing = profile.competencies.filter((c) => !ratingOf(state, profile, c.key)).length;
  if (missing) return `<p class="notice">${esc(t('review.missing', { count: missing }))}</p>`;
  const { last, current } = submission(state, profile);
  if (current) {
    return `<p class="notice">${esc(t('review.nothing_changed', { when: formatDateTime(last.occurred_at) }))}</p>`;
  }
  return `<button type="button" id="submit-assessment" class="button primary">${esc(t(last ? 'review.submit_again' : 'review.submit'))}</button>`;
}

export function render(state, params) {
  const profile = profileFor(state, params.role);
  return `
    <h1 tabindex="-1">${esc(t('review.title'))}</h1>
    <p class="meta"${roleLang(profile.role)}>${esc(profile.role.name)}</p>
    ${privacy()}
    <ul class="list">${profile.competencies.map((c) => row(state, profile, c)).join('')}</ul>
    ${action(state, profile)}`;
}

export function mount(root, { state, params, signal }) {
  const profile = profileFor(state, params.role);
  root.querySelector('#submit-assessment')?.addEventListener('click', async () => {
    await record('assessment.submitted', { role: profile.role.slug, version: profile.number });
    location.hash = '#/results';
  }, { signal });
}
