/**
 * Coverage-guided generation (docs/coverage.md, "Growing the corpus"): learning which operator
 * variants reach which translation functions, proposing candidates for uncovered ones, keeping
 * the candidates that add coverage (greedy), feeding every input kind, and packing independent
 * graphs into one. Pure functions over fabricated results; the CLI writes a loadable corpus.
 */
import { describe, expect, it } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { emptyReach, learnReach, variantKey, variantsReaching } from '../../src/corpus/extra/reach.js';
import { gapsOf, inputKinds, proposeCandidates } from '../../src/corpus/extra/propose.js';
import { extraCases, packSpecs, selectCandidates } from '../../src/corpus/extra/select.js';
import { generateSpec, parseSpec, type SyntheticSpec } from '../../src/corpus/synthetic/index.js';
import { loadCorpusFile } from '../../src/corpus/load.js';
import { main } from '../../src/cli/index.js';
import type { CaseResult, ResultsDoc } from '../../src/results/schema.js';
import { candidateResults } from '../app/support/gate-fixture.js';
import { tempDir } from '../helpers.js';

function spec(
  kind: string,
  index: number,
  extra: Partial<Parameters<typeof generateSpec>[2]> = {},
): SyntheticSpec {
  return generateSpec(77, index, {
    ops: [kind],
    minNodes: 1,
    maxNodes: 2,
    library: 'full',
    dynamicAxes: false,
    ...extra,
  });
}

function kase(id: string, s: SyntheticSpec, outcome: CaseResult['outcome'], fns: string[]): CaseResult {
  return {
    ...candidateResults().cases[0]!,
    id,
    kind: 'synthetic',
    outcome,
    spec: s,
    surface: { calls: fns.map((f) => [f, 'impl', 'float32/2'] as [string, string, string]) },
  };
}

function doc(exporter: string, registered: string[], cases: CaseResult[]): ResultsDoc {
  return {
    ...candidateResults(),
    surface: {
      measured: true,
      exporter,
      unit: 'fn',
      registered: Object.fromEntries(registered.map((f) => [f, ['impl']])),
    },
    cases,
  };
}

const REG = ['aten::a', 'aten::b', 'aten::c', 'aten::d', 'aten::dropout_'];

describe('learning what reaches what', () => {
  it('credits every call of a case to its operator variants, per exporter', () => {
    const s1 = spec('norm', 0);
    const s2 = spec('acos', 1);
    const reach = learnReach(emptyReach(), [
      doc('ts', REG, [
        kase('c1', s1, 'ok', ['aten::a', 'aten::b']),
        kase('c2', s2, 'reference-error', ['aten::c']),
      ]),
      doc('dyn', REG, [kase('c1', s1, 'conversion-crash', ['aten::d'])]),
    ]);
    const v = variantKey(s1.nodes[0]!);
    expect(v).toMatch(/^norm:/);
    expect(reach.exporters.ts!.cases).toBe(1); // the reference error taught nothing
    expect(reach.exporters.ts!.variants[v]!['aten::a']).toBeGreaterThan(0);
    expect(variantsReaching(reach, 'dyn', 'aten::d')).toContain(v);
    expect(variantsReaching(reach, 'ts', 'aten::c')).toEqual([]);
  });
});

