import { describe, expect, it } from '@jest/globals';
import { classifyPair, DEFAULT_DIFF_OPTIONS, diffResults } from '../../src/gate/diff.js';
import { renderGateReport } from '../../src/gate/render.js';
import { GateReport } from '../../src/gate/schema.js';
import { caseResult, resultsDoc as doc } from '../gate/docs.js';
import type { Outcome } from '../../src/results/outcome.js';

const c = (id: string, outcome: Outcome, extra: { unmet?: string[] } = {}) => ({
  ...caseResult(id, outcome),
  ...extra,
});

const unmet = { unmet: ['transformers >=5.0: not installed'] };

describe('unsupported cases in the gate', () => {
  it('a case that ran in the baseline and is unsupported in the candidate is lost coverage and fails', () => {
    const r = diffResults(
      doc([c('bert', 'ok'), c('gpt', 'wrong-output'), c('mlp', 'ok')]),
      doc([c('bert', 'unsupported', unmet), c('gpt', 'unsupported', unmet), c('mlp', 'ok')]),
    );
    expect(r.verdict).toBe('fail');
    expect(r.reason).toBe('2 case(s) lost coverage (ran in the baseline, not in the candidate)');
    expect(r.counts).toMatchObject({ regressions: 0, lost: 2, fixes: 0, unchanged: 1 });
    expect(r.lost?.map((x) => [x.id, x.before, x.after])).toEqual([
      ['bert', 'ok', 'unsupported'],
      ['gpt', 'wrong-output', 'unsupported'],
    ]);
    expect(r.lost?.[0].note).toBe('lost coverage: ok → unsupported (transformers >=5.0: not installed)');
    expect(GateReport.safeParse(r).success).toBe(true);
    expect(renderGateReport(r)).toContain('### Lost coverage (2)');
  });

  it('unsupported on both sides is unchanged; gaining support lists the case as new, never as a fix', () => {
    const r = diffResults(
      doc([c('bert', 'unsupported', unmet), c('t5', 'unsupported', unmet)]),
      doc([c('bert', 'unsupported', unmet), c('t5', 'ok')]),
    );
    expect(r.verdict).toBe('pass');
    expect(r.counts).toMatchObject({ unchanged: 1, new: 1, fixes: 0, regressions: 0 });
    expect(r.new[0]).toMatchObject({ id: 't5', before: 'unsupported', after: 'ok' });
    expect(r.lost).toBeUndefined();
  });

  it('classifies pairs involving unsupported before anything else', () => {
    expect(classifyPair(c('a', 'reference-error'), c('a', 'unsupported'), DEFAULT_DIFF_OPTIONS).kind).toBe(
      'lost',
    );
    expect(classifyPair(c('a', 'unsupported'), c('a', 'reference-error'), DEFAULT_DIFF_OPTIONS).kind).toBe(
      'gained',
    );
  });
});

describe('opset the converter really wrote', () => {
  it('lists cases written at another opset than requested in the run report', async () => {
    const { renderRunReport, opsetDrift } = await import('../../src/report/markdown.js');
    const asked = (id: string, opset: number, built: number, wrote: number) => {
      const r = caseResult(id, 'ok');
      return { ...r, settings: { ...r.settings, opset }, opsetBuilt: built, opset: wrote };
    };
    const d = doc([asked('a', 11, 18, 18), asked('b', 17, 18, 17), asked('c', 20, 20, 20)]);
    expect(opsetDrift(d.cases).map((c) => c.id)).toEqual(['a']);
    expect(renderRunReport(d)).toContain('### Opset not as requested (1)');
    expect(renderRunReport(d)).toContain('`a` (asked 11, built at 18, wrote 18)');
  });
});
