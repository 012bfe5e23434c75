// The overview of the private self-assessment: progress, what the levels mean,
// whether it was submitted, and every competency as one row to tap.

import { formatDate, formatDateTime, t } from '../i18n.js';
import { changedSinceRated, limits, profileChange, profileFor, profiles, ratingOf, submission,
  toAsk } from '../state.js';
import { langOf, originalMark, ROLE, withRole } from '../ui/content.js';
import { esc } from '../ui/html.js';

/** The promise in one sentence, and the way to the whole of it (views/privacy.js). */
export const privacy = () => `<p class="privacy">${esc(t('privacy.ratings'))}
    <a class="standalone" href="#/privacy">${esc(t('privacy.title'))}</a></p>`;

/** Before the first bundle: nothing to show but how to get it. */
export function empty(online) {
  return `<h1 tabindex="-1">${esc(t('assess.title'))}</h1>
    <p>${esc(t(online ? 'app.loading' : 'app.not_loaded'))}</p>
    <p><a class="standalone" href="/signin">${esc(t('app.sign_in'))}</a></p>`;
}

export const noProfile = () =>
  `<h1 tabindex="-1">${esc(t('assess.title'))}</h1><p>${esc(t('assess.no_profile'))}</p>`;

/** What the learner can do next: start, continue, submit, or (once submitted) see that. */
function next(state, profile, ask, done) {
  const slug = esc(profile.role.slug);
  const { last, changed, current } = submission(state, profile);
  let said = '';
  if (last) {
    const when = formatDateTime(last.occurred_at);
    said = `<div class="notice submitted" role="note"><p>${esc(t('assess.submitted', { when }))}</p>
      ${last.pending ? `<p>${esc(t('assess.submitted_waiting'))}</p>` : ''}
      ${changed ? `<p>${esc(t('assess.changed_since', { count: changed }))}</p>` : ''}</div>`;
  }
  if (ask.length) {
    return `${said}<p><a class="button primary" href="#/rate/${slug}/${esc(ask[0].key)}">${esc(t(done ? 'assess.continue' : 'assess.start'))}</a></p>`;
  }
  if (!last) return `<p><a class="button primary" href="#/review/${slug}">${esc(t('assess.review_submit'))}</a></p>`;
  if (!current) return `${said}<p><a class="button primary" href="#/review/${slug}">${esc(t('assess.submit_again'))}</a></p>`;
  return `${said}<p><a class="button" href="#/review/${slug}">${esc(t('assess.change_answer'))}</a></p>`;
}

/** A profile published anew since the learner rated it: which version, when, what to redo. */
export function changedNotice(state, profile) {
  const change = profileChange(state, profile);
  if (!change) return '';
  const when = change.published_at ? formatDate(change.published_at) : '';
  return `<div class="notice profile-changed" role="note">
    <p><strong>${withRole(t('assess.profile_changed', { role: ROLE }), profile.role)}</strong></p>
    ${when ? `<p>${esc(t('assess.profile_published', { version: change.version, when }))}</p>` : ''}
    <p>${esc(t('assess.look_again', { count: change.again.length }))}</p>
    <p><a class="button primary" href="#/rate/${esc(profile.role.slug)}/${esc(change.again[0].key)}">${esc(t('assess.look_again_link', { count: change.again.length }))}</a></p></div>`;
}

function row(state, profile, c) {
  const mine = ratingOf(state, profile, c.key);
  const where = !mine ? t('assess.not_rated') : changedSinceRated(state, profile, c)
    ? t('assess.rate_again') : t('assess.your_level', { level: mine.level });
  return `<li><a class="row row-link" href="#/rate/${esc(profile.role.slug)}/${esc(c.key)}">
      <span class="row-title"><span${langOf(profile, c, 'name')}>${esc(c.name)}</span>${originalMark(c)}</span>
      <span class="hint">${esc(t('assess.row_state', { state: where, target: c.target }))}</span></a></li>`;
}

export function render(state, params) {
  const profile = profileFor(state, params.role);
  const ask = toAsk(state, profile);
  const total = profile.competencies.length;
  const done = total - ask.length;
  const { level_min: min, level_max: max } = limits(state);
  const others = profiles(state).filter((p) => p !== profile);
  return `
    <h1 tabindex="-1">${esc(t('assess.title'))}</h1>
    ${profiles(state).map((p) => changedNotice(state, p)).join('')}
    ${privacy()}
    <p class="meta">${withRole(t('assess.meta', { version: profile.number, role: ROLE }), profile.role)}</p>
    <p class="hint">${esc(t('assess.levels_explained', { min, max }))}</p>
    <label for="progress"><strong>${esc(t('assess.progress', { done, total }))}</strong></label>
    <progress id="progress" max="${total}" value="${done}">${esc(t('assess.progress', { done, total }))}</progress>
    ${next(state, profile, ask, done)}
    <p><a class="standalone" href="#/results">${esc(t('assess.see_results'))}</a></p>
    ${others.map((p) => `<p><a class="standalone" href="#/assess/${esc(p.role.slug)}">${withRole(t('assess.other_role', { role: ROLE }), p.role)}</a></p>`).join('')}
    <h2>${esc(t('assess.competencies'))}</h2>
    <ul class="list">${profile.competencies.map((c) => row(state, profile, c)).join('')}</ul>`;
}
