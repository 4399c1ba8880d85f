import { OUTCOMES, type Outcome } from '../results/outcome.js';
import { duplicateCaseId, type CaseResult, type ResultsDoc } from '../results/schema.js';
import { gateSurface } from '../surface/gate.js';
import { firstLine } from '../report/escape.js';
import { clipChars } from '../util/text.js';
import { formatError } from '../report/markdown.js';
import {
  COVERAGE_METRICS,
  GATE_SCHEMA_VERSION,
  type CaseChange,
  type CoverageMetricName,
  type GateCoverage,
  type GateReport,
  type SlowChange,
} from './schema.js';
import { describeStack, stackDifferences, stackLabel, type StackLabel } from './stacks.js';

/**
 * How a comparison is made. Passed whole, as one object, to every step that decides (diff,
 * confirmation): no step can silently fall back to a default another step does not use.
 */
export interface DiffOptions {
  /** Compare results made with a different corpus or tolerance anyway. */
  force: boolean;
  /**
   * Compare results of different converter stacks (torch release, exporter) on purpose: the
   * question of a torch upgrade or an exporter switch. Without it such a diff is refused; corpus
   * and tolerance mismatches are refused either way (unless forced).
   */
  across: boolean;
  /** A time counts as slow when after > factor × before … */
  slowFactor: number;
  /** … and after − before exceeds this floor (ms): timer noise on tiny models is not a slowdown. */
  slowFloorMs: number;
  /** Slow cases fail the verdict too (default: reported only). */
  failOnSlow: boolean;
  /**
   * Lost coverage (a case the candidate stack cannot run at all) is listed without failing — only
   * when the two sides are different stacks compared on purpose (`across`): a torch upgrade whose
   * new stack cannot build some models is a known decision, a pull request that runs fewer cases
   * is not. Within one stack lost coverage always fails.
   */
  allowLost: boolean;
  /**
   * Which time the slow check compares: `cpu` (default), the CPU time of the converter's process
   * tree and of the ONNX Runtime session, which a busy machine barely changes — or `wall`. Results
   * without CPU times (older runs) are compared on wall time.
   */
  slowClock: Clock;
  /**
   * Precision drift: an `ok` case regresses when an output's max abs error grew by more than this
   * factor (0: off) …
   */
  driftFactor: number;
  /** … and reached at least this fraction of the case's atol (errors far below tolerance are noise). */
  driftFloor: number;
}

export const DEFAULT_DIFF_OPTIONS: Readonly<DiffOptions> = {
  force: false,
  across: false,
  slowFactor: 2,
  slowFloorMs: 20,
  failOnSlow: false,
  allowLost: false,
  slowClock: 'cpu',
  driftFactor: 10,
  driftFloor: 0.1,
};

export type DriftOptions = Pick<DiffOptions, 'driftFactor' | 'driftFloor'>;

export const CLOCKS = ['cpu', 'wall'] as const;
export type Clock = (typeof CLOCKS)[number];

/** A case's time for one metric on one clock (null when not measured). */
export function timeOf(c: CaseResult, metric: 'run' | 'export', clock: Clock): number | null {
  return clock === 'cpu' ? (c.cpuMs?.[metric] ?? null) : c.timingsMs[metric];
}

export class DiffInputError extends Error {}

export function refusal(mismatches: string[]): DiffInputError {
  return new DiffInputError(`refusing to compare: ${mismatches.join('; ')} (use --force to compare anyway)`);
}

/** Results of two different stacks compared without --across: almost always a wrong baseline. */
export function acrossRefusal(
  stacks: { baseline: ReturnType<typeof stackLabel>; candidate: ReturnType<typeof stackLabel> },
  differences: string[],
): DiffInputError {
  return new DiffInputError(
    `refusing to compare results of different converter stacks (${differences.join('; ')}): baseline ${describeStack(stacks.baseline)}; candidate ${describeStack(stacks.candidate)} (use --across to compare stacks on purpose)`,
  );
}

