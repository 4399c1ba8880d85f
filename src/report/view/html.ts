/**
 * The self-contained HTML report of a run or a gate: one file, inline CSS and SVG, no script and
 * no external resource (a Content-Security-Policy forbids both), every untrusted string escaped.
 */
import { OUTCOMES, type Outcome } from '../../results/outcome.js';
import { escapeHtml } from './escape-html.js';
import { formatDuration, formatError, outcomeTransition } from './format.js';
import type { CaseRow, CaseSection, FamilyOutcomes, ReportView, SlowRow } from './model.js';
import { histogram, pairedBars, stackedBars, type Segment } from './svg.js';

export const OUTCOME_COLOR: Record<Outcome, string> = {
  'conversion-crash': '#b2182b',
  hang: '#7b3294',
  'invalid-model': '#e66101',
  'runtime-crash': '#d6604d',
  'wrong-output': '#f4a582',
  ok: '#4dac26',
  'reference-error': '#878787',
  unsupported: '#c2c2c2',
};

/** Rows of a table before the rest is summarised (the page stays light on big corpora). */
const MAX_ROWS = 500;
/** Families shown as their own bar; the rest are summed into one. */
const MAX_FAMILIES = 40;

const CSS = `
body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px} h3{font-size:14px;margin:12px 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.verdict{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;margin-right:8px}
.verdict.pass{background:#dff3d8;color:#1d5e0e}.verdict.fail{background:#fbd9d6;color:#8a1010}.verdict.no-baseline,.verdict.run{background:#eee;color:#444}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:12px 0}dl.facts dt{color:#666}dl.facts dd{margin:0;font-family:ui-monospace,monospace;font-size:13px;overflow-wrap:anywhere}
ul.counts{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:6px}ul.counts li{background:#f1f1f1;border-radius:4px;padding:2px 8px}ul.counts li.alarm{background:#fbd9d6;font-weight:600}
.warning{background:#fff4d6;border-left:4px solid #e0a800;padding:6px 10px}
table{border-collapse:collapse;font-size:13px;width:100%}th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}th{background:#f6f6f6}
td.id,td.mono{font-family:ui-monospace,monospace;overflow-wrap:anywhere}td.num{text-align:right}
.legend{display:flex;flex-wrap:wrap;gap:10px;font-size:12px;margin:4px 0 8px}.legend span::before{content:"";display:inline-block;width:10px;height:10px;margin-right:4px;background:var(--c)}
.plot{overflow-x:auto}.muted{color:#777}
`;

function outcomeSegments(counts: Partial<Record<Outcome, number>>): Segment[] {
  return OUTCOMES.flatMap((o) => (counts[o] ? [{ key: o, value: counts[o]!, color: OUTCOME_COLOR[o] }] : []));
}

function failures(f: FamilyOutcomes): number {
  return OUTCOMES.reduce(
    (n, o) => n + (o === 'ok' || o === 'reference-error' || o === 'unsupported' ? 0 : (f.after[o] ?? 0)),
    0,
  );
}

/** Families with failures first, then by name; the tail summed into one bar. */
function familyRows(families: FamilyOutcomes[]): FamilyOutcomes[] {
  const sorted = [...families].sort((a, b) => failures(b) - failures(a) || a.family.localeCompare(b.family));
  if (sorted.length <= MAX_FAMILIES) return sorted;
  const rest = sorted.slice(MAX_FAMILIES - 1);
  const sum = (pick: (f: FamilyOutcomes) => Partial<Record<Outcome, number>> | null) => {
    const out: Partial<Record<Outcome, number>> = {};
    for (const f of rest)
      for (const [o, n] of Object.entries(pick(f) ?? {}))
        out[o as Outcome] = (out[o as Outcome] ?? 0) + (n ?? 0);
    return out;
  };
  return [
    ...sorted.slice(0, MAX_FAMILIES - 1),
    {
      family: `${rest.length} other families`,
      after: sum((f) => f.after),
      before: rest[0].before ? sum((f) => f.before) : null,
    },
  ];
}

