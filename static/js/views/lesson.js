// A micro-lesson's cards, read-only: kept by the service worker, so it opens offline.

import { addWords, t } from '../i18n.js';
import words from '../i18n/en-plan.js';
import { esc } from '../ui/html.js';

addWords(words);

export function render(state, params) {
  return `<h1 tabindex="-1">${esc(t('lesson.loading'))}</h1>
    <div id="lesson" data-key="${esc(params.key)}" data-revision="${esc(params.revision)}"></div>
    <p><a class="standalone" href="#/plan">${esc(t('lesson.back'))}</a></p>`;
}

export async function mount(root, { params }) {
  const url = `/api/v1/catalog/items/${encodeURIComponent(params.key)}?revision=${encodeURIComponent(params.revision)}`;
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
  title.textContent = item.title;
  const cards = (item.cards ?? []).map((c, i) => `<li class="card-step"><p class="meta">${esc(t('lesson.card', { index: i + 1, total: item.cards.length }))}</p>
    <p>${esc(c.text)}</p></li>`).join('');
  box.innerHTML = `${item.summary ? `<p>${esc(item.summary)}</p>` : ''}<ol class="list cards">${cards}</ol>
    <p class="hint">${esc(t('lesson.practice_later'))}</p>`;
}
