// Feedback to a profile's authors: kept on this phone until it can be sent.

import { record } from '../data/outbox.js';
import { addWords, t } from '../i18n.js';
import words from '../i18n/en-assess.js';
import { limits, profileFor } from '../state.js';
import { ROLE, withRole } from '../ui/content.js';
import { esc } from '../ui/html.js';

addWords('assess', words);

export function render(state, params) {
  const profile = profileFor(state, params.role);
  const competency = profile.competencies.find((c) => c.key === params.key) ?? null;
  const { feedback_kinds: kinds, max_feedback: max } = limits(state);
  const choices = kinds.map((k) => `<div class="check"><input type="radio" id="kind-${esc(k)}" name="kind" value="${esc(k)}" required>
    <label for="kind-${esc(k)}">${esc(t(`feedback.kind.${k}`))}</label></div>`).join('');
  return `
    <h1 tabindex="-1">${withRole(t('feedback.title', { role: ROLE }), profile.role)}</h1>
    <p class="meta">${esc(competency ? competency.name : t('feedback.whole_profile'))}</p>
    <p>${esc(t('feedback.who_reads'))}</p>
    <form id="feedback-form" class="stack">
      <fieldset class="choices"><legend>${esc(t('feedback.what'))}</legend>${choices}</fieldset>
      <label for="fb-text">${esc(t('feedback.text'))}</label>
      <textarea id="fb-text" name="text" maxlength="${max}" rows="4" required></textarea>
      <button type="submit" class="button primary">${esc(t('feedback.send'))}</button>
    </form>`;
}

export function mount(root, { state, params, signal }) {
  const profile = profileFor(state, params.role);
  const competency = profile.competencies.find((c) => c.key === params.key) ?? null;
  const form = root.querySelector('#feedback-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    await record('feedback.created', { role: profile.role.slug, competency: competency?.key ?? null,
      kind: data.get('kind'), text: String(data.get('text')).trim() });
    history.back();
  }, { signal });
}
