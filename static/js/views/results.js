// Results: self-ratings against the role's target (and the future role's), with history.

import { addWords, formatDate, t } from '../i18n.js';
import words from '../i18n/en-assess.js';
import { limits, profiles, ratingKey, ratingOf } from '../state.js';
import { chart } from '../ui/chart.js';
import { ROLE, inOriginal, withRole } from '../ui/content.js';
import { esc } from '../ui/html.js';
import { marked } from '../ui/original.js';
import { privacy } from './assess.js';

addWords('assess', words);

/** The original's language when `c`'s name is shown in it (not translated), else null. */
const nameLang = (profile, c) => (inOriginal(c, 'name') ? profile.original_language ?? 'en' : null);

const rowsFor = (state, profile) => profile.competencies.map((c) => ({
  name: c.name,
  lang: nameLang(profile, c),
  level: ratingOf(state, profile, c.key)?.level ?? null,
  target: c.target,
}));

function recent(state, names) {
  const items = state.history.slice().reverse().slice(0, 20).map((r) => {
    const [name, lang] = names.get(ratingKey(r.role, r.competency)) ?? [r.competency, null];
    const vars = { date: formatDate(r.occurred_at), name, level: r.level };
    return `<li>${marked(t(r.pending ? 'results.answer_waiting' : 'results.answer', vars), [[name, lang]])}</li>`;
  }).join('');
  return items ? `<ol class="timeline">${items}</ol>` : `<p>${esc(t('results.no_answers'))}</p>`;
}

export function render(state) {
  const mine = profiles(state);
  const max = limits(state).level_max;
  const sections = mine.map((profile, i) => `
    <section aria-labelledby="res-${i}">
      <h2 id="res-${i}">${withRole(t(i ? 'results.future_role' : 'results.role', { role: ROLE }), profile.role)}</h2>
      ${chart(rowsFor(state, profile), { id: `chart-${i}`, title: t('results.chart_title', { role: profile.role.name }), max })}
    </section>`).join('');
  const names = new Map(mine.flatMap((p) => p.competencies.map((c) => [ratingKey(p.role.slug, c.key), [c.name, nameLang(p, c)]])));
  return `
    <h1 tabindex="-1">${esc(t('results.title'))}</h1>
    ${privacy()}
    ${sections}
    <h2>${esc(t('results.recent'))}</h2>
    ${recent(state, names)}
    <p><a class="standalone" href="#/">${esc(t('results.back'))}</a></p>`;
}
