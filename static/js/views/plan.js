// Your plan: this week, later, done, each item with why it is there. Every change is an
// event in the outbox, shown at once over the last plan the server made (state.js applies
// it, through events/); the server makes the plan again when the events arrive, and never
// overrides what the learner chose.

import { record } from '../data/outbox.js';
import { addWords, formatDuration, formatLanguages, t } from '../i18n.js';
import mentorWords from '../i18n/en-mentors.js';
import words from '../i18n/en-plan.js';
import { competencies, profiles, requestFor, settingsData, suggestionFor, toAsk } from '../state.js';
import { langOf, ROLE, withRole } from '../ui/content.js';
import { esc } from '../ui/html.js';
import { marked } from '../ui/original.js';

addWords('plan', words);
addWords('mentors', mentorWords);

let asking = null; // the competency whose request form is open

/** A gap no item covers: the colleague suggested for it, or the request already sent. */
function uncoveredGap(state, u) {
  const m = state.mentoring;
  const name = [[u.name, u.name_lang]];
  const head = `<p class="row-title"${u.name_lang ? ` lang="${esc(u.name_lang)}"` : ''}>${esc(u.name)}</p><p class="hint">${marked(u.reasons.join(' · '), name)}</p>
    <p>${esc(t('mentor.no_course'))}</p>`;
  if (!m) return `<li class="row"><div>${head}</div></li>`;
  const request = requestFor(m, u.competency);
  if (request && request.status !== 'declined' && request.status !== 'full') {
    return `<li class="row" data-gap="${esc(u.competency)}"><div>${head}<p class="notice">${esc(t(`mentor.status.${request.status}`, {
      name: request.mentor_name, contact: request.contact ?? '' }))}</p></div></li>`;
  }
  const s = suggestionFor(m, u.competency);
  const said = request ? `<p class="notice">${esc(t(`mentor.status.${request.status}`, { name: request.mentor_name }))}</p>` : '';
  if (!s) return `<li class="row"><div>${head}${said}<p class="hint">${esc(t('mentor.nobody_yet'))}</p></div></li>`;
  const form = asking === u.competency ? `<form class="stack ask-mentor" data-mentor="${s.mentor}">
      <label for="ask-message">${esc(t('mentor.message', { name: s.name }))} <span class="hint">${esc(t('own.optional'))}</span></label>
      <textarea id="ask-message" name="message" maxlength="${m.options.max_message}" rows="3"></textarea>
      <label for="ask-contact">${esc(t('mentor.contact', { name: s.name }))}</label>
      <input id="ask-contact" name="contact" maxlength="${m.options.max_contact}">
      <div class="check"><input type="checkbox" id="ask-share" name="share">
      <label for="ask-share">${esc(t('mentor.share', { name: s.name }))}</label></div>
      <p class="hint">${esc(t('mentor.share_hint', { name: s.name }))}</p>
      <p class="actions"><button type="submit" class="button primary">${esc(t('mentor.send'))}</button>
      <button type="button" class="button" data-ask-cancel>${esc(t('mentor.cancel'))}</button></p></form>`
    : `<p class="actions"><button type="button" class="button" data-ask="${esc(u.competency)}">${esc(t('mentor.ask', { name: s.name }))}</button></p>`;
  return `<li class="row mentor-gap" data-gap="${esc(u.competency)}"><div>${head}${said}
    <p class="row-title">${esc(t('mentor.offers_help', { name: s.name, what: s.offers.join(', ') }))}</p>
    <p class="meta">${esc(s.site ? t('mentor.role_site', { role: s.role, site: s.site }) : s.role)}</p>
    <p class="meta">${esc(t('mentor.languages', { languages: formatLanguages(s.languages) }))}</p>
    ${s.availability ? `<p class="meta">${esc(t('mentor.availability', { availability: s.availability }))}</p>` : ''}
    ${form}</div></li>`;
}

const percent = (share) => Math.round(share * 100);

/** A line's competency name and title, each with its language when left in the original's. */
const originals = (line) => [[line.competency_name, line.competency_lang], [line.title, line.title_lang]];

/** A line's competency name, marked when it is left in the original's language (competency_lang). */
const competencyHtml = (line) => marked(line.competency_name, [[line.competency_name, line.competency_lang]]);

