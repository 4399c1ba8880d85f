// Pure rendering of the PR comment from a GateReport (or from the reason there is none).
// Everything that comes from the artifact is untrusted and goes through escapeInline.

import type { CaseChange, GateReport, SlowChange } from '../gate/schema.js';
import { escapeInline as escapeText, neutralizeLinks } from '../report/escape.js';
import { formatError } from '../report/markdown.js';
import { gateSurfaceLine } from '../report/surface.js';
import { encodeMarker, stripMarker, decodeMarker, type CommentState } from './marker.js';

/** GitHub refuses comment bodies over 65,536 characters; keep a margin. */
export const MAX_COMMENT_CHARS = 60_000;
/** Rows of one folded section (the rest is in the artifact). */
const MAX_FOLDED_ROWS = 100;
const CELL = { id: 120, error: 160, operator: 40, note: 160 } as const;

export interface GateRunInfo {
  runId: number;
  attempt: number;
  /** Commit the run tested (hex). */
  headSha: string;
  /** Link to the run (built from the repository URL and run id, not from artifact text). */
  runUrl: string;
  /** Link to the artifact in GitHub's UI, when there is one. */
  artifactUrl?: string;
  conclusion: string | null;
}

export type GateOutcome = { kind: 'report'; report: GateReport } | { kind: 'unavailable'; problem: string };

export interface PrCommentInput {
  run: GateRunInfo;
  outcome: GateOutcome;
  /** The PR's head commit, when known: a result for another commit is shown as outdated. */
  prHeadSha?: string;
}

export interface RenderOptions {
  /** Regression rows shown before the rest is folded. */
  maxRows: number;
  maxChars?: number;
}

/** Untrusted text for inline markdown: escaped, mentions/refs neutralized, no autolinks, capped. */
function escapeInline(text: string, max: number): string {
  return neutralizeLinks(escapeText(text, max));
}

/** The first non-blank line, found without splitting a possibly huge message. */
function firstLineOf(text: string): string {
  const start = Math.max(0, text.search(/\S/));
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end);
}

