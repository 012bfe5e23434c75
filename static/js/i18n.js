// The one seam for every string a person sees: t(key, vars) over the catalogue, and
// dates and numbers through Intl in the learner's locale and time zone.
//
// English is the catalogue every other one mirrors, key for key. A catalogue comes in
// parts: the shell's (en.js) and each view's (en-<part>.js, which the view brings and
// adds with addWords). Only the spoken language's shell part is fetched (the /app page
// preloads the one of its language, pwa/assets.py), another language's parts through
// catalogues.js: English pays nothing for Spanish, nor Spanish for English's shell. The
// service worker keeps every part with the shell, so a change of language works offline
// at once.

const LANGUAGES = ['en', 'es']; // those with a catalogue; English first, the default
const english = {}; // English's words: its shell part once spoken, and the views' parts
const parts = new Set(['']); // the catalogue parts in use: '' is the shell's
let englishShell = null; // en.js, loading or loaded
let language = ''; // none until the first setLocale
let words = {}; // the spoken language's entries (none while it is English)
let held = 0; // how many of the parts in use `words` holds (parts are only ever added)
let plurals = new Intl.PluralRules('en');
let locale = 'en';
let timeZone; // undefined until the bundle says: the phone's own
let turns = Promise.resolve(); // the changes of language asked for, one after another
const listeners = [];
// The page's language as served: the server's choice (the person's setting, else the
// browser's), which the page's own words are in. What speaks until the bundle says.
const served = document.documentElement.lang;

function usable(options) {
  try {
    new Intl.DateTimeFormat(options.locale, { timeZone: options.timeZone });
    return true;
  } catch {
    return false; // a malformed locale or zone must not break the app
  }
}

/** The catalogue language of a BCP 47 tag ("es-MX" → "es"); English when there is none. */
function languageOf(tag) {
  try {
    const wanted = new Intl.Locale(tag).language;
    return LANGUAGES.includes(wanted) ? wanted : 'en';
  } catch {
    return 'en';
  }
}

/**
 * The locale of dates and numbers: `tag` itself when the catalogue speaks its language
 * ("es-MX"), else the catalogue's language with the region of `tag` ("de-AT" → "en-AT"):
 * dates follow the learner's habits without mixing a second language into a sentence.
 */
function inCatalogueLanguage(tag, spoken) {
  try {
    const { language: own, region, baseName } = new Intl.Locale(tag);
    if (own === spoken && usable({ locale: baseName })) return baseName;
    const regional = region && `${spoken}-${region}`;
    return regional && usable({ locale: regional }) ? regional : spoken;
  } catch {
    return spoken;
  }
}

/** Call `fn()` when the language changes: what was drawn before speaks the old one. */
export const onLanguage = (fn) => listeners.push(fn);

/**
 * Words a lazily loaded view brings with it: its part of the English catalogue, named as
 * its file (en-<part>.js). The spoken language's twin of that part is loaded by the next
 * setLocale, which the router awaits before it draws the view.
 */
export function addWords(part, entries) {
  Object.assign(english, entries);
  parts.add(part);
}

/**
 * Speak the learner's language (bundle.person.locale, else the page's as served, else the
 * phone's, else English) and format dates and numbers as they chose (locale, time_zone).
 * Resolves once the words of every part in use are there: a view drawn after it speaks one
 * language throughout. Words that cannot load (never fetched, and no signal) leave the
 * language as it was. Calls take turns, each after the one before has settled: a draw
 * never goes on while the words it needs are still on their way for another draw, and a
 * later change of language is always the last one made.
 */
export function setLocale(person) {
  const turn = turns.then(() => speak(person));
  turns = turn.catch(() => {});
  return turn;
}