function familiesPlot(view: ReportView): string {
  const fams = view.plots.families;
  if (!fams.length) return '';
  const present = OUTCOMES.filter((o) => fams.some((f) => f.after[o] || f.before?.[o]));
  const legend = present.map((o) => `<span style="--c:${OUTCOME_COLOR[o]}">${o}</span>`).join('');
  const paired = fams.some((f) => f.before);
  const chart = stackedBars(
    'Outcomes per family',
    familyRows(fams).map((f) => ({
      label: f.family,
      segments: outcomeSegments(f.after),
      under: f.before ? outcomeSegments(f.before) : null,
    })),
  );
  return `<section id="families"><h2>Outcomes per family</h2><div class="legend">${legend}</div><p class="muted">Share of each outcome in the family; the number of cases at the right.${paired ? ' Thick bar: candidate; thin bar under it: baseline.' : ''}</p><div class="plot">${chart}</div></section>`;
}

/** Decade bins of the largest absolute error: 0, below 1e-9, one per decade, 1e3 and above. */
const LOW = -9;
const HIGH = 3;
function errorBins(): string[] {
  const bins = ['0', `<1e${LOW}`];
  for (let e = LOW; e < HIGH; e++) bins.push(`1e${e}`);
  bins.push(`≥1e${HIGH}`);
  return bins;
}
function binOf(v: number): number {
  if (v === 0) return 0;
  const e = Math.floor(Math.log10(v));
  if (e < LOW) return 1;
  if (e >= HIGH) return HIGH - LOW + 2;
  return e - LOW + 2;
}
function binCounts(values: readonly number[]): number[] {
  const counts = new Array<number>(HIGH - LOW + 3).fill(0);
  for (const v of values) counts[binOf(Math.abs(v))]++;
  return counts;
}

function errorsPlot(view: ReportView): string {
  const { before, after, atol } = view.plots.errors;
  if (!after.length && !before?.length) return '';
  const series = [
    ...(before
      ? [{ name: `baseline (${before.length} cases)`, color: '#9db4d0', counts: binCounts(before) }]
      : []),
    {
      name: `${view.kind === 'gate' ? 'candidate' : 'run'} (${after.length} cases)`,
      color: '#2f6db5',
      counts: binCounts(after),
    },
  ];
  const marker =
    atol !== null && atol > 0
      ? { bin: binOf(atol) + Math.log10(atol) - Math.floor(Math.log10(atol)), label: `atol ${atol}` }
      : undefined;
  const chart = histogram('Largest absolute error per case', errorBins(), series, marker);
  return `<section id="errors"><h2>Error distribution${before ? ': before and after' : ''}</h2><p class="muted">Largest absolute output error of each case that ran to a comparison, per decade.</p><div class="plot">${chart}</div></section>`;
}

function timingsPlot(view: ReportView): string {
  const { stages, slowest } = view.plots;
  if (!stages.some((s) => s.afterMs > 0)) return '';
  const names =
    view.kind === 'gate' ? { before: 'baseline', after: 'candidate' } : { before: 'before', after: 'run' };
  const perStage = pairedBars(
    'Time per stage, summed over the cases',
    stages.map((s) => ({ label: s.stage, before: s.beforeMs, after: s.afterMs })),
    formatDuration,
    names,
  );
  const perCase = pairedBars(
    'Slowest cases (export + run)',
    slowest.map((s) => ({ label: s.id, before: s.beforeMs, after: s.afterMs })),
    (ms) => `${ms.toFixed(0)} ms`,
    names,
  );
  const legend = stages.some((s) => s.beforeMs !== null)
    ? `<div class="legend"><span style="--c:#9db4d0">${names.before}</span><span style="--c:#2f6db5">${names.after}</span></div>`
    : '';
  return `<section id="timings"><h2>Timings</h2>${legend}<h3>Per stage</h3><div class="plot">${perStage}</div><h3>Slowest cases</h3><div class="plot">${perCase}</div></section>`;
}

function cell(text: string, cls = '', max = 300): string {
  return `<td${cls ? ` class="${cls}"` : ''}>${text ? escapeHtml(text, max) : '—'}</td>`;
}

function caseRow(r: CaseRow, withReruns: boolean, gate: boolean): string {
  const err =
    r.errBefore === undefined && r.errAfter === undefined
      ? '—'
      : gate
        ? `${formatError(r.errBefore)} → ${formatError(r.errAfter)}`
        : formatError(r.errAfter);
  const problem = [r.problem, r.note].filter(Boolean).join('; ');
  return (
    '<tr>' +
    cell(r.id, 'id', 200) +
    cell(r.family, '', 80) +
    `<td>${gate ? escapeHtml(outcomeTransition(r)) : escapeHtml(r.after ?? '—')}</td>` +
    cell(err + (r.output ? ` (${r.output})` : ''), 'mono', 120) +
    cell(problem, '', 400) +
    cell(r.operators.join(' '), 'mono', 200) +
    (withReruns ? cell(r.reruns.join(', '), '', 120) : '') +
    cell(r.reproducer ?? '', 'mono', 200) +
    '</tr>'
  );
}

