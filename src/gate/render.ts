import { escapeInline, neutralizeReferences, truncate } from '../report/escape.js';
import { renderGateSurface } from '../report/surface.js';
import { errorTransition, formatDuration } from '../report/view/format.js';
import {
  VERDICT_TITLE,
  gateCounts,
  gateView,
  type CaseRow,
  type CaseSection,
  type ReportView,
} from '../report/view/model.js';
import type { CoverageMetricName, GateReport } from './schema.js';
import { gateLocalization } from '../localize/render-gate.js';

export interface RenderOptions {
  /** Rows per table before the rest is summarised (job summaries have a 1 MiB limit). */
  maxRows?: number;
  /** Where reproducers can be found, e.g. "artifact `convgate`". */
  artifactHint?: string;
}

export { formatDuration } from '../report/view/format.js';

/**
 * Inline code: backslash escapes are not processed inside code spans, so only what could end the
 * span (backticks) or a table cell (|, escaped even in code spans by GFM) is replaced.
 */
export function code(text: string, max = 120): string {
  const one = truncate(text.replace(/\s+/g, ' ').trim(), max).replace(/`/g, "'").replace(/\|/g, '\\|');
  return `\`${one}\``;
}

/** Text convgate composed itself (verdict reason) that may quote a value from the event or results. */
function plain(text: string): string {
  return neutralizeReferences(text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
}

function shortSha(sha: string | null | undefined): string {
  return sha ? code(sha.slice(0, 12)) : '—';
}

function errCell(r: CaseRow): string {
  const err = errorTransition({ maxAbsErrBefore: r.errBefore, maxAbsErrAfter: r.errAfter });
  return err !== '—' && r.output ? `${err} (${escapeInline(r.output, 40)})` : err;
}

function problemCell(r: CaseRow): string {
  const parts: string[] = [];
  if (r.problem) parts.push(escapeInline(r.problem, 300));
  if (r.operators.length) parts.push(`operators: ${r.operators.map((o) => code(o, 40)).join(' ')}`);
  // The transition is in its own column: the note says only what it adds to it.
  if (r.note) parts.push(escapeInline(r.note, 160));
  return parts.join('<br>') || '—';
}

function changeTable(rows: CaseRow[], max: number, withReruns: boolean): string[] {
  const head = withReruns
    ? [
        '| case | family | before → after | max abs error | error · operators | re-runs |',
        '|---|---|---|---|---|---|',
      ]
    : ['| case | family | before → after | max abs error | error · operators |', '|---|---|---|---|---|'];
  const lines = [...head];
  for (const r of rows.slice(0, max)) {
    const cells = [
      code(r.id, 80),
      escapeInline(r.family, 40),
      `${r.before ?? '—'} → ${r.after ?? '—'}`,
      errCell(r),
      problemCell(r),
    ];
    if (withReruns) cells.push(r.reruns.length ? r.reruns.join(', ') : '—');
    lines.push(`| ${cells.join(' | ')} |`);
  }
  if (rows.length > max) lines.push('', `… and ${rows.length - max} more (see gate.json).`);
  return lines;
}

/** The gate's counts in one line, the alarming ones strong. */
export function countsLine(counts: GateReport['counts']): string {
  return gateCounts(counts)
    .map((i) => (i.alarm ? `**${i.text}**` : i.text))
    .join(' · ');
}

function idList(rows: { id: string }[], max = 60): string {
  const shown = rows.slice(0, max).map((r) => code(r.id, 80));
  return shown.join(', ') + (rows.length > max ? ` … (+${rows.length - max})` : '');
}

/** torch, exporter and onnxscript of each side (from the results; versions are escaped). */
function stackRows(r: GateReport): string[] {
  const s = r.stacks;
  if (!s) return [];
  const cell = (v: string | null) => (v === null ? '—' : escapeInline(v, 80));
  const exporter = (x: typeof s.baseline) =>
    x.adapter && x.exporter && x.exporter !== x.adapter
      ? `${cell(x.adapter)} (${cell(x.exporter)})`
      : cell(x.adapter ?? x.exporter);
  return [
    `| torch | ${cell(s.baseline.torch)} | ${cell(s.candidate.torch)} |`,
    `| exporter | ${exporter(s.baseline)} | ${exporter(s.candidate)} |`,
    `| onnxscript | ${cell(s.baseline.onnxscript)} | ${cell(s.candidate.onnxscript)} |`,
  ];
}

/** " (CPU 8m 40s)" after a wall time, when the phase's CPU time was measured. */
function cpuOf(ms: number | undefined): string {
  return ms === undefined ? '' : ` (CPU ${formatDuration(ms)})`;
}

/**
 * The gate verdict as markdown: the job summary, `convgate diff`/`gate` output and gate.md. The
 * tables come from the report's view model (src/report/view/model.ts), as the HTML page's do.
 * Every string that came from a converter run or a results file is escaped.
 */
export function renderGateReport(r: GateReport, opts: RenderOptions = {}): string {
  const max = opts.maxRows ?? 50;
  const view = gateView(r);
  const open = view.sections.filter((s) => !s.folded);
  return [
    ...headerLines(r),
    ...countLines(r, view),
    ...open.flatMap((s) => sectionLines(r, s, max)),
    ...slowLines(r, max),
    ...view.sections.filter((s) => s.folded).flatMap((s) => foldedLines(s, max)),
    ...coverageLines(r.coverage),
    ...(r.surface ? renderGateSurface(r.surface, r.verdict) : []),
    ...timingLines(r),
    ...(r.notes?.length ? ['**Notes:**', ...r.notes.map((n) => `- ${escapeInline(n, 300)}`), ''] : []),
    ...reproducerLines(r, opts),
  ].join('\n');
}

/** The title, and both sides side by side: converter, commit, stack, cases, time. */
function headerLines(r: GateReport): string[] {
  const L = [`## convgate: ${VERDICT_TITLE[r.verdict]} — ${plain(r.reason)}`, ''];
  L.push('| | baseline | candidate |', '|---|---|---|');
  L.push(
    `| converter | ${r.baseline ? escapeInline(r.baseline.converter) : '—'} | ${escapeInline(r.candidate.converter)} |`,
  );
  if (r.baseline?.sha || r.candidate.sha)
    L.push(`| commit | ${shortSha(r.baseline?.sha)} | ${shortSha(r.candidate.sha)} |`);
  L.push(...stackRows(r));
  L.push(`| cases | ${r.baseline ? r.baseline.cases : '—'} | ${r.candidate.cases} |`);
  L.push(
    `| time | ${formatDuration(r.timing.baselineMs)}${r.baseline?.source ? ` (${r.baseline.source})` : ''} | ${formatDuration(r.timing.candidateMs)} |`,
  );
  L.push('');
  if (r.stacks?.across.length)
    L.push(
      `**Across stacks** (compared on purpose): ${r.stacks.across.map((d) => escapeInline(d, 120)).join('; ')}.`,
      '',
    );
  return L;
}

/** The counts line (of the candidate alone when there is no baseline), the corpus, and what was forced. */
function countLines(r: GateReport, view: ReportView): string[] {
  const sel = r.selection;
  const where =
    ` · corpus ${code(r.candidate.corpusHash)}` +
    (sel?.filter ? ` · filter ${code(sel.filter, 80)}` : '') +
    (sel?.shard ? ` · shard ${escapeInline(sel.shard)}` : '');
  const counts =
    r.verdict === 'no-baseline' ? view.counts.map((i) => i.text).join(' · ') : countsLine(r.counts);
  const L = [counts + where, ''];
  if (r.mismatches.length)
    L.push(
      `> [!WARNING]\n> Compared despite: ${r.mismatches.map((m) => escapeInline(m, 200)).join('; ')}`,
      '',
    );
  return L;
}

/** One open table; the regressions are followed by where they start (localization). */
function sectionLines(r: GateReport, s: CaseSection, max: number): string[] {
  const withReruns = s.key === 'flaky' || (s.key === 'regressions' && r.confirmation !== undefined);
  return [
    `### ${s.note ? `${s.title}: ${s.note}` : s.title}`,
    '',
    ...changeTable(s.rows, max, withReruns),
    '',
    ...(s.key === 'regressions' ? gateLocalization(r, max) : []),
  ];
}

/** A folded table: new cases show only those not ok (and every id); removed ones only their ids. */
function foldedLines(s: CaseSection, max: number): string[] {
  const summary = `<details><summary>${s.note ? `${s.title}: ${s.note}` : s.title}</summary>`;
  const notOk = s.key === 'new' ? s.rows.filter((x) => x.after !== 'ok') : s.rows;
  const table = s.key === 'removed' || !notOk.length ? [] : [...changeTable(notOk, max, false), ''];
  const ids = s.key === 'new' || s.key === 'removed' ? [idList(s.rows), ''] : [];
  return [summary, '', ...table, ...ids, '</details>', ''];
}

function slowLines(r: GateReport, max: number): string[] {
  if (!r.slow.length) return [];
  const L = [
    `### Slower (${r.slow.length}) — reported, not failing by default${r.confirmation ? '; slower again on every re-run, fastest time shown' : ''}`,
    '',
    '| case | family | time | before | after | ratio |',
    '|---|---|---|---:|---:|---:|',
  ];
  for (const s of r.slow.slice(0, max))
    L.push(
      `| ${code(s.id, 80)} | ${escapeInline(s.family, 40)} | ${s.metric}${s.clock === 'cpu' ? ' (CPU)' : ''} | ${s.beforeMs.toFixed(1)} ms | ${s.afterMs.toFixed(1)} ms | ${s.ratio.toFixed(1)}× |`,
    );
  L.push('');
  return L;
}

/** The coverage line: a number, or the number and what it was when there is a baseline. */
function coverageLines(cov: GateReport['coverage']): string[] {
  if (!cov) return [];
  const show = (k: CoverageMetricName) => {
    const v = cov[k];
    if (v === undefined) return '?';
    if (typeof v === 'number') return String(v);
    return v.before !== v.after ? `${v.after} (was ${v.before})` : String(v.after);
  };
  const ops = cov.ops ?? [];
  const L = [
    `**Coverage:** ${show('cases')} cases (${show('real')} real, ${show('synthetic')} synthetic) in ${show('families')} families; ` +
      `exported graphs use ${show('opTypes')} ONNX operator types and ${show('opPairs')} producer→consumer pairs` +
      (cov.generatorOpKinds !== undefined
        ? `; generated specs use ${show('generatorOpKinds')} operator kinds`
        : '') +
      '.',
  ];
  if (ops.length)
    L.push(
      '',
      `<details><summary>Operator types</summary>`,
      '',
      ops.map((o) => code(o, 60)).join(' '),
      '',
      '</details>',
    );
  L.push('');
  return L;
}

function timingLines(r: GateReport): string[] {
  const t = r.timing;
  return [
    `**Timing:** baseline ${formatDuration(t.baselineMs)}${cpuOf(t.baselineCpuMs)} · candidate ${formatDuration(t.candidateMs)}${cpuOf(t.candidateCpuMs)}` +
      (t.confirmMs !== undefined
        ? ` · confirmation ${formatDuration(t.confirmMs)}${cpuOf(t.confirmCpuMs)} (up to ${r.confirmation?.reruns ?? 0} re-runs of ${r.confirmation?.suspects ?? 0} suspect(s))`
        : ''),
    '',
  ];
}

function reproducerLines(r: GateReport, opts: RenderOptions): string[] {
  const withRepro = [...r.regressions, ...r.flaky].filter((x) => x.reproducer);
  if (!withRepro.length) return [];
  return [
    `Reproducers${opts.artifactHint ? ` (${opts.artifactHint})` : ''}: ${withRepro
      .slice(0, 10)
      .map((x) => code(x.reproducer!, 120))
      .join(
        ', ',
      )}${withRepro.length > 10 ? ' …' : ''} — each folder holds the model, inputs, expected outputs and a standalone \`reproduce.py\`.`,
    '',
  ];
}
