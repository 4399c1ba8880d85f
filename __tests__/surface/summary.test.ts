/**
 * Surface coverage as convgate computes and shows it: covered / registered per area, the
 * reachable denominator, functions dispatched without a registration, the gate's statement of
 * what a pass covers, the one-line PR comment, and escaping of names a converter build reports.
 */
import { describe, expect, it } from '@jest/globals';
import { areaOf } from '../../src/surface/areas.js';
import { surfaceStatus, summarizeSurface, largestGaps } from '../../src/surface/summary.js';
import { gateSurface } from '../../src/surface/gate.js';
import { renderGateSurface, renderSurfaceSection } from '../../src/report/surface.js';
import { renderRunReport } from '../../src/report/markdown.js';
import { renderGateReport } from '../../src/gate/render.js';
import { renderPrComment } from '../../src/app/render-pr-comment.js';
import { diffResults } from '../../src/gate/diff.js';
import type { CaseResult, ResultsDoc } from '../../src/results/schema.js';
import { candidateResults } from '../app/support/gate-fixture.js';

const REGISTRY = {
  'aten::add': ['opset9', 'opset11'],
  'aten::relu': ['opset9', 'opset14'],
  'aten::sum': ['opset9', 'opset13'],
  'aten::std': ['opset9'],
  'aten::dropout_': ['opset9'],
  'quantized::linear': ['opset10'],
  'prim::If': ['opset9'],
};

function kase(
  id: string,
  outcome: CaseResult['outcome'],
  calls: [string, string | null, string][],
): CaseResult {
  return {
    ...candidateResults().cases[0]!,
    id,
    outcome,
    surface: { calls },
  };
}

function doc(cases: CaseResult[]): ResultsDoc {
  return {
    ...candidateResults(),
    surface: { measured: true, exporter: 'torchscript', unit: 'symbolic function', registered: REGISTRY },
    cases,
  };
}

const CASES = [
  kase('a', 'ok', [
    ['aten::add', 'opset11', 'float32/2,float32/2,int64/0'],
    ['aten::relu', 'opset14', 'float32/2'],
  ]),
  kase('b', 'conversion-crash', [
    ['aten::add', 'opset11', 'int64/0,int64/0,int64/0'],
    ['aten::sum', 'opset13', 'float32/3,int64/1,bool/0,none'],
    ['aten::not_a_symbolic', null, 'float32/2'],
  ]),
];

describe('surface summary', () => {
  it('counts covered / registered, per area, reachable and in ok cases', () => {
    const status = surfaceStatus(doc(CASES));
    expect(status.measured).toBe(true);
    if (!status.measured) return;
    const s = status.summary;
    expect(s).toMatchObject({ registered: 7, covered: 3, coveredOk: 2, cases: 2 });
    // aten::dropout_ is an in-place alias key the TorchScript exporter never looks up.
    expect(s.reachable).toEqual({ registered: 6, covered: 3 });
    expect(s.implementations).toEqual({ registered: 10, covered: 3 });
    // Distinct (function, input kinds): add twice, relu, sum.
    expect(s.variants).toBe(4);
    expect(s.unregistered).toEqual([{ name: 'aten::not_a_symbolic', cases: 1 }]);
    const reduction = s.areas.find((a) => a.id === 'reduction')!;
    expect(reduction).toMatchObject({ registered: 2, covered: 1, uncovered: ['aten::std'] });
    expect(s.areas.find((a) => a.id === 'quantization')!.uncovered).toEqual(['quantized::linear']);
    expect(largestGaps(s, 2).map((a) => a.uncovered.length)).toEqual([1, 1]);
  });

  it('is "not measured" with a reason when recording was off or no registry arrived', () => {
    expect(
      surfaceStatus({ ...doc([]), surface: { measured: false, reason: 'recording was turned off' } }),
    ).toEqual({
      measured: false,
      reason: 'recording was turned off',
    });
    const unknown = surfaceStatus({
      ...doc([]),
      surface: { measured: true, exporter: 'x', registered: null },
    });
    expect(unknown.measured).toBe(false);
    expect(surfaceStatus({ ...doc([]), surface: undefined }).measured).toBe(false);
  });

  it('puts every registered name of the real registries in an area', () => {
    for (const name of [
      'aten::add.Tensor',
      'aten::__and_',
      'aten::conv_tbc',
      'aten::_cast_Float',
      'prims::var',
    ])
      expect(areaOf(name).id).not.toBe('other');
    expect(areaOf('aten::dropout_').unreachable).toBeDefined();
    expect(areaOf('aten::__and_').id).toBe('compare-logical');
    expect(areaOf('_operator.getitem').id).toBe('symbolic-shape');
    expect(areaOf('higher_order.cond').id).toBe('control-flow');
  });
});