/** An item's title, marked when it is left in the original's language (title_lang). */
function titleHtml(line) {
  if (!line.title_lang) return `<p class="row-title">${esc(line.title)}</p>`;
  return `<p class="row-title" lang="${esc(line.title_lang)}">${esc(line.title)}</p>
    <p class="only-original">${esc(t('lesson.only_in', { language: languageName(line.title_lang) }))}</p>`;
}

function meta(line) {
  const parts = [t(`format.${line.format}`), t('plan.minutes', { count: line.minutes })];
  if (line.offline) parts.push(t('plan.offline'));
  if (line.state === 'pinned') parts.push(t('plan.pinned'));
  else if (line.state === 'accepted') parts.push(t('plan.accepted'));
  if (line.pending) parts.push(t('plan.waiting'));
  return parts.join(' · ');
}

function open(line) {
  if (line.content && line.format === 'micro_lesson') {
    const [, key, revision] = line.content.match(/items\/([^?]+)\?revision=(\d+)/) ?? [];
    if (key) return `<a class="button small" href="#/lesson/${esc(key)}/${esc(revision)}">${esc(t('plan.open_lesson'))}</a>`;
  }
  if (line.url) return `<a class="button small" href="${esc(line.url)}" target="_blank" rel="noopener noreferrer">${esc(t('plan.open_link'))}</a>`;
  return '';
}

/** How an alternative's length compares with the item it would replace (the server judges). */
function lengthWords(a) {
  const duration = formatDuration(Math.abs(a.longer_by ?? 0));
  if (a.similar || !a.longer_by) return t('plan.length_same');
  return a.longer_by > 0 ? t('plan.length_longer', { duration }) : t('plan.length_shorter', { duration });
}

/** What the plan put in the place of an item the learner dropped, and how long it is beside it. */
function replaced(line) {
  const r = line.replaces;
  if (!r || line.state !== 'suggested') return '';
  const duration = formatDuration(Math.abs(r.longer_by));
  const words = r.similar || !r.longer_by ? t('plan.replaces_same', { title: r.title })
    : t(r.longer_by > 0 ? 'plan.replaces_longer' : 'plan.replaces_shorter', { title: r.title, duration });
  return `<p class="note replaces">${marked(words, [[r.title, r.title_lang]])}</p>`;
}

function alternative(a, data, line) {
  return `<li class="row"><div>${titleHtml(a)}
    <p class="meta">${esc(meta(a))}</p><p class="length">${esc(lengthWords(a))}</p><p class="hint">${marked(a.reason, originals(line))}</p></div>
    <button type="button" class="button small" ${data}="${esc(a.item)}">${esc(t('plan.choose'))}</button></li>`;
}

function swap(line) {
  if (!line.alternatives?.length) return '';
  const options = line.alternatives.map((a) => alternative(a, 'data-swap', line)).join('');
  return `<details class="swap"><summary>${esc(t('plan.swap', { count: line.alternatives.length }))}</summary>
    <ul class="list">${options}</ul></details>`;
}

/** The server's reasons; a line still waiting to sync is there because of the learner. */
function whyThere(line) {
  if (line.reasons.length || !line.pending) return line.reasons;
  if (line.origin === 'own') return [t('plan.you_added')];
  if (line.origin === 'suggestion') return [t('plan.suggested_by', { name: line.from })];
  return [];
}

/**
 * Just dropped (still on the phone), with nothing yet in its place: what could take it,
 * nearest in length first.
 */
function instead(line, lines) {
  if (!line.alternatives?.length || lines.some((l) => l.competency === line.competency)) return '';
  return `<li class="plan-item instead" data-item="${esc(line.item)}" data-competency="${esc(line.competency)}">
    <p>${marked(t('plan.instead', { name: line.competency_name }), originals(line))}</p>
    <ul class="list">${line.alternatives.map((a) => alternative(a, 'data-instead', line)).join('')}</ul></li>`;
}

let progress = {}; // per micro-lesson begun: questions answered, gone through (from practice)