/** Position in the outcome order: lower is worse (docs/taxonomy.md). */
export function severity(o: Outcome): number {
  return OUTCOMES.indexOf(o);
}

function maxAbsErr(c: CaseResult): number | null {
  let worst: number | null = null;
  for (const o of c.outputs)
    if (o.maxAbsErr !== null && (worst === null || o.maxAbsErr > worst)) worst = o.maxAbsErr;
  return worst;
}

/** ONNX / aten operator names mentioned in an error message (exporter and ONNX Runtime styles). */
export function operatorsInError(message: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /operator '([\w:.]+)'/g, // torch.onnx: Exporting the operator 'aten::fft_rfft' …
    /\bOp \((\w+)\)/g, // ORT: Node (/Transpose) Op (Transpose) …
    /running (\w+) node/g, // ORT: Non-zero status code returned while running Reshape node
    /No Op registered for (\w+)/g,
    /Node \([^)]*\) has input size \d+ not in range|op_type[:=]\s*"?(\w+)/g,
    // dynamo exporter: the FX node being translated and the torchlib function that translated it
    /call_function\[target=torch\.ops\.([\w.]+)\]/g,
    /TracedOnnxFunction\(<function (\w+)/g,
  ];
  for (const re of patterns) for (const m of message.matchAll(re)) if (m[1]) found.add(m[1]);
  return [...found];
}

/**
 * The error's first line, plus its root cause when the first line is a generic wrapper: the dynamo
 * exporter's "## Exception summary" lists the chained exceptions innermost first.
 */
export function headline(message: string): string {
  const first = firstLine(message);
  const cause = /## Exception summary\s*\n\s*<class '([^']+)'>: ([^\n]*)/.exec(message);
  return cause ? `${first} — cause: ${cause[1]}: ${cause[2].trim()}` : first;
}

/** Operators in the candidate graph that were not in the baseline graph, and those that went away. */
export function operatorChanges(before: CaseResult | undefined, after: CaseResult): string[] {
  if (!before?.opTypes || !after.opTypes) return [];
  const b = new Set(before.opTypes);
  const a = new Set(after.opTypes);
  return [
    ...[...a].filter((o) => !b.has(o)).map((o) => `+${o}`),
    ...[...b].filter((o) => !a.has(o)).map((o) => `-${o}`),
  ];
}

function change(
  before: CaseResult | undefined,
  after: CaseResult | undefined,
  note?: string,
  output?: string,
): CaseChange {
  const c = (after ?? before)!;
  const err = after?.error;
  const worstOutput = output ? { name: output } : after?.outputs.find((o) => !o.pass);
  const operators = after
    ? err && after.outcome !== 'wrong-output'
      ? operatorsInError(err.message)
      : operatorChanges(before, after)
    : [];
  return {
    id: c.id,
    kind: c.kind,
    family: c.family,
    before: before?.outcome ?? null,
    after: after?.outcome ?? null,
    ...(before ? { maxAbsErrBefore: maxAbsErr(before) } : {}),
    ...(after ? { maxAbsErrAfter: maxAbsErr(after) } : {}),
    ...(worstOutput ? { output: worstOutput.name } : {}),
    ...(err
      ? { error: { stage: err.stage, type: err.type, message: clipChars(headline(err.message), 1000) } }
      : {}),
    ...(operators.length ? { operators } : {}),
    ...(note ? { note } : {}),
    ...(after?.artifacts ? { artifacts: after.artifacts } : {}),
  };
}

/** Did a wrong output get more wrong by more than the tolerance? */
function errorGrew(before: CaseResult, after: CaseResult): boolean {
  const b = maxAbsErr(before);
  const a = maxAbsErr(after);
  if (a === null) return b !== null; // became non-finite / incomparable
  if (b === null) return false;
  return a - b > after.settings.atol + after.settings.rtol * Math.abs(b);
}