describe('surface rendering', () => {
  it('run report: a section with the ratio and the uncovered functions per area', () => {
    const md = renderRunReport(doc(CASES));
    expect(md).toContain('### Converter surface: torchscript exporter');
    expect(md).toContain('3/7 symbolic functions (42.9%)');
    expect(md).toContain('reachable 3/6 (50.0%)');
    expect(md).toMatch(/\| reductions and scans \| 1\/2 \| `aten::std` \|/);
    expect(md).toContain('`aten::not_a_symbolic` (1)');
  });

  it('escapes names and units that come from the converter build', () => {
    const evil = doc([kase('a', 'ok', [['aten::x`|<img src=x>', 'opset9', 'float32/1']])]);
    evil.surface = {
      measured: true,
      exporter: '<b>torch</b>',
      unit: 'fn @team',
      registered: { 'aten::y`|<script>': ['opset9'] },
    };
    const status = surfaceStatus(evil);
    const md = renderSurfaceSection(status).join('\n');
    expect(md).not.toContain('<b>');
    expect(md).not.toContain('`|<');
    expect(md).not.toMatch(/@team/);
    const gate = renderGateSurface(gateSurface(evil), 'pass').join('\n');
    expect(gate).not.toContain('<b>');
    // Function names are code spans (GitHub shows HTML in them as text); backtick and pipe cannot
    // end the span or the table cell.
    expect(gate).toContain("`aten::y'\\|<script>`");
    expect(gate.replace("`aten::y'\\|<script>`", '')).not.toContain('<script>');
  });

  it('gate: a pass says what it covers and what it cannot speak for; the PR comment shows one line', () => {
    const candidate = doc(CASES);
    const baseline = doc([CASES[0]!]);
    const report = diffResults(baseline, candidate, { force: true });
    expect(report.surface).toMatchObject({
      measured: true,
      covered: 3,
      registered: 7,
      before: { covered: 2 },
    });
    const md = renderGateReport({ ...report, verdict: 'pass', regressions: [] });
    expect(md).toContain(
      '**What this pass covers:** the corpus ran 3/7 symbolic functions of the torchscript exporter (42.9%); reachable 3/6 (50.0%) (baseline 2/7); a regression in the other 4 cannot show up in this gate.',
    );
    expect(md).toContain('<summary>Uncovered translation functions by area</summary>');
    const comment = renderPrComment(
      {
        run: { runId: 1, attempt: 1, headSha: 'a'.repeat(40), runUrl: 'https://x/1', conclusion: 'success' },
        outcome: { kind: 'report', report },
      },
      { maxRows: 10 },
    );
    const lines = comment.split('\n').filter((l) => l.includes('Converter surface'));
    expect(lines).toEqual([
      "**Converter surface:** 3/7 symbolic functions of the torchscript exporter (42.9%); reachable 3/6 (50.0%) (baseline 2/7) ran in this gate's cases.",
    ]);
  });

  it('summarizeSurface works on a registry alone (nothing ran)', () => {
    const s = summarizeSurface(
      { measured: true, exporter: 'dynamo', unit: 'ATen overload', registered: REGISTRY },
      [],
    );
    expect(s.covered).toBe(0);
    expect(s.areas.reduce((n, a) => n + a.uncovered.length, 0)).toBe(7);
  });
});
