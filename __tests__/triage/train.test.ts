// Training and evaluation on small invented labeled sets (no dependency on data outside the repository).
import { describe, expect, it } from '@jest/globals';
import { classifyWith } from '../../src/triage/classify.js';
import { parseLabeledJsonl } from '../../src/triage/dataset.js';
import {
  chooseThreshold,
  crossValidate,
  expectedCalibrationError,
  fieldMetrics,
  majorityLabel,
  thresholdRow,
} from '../../src/triage/evaluate.js';
import type { FieldLabel, LabeledIssue } from '../../src/triage/labels.js';
import { assertModelShape } from '../../src/triage/model.js';
import {
  foldAssignment,
  groupedFoldAssignment,
  issueFolds,
  rulesOnlyModel,
  trainModel,
} from '../../src/triage/train.js';

const OPS = ['Einsum', 'GridSample', 'Unique', 'Bucketize', 'RFFT', 'Erfinv', 'Histc', 'Polar'];

function invented(n: number): LabeledIssue[] {
  const out: LabeledIssue[] = [];
  for (let i = 0; i < n; i++) {
    const op = OPS[i % OPS.length];
    const kind = i % 3;
    const labels: FieldLabel =
      kind === 0
        ? { symptom: 'crash', cause: 'incompatibility', component: 'node-conversion' }
        : kind === 1
          ? { symptom: 'wrong-model', cause: 'type-problem', component: 'node-conversion' }
          : { symptom: 'unreported', cause: 'other', component: 'unknown' };
    const title =
      kind === 0
        ? `${op} export fails`
        : kind === 1
          ? `${op} exported with wrong dtype`
          : `Refactor the ${op} tests`;
    const body =
      kind === 0
        ? `RuntimeError: Exporting the operator ${op} to ONNX opset version ${10 + (i % 7)} is not supported.`
        : kind === 1
          ? `The output dtype is float64 but the exported ${op} returns float32; outputs are different.`
          : `Cleanup: the unit tests for ${op} should be refactored into one file.`;
    out.push({ id: `case-${i}`, title, body, labels });
  }
  return out;
}

describe('trainModel', () => {
  it('is deterministic and produces a well-formed model', () => {
    const data = invented(30);
    const a = trainModel(data, { calibrationFolds: 3 });
    const b = trainModel(data, { calibrationFolds: 3 });
    expect(a).toEqual(b);
    expect(() => assertModelShape(a)).not.toThrow();
    expect(a.fields.symptom.temperature).toBeGreaterThan(0);
  });

  it('can let cause read the predicted symptom and stage (stacking, off by default)', () => {
    const data = invented(30);
    const plain = trainModel(data, { calibrationFolds: 3 });
    expect(Object.keys(plain.fields.cause.weights).some((n) => n.startsWith('stage:'))).toBe(false);
    const stacked = trainModel(data, { calibrationFolds: 3, stageFeatures: true });
    expect(() => assertModelShape(stacked)).not.toThrow();
    expect(stacked.fields.cause.weights['stage:symptom=wrong-model']).toHaveLength(6);
    expect(stacked.fields.symptom).toEqual(plain.fields.symptom);
    const t = classifyWith(stacked, {
      title: 'Einsum exported with wrong dtype',
      body: 'outputs are different',
    });
    expect(t.cause.label).toBe('type-problem');
    expect(Object.keys(t)).toEqual(['symptom', 'cause', 'component']);
  });

  it('falls back to the rules alone without examples', () => {
    expect(trainModel([])).toEqual(rulesOnlyModel());
  });

  it('learns labels from the examples', () => {
    const model = trainModel(invented(30), { calibrationFolds: 0 });
    const t = classifyWith(model, {
      title: 'Cleanup of the Stft tests',
      body: 'the unit tests should be refactored',
    });
    expect(t.cause.label).toBe('other');
    expect(t.component.label).toBe('unknown');
  });

  it('learns word weights when the bag of words is on', () => {
    const model = trainModel(invented(30), { calibrationFolds: 0, bowScale: 2, minDocFreq: 2 });
    expect(model.vocabulary.length).toBeGreaterThan(0);
    expect(Object.keys(model.fields.cause.weights).some((k) => k.startsWith('w:'))).toBe(true);
  });

  it('learns adjacent word pairs only when maxBigrams allows them', () => {
    const base = { calibrationFolds: 0, bowScale: 2, minDocFreq: 2 };
    const pairs = (o: object): string[] =>
      trainModel(invented(30), { ...base, ...o }).vocabulary.filter((t) => t.startsWith('b:'));
    expect(pairs({})).toEqual([]);
    expect(pairs({ maxBigrams: 5 })).toHaveLength(5);
    expect(pairs({ maxBigrams: 100 })).toContain('b:not supported');
  });

  it('weighs rare causes up with causeBalance', () => {
    // One other/unknown issue among 19, trained with few word cues: balanced, that single
    // example weighs as much as each larger label, so the model gives its cause more probability.
    const data = invented(27).filter((e, i) => e.labels.cause !== 'other' || i === 2);
    const rare = data.find((e) => e.labels.cause === 'other')!;
    const opts = { calibrationFolds: 0, bowScale: 0, iterations: 200 };
    const pOther = (causeBalance: number): number => {
      const t = classifyWith(trainModel(data, { ...opts, causeBalance }), rare);
      return t.cause.label === 'other' ? t.cause.confidence : 0;
    };
    expect(pOther(1)).toBeGreaterThan(pOther(0) + 0.02);
  });
});

