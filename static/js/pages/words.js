// The seam of the server pages' scripts: t() with their words (i18n/en-pages.js) in the
// page's own language, which the server chose (the person's setting, else the browser's).
// Imported first by every page script that shows words, so its words are there before
// any of them runs; the app never loads them.

import { addWords, setLocale } from '../i18n.js';
import words from '../i18n/en-pages.js';

export { t } from '../i18n.js';

addWords('pages', words);
await setLocale(); // the page's language, with these words too
