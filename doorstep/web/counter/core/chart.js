// Bar charts drawn as inline SVG (no chart library): one row per unit, one bar per measure,
// each value also written next to its bar, so the chart reads without colour and the table
// below it carries the same numbers for screen readers.
import { html } from '../../shared/html.js';

const ROW = 22; // height of one bar
const GAP = 10; // between units
const LABEL = 220; // room for the unit's name
const WIDTH = 720;
const VALUE = 64; // room for the value after a bar
// distinguishable in grey too: dark, mid, light with an outline
const FILLS = ['#8c1d18', '#d9822b', '#f3d9a4'];

export function BarChart({ title, rows, measures, max, format }) {
  const per = measures.length * ROW + GAP;
  const height = rows.length * per + 28;
  const scale = (WIDTH - LABEL - VALUE) / (max || 1);
  return html`<figure class="chart">
    <svg viewBox=${`0 0 ${WIDTH} ${height}`} width="100%" role="img" aria-label=${title}
      xmlns="http://www.w3.org/2000/svg">
      <g class="legend">${measures.map(
        (m, i) => html`<g transform=${`translate(${LABEL + i * 170} 4)`}>
          <rect width="14" height="14" fill=${FILLS[i]} stroke="#1b1b1b" stroke-width="1" />
          <text x="20" y="12" font-size="13">${m.label}</text></g>`,
      )}</g>
      ${rows.map(
        (row, r) => html`<g transform=${`translate(0 ${28 + r * per})`} data-unit=${row.code}>
          <text x=${LABEL - 8} y=${(measures.length * ROW) / 2 + 5} text-anchor="end" font-size="13">${row.name}</text>
          ${measures.map((m, i) => {
            const value = m.value(row);
            const w = value == null ? 0 : Math.max(1, value * scale);
            return html`<g>
              <rect x=${LABEL} y=${i * ROW + 2} width=${w} height=${ROW - 4} fill=${FILLS[i]}
                stroke="#1b1b1b" stroke-width="0.5" data-measure=${m.key} data-value=${value ?? ''} />
              <text x=${LABEL + w + 6} y=${i * ROW + ROW / 2 + 4} font-size="12">${value == null ? '—' : format(value)}</text>
            </g>`;
          })}
        </g>`,
      )}
    </svg>
  </figure>`;
}

// the rows as CSV (RFC 4180: quoted where needed, CRLF), with a BOM so spreadsheet programs
// read the Chinese names as UTF-8
export function toCsv(header, rows) {
  const cell = (v) => {
    const text = v == null ? '' : String(v);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return `\ufeff${[header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

export function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