describe('crossValidate', () => {
  it('never trains on the fold it scores', () => {
    const data = invented(20);
    const seen: string[][] = [];
    const cv = crossValidate(
      data,
      (train) => {
        seen.push(train.map((e) => e.id));
        return rulesOnlyModel();
      },
      5,
      1,
    );
    expect(seen).toHaveLength(5);
    expect(cv.predictions.every((p) => p !== undefined)).toBe(true);
    // Each example is left out of exactly one training set.
    for (const e of data) expect(seen.filter((ids) => !ids.includes(e.id))).toHaveLength(1);
  });
});

describe('foldAssignment', () => {
  it('spreads every stratum across the folds', () => {
    const strata = [...Array(10).fill('a'), ...Array(5).fill('b')];
    const fold = foldAssignment(strata, 5, 3);
    for (let k = 0; k < 5; k++) {
      expect(fold.filter((f, i) => f === k && strata[i] === 'a')).toHaveLength(2);
      expect(fold.filter((f, i) => f === k && strata[i] === 'b')).toHaveLength(1);
    }
    expect(foldAssignment(strata, 5, 3)).toEqual(fold);
  });
});

describe('groupedFoldAssignment', () => {
  it('deals single-issue groups exactly as foldAssignment deals items', () => {
    const strata = ['a', 'b', 'a', 'c', 'b', 'a', 'a', 'c', 'b', 'a'];
    const items = strata.map((stratum, i) => ({ group: `g${i}`, stratum }));
    expect(groupedFoldAssignment(items, 3, 7)).toEqual(foldAssignment(strata, 3, 7));
  });

  it('never splits a group of near-duplicate issues across folds', () => {
    const data = invented(40).map((e, i) => (i % 4 < 2 ? { ...e, group: `pair-${Math.floor(i / 4)}` } : e));
    for (const seed of [1, 2, 3]) {
      const fold = issueFolds(data, 5, seed);
      const foldOfGroup = new Map<string, number>();
      data.forEach((e, i) => {
        if (!e.group) return;
        if (foldOfGroup.has(e.group)) expect(fold[i]).toBe(foldOfGroup.get(e.group));
        else foldOfGroup.set(e.group, fold[i]);
      });
      expect(new Set(fold).size).toBe(5);
    }
  });
});