async function speak(person) {
  if (person?.time_zone && usable({ timeZone: person.time_zone })) timeZone = person.time_zone;
  const tag = person?.locale || served || navigator.language || 'en';
  const spoken = languageOf(tag);
  const wanted = [...parts];
  const changed = spoken !== language;
  if (changed || wanted.length > held) {
    let found = {};
    try {
      if (spoken === 'en') {
        englishShell ??= import('./i18n/en.js').then((m) => Object.assign(english, m.default));
        await englishShell;
      } else {
        found = await (await import('./catalogues.js')).load(spoken, wanted);
      }
    } catch (error) {
      englishShell = null; // asked again on the next draw
      console.warn(error);
      return;
    }
    [language, words, held, plurals] = [spoken, found, wanted.length, new Intl.PluralRules(spoken)];
  }
  locale = inCatalogueLanguage(tag, spoken);
  if (changed) {
    document.documentElement.lang = locale;
    for (const listener of listeners) listener();
  }
}

// Before any view: the page's own language. Server pages' scripts have no bundle: this
// is their language; the app's router then follows the bundle.
await setLocale();

export const formatNumber = (n) => new Intl.NumberFormat(locale).format(n);

/** The languages with a catalogue, English first, and the one spoken now. */
export const languages = () => [...LANGUAGES];
export const spoken = () => language || 'en';

/** Language tags as names in the learner's language, e.g. ['en', 'es'] -> "English, Spanish". */
export function formatLanguages(tags) {
  let names;
  try {
    names = new Intl.DisplayNames([locale], { type: 'language' });
  } catch {
    return tags.join(', ');
  }
  return new Intl.ListFormat(locale, { type: 'conjunction' })
    .format(tags.map((tag) => { try { return names.of(tag) ?? tag; } catch { return tag; } }));
}

/** A length of time, e.g. 476 minutes -> "7 hr, 56 min", in the learner's locale. */
export function formatDuration(minutes) {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const unit = (value, name) => new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'short' }).format(value);
  const parts = [hours ? unit(hours, 'hour') : '', rest || !hours ? unit(rest, 'minute') : ''].filter(Boolean);
  return new Intl.ListFormat(locale, { type: 'unit', style: 'short' }).format(parts);
}

/** A calendar day, e.g. "3 March 2025", in the learner's time zone. */
export const formatDate = (iso) =>
  new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone }).format(new Date(iso));

/** A calendar day of the learner's ("2026-12-08"), e.g. "Tuesday 8 December". */
export const formatDay = (day) =>
  new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' })
    .format(new Date(`${day}T12:00:00Z`));

/** An amount of storage in megabytes, e.g. 12.5 MB, in the learner's locale. */
export const formatMegabytes = (bytes) =>
  new Intl.NumberFormat(locale, { style: 'unit', unit: 'megabyte', maximumFractionDigits: 0 }).format(bytes / 1e6);

/** A time of day as written on a clock ("07:10" -> "07:10" or "7:10 AM"), in the learner's locale. */
export const formatTimeOfDay = (hhmm) =>
  new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone: 'UTC' }).format(new Date(`1970-01-01T${hhmm}:00Z`));

/** An ISO weekday's name (1 is Monday), e.g. "Monday", in the learner's language. */
export const formatWeekday = (n, style = 'long') =>
  new Intl.DateTimeFormat(locale, { weekday: style, timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, n)));

/** A day and a time of day, in the learner's time zone. */
export const formatDateTime = (iso) =>
  new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone }).format(new Date(iso));

/**
 * The catalogue's text for `key` with its `{name}` placeholders filled in. An entry
 * with plural forms picks one by `vars.count` (`zero` first when there is one);
 * numbers are formatted for the locale.
 */
export function t(key, vars = {}) {
  let text = words[key] ?? english[key];
  if (text === undefined) {
    console.warn(`No text for ${key}`);
    return key;
  }
  if (typeof text === 'object') {
    text = (vars.count === 0 && text.zero) || text[plurals.select(vars.count)] || text.other;
  }
  return text.replace(/\{(\w+)\}/g, (_, name) => {
    const value = vars[name];
    return typeof value === 'number' ? formatNumber(value) : String(value ?? '');
  });
}
