// Reminder settings: when reminders come, on which days, the quiet hours, which kinds, and the
// time zone (the learner's own, detected on the phone, editable). Saved offline through the
// outbox as reminders.settings.changed, like every setting. "When I usually practise" is a
// time learned from the learner's own answers: shown, and used only once they say yes.
// `render(state)` is a section for the reminders view; `page(state)` the same with a heading,
// for its own route; `mount` wires either.

import { record } from '../data/outbox.js';
import { addWords, formatTimeOfDay, formatWeekday, t } from '../i18n.js';
import words from '../i18n/en-reminders-settings.js';
import { esc } from '../ui/html.js';

addWords('reminders-settings', words);

// The kinds in the server's order (engine.reminders.Kind); one toggle may set several.
const KINDS = ['plan', 'practice', 'mentor_suggestion', 'mentor_request', 'mentor_answer', 'mentor_ended', 'profile_changed'];
const SCHEDULED = ['plan', 'practice'];
const TOGGLES = [
  { id: 'plan', kinds: ['plan'] },
  { id: 'practice', kinds: ['practice'] },
  { id: 'mentor_suggestion', kinds: ['mentor_suggestion'] },
  { id: 'mentoring', kinds: ['mentor_request', 'mentor_answer', 'mentor_ended'] },
  { id: 'profile_changed', kinds: ['profile_changed'] },
];
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const DEFAULT_QUIET = { start: '21:00', end: '08:00' };

let saved = false; // just saved: said under the button until the form is changed again

/** The zone this phone is set to, if the browser says. */
function phoneZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || null; } catch { return null; }
}

/** Every zone the browser knows, with `also` in it (the saved one may be missing). */
function zones(...also) {
  let known = [];
  try { known = Intl.supportedValuesOf('timeZone'); } catch { /* an old browser: the saved one */ }
  return [...new Set([...known, ...also.filter(Boolean)])].sort();
}

const REGIONS = ['Africa', 'America', 'Antarctica', 'Arctic', 'Asia', 'Atlantic', 'Australia',
  'Europe', 'Indian', 'Pacific'];

/** The zones as options grouped by region, each named by its place ("Argentina / Buenos
 * Aires"): one long list is a chore on a phone. The phone's zone and the saved one come
 * first, so the usual choice is one tap. */
function zoneOptions(all, chosen, here) {
  const option = (zone, label) => `<option value="${esc(zone)}"${zone === chosen ? ' selected' : ''}>${esc(label)}</option>`;
  const place = (zone) => (zone.includes('/') ? zone.slice(zone.indexOf('/') + 1) : zone)
    .replaceAll('_', ' ').replaceAll('/', ' / ');
  const group = (label, items) => `<optgroup label="${esc(label)}">${items.join('')}</optgroup>`;
  const first = [...new Set([here, chosen].filter(Boolean))];
  const byRegion = new Map();
  for (const zone of all) {
    const region = zone.split('/')[0];
    const key = REGIONS.includes(region) ? region : 'other';
    if (!byRegion.has(key)) byRegion.set(key, []);
    byRegion.get(key).push(option(zone, place(zone)));
  }
  // A zone shown in the first group is not selected again further down.
  const top = first.map((zone) => `<option value="${esc(zone)}">${esc(zone.replaceAll('_', ' '))}</option>`);
  const rest = [...byRegion].map(([key, items]) => group(t(`reminder_settings.region_${key}`), items));
  return (top.length ? group(t('reminder_settings.zones_suggested'), top) : '') + rest.join('');
}

const minutes = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/** Whether `at` is inside quiet hours (start in, end out; an end before the start wraps midnight). */
function inQuiet(at, quiet) {
  const [a, s, e] = [minutes(at), minutes(quiet.start), minutes(quiet.end)];
  return s < e ? a >= s && a < e : a >= s || a < e;
}

/** The settings shown: the saved ones, with this phone's zone until the learner saved any. */
function shown(state) {
  const r = state.reminders;
  const settings = r.settings;
  const zone = r.saved ? settings.time_zone : phoneZone() ?? settings.time_zone;
  return { ...settings, time_zone: zone };
}

