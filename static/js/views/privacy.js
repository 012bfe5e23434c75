// Who sees your ratings: the promise in plain words (DESIGN: trust), with how often L&D's
// releases come, the smallest group they show and when the last one was, from the bundle.
// It reads nothing else, so it opens offline.

import { addWords, formatDate, t } from '../i18n.js';
import words from '../i18n/en-privacy.js';
import { reports } from '../state.js';
import { esc } from '../ui/html.js';

addWords('privacy', words);

const para = (text) => `<p>${esc(text)}</p>`;

/** How often releases come, the smallest group shown and the last release, as sentences. */
function releases(state) {
  const r = reports(state);
  const noise = [t('privacy.noise'), t('privacy.counted')];
  if (!r) return [t('privacy.now_and_then'), ...noise, t('privacy.not_loaded')];
  return [
    r.days === 7 ? t('privacy.weekly') : t('privacy.every_days', { count: r.days }),
    ...noise,
    t('privacy.threshold', { count: r.threshold }),
    r.last_release_at ? t('privacy.last_release', { date: formatDate(r.last_release_at) })
      : t('privacy.no_release'),
  ];
}

export function render(state) {
  return `
    <h1 tabindex="-1">${esc(t('privacy.title'))}</h1>
    <section aria-labelledby="privacy-yours">
      <h2 id="privacy-yours">${esc(t('privacy.yours'))}</h2>
      ${para(t('privacy.only_you'))}
    </section>
    <section aria-labelledby="privacy-ld">
      <h2 id="privacy-ld">${esc(t('privacy.ld'))}</h2>
      ${releases(state).map(para).join('')}
    </section>
    <section aria-labelledby="privacy-others">
      <h2 id="privacy-others">${esc(t('privacy.others'))}</h2>
      ${para(t('privacy.plan'))}
      ${para(t('privacy.mentor'))}
      ${para(t('privacy.offer'))}
    </section>
    <section aria-labelledby="privacy-records">
      <h2 id="privacy-records">${esc(t('privacy.records'))}</h2>
      ${para(t(state.bundle.learning_records ? 'privacy.records_sent' : 'privacy.records_none'))}
    </section>
    <section aria-labelledby="privacy-data">
      <h2 id="privacy-data">${esc(t('privacy.data'))}</h2>
      ${para(t('privacy.export'))}
      <p><a class="standalone" href="/account/data">${esc(t('privacy.data_link'))}</a></p>
    </section>
    <p><a class="standalone" href="#/">${esc(t('privacy.back'))}</a></p>`;
}