/**
 * Precision drift of a case that is still `ok`: the output whose max abs error grew the most, when
 * it grew by more than driftFactor× and reached driftFloor × atol. The same converter reproduces
 * its errors (bit for bit on one machine), so an order-of-magnitude jump in a still-passing output
 * means the conversion now computes something else — e.g. an approximation of an exact op — and
 * it will cross the tolerance on deeper models.
 */
export function precisionDrift(
  before: CaseResult,
  after: CaseResult,
  o: DriftOptions,
): { output: string; before: number; after: number; factor: number } | null {
  if (o.driftFactor <= 0) return null;
  const floor = o.driftFloor * after.settings.atol;
  // One entry per output, its worst input set (which set that is may differ between runs).
  const old = new Map(before.outputs.map((x) => [x.name, x.maxAbsErr]));
  let worst: { output: string; before: number; after: number; factor: number } | null = null;
  for (const x of after.outputs) {
    const b = old.get(x.name);
    const a = x.maxAbsErr;
    if (a === null || b === null || b === undefined || a < floor || a <= b * o.driftFactor) continue;
    const factor = b > 0 ? a / b : Infinity;
    if (!worst || factor > worst.factor) worst = { output: x.name, before: b, after: a, factor };
  }
  return worst;
}

export function slowChanges(
  before: CaseResult,
  after: CaseResult,
  o: Pick<DiffOptions, 'slowFactor' | 'slowFloorMs' | 'slowClock'>,
): SlowChange[] {
  const out: SlowChange[] = [];
  for (const metric of ['run', 'export'] as const) {
    const cpu = timeOf(before, metric, 'cpu') !== null && timeOf(after, metric, 'cpu') !== null;
    const clock: Clock = o.slowClock === 'cpu' && cpu ? 'cpu' : 'wall';
    const b = timeOf(before, metric, clock);
    const a = timeOf(after, metric, clock);
    if (b === null || a === null || b <= 0) continue;
    if (a > b * o.slowFactor && a - b > o.slowFloorMs) {
      out.push({ id: after.id, family: after.family, metric, clock, beforeMs: b, afterMs: a, ratio: a / b });
    }
  }
  return out;
}

/** What comparability looks at: a results document, or the plan of a run not made yet. */
export interface Comparable {
  corpus: { name: string; hash: string };
  settings: { atol: number; rtol: number; opset: number | null };
}

/** Refuses to compare results that were not made the same way (unless forced). */
export function comparability(baseline: Comparable, candidate: Comparable): string[] {
  const problems: string[] = [];
  if (baseline.corpus.hash !== candidate.corpus.hash) {
    problems.push(
      `corpus hash differs: baseline ${baseline.corpus.name}@${baseline.corpus.hash}, candidate ${candidate.corpus.name}@${candidate.corpus.hash}`,
    );
  }
  if (
    baseline.settings.atol !== candidate.settings.atol ||
    baseline.settings.rtol !== candidate.settings.rtol
  ) {
    problems.push(
      `tolerance differs: baseline atol ${baseline.settings.atol} rtol ${baseline.settings.rtol}, candidate atol ${candidate.settings.atol} rtol ${candidate.settings.rtol}`,
    );
  }
  if ((baseline.settings.opset ?? null) !== (candidate.settings.opset ?? null)) {
    problems.push(
      `--opset differs: baseline ${baseline.settings.opset ?? 'default'}, candidate ${candidate.settings.opset ?? 'default'}`,
    );
  }
  return problems;
}

declare const CHECKED: unique symbol;

/**
 * Two sides found comparable (or compared anyway with --force): what differs, for the report.
 * Only `checkComparability` makes one, so a holder knows the check ran: the gate checks a stored
 * baseline once, before the runs, and hands this to `diffResults`, which then does not check again.
 */
export interface CheckedComparability {
  readonly mismatches: readonly string[];
  readonly [CHECKED]: true;
}

