// Mentoring: your offer to help colleagues (pause, resume, stop), what you were asked,
// your mentees, and what you asked. Every change is an event in the outbox, shown at once.

import { record } from '../data/outbox.js';
import { addWords, t } from '../i18n.js';
import words from '../i18n/en-mentors.js';
import { esc } from '../ui/html.js';
import { marked } from '../ui/original.js';

addWords('mentors', words);

const row = (inner, id) => `<li class="row" data-request="${esc(id)}"><div>${inner}</div></li>`;
// A sentence naming a competency: the name marked when it is left in the original's words.
const named = (text, r) => marked(text, [[r.competency_name, r.competency_lang]]);
const button = (act, label) => `<button type="button" class="button small" data-act="${act}">${esc(label)}</button>`;

function offerForm(m, person) {
  const offer = m.offer;
  const chosen = new Set(offer?.competencies ?? []);
  const boxes = m.may_offer.map((c) => `<div class="check">
    <input type="checkbox" id="mo-${esc(c.key)}" name="competencies" value="${esc(c.key)}"${chosen.has(c.key) ? ' checked' : ''}>
    <label for="mo-${esc(c.key)}"${c.lang ? ` lang="${esc(c.lang)}"` : ''}>${esc(c.name)}</label></div>`).join('');
  if (!m.may_offer.length) return `<p>${esc(t('mentoring.cannot_offer'))}</p>`;
  const [low, high] = m.options.capacity;
  const languages = (offer?.languages ?? [person.locale?.split('-')[0] ?? 'en']).join(', ');
  const status = offer ? `<p class="notice">${esc(t(`mentoring.state.${offer.status}`, { load: offer.load, capacity: offer.capacity }))}</p>
    <p class="actions">${offer.status === 'active' ? button('paused', t('mentoring.pause')) : button('active', t('mentoring.resume'))}
    ${offer.status !== 'left' ? button('left', t('mentoring.leave')) : ''}</p>` : '';
  return `${status}<form id="offer" class="stack">
    <fieldset class="choices"><legend>${esc(t('mentoring.what'))}</legend>${boxes}</fieldset>
    <label for="mo-capacity">${esc(t('mentoring.capacity'))}</label>
    <input id="mo-capacity" name="capacity" type="number" inputmode="numeric" min="${low}" max="${high}" value="${offer?.capacity ?? m.options.default_capacity}" required>
    <label for="mo-languages">${esc(t('mentoring.languages'))}</label>
    <input id="mo-languages" name="languages" value="${esc(languages)}" required>
    <label for="mo-availability">${esc(t('mentoring.availability'))}</label>
    <input id="mo-availability" name="availability" maxlength="${m.options.max_availability}" value="${esc(offer?.availability ?? '')}">
    <label for="mo-contact">${esc(t('mentoring.contact'))}</label>
    <input id="mo-contact" name="contact" maxlength="${m.options.max_contact}" value="${esc(offer?.contact ?? '')}">
    <button type="submit" class="button primary">${esc(t(offer ? 'mentoring.update' : 'mentoring.save'))}</button></form>`;
}

export function render(state) {
  const m = state.mentoring;
  if (!m) return null;
  const waiting = (r) => (r.pending ? ` <span class="hint">${esc(t('mentor.waiting_sync'))}</span>` : '');
  const asked = m.received.filter((r) => r.status === 'pending').map((r) => row(`
    <p class="row-title">${named(t('mentoring.asks', { name: r.learner_name, what: r.competency_name }), r)}${waiting(r)}</p>
    ${r.message ? `<p class="note">${esc(r.message)}</p>` : ''}
    ${r.shared_level ? `<p class="hint">${esc(t('mentoring.shared_level', { name: r.learner_name, level: r.shared_level }))}</p>` : ''}
    <p class="actions">${button('accepted', t('mentoring.accept'))}${button('declined', t('mentoring.decline'))}</p>`, r.id)).join('');
  const mentees = m.received.filter((r) => r.status === 'accepted').map((r) => row(`
    <p class="row-title">${named(t('mentoring.mentee', { name: r.learner_name, what: r.competency_name }), r)}${waiting(r)}</p>
    ${r.contact ? `<p>${esc(t('mentoring.reach', { contact: r.contact }))}</p>` : ''}
    ${r.message ? `<p class="note">${esc(r.message)}</p>` : ''}
    ${r.shared_level ? `<p class="hint">${esc(t('mentoring.shared_level', { name: r.learner_name, level: r.shared_level }))}</p>` : ''}
    <p class="actions">${button('end', t('mentoring.end'))}</p>`, r.id)).join('');
  const sent = [...m.sent].reverse().map((r) => row(`
    <p class="row-title">${named(t('mentoring.asked', { name: r.mentor_name, what: r.competency_name }), r)}</p>
    <p>${esc(t(`mentor.status.${r.status}`, { name: r.mentor_name, contact: r.contact ?? '' }))}${waiting(r)}</p>
    ${r.status === 'pending' ? `<p class="actions">${button('end', t('mentoring.withdraw'))}</p>` : ''}
    ${r.status === 'accepted' ? `<p class="actions">${button('end', t('mentoring.end'))}</p>` : ''}`, r.id)).join('');
  return `<h1 tabindex="-1">${esc(t('mentoring.title'))}</h1>
    <p>${esc(t('mentoring.intro'))}</p>
    <h2>${esc(t('mentoring.received'))}</h2>
    ${asked ? `<ul class="list">${asked}</ul>` : `<p>${esc(t('mentoring.none_received'))}</p>`}
    ${mentees ? `<h2>${esc(t('mentoring.mentees'))}</h2><ul class="list">${mentees}</ul>` : ''}
    <h2>${esc(t('mentoring.sent'))}</h2>
    ${sent ? `<ul class="list">${sent}</ul>` : `<p>${esc(t('mentoring.none_sent'))}</p>`}
    <h2>${esc(t('mentoring.offer'))}</h2>${offerForm(m, state.person)}
    <p><a class="standalone" href="#/plan">${esc(t('mentoring.back'))}</a></p>`;
}

let listening = null;

export function unmount() {
  listening?.abort();
  listening = null;
}

function offerData(form, m, status) {
  const data = new FormData(form);
  return {
    competencies: status === 'active' || !m.offer ? data.getAll('competencies') : (m.offer?.competencies ?? []),
    capacity: Number(data.get('capacity')),
    languages: String(data.get('languages')).split(/[\s,]+/).filter(Boolean),
    availability: String(data.get('availability') ?? ''),
    contact: String(data.get('contact') ?? ''),
    status,
  };
}

export function mount(root, { state, redraw }) {
  unmount();
  listening = new AbortController();
  const { signal } = listening;
  const form = root.querySelector('#offer');
  root.addEventListener('click', async (event) => {
    const btn = event.target.closest('button[data-act]');
    if (!btn) return;
    const m = state.mentoring;
    const id = btn.closest('[data-request]')?.dataset.request;
    const act = btn.dataset.act;
    if (id && (act === 'accepted' || act === 'declined')) await record('mentor.request.answered', { id, answer: act });
    else if (id && act === 'end') await record('mentor.request.ended', { id });
    else if (form && ['active', 'paused', 'left'].includes(act)) await record('mentor.offer.changed', offerData(form, m, act));
    else return;
    redraw();
  }, { signal });
  form?.addEventListener('submit', async (event) => {
    event.preventDefault();
    await record('mentor.offer.changed', offerData(form, state.mentoring, 'active'));
    redraw();
  }, { signal });
}
