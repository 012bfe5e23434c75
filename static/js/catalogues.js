// The catalogues beside English, part by part (static/js/i18n/<language>[-<part>].js):
// i18n.js loads this module, and through it the parts in use, only when one of these
// languages is spoken. The paths are literal: the service worker's precache list is read
// from these imports (pwa/assets.py), so every part is on the phone before it is needed.

const CATALOGUES = {
  es: {
    '': () => import('./i18n/es.js'),
    assess: () => import('./i18n/es-assess.js'),
    language: () => import('./i18n/es-language.js'),
    mentors: () => import('./i18n/es-mentors.js'),
    pages: () => import('./i18n/es-pages.js'),
    plan: () => import('./i18n/es-plan.js'),
    practice: () => import('./i18n/es-practice.js'),
    privacy: () => import('./i18n/es-privacy.js'),
    reminders: () => import('./i18n/es-reminders.js'),
    'reminders-settings': () => import('./i18n/es-reminders-settings.js'),
  },
};

/** The entries of `language` for `parts` ('' is the shell's), as one object. */
export async function load(language, parts) {
  const loaded = await Promise.all(parts.map((part) => CATALOGUES[language][part]().then((m) => m.default)));
  return Object.assign({}, ...loaded);
}