/** The comparability check: refuses sides made differently unless forced (the refusal names what differs). */
export function checkComparability(
  baseline: Comparable,
  candidate: Comparable,
  force: boolean,
): CheckedComparability {
  const mismatches = comparability(baseline, candidate);
  if (mismatches.length && !force) throw refusal(mismatches);
  return { mismatches } as unknown as CheckedComparability;
}

/** Differences that do not block a comparison but can explain changes (shown with the verdict). */
export function softDifferences(baseline: ResultsDoc, candidate: ResultsDoc): string[] {
  const notes: string[] = [];
  const b = baseline.settings;
  const a = candidate.settings;
  if (!baseline.complete)
    notes.push(`the baseline run is incomplete (${baseline.cases.length}/${baseline.corpus.cases} cases)`);
  if (!candidate.complete)
    notes.push(`the candidate run is incomplete (${candidate.cases.length}/${candidate.corpus.cases} cases)`);
  if (b.timeoutS !== a.timeoutS)
    notes.push(
      `time limit differs (baseline ${b.timeoutS}s, candidate ${a.timeoutS}s): hangs may differ for that reason`,
    );
  if ((b.adapter ?? null) !== (a.adapter ?? null))
    notes.push(`converter adapter differs: baseline ${String(b.adapter)}, candidate ${String(a.adapter)}`);
  if ((b.filter ?? null) !== (a.filter ?? null))
    notes.push(
      `case filter differs: baseline ${JSON.stringify(b.filter)}, candidate ${JSON.stringify(a.filter)}`,
    );
  const ortB = baseline.environment.onnxruntime;
  const ortA = candidate.environment.onnxruntime;
  if (ortB !== undefined && ortA !== undefined && ortB !== ortA)
    notes.push(`ONNX Runtime differs: baseline ${String(ortB)}, candidate ${String(ortA)}`);
  return notes;
}

/** How one case changed between the two sides (both present). */
export type PairKind =
  | 'regression'
  | 'fix'
  | 'changed-failure'
  | 'still-failing'
  | 'unchanged'
  | 'reference-error'
  | 'lost'
  | 'gained';

export function classifyPair(
  b: CaseResult,
  a: CaseResult,
  drift: DriftOptions,
): { kind: PairKind; note?: string; output?: string } {
  // Coverage: a case the candidate build cannot run (unmet requirement) is not a fix or a pass.
  if (a.outcome === 'unsupported' || b.outcome === 'unsupported') {
    if (a.outcome === b.outcome) return { kind: 'unchanged' };
    if (a.outcome === 'unsupported')
      return {
        kind: 'lost',
        note: `lost coverage: ${b.outcome} → unsupported${a.unmet?.length ? ` (${a.unmet.join('; ')})` : ''}`,
      };
    return { kind: 'gained', note: `newly supported: unsupported → ${a.outcome}` };
  }
  if (a.outcome === 'reference-error' || b.outcome === 'reference-error') {
    // The source model failed on one side: a corpus/framework problem, not the converter's.
    return a.outcome !== b.outcome || a.outcome === 'reference-error'
      ? { kind: 'reference-error', note: `${b.outcome} → ${a.outcome}` }
      : { kind: 'unchanged' };
  }
  const sb = severity(b.outcome);
  const sa = severity(a.outcome);
  if (sa < sb) return { kind: 'regression', note: `${b.outcome} → ${a.outcome}` };
  // Better, but only `ok` is a fix: e.g. crash → wrong-output is listed, since a silent wrong model is worse for users.
  if (sa > sb)
    return { kind: a.outcome === 'ok' ? 'fix' : 'changed-failure', note: `${b.outcome} → ${a.outcome}` };
  if (a.outcome === 'ok') {
    const d = precisionDrift(b, a, drift);
    return d
      ? {
          kind: 'regression',
          output: d.output,
          note: `precision drift: ${d.output} max abs error ${formatError(d.before)} → ${formatError(d.after)} (${Number.isFinite(d.factor) ? `${Math.round(d.factor)}×` : 'from exact'}), still within tolerance`,
        }
      : { kind: 'unchanged' };
  }
  if (a.outcome === 'wrong-output' && errorGrew(b, a))
    return {
      kind: 'regression',
      note: `wrong-output error grew from ${formatError(maxAbsErr(b))} to ${formatError(maxAbsErr(a))}`,
    };
  const sameError = a.error?.type === b.error?.type;
  return {
    kind: 'still-failing',
    ...(sameError ? {} : { note: `error changed: ${b.error?.type ?? '—'} → ${a.error?.type ?? '—'}` }),
  };
}