/** How far the learner is with a micro-lesson of their plan, in daily practice. */
function lessonProgress(line) {
  const p = progress[line.item];
  if (!p) return '';
  const words = p.completed ? t('plan.lesson_done')
    : t('plan.lesson_started', { count: p.started, total: p.questions });
  return `<p class="meta lesson-progress">${esc(words)}</p>`;
}

function item(line, index, act = true, count = 0) {
  const actions = act && !line.item.startsWith('sug:'); // an accepted suggestion gets its id on sync
  const reasons = whyThere(line).map((r) => `<li>${marked(r, originals(line))}</li>`).join('');
  const pin = line.state === 'pinned'
    ? `<button type="button" class="button small" data-act="accepted">${esc(t('plan.unpin'))}</button>`
    : `<button type="button" class="button small" data-act="pinned" data-position="${index}">${esc(t('plan.pin'))}</button>`;
  const accept = line.state === 'suggested'
    ? `<button type="button" class="button small" data-act="accepted">${esc(t('plan.accept_item'))}</button>` : '';
  const move = (to, words) => `<button type="button" class="button small" data-act="pinned" data-position="${to}">${esc(words)}</button>`;
  const buttons = actions ? `<div class="actions">${open(line)}${accept}
      <button type="button" class="button small" data-act="done">${esc(t('plan.mark_done'))}</button>
      ${pin}${index > 0 ? move(index - 1, t('plan.move_up')) : ''}${index < count - 1 ? move(index + 1, t('plan.move_down')) : ''}
      <button type="button" class="button small" data-act="dropped">${esc(t('plan.drop'))}</button></div>${swap(line)}` : '';
  return `<li class="plan-item" data-item="${esc(line.item)}" data-competency="${esc(line.competency)}">
    ${titleHtml(line)}
    <p class="meta">${competencyHtml(line)} · ${esc(meta(line))}</p>${lessonProgress(line)}${replaced(line)}
    <ul class="reasons">${reasons}</ul>${buttons}</li>`;
}

function later(lines) {
  const byWeek = new Map();
  for (const [i, line] of lines.entries()) if (line.week > 1) byWeek.set(line.week, [...(byWeek.get(line.week) ?? []), [i, line]]);
  return [...byWeek].map(([week, rows]) => `<h3>${esc(t('plan.week', { week }))}</h3>
    <ol class="list plan">${rows.map(([i, line]) => item(line, i, true, lines.length)).join('')}</ol>`).join('');
}

function suggestions(plan) {
  if (!plan.suggestions.length) return '';
  const rows = plan.suggestions.map((s) => `<li class="plan-item suggestion" data-suggestion="${esc(s.id)}">
    <p class="row-title">${marked(t('plan.suggests', { name: s.from, title: s.title }), [[s.title, s.title_lang]])}</p>
    <p class="meta">${competencyHtml(s)} · ${esc(meta(s))}</p>
    ${s.message ? `<p class="note">${esc(t('plan.message', { message: s.message }))}</p>` : ''}
    <div class="actions"><button type="button" class="button small" data-answer="accepted">${esc(t('plan.accept'))}</button>
    <button type="button" class="button small" data-answer="dismissed">${esc(t('plan.dismiss'))}</button></div></li>`).join('');
  return `<h2>${esc(t('plan.suggestions'))}</h2><ul class="list plan">${rows}</ul>`;
}

let settingsOpen = false; // the settings stay open while the learner changes them

// Languages offered to pick from besides the learner's own and their mentors': codes only,
// named by Intl.DisplayNames in the learner's language. Any other is typed as its code.
const COMMON_LANGUAGES = ['ar', 'bn', 'de', 'en', 'es', 'fr', 'hi', 'it', 'pl', 'pt', 'ro', 'ru',
  'so', 'sw', 'tl', 'tr', 'uk', 'ur', 'vi', 'zh'];
const TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/; // as the server checks it (engine/languages.py)

/** A tag spelt as the server stores it: 'PT-br' -> 'pt-BR'. */
function spelt(tag) {
  const [first, ...rest] = tag.split('-');
  return [first.toLowerCase(), ...rest.map((p) => (p.length === 2 ? p.toUpperCase() : p))].join('-');
}

const languageName = (tag) => formatLanguages([tag]);

