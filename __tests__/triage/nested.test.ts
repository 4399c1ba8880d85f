import { describe, expect, it, jest } from '@jest/globals';
import { existsSync } from 'node:fs';
import { errorPatterns, main, parseArgs, withAdded } from '../../src/triage/eval.js';
import type { FieldLabel, LabeledIssue } from '../../src/triage/labels.js';
import {
  fitProcedure,
  nestedCrossValidate,
  spread,
  summarize,
  thresholdsFor,
  type FittedProcedure,
  type Observer,
} from '../../src/triage/nested.js';
import { THRESHOLD_GRID } from '../../src/triage/evaluate.js';
import { rulesOnlyModel, trainModel } from '../../src/triage/train.js';

const OPS = ['Einsum', 'GridSample', 'Unique', 'Bucketize', 'RFFT', 'Erfinv', 'Histc', 'Polar'];

function invented(n: number): LabeledIssue[] {
  return Array.from({ length: n }, (_, i) => {
    const op = OPS[i % OPS.length];
    const kind = i % 3;
    const labels: FieldLabel =
      kind === 0
        ? { symptom: 'crash', cause: 'incompatibility', component: 'node-conversion' }
        : kind === 1
          ? { symptom: 'wrong-model', cause: 'type-problem', component: 'node-conversion' }
          : { symptom: 'unreported', cause: 'other', component: 'unknown' };
    const title = [`${op} export fails`, `${op} exported with wrong dtype`, `Refactor the ${op} tests`][kind];
    const body = [
      `RuntimeError: Exporting the operator ${op} to ONNX opset version ${10 + (i % 7)} is not supported.`,
      `The output dtype is float64 but the exported ${op} returns float32; outputs are different.`,
      `Cleanup: the unit tests for ${op} should be refactored into one file.`,
    ][kind];
    return { id: `case-${i}`, title, body, labels };
  });
}

/**
 * Runs the protocol with a spy on every step that sees labeled issues, and returns, per outer
 * fold, the test issues that some step of that fold's fitting was given (must be none).
 */
function leaks(
  data: LabeledIssue[],
  fit: (train: LabeledIssue[], seed: number, observe: Observer) => FittedProcedure,
): string[][] {
  const seenPerFold: Set<string>[] = [];
  const result = nestedCrossValidate(data, {
    outerFolds: 4,
    repeats: 2,
    seed: 3,
    fit: (train, seed) => {
      const seen = new Set<string>();
      seenPerFold.push(seen);
      return fit(train, seed, (_step, ids) => ids.forEach((id) => seen.add(id)));
    },
  });
  expect(result.folds).toHaveLength(seenPerFold.length);
  return result.folds.map((f, k) => f.testIds.filter((id) => seenPerFold[k].has(id)));
}

