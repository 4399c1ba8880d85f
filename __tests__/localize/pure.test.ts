/** Pure parts of localization: Ochiai ranking, fingerprints, ddmin, sub-specs, error nodes. */
import { describe, expect, it } from '@jest/globals';
import { parseSpec, specToCase } from '../../src/corpus/synthetic/index.js';
import { ddmin, Meter } from '../../src/localize/ddmin.js';
import { divergingNodeFromError, exporterStep, moduleOfNodeName } from '../../src/localize/error-node.js';
import { fingerprintOf, groupFindings, normalizeMessage } from '../../src/localize/fingerprint.js';
import { rankSuspicious, suspiciousOperators, type Spectrum } from '../../src/localize/ochiai.js';
import {
  calledChildren,
  errorKind,
  noSubmoduleNote,
  sameFailure,
  specNodeIndex,
} from '../../src/localize/reduce.js';
import { staticSpec, subSpec } from '../../src/localize/spec-reduce.js';
import type { CaseResult } from '../../src/results/schema.js';
import { EMBEDDING_SPEC, SOFTMAX_SPEC } from './fixture.js';

const spectrum = (id: string, failing: boolean, ops: string[], diverging?: string[]): Spectrum => ({
  id,
  failing,
  elements: new Set(ops.map((o) => `op:${o}`)),
  ...(diverging ? { diverging } : {}),
});

describe('Ochiai ranking', () => {
  it('ranks the op in every failing case and no passing one first, with its counts', () => {
    const spectra = [
      spectrum('f1', true, ['Conv', 'Gelu', 'Add']),
      spectrum('f2', true, ['MatMul', 'Gelu', 'Add']),
      spectrum('f3', true, ['Gelu', 'Softmax', 'Add']),
      ...Array.from({ length: 20 }, (_, i) =>
        spectrum(`p${i}`, false, ['Conv', 'Add', ...(i < 2 ? ['Softmax'] : [])]),
      ),
    ];
    const rows = rankSuspicious(spectra);
    expect(rows[0]).toMatchObject({
      kind: 'op',
      name: 'Gelu',
      failing: 3,
      failingTotal: 3,
      passing: 0,
      passingTotal: 20,
      score: 1,
    });
    const add = rows.find((r) => r.name === 'Add')!;
    expect(add.score).toBeCloseTo(3 / Math.sqrt(3 * 23), 10);
    expect(rows.map((r) => r.name)).not.toContain('Relu');
  });

  it('breaks ties by the diverging op, then deterministically by name', () => {
    const spectra = [
      spectrum('f1', true, ['A', 'B'], ['B']),
      spectrum('f2', true, ['A', 'B'], ['B']),
      spectrum('p', false, ['C']),
    ];
    expect(rankSuspicious(spectra).map((r) => r.name)).toEqual(['B', 'A']);
    expect(rankSuspicious([...spectra].reverse()).map((r) => r.name)).toEqual(['B', 'A']);
    expect(rankSuspicious([spectrum('p', false, ['C'])])).toEqual([]);
  });

  it('counts a localized failing case only for the ops its divergence points at', () => {
    const base: Pick<CaseResult, 'kind' | 'family' | 'settings' | 'outputs' | 'timingsMs'> = {
      kind: 'real',
      family: 'f',
      settings: {} as CaseResult['settings'],
      outputs: [],
      timingsMs: { export: 1, load: 1, run: 1 },
    };
    const failing: CaseResult = {
      ...base,
      id: 'big',
      outcome: 'wrong-output',
      opTypes: ['Conv', 'Relu', 'Softmax', 'MatMul'],
      localization: {
        fingerprint: { id: 'x', text: 'x' },
        elapsedMs: 1,
        divergingNode: {
          node: '/attn/Softmax',
          op: 'Softmax',
          module: 'attn',
          moduleType: 'Attention',
          ops: ['MatMul', 'Softmax'],
          via: 'values',
        },
      },
      sourceOps: ['Attention', 'Conv2d'],
    };
    const passing: CaseResult = {
      ...base,
      id: 'ok',
      outcome: 'ok',
      opTypes: ['Conv', 'Relu', 'MatMul'],
      sourceOps: ['Conv2d'],
    };
    const rows = suspiciousOperators([failing, passing], new Set(['big']));
    expect(rows.find((r) => r.name === 'Conv')).toBeUndefined(); // not on the failure's path
    expect(rows[0]).toMatchObject({ name: 'Softmax', failing: 1, passing: 0, diverging: 1 });
    expect(rows.find((r) => r.name === 'Attention')).toMatchObject({ kind: 'source', diverging: 1 });
  });
});