/**
 * The languages the learner can learn in, their own first: what they said (with the
 * outbox applied), else what the server guesses until they say (their locale's, ...).
 */
function learningLanguages(state, plan) {
  const said = plan.settings.languages;
  if (said?.length) return { languages: said, said: true };
  const guess = state.mentoring?.learning_languages;
  const locale = state.person?.locale?.split('-')[0]?.toLowerCase();
  return { languages: guess?.length ? guess : [...new Set([locale ?? 'en', 'en'])], said: false };
}

function languagesField(state, plan) {
  const { languages, said } = learningLanguages(state, plan);
  // Mentors' languages by their language alone: matching never looks further than 'es'.
  const mentors = (state.mentoring?.suggested ?? []).flatMap((s) => s.languages.map((tag) => tag.split('-')[0]));
  const others = [...new Set([...mentors, ...COMMON_LANGUAGES].map(spelt))].filter((tag) => !languages.includes(tag))
    .sort((a, b) => languageName(a).localeCompare(languageName(b)));
  const [first] = languages;
  const options = [...languages, ...others].map((tag) => `<option value="${esc(tag)}"${tag === first ? ' selected' : ''}>${esc(languageName(tag))}</option>`).join('');
  // The language you learn best in is in the list already: its box is hidden (see mount).
  const box = (tag) => `<div class="check"${tag === first ? ' hidden' : ''}>
    <input type="checkbox" id="lang-${esc(tag)}" name="languages" value="${esc(tag)}"${languages.includes(tag) ? ' checked' : ''}${tag === first ? ' disabled' : ''}>
    <label for="lang-${esc(tag)}">${esc(languageName(tag))}</label></div>`;
  return `<fieldset class="choices" id="languages"><legend>${esc(t('plan.languages'))}</legend>
      <p class="hint">${esc(t(said ? 'plan.languages_hint' : 'plan.languages_guessed', { languages: formatLanguages(languages) }))}</p>
      <label for="lang-first">${esc(t('plan.language_first'))}</label>
      <select id="lang-first" name="language_first">${options}</select>
      <p class="hint">${esc(t('plan.languages_also'))}</p>${languages.map(box).join('')}
      <details class="more-languages"><summary>${esc(t('plan.languages_more', { count: others.length }))}</summary>
      <div class="stack">${others.map(box).join('')}</div></details>
      <label for="lang-other">${esc(t('plan.language_other'))} <span class="hint">${esc(t('own.optional'))}</span></label>
      <input id="lang-other" name="language_other" autocapitalize="none" autocomplete="off" spellcheck="false" aria-describedby="lang-other-hint">
      <p class="hint" id="lang-other-hint">${esc(t('plan.language_other_hint'))}</p>
      <p class="notice notice-error" id="languages-error" role="alert" hidden></p></fieldset>`;
}

/**
 * The languages the form says, their own first, each once; `null` when the learner left
 * the guess as it was (nothing said stays unsaid), or an error to show.
 */
function chosenLanguages(form, state, plan) {
  const data = new FormData(form);
  const typed = String(data.get('language_other') ?? '').split(/[\s,]+/).filter(Boolean);
  const wrong = typed.find((tag) => tag.length > 35 || !TAG.test(tag));
  if (wrong) return { error: t('plan.language_not_a_code', { code: wrong }), field: 'lang-other' };
  const chosen = [...new Set([data.get('language_first'), ...data.getAll('languages'), ...typed].map(spelt))];
  const max = plan.options.max_languages ?? 10;
  if (chosen.length > max) return { error: t('plan.languages_too_many', { max }) };
  const { languages, said } = learningLanguages(state, plan);
  const same = chosen.length === languages.length && chosen.every((tag, i) => tag === languages[i]);
  return { languages: !said && same ? null : chosen };
}

