// The private self-assessment: read five descriptors, pick the one that sounds like you.

import { esc } from './html.js';

export const PRIVACY = 'Only you can see your ratings. Your role sees averages of 5 or more people.';

/** Which competencies of `profile` still need an answer (never rated, or changed since). */
export function toAsk(profile, latest, rerate) {
  return profile.competencies.filter((c) => {
    const mine = latest.get(`${profile.role.slug}/${c.key}`);
    return !mine || (rerate.includes(c.key) && mine.version !== profile.number);
  });
}

export function overview({ profile, latest, rerate, submitted, others = [] }) {
  const ask = toAsk(profile, latest, rerate);
  const total = profile.competencies.length;
  const done = total - ask.length;
  const next = ask[0];
  const items = profile.competencies.map((c) => {
    const mine = latest.get(`${profile.role.slug}/${c.key}`);
    const changed = rerate.includes(c.key) && mine && mine.version !== profile.number;
    const state = !mine ? 'Not rated yet' : changed ? 'Changed since you rated it: please rate again' : `You: level ${mine.level}`;
    return `<li class="row"><div><p class="row-title"><a href="#/rate/${esc(profile.role.slug)}/${esc(c.key)}">${esc(c.name)}</a></p><p class="hint">${esc(state)} · target ${c.target}</p></div></li>`;
  }).join('');
  return `
    <h1>Your self-assessment</h1>
    <p class="privacy">${PRIVACY}</p>
    <p class="meta">${esc(profile.role.name)} · version ${profile.number}</p>
    <label for="progress"><strong>${done} of ${total}</strong> rated</label>
    <progress id="progress" max="${total}" value="${done}">${done} of ${total}</progress>
    ${next ? `<p><a class="button primary" href="#/rate/${esc(profile.role.slug)}/${esc(next.key)}">${done ? 'Continue' : 'Start'}</a></p>`
      : `<p><a class="button primary" href="#/review/${esc(profile.role.slug)}">Review and ${submitted ? 'submit again' : 'submit'}</a></p>`}
    <p><a href="#/results">See your results</a></p>
    ${others.map((p) => `<p><a href="#/assess/${esc(p.role.slug)}">Rate yourself against ${esc(p.role.name)}</a></p>`).join('')}
    <h2>Competencies</h2>
    <ul class="list">${items}</ul>`;
}

export function rate({ profile, competency, mine, history, position }) {
  const options = competency.levels.map((text, i) => {
    const level = i + 1;
    return `<label class="descriptor"><input type="radio" name="level" value="${level}" ${mine?.level === level ? 'checked' : ''} required>
      <span><span class="level-n">Level ${level}</span>${esc(text)}</span></label>`;
  }).join('');
  const past = history.length
    ? `<details class="history"><summary>Your earlier answers</summary><ol>${history.map((r) => `<li>${new Date(r.occurred_at).toLocaleDateString()}: level ${r.level}${r.note ? ` — ${esc(r.note)}` : ''}</li>`).join('')}</ol></details>`
    : '';
  return `
    <p class="meta">${position.index} of ${position.total} · ${esc(profile.role.name)}</p>
    <h1>${esc(competency.name)}</h1>
    <p>${esc(competency.description)}</p>
    <p class="privacy">${PRIVACY}</p>
    <form id="rate-form" class="stack">
      <fieldset class="descriptors"><legend>Which sounds most like you today?</legend>${options}</fieldset>
      <label for="note">A note for yourself <span class="hint">(optional)</span></label>
      <textarea id="note" name="note" maxlength="1000" rows="3">${esc(mine?.note ?? '')}</textarea>
      <p class="field-error" id="rate-error" hidden>Choose the description that fits you best.</p>
      <button type="submit" class="button primary">Save and continue</button>
    </form>
    ${past}
    <p><a href="#/assess/${esc(profile.role.slug)}">Stop here and continue later</a> · <a href="#/feedback/${esc(profile.role.slug)}/${esc(competency.key)}">This description is off? Tell the authors</a></p>`;
}

export function review({ profile, latest }) {
  const rows = profile.competencies.map((c) => {
    const mine = latest.get(`${profile.role.slug}/${c.key}`);
    return `<li class="row"><div><p class="row-title">${esc(c.name)}</p><p class="hint">${mine ? `Level ${mine.level}: ${esc(c.levels[mine.level - 1])}` : 'Not rated'}</p></div>
      <a class="button small" href="#/rate/${esc(profile.role.slug)}/${esc(c.key)}" aria-label="Change ${esc(c.name)}">Change</a></li>`;
  }).join('');
  const missing = profile.competencies.filter((c) => !latest.get(`${profile.role.slug}/${c.key}`)).length;
  return `
    <h1>Review your answers</h1>
    <p class="meta">${esc(profile.role.name)}</p>
    <p class="privacy">${PRIVACY}</p>
    <ul class="list">${rows}</ul>
    ${missing ? `<p class="notice">${missing} still to rate before you can submit.</p>`
      : '<button type="button" id="submit-assessment" class="button primary">Submit my self-assessment</button>'}`;
}

export function feedbackForm({ profile, competency }) {
  const kinds = { outdated: 'Outdated', unclear: 'Unclear', missing: 'Something is missing', other: 'Other' };
  return `
    <h1>Feedback on ${esc(profile.role.name)}</h1>
    <p class="meta">${competency ? esc(competency.name) : 'The whole profile'}</p>
    <p>Your note goes to the colleagues who write this profile, not to your manager. It is kept on this phone until it can be sent.</p>
    <form id="feedback-form" class="stack">
      <fieldset class="choices"><legend>What's wrong?</legend>
        ${Object.entries(kinds).map(([k, label]) => `<div class="check"><input type="radio" id="kind-${k}" name="kind" value="${k}" required> <label for="kind-${k}">${label}</label></div>`).join('')}
      </fieldset>
      <label for="fb-text">Tell the authors</label>
      <textarea id="fb-text" name="text" maxlength="2000" rows="4" required></textarea>
      <button type="submit" class="button primary">Send to the authors</button>
    </form>`;
}
