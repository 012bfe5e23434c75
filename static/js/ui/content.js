// A profile's words as the learner reads them: in their language where the role's authors
// translated them (the server picks, pwa/store/profiles.py `shown_competency`), in the
// original elsewhere. What is in the original carries its language (`lang`, so a screen
// reader speaks it right) and says so in words, once per competency.

import { t } from '../i18n.js';
import { esc } from './html.js';

/** Whether `field` of competency `c` ('name', 'description', 'level 3'...) is the original's. */
export const inOriginal = (c, field) => (c.in_original ?? []).includes(field);

/** ` lang="en"` for an element showing `field` of `c` in the original, else nothing. */
export const langOf = (profile, c, field) =>
  inOriginal(c, field) ? ` lang="${esc(profile.original_language ?? 'en')}"` : '';

/** A short mark when some or all of `c` is shown in the original, else nothing. */
export function originalMark(c) {
  const shown = c.in_original ?? [];
  if (!shown.length) return '';
  const all = shown.includes('name') && c.levels.every((_, i) => shown.includes(`level ${i + 1}`));
  return ` <span class="original-only">${esc(t(all ? 'content.original_only' : 'content.partly_original'))}</span>`;
}

// A role's name is translated by its authors too (pwa/store/role_words.py): the server sends
// it in the learner's language where it is, with `in_original` naming what is not.

/** ` lang="en"` for an element showing only the name of `role` when it is the original's. */
export const roleLang = (role) => ((role?.in_original ?? []).includes('name') ? ' lang="en"' : '');

/** The role's name as HTML: escaped, in a span of the original's language where it is in it. */
export const roleName = (role) => ((role?.in_original ?? []).includes('name')
  ? `<span lang="en">${esc(role.name)}</span>` : esc(role?.name));

/** Stands in for a role's name in a sentence (`t(key, { role: ROLE })`) until `withRole`. */
export const ROLE = '\u2060role\u2060';

/** A sentence made with `{ role: ROLE }`, as HTML: escaped, with the name of `role` in place
 * of ROLE, marked as `roleName` marks it. */
export const withRole = (sentence, role) => esc(sentence).replace(ROLE, roleName(role));