describe('proposing candidates for uncovered functions', () => {
  it('pools runs of one exporter, leaves unreachable keys out, and is deterministic', () => {
    const s = spec('acos', 2);
    const gaps = gapsOf([
      doc('ts', REG, [kase('x', s, 'ok', ['aten::a'])]),
      doc('ts', REG, [kase('y', s, 'ok', ['aten::b'])]),
    ]);
    expect(gaps).toEqual([{ exporter: 'ts', uncovered: ['aten::c', 'aten::d'] }]);
    const reach = learnReach(emptyReach(), [doc('ts', REG, [kase('z', spec('norm', 3), 'ok', ['aten::c'])])]);
    const a = proposeCandidates({ gaps, reach, seed: 5, perVariant: 2, budget: 30 });
    const b = proposeCandidates({ gaps, reach, seed: 5, perVariant: 2, budget: 30 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.cases.length).toBeLessThanOrEqual(30 + 12);
    // aten::c is known to come from a norm variant; aten::d from nothing known: exploration.
    expect(Object.values(a.targets).flat()).toEqual(expect.arrayContaining(['ts aten::c']));
    expect(
      Object.values(a.targets)
        .flat()
        .some((t) => t.startsWith('explore ')),
    ).toBe(true);
    expect(a.cases.every((c) => c.family === 'coverage-candidate' && c.id.startsWith('cand-'))).toBe(true);
  });
});

describe('keeping what adds coverage', () => {
  const base = [doc('ts', REG, [kase('b', spec('acos', 4), 'ok', ['aten::a'])]), doc('dyn', REG, [])];
  const big = spec('norm', 5);
  const small = spec('asin', 6);
  const other = spec('tan', 7);
  const candidates = [
    doc('ts', REG, [
      kase('big', big, 'ok', ['aten::a', 'aten::b', 'aten::c']),
      kase('small', small, 'ok', ['aten::b']),
      kase('other', other, 'conversion-crash', ['aten::d']),
    ]),
    doc('dyn', REG, [
      kase('big', big, 'ok', ['aten::b']),
      kase('small', small, 'ok', []),
      kase('other', other, 'ok', ['aten::c']),
    ]),
  ];

  it('takes the candidate adding most first, then only what still adds', () => {
    const chosen = selectCandidates(base, candidates);
    expect(chosen.map((c) => [c.id, c.adds])).toEqual([
      ['big', ['dyn aten::b', 'ts aten::b', 'ts aten::c']],
      ['other', ['dyn aten::c', 'ts aten::d']],
    ]);
    expect(chosen[1]).toMatchObject({ okEverywhere: false, okOn: ['dyn'] });
  });

  it('packs graphs that pass where they add coverage, keeps the others alone', () => {
    const chosen = selectCandidates(base, candidates);
    const cases = extraCases(chosen, { seed: 9000, start: 4 });
    expect(cases.map((c) => c.id)).toEqual(['extra-4', 'extra-5']);
    // `other` adds ts coverage from a run that crashed: alone, so its crash hides nothing else.
    expect(cases[1]!.description).toContain('tan');
    expect(cases.every((c) => c.family === 'synthetic-extra')).toBe(true);
  });

  it('packSpecs renames inputs and tensors and keeps every node and output', () => {
    const packed = packSpecs([big, small, other], 9000, 1);
    expect(parseSpec(packed)).toBeTruthy();
    expect(packed.nodes.length).toBe(big.nodes.length + small.nodes.length + other.nodes.length);
    expect(packed.inputs.map((i) => i.name)).toEqual(packed.inputs.map((_, k) => `x${k}`));
    const produced = new Set([
      ...packed.inputs.map((i) => i.name),
      ...packed.nodes.flatMap((n) => n.outputs.map((o) => o.name)),
    ]);
    for (const n of packed.nodes) for (const i of n.inputs) expect(produced.has(i)).toBe(true);
    expect(packed.outputs.length).toBe(big.outputs.length + small.outputs.length + other.outputs.length);
    expect(packed.export.opset).toBe(Math.max(big.export.opset, small.export.opset, other.export.opset));
  });

  it('adds a candidate for an input kind nothing feeds yet', () => {
    const u8 = generateSpec(3, 0, {
      ops: ['int_arith'],
      library: 'full',
      minNodes: 1,
      maxNodes: 1,
      dynamicAxes: false,
    });
    let found = u8;
    for (let i = 1; !inputKinds(found).includes('dtype:uint8') && i < 300; i++)
      found = generateSpec(3, i, {
        ops: ['int_arith'],
        library: 'full',
        minNodes: 1,
        maxNodes: 1,
        dynamicAxes: false,
      });
    expect(inputKinds(found)).toContain('dtype:uint8');
    const chosen = selectCandidates(base, [doc('ts', REG, [kase('u8', found, 'ok', ['aten::a'])])]);
    expect(chosen.map((c) => [c.id, c.adds])).toEqual([['u8', ['input dtype:uint8']]]);
  });
});

describe('convgate generate --target uncovered / --keep', () => {
  it('writes a candidate corpus, then an extra corpus and a reach map the loader accepts', async () => {
    const dir = await tempDir('extra');
    const baseFile = path.join(dir, 'base.json');
    await writeFile(
      baseFile,
      JSON.stringify(doc('ts', REG, [kase('b', spec('acos', 8), 'ok', ['aten::a'])])),
    );
    const out: string[] = [];
    const io = () => ({
      stdout: (t: string) => void out.push(t),
      stderr: (t: string) => void out.push(t),
      interactive: false,
      exitCode: 0,
    });
    const cli = (args: string[]) => main(['node', 'convgate', ...args], io());
    expect(
      await cli([
        'generate',
        '--target',
        'uncovered',
        '--results',
        baseFile,
        '--out',
        path.join(dir, 'cand'),
        '--budget',
        '8',
        '--into',
        path.join(dir, 'extra'),
      ]),
    ).toBe(0);
    const cand = await loadCorpusFile(path.join(dir, 'cand', 'cases.json'));
    expect(cand.cases.length).toBeGreaterThan(0);
    // Pretend the first candidate reached aten::b.
    const first = cand.cases[0]!;
    const candFile = path.join(dir, 'cand.json');
    await writeFile(
      candFile,
      JSON.stringify(
        doc('ts', REG, [
          kase(first.id, parseSpec((first.model as { spec: unknown }).spec), 'ok', ['aten::b']),
        ]),
      ),
    );
    expect(
      await cli([
        'generate',
        '--keep',
        '--results',
        baseFile,
        '--candidates',
        candFile,
        '--into',
        path.join(dir, 'extra'),
      ]),
    ).toBe(0);
    const extra = await loadCorpusFile(path.join(dir, 'extra', 'cases.json'));
    expect(extra.cases.map((c) => c.id)).toEqual(['extra-0']);
    const reach = JSON.parse(await readFile(path.join(dir, 'extra', 'reach.json'), 'utf8'));
    expect(reach.exporters.ts.cases).toBe(1);
    expect(
      await cli([
        'generate',
        '--keep',
        '--results',
        path.join(dir, 'missing.json'),
        '--candidates',
        candFile,
        '--into',
        path.join(dir, 'extra'),
      ]),
    ).toBe(2);
    expect(out.join('')).toContain('missing.json');
  });
});
