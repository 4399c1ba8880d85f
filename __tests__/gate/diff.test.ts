import { describe, expect, it } from '@jest/globals';
import {
  checkComparability,
  classifyPair as classifyWith,
  DEFAULT_DIFF_OPTIONS,
  DiffInputError,
  diffResults,
  finalizeVerdict,
  noBaselineReport,
  operatorsInError,
} from '../../src/gate/diff.js';
import { renderGateReport } from '../../src/gate/render.js';
import { GateReport } from '../../src/gate/schema.js';
import { caseResult as c, resultsDoc as doc } from './docs.js';

const classifyPair = (
  b: Parameters<typeof classifyWith>[0],
  a: Parameters<typeof classifyWith>[1],
  drift: Parameters<typeof classifyWith>[2] = DEFAULT_DIFF_OPTIONS,
) => classifyWith(b, a, drift);

const crash = (message = 'boom') => ({ stage: 'export' as const, type: 'RuntimeError', message });

describe('diffResults', () => {
  it('same results on both sides: pass, nothing listed, a valid GateReport', () => {
    const cases = [c('a', 'ok'), c('b', 'conversion-crash', { error: crash() }), c('c', 'wrong-output')];
    const r = diffResults(doc(cases), doc(cases));
    expect(r.verdict).toBe('pass');
    expect(r.counts).toMatchObject({
      regressions: 0,
      fixes: 0,
      stillFailing: 2,
      unchanged: 1,
      new: 0,
      removed: 0,
    });
    expect(GateReport.safeParse(r).success).toBe(true);
  });

  it('ok → any failure is a regression, with the error and the operator in it', () => {
    const r = diffResults(
      doc([c('a', 'ok'), c('b', 'ok')]),
      doc([
        c('a', 'runtime-crash', {
          error: {
            stage: 'run',
            type: 'OrtError',
            message: 'Non-zero status code returned while running Reshape node',
          },
        }),
        c('b', 'ok'),
      ]),
    );
    expect(r.verdict).toBe('fail');
    expect(r.reason).toBe('1 case(s) regressed');
    expect(r.regressions).toHaveLength(1);
    expect(r.regressions[0]).toMatchObject({
      id: 'a',
      before: 'ok',
      after: 'runtime-crash',
      operators: ['Reshape'],
      error: { stage: 'run', type: 'OrtError' },
    });
  });

  it.each([
    ['runtime-crash', 'conversion-crash', 'regression'],
    ['wrong-output', 'invalid-model', 'regression'],
    ['invalid-model', 'hang', 'regression'],
    ['conversion-crash', 'wrong-output', 'changed-failure'],
    ['hang', 'runtime-crash', 'changed-failure'],
    ['wrong-output', 'ok', 'fix'],
    ['conversion-crash', 'ok', 'fix'],
  ] as const)('%s → %s is a %s', (before, after, kind) => {
    expect(classifyPair(c('x', before, { error: crash() }), c('x', after, { error: crash() })).kind).toBe(
      kind,
    );
  });

  it('a wrong output whose error grew past tolerance regresses; within tolerance it is still failing', () => {
    const grew = classifyPair(
      c('x', 'wrong-output', { maxAbsErr: 0.01 }),
      c('x', 'wrong-output', { maxAbsErr: 0.5 }),
    );
    expect(grew.kind).toBe('regression');
    expect(grew.note).toMatch(/error grew from 0\.0100 to 0\.500/);
    expect(
      classifyPair(c('x', 'wrong-output', { maxAbsErr: 0.01 }), c('x', 'wrong-output', { maxAbsErr: 0.0105 }))
        .kind,
    ).toBe('still-failing');
    // A finite error that became NaN/incomparable (null) is worse.
    expect(
      classifyPair(c('x', 'wrong-output', { maxAbsErr: 0.01 }), c('x', 'wrong-output', { maxAbsErr: null }))
        .kind,
    ).toBe('regression');
  });

  it('precision drift: a passing output whose error jumped by orders of magnitude regresses', () => {
    const drifted = classifyPair(c('x', 'ok', { maxAbsErr: 1.2e-6 }), c('x', 'ok', { maxAbsErr: 6e-4 }));
    expect(drifted).toEqual({
      kind: 'regression',
      output: 'output_0',
      note: 'precision drift: output_0 max abs error 1.20e-6 → 6.00e-4 (500×), still within tolerance',
    });
    // Below the floor (0.1 × atol), or grown less than 10×: noise, unchanged.
    expect(classifyPair(c('x', 'ok', { maxAbsErr: 1e-7 }), c('x', 'ok', { maxAbsErr: 5e-5 })).kind).toBe(
      'unchanged',
    );
    expect(classifyPair(c('x', 'ok', { maxAbsErr: 5e-5 }), c('x', 'ok', { maxAbsErr: 3e-4 })).kind).toBe(
      'unchanged',
    );
    // Off with factor 0.
    expect(
      classifyPair(c('x', 'ok', { maxAbsErr: 1.2e-6 }), c('x', 'ok', { maxAbsErr: 6e-4 }), {
        driftFactor: 0,
        driftFloor: 0.1,
      }).kind,
    ).toBe('unchanged');
    const r = diffResults(doc([c('x', 'ok', { maxAbsErr: 0 })]), doc([c('x', 'ok', { maxAbsErr: 2e-4 })]));
    expect(r.regressions[0]).toMatchObject({ id: 'x', before: 'ok', after: 'ok', output: 'output_0' });
    expect(r.regressions[0].note).toContain('(from exact)');
  });

  it('a still-failing case whose error changed says so', () => {
    const r = classifyPair(
      c('x', 'conversion-crash', { error: { stage: 'export', type: 'A', message: '' } }),
      c('x', 'conversion-crash', { error: { stage: 'export', type: 'B', message: '' } }),
    );
    expect(r).toEqual({ kind: 'still-failing', note: 'error changed: A → B' });
  });

  it('reference errors are never blamed on the converter', () => {
    const r = diffResults(
      doc([c('a', 'ok'), c('b', 'reference-error')]),
      doc([c('a', 'reference-error'), c('b', 'ok')]),
    );
    expect(r.verdict).toBe('pass');
    expect(r.referenceErrors.map((x) => x.id)).toEqual(['a', 'b']);
    expect(r.fixes).toHaveLength(0);
  });

  it('lists new cases, and cases removed from the corpus definition, without failing', () => {
    // The candidate's corpus no longer defines `gone` (it records the ids it defines).
    const r = diffResults(
      doc([c('a', 'ok'), c('gone', 'ok')]),
      doc([c('a', 'ok'), c('fresh', 'hang')], {
        corpus: { name: 'test', hash: 'h2', cases: 2, ids: ['a', 'fresh'] },
      }),
      { force: true },
    );
    expect(r.new.map((x) => x.id)).toEqual(['fresh']);
    expect(r.removed.map((x) => x.id)).toEqual(['gone']);
    expect(r.removed[0].note).toMatch(/no longer in the corpus/);
    expect(r).toMatchObject({ verdict: 'pass', counts: { removed: 1, missing: 0 } });
  });

  it('fails a candidate that lost cases of its own corpus: 0 of 3 is not a pass', () => {
    const base = doc([c('a', 'ok'), c('b', 'ok'), c('c', 'hang', { error: crash() })]);
    const r = diffResults(base, doc([], { complete: false }));
    expect(r).toMatchObject({
      verdict: 'fail',
      reason: '3 case(s) missing from the candidate',
      counts: { missing: 3, removed: 0 },
    });
    expect(GateReport.safeParse(r).success).toBe(true);
    // Also when the candidate says which cases its corpus defines and still defines them.
    const listed = diffResults(
      base,
      doc([c('a', 'ok')], { corpus: { name: 'test', hash: 'h1', cases: 3, ids: ['a', 'b', 'c'] } }),
    );
    expect(listed).toMatchObject({ verdict: 'fail', counts: { missing: 2 } });
    expect(renderGateReport(listed)).toMatch(/### Missing from the candidate \(2\)/);
  });

  it('refuses results with a case id twice, on either side', () => {
    const dup = doc([c('a', 'ok'), c('a', 'hang', { error: crash() })]);
    const one = doc([c('a', 'ok')]);
    expect(() => diffResults(one, dup)).toThrow(DiffInputError);
    expect(() => diffResults(one, dup)).toThrow('candidate: case id "a" appears 2 times');
    expect(() => diffResults(dup, one)).toThrow('baseline: case id "a" appears 2 times');
  });

  it('judges slowness on CPU time when both sides have it: a busy machine is not a slowdown', () => {
    const base = doc([
      c('busy', 'ok', { run: 10, export: 100, cpu: { run: 9, export: 90 } }),
      c('slower', 'ok', { run: 10, export: 100, cpu: { run: 10, export: 95 } }),
      c('old', 'ok', { run: 10 }),
    ]);
    const cand = doc([
      // The runner was busy: wall times tripled, CPU times did not move.
      c('busy', 'ok', { run: 60, export: 400, cpu: { run: 10, export: 96 } }),
      c('slower', 'ok', { run: 52, export: 100, cpu: { run: 50, export: 96 } }),
      // Results without CPU times are still compared, on wall time.
      c('old', 'ok', { run: 45 }),
    ]);
    expect(diffResults(base, cand).slow).toEqual([
      { id: 'slower', family: 'fam', metric: 'run', clock: 'cpu', beforeMs: 10, afterMs: 50, ratio: 5 },
      { id: 'old', family: 'fam', metric: 'run', clock: 'wall', beforeMs: 10, afterMs: 45, ratio: 4.5 },
    ]);
    expect(
      diffResults(base, cand, { slowClock: 'wall' })
        .slow.map((s) => `${s.id}:${s.metric}:${s.clock}`)
        .sort(),
    ).toEqual(['busy:export:wall', 'busy:run:wall', 'old:run:wall', 'slower:run:wall']);
  });

  it('reports slow cases (factor and noise floor) without failing, unless asked to', () => {
    const base = doc([
      c('fast', 'ok', { run: 10 }),
      c('tiny', 'ok', { run: 1 }),
      c('exp', 'ok', { export: 100 }),
    ]);
    const cand = doc([
      c('fast', 'ok', { run: 45 }),
      c('tiny', 'ok', { run: 4 }),
      c('exp', 'ok', { export: 150 }),
    ]);
    const r = diffResults(base, cand);
    expect(r.slow).toEqual([
      { id: 'fast', family: 'fam', metric: 'run', clock: 'wall', beforeMs: 10, afterMs: 45, ratio: 4.5 },
    ]);
    expect(r.verdict).toBe('pass');
    expect(diffResults(base, cand, { failOnSlow: true }).verdict).toBe('fail');
    expect(diffResults(base, cand, { slowFloorMs: 50 }).slow).toEqual([]);
  });

  it('refuses results made with another corpus or tolerance, naming both, unless forced', () => {
    const base = doc([c('a', 'ok')]);
    const other = doc([c('a', 'ok')], {
      corpus: { name: 'test', hash: 'h2', cases: 1 },
      settings: { atol: 1e-4 },
    });
    expect(() => diffResults(base, other)).toThrow(DiffInputError);
    expect(() => diffResults(base, other)).toThrow(
      /refusing to compare: corpus hash differs: baseline test@h1, candidate test@h2; tolerance differs: baseline atol 0.001 rtol 0.001, candidate atol 0.0001 rtol 0.001 \(use --force/,
    );
    const forced = diffResults(base, other, { force: true });
    expect(forced.mismatches).toHaveLength(2);
    expect(forced.verdict).toBe('pass');
  });

  it('checks comparability once: the gate checks before its runs and diffResults takes that check as done', () => {
    const base = doc([c('a', 'ok')]);
    const other = doc([c('a', 'ok')], { settings: { atol: 1e-4 } });
    const message =
      'refusing to compare: tolerance differs: baseline atol 0.001 rtol 0.001, candidate atol 0.0001 rtol 0.001 (use --force to compare anyway)';
    // The one check refuses with the same message diffResults gives when it checks by itself.
    expect(() => checkComparability(base, other, false)).toThrow(message);
    expect(() => diffResults(base, other)).toThrow(message);
    // Checked already (forced, as `convgate gate --force` does before the runs): diffResults does not
    // check again — with force off a second check would refuse — and reports what the check found.
    const checked = checkComparability(base, other, true);
    const r = diffResults(base, other, { force: false }, checked);
    expect(r.mismatches).toEqual([message.replace(/^refusing to compare: (.*) \(use --force.*$/, '$1')]);
    expect(r.verdict).toBe('pass');
    // A comparable pair checks clean: nothing to report.
    expect(checkComparability(base, doc([c('a', 'ok')]), false).mismatches).toEqual([]);
  });

  it('notes differences that do not block the comparison', () => {
    const base = doc([c('a', 'ok')], { environment: { onnxruntime: '1.29.0' }, complete: false });
    const cand = doc([c('a', 'ok')], { settings: { timeoutS: 30 } });
    const r = diffResults(base, cand);
    expect(r.notes).toEqual([
      'the baseline run is incomplete (1/1 cases)',
      'time limit differs (baseline 60s, candidate 30s): hangs may differ for that reason',
      'ONNX Runtime differs: baseline 1.29.0, candidate 1.30.0',
    ]);
  });

  it('records coverage as before/after numbers (what the App shows) and the op types', () => {
    const r = diffResults(
      doc([c('a', 'ok', { opTypes: ['Gemm'] })]),
      doc([
        c('a', 'ok', { opTypes: ['Gemm', 'Relu'] }),
        c('s', 'ok', { kind: 'synthetic', family: 'g', opTypes: ['Add'] }),
      ]),
    );
    expect(r.coverage).toMatchObject({
      cases: { before: 1, after: 2 },
      real: { before: 1, after: 1 },
      synthetic: { before: 0, after: 1 },
      families: { before: 1, after: 2 },
      opTypes: { before: 1, after: 3 },
      ops: ['Add', 'Gemm', 'Relu'],
    });
    const md = renderGateReport(r);
    expect(md).toContain('**Coverage:** 2 (was 1) cases (1 real, 1 (was 0) synthetic) in 2 (was 1) families');
    // Without a baseline: plain numbers.
    expect(noBaselineReport(doc([c('a', 'ok', { opTypes: ['Gemm'] })]), 'x').coverage).toMatchObject({
      cases: 1,
      opTypes: 1,
      ops: ['Gemm'],
    });
  });
});

describe('noBaselineReport / finalizeVerdict', () => {
  it('no baseline: every case is new, verdict no-baseline, nothing fails', () => {
    const r = noBaselineReport(
      doc([c('a', 'ok'), c('b', 'hang'), c('r', 'reference-error')]),
      'no stored baseline',
    );
    expect(r.verdict).toBe('no-baseline');
    expect(r.reason).toBe('no stored baseline');
    expect(r.baseline).toBeNull();
    expect(r.counts).toMatchObject({ new: 2, referenceErrors: 1, regressions: 0 });
    expect(GateReport.safeParse(r).success).toBe(true);
    expect(finalizeVerdict(r).verdict).toBe('no-baseline');
  });

  it('recounts after confirmation moved regressions to flaky', () => {
    const r = diffResults(doc([c('a', 'ok')]), doc([c('a', 'hang', { error: crash() })]));
    r.flaky.push(...r.regressions.splice(0));
    finalizeVerdict(r);
    expect(r.verdict).toBe('pass');
    expect(r.reason).toBe('no confirmed regressions (1 flaky)');
    expect(r.counts.flaky).toBe(1);
  });
});

describe('operatorsInError', () => {
  it('finds operators named by the exporter and by ONNX Runtime', () => {
    expect(
      operatorsInError("Exporting the operator 'aten::fft_rfft' to ONNX opset version 14 is not supported"),
    ).toEqual(['aten::fft_rfft']);
    expect(
      operatorsInError(
        '[ONNXRuntimeError] : 1 : FAIL : Node (/Transpose) Op (Transpose) [ShapeInferenceError]',
      ),
    ).toEqual(['Transpose']);
    expect(operatorsInError('No Op registered for LayerNormalization with domain_version of 14')).toEqual([
      'LayerNormalization',
    ]);
  });
});
