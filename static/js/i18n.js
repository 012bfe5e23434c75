// The one seam for every string a person sees: t(key, vars) over the catalogue, and
// dates and numbers through Intl in the learner's locale and time zone.

import en from './i18n/en.js';

const catalogue = { ...en };

/** Words a lazily loaded view brings with it (its part of the catalogue). */
export const addWords = (entries) => Object.assign(catalogue, entries);

// English is the only catalogue: its plural rules pick the form, whatever the locale.
const LANGUAGE = 'en';
const plurals = new Intl.PluralRules(LANGUAGE);
let locale = inCatalogueLanguage(navigator.language);
let timeZone; // undefined until the bundle says: the phone's own

function usable(options) {
  try {
    new Intl.DateTimeFormat(options.locale, { timeZone: options.timeZone });
    return true;
  } catch {
    return false; // a malformed locale or zone must not break the app
  }
}

/**
 * The catalogue's language with the region of `tag` ("es-ES" → "en-ES"): dates
 * follow the learner's habits without mixing a second language into a sentence.
 */
function inCatalogueLanguage(tag) {
  try {
    const region = new Intl.Locale(tag).region;
    const regional = region && `${LANGUAGE}-${region}`;
    return regional && usable({ locale: regional }) ? regional : LANGUAGE;
  } catch {
    return LANGUAGE;
  }
}

/** Format dates and numbers as the learner chose (bundle.person: locale, time_zone). */
export function setLocale(person) {
  if (person?.locale) locale = inCatalogueLanguage(person.locale);
  if (person?.time_zone && usable({ timeZone: person.time_zone })) timeZone = person.time_zone;
}

export const formatNumber = (n) => new Intl.NumberFormat(locale).format(n);

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
  let text = catalogue[key];
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
