/**
 * Small inline-SVG charts for the HTML report: stacked horizontal bars, histograms and paired
 * bars. No script, no external resource; every label goes through `escapeHtml`.
 */
import { escapeHtml } from './escape-html.js';

export interface Segment {
  key: string;
  value: number;
  color: string;
}

export interface StackedRow {
  label: string;
  /** Second, thinner bar under the first (e.g. the baseline), when present. */
  segments: Segment[];
  under?: Segment[] | null;
}

const FONT = 'font-family="system-ui, sans-serif" font-size="12"';
const LABEL_W = 220;
const BAR_W = 520;

function svg(width: number, height: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}><title>${escapeHtml(title, 200)}</title>${body}</svg>`;
}

function rect(x: number, y: number, w: number, h: number, fill: string, tip: string, cls = ''): string {
  return `<rect${cls ? ` class="${cls}"` : ''} x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0, w).toFixed(1)}" height="${h}" fill="${fill}"><title>${escapeHtml(tip, 300)}</title></rect>`;
}

function text(
  x: number,
  y: number,
  s: string,
  anchor: 'start' | 'end' | 'middle' = 'start',
  max = 40,
): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="${anchor}">${escapeHtml(s, max)}</text>`;
}

/**
 * One stacked bar per row, each the full width (shares of its own total, which is written after
 * it): a family of one case reads as well as one of two hundred.
 */
export function stackedBars(title: string, rows: StackedRow[]): string {
  const rowH = rows.some((r) => r.under) ? 26 : 18;
  const total = (segs: Segment[] | null | undefined) => (segs ?? []).reduce((n, s) => n + s.value, 0);
  const parts: string[] = [];
  rows.forEach((r, i) => {
    const y = 4 + i * rowH;
    parts.push(text(LABEL_W - 6, y + 12, r.label, 'end', 34));
    const scale = BAR_W / Math.max(1, total(r.segments));
    let x = LABEL_W;
    for (const s of r.segments) {
      parts.push(rect(x, y, s.value * scale, 14, s.color, `${r.label}: ${s.value} ${s.key}`, 'seg'));
      x += s.value * scale;
    }
    parts.push(text(LABEL_W + BAR_W + 4, y + 12, String(total(r.segments)), 'start', 12));
    if (r.under) {
      const underScale = BAR_W / Math.max(1, total(r.under));
      let u = LABEL_W;
      for (const s of r.under) {
        parts.push(
          rect(u, y + 16, s.value * underScale, 6, s.color, `${r.label} (baseline): ${s.value} ${s.key}`),
        );
        u += s.value * underScale;
      }
    }
  });
  return svg(LABEL_W + BAR_W + 60, 8 + rows.length * rowH, title, parts.join(''));
}

export interface HistogramSeries {
  name: string;
  color: string;
  counts: number[];
}

/** Grouped columns per bin, with bin labels under the axis and an optional marker line. */
export function histogram(
  title: string,
  bins: string[],
  series: HistogramSeries[],
  marker?: { bin: number; label: string },
): string {
  const W = 760;
  const H = 220;
  const left = 40;
  const bottom = 40;
  const plotH = H - bottom - 24;
  const max = Math.max(1, ...series.flatMap((s) => s.counts));
  const binW = (W - left - 10) / bins.length;
  const barW = Math.max(2, (binW - 4) / Math.max(1, series.length));
  const parts: string[] = [
    `<line x1="${left}" y1="${H - bottom}" x2="${W - 10}" y2="${H - bottom}" stroke="#888"/>`,
    text(left - 6, 24 + 4, String(max), 'end', 10),
    text(left - 6, H - bottom, '0', 'end', 4),
  ];
  bins.forEach((b, i) => {
    const x0 = left + i * binW;
    series.forEach((s, k) => {
      const n = s.counts[i] ?? 0;
      const h = (n / max) * plotH;
      if (n)
        parts.push(
          rect(x0 + 2 + k * barW, H - bottom - h, barW - 1, h, s.color, `${s.name}, ${b}: ${n}`, 'col'),
        );
    });
    if (bins.length <= 24 || i % 2 === 0) parts.push(text(x0 + binW / 2, H - bottom + 14, b, 'middle', 10));
  });
  if (marker) {
    const x = left + marker.bin * binW;
    parts.push(`<line x1="${x}" y1="18" x2="${x}" y2="${H - bottom}" stroke="#c00" stroke-dasharray="4 3"/>`);
    parts.push(text(x + 4, 14, marker.label, 'start', 40));
  }
  series.forEach((s, k) => {
    const x = left + k * 150;
    parts.push(rect(x, H - 16, 10, 10, s.color, s.name));
    parts.push(text(x + 14, H - 7, s.name, 'start', 30));
  });
  return svg(W, H, title, parts.join(''));
}

export interface PairedRow {
  label: string;
  before: number | null;
  after: number;
}

/** Two bars per row (baseline above, candidate below) on one scale, each with its value. */
export function pairedBars(
  title: string,
  rows: PairedRow[],
  format: (v: number) => string,
  names = { before: 'baseline', after: 'candidate' },
): string {
  const paired = rows.some((r) => r.before !== null);
  const rowH = paired ? 28 : 18;
  const max = Math.max(1e-9, ...rows.flatMap((r) => [r.before ?? 0, r.after]));
  const scale = BAR_W / max;
  const parts: string[] = [];
  rows.forEach((r, i) => {
    const y = 4 + i * rowH;
    parts.push(text(LABEL_W - 6, y + 12, r.label, 'end', 34));
    if (paired && r.before !== null) {
      parts.push(
        rect(
          LABEL_W,
          y,
          r.before * scale,
          10,
          '#9db4d0',
          `${r.label} (${names.before}): ${format(r.before)}`,
          'bar',
        ),
      );
      parts.push(text(LABEL_W + r.before * scale + 4, y + 9, format(r.before), 'start', 16));
    }
    const ya = paired ? y + 12 : y;
    parts.push(
      rect(
        LABEL_W,
        ya,
        r.after * scale,
        paired ? 10 : 14,
        '#2f6db5',
        `${r.label} (${names.after}): ${format(r.after)}`,
        'bar',
      ),
    );
    parts.push(text(LABEL_W + r.after * scale + 4, ya + 10, format(r.after), 'start', 16));
  });
  return svg(LABEL_W + BAR_W + 90, 8 + rows.length * rowH, title, parts.join(''));
}
