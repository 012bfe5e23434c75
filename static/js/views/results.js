// Results: self-ratings against the role's target (and the future role's), with history.

import { formatDate, t } from '../i18n.js';
import { limits, profiles, ratingKey, ratingOf } from '../state.js';
import { chart } from '../ui/chart.js';
import { esc } from '../ui/html.js';
import { privacy } from './assess.js';

const rowsFor = (state, profile) => profile.competencies.map((c) => ({
  name: c.name,
  level: ratingOf(state, profile, c.key)?.level ?? null,
  target: c.target,
}));

function recent(state, names) {
  const items = state.history.slice().reverse().slice(0, 20).map((r) => {
    const vars = { date: formatDate(r.occurred_at), name: names.get(ratingKey(r.role, r.competency)) ?? r.competency, level: r.level };
    return `<li>${esc(t(r.pending ? 'results.answer_waiting' : 'results.answer', vars))}</li>`;
  }).join('');
  return items ? `<ol class="timeline">${items}</ol>` : `<p>${esc(t('results.no_answers'))}</p>`;
}

export function render(state) {
  const mine = profiles(state);
  const max = limits(state).level_max;
  const sections = mine.map((profile, i) => `
    <section aria-labelledby="res-${i}">
      <h2 id="res-${i}">${esc(t(i ? 'results.future_role' : 'results.role', { role: profile.role.name }))}</h2>
      ${chart(rowsFor(state, profile), { id: `chart-${i}`, title: t('results.chart_title', { role: profile.role.name }), max })}
    </section>`).join('');
  const names = new Map(mine.flatMap((p) => p.competencies.map((c) => [ratingKey(p.role.slug, c.key), c.name])));
  return `
    <h1 tabindex="-1">${esc(t('results.title'))}</h1>
    ${privacy()}
    ${sections}
    <h2>${esc(t('results.recent'))}</h2>
    ${recent(state, names)}
    <p><a class="standalone" href="#/">${esc(t('results.back'))}</a></p>`;
}