describe('Ochiai ranking over the converter functions the exports ran', () => {
  const base: Pick<CaseResult, 'kind' | 'family' | 'settings' | 'outputs' | 'timingsMs'> = {
    kind: 'real',
    family: 'f',
    settings: {} as CaseResult['settings'],
    outputs: [],
    timingsMs: { export: 1, load: 1, run: 1 },
  };
  type Call = [string, string | null, string];
  const real = (
    id: string,
    outcome: CaseResult['outcome'],
    sourceOps: string[],
    calls: Call[],
  ): CaseResult => ({
    ...base,
    id,
    outcome,
    opTypes: ['Gather', 'Div', 'Add'],
    sourceOps,
    surface: { calls },
  });
  const intDiv: Call = ['aten::div', 'opset10', 'int64/2,int64/0'];
  const floatDiv: Call = ['aten::div', 'opset10', 'float32/2,float32/0'];
  const embedding: Call = ['aten::embedding', 'opset9', 'float32/2,int64/2,int,bool,bool'];

  it('ranks a functional operator inside forward (int / int) above the module classes it travels with', () => {
    // Both failing models hold an Embedding and divide two int tensors in their own forward: only
    // the converter's record of the export sees the division and its input types.
    const cases = [
      real('a', 'wrong-output', ['Embedding', 'Linear'], [embedding, intDiv]),
      real('b', 'invalid-model', ['Embedding', 'Linear'], [embedding, intDiv, floatDiv]),
      ...Array.from({ length: 12 }, (_, i) =>
        real(`p${i}`, 'ok', i < 2 ? ['Embedding'] : ['Linear'], i < 2 ? [embedding, floatDiv] : [floatDiv]),
      ),
    ];
    const rows = suspiciousOperators(cases, new Set(['a', 'b']));
    expect(rows[0]).toMatchObject({
      kind: 'converter-variant',
      name: 'aten::div(int, int)',
      failing: 2,
      passing: 0,
      score: 1,
    });
    const emb = rows.find((r) => r.kind === 'source' && r.name === 'Embedding')!;
    expect(emb.score).toBeLessThan(rows[0].score);
    expect(rows.find((r) => r.name === 'aten::div')).toMatchObject({
      kind: 'converter',
      failing: 2,
      passing: 12,
    });
  });

  it('slices a localized case to the converter calls of the torch function it diverges in', () => {
    const failing: CaseResult = {
      ...real('f', 'wrong-output', ['Embedding'], [embedding, intDiv]),
      localization: {
        fingerprint: { id: 'x', text: 'x' },
        elapsedMs: 1,
        divergingNode: { node: '/Div', op: 'Div', module: '', function: 'div', via: 'values' },
      },
    };
    const rows = suspiciousOperators([failing, real('p', 'ok', ['Linear'], [floatDiv])], new Set(['f']));
    expect(rows.find((r) => r.name.startsWith('aten::embedding'))).toBeUndefined();
    expect(rows.find((r) => r.name === 'aten::div(int, int)')).toMatchObject({ failing: 1, diverging: 1 });
  });
});

