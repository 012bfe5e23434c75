// Results: self-ratings against the role's target (and the future role's), with history.

import { chart } from './chart.js';
import { esc } from './html.js';

function rowsFor(profile, latest) {
  return profile.competencies.map((c) => ({
    name: c.name,
    level: latest.get(`${profile.role.slug}/${c.key}`)?.level ?? null,
    target: c.target,
  }));
}

export function results({ profiles, latest, history }) {
  const sections = profiles.map((profile, i) => `
    <section aria-labelledby="res-${i}">
      <h2 id="res-${i}">${esc(profile.role.name)}${i ? ' (the role you are aiming for)' : ''}</h2>
      ${chart(rowsFor(profile, latest), { title: `Your self-rating against the ${profile.role.name} target` })}
    </section>`).join('');
  const names = new Map(profiles.flatMap((p) => p.competencies.map((c) => [`${p.role.slug}/${c.key}`, c.name])));
  const changes = history.slice().reverse().slice(0, 20).map((r) =>
    `<li>${new Date(r.occurred_at).toLocaleDateString()}: ${esc(names.get(`${r.role}/${r.competency}`) ?? r.competency)} → level ${r.level}${r.pending ? ' (waiting to sync)' : ''}</li>`).join('');
  return `
    <h1>Your results</h1>
    <p class="privacy">Only you can see these. Your role sees averages of 5 or more people.</p>
    ${sections}
    <h2>Recent answers</h2>
    ${changes ? `<ol class="timeline">${changes}</ol>` : '<p>No answers yet.</p>'}
    <p><a href="#/">Back to the self-assessment</a></p>`;
}
