import { escapeInline, neutralizeReferences, truncate } from '../report/escape.js';
import { renderGateSurface } from '../report/surface.js';
import { changeNote, errorTransition, formatDuration } from '../report/view/format.js';
import { VERDICT_TITLE, gateCounts } from '../report/view/model.js';
import { OUTCOMES } from '../results/outcome.js';
import type { CaseChange, GateReport } from './schema.js';
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

function errCell(c: CaseChange): string {
  const err = errorTransition(c);
  return err !== '—' && c.output ? `${err} (${escapeInline(c.output, 40)})` : err;
}

function problemCell(c: CaseChange): string {
  const parts: string[] = [];
  if (c.error)
    parts.push(
      `${escapeInline(c.error.stage)}: ${escapeInline(c.error.type, 80)}: ${escapeInline(c.error.message, 200)}`,
    );
  if (c.operators?.length) parts.push(`operators: ${c.operators.map((o) => code(o, 40)).join(' ')}`);
  // The transition is in its own column: keep only what the note adds to it.
  const note = changeNote(c);
  if (note) parts.push(escapeInline(note, 160));
  return parts.join('<br>') || '—';
}

function changeTable(rows: CaseChange[], max: number, withReruns: boolean): string[] {
  const head = withReruns
    ? [
        '| case | family | before → after | max abs error | error · operators | re-runs |',
        '|---|---|---|---|---|---|',
      ]
    : ['| case | family | before → after | max abs error | error · operators |', '|---|---|---|---|---|'];
  const lines = [...head];
  for (const c of rows.slice(0, max)) {
    const cells = [
      code(c.id, 80),
      escapeInline(c.family, 40),
      `${c.before ?? '—'} → ${c.after ?? '—'}`,
      errCell(c),
      problemCell(c),
    ];
    if (withReruns) cells.push(c.reruns?.length ? c.reruns.join(', ') : '—');
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
 * The gate verdict as markdown: the job summary, `convgate diff`/`gate` output and gate.md.
 * Every string that came from a converter run or a results file is escaped.
 */
export function renderGateReport(r: GateReport, opts: RenderOptions = {}): string {
  const max = opts.maxRows ?? 50;
  const L: string[] = [];
  L.push(`## convgate: ${VERDICT_TITLE[r.verdict]} — ${plain(r.reason)}`, '');
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
  const c = r.counts;
  const sel = r.selection;
  const where =
    ` · corpus ${code(r.candidate.corpusHash)}` +
    (sel?.filter ? ` · filter ${code(sel.filter, 80)}` : '') +
    (sel?.shard ? ` · shard ${escapeInline(sel.shard)}` : '');
  if (r.verdict === 'no-baseline') {
    // Nothing to compare with: what the candidate does, per outcome.
    const counts = new Map<string, number>();
    for (const x of [...r.new, ...r.referenceErrors])
      counts.set(x.after ?? '—', (counts.get(x.after ?? '—') ?? 0) + 1);
    const order = [...OUTCOMES].filter((o) => counts.has(o));
    L.push(order.map((o) => `${counts.get(o)} ${o}`).join(' · ') + where, '');
    const failing = r.new.filter((x) => x.after !== 'ok');
    if (failing.length)
      L.push(`### Cases that are not ok (${failing.length})`, '', ...changeTable(failing, max, false), '');
  } else {
    L.push(countsLine(c) + where);
    L.push('');
  }
  if (r.mismatches.length)
    L.push(
      `> [!WARNING]\n> Compared despite: ${r.mismatches.map((m) => escapeInline(m, 200)).join('; ')}`,
      '',
    );

  if (r.regressions.length) {
    L.push(`### Regressions (${r.regressions.length})`, '');
    L.push(...changeTable(r.regressions, max, r.confirmation !== undefined), '');
    L.push(...gateLocalization(r, max));
  }
  if (r.missing.length) {
    L.push(
      `### Missing from the candidate (${r.missing.length}): in the baseline and still in the corpus, but no result — failing`,
      '',
    );
    L.push(...changeTable(r.missing, max, false), '');
  }
  if (r.lost?.length) {
    L.push(
      `### Lost coverage (${r.lost.length}): ran in the baseline, did not run in the candidate — fails the gate`,
      '',
    );
    L.push(...changeTable(r.lost, max, false), '');
  }
  if (r.flaky.length) {
    L.push(`### Flaky (${r.flaky.length}): regressed once, did not reproduce on re-run — not counted`, '');
    L.push(...changeTable(r.flaky, max, true), '');
  }
  if (r.fixes.length) {
    L.push(`### Fixed (${r.fixes.length})`, '');
    L.push(...changeTable(r.fixes, max, false), '');
  }
  if (r.changedFailures.length) {
    L.push(`### Failures that changed kind (${r.changedFailures.length})`, '');
    L.push(...changeTable(r.changedFailures, max, false), '');
  }
  if (r.slow.length) {
    L.push(
      `### Slower (${r.slow.length}) — reported, not failing by default${r.confirmation ? '; slower again on every re-run, fastest time shown' : ''}`,
      '',
    );
    L.push('| case | family | time | before | after | ratio |', '|---|---|---|---:|---:|---:|');
    for (const s of r.slow.slice(0, max))
      L.push(
        `| ${code(s.id, 80)} | ${escapeInline(s.family, 40)} | ${s.metric}${s.clock === 'cpu' ? ' (CPU)' : ''} | ${s.beforeMs.toFixed(1)} ms | ${s.afterMs.toFixed(1)} ms | ${s.ratio.toFixed(1)}× |`,
      );
    L.push('');
  }
  if (r.stillFailing.length) {
    L.push(`<details><summary>Still failing on both sides (${r.stillFailing.length})</summary>`, '');
    L.push(...changeTable(r.stillFailing, max, false), '', '</details>', '');
  }
  const newFailing = r.new.filter((x) => x.after !== 'ok');
  if (r.new.length && r.verdict !== 'no-baseline') {
    L.push(
      `<details><summary>New cases (${r.new.length}, ${newFailing.length} not ok)</summary>`,
      '',
      ...(newFailing.length ? changeTable(newFailing, max, false) : []),
      '',
      idList(r.new),
      '',
      '</details>',
      '',
    );
  }
  if (r.removed.length)
    L.push(
      `<details><summary>Removed from the corpus (${r.removed.length}): not failing</summary>`,
      '',
      idList(r.removed),
      '',
      '</details>',
      '',
    );
  if (r.referenceErrors.length) {
    L.push(
      `<details><summary>Reference errors (${r.referenceErrors.length}): the source model itself failed — a corpus problem, not the converter's</summary>`,
      '',
      ...changeTable(r.referenceErrors, max, false),
      '',
      '</details>',
      '',
    );
  }
  const cov = r.coverage;
  if (cov) {
    // A number, or {before, after} when there is a baseline.
    const num = (k: string): { before?: number; after: number } | null => {
      const v = cov[k];
      if (typeof v === 'number') return { after: v };
      if (v && typeof v === 'object' && typeof (v as { after?: unknown }).after === 'number')
        return v as { before?: number; after: number };
      return null;
    };
    const show = (k: string) => {
      const v = num(k);
      if (!v) return '?';
      return v.before !== undefined && v.before !== v.after
        ? `${v.after} (was ${v.before})`
        : String(v.after);
    };
    const ops = Array.isArray(cov.ops)
      ? (cov.ops as unknown[]).filter((o): o is string => typeof o === 'string')
      : [];
    L.push(
      `**Coverage:** ${show('cases')} cases (${show('real')} real, ${show('synthetic')} synthetic) in ${show('families')} families; ` +
        `exported graphs use ${show('opTypes')} ONNX operator types and ${show('opPairs')} producer→consumer pairs` +
        (num('generatorOpKinds') ? `; generated specs use ${show('generatorOpKinds')} operator kinds` : '') +
        '.',
    );
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
  }
  if (r.surface) L.push(...renderGateSurface(r.surface, r.verdict));
  const t = r.timing;
  L.push(
    `**Timing:** baseline ${formatDuration(t.baselineMs)}${cpuOf(t.baselineCpuMs)} · candidate ${formatDuration(t.candidateMs)}${cpuOf(t.candidateCpuMs)}` +
      (t.confirmMs !== undefined
        ? ` · confirmation ${formatDuration(t.confirmMs)}${cpuOf(t.confirmCpuMs)} (up to ${r.confirmation?.reruns ?? 0} re-runs of ${r.confirmation?.suspects ?? 0} suspect(s))`
        : ''),
    '',
  );
  if (r.notes?.length) L.push('**Notes:**', ...r.notes.map((n) => `- ${escapeInline(n, 300)}`), '');
  const withRepro = [...r.regressions, ...r.flaky].filter((x) => x.reproducer);
  if (withRepro.length)
    L.push(
      `Reproducers${opts.artifactHint ? ` (${opts.artifactHint})` : ''}: ${withRepro
        .slice(0, 10)
        .map((x) => code(x.reproducer!, 120))
        .join(
          ', ',
        )}${withRepro.length > 10 ? ' …' : ''} — each folder holds the model, inputs, expected outputs and a standalone \`reproduce.py\`.`,
      '',
    );
  return L.join('\n');
}
