import { describe, expect, it } from '@jest/globals';
import { confirmRegressions } from '../../src/gate/confirm.js';
import { DEFAULT_DIFF_OPTIONS, diffResults } from '../../src/gate/diff.js';
import type { Outcome } from '../../src/results/outcome.js';
import { caseResult as c, resultsDoc as doc } from './docs.js';

const crash = { stage: 'export' as const, type: 'RuntimeError', message: 'boom' };

describe('confirmRegressions', () => {
  const baseline = doc([
    c('steady', 'ok'),
    c('flake', 'ok'),
    c('once', 'ok'),
    c('fine', 'ok'),
    c('grows', 'wrong-output', { maxAbsErr: 0.01 }),
  ]);
  const candidate = doc([
    c('steady', 'wrong-output'),
    c('flake', 'hang', { error: crash }),
    c('once', 'conversion-crash', { error: crash }),
    c('fine', 'ok'),
    c('grows', 'wrong-output', { maxAbsErr: 0.9 }),
  ]);
  // What each re-run of a case gives, attempt by attempt.
  const script: Record<string, Outcome[]> = {
    steady: ['wrong-output', 'wrong-output'],
    flake: ['ok', 'ok'],
    once: ['conversion-crash', 'ok'],
    grows: ['wrong-output', 'wrong-output'],
  };

  it('keeps what reproduces every time, moves the rest to flaky, re-runs only suspects', async () => {
    const calls: string[][] = [];
    const report = await confirmRegressions(
      diffResults(baseline, candidate),
      baseline,
      async (ids, attempt) => {
        calls.push([...ids]);
        return ids.map((id) =>
          c(id, script[id][attempt - 1], {
            error: crash,
            maxAbsErr: id === 'grows' ? 0.9 : undefined,
          }),
        );
      },
      { reruns: 2, diff: DEFAULT_DIFF_OPTIONS, confirmSlow: false },
    );
    // Round 2 skips `flake`: it already failed to reproduce.
    expect(calls).toEqual([
      ['steady', 'flake', 'once', 'grows'],
      ['steady', 'once', 'grows'],
    ]);
    expect(report.regressions.map((r) => [r.id, r.reruns])).toEqual([
      ['steady', ['wrong-output', 'wrong-output']],
      ['grows', ['wrong-output', 'wrong-output']],
    ]);
    expect(report.flaky.map((r) => [r.id, r.reruns])).toEqual([
      ['flake', ['ok']],
      ['once', ['conversion-crash', 'ok']],
    ]);
    expect(report.flaky[0].note).toBe('ok → hang; did not reproduce on re-run (ok)');
    expect(report.regressions[0].note).toBe('ok → wrong-output; reproduced 2/2');
    expect(report.verdict).toBe('fail');
    expect(report.counts).toMatchObject({ regressions: 2, flaky: 2 });
    expect(report.confirmation).toEqual({ reruns: 2, suspects: 4 });
    expect(report.timing.confirmMs).toBeGreaterThanOrEqual(0);
  });

  it('passes when no regression reproduces', async () => {
    const report = await confirmRegressions(
      diffResults(baseline, candidate),
      baseline,
      async (ids) =>
        ids.map((id) => (id === 'grows' ? c(id, 'wrong-output', { maxAbsErr: 0.01 }) : c(id, 'ok'))),
      { reruns: 2, diff: DEFAULT_DIFF_OPTIONS, confirmSlow: false },
    );
    expect(report.verdict).toBe('pass');
    expect(report.reason).toBe('no confirmed regressions (4 flaky)');
  });

  it('does nothing with reruns 0 or no regressions', async () => {
    let called = false;
    const rerun = async () => ((called = true), []);
    const r0 = await confirmRegressions(diffResults(baseline, candidate), baseline, rerun, {
      reruns: 0,
      diff: DEFAULT_DIFF_OPTIONS,
      confirmSlow: false,
    });
    expect(r0.counts.regressions).toBe(4);
    const same = await confirmRegressions(diffResults(baseline, baseline), baseline, rerun, {
      reruns: 2,
      diff: DEFAULT_DIFF_OPTIONS,
      confirmSlow: false,
    });
    expect(same.verdict).toBe('pass');
    expect(called).toBe(false);
  });

  it('re-runs slow cases too: a slowdown counts only if every re-run is slow, at its fastest time', async () => {
    const base = doc([
      c('noisy', 'ok', { run: 10 }),
      c('slower', 'ok', { run: 10 }),
      c('same', 'ok', { run: 10 }),
    ]);
    const cand = doc([
      c('noisy', 'ok', { run: 45 }),
      c('slower', 'ok', { run: 50 }),
      c('same', 'ok', { run: 11 }),
    ]);
    const runs: Record<string, number[]> = { noisy: [12, 50], slower: [40, 60] };
    const calls: string[][] = [];
    const report = await confirmRegressions(
      diffResults(base, cand),
      base,
      async (ids, attempt) => {
        calls.push([...ids]);
        return ids.map((id) => c(id, 'ok', { run: runs[id][attempt - 1] }));
      },
      { reruns: 2, diff: DEFAULT_DIFF_OPTIONS, confirmSlow: true },
    );
    expect(calls).toEqual([['noisy', 'slower'], ['slower']]);
    expect(report.slow).toEqual([
      { id: 'slower', family: 'fam', metric: 'run', clock: 'wall', beforeMs: 10, afterMs: 40, ratio: 4 },
    ]);
    expect(report.notes).toEqual([
      '1 case(s) measured slower were not slower again on re-run (timing noise): noisy (run)',
    ]);
    expect(report.verdict).toBe('pass');
  });

  it('decides with the drift settings of the diff: drift off means a re-run that passes is a flake', async () => {
    // Under --drift-factor 0 a case that crashed once and re-runs ok (with 50× the error) did not
    // regress: the final decision must not fall back to the default drift factor.
    const base = doc([c('drifty', 'ok', { maxAbsErr: 1e-5 })]);
    const cand = doc([c('drifty', 'conversion-crash', { error: crash })]);
    const report = await confirmRegressions(
      diffResults(base, cand, { driftFactor: 0 }),
      base,
      async (ids) => ids.map((id) => c(id, 'ok', { maxAbsErr: 5e-4 })),
      { reruns: 1, diff: { ...DEFAULT_DIFF_OPTIONS, driftFactor: 0 }, confirmSlow: false },
    );
    expect(report.regressions).toEqual([]);
    expect(report.flaky.map((f) => f.id)).toEqual(['drifty']);
    expect(report.verdict).toBe('pass');
  });
});
