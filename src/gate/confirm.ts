import type { CaseResult, ResultsDoc } from '../results/schema.js';
import {
  classifyPair,
  DEFAULT_DIFF_OPTIONS,
  finalizeVerdict,
  slowChanges,
  type DiffOptions,
  type DriftOptions,
} from './diff.js';
import type { CaseChange, GateReport, SlowChange } from './schema.js';

/** Re-runs the given cases on the candidate with fresh workers; `attempt` counts from 1. */
export type Rerun = (ids: string[], attempt: number) => Promise<CaseResult[]>;

export interface ConfirmOptions {
  /** How many more times each suspect runs (0: no confirmation). */
  reruns: number;
  failOnSlow: boolean;
  /**
   * Re-run slow cases too (wall-clock timings are noisy on shared machines): a slowdown counts only
   * if it shows in every re-run, with these thresholds. Omitted: slow cases are kept as measured.
   */
  slow?: Pick<DiffOptions, 'slowFactor' | 'slowFloorMs'>;
  /** Precision-drift thresholds of the diff (a drifting case must drift again on re-run). */
  drift?: DriftOptions;
  /** Called before each round, for logs. */
  onRound?(attempt: number, ids: string[]): void;
}

/**
 * Confirms suspects before the verdict: every regressing case (and, with `slow`, every slow case)
 * runs `reruns` more times on the candidate, each time in fresh workers, all suspects of a round
 * in one run. A case that regresses against the baseline in every re-run is a confirmed
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
  let pendingSlow = options.slow
    ? [...new Set(report.slow.map((s) => s.id))].filter((id) => before.has(id))
    : [];
  if (options.reruns <= 0 || pendingRegressions.length + pendingSlow.length === 0) return report;
  const started = Date.now();
  const drift = options.drift ?? DEFAULT_DIFF_OPTIONS;
  const observed = new Map<string, CaseResult[]>();
  const slowMetrics = (b: CaseResult, r: CaseResult) =>
    r.outcome === 'ok'
      ? new Set(slowChanges(b, r, { ...DEFAULT_DIFF_OPTIONS, ...options.slow! }).map((s) => s.metric))
      : new Set<string>();
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
      return r !== undefined && classifyPair(before.get(id)!, r, drift).kind === 'regression';
    });
    pendingSlow = pendingSlow.filter((id) => {
      const r = results.get(id);
      const wanted = report.slow.filter((s) => s.id === id).map((s) => s.metric);
      return r !== undefined && wanted.some((m) => slowMetrics(before.get(id)!, r).has(m));
    });
  }
  const confirmed = applyConfirmation(
    report,
    before,
    observed,
    options.reruns,
    options.failOnSlow,
    options.slow,
  );
  confirmed.timing.confirmMs = Date.now() - started;
  return confirmed;
}

/**
 * Pure part of the confirmation: given the re-run results of each suspect, keeps the regressions
 * that reproduced every time (with the outcomes seen) and moves the others to `flaky`; with
 * `slow`, keeps the slowdowns seen in every re-run (reporting the fastest time measured) and drops
 * the others with a note.
 */
export function applyConfirmation(
  report: GateReport,
  before: Map<string, CaseResult>,
  observed: Map<string, CaseResult[]>,
  reruns: number,
  failOnSlow = false,
  slow?: ConfirmOptions['slow'],
  drift: DriftOptions = DEFAULT_DIFF_OPTIONS,
): GateReport {
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
    const reproduced = runs.filter((x) => classifyPair(b, x, drift).kind === 'regression').length;
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

  let slowList = report.slow;
  const notes = [...(report.notes ?? [])];
  if (slow) {
    const kept: SlowChange[] = [];
    const noise = new Set<string>();
    for (const s of report.slow) {
      const runs = observed.get(s.id) ?? [];
      const times = runs.map((x) => (x.outcome === 'ok' ? x.timingsMs[s.metric] : null));
      const fastest = Math.min(s.afterMs, ...times.map((t) => t ?? Infinity));
      const stillSlow =
        runs.length === reruns &&
        times.every((t) => t !== null) &&
        fastest > s.beforeMs * slow.slowFactor &&
        fastest - s.beforeMs > slow.slowFloorMs;
      if (stillSlow) kept.push({ ...s, afterMs: fastest, ratio: fastest / s.beforeMs });
      else noise.add(`${s.id} (${s.metric})`);
    }
    if (noise.size)
      notes.push(
        `${noise.size} case(s) measured slower were not slower again on re-run (timing noise): ${[...noise].join(', ')}`,
      );
    slowList = kept;
  }
  const suspects = report.regressions.length + (slow ? new Set(report.slow.map((s) => s.id)).size : 0);
  return finalizeVerdict(
    {
      ...report,
      regressions,
      flaky,
      slow: slowList,
      ...(notes.length ? { notes } : {}),
      confirmation: { reruns, suspects },
    },
    failOnSlow,
  );
}

function joinNote(a: string | undefined, b: string): string {
  return a ? `${a}; ${b}` : b;
}