function settings(state, plan) {
  const formats = plan.options.formats.map((f) => `<div class="check">
    <input type="checkbox" id="fmt-${esc(f)}" name="formats" value="${esc(f)}"${plan.settings.formats.includes(f) ? ' checked' : ''}>
    <label for="fmt-${esc(f)}">${esc(t(`format.${f}`))}</label></div>`).join('');
  const grow = competencies(state).map((c) => `<div class="check">
    <input type="checkbox" id="grow-${esc(c.key)}" data-goal="${esc(c.key)}"${plan.goals.has(c.key) ? ' checked' : ''}>
    <label for="grow-${esc(c.key)}"${langOf(c.profile, c.competency, 'name')}>${esc(c.name)}</label></div>`).join('');
  const [low, high] = plan.options.weekly_minutes;
  return `<details class="settings"${settingsOpen ? ' open' : ''}><summary>${esc(t('plan.settings'))}</summary>
    <form id="plan-settings" class="stack">
      <label for="weekly">${esc(t('plan.weekly'))}</label>
      <input id="weekly" name="weekly" type="number" inputmode="numeric" min="${low}" max="${high}" step="1" value="${plan.settings.weekly_minutes}" required>
      <fieldset class="choices"><legend>${esc(t('plan.formats'))}</legend>${formats}</fieldset>
      <div class="check"><input type="checkbox" id="mentor-suggestions" name="mentor_suggestions"${plan.settings.mentor_suggestions !== false ? ' checked' : ''}>
      <label for="mentor-suggestions">${esc(t('mentoring.suggestions'))}</label></div>
      ${languagesField(state, plan)}
      <button type="submit" class="button">${esc(t('plan.save_settings'))}</button>
    </form>
    <fieldset class="choices" id="goals"><legend>${esc(t('plan.grow'))}</legend>${grow}</fieldset></details>`;
}

export function render(state) {
  const { plan } = state;
  progress = state.practice?.progress ?? {};
  const title = `<h1 tabindex="-1">${esc(t('plan.title'))}</h1>`;
  if (!plan) return `${title}<p>${esc(t('plan.not_yet'))}</p>`;
  const notice = plan.waiting ? `<p class="notice" role="note">${esc(t('plan.will_update'))}</p>` : '';
  const ready = plan.readiness ? `<p class="readiness">${esc(t('plan.readiness', {
    role: plan.readiness.role, now: percent(plan.readiness.now), after: percent(plan.readiness.after) }))}</p>` : '';
  const thisWeek = plan.lines.filter((l) => l.week === 1);
  const rated = state.latest.size > 0;
  const empty = !plan.lines.length && !plan.uncovered.length
    ? `<p>${esc(t(rated ? 'plan.nothing' : 'plan.rate_first'))}</p>${rated ? '' : `<p><a class="button primary" href="#/">${esc(t('plan.go_rate'))}</a></p>`}` : '';
  const uncovered = plan.uncovered.length ? `<h2>${esc(t('plan.uncovered'))}</h2><ul class="list">${plan.uncovered.map((u) =>
    uncoveredGap(state, u)).join('')}</ul>` : '';
  const done = plan.done.length ? `<h2>${esc(t('plan.done'))}</h2><ul class="list plan">${plan.done.map((l, i) => item(l, i, false)).join('')}</ul>` : '';
  const dropped = plan.dropped.length ? `<h2>${esc(t('plan.dropped'))}</h2><ul class="list">${plan.dropped.map((l) =>
    `<li class="row plan-item" data-item="${esc(l.item)}" data-competency="${esc(l.competency)}"><div>${titleHtml(l)}
    <p class="meta">${competencyHtml(l)}</p></div><button type="button" class="button small" data-act="restored">${esc(t('plan.restore'))}</button></li>${instead(l, plan.lines)}`).join('')}</ul>` : '';
  const notes = plan.notes.map((n) => `<p class="notice">${esc(n)}</p>`).join('');
  const future = profiles(state)[1];
  const unrated = future && rated ? toAsk(state, future).length : 0; // shared ones count as rated
  const rateFuture = unrated ? `<p class="notice"><a href="#/assess/${esc(future.role.slug)}">${withRole(t('plan.rate_future', {
    count: unrated, role: ROLE }), future.role)}</a></p>` : '';
  return `${title}${ready}${rateFuture}${notice}${notes}${suggestions(plan)}
    <h2>${esc(t('plan.this_week'))}</h2>
    ${thisWeek.length ? `<ol class="list plan">${thisWeek.map((l) => item(l, plan.lines.indexOf(l), true, plan.lines.length)).join('')}</ol>` : empty || `<p>${esc(t('plan.week_free'))}</p>`}
    ${plan.lines.some((l) => l.week > 1) ? `<h2>${esc(t('plan.later'))}</h2>${later(plan.lines)}` : ''}
    ${uncovered}${done}${dropped}
    <p class="actions"><a class="button" href="#/plan/add">${esc(t('plan.add_own'))}</a>
    <a class="button" href="#/plan/suggest">${esc(t('plan.suggest'))}</a>
    <a class="button" href="#/mentoring">${esc(t('mentor.open'))}</a></p>
    ${settings(state, plan)}`;
}

