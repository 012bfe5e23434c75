// A micro-lesson's cards, read-only: kept by the service worker, so it opens offline.
// In the learner's language where L&D translated it; the rest in the original's words,
// marked (ui/original.js).

import { addWords, formatLanguages, t } from '../i18n.js';
import words from '../i18n/en-plan.js';
import { esc } from '../ui/html.js';
import { langOf, originalNote } from '../ui/original.js';

addWords('plan', words);

export function render(state, params) {
  return `<h1 tabindex="-1">${esc(t('lesson.loading'))}</h1>
    <div id="lesson" data-key="${esc(params.key)}" data-revision="${esc(params.revision)}"></div>
    <p><a class="standalone" href="#/plan">${esc(t('lesson.back'))}</a></p>`;
}

/**
 * The address of the lesson's content in the learner's language, as the bundle names it
 * (the plan's lines, the content kept offline): it names the translation's version, so a
 * new translation is a new address the service worker has not kept yet. The bare address
 * (the original) when the bundle names none.
 */
export function contentUrl(state, key, revision) {
  const bare = `/api/v1/catalog/items/${encodeURIComponent(key)}?revision=${encodeURIComponent(revision)}`;
  const plan = state.plan ?? {};
  const named = [...(state.bundle?.content?.items ?? []),
    ...['lines', 'done', 'dropped', 'suggestions'].flatMap((list) => (plan[list] ?? []).map((l) => l.content))];
  return named.find((url) => url === bare || url?.startsWith(`${bare}&`)) ?? bare;
}

export async function mount(root, { state, params }) {
  const url = contentUrl(state, params.key, params.revision);
  let item = null;
  try {
    const res = await fetch(url, { credentials: 'same-origin' });
    if (res.ok) item = await res.json();
  } catch { /* offline and not kept: said below */ }
  const title = root.querySelector('h1');
  const box = root.querySelector('#lesson');
  if (!box) return; // another view was drawn meanwhile
  if (!item) {
    title.textContent = t('lesson.unavailable_title');
    box.innerHTML = `<p>${esc(t('lesson.unavailable'))}</p>`;
    return;
  }
  const only = t('lesson.only_in', { language: formatLanguages([item.language ?? 'en']) });
  title.textContent = item.title;
  if (item.translation?.original?.includes('title')) title.lang = item.language ?? 'en';
  const cards = (item.cards ?? []).map((c, i) => `<li class="card-step"><p class="meta">${esc(t('lesson.card', { index: i + 1, total: item.cards.length }))}</p>
    <p${langOf(item, `cards.${i}`)}>${esc(c.text)}</p>${originalNote(item, `cards.${i}`, only)}</li>`).join('');
  box.innerHTML = `${originalNote(item, 'title', only)}${item.summary ? `<p${langOf(item, 'summary')}>${esc(item.summary)}</p>${originalNote(item, 'summary', only)}` : ''}<ol class="list cards">${cards}</ol>
    <p class="hint">${esc(t('lesson.practice_later'))}</p>`;
}