/** The problems of `data`, by field, as the server would refuse it (engine.reminders). */
export function check(data, known) {
  const found = {};
  const timeOk = (field, value) => {
    if (HH_MM.test(value)) return true;
    found[field] = t(value === '24:00' ? 'reminder_settings.error_24' : 'reminder_settings.error_time');
    return false;
  };
  const remindOk = timeOk('remind_at', data.remind_at);
  const { quiet } = data;
  if (quiet) {
    const ok = timeOk('quiet_start', quiet.start) & timeOk('quiet_end', quiet.end);
    if (ok && quiet.start === quiet.end) found.quiet_end = t('reminder_settings.error_whole_day');
    else if (ok) {
      const shownQuiet = { start: formatTimeOfDay(quiet.start), end: formatTimeOfDay(quiet.end) };
      if (remindOk && inQuiet(data.remind_at, quiet)) {
        found.remind_at = t('reminder_settings.error_in_quiet', { time: formatTimeOfDay(data.remind_at), ...shownQuiet });
      }
      if (data.usual_confirmed && data.usual_practice && inQuiet(data.usual_practice, quiet)) {
        found.usual = t('reminder_settings.error_in_quiet', { time: formatTimeOfDay(data.usual_practice), ...shownQuiet });
      }
    }
  }
  if (!data.days.length && data.kinds.some((k) => SCHEDULED.includes(k))) found.days = t('reminder_settings.error_no_day');
  if (!known.includes(data.time_zone)) found.time_zone = t('reminder_settings.error_zone', { name: data.time_zone });
  return found;
}

const FIELDS = { remind_at: '#rs-remind-at', usual: '#rs-usual', days: '#rs-days', quiet_start: '#rs-quiet-start', quiet_end: '#rs-quiet-end', time_zone: '#rs-time-zone' };

/** Where a field's problem is said: empty and hidden until there is one. */
const errorFor = (field) => `<p class="field-error" id="rs-${field}-error" hidden></p>`;

/**
 * Say each problem beside its field (tied to it for screen readers) and how many in the
 * alert, in place: what the learner typed stays as it is. Returns the first field's element.
 */
function showProblems(form, found) {
  for (const [field, selector] of Object.entries(FIELDS)) {
    const el = form.querySelector(selector);
    const error = form.querySelector(`#rs-${field}-error`);
    if (!el || !error) continue;
    error.textContent = found[field] ?? '';
    error.hidden = !found[field];
    if (found[field]) {
      el.setAttribute('aria-invalid', 'true');
      el.setAttribute('aria-describedby', error.id);
    } else {
      el.removeAttribute('aria-invalid');
      el.removeAttribute('aria-describedby');
    }
  }
  const count = Object.keys(found).length;
  const alert = form.querySelector('#rs-errors');
  alert.textContent = count ? t('reminder_settings.errors', { count }) : '';
  alert.hidden = !count;
  form.querySelector('#rs-saved').textContent = '';
  const first = Object.keys(FIELDS).find((field) => found[field]);
  return first ? form.querySelector(first === 'days' ? '#rs-day-1' : FIELDS[first]) : null;
}

function usualBlock(state, s) {
  const suggested = state.reminders.suggested_usual;
  const usual = s.usual_confirmed && s.usual_practice ? s.usual_practice : suggested;
  if (!usual) return `<p class="hint">${esc(t('reminder_settings.usual_not_yet'))}</p>`;
  const confirmed = s.usual_confirmed && s.usual_practice === usual;
  // The quiet hours the app starts with (21:00 to 08:00) hold many a morning habit.
  const quiet = s.quiet && inQuiet(usual, s.quiet)
    ? `<p class="hint">${esc(t('reminder_settings.usual_in_quiet', { end: formatTimeOfDay(s.quiet.end) }))}</p>` : '';
  return `<div class="usual notice">
    <p>${esc(t('reminder_settings.usual_found', { time: formatTimeOfDay(usual) }))}</p>${quiet}
    <input type="hidden" name="usual_practice" value="${esc(usual)}">
    <div class="check"><input type="checkbox" id="rs-usual" name="usual_confirmed"${confirmed ? ' checked' : ''}>
    <label for="rs-usual">${esc(t('reminder_settings.usual_yes', { time: formatTimeOfDay(usual) }))}</label></div>
    ${errorFor('usual')}</div>`;
}