let listening = null; // the view's listener on the app's root, removed when it is left

export function unmount() {
  listening?.abort();
  listening = null;
}

export function mount(root, { state, redraw }) {
  unmount();
  listening = new AbortController();
  const { signal } = listening;
  root.addEventListener('click', async (event) => {
    const button = event.target.closest('button');
    const line = button?.closest('[data-item]');
    if (button?.dataset.act && line) {
      const { item, competency } = line.dataset;
      const position = button.dataset.act === 'pinned' ? Number(button.dataset.position) : null;
      await record('plan.item.changed', { item, competency, state: button.dataset.act, position });
    } else if (button?.dataset.swap && line) {
      const { item, competency } = line.dataset;
      await record('plan.item.changed', { item, competency, state: 'dropped', position: null });
      await record('plan.item.changed', { item: button.dataset.swap, competency, state: 'accepted', position: null });
    } else if (button?.dataset.instead && line) {
      await record('plan.item.changed', { item: button.dataset.instead, competency: line.dataset.competency, state: 'accepted', position: null });
    } else if (button?.dataset.ask) {
      asking = button.dataset.ask;
      redraw();
    } else if (button?.hasAttribute('data-ask-cancel')) {
      asking = null;
      redraw();
    } else if (button?.dataset.answer) {
      const id = button.closest('[data-suggestion]').dataset.suggestion;
      await record('plan.suggestion.answered', { id, answer: button.dataset.answer });
    }
  }, { signal });
  const ask = root.querySelector('form.ask-mentor');
  ask?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(ask);
    await record('mentor.requested', { id: crypto.randomUUID(), mentor: Number(ask.dataset.mentor),
      competency: ask.closest('[data-gap]').dataset.gap, message: String(data.get('message') ?? ''),
      contact: String(data.get('contact') ?? ''), share_level: data.get('share') === 'on' });
    asking = null;
    redraw();
  }, { signal });
  root.querySelector('details.settings')?.addEventListener('toggle', (event) => { settingsOpen = event.target.open; }, { signal });
  root.querySelector('#goals')?.addEventListener('change', async (event) => {
    const goal = event.target.dataset.goal;
    if (goal) await record(event.target.checked ? 'plan.goal.added' : 'plan.goal.removed', { competency: goal });
    redraw();
  }, { signal });
  const form = root.querySelector('#plan-settings');
  // The language you learn best in is in the list: its box is ticked, and hidden.
  form?.querySelector('#lang-first')?.addEventListener('change', (event) => {
    for (const box of form.querySelectorAll('input[name="languages"]')) {
      box.disabled = box.value === event.target.value;
      box.closest('.check').hidden = box.disabled;
      if (box.disabled) box.checked = true;
    }
  }, { signal });
  const other = form?.querySelector('#lang-other');
  other?.addEventListener('input', () => other.setCustomValidity(''), { signal });
  form?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const { plan } = state;
    const chosen = chosenLanguages(form, state, plan);
    const error = form.querySelector('#languages-error');
    error.hidden = !chosen.error || Boolean(chosen.field);
    error.textContent = chosen.field ? '' : chosen.error ?? '';
    if (chosen.field) {
      other.setCustomValidity(chosen.error);
      other.reportValidity();
    }
    if (chosen.error) return;
    await record('plan.settings.changed', settingsData(plan, { weekly_minutes: Number(data.get('weekly')),
      formats: data.getAll('formats'), mentor_suggestions: data.get('mentor_suggestions') === 'on',
      ...(chosen.languages ? { languages: chosen.languages } : {}) }));
    redraw();
  }, { signal });
}