describe('fingerprints', () => {
  it('drops numbers, paths, node names and addresses, keeps the words', () => {
    expect(
      normalizeMessage(
        'Load model from <case>/model.onnx failed:Node (/layers.3/attn/MatMul_2) Op (MatMul) [ShapeInferenceError] Incompatible dimensions for matrix multiplication 5 vs 7 at 0x7ffe12',
      ),
    ).toBe(
      'Load model from <path> failed:Node (<node>) Op (MatMul) [ShapeInferenceError] Incompatible dimensions for matrix multiplication N vs N at <addr>',
    );
    expect(
      normalizeMessage(
        "running Reshape node. Name:'/Reshape_12' Status Message: /onnxruntime/core/x.cc:45 shape {2,3}",
      ),
    ).toBe("running Reshape node. Name:'<node>' Status Message: <path> shape {N…}");
    // One wrong Transpose perm at rank 3, 4 and 5: the same message.
    const perm = (p: string, s: string) =>
      normalizeMessage(
        `Node (/n0/Transpose) Op (Transpose) [TypeInferenceError] Invalid attribute perm {${p}}, input shape = {${s}}`,
      );
    expect(perm('0, -1, 1', '2, 3, 4')).toBe(perm('3, 1, 2, -5, 4', '1, 4, 2, 1, 2'));
    expect(perm('0, -1, 1', '2, 3, 4')).toBe(
      'Node (<node>) Op (Transpose) [TypeInferenceError] Invalid attribute perm {N…}, input shape = {N…}',
    );
  });

  it('one bug in different cases is one fingerprint; a different failure is another', () => {
    const crash = (message: string) => ({
      outcome: 'conversion-crash' as const,
      outputs: [],
      error: { stage: 'export' as const, type: 'RuntimeError', message },
    });
    const a = fingerprintOf(crash('embedding of size 10 at /n0/Gather failed'));
    const b = fingerprintOf(crash('embedding of size 32 at /embed/Gather_3 failed'));
    const c = fingerprintOf(crash('tile is not supported'));
    expect(a).toEqual(b);
    expect(a.id).toMatch(/^[0-9a-f]{12}$/);
    expect(c.id).not.toBe(a.id);
    const wrong = {
      outcome: 'wrong-output' as const,
      outputs: [{ name: 'o', pass: false, maxAbsErr: 1, maxRelErr: 1 }],
    };
    const node = {
      node: '/x/Softmax',
      op: 'Softmax',
      module: 'x',
      function: 'softmax',
      via: 'values' as const,
    };
    expect(fingerprintOf(wrong, node).text).toBe('wrong-output | Softmax in softmax | values');
    expect(fingerprintOf({ ...wrong, outcome: 'ok' }, node, true).text).toBe(
      'precision-drift | Softmax in softmax | values',
    );
    expect(fingerprintOf(wrong).text).toBe('wrong-output | not localized | values');
    // A crash explained by a wrong value upstream is that wrong value, like the wrong outputs it causes.
    const invalid = {
      outcome: 'invalid-model' as const,
      outputs: [],
      error: {
        stage: 'load' as const,
        type: 'Error',
        message: 'Node (/a/Mul) Op (Mul) Incompatible dimensions',
      },
    };
    const permute = {
      node: '/t/Transpose',
      op: 'Transpose',
      module: 't',
      function: 'permute',
      via: 'values' as const,
    };
    expect(
      fingerprintOf(invalid, { ...permute, note: 'shape [2, 3], expected [3, 2]; upstream of /a/Mul' }),
    ).toEqual(
      fingerprintOf(
        { ...wrong, outputs: [{ ...wrong.outputs[0], reason: 'shape [1, 2], expected [2, 1]' }] },
        permute,
      ),
    );
    // Named by the error only: the error is the fingerprint.
    expect(fingerprintOf(invalid, { ...permute, via: 'error' }).text).toMatch(
      /^invalid-model \| load \| Error/,
    );
  });

  it('the TorchScript graph an exporter error prints is not part of the fingerprint', () => {
    const padding = (value: string, graph: string) => ({
      outcome: 'conversion-crash' as const,
      outputs: [],
      error: {
        stage: 'export' as const,
        type: 'torch.onnx.errors.SymbolicValueError',
        message: `Unsupported: ONNX export of embedding with padding_idx >= 0 for training mode.  [Caused by the value '${value}.weight defined in (${graph}\n)' (type 'Tensor') in the TorchScript graph.`,
      },
    });
    const a = fingerprintOf(
      padding('embed', '%input.1 : Long(*, *, strides=[7, 1]), %embed.weight : Float(100, 32)'),
    );
    const b = fingerprintOf(
      padding('word', '%input : Long(3, 10), %1 : Long(*, *), %word.weight : Float(200, 48)'),
    );
    expect(a).toEqual(b);
    expect(a.text).toBe(
      'conversion-crash | export | torch.onnx.errors.SymbolicValueError | Unsupported: ONNX export of embedding with padding_idx >= N for training mode.',
    );
  });

  it('groups cases by fingerprint, largest group first', () => {
    const f = (id: string) => ({ id, text: id });
    const groups = groupFindings([
      { id: 'c1', fingerprint: f('b') },
      { id: 'c2', fingerprint: f('a'), op: 'Softmax' },
      { id: 'c3', fingerprint: f('a') },
    ]);
    expect(groups).toEqual([
      { fingerprint: f('a'), cases: ['c2', 'c3'], op: 'Softmax' },
      { fingerprint: f('b'), cases: ['c1'] },
    ]);
  });
});

