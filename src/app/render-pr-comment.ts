// Pure rendering of the PR comment from a GateReport (or from the reason there is none).
// Everything that comes from the artifact is untrusted and goes through escapeInline.

import { COVERAGE_METRICS, type CaseChange, type GateReport, type SlowChange } from '../gate/schema.js';
import { escapeInline as escapeText, neutralizeLinks } from '../report/escape.js';
import { gateSurfaceLine } from '../report/surface.js';
import { countsLine } from '../gate/render.js';
import { changeError, errorTransition, formatSeconds, plural, signedPercent } from '../report/view/format.js';
import { clipChars } from '../util/text.js';
import { commentLocalization } from '../localize/render-comment.js';
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

function short(sha: string): string {
  return /^[0-9a-f]+$/.test(sha) ? sha.slice(0, 7) : '?';
}

function outcomeCell(c: CaseChange): string {
  return `${escapeInline(c.before ?? '—', 40)} → ${escapeInline(c.after ?? '—', 40)}`;
}

function problemCell(c: CaseChange): string {
  if (c.error) return escapeInline(changeError(c), CELL.error);
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
  return `| ${escapeInline(c.id, CELL.id)} | ${outcomeCell(c)} | ${errorTransition(c)} | ${problemCell(c)} | ${operatorCell(c)} |`;
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

/** Characters `lines` take in the final body (each ends with a newline). */
function sizeOf(lines: readonly string[]): number {
  return lines.reduce((n, l) => n + l.length + 1, 0);
}

/**
 * The characters left for the comment, counted on the final strings (escaped cells, headings,
 * fold wrappers and "more" notes alike): every section takes from this one budget.
 */
class Budget {
  constructor(private remaining: number) {}
  get left(): number {
    return this.remaining;
  }
  /** Takes the lines if they all fit; false (and nothing taken) otherwise. */
  take(lines: readonly string[]): boolean {
    const n = sizeOf(lines);
    if (n > this.remaining) return false;
    this.remaining -= n;
    return true;
  }
}

interface Section {
  title: string;
  /** Folded in <details> (else a visible heading). */
  folded: boolean;
  header: readonly string[];
  /** How many rows there are, and row k (rendered only if it is shown). */
  count: number;
  row: (k: number) => string;
  cap: number;
}

function moreNote(n: number): string {
  return `… ${n} more not shown here: see the gate artifact.`;
}

/**
 * A table section with as many rows as the budget allows (up to `cap`), saying how many were left
 * out; null when not even its heading fits. What it returns has been taken from the budget.
 */
function section(budget: Budget, s: Section): string[] | null {
  const opening = s.folded ? ['<details>', `<summary>${s.title}</summary>`, ''] : [`#### ${s.title}`, ''];
  const closing = s.folded ? ['', '</details>', ''] : [''];
  const reserved = sizeOf(opening) + sizeOf(s.header) + sizeOf(closing) + sizeOf(['', moreNote(s.count)]);
  if (reserved > budget.left) return null;
  let room = budget.left - reserved;
  const rows: string[] = [];
  for (let k = 0; k < Math.min(s.count, s.cap); k++) {
    const line = s.row(k);
    if (line.length + 1 > room) break;
    rows.push(line);
    room -= line.length + 1;
  }
  const left = s.count - rows.length;
  const lines = [...opening, ...s.header, ...rows, ...(left ? ['', moreNote(left)] : []), ...closing];
  budget.take(lines);
  return lines;
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

function timingLine(report: GateReport): string {
  const { baselineMs, candidateMs } = report.timing;
  if (baselineMs === null) return `**Time:** ${formatSeconds(candidateMs)}`;
  return `**Time:** ${formatSeconds(candidateMs)} (baseline ${formatSeconds(baselineMs)}, ${signedPercent(candidateMs, baselineMs)})`;
}

/** The coverage numbers (GateReport.coverage, one schema): a number, or before → after (delta). */
function coverageLines(coverage: GateReport['coverage']): string[] {
  if (!coverage) return [];
  const rows: string[] = [];
  for (const key of COVERAGE_METRICS) {
    const v = coverage[key];
    if (v === undefined) continue;
    if (typeof v === 'number') {
      if (Number.isFinite(v)) rows.push(`| ${key} | ${v} |`);
    } else if (Number.isFinite(v.after)) {
      const delta = Number.isFinite(v.before)
        ? ` (${v.after - v.before >= 0 ? '+' : ''}${+(v.after - v.before).toFixed(4)})`
        : '';
      rows.push(`| ${key} | ${v.before} → ${v.after}${delta} |`);
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

/** Lines that are always shown (if anything is): verdict, differences compared despite, counts. */
function summaryLines(report: GateReport): string[] {
  const sides = report.baseline
    ? `candidate ${escapeInline(report.candidate.converter, 80)} (${report.candidate.cases} cases) vs baseline ${escapeInline(report.baseline.converter, 80)} (${report.baseline.cases} cases)`
    : `candidate ${escapeInline(report.candidate.converter, 80)} (${report.candidate.cases} cases)`;
  const lines = [
    `**${escapeInline(report.verdict, 20)}**: ${escapeInline(report.reason, 300)} · ${sides}`,
    '',
  ];
  if (report.mismatches.length) {
    const shown = report.mismatches.slice(0, 5).map((m) => escapeInline(m, 200));
    lines.push(`⚠️ Compared despite differences: ${shown.join('; ')}`, '');
  }
  lines.push(countsLine(report.counts), '');
  return lines;
}

function table<T>(
  title: string,
  items: readonly T[],
  row: (t: T) => string,
  header: readonly string[],
  cap: number,
  folded = true,
): Section {
  return { title, folded, header, count: items.length, row: (k) => row(items[k]), cap };
}

/** Every table of the report, most important first (that is also the order they give up space in). */
function sections(report: GateReport, opts: RenderOptions): Section[] {
  const change = (title: string, items: readonly CaseChange[], folded = true) =>
    table(
      `${title} (${items.length})`,
      items,
      changeRow,
      CHANGE_HEADER,
      folded ? MAX_FOLDED_ROWS : opts.maxRows,
      folded,
    );
  const rest = report.regressions.slice(opts.maxRows);
  const all: Section[] = [
    table(
      `Regressions (${report.regressions.length})`,
      report.regressions.slice(0, opts.maxRows),
      changeRow,
      CHANGE_HEADER,
      opts.maxRows,
      false,
    ),
    table(plural(rest.length, 'more regression'), rest, changeRow, CHANGE_HEADER, MAX_FOLDED_ROWS),
    change('Missing from the candidate', report.missing, false),
    change('Lost coverage (ran in the baseline, not in the candidate: fails the gate)', report.lost ?? []),
    change('Fixes', report.fixes),
    table(
      `Flaky (regressed once, passed on re-run) (${report.flaky.length})`,
      report.flaky,
      flakyRow,
      FLAKY_HEADER,
      MAX_FOLDED_ROWS,
    ),
    change('Changed failures (a different failure, not worse)', report.changedFailures),
    change('Still failing', report.stillFailing),
    change('New cases', report.new),
    change('Removed from the corpus', report.removed),
    change('Reference errors (corpus problems, not the converter)', report.referenceErrors),
    table(`Slower (${report.slow.length})`, report.slow, slowRow, SLOW_HEADER, MAX_FOLDED_ROWS),
  ];
  return all.filter((x) => x.count > 0);
}

/** Room kept for the line saying that sections were left out. */
const OMITTED_RESERVE = 200;

function reportBody(report: GateReport, budget: Budget, opts: RenderOptions): string[] {
  const out: string[] = [];
  const summary = summaryLines(report);
  const timing = [timingLine(report), ''];
  if (!budget.take(summary) || !budget.take(timing))
    return [clipChars(summary[0], Math.max(0, budget.left - 1))];
  out.push(...summary);
  // The tables share what is left, less the room of the "did not fit" line.
  const tables = new Budget(Math.max(0, budget.left - OMITTED_RESERVE));
  let omitted = 0;
  for (const [i, s] of sections(report, opts).entries()) {
    const lines = section(tables, s);
    if (lines) out.push(...lines);
    else omitted++;
    // Where the regressions start (v2 reports): right after the regressions table.
    if (i === 0 && report.regressions.length)
      out.push(...commentLocalization(report, escapeInline, (l) => tables.take([l])));
  }
  const surface = report.surface ? [clipChars(surfaceLine(report.surface), 2000), ''] : [];
  if (surface.length && tables.take(surface)) out.push(...surface);
  else if (surface.length) omitted++;
  const coverage = coverageLines(report.coverage);
  if (coverage.length && tables.take(coverage)) out.push(...coverage);
  else if (coverage.length) omitted++;
  out.push(...timing);
  if (omitted)
    out.push(`_${plural(omitted, 'section')} did not fit in one comment: see the gate artifact._`, '');
  return out;
}

/** The whole comment, marker first, never longer than `opts.maxChars` (default MAX_COMMENT_CHARS). */
export function renderPrComment(input: PrCommentInput, opts: RenderOptions): string {
  const { run, outcome } = input;
  const max = opts.maxChars ?? MAX_COMMENT_CHARS;
  const outdated = input.prHeadSha !== undefined && input.prHeadSha !== run.headSha;
  const state: CommentState = {
    v: 1,
    runId: run.runId,
    attempt: run.attempt,
    sha: run.headSha,
    ...(outdated ? { outdated: true } : {}),
  };
  const head: string[] = [encodeMarker(state)];
  head.push(outcome.kind === 'report' ? headline(outcome.report) : '### ⚠️ convgate: no gate result', '');
  if (outdated) head.push(outdatedBanner(run.headSha, input.prHeadSha!), '');
  const tail = ['', footer(run)];
  const budget = new Budget(max - sizeOf(head) - sizeOf(tail));
  let body: string[];
  if (outcome.kind === 'report') {
    body = reportBody(outcome.report, budget, opts);
  } else {
    const conclusion = run.conclusion ? ` (run conclusion: ${escapeInline(run.conclusion, 30)})` : '';
    body = [`The gate run produced no usable result${conclusion}: ${escapeInline(outcome.problem, 500)}`];
  }
  const text = [...head, ...body, ...tail].join('\n').replace(/\n{3,}/g, '\n\n');
  return fitComment(text, max, tail.join('\n'));
}

/**
 * The last guard, measured on the final text: a body over `max` (which the budget above should
 * never let happen) is cut, never inside a surrogate pair, keeping the footer.
 */
function fitComment(text: string, max: number, tail: string): string {
  if (text.length <= max) return text;
  const note = '\n\n_… cut to fit one comment: see the gate artifact._\n';
  return clipChars(text, Math.max(0, max - tail.length - note.length)) + note + tail.replace(/^\n+/, '');
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