describe('nested cross-validation', () => {
  const data = invented(36);

  it('never lets training or threshold choice see the outer test fold', () => {
    const honest = leaks(data, (train, seed, observe) =>
      fitProcedure(train, {
        train: (ex) => trainModel(ex, { calibrationFolds: 0, iterations: 30 }),
        innerFolds: 3,
        seed,
        precisionTarget: 0.9,
        observe,
      }),
    );
    expect(honest).toHaveLength(8);
    for (const leaked of honest) expect(leaked).toEqual([]);
  });

  it('the leak detector catches a procedure that chooses thresholds on all issues', () => {
    // A deliberately leaky procedure: thresholds from the whole labeled set.
    const leaky = leaks(data, (_train, seed, observe) =>
      fitProcedure(data, {
        train: () => rulesOnlyModel(),
        innerFolds: 3,
        seed,
        precisionTarget: 0.9,
        observe,
      }),
    );
    expect(leaky.every((leaked) => leaked.length > 0)).toBe(true);
  });

  it('keeps near-duplicate groups on one side of every outer and inner split', () => {
    const grouped = data.map((e, i) => (i % 3 === 0 ? { ...e, group: `g${i % 9}` } : e));
    const groupOfId = new Map(grouped.map((e) => [e.id, e.group ?? e.id]));
    const result = nestedCrossValidate(grouped, {
      outerFolds: 4,
      repeats: 2,
      seed: 5,
      fit: (train, seed) => {
        const trainGroups = new Set(train.map((e) => groupOfId.get(e.id)));
        const testGroups = grouped.filter((e) => !train.includes(e)).map((e) => groupOfId.get(e.id));
        expect(testGroups.filter((g) => trainGroups.has(g))).toEqual([]);
        return fitProcedure(train, {
          train: (ex) => {
            // Inner folds: the issues left out of this training set share no group with it.
            const inGroups = new Set(ex.map((e) => groupOfId.get(e.id)));
            const out = train.filter((e) => !ex.includes(e)).map((e) => groupOfId.get(e.id));
            if (ex.length < train.length) expect(out.filter((g) => inGroups.has(g))).toEqual([]);
            return rulesOnlyModel();
          },
          innerFolds: 3,
          seed,
          precisionTarget: 0.9,
        });
      },
    });
    expect(result.folds).toHaveLength(8);
  });

  it('scores every issue once per repeat and records the thresholds of its fold', () => {
    const result = nestedCrossValidate(data, {
      outerFolds: 3,
      repeats: 2,
      seed: 1,
      fit: (train, seed) =>
        fitProcedure(train, { train: () => rulesOnlyModel(), innerFolds: 3, seed, precisionTarget: 0.9 }),
    });
    expect(result.runs).toHaveLength(2);
    for (const run of result.runs) {
      expect(run.predictions.filter(Boolean)).toHaveLength(data.length);
      expect(run.thresholds.filter(Boolean)).toHaveLength(data.length);
    }
    const ids = result.folds.filter((f) => f.repeat === 0).flatMap((f) => f.testIds);
    expect(ids.sort()).toEqual(data.map((e) => e.id).sort());
    const s = summarize(data, result);
    expect(s.symptom.accuracy.n).toBe(2);
    expect(s.symptom.accuracy.mean).toBeGreaterThan(0.5);
    // A threshold above every confidence applies nothing: precision is undefined, coverage 0.
    const none = summarize(data, result, () => Infinity);
    expect(none.cause.coverage.mean).toBe(0);
    expect(none.cause.precision.n).toBe(0);
  });
});

describe('per-label thresholds (round-4 experiment)', () => {
  const pred = (label: string, confidence: number) => ({ label, confidence, backed: true });
  const fitted = {
    model: rulesOnlyModel(),
    thresholds: { symptom: 0.6, cause: Infinity, component: 0.9 },
    labelThresholds: { cause: { incompatibility: 0.8 }, component: { unknown: Infinity } },
  };

  it("replace the field's threshold only for the labels that have one", () => {
    const p = {
      symptom: pred('crash', 0.7),
      cause: pred('incompatibility', 0.85),
      component: pred('unknown', 0.99),
    };
    expect(thresholdsFor(fitted, p)).toEqual({ symptom: 0.6, cause: 0.8, component: Infinity });
    const q = { symptom: pred('hang', 0.7), cause: pred('other', 0.85), component: pred('tracer', 0.99) };
    expect(thresholdsFor(fitted, q)).toEqual({ symptom: 0.6, cause: Infinity, component: 0.9 });
    expect(thresholdsFor({ model: fitted.model, thresholds: fitted.thresholds }, p)).toEqual(
      fitted.thresholds,
    );
  });

  it('are chosen inside the procedure, only for labels with enough inner predictions, and reach the nested runs', () => {
    const data = invented(48);
    const opts = { train: () => rulesOnlyModel(), innerFolds: 3, seed: 2, precisionTarget: 0.9 };
    expect(fitProcedure(data, opts).labelThresholds).toBeUndefined();
    const withLabels = fitProcedure(data, { ...opts, perLabel: true });
    // 16 issues of each kind: every label the invented issues use has >= 10 inner predictions.
    expect(Object.keys(withLabels.labelThresholds?.symptom ?? {}).sort()).toEqual([
      'crash',
      'unreported',
      'wrong-model',
    ]);
    for (const t of Object.values(withLabels.labelThresholds?.cause ?? {}))
      expect(t === Infinity || THRESHOLD_GRID.includes(t)).toBe(true);
    const result = nestedCrossValidate(data, {
      outerFolds: 3,
      repeats: 1,
      seed: 1,
      fit: (train, seed) => fitProcedure(train, { ...opts, seed, perLabel: true }),
    });
    expect(result.runs[0].thresholds.filter(Boolean)).toHaveLength(data.length);
  });
});