/** Coverage numbers of one run: cases, families, what the exported graphs and the generator used. */
export function coverageMetrics(doc: ResultsDoc): Partial<Record<CoverageMetricName, number>> {
  const ops = new Set<string>();
  const pairs = new Set<string>();
  for (const c of doc.cases) {
    for (const op of c.opTypes ?? []) ops.add(op);
    for (const [a, b] of c.opPairs ?? []) pairs.add(`${a}>${b}`);
  }
  const generated = doc.coverage?.synthetic;
  return {
    cases: doc.cases.length,
    real: doc.cases.filter((c) => c.kind === 'real').length,
    synthetic: doc.cases.filter((c) => c.kind === 'synthetic').length,
    families: new Set(doc.cases.map((c) => c.family)).size,
    exported: doc.cases.filter((c) => c.opTypes !== undefined).length,
    opTypes: ops.size,
    opPairs: pairs.size,
    ...(generated ? { generatorOpKinds: generated.opKinds } : {}),
  };
}

function opList(doc: ResultsDoc): string[] {
  return [...new Set(doc.cases.flatMap((c) => c.opTypes ?? []))].sort();
}

/**
 * GateReport.coverage: the candidate's numbers, or {before, after} per number when there is a
 * baseline (the App shows numbers and before/after pairs), and `ops`, the ONNX op types it exported.
 */
export function coverageOf(candidate: ResultsDoc, baseline?: ResultsDoc): GateCoverage {
  const after = coverageMetrics(candidate);
  if (!baseline) return { ...after, ops: opList(candidate) };
  const before = coverageMetrics(baseline);
  const out: GateCoverage = {};
  for (const k of COVERAGE_METRICS) {
    const v = after[k];
    if (v !== undefined) out[k] = { before: before[k] ?? 0, after: v };
  }
  return { ...out, ops: opList(candidate) };
}

function sideOf(doc: ResultsDoc): NonNullable<GateReport['baseline']> {
  return {
    converter: `${doc.converter.name} ${doc.converter.version}`,
    corpusHash: doc.corpus.hash,
    cases: doc.cases.length,
  };
}

function emptyReport(candidate: ResultsDoc): GateReport {
  return {
    schemaVersion: GATE_SCHEMA_VERSION,
    verdict: 'pass',
    reason: '',
    baseline: null,
    candidate: sideOf(candidate),
    counts: {
      regressions: 0,
      fixes: 0,
      flaky: 0,
      stillFailing: 0,
      changedFailures: 0,
      new: 0,
      removed: 0,
      missing: 0,
      slow: 0,
      unchanged: 0,
      referenceErrors: 0,
    },
    regressions: [],
    fixes: [],
    flaky: [],
    stillFailing: [],
    changedFailures: [],
    new: [],
    removed: [],
    missing: [],
    slow: [],
    referenceErrors: [],
    mismatches: [],
    timing: { baselineMs: null, candidateMs: candidate.durationMs },
    coverage: coverageOf(candidate),
    surface: gateSurface(candidate),
  };
}

/**
 * The verdict when there is nothing to compare with (no cached baseline and no base run):
 * every candidate case is listed as new, failures are visible, nothing fails the check.
 */