describe('ddmin', () => {
  const fails = (needed: number[]) => async (kept: number[]) => needed.every((n) => kept.includes(n));

  it('finds the 1-minimal failing subset, deterministically', async () => {
    const items = Array.from({ length: 16 }, (_, i) => i);
    const trials: string[] = [];
    const oracle = async (kept: number[]) => (trials.push(kept.join(',')), fails([3, 11])(kept));
    const m1 = new Meter({ trials: 200, seconds: 60 });
    expect(await ddmin(items, oracle, m1)).toEqual([3, 11]);
    const first = [...trials];
    trials.length = 0;
    expect(await ddmin(items, oracle, new Meter({ trials: 200, seconds: 60 }))).toEqual([3, 11]);
    expect(trials).toEqual(first);
    expect(m1.spend()).toMatchObject({ trials: first.length, exhausted: false });
  });

  it('keeps fixed items and stops within the trial budget', async () => {
    const meter = new Meter({ trials: 3, seconds: 60 });
    const kept = await ddmin([0, 1, 2, 4, 5, 6, 7], fails([5]), meter, [3]);
    expect(kept).toContain(3);
    expect(kept).toContain(5);
    expect(meter.spend()).toMatchObject({ trials: 3, exhausted: true });
  });
});

describe('sub-specs for delta debugging', () => {
  it('cuts a node off: its consumers read a fresh input with the observed range; still a valid spec', () => {
    const ranges = { t1: [0, 0.9] as [number, number], t0: [-0.5, 0.7] as [number, number] };
    const sub = subSpec(SOFTMAX_SPEC, new Set([2, 3]), ranges)!;
    expect(sub.nodes.map((n) => n.op)).toEqual(['softmax', 'mul']);
    expect(sub.inputs).toEqual([
      { name: 't1', dtype: 'float32', shape: [2, 3, 4], range: [0, 0.9], dynamicAxes: {} },
    ]);
    expect(sub.outputs).toEqual(['t3']);
    expect(parseSpec(sub)).toEqual(sub);
    expect(specToCase(sub).inputs.map((i) => i.name)).toEqual(['t1']);
    // The add reads t4 (cut) and t0 (cut): both fresh; nothing consumes t5, so it is the output.
    expect(subSpec(SOFTMAX_SPEC, new Set([5]), ranges)!.inputs.map((i) => i.name)).toEqual(['t4', 't0']);
    expect(subSpec(SOFTMAX_SPEC, new Set(), ranges)).toBeNull();
  });

  it('an int tensor cut off gets a randint range including its maximum', () => {
    const sub = subSpec(EMBEDDING_SPEC, new Set([2]), { t1: [0.2, 0.8] })!;
    expect(sub.inputs[0]).toMatchObject({ name: 't1', dtype: 'float32', range: [0.2, 0.8] });
    const ints = subSpec(
      {
        ...EMBEDDING_SPEC,
        nodes: [
          { ...EMBEDDING_SPEC.nodes[0] },
          { op: 'abs', inputs: ['x0'], attrs: {}, outputs: [{ name: 't9', dtype: 'int64', shape: [2, 3] }] },
        ],
      },
      new Set([0]),
      {},
    );
    expect(ints!.inputs[0]).toMatchObject({ name: 'x0', range: [0, 10] });
  });

  it('drops dynamic axes as a simplification', () => {
    expect(staticSpec(SOFTMAX_SPEC)).toBeNull();
    const dyn = {
      ...SOFTMAX_SPEC,
      dims: { N: { export: 2, dynamic: 3 } },
      export: { ...SOFTMAX_SPEC.export, dynamicAxes: true },
    };
    dyn.inputs = [{ ...dyn.inputs[0], dynamicAxes: { '0': 'N' } }];
    const flat = staticSpec(dyn)!;
    expect(flat.export.dynamicAxes).toBe(false);
    expect(flat.inputs[0].dynamicAxes).toEqual({});
    expect(parseSpec(flat)).toEqual(flat);
  });
});