function sectionHtml(s: CaseSection, gate: boolean): string {
  const withReruns = s.rows.some((r) => r.reruns.length);
  const head = `<tr><th>case</th><th>family</th><th>${gate ? 'before → after' : 'outcome'}</th><th>max abs error</th><th>problem</th><th>operators</th>${withReruns ? '<th>re-runs</th>' : ''}<th>reproducer / artifacts</th></tr>`;
  const rows = s.rows.slice(0, MAX_ROWS).map((r) => caseRow(r, withReruns, gate));
  const more =
    s.rows.length > MAX_ROWS
      ? `<p class="muted">… and ${s.rows.length - MAX_ROWS} more (see the JSON).</p>`
      : '';
  const table = `<table class="cases">${head}${rows.join('')}</table>${more}`;
  const title = escapeHtml(s.note ? `${s.title}: ${s.note}` : s.title);
  return `<section class="cases${s.failing ? ' failing' : ''}" data-section="${escapeHtml(s.key)}"><details${s.folded ? '' : ' open'}><summary><h2 style="display:inline">${title}</h2></summary>${table}</details></section>`;
}

function slowHtml(rows: SlowRow[]): string {
  if (!rows.length) return '';
  const body = rows
    .slice(0, MAX_ROWS)
    .map(
      (s) =>
        `<tr>${cell(s.id, 'id', 200)}${cell(s.family, '', 80)}${cell(`${s.metric}${s.cpu ? ' (CPU)' : ''}`)}<td class="num">${s.beforeMs.toFixed(1)} ms</td><td class="num">${s.afterMs.toFixed(1)} ms</td><td class="num">${s.ratio.toFixed(1)}×</td></tr>`,
    )
    .join('');
  return `<section data-section="slow"><h2>Slower (${rows.length}): reported, not failing by default</h2><table><tr><th>case</th><th>family</th><th>time</th><th>before</th><th>after</th><th>ratio</th></tr>${body}</table></section>`;
}

function header(view: ReportView): string {
  const badge = view.verdict ?? 'run';
  const facts = view.facts
    .map((f) => `<dt>${escapeHtml(f.label)}</dt><dd>${escapeHtml(f.value, 300)}</dd>`)
    .join('');
  const counts = view.counts
    .map(
      (c) =>
        `<li class="${c.alarm && c.n ? 'alarm' : ''}" data-count="${escapeHtml(c.key)}">${escapeHtml(c.text)}</li>`,
    )
    .join('');
  const warn = view.mismatches.length
    ? `<p class="warning">Compared despite: ${view.mismatches.map((m) => escapeHtml(m, 200)).join('; ')}</p>`
    : '';
  const notes = view.notes.length
    ? `<ul class="notes">${view.notes.map((n) => `<li>${escapeHtml(n, 300)}</li>`).join('')}</ul>`
    : '';
  return (
    `<header><h1>convgate ${escapeHtml(view.kind === 'gate' ? 'gate' : 'run')}: ${escapeHtml(view.title, 200)}</h1>` +
    `<p><span class="verdict ${badge}" id="verdict">${escapeHtml(badge)}</span><span id="reason">${escapeHtml(view.reason, 400)}</span></p>` +
    `<dl class="facts">${facts}</dl><ul class="counts">${counts}</ul>${warn}${notes}</header>`
  );
}

/** The whole page. */
export function renderHtml(view: ReportView): string {
  const gate = view.kind === 'gate';
  const body = [
    header(view),
    familiesPlot(view),
    errorsPlot(view),
    timingsPlot(view),
    ...view.sections.map((s) => sectionHtml(s, gate)),
    slowHtml(view.slow),
    view.sections.length || !view.plots.families.length ? '' : '<p id="all-ok">All cases ok.</p>',
  ].join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>convgate: ${escapeHtml(view.title, 200)}</title><style>${CSS}</style></head>
<body>
${body}
</body></html>
`;
}
