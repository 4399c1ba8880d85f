import { OUTCOMES, type Outcome } from '../results/outcome.js';
import type { CaseResult, ResultsDoc } from '../results/schema.js';
import { firstLine } from '../report/escape.js';
import { GATE_SCHEMA_VERSION, type CaseChange, type GateReport, type SlowChange } from './schema.js';

export interface DiffOptions {
  /** Compare results made with a different corpus or tolerance anyway. */
  force: boolean;
  /** A time counts as slow when after > factor × before … */
  slowFactor: number;
  /** … and after − before exceeds this floor (ms): timer noise on tiny models is not a slowdown. */
  slowFloorMs: number;
}

export const DEFAULT_DIFF_OPTIONS: DiffOptions = { force: false, slowFactor: 2, slowFloorMs: 20 };

export class DiffInputError extends Error {}

/** Position in the outcome order: lower is worse (shared/DESIGN.md). */
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
  ];
  for (const re of patterns) for (const m of message.matchAll(re)) if (m[1]) found.add(m[1]);
  return [...found];
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

function change(before: CaseResult | undefined, after: CaseResult | undefined, note?: string): CaseChange {
  const c = (after ?? before)!;
  const err = after?.error;
  const worstOutput = after?.outputs.find((o) => !o.pass);
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
      ? { error: { stage: err.stage, type: err.type, message: firstLine(err.message).slice(0, 1000) } }
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

function slowChanges(before: CaseResult, after: CaseResult, o: DiffOptions): SlowChange[] {
  const out: SlowChange[] = [];
  for (const metric of ['run', 'export'] as const) {
    const b = before.timingsMs[metric];
    const a = after.timingsMs[metric];
    if (b === null || a === null || b <= 0) continue;
    if (a > b * o.slowFactor && a - b > o.slowFloorMs) {
      out.push({ id: after.id, family: after.family, metric, beforeMs: b, afterMs: a, ratio: a / b });
    }
  }
  return out;
}

/** Refuses to compare results that were not made the same way (unless forced). */
export function comparability(baseline: ResultsDoc, candidate: ResultsDoc): string[] {
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

/**
 * Compares candidate results with baseline results case by case. Pure: the verdict counts
 * regressions as given; confirmation re-runs (confirm.ts) move unreproduced ones to `flaky`.
 */
export function diffResults(
  baseline: ResultsDoc,
  candidate: ResultsDoc,
  options: Partial<DiffOptions> = {},
): GateReport {
  const o = { ...DEFAULT_DIFF_OPTIONS, ...options };
  const mismatches = comparability(baseline, candidate);
  if (mismatches.length && !o.force) {
    throw new DiffInputError(`refusing to compare: ${mismatches.join('; ')} (use --force to compare anyway)`);
  }
  const before = new Map(baseline.cases.map((c) => [c.id, c]));
  const after = new Map(candidate.cases.map((c) => [c.id, c]));
  const report: GateReport = {
    schemaVersion: GATE_SCHEMA_VERSION,
    verdict: 'pass',
    reason: '',
    baseline: {
      converter: `${baseline.converter.name} ${baseline.converter.version}`,
      corpusHash: baseline.corpus.hash,
      cases: baseline.cases.length,
    },
    candidate: {
      converter: `${candidate.converter.name} ${candidate.converter.version}`,
      corpusHash: candidate.corpus.hash,
      cases: candidate.cases.length,
    },
    counts: {
      regressions: 0,
      fixes: 0,
      flaky: 0,
      stillFailing: 0,
      changedFailures: 0,
      new: 0,
      removed: 0,
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
    slow: [],
    referenceErrors: [],
    mismatches,
    timing: { baselineMs: baseline.durationMs, candidateMs: candidate.durationMs },
  };

  for (const a of candidate.cases) {
    const b = before.get(a.id);
    if (!b) {
      report.new.push(change(undefined, a));
      continue;
    }
    if (a.outcome === 'reference-error' || b.outcome === 'reference-error') {
      // The source model failed on one side: a corpus/framework problem, not the converter's.
      if (a.outcome !== b.outcome || a.outcome === 'reference-error')
        report.referenceErrors.push(change(b, a, `${b.outcome} → ${a.outcome}`));
      else report.counts.unchanged++;
      continue;
    }
    const sb = severity(b.outcome);
    const sa = severity(a.outcome);
    if (sa < sb) {
      report.regressions.push(change(b, a, `${b.outcome} → ${a.outcome}`));
    } else if (sa > sb) {
      // Better, but only `ok` is a fix: e.g. crash → wrong-output is listed, since a silent wrong model is worse for users.
      (a.outcome === 'ok' ? report.fixes : report.changedFailures).push(change(b, a, `${b.outcome} → ${a.outcome}`));
    } else if (a.outcome === 'ok') {
      const slow = slowChanges(b, a, o);
      if (slow.length) report.slow.push(...slow);
      report.counts.unchanged++;
    } else if (a.outcome === 'wrong-output' && errorGrew(b, a)) {
      report.regressions.push(
        change(b, a, `wrong-output error grew from ${maxAbsErr(b)} to ${maxAbsErr(a)}`),
      );
    } else {
      const sameError = a.error?.type === b.error?.type;
      report.stillFailing.push(
        change(
          b,
          a,
          sameError ? undefined : `error changed: ${b.error?.type ?? '—'} → ${a.error?.type ?? '—'}`,
        ),
      );
    }
  }
  for (const b of baseline.cases) if (!after.has(b.id)) report.removed.push(change(b, undefined));
  return finalizeVerdict(report);
}

/** Recomputes counts and the verdict from the lists (after confirmation moved cases around). */
export function finalizeVerdict(report: GateReport, failOnSlow = false): GateReport {
  const r = report;
  r.counts = {
    regressions: r.regressions.length,
    fixes: r.fixes.length,
    flaky: r.flaky.length,
    stillFailing: r.stillFailing.length,
    changedFailures: r.changedFailures.length,
    new: r.new.length,
    removed: r.removed.length,
    slow: r.slow.length,
    unchanged: r.counts.unchanged,
    referenceErrors: r.referenceErrors.length,
  };
  if (r.regressions.length) {
    r.verdict = 'fail';
    r.reason = `${r.regressions.length} case(s) regressed`;
  } else if (failOnSlow && r.slow.length) {
    r.verdict = 'fail';
    r.reason = `${r.slow.length} case(s) got slower`;
  } else {
    r.verdict = 'pass';
    r.reason = r.flaky.length ? `no confirmed regressions (${r.flaky.length} flaky)` : 'no regressions';
  }
  return r;
}