describe('reduction helpers', () => {
  it('the oracle: same outcome; crashes also same stage, type and normalised message; drift stays visible', () => {
    const err = (m: string) => ({ stage: 'export' as const, type: 'RuntimeError', message: m });
    const crash = {
      outcome: 'conversion-crash' as const,
      error: err('bad at /n3/Gather 12'),
      drift: false,
      atol: 1e-3,
    };
    expect(
      sameFailure(crash, { outcome: 'conversion-crash', error: err('bad at /n0/Gather 3'), outputs: [] }),
    ).toBe(true);
    expect(sameFailure(crash, { outcome: 'conversion-crash', error: err('other'), outputs: [] })).toBe(false);
    expect(
      sameFailure(crash, { outcome: 'invalid-model', error: err('bad at /n0/Gather 3'), outputs: [] }),
    ).toBe(false);
    // The ONNX checker's rejection, raised by torch.onnx.export (full model) or by the check after
    // it (a submodule torch did not check): one kind of error. Another type is another error.
    const checker = (type: string) => ({
      stage: 'export' as const,
      type,
      message:
        'No Op registered for LayerNormalization with domain_version of 14\n\n==> Context: Bad node spec',
    });
    const rejected = { ...crash, error: checker('torch.onnx.errors.CheckerError') };
    const trial = (type: string) => ({
      outcome: 'conversion-crash' as const,
      error: checker(type),
      outputs: [],
    });
    expect(sameFailure(rejected, trial('onnx.onnx_cpp2py_export.checker.ValidationError'))).toBe(true);
    expect(sameFailure(rejected, trial('RuntimeError'))).toBe(false);
    expect(errorKind('torch.onnx.errors.CheckerError')).toBe(errorKind('onnx.checker.ValidationError'));
    const drift = { outcome: 'ok' as const, drift: true, atol: 1e-3 };
    const out = (e: number) => [{ name: 'o', pass: true, maxAbsErr: e, maxRelErr: e }];
    expect(sameFailure(drift, { outcome: 'ok', outputs: out(4e-4) })).toBe(true);
    expect(sameFailure(drift, { outcome: 'ok', outputs: out(1e-7) })).toBe(false);
  });

  it('spec node modules and called children', () => {
    expect(specNodeIndex('n12')).toBe(12);
    expect(specNodeIndex('layers.0')).toBeNull();
    const modules = [
      { path: 'layers', type: 'ModuleList', calls: 0 },
      { path: 'layers.0', type: 'Block', calls: 1 },
      { path: 'layers.0.attn', type: 'Attention', calls: 1 },
      { path: 'layers.1', type: 'Block', calls: 1 },
      { path: 'head', type: 'Linear', calls: 1 },
    ];
    expect(calledChildren(modules, '').map((m) => m.path)).toEqual(['layers.0', 'layers.1', 'head']);
    expect(calledChildren(modules, 'layers.0').map((m) => m.path)).toEqual(['layers.0.attn']);
  });
});

