// Language: the one the learner reads in, chosen on the phone. A choice is an outbox event
// (person.language.changed) like every setting: the next draw speaks it, offline too (the
// service worker keeps every catalogue with the shell), and once synced it is the
// person's on every device. Each language is named in itself, as its speakers look for it.

import { record } from '../data/outbox.js';
import { addWords, formatLanguages, languages, spoken, t } from '../i18n.js';
import words from '../i18n/en-language.js';
import { esc } from '../ui/html.js';

addWords('language', words);

/** `code` named in itself, as a person looks for their own language: "Español". */
function nativeName(code) {
  try {
    const name = new Intl.DisplayNames([code], { type: 'language' }).of(code) ?? code;
    return name.charAt(0).toLocaleUpperCase(code) + name.slice(1);
  } catch {
    return code;
  }
}

/**
 * The locale tag of `code` keeping the region of `current` (else of the phone's language):
 * Spanish chosen in "en-MX" is "es-MX", so dates and numbers stay as the learner knows them.
 */
function withLanguage(current, code) {
  for (const tag of [current, navigator.language]) {
    try {
      const { region } = new Intl.Locale(tag);
      if (region) return `${code}-${region}`;
    } catch {
      // no tag, or a malformed one: the next
    }
  }
  return code;
}

let saved = null; // the language just chosen: said until the learner goes elsewhere

export function render(state) {
  const current = spoken();
  const choices = languages().map((code) => `<div class="check">
      <input type="radio" id="language-${code}" name="language" value="${code}"${code === current ? ' checked' : ''}>
      <label for="language-${code}" lang="${code}">${esc(nativeName(code))}</label></div>`).join('');
  return `
    <h1 tabindex="-1">${esc(t('language.title'))}</h1>
    <p>${esc(t('language.intro'))}</p>
    <form id="language-form" class="stack">
      <fieldset class="choices"><legend>${esc(t('language.choose'))}</legend>${choices}</fieldset>
    </form>
    <p class="hint" id="language-saved" role="status">${saved === current ? esc(t('language.saved', { language: formatLanguages([current]) })) : ''}</p>
    <p class="hint">${esc(t('language.content'))}</p>`;
}

export function mount(root, { state, redraw, signal }) {
  root.querySelector('#language-form')?.addEventListener('change', async (event) => {
    const code = event.target.value;
    if (code === spoken()) return;
    await record('person.language.changed', { locale: withLanguage(state.person.locale, code) });
    saved = code;
    window.addEventListener('hashchange', () => { saved = null; }, { once: true });
    await redraw();
  }, { signal });
}
