// An inline SVG chart of self-ratings against targets, readable at 390 px,
// with a table behind it for screen readers (and anyone who prefers numbers).

import { esc } from './html.js';

const ROW = 34;
const LEFT = 8;
const WIDTH = 340;
const SCALE = (WIDTH - LEFT - 16) / 5;

export function chart(rows, { title }) {
  const height = rows.length * ROW + 40;
  const bars = rows.map((row, i) => {
    const y = 40 + i * ROW;
    const bar = row.level ? `<rect x="${LEFT}" y="${y}" width="${row.level * SCALE}" height="14" rx="3" class="bar"/>` : '';
    const target = `<line x1="${LEFT + row.target * SCALE}" x2="${LEFT + row.target * SCALE}" y1="${y - 4}" y2="${y + 18}" class="target-mark"/>`;
    const future = row.futureTarget
      ? `<line x1="${LEFT + row.futureTarget * SCALE}" x2="${LEFT + row.futureTarget * SCALE}" y1="${y - 4}" y2="${y + 18}" class="future-mark"/>`
      : '';
    return `<text x="${LEFT}" y="${y - 6}" class="label">${esc(row.name)}</text>${bar}${target}${future}`;
  }).join('');
  const ticks = [1, 2, 3, 4, 5].map((n) => `<text x="${LEFT + n * SCALE}" y="12" class="tick">${n}</text>`).join('');
  const table = rows.map((row) => `<tr><th scope="row">${esc(row.name)}</th><td>${row.level ?? 'not rated'}</td><td>${row.target}</td>${rows.some((r) => r.futureTarget) ? `<td>${row.futureTarget ?? '—'}</td>` : ''}</tr>`).join('');
  return `
    <figure class="chart">
      <svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="chart-title" focusable="false">
        <title id="chart-title">${esc(title)}</title>${ticks}${bars}
      </svg>
      <figcaption><span class="key key-you"></span> you <span class="key key-target"></span> target${rows.some((r) => r.futureTarget) ? ' <span class="key key-future"></span> future role' : ''}</figcaption>
    </figure>
    <details class="chart-table"><summary>Show as a table</summary>
      <table><caption>${esc(title)}</caption>
        <thead><tr><th scope="col">Competency</th><th scope="col">You</th><th scope="col">Target</th>${rows.some((r) => r.futureTarget) ? '<th scope="col">Future role target</th>' : ''}</tr></thead>
        <tbody>${table}</tbody>
      </table>
    </details>`;
}