describe('figures', () => {
  it('computes mean, sample standard deviation and range, skipping NaN', () => {
    const s = spread([0.5, 0.7, NaN, 0.9]);
    expect(s.mean).toBeCloseTo(0.7);
    expect(s.sd).toBeCloseTo(0.2);
    expect([s.min, s.max, s.n]).toEqual([0.5, 0.9, 3]);
  });

  it('ranks the most frequent errors by field and label pair', () => {
    const data = invented(6);
    // Right cause and stage; symptom right except unreported -> crash; one stage error.
    const predictions = data.map((e, i) => ({
      symptom: {
        label: e.labels.symptom === 'unreported' ? 'crash' : e.labels.symptom,
        confidence: 1,
        backed: true,
      },
      cause: { label: e.labels.cause, confidence: 1, backed: true },
      component: { label: i === 0 ? 'tracer' : e.labels.component, confidence: 1, backed: true },
    }));
    const top = errorPatterns(data, [{ predictions }, { predictions }], 2);
    expect(top[0]).toEqual({ field: 'symptom', gold: 'unreported', predicted: 'crash', count: 4, issues: 2 });
    expect(top[1]).toEqual({
      field: 'component',
      gold: 'node-conversion',
      predicted: 'tracer',
      count: 2,
      issues: 1,
    });
    expect(top).toHaveLength(2);
  });
});

describe('eval:triage options and data handling', () => {
  it("adds convgate's own labelled files by default, and only then", () => {
    const args = parseArgs(['dev.jsonl'], {});
    expect(args.extra.length).toBeGreaterThan(0);
    for (const f of args.extra) expect(existsSync(f)).toBe(true);
    expect(parseArgs(['dev.jsonl', '--no-extra'], {}).extra).toEqual([]);
    expect(parseArgs(['dev.jsonl', '--extra', 'x.jsonl'], {}).extra).toHaveLength(1);
    expect(() => parseArgs(['--no-extra', '--extra', 'x.jsonl'], {})).toThrow(/exclude each other/);
  });

  it('computes the parts asked for, and names the valid ones otherwise', () => {
    expect([...parseArgs(['dev.jsonl'], {}).parts]).toEqual(['A', 'B', 'C', 'D', 'S']);
    expect([...parseArgs(['dev.jsonl', '--parts', 'D,S'], {}).parts]).toEqual(['D', 'S']);
    expect(() => parseArgs(['--parts', 'A,E'], {})).toThrow(/subset of A,B,C,D,S \(got 'E'\)/);
    expect(() => parseArgs(['--parts'], {})).toThrow(/--parts/);
  });

  it('reads no data from outside the repository unless told where it is', () => {
    expect(parseArgs([], {}).path).toBe('');
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((m: unknown) => void errors.push(String(m)));
    const saved = process.env.CONVGATE_TRIAGE_DATA;
    delete process.env.CONVGATE_TRIAGE_DATA;
    try {
      expect(main([])).toBe(2);
    } finally {
      spy.mockRestore();
      if (saved !== undefined) process.env.CONVGATE_TRIAGE_DATA = saved;
    }
    expect(errors.join('\n')).toMatch(
      /no labeled data: give the paper's labeled JSONL .* CONVGATE_TRIAGE_DATA/,
    );
  });

  it('checks --train-options names and types', () => {
    expect(parseArgs(['--train-options', '{"bowScale":0}'], {}).trainOptions).toEqual({ bowScale: 0 });
    expect(() => parseArgs(['--train-options', '{"bowscale":0}'], {})).toThrow(/unknown option 'bowscale'/);
    expect(() => parseArgs(['--train-options', '{"bowScale":"0"}'], {})).toThrow(
      /'bowScale' must be a number/,
    );
    expect(() => parseArgs(['--train-options', '[1]'], {})).toThrow(/JSON object/);
  });

  it('never adds an own issue tied to one of the test issues to their training set', () => {
    const main = invented(6);
    const extra: LabeledIssue[] = [
      { ...main[0], id: 'own-1', group: main[0].id },
      { ...main[1], id: 'own-2' },
    ];
    let given: string[] = [];
    const fit = withAdded(main, extra, (train) => {
      given = train.map((e) => e.id);
      return { model: rulesOnlyModel(), thresholds: { symptom: 1, cause: 1, component: 1 } };
    });
    fit(main.slice(1), 0); // main[0] is the test issue
    expect(given).toEqual([...main.slice(1).map((e) => e.id), 'own-2']);
    fit(main.slice(0, 5), 0); // main[5] is the test issue
    expect(given).toEqual([...main.slice(0, 5).map((e) => e.id), 'own-1', 'own-2']);
  });
});
