// Round 4's description-only ceiling (src/triage/ceiling.ts): agreement figures and the reader's
// label file. Invented labels only; the committed reader file is checked for shape, not content.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  agreement,
  applied,
  auroc,
  cohenKappa,
  disagreementPatterns,
  interReader,
  parseReaderJsonl,
  type OofRow,
} from '../../src/triage/ceiling.js';
import type { Field } from '../../src/triage/labels.js';

const row = (id: string, s: string, c: string, k: string, sure = 'sure'): string =>
  JSON.stringify({
    id,
    symptom: s,
    cause: c,
    component: k,
    confidence: { symptom: sure, cause: 'guess', component: sure },
  });

describe("Cohen's kappa", () => {
  it('matches a hand-computed value and its bounds', () => {
    // po = 0.8, pe = 0.6·0.4 + 0.4·0.6 = 0.48 → (0.8 − 0.48) / 0.52
    expect(cohenKappa(['y', 'y', 'n', 'n', 'y'], ['y', 'n', 'n', 'n', 'y'])).toBeCloseTo(0.32 / 0.52, 10);
    expect(cohenKappa(['a', 'b', 'c'], ['a', 'b', 'c'])).toBe(1);
    // Always answering the same label agrees often but no better than chance.
    expect(cohenKappa(['a', 'a', 'a', 'b'], ['a', 'a', 'a', 'a'])).toBe(0);
    expect(cohenKappa(['a', 'b'], ['b', 'a'])).toBeLessThan(0);
  });

  it('is undefined when both sides use one and the same label, and refuses unequal lengths', () => {
    expect(cohenKappa(['a', 'a'], ['a', 'a'])).toBeNaN();
    expect(() => cohenKappa(['a'], ['a', 'b'])).toThrow(/1 vs 2/);
  });
});

describe('agreement and disagreement patterns', () => {
  it('gives accuracy, kappa and macro-F1 over the labels either side uses', () => {
    const a = agreement(
      'symptom',
      ['crash', 'crash', 'wrong-model', 'unreported'],
      ['crash', 'wrong-model', 'wrong-model', 'unreported'],
    );
    expect(a.n).toBe(4);
    expect(a.accuracy).toBe(0.75);
    // crash F1 2/3, wrong-model F1 2/3, unreported F1 1
    expect(a.macroF1).toBeCloseTo((2 / 3 + 2 / 3 + 1) / 3, 10);
    expect(a.kappa).toBeGreaterThan(0);
    expect(a.kappa).toBeLessThan(a.accuracy);
  });

  it('counts the commonest (field, gold → other) pairs, most frequent first', () => {
    const L = (symptom: string, cause: string, component: string): Record<Field, string> => ({
      symptom,
      cause,
      component,
    });
    const gold = [
      L('crash', 'other', 'unknown'),
      L('crash', 'other', 'tracer'),
      L('hang', 'other', 'tracer'),
    ];
    const other = [
      L('crash', 'incompatibility', 'unknown'),
      L('crash', 'incompatibility', 'node-conversion'),
      L('crash', 'other', 'tracer'),
    ];
    expect(disagreementPatterns(gold, other, 2)).toEqual([
      { field: 'cause', gold: 'other', other: 'incompatibility', count: 2 },
      { field: 'component', gold: 'tracer', other: 'node-conversion', count: 1 },
    ]);
  });
});

describe("the reader's labels", () => {
  it('parses labels and the per-field confidence', () => {
    const [r] = parseReaderJsonl(row('x-1', 'crash', 'other', 'unknown', 'guess') + '\n', 'r.jsonl');
    expect(r.labels).toEqual({ symptom: 'crash', cause: 'other', component: 'unknown' });
    expect(r.sure).toEqual({ symptom: false, cause: false, component: false });
    expect(r.flags).toEqual([]);
  });

  it('names the line and field of a bad row', () => {
    expect(() =>
      parseReaderJsonl(
        `${row('a', 'crash', 'other', 'unknown')}\n${row('b', 'crash', 'bogus', 'unknown')}`,
        'r.jsonl',
      ),
    ).toThrow(/r\.jsonl:2: field 'cause': unknown label 'bogus'/);
    expect(() =>
      parseReaderJsonl(
        '{"id":"a","symptom":"crash","cause":"other","component":"unknown","confidence":{"symptom":"maybe","cause":"sure","component":"sure"}}',
        'r.jsonl',
      ),
    ).toThrow(/r\.jsonl:1: field 'confidence\.symptom'/);
    expect(() => parseReaderJsonl('{not json', 'r.jsonl')).toThrow(/r\.jsonl:1: not valid JSON/);
  });

  it.each(['round4-description-only.jsonl', 'round4-description-only-reader2.jsonl'])(
    'the committed round-4 file %s holds ids, labels and confidence only (no issue text)',
    (name) => {
      const path = fileURLToPath(new URL(`../../src/triage/data/${name}`, import.meta.url));
      const text = readFileSync(path, 'utf8');
      const rows = parseReaderJsonl(text, path);
      expect(rows).toHaveLength(100);
      expect(new Set(rows.map((r) => r.id)).size).toBe(100);
      for (const line of text.trim().split('\n'))
        expect(Object.keys(JSON.parse(line)).sort()).toEqual([
          'cause',
          'component',
          'confidence',
          'flags',
          'id',
          'symptom',
        ]);
    },
  );
});

