import type { CaseResult, ResultsDoc } from '../results/schema.js';
import { classifyPair, finalizeVerdict, slowChanges, timeOf, type DiffOptions } from './diff.js';
import type { CaseChange, GateReport, SlowChange } from './schema.js';

/** Re-runs the given cases on the candidate with fresh workers; `attempt` counts from 1. */
export type Rerun = (ids: string[], attempt: number) => Promise<CaseResult[]>;

export interface ConfirmOptions {
  /** How many more times each suspect runs (0: no confirmation). */
  reruns: number;
  /** The diff's options, whole: re-runs are judged with exactly the thresholds of the diff. */
  diff: DiffOptions;
  /**
   * Re-run slow cases too (timings are noisy on shared machines): a slowdown counts only if it
   * shows in every re-run. false: slow cases are kept as measured.
   */
  confirmSlow: boolean;
  /** Called before each round, for logs. */
  onRound?(attempt: number, ids: string[]): void;
}

/**
 * Confirms suspects before the verdict: every regressing case (and, with `confirmSlow`, every slow
 * case) runs `reruns` more times on the candidate, each time in fresh workers, all suspects of a
 * round in one run. A case that regresses against the baseline in every re-run is a confirmed
 * regression; one that does not reproduce even once is moved to `flaky` (reported, never failing
 * the check). A slowdown must likewise show in every re-run. Only suspects run, and a suspect that
 * has already failed to reproduce is not run again.
 */
export async function confirmRegressions(
  report: GateReport,
  baseline: ResultsDoc,
  rerun: Rerun,
  options: ConfirmOptions,
): Promise<GateReport> {
  const before = new Map(baseline.cases.map((c) => [c.id, c]));
  let pendingRegressions = report.regressions.map((r) => r.id).filter((id) => before.has(id));
  let pendingSlow = options.confirmSlow
    ? [...new Set(report.slow.map((s) => s.id))].filter((id) => before.has(id))
    : [];
  if (options.reruns <= 0 || pendingRegressions.length + pendingSlow.length === 0) return report;
  const started = Date.now();
  const observed = new Map<string, CaseResult[]>();
  for (let attempt = 1; attempt <= options.reruns; attempt++) {
    const ids = [...pendingRegressions, ...pendingSlow];
    if (!ids.length) break;
    options.onRound?.(attempt, ids);
    const results = new Map((await rerun(ids, attempt)).map((c) => [c.id, c]));
    for (const id of ids) {
      const r = results.get(id);
      if (r) observed.set(id, [...(observed.get(id) ?? []), r]);
    }
    pendingRegressions = pendingRegressions.filter((id) => {
      const r = results.get(id);
      return r !== undefined && classifyPair(before.get(id)!, r, options.diff).kind === 'regression';
    });
    pendingSlow = pendingSlow.filter((id) => {
      const r = results.get(id);
      if (!r) return false;
      const again = slowChanges(before.get(id)!, r, options.diff);
      return report.slow.some((s) => s.id === id && again.some((x) => sameSlow(x, s)));
    });
  }
  const confirmed = applyConfirmation({
    report,
    before,
    observed,
    reruns: options.reruns,
    diff: options.diff,
    confirmSlow: options.confirmSlow,
  });
  confirmed.timing.confirmMs = Date.now() - started;
  return confirmed;
}

/** Everything the final decision needs, in one object: nothing can be left to a default. */
export interface ConfirmationInput {
  report: GateReport;
  /** Baseline results by case id. */
  before: Map<string, CaseResult>;
  /** The re-run results of each suspect, in order. */
  observed: Map<string, CaseResult[]>;
  reruns: number;
  diff: DiffOptions;
  confirmSlow: boolean;
}

/** The same slowdown: same metric, measured on the same clock. */
function sameSlow(a: SlowChange, b: SlowChange): boolean {
  return a.metric === b.metric && (a.clock ?? 'wall') === (b.clock ?? 'wall');
}

/**
 * Pure part of the confirmation: given the re-run results of each suspect, keeps the regressions
 * that reproduced every time (with the outcomes seen) and moves the others to `flaky`; with
 * `confirmSlow`, keeps the slowdowns seen in every re-run (reporting the fastest time measured)
 * and drops the others with a note.
 */
export function applyConfirmation(input: ConfirmationInput): GateReport {
  const { report, before, observed, reruns, diff } = input;
  const regressions: CaseChange[] = [];
  const flaky: CaseChange[] = [...report.flaky];
  for (const r of report.regressions) {
    const runs = observed.get(r.id);
    const b = before.get(r.id);
    if (!runs || !b) {
      regressions.push({ ...r, note: joinNote(r.note, 'not re-run') });
      continue;
    }
    const outcomes = runs.map((x) => x.outcome);
    const reproduced = runs.filter((x) => classifyPair(b, x, diff).kind === 'regression').length;
    if (runs.length === reruns && reproduced === reruns) {
      regressions.push({ ...r, reruns: outcomes, note: joinNote(r.note, `reproduced ${reruns}/${reruns}`) });
    } else {
      flaky.push({
        ...r,
        reruns: outcomes,
        note: joinNote(r.note, `did not reproduce on re-run (${outcomes.join(', ') || 'no result'})`),
      });
    }
  }
  const slow = input.confirmSlow ? confirmSlowCases(input) : { kept: report.slow, notes: [] };
  const notes = [...(report.notes ?? []), ...slow.notes];
  const suspects =
    report.regressions.length + (input.confirmSlow ? new Set(report.slow.map((s) => s.id)).size : 0);
  return finalizeVerdict(
    {
      ...report,
      regressions,
      flaky,
      slow: slow.kept,
      ...(notes.length ? { notes } : {}),
      confirmation: { reruns, suspects },
    },
    diff,
  );
}

/** Slowdowns seen in every re-run, at the fastest time measured; the others are timing noise. */
function confirmSlowCases(input: ConfirmationInput): { kept: SlowChange[]; notes: string[] } {
  const kept: SlowChange[] = [];
  const noise = new Set<string>();
  for (const s of input.report.slow) {
    const runs = input.observed.get(s.id) ?? [];
    const times = runs.map((x) => (x.outcome === 'ok' ? timeOf(x, s.metric, s.clock ?? 'wall') : null));
    const fastest = Math.min(s.afterMs, ...times.map((t) => t ?? Infinity));
    const slower =
      runs.length === input.reruns &&
      times.every((t) => t !== null) &&
      fastest > s.beforeMs * input.diff.slowFactor &&
      fastest - s.beforeMs > input.diff.slowFloorMs;
    if (slower) kept.push({ ...s, afterMs: fastest, ratio: fastest / s.beforeMs });
    else noise.add(`${s.id} (${s.metric})`);
  }
  const notes = noise.size
    ? [
        `${noise.size} case(s) measured slower were not slower again on re-run (timing noise): ${[...noise].join(', ')}`,
      ]
    : [];
  return { kept, notes };
}

function joinNote(a: string | undefined, b: string): string {
  return a ? `${a}; ${b}` : b;
}