describe('nodes named by errors', () => {
  it('ONNX Runtime, the checker and the exporter', () => {
    expect(
      divergingNodeFromError({
        stage: 'load',
        type: 'Error',
        message: 'failed:Node (/enc/layers.1/Transpose_3) Op (Transpose) [TypeInferenceError] bad perm',
      }),
    ).toEqual({
      node: '/enc/layers.1/Transpose_3',
      op: 'Transpose',
      module: 'enc.layers.1',
      via: 'error',
    });
    expect(
      divergingNodeFromError({
        stage: 'run',
        type: 'Error',
        message: "Non-zero status code returned while running Reshape node. Name:'/Reshape' Status",
      }),
    ).toMatchObject({ node: '/Reshape', op: 'Reshape', module: null });
    expect(
      divergingNodeFromError({
        stage: 'export',
        type: 'CheckerError',
        message:
          'No Op registered for LayerNormalization with domain_version of 14\n\n==> Context: Bad node spec for node. Name: /ln/LayerNormalization OpType: LayerNormalization',
      }),
    ).toMatchObject({ node: '/ln/LayerNormalization', op: 'LayerNormalization', module: 'ln' });
    expect(
      divergingNodeFromError({
        stage: 'export',
        type: 'UnsupportedOperatorError',
        message: "Exporting the operator 'aten::tile' to ONNX opset version 14 is not supported.",
      }),
    ).toMatchObject({ op: 'aten::tile', node: null });
    expect(
      divergingNodeFromError({
        stage: 'export',
        type: 'RuntimeError',
        message: 'x',
        node: { op: 'aten::embedding', module: 'embed', moduleType: 'Embedding' },
      }),
    ).toMatchObject({ op: 'aten::embedding', module: 'embed', moduleType: 'Embedding', via: 'error' });
    expect(divergingNodeFromError({ stage: 'export', type: 'RuntimeError', message: 'no hint' })).toBeNull();
    expect(
      exporterStep([
        '<site-packages>/torch/onnx/utils.py:1 in export',
        '<site-packages>/torch/onnx/symbolic_opset9.py:2 in embedding',
      ]),
    ).toBe('symbolic_opset9.embedding');
    expect(moduleOfNodeName('/a/b.1/Add')).toBe('a.b.1');
    expect(moduleOfNodeName('node_Add_3')).toBeNull();
  });
});

describe('submodule reduction notes', () => {
  it('say whether the budget ran out or no submodule reproduced', () => {
    const spend = { trials: 3, elapsedMs: 61_200, budget: { trials: 40, seconds: 60 } };
    expect(noSubmoduleNote({ spend: { ...spend, exhausted: true }, tried: [['features', false]] })).toBe(
      'submodule reduction: the budget ran out (3 trial(s), 61.2 s) before a submodule reproduced the failure alone',
    );
    expect(noSubmoduleNote({ spend: { ...spend, exhausted: false }, tried: [] })).toBe(
      'no submodule reproduces the failure alone (3 trial(s), 61.2 s)',
    );
  });
});