describe('two readers', () => {
  const L = (symptom: string, cause: string, component: string): Record<Field, string> => ({
    symptom,
    cause,
    component,
  });
  it("gives the readers' agreement, kappa, and the paper's accuracy where they agree", () => {
    const paper = [L('a', 'x', 'p'), L('a', 'y', 'p'), L('b', 'x', 'q'), L('b', 'y', 'q')];
    const r1 = [L('a', 'x', 'p'), L('a', 'x', 'p'), L('b', 'y', 'q'), L('a', 'y', 'q')];
    const r2 = [L('a', 'x', 'p'), L('a', 'y', 'p'), L('b', 'y', 'q'), L('b', 'x', 'q')];
    const [s, c, k] = interReader(paper, r1, r2);
    // symptom: the readers agree on issues 0–2 (3/4); the paper has their label on all three.
    expect(s).toMatchObject({
      field: 'symptom',
      n: 4,
      agreement: 0.75,
      agreed: 3,
      paperAccuracyWhereAgreed: 1,
    });
    // po = 0.75, pe = 0.75·0.5 + 0.25·0.5 = 0.5 → kappa 0.5
    expect(s.kappa).toBeCloseTo(0.5, 10);
    // cause: they agree on issues 0 and 2; the paper has 'x' on 0 but 'x' (not 'y') on 2.
    expect(c).toMatchObject({ agreement: 0.5, agreed: 2, paperAccuracyWhereAgreed: 0.5 });
    expect(k).toMatchObject({ agreement: 1, kappa: 1, paperAccuracyWhereAgreed: 1 });
  });
  it('gives NaN where the readers never agree, and refuses unequal lengths', () => {
    const [s] = interReader([L('a', 'x', 'p')], [L('a', 'x', 'p')], [L('b', 'x', 'p')]);
    expect(s.agreed).toBe(0);
    expect(s.paperAccuracyWhereAgreed).toBeNaN();
    expect(() => interReader([L('a', 'x', 'p')], [], [])).toThrow(/1 paper rows vs 0 and 0/);
  });
});

describe('AUROC', () => {
  it('is the chance that a positive outscores a negative, ties counting half', () => {
    expect(auroc([0.9, 0.8], [0.1, 0.2])).toBe(1);
    expect(auroc([0.1], [0.9])).toBe(0);
    expect(auroc([0.5, 0.9], [0.5, 0.1])).toBe((0.5 + 1 + 1 + 1) / 4);
    expect(auroc([], [0.1])).toBeNaN();
  });
});

describe('applied labels of out-of-fold rows', () => {
  const oof = (confidence: number, backed: boolean, threshold: number | null): OofRow => ({
    id: 'x',
    prediction: {
      symptom: { label: 'crash', confidence, backed },
      cause: { label: 'other', confidence, backed },
      component: { label: 'unknown', confidence, backed },
    },
    thresholds: { symptom: threshold, cause: threshold, component: threshold },
  });

  it('follows the shared policy: confident, backed by a cue, and a threshold exists', () => {
    expect(applied(oof(0.8, true, 0.7), 'symptom')).toBe(true);
    expect(applied(oof(0.6, true, 0.7), 'symptom')).toBe(false);
    expect(applied(oof(0.99, false, 0.5), 'symptom')).toBe(false);
    expect(applied(oof(0.99, true, null), 'cause')).toBe(false);
  });
});