export function noBaselineReport(candidate: ResultsDoc, reason: string): GateReport {
  const r = emptyReport(candidate);
  for (const a of candidate.cases) {
    if (a.outcome === 'reference-error') r.referenceErrors.push(change(undefined, a, `— → ${a.outcome}`));
    else r.new.push(change(undefined, a));
  }
  r.reason = reason;
  return finalizeVerdict(r);
}

/**
 * Refuses results that cannot be compared (duplicate ids, other corpus or settings, other stacks
 * without --across), unless forced; what differs, for the report.
 */
function refuseIncomparableDocs(
  baseline: ResultsDoc,
  candidate: ResultsDoc,
  o: DiffOptions,
  checked: CheckedComparability | undefined,
): { mismatches: string[]; stacks: { baseline: StackLabel; candidate: StackLabel }; across: string[] } {
  for (const [side, doc] of [
    ['baseline', baseline],
    ['candidate', candidate],
  ] as const) {
    const dup = duplicateCaseId(doc.cases);
    if (dup) {
      const times = doc.cases.filter((c) => c.id === dup[0]).length;
      throw new DiffInputError(
        `${side}: case id ${JSON.stringify(dup[0])} appears ${times} times (cases ${dup[1]} and ${dup[2]}): results with duplicate ids cannot be compared`,
      );
    }
  }
  if (o.allowLost && !o.across)
    throw new DiffInputError(
      'allowing lost coverage applies only to a comparison across stacks (--across): within one stack, a build that runs fewer cases fails',
    );
  const mismatches = [...(checked ?? checkComparability(baseline, candidate, o.force)).mismatches];
  const stacks = { baseline: stackLabel(baseline), candidate: stackLabel(candidate) };
  const across = stackDifferences(stacks.baseline, stacks.candidate);
  if (across.length && !o.across && !o.force) throw acrossRefusal(stacks, across);
  return { mismatches, stacks, across };
}

/**
 * Compares candidate results with baseline results case by case. Pure: the verdict counts
 * regressions as given; confirmation re-runs (confirm.ts) move unreproduced ones to `flaky`.
 * `checked`: the sides' comparability, when the caller checked it already (the gate, before its
 * runs); without it the documents are checked here.
 */
export function diffResults(
  baseline: ResultsDoc,
  candidate: ResultsDoc,
  options: Partial<DiffOptions> = {},
  checked?: CheckedComparability,
): GateReport {
  const o: DiffOptions = { ...DEFAULT_DIFF_OPTIONS, ...options };
  const { mismatches, stacks, across } = refuseIncomparableDocs(baseline, candidate, o, checked);
  const after = new Map(candidate.cases.map((c) => [c.id, c]));
  const before = new Map(baseline.cases.map((c) => [c.id, c]));
  const report = emptyReport(candidate);
  report.baseline = sideOf(baseline);
  report.mismatches = mismatches;
  report.stacks = { ...stacks, across };
  report.timing.baselineMs = baseline.durationMs;
  report.coverage = coverageOf(candidate, baseline);
  report.surface = gateSurface(candidate, baseline);
  const notes = softDifferences(baseline, candidate);
  if (notes.length) report.notes = notes;

  for (const a of candidate.cases) {
    const b = before.get(a.id);
    if (!b) {
      report.new.push(change(undefined, a));
      continue;
    }
    const { kind, note, output } = classifyPair(b, a, o);
    switch (kind) {
      case 'regression':
        report.regressions.push(change(b, a, note, output));
        break;
      case 'fix':
        report.fixes.push(change(b, a, note));
        break;
      case 'changed-failure':
        report.changedFailures.push(change(b, a, note));
        break;
      case 'still-failing':
        report.stillFailing.push(change(b, a, note));
        break;
      case 'reference-error':
        report.referenceErrors.push(change(b, a, note));
        break;
      case 'lost':
        (report.lost ??= []).push(change(b, a, note));
        break;
      case 'gained':
        report.new.push(change(b, a, note));
        break;
      case 'unchanged':
        report.counts.unchanged++;
        if (a.outcome === 'ok') report.slow.push(...slowChanges(b, a, o));
        break;
    }
  }
  for (const b of baseline.cases) {
    if (after.has(b.id)) continue;
    const why = absence(b.id, baseline, candidate);
    (why.kind === 'removed' ? report.removed : report.missing).push(change(b, undefined, why.note));
  }
  return finalizeVerdict(report, o);
}

