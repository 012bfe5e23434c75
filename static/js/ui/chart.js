// An inline SVG chart of self-ratings against targets, readable at 390 px (labels at
// least 12 px there), with a table behind it for screen readers and anyone who prefers numbers.
// A row's name left in the original's language carries it (`row.lang`, e.g. 'en').

import { formatNumber as n, t } from '../i18n.js';
import { esc } from './html.js';

const ROW = 40;
const LEFT = 8;
const WIDTH = 340;

export function chart(rows, { id, title, max }) {
  const scale = (WIDTH - LEFT - 16) / max;
  const x = (level) => LEFT + level * scale;
  const height = rows.length * ROW + 44;
  const future = rows.some((r) => r.futureTarget);
  const lang = (row) => (row.lang ? ` lang="${esc(row.lang)}"` : '');
  const bars = rows.map((row, i) => {
    const y = 44 + i * ROW;
    const bar = row.level ? `<rect x="${LEFT}" y="${y}" width="${row.level * scale}" height="14" rx="3" class="bar"/>` : '';
    const mark = (level, cls) => `<line x1="${x(level)}" x2="${x(level)}" y1="${y - 4}" y2="${y + 18}" class="${cls}"/>`;
    return `<text x="${LEFT}" y="${y - 7}" class="label"${lang(row)}>${esc(row.name)}</text>${bar}${mark(row.target, 'target-mark')}${row.futureTarget ? mark(row.futureTarget, 'future-mark') : ''}`;
  }).join('');
  const ticks = Array.from({ length: max }, (_, i) => `<text x="${x(i + 1)}" y="14" class="tick">${n(i + 1)}</text>`).join('');
  const cells = (row) => `<td>${row.level ? n(row.level) : esc(t('chart.not_rated'))}</td><td>${n(row.target)}</td>${future ? `<td>${row.futureTarget ? n(row.futureTarget) : '—'}</td>` : ''}`;
  const table = rows.map((row) => `<tr><th scope="row"${lang(row)}>${esc(row.name)}</th>${cells(row)}</tr>`).join('');
  return `
    <figure class="chart">
      <svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="${id}-title" focusable="false">
        <title id="${id}-title">${esc(title)}</title>${ticks}${bars}
      </svg>
      <figcaption><span class="key key-you"></span> ${esc(t('chart.you'))} <span class="key key-target"></span> ${esc(t('chart.target'))}${future ? ` <span class="key key-future"></span> ${esc(t('chart.future'))}` : ''}</figcaption>
    </figure>
    <details class="chart-table"><summary>${esc(t('chart.as_table'))}</summary>
      <table><caption>${esc(title)}</caption>
        <thead><tr><th scope="col">${esc(t('chart.competency'))}</th><th scope="col">${esc(t('chart.you_col'))}</th><th scope="col">${esc(t('chart.target_col'))}</th>${future ? `<th scope="col">${esc(t('chart.future_col'))}</th>` : ''}</tr></thead>
        <tbody>${table}</tbody>
      </table>
    </details>`;
}
