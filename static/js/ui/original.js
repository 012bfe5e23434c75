// Content a learner reads in their language where L&D translated it, and in the original's
// words elsewhere (the server says which parts: item.translation.original). A part left in
// the original carries that language (lang="en": read aloud and hyphenated as English) and
// a small note says so, in words the view passes in (its own catalogue's "Only in …").

import { esc } from './html.js';

/** Whether `part` ("title", "summary", "cards.0", "questions.1") of `item` is in the original. */
export const inOriginal = (item, part) => Boolean(item?.translation?.original?.includes(part));

/** ` lang="en"` for a part shown in the original's words, else nothing. */
export const langOf = (item, part) => (inOriginal(item, part) ? ` lang="${esc(item.language ?? 'en')}"` : '');

/** Whether no part of `item` is translated: then one note, after its title, says so. */
const allOriginal = (item) => (item?.translation?.original?.length ?? 0)
  >= 1 + (item.summary ? 1 : 0) + (item.cards?.length ?? 0) + (item.questions?.length ?? 0);

/** The note after a part in the original ("Only in English"), else nothing: a paragraph of
 * its own, outside the part, since it is in the learner's language. */
export const originalNote = (item, part, words) => (inOriginal(item, part)
  && (part === 'title' || !allOriginal(item)) ? `<p class="only-original">${esc(words)}</p>` : '');

/**
 * `text` (in the learner's language) as HTML, each of `originals` in it ([words, lang]
 * pairs: a competency's name or an item's title left in the original, lang null when it is
 * not) wrapped in a span with its language, so a screen reader speaks the sentence in one
 * language and the name in the other. Longer words first: one name inside another is
 * marked once.
 */
export function marked(text, originals) {
  const marks = originals.filter(([words, lang]) => words && lang).sort(([a], [b]) => b.length - a.length);
  let html = [{ text: String(text) }];
  for (const [words, lang] of marks) {
    html = html.flatMap((part) => (part.lang ? [part] : part.text.split(words).flatMap((piece, i) =>
      (i ? [{ text: words, lang }, { text: piece }] : [{ text: piece }]))));
  }
  return html.map((part) => (part.lang ? `<span lang="${esc(part.lang)}">${esc(part.text)}</span>` : esc(part.text))).join('');
}