/**
 * Why a baseline case has no candidate result. Only a corpus change legitimately removes a case:
 * the candidate records the ids its corpus defines, and a case it still defines (or, in older
 * results without that list, any case of an unchanged corpus) was lost by the run.
 */
export function absence(
  id: string,
  baseline: ResultsDoc,
  candidate: ResultsDoc,
): { kind: 'removed' | 'missing'; note: string } {
  const defined = candidate.corpus.ids;
  if (defined && !defined.includes(id))
    return {
      kind: 'removed',
      note: `no longer in the corpus (${baseline.corpus.name}@${baseline.corpus.hash} → ${candidate.corpus.name}@${candidate.corpus.hash})`,
    };
  const why: string[] = [];
  if (!candidate.complete) why.push('the candidate run is incomplete');
  if ((baseline.settings.filter ?? null) !== (candidate.settings.filter ?? null))
    why.push(`the candidate ran with filter ${JSON.stringify(candidate.settings.filter ?? null)}`);
  if (!defined && baseline.corpus.hash !== candidate.corpus.hash)
    why.push("the candidate's results do not list its corpus cases, so a removal cannot be told apart");
  return { kind: 'missing', note: `no result in the candidate${why.length ? ` (${why.join('; ')})` : ''}` };
}

/** What fails the verdict besides regressions and missing cases (DiffOptions' fields). */
export type VerdictPolicy = Partial<Pick<DiffOptions, 'failOnSlow' | 'allowLost'>>;

/** Recomputes counts and the verdict from the lists (after confirmation moved cases around). */
export function finalizeVerdict(report: GateReport, policy: VerdictPolicy = {}): GateReport {
  const failOnSlow = policy.failOnSlow ?? false;
  const r = report;
  r.counts = {
    regressions: r.regressions.length,
    fixes: r.fixes.length,
    flaky: r.flaky.length,
    stillFailing: r.stillFailing.length,
    changedFailures: r.changedFailures.length,
    new: r.new.length,
    removed: r.removed.length,
    missing: r.missing.length,
    slow: r.slow.length,
    unchanged: r.counts.unchanged,
    referenceErrors: r.referenceErrors.length,
    ...(r.lost ? { lost: r.lost.length } : {}),
  };
  // Lost coverage is only let through across stacks compared on purpose (--allow-lost-coverage).
  const lostAllowed = (policy.allowLost ?? false) && (r.stacks?.across.length ?? 0) > 0;
  const lostCount = r.lost?.length ?? 0;
  const lost = lostAllowed ? 0 : lostCount;
  if (r.baseline === null) {
    r.verdict = 'no-baseline';
    r.reason ||= 'no baseline to compare with';
  } else if (r.regressions.length || lost || r.missing.length) {
    r.verdict = 'fail';
    r.reason = [
      ...(r.regressions.length ? [`${r.regressions.length} case(s) regressed`] : []),
      ...(r.missing.length ? [`${r.missing.length} case(s) missing from the candidate`] : []),
      ...(lost ? [`${lost} case(s) lost coverage (ran in the baseline, not in the candidate)`] : []),
    ].join('; ');
  } else if (failOnSlow && r.slow.length) {
    r.verdict = 'fail';
    r.reason = `${r.slow.length} case(s) got slower`;
  } else {
    r.verdict = 'pass';
    r.reason = r.flaky.length ? `no confirmed regressions (${r.flaky.length} flaky)` : 'no regressions';
    if (lostCount)
      r.reason += `; ${lostCount} case(s) lost coverage across stacks (listed, allowed by --allow-lost-coverage)`;
  }
  return r;
}