describe('metrics', () => {
  it('computes accuracy, macro-F1 and the confusion matrix', () => {
    const m = fieldMetrics(
      ['crash', 'crash', 'hang', 'wrong-model'],
      ['crash', 'hang', 'hang', 'crash'],
      ['crash', 'wrong-model', 'hang'],
    );
    expect(m.accuracy).toBe(0.5);
    expect(m.labels).toEqual(['crash', 'wrong-model', 'hang']);
    expect(m.confusion).toEqual([
      [1, 0, 1],
      [1, 0, 0],
      [0, 0, 1],
    ]);
    // F1: crash 0.5, wrong-model 0, hang 2/3
    expect(m.macroF1).toBeCloseTo((0.5 + 0 + 2 / 3) / 3);
  });

  it('picks the majority label, ties to the first in the taxonomy', () => {
    const data = invented(3);
    expect(majorityLabel(data, 'symptom')).toBe('crash');
  });

  it('chooses the lowest threshold from which precision stays on target', () => {
    const items = [
      { confidence: 0.95, correct: true },
      { confidence: 0.9, correct: true },
      { confidence: 0.85, correct: true },
      { confidence: 0.8, correct: false },
      { confidence: 0.6, correct: false },
    ];
    expect(chooseThreshold(items, 0.9, [0.5, 0.6, 0.7, 0.8, 0.85, 0.9])).toBe(0.85);
    expect(thresholdRow(items, 0.85)).toMatchObject({ precision: 1, coverage: 0.6, applied: 3 });
    expect(expectedCalibrationError([{ confidence: 1, correct: true }])).toBe(0);
  });
});

describe('parseLabeledJsonl', () => {
  it("maps the paper's sheet labels and cuts comments off", () => {
    const line = JSON.stringify({
      id: 'x-1',
      title: 't',
      body: 'desc\n--- comment ---\nanswer',
      symptom: 'Wrong Code',
      cause: 'Typo',
      component: 'Protobuf',
    });
    const [issue] = parseLabeledJsonl(`${line}\n`, 'mem');
    expect(issue.labels).toEqual({ symptom: 'wrong-model', cause: 'other', component: 'serialization' });
    expect(issue.body).toBe('desc\n');
  });

  it('reads the group, tags the source and drops the paraphrase marks of own files', () => {
    const line = JSON.stringify({
      id: 'pytorch-2',
      title: 't',
      body: '[paraphrased] The export fails.\nRuntimeError: boom',
      symptom: 'crash',
      cause: 'other',
      component: 'node-conversion',
      group: 'pytorch-1',
      notes: 'ignored',
    });
    const [issue] = parseLabeledJsonl(line, 'own.jsonl', 'own');
    expect(issue).toMatchObject({ id: 'pytorch-2', group: 'pytorch-1', source: 'own' });
    expect(issue.body).toBe('The export fails.\nRuntimeError: boom');
    const [plain] = parseLabeledJsonl(line.replace('"group":"pytorch-1",', ''), 'own.jsonl');
    expect(plain.group).toBeUndefined();
    expect(plain.source).toBeUndefined();
  });

  it('names the line and field of a bad record', () => {
    const good = JSON.stringify({
      id: 'a',
      title: 't',
      body: '',
      symptom: 'Crash',
      cause: 'Others',
      component: 'Tracer',
    });
    const bad = JSON.stringify({
      id: 'b',
      title: 't',
      body: '',
      symptom: 'Explodes',
      cause: 'Others',
      component: 'Tracer',
    });
    expect(() => parseLabeledJsonl(`${good}\n${bad}\n`, 'f.jsonl')).toThrow(
      "f.jsonl:2: field 'symptom': unknown label 'Explodes'",
    );
    expect(() => parseLabeledJsonl('{"id": 1}', 'f.jsonl')).toThrow(/f\.jsonl:1: field 'id'/);
    expect(() => parseLabeledJsonl('not json', 'f.jsonl')).toThrow(/f\.jsonl:1: not valid JSON/);
  });
});