function short(sha: string): string {
  return /^[0-9a-f]+$/.test(sha) ? sha.slice(0, 7) : '?';
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function signedPercent(after: number, before: number): string {
  if (before <= 0) return '';
  const p = ((after - before) / before) * 100;
  return `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`;
}

function outcomeCell(c: CaseChange): string {
  return `${escapeInline(c.before ?? '—', 40)} → ${escapeInline(c.after ?? '—', 40)}`;
}

function errorCell(c: CaseChange): string {
  const afterErr = c.maxAbsErrAfter;
  if (afterErr === undefined && c.maxAbsErrBefore === undefined) return '—';
  const was =
    c.maxAbsErrBefore !== undefined && c.maxAbsErrBefore !== null
      ? ` (was ${formatError(c.maxAbsErrBefore)})`
      : '';
  return `${formatError(afterErr)}${was}`;
}

function problemCell(c: CaseChange): string {
  if (c.error) {
    const line = firstLineOf(c.error.message);
    return escapeInline(`${c.error.stage}: ${c.error.type}: ${line}`, CELL.error);
  }
  const parts: string[] = [];
  if (c.output) parts.push(`output ${c.output}`);
  // A note that only repeats the outcome change says nothing the table does not.
  if (c.note && c.note !== `${c.before} → ${c.after}`) parts.push(c.note);
  return parts.length ? escapeInline(parts.join(': '), CELL.note) : '';
}

function operatorCell(c: CaseChange): string {
  const ops = c.operators ?? [];
  if (!ops.length) return '';
  const shown = ops.slice(0, 5).map((o) => escapeInline(o, CELL.operator));
  return shown.join(', ') + (ops.length > 5 ? ` (+${ops.length - 5})` : '');
}

const CHANGE_HEADER = ['| case | before → after | max error | error | operator |', '|---|---|---|---|---|'];

function changeRow(c: CaseChange): string {
  return `| ${escapeInline(c.id, CELL.id)} | ${outcomeCell(c)} | ${errorCell(c)} | ${problemCell(c)} | ${operatorCell(c)} |`;
}

const FLAKY_HEADER = ['| case | before → after | re-runs | error |', '|---|---|---|---|'];
function flakyRow(c: CaseChange): string {
  const reruns =
    (c.reruns ?? [])
      .slice(0, 10)
      .map((o) => escapeInline(o, 40))
      .join(', ') || '—';
  return `| ${escapeInline(c.id, CELL.id)} | ${outcomeCell(c)} | ${reruns} | ${problemCell(c)} |`;
}

const SLOW_HEADER = ['| case | metric | before | after | ratio |', '|---|---|---:|---:|---:|'];
function slowRow(s: SlowChange): string {
  return `| ${escapeInline(s.id, CELL.id)} | ${escapeInline(s.metric, 10)}${s.clock === 'cpu' ? ' (CPU)' : ''} | ${s.beforeMs.toFixed(1)} ms | ${s.afterMs.toFixed(1)} ms | ×${s.ratio.toFixed(2)} |`;
}

/** Appends lines while they fit in the character budget. */
class Budget {
  constructor(private remaining: number) {}
  fits(text: string): boolean {
    return text.length + 1 <= this.remaining;
  }
  take(text: string): void {
    this.remaining -= text.length + 1;
  }
}

/** A table whose rows stop when the budget runs out, saying how many were left out. */
function table<T>(
  header: string[],
  items: readonly T[],
  row: (t: T) => string,
  budget: Budget,
  cap: number,
): string[] {
  const out = [...header];
  let shown = 0;
  for (const item of items) {
    if (shown >= cap) break;
    const line = row(item);
    if (!budget.fits(line)) break;
    budget.take(line);
    out.push(line);
    shown++;
  }
  if (shown < items.length)
    out.push('', `… ${items.length - shown} more not shown here: see the gate artifact.`);
  return out;
}

function folded(summary: string, body: string[]): string[] {
  return ['<details>', `<summary>${summary}</summary>`, '', ...body, '', '</details>', ''];
}

function headline(report: GateReport): string {
  const n = report.counts.regressions;
  switch (report.verdict) {
    case 'fail':
      return n
        ? `### ❌ convgate: ${plural(n, 'regression')}`
        : report.counts.missing
          ? `### ❌ convgate: ${plural(report.counts.missing, 'case')} missing`
          : '### ❌ convgate: gate failed';
    case 'no-baseline':
      return '### ⚪ convgate: no baseline to compare with';
    default:
      return report.counts.flaky
        ? `### ✅ convgate: no regressions (${report.counts.flaky} flaky)`
        : '### ✅ convgate: no regressions';
  }
}

function countsLine(report: GateReport): string {
  const c = report.counts;
  return [
    `**${plural(c.regressions, 'regression')}**`,
    plural(c.fixes, 'fix', 'fixes'),
    `${c.flaky} flaky`,
    `${c.stillFailing} still failing`,
    plural(c.changedFailures, 'changed failure'),
    `${c.new} new`,
    ...(c.missing ? [`**${c.missing} missing**`] : []),
    `${c.removed} removed`,
    ...(c.lost ? [`**${c.lost} lost coverage**`] : []),
    `${c.slow} slow`,
    plural(c.referenceErrors, 'reference error'),
    `${c.unchanged} unchanged`,
  ].join(' · ');
}

function timingLine(report: GateReport): string {
  const { baselineMs, candidateMs } = report.timing;
  if (baselineMs === null) return `**Time:** ${seconds(candidateMs)}`;
  return `**Time:** ${seconds(candidateMs)} (baseline ${seconds(baselineMs)}, ${signedPercent(candidateMs, baselineMs)})`;
}

/** Coverage has no fixed shape yet: numbers and {before, after} pairs are shown, the rest skipped. */
function coverageLines(coverage: Record<string, unknown> | undefined): string[] {
  if (!coverage) return [];
  const rows: string[] = [];
  for (const [key, value] of Object.entries(coverage).slice(0, 20)) {
    const name = escapeInline(key, 60);
    if (typeof value === 'number' && Number.isFinite(value)) {
      rows.push(`| ${name} | ${value} |`);
    } else if (value && typeof value === 'object') {
      const v = value as Record<string, unknown>;
      const before =
        typeof v.before === 'number' ? v.before : typeof v.baseline === 'number' ? v.baseline : undefined;
      const after =
        typeof v.after === 'number' ? v.after : typeof v.candidate === 'number' ? v.candidate : undefined;
      if (after !== undefined && Number.isFinite(after)) {
        const delta =
          before !== undefined && Number.isFinite(before)
            ? ` (${after - before >= 0 ? '+' : ''}${+(after - before).toFixed(4)})`
            : '';
        rows.push(`| ${name} | ${before !== undefined ? `${before} → ` : ''}${after}${delta} |`);
      }
    }
  }
  return rows.length ? ['| coverage | value |', '|---|---|', ...rows, ''] : [];
}

/** One line: how much of the converter's translation functions the gate's cases ran. */
function surfaceLine(surface: NonNullable<GateReport['surface']>): string {
  return surface.measured
    ? `**Converter surface:** ${neutralizeLinks(gateSurfaceLine(surface))} ran in this gate's cases.`
    : `**Converter surface:** not measured (${escapeInline(surface.reason, 200)}).`;
}

function outdatedBanner(resultSha: string, headSha: string): string {
  return `> [!NOTE]\n> **Outdated:** new commits were pushed (head is now \`${short(headSha)}\`); this result is for \`${short(resultSha)}\`. It will be replaced by the next gate run.`;
}

function footer(run: GateRunInfo): string {
  const attempt = run.attempt > 1 ? ` (attempt ${run.attempt})` : '';
  const artifact = run.artifactUrl ? ` · [gate artifact](${run.artifactUrl})` : '';
  return `<sub>convgate gate run [#${run.runId}](${run.runUrl})${attempt} on \`${short(run.headSha)}\`${artifact} · this comment is updated by each new gate run</sub>`;
}

function reportBody(report: GateReport, budget: Budget, opts: RenderOptions): string[] {
  const lines: string[] = [];
  const sides = report.baseline
    ? `candidate ${escapeInline(report.candidate.converter, 80)} (${report.candidate.cases} cases) vs baseline ${escapeInline(report.baseline.converter, 80)} (${report.baseline.cases} cases)`
    : `candidate ${escapeInline(report.candidate.converter, 80)} (${report.candidate.cases} cases)`;
  lines.push(`**${escapeInline(report.verdict, 20)}**: ${escapeInline(report.reason, 300)} · ${sides}`, '');
  if (report.mismatches.length) {
    lines.push(
      `⚠️ Compared despite differences: ${report.mismatches
        .slice(0, 5)
        .map((m) => escapeInline(m, 200))
        .join('; ')}`,
      '',
    );
  }
  lines.push(countsLine(report), '');
  for (const l of lines) budget.take(l);

  if (report.regressions.length) {
    const visible = report.regressions.slice(0, opts.maxRows);
    lines.push(`#### Regressions (${report.regressions.length})`, '');
    lines.push(...table(CHANGE_HEADER, visible, changeRow, budget, opts.maxRows), '');
    const rest = report.regressions.slice(opts.maxRows);
    if (rest.length)
      lines.push(
        ...folded(
          `${plural(rest.length, 'more regression')}`,
          table(CHANGE_HEADER, rest, changeRow, budget, MAX_FOLDED_ROWS),
        ),
      );
  }
  if (report.missing.length) {
    lines.push(`#### Missing from the candidate (${report.missing.length})`, '');
    lines.push(...table(CHANGE_HEADER, report.missing, changeRow, budget, opts.maxRows), '');
  }
  const sections: [string, readonly CaseChange[], string[], (c: CaseChange) => string][] = [
    [
      'Lost coverage (ran in the baseline, not in the candidate: fails the gate)',
      report.lost ?? [],
      CHANGE_HEADER,
      changeRow,
    ],
    ['Fixes', report.fixes, CHANGE_HEADER, changeRow],
    ['Flaky (regressed once, passed on re-run)', report.flaky, FLAKY_HEADER, flakyRow],
    ['Changed failures (a different failure, not worse)', report.changedFailures, CHANGE_HEADER, changeRow],
    ['Still failing', report.stillFailing, CHANGE_HEADER, changeRow],
    ['New cases', report.new, CHANGE_HEADER, changeRow],
    ['Removed from the corpus', report.removed, CHANGE_HEADER, changeRow],
    [
      'Reference errors (corpus problems, not the converter)',
      report.referenceErrors,
      CHANGE_HEADER,
      changeRow,
    ],
  ];
  for (const [title, items, header, row] of sections) {
    if (!items.length) continue;
    lines.push(...folded(`${title} (${items.length})`, table(header, items, row, budget, MAX_FOLDED_ROWS)));
  }
  if (report.slow.length) {
    lines.push(
      ...folded(
        `Slower (${report.slow.length})`,
        table(SLOW_HEADER, report.slow, slowRow, budget, MAX_FOLDED_ROWS),
      ),
    );
  }
  const coverage = coverageLines(report.coverage);
  lines.push(
    timingLine(report),
    '',
    ...(report.surface ? [surfaceLine(report.surface), ''] : []),
    ...coverage,
  );
  return lines;
}

/** The whole comment, marker first. */
export function renderPrComment(input: PrCommentInput, opts: RenderOptions): string {
  const { run, outcome } = input;
  const outdated = input.prHeadSha !== undefined && input.prHeadSha !== run.headSha;
  const state: CommentState = {
    v: 1,
    runId: run.runId,
    attempt: run.attempt,
    sha: run.headSha,
    ...(outdated ? { outdated: true } : {}),
  };
  const head: string[] = [encodeMarker(state)];
  const tail = ['', footer(run)];
  let body: string[];
  const budget = new Budget((opts.maxChars ?? MAX_COMMENT_CHARS) - 2000);
  if (outcome.kind === 'report') {
    head.push(headline(outcome.report), '');
    if (outdated) head.push(outdatedBanner(run.headSha, input.prHeadSha!), '');
    body = reportBody(outcome.report, budget, opts);
  } else {
    head.push('### ⚠️ convgate: no gate result', '');
    if (outdated) head.push(outdatedBanner(run.headSha, input.prHeadSha!), '');
    const conclusion = run.conclusion ? ` (run conclusion: ${escapeInline(run.conclusion, 30)})` : '';
    body = [`The gate run produced no usable result${conclusion}: ${escapeInline(outcome.problem, 500)}`];
  }
  return [...head, ...body, ...tail].join('\n').replace(/\n{3,}/g, '\n\n');
}

/**
 * The same comment marked outdated after a push to `newHeadSha`, or null when there is nothing
 * to change (not our marker, already outdated, or the comment already shows that commit).
 */
export function markCommentOutdated(body: string, newHeadSha: string): string | null {
  const state = decodeMarker(body);
  if (!state || state.outdated || state.sha === newHeadSha) return null;
  const rest = stripMarker(body).split('\n');
  // Insert the banner after the headline.
  const at = rest.findIndex((l) => l.startsWith('### '));
  const banner = ['', outdatedBanner(state.sha, newHeadSha)];
  rest.splice(at < 0 ? 0 : at + 1, 0, ...banner);
  return [encodeMarker({ ...state, outdated: true }), ...rest].join('\n').replace(/\n{3,}/g, '\n\n');
}