export function render(state) {
  const title = `<h2 id="rs-title">${esc(t('reminder_settings.title'))}</h2>`;
  if (!state.reminders) return `<section class="reminder-settings" aria-labelledby="rs-title">${title}<p>${esc(t('reminder_settings.not_on_phone'))}</p></section>`;
  const s = shown(state);
  const on = new Set(s.kinds);
  const toggles = TOGGLES.map(({ id, kinds }) => `<div class="check">
    <input type="checkbox" id="rs-kind-${id}" name="kind" value="${id}"${kinds.some((k) => on.has(k)) ? ' checked' : ''}>
    <label for="rs-kind-${id}">${esc(t(`reminder_settings.kind_${id}`))}</label></div>`).join('');
  const days = [1, 2, 3, 4, 5, 6, 7].map((n) => `<div class="check">
    <input type="checkbox" id="rs-day-${n}" name="days" value="${n}"${s.days.includes(n) ? ' checked' : ''}>
    <label for="rs-day-${n}"><abbr title="${esc(formatWeekday(n))}">${esc(formatWeekday(n, 'short'))}</abbr></label></div>`).join('');
  const quiet = s.quiet ?? DEFAULT_QUIET;
  const here = phoneZone();
  const options = zoneOptions(zones(s.time_zone, here), s.time_zone, here);
  return `<section class="reminder-settings" aria-labelledby="rs-title">${title}
    <form id="reminder-settings" class="stack" novalidate>
      <fieldset class="choices"><legend>${esc(t('reminder_settings.kinds'))}</legend>${toggles}
        <p class="hint">${esc(t('reminder_settings.kinds_hint'))}</p></fieldset>
      <label for="rs-remind-at">${esc(t('reminder_settings.remind_at'))}</label>
      <input id="rs-remind-at" name="remind_at" type="time" step="60" value="${esc(s.remind_at)}" required>
      ${errorFor('remind_at')}
      ${usualBlock(state, s)}
      <fieldset class="choices" id="rs-days"><legend>${esc(t('reminder_settings.days'))}</legend>
        <div class="days">${days}</div>${errorFor('days')}</fieldset>
      <fieldset class="choices"><legend>${esc(t('reminder_settings.quiet'))}</legend>
        <div class="check"><input type="checkbox" id="rs-quiet-on" name="quiet_on"${s.quiet ? ' checked' : ''}>
        <label for="rs-quiet-on">${esc(t('reminder_settings.quiet_on'))}</label></div>
        <div class="pair">
          <div class="stack"><label for="rs-quiet-start">${esc(t('reminder_settings.quiet_start'))}</label>
          <input id="rs-quiet-start" name="quiet_start" type="time" step="60" value="${esc(quiet.start)}"></div>
          <div class="stack"><label for="rs-quiet-end">${esc(t('reminder_settings.quiet_end'))}</label>
          <input id="rs-quiet-end" name="quiet_end" type="time" step="60" value="${esc(quiet.end)}"></div>
        </div>${errorFor('quiet_start')}${errorFor('quiet_end')}</fieldset>
      <label for="rs-time-zone">${esc(t('reminder_settings.time_zone'))}</label>
      <select id="rs-time-zone" name="time_zone">${options}</select>
      ${here && here !== s.time_zone ? `<p class="hint" id="rs-zone-hint">${esc(t('reminder_settings.phone_zone', { zone: here.replaceAll('_', ' ') }))}</p>` : ''}
      ${errorFor('time_zone')}
      <p class="notice notice-error" id="rs-errors" role="alert" hidden></p>
      <button type="submit" class="button primary">${esc(t('reminder_settings.save'))}</button>
      <p class="hint" id="rs-saved" role="status">${saved ? esc(t(navigator.onLine ? 'reminder_settings.saved' : 'reminder_settings.saved_offline')) : ''}</p>
    </form></section>`;
}

/** The section under its own heading, for the route #/reminders/settings. */
export function page(state) {
  return `<h1 tabindex="-1">${esc(t('reminder_settings.page_title'))}</h1>${render(state)}`;
}

/** The event's data from the form: every setting, as the server reads it. */
function fromForm(form) {
  const data = new FormData(form);
  const toggled = new Set(data.getAll('kind'));
  const kinds = KINDS.filter((k) => TOGGLES.some((tg) => toggled.has(tg.id) && tg.kinds.includes(k)));
  const usual = data.get('usual_practice') || null;
  return {
    time_zone: String(data.get('time_zone') ?? ''),
    remind_at: String(data.get('remind_at') ?? ''),
    days: data.getAll('days').map(Number).sort((a, b) => a - b),
    quiet: data.get('quiet_on') === 'on'
      ? { start: String(data.get('quiet_start') ?? ''), end: String(data.get('quiet_end') ?? '') } : null,
    kinds,
    usual_practice: usual,
    usual_confirmed: Boolean(usual) && data.get('usual_confirmed') === 'on',
  };
}

export function mount(root, { state, redraw, signal }) {
  const form = root.querySelector('#reminder-settings');
  if (!form) return;
  // A sync that ends redraws the view: what was saved is still said, until the next change.
  const changed = () => { saved = false; form.querySelector('#rs-saved').textContent = ''; };
  form.addEventListener('input', changed, { signal });
  form.addEventListener('change', changed, { signal });
  const quietOn = form.querySelector('#rs-quiet-on');
  const quietFields = () => {
    for (const input of form.querySelectorAll('#rs-quiet-start, #rs-quiet-end')) input.disabled = !quietOn.checked;
  };
  quietFields();
  quietOn.addEventListener('change', quietFields, { signal });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = fromForm(form);
    const first = showProblems(form, check(data, zones(state.reminders?.settings?.time_zone, phoneZone())));
    if (first) { first.focus(); return; }
    await record('reminders.settings.changed', data);
    saved = true;
    await redraw();
    root.querySelector('#rs-remind-at')?.focus();
  }, { signal });
}
