// Suggest something to a colleague: a catalogue item or one of your own, with a word.
// Finding the colleague needs a connection; the suggestion itself waits in the outbox.

import { record } from '../data/outbox.js';
import { addWords, spoken, t } from '../i18n.js';
import words from '../i18n/en-plan.js';
import { langOf, roleLang } from '../ui/content.js';
import { esc } from '../ui/html.js';
import { described, fields } from './own-item.js';

addWords('plan', words);

const json = async (url) => {
  const res = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) throw new Error(String(res.status));
  return res.json();
};

export function render(state) {
  const plan = state.bundle.plan;
  if (!plan) return null;
  return `<h1 tabindex="-1">${esc(t('suggest.title'))}</h1>
    <p>${esc(t('suggest.intro'))}</p>
    <form id="find" class="stack" role="search">
      <label for="colleague-name">${esc(t('suggest.who'))}</label>
      <input id="colleague-name" name="q" minlength="2" maxlength="100" autocomplete="off" required>
      <button type="submit" class="button">${esc(t('suggest.find'))}</button>
    </form>
    <div id="found" aria-live="polite"></div>
    <form id="suggest" class="stack" hidden>
      <label for="sg-competency">${esc(t('suggest.competency'))}</label>
      <select id="sg-competency" name="competency" required></select>
      <fieldset class="choices" id="sg-items"><legend>${esc(t('suggest.what'))}</legend></fieldset>
      <div id="sg-own" class="stack" hidden>${fields(plan.options, 'sg')}</div>
      <label for="sg-message">${esc(t('suggest.message'))} <span class="hint">${esc(t('own.optional'))}</span></label>
      <textarea id="sg-message" name="message" maxlength="${plan.options.max_message}" rows="3"></textarea>
      <button type="submit" class="button primary">${esc(t('suggest.send'))}</button>
    </form>
    <p><a class="standalone" href="#/plan">${esc(t('own.back'))}</a></p>`;
}

/** Mount builds this view as the learner goes: a background redraw waits while they edit it. */
export const redrawnAroundEdits = false;

export function mount(root) {
  const find = root.querySelector('#find');
  const found = root.querySelector('#found');
  const form = root.querySelector('#suggest');
  const own = root.querySelector('#sg-own');
  const select = root.querySelector('#sg-competency');
  let colleague = null;
  for (const input of own.querySelectorAll('input, select')) input.required = false; // until chosen
  const say = (text) => { found.innerHTML = `<p class="notice">${esc(text)}</p>`; };

  const showItems = async () => {
    const box = root.querySelector('#sg-items');
    let items = [];
    try {
      items = (await json(`/api/v1/catalog?competency=${encodeURIComponent(`${colleague.role.slug}/${select.value}`)}`)).items;
    } catch { /* offline: their own words still work */ }
    // The catalogue lists items in their own words: a title in another language than the
    // learner's is marked with it.
    const titled = (i) => (i.language && i.language.split('-')[0] !== spoken()
      ? `<span lang="${esc(i.language)}">${esc(i.title)}</span>` : esc(i.title));
    const choice = (value, label, hint) => `<div class="check"><input type="radio" name="item" id="sg-i-${esc(value)}" value="${esc(value)}" required>
      <label for="sg-i-${esc(value)}">${label}${hint ? ` <span class="hint">${esc(hint)}</span>` : ''}</label></div>`;
    box.innerHTML = `<legend>${esc(t('suggest.what'))}</legend>${items.map((i) => choice(`c:${i.id}`, titled(i),
      `${t(`format.${i.format}`)} · ${t('plan.minutes', { count: i.duration_minutes })}`)).join('')}${choice('own', esc(t('suggest.own')))}`;
    own.hidden = true;
  };

  find.addEventListener('submit', async (event) => {
    event.preventDefault();
    form.hidden = true;
    say(t('suggest.finding'));
    let people;
    try {
      people = (await json(`/api/v1/colleagues?q=${encodeURIComponent(new FormData(event.target).get('q'))}`)).colleagues;
    } catch {
      say(t('suggest.needs_signal'));
      return;
    }
    if (!people.length) { say(t('suggest.nobody')); return; }
    found.innerHTML = `<fieldset class="choices"><legend>${esc(t('suggest.pick'))}</legend>${people.map((p, i) =>
      `<div class="check"><input type="radio" name="colleague" id="c-${i}" value="${i}">
      <label for="c-${i}">${esc(p.name)} <span class="hint"${roleLang(p.role)}>${esc(p.role.name)}</span></label></div>`).join('')}</fieldset>`;
    found.querySelector('fieldset').addEventListener('change', async (e) => {
      colleague = people[Number(e.target.value)];
      try {
        const profile = await json(`/api/v1/roles/${encodeURIComponent(colleague.role.slug)}/profile`);
        select.innerHTML = profile.competencies.map((c) => `<option value="${esc(c.key)}"${langOf(profile, c, 'name')}>${esc(c.name)}</option>`).join('');
      } catch {
        say(t('suggest.no_profile', { role: colleague.role.name }));
        return;
      }
      form.hidden = false;
      await showItems();
    });
  });
  select.addEventListener('change', showItems);
  form.addEventListener('change', (e) => {
    if (e.target.name === 'item') {
      own.hidden = e.target.value !== 'own';
      for (const input of own.querySelectorAll('input, select')) input.required = !own.hidden && input.name !== 'url';
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const what = data.get('item') === 'own' ? { own: described(own.closest('form')) } : { item: data.get('item') };
    await record('plan.suggestion.sent', { id: crypto.randomUUID(), to: colleague.id, competency: data.get('competency'),
      message: String(data.get('message')).trim(), ...what });
    // The sent form gives way to the confirmation, and the way to suggest something else.
    form.reset();
    form.hidden = true;
    find.hidden = true;
    found.innerHTML = `<div class="notice"><p id="sg-sent" tabindex="-1">${esc(t('suggest.sent', { name: colleague.name }))}</p>
      <button type="button" class="button small" id="sg-again">${esc(t('suggest.again'))}</button></div>`;
    found.querySelector('#sg-sent').focus();
    found.querySelector('#sg-again').addEventListener('click', () => {
      found.innerHTML = '';
      colleague = null;
      find.reset();
      find.hidden = false;
      find.querySelector('input').focus();
    });
  });
}
