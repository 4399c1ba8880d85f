/**
 * locateDivergence / refineDivergence on hand-made probes: a chain of module calls whose values
 * are compared with PyTorch; the divergence is where an error is introduced, not where it shows.
 */
import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_LOCATE_OPTIONS,
  locateDivergence,
  refineDivergence,
  regionOfNode,
  regionValues,
} from '../../src/localize/locate.js';
import { matchCall } from '../../src/localize/ort-probe.js';
import type { ProbeRun, ProbeSummary, ValueComparison } from '../../src/localize/probe-summary.js';

/** x → n0 (Linear: Gemm) → n1 (act: Mul, Tanh, Mul) → n2 (Add) → n3 (Softmax) → y */
function chain(): ProbeSummary {
  const node = (name: string, op: string, inputs: string[], outputs: string[], call: string) => ({
    name,
    op,
    inputs,
    outputs,
    scopes: [[call, 0]] as [string, number][],
  });
  return {
    set: 0,
    modules: ['n0', 'n1', 'n2', 'n3'].map((p, i) => ({
      path: p,
      type: ['Linear', 'GELU', 'Add', 'Softmax'][i],
      calls: 1,
    })),
    graph: {
      nodes: [
        node('/n0/Gemm', 'Gemm', ['x', 'w'], ['a'], 'n0'),
        node('/n1/Mul', 'Mul', ['a', 'c'], ['b1'], 'n1'),
        node('/n1/Tanh', 'Tanh', ['b1'], ['b2'], 'n1'),
        node('/n1/Mul_1', 'Mul', ['b2', 'a'], ['b'], 'n1'),
        node('/n2/Add', 'Add', ['b', 'a'], ['c2'], 'n2'),
        node('/n3/Softmax', 'Softmax', ['c2'], ['y'], 'n3'),
      ],
      inputs: ['x'],
      initializers: ['w', 'c'],
      outputs: ['y'],
      placed: 6,
    },
    calls: [
      { path: 'n0', call: 0, type: 'Linear', calls: 1, outputs: [], values: ['a'] },
      { path: 'n1', call: 0, type: 'GELU', calls: 1, outputs: [], values: ['b'] },
      { path: 'n2', call: 0, type: 'Add', calls: 1, outputs: [], values: ['c2'] },
      { path: 'n3', call: 0, type: 'Softmax', calls: 1, outputs: [], values: ['y'] },
    ],
    probeModel: 'probe.onnx',
  };
}

function run(errors: Record<string, number>, outputPass = false): ProbeRun {
  const values: ValueComparison[] = Object.entries(errors).map(([value, relErr], call) => ({
    value,
    call,
    output: 0,
    pass: relErr < 1e-3,
    maxAbsErr: relErr,
    relErr,
  }));
  return {
    outputs: [{ name: 'y', pass: outputPass, maxAbsErr: errors.y ?? 0, relErr: errors.y ?? 0 }],
    values,
    missing: [],
    timingsMs: { load: 0, run: 0, compare: 0 },
  };
}

describe('locateDivergence', () => {
  it('names the node where the error is introduced, even when it is below tolerance there', () => {
    // n1 adds 4e-4 (within atol 1e-3); n2/n3 carry and grow it until the output fails.
    const r = locateDivergence(chain(), run({ a: 1e-7, b: 4e-4, c2: 6e-4, y: 2e-2 }));
    expect(r.found).toBe(true);
    if (!r.found) return;
    expect(r.node).toMatchObject({
      node: '/n1/Mul_1',
      op: 'Mul',
      module: 'n1',
      moduleType: 'GELU',
      via: 'values',
    });
    // The region: the act call's nodes between the agreeing value `a` and the diverging one.
    expect(r.node.ops).toEqual(['Mul', 'Tanh']);
    expect(r.region).toEqual([1, 2, 3]);
    expect(r.call).toEqual({ path: 'n1', call: 0 });
  });

  it('ignores float noise below the floor and errors that only carry an upstream one', () => {
    const noisy = locateDivergence(chain(), run({ a: 3e-6, b: 5e-6, c2: 2e-2, y: 2e-2 }));
    expect(noisy.found && noisy.node.node).toBe('/n2/Add');
    // n2 makes n1's error a little larger (< jump×): still n1's.
    const carried = locateDivergence(chain(), run({ a: 0, b: 1e-3, c2: 5e-3, y: 6e-3 }));
    expect(carried.found && carried.node.node).toBe('/n1/Mul_1');
  });

  it('says so when every output agrees, and falls back to the output node when nothing is comparable', () => {
    const ok = locateDivergence(chain(), run({ a: 0, b: 0, c2: 0, y: 0 }, true));
    expect(ok).toMatchObject({ found: false, reason: expect.stringContaining('agrees') });
    const s = chain();
    s.calls = [];
    const blind = locateDivergence(s, run({ y: 0.5 }));
    expect(blind.found).toBe(false);
    expect(blind).toMatchObject({ node: { node: '/n3/Softmax', op: 'Softmax' } });
  });

  it('a crash target: explains the failing node from what it depends on', () => {
    const s = { ...chain(), target: { node: '/n3/Softmax', index: 5 } };
    const r = locateDivergence(s, { ...run({ a: 0, b: Infinity }), outputs: [] });
    expect(r.found && r.node).toMatchObject({ node: '/n1/Mul_1', op: 'Mul', module: 'n1' });
    const clean = locateDivergence(s, { ...run({ a: 0, b: 0, c2: 0 }), outputs: [] });
    expect(clean).toMatchObject({ found: false, node: { node: '/n3/Softmax', via: 'error' } });
  });

  it('a wrong value of the parent forward (no module records it) is caught where it enters the next call', () => {
    // x → n0 (Linear) → Transpose in the model's forward (no module) → n1 … ; the transpose's
    // value is compared with n1's eager argument (side: input), and n0's with n0's output.
    const s = chain();
    const g = s.graph!;
    g.nodes.splice(1, 0, {
      name: '/Transpose',
      op: 'Transpose',
      inputs: ['a'],
      outputs: ['at'],
      scopes: null,
    });
    g.nodes[2].inputs = ['at', 'c'];
    s.calls!.push({
      path: 'n1',
      call: 0,
      type: 'GELU',
      calls: 1,
      outputs: [],
      values: ['at'],
      side: 'input',
    });
    // The crash is at the Add (n2) it feeds: a shape no PyTorch value has (relErr Infinity).
    const crash = { ...s, target: { node: '/n2/Add', index: 5 } };
    const values: ValueComparison[] = [
      { value: 'a', call: 0, output: 0, pass: true, maxAbsErr: 0, relErr: 0 },
      { value: 'at', call: 4, output: 0, pass: false, maxAbsErr: null, relErr: Infinity, reason: 'shape' },
    ];
    const r = locateDivergence(crash, {
      outputs: [],
      values,
      missing: [],
      timingsMs: { load: 0, run: 0, compare: 0 },
    });
    expect(r.found).toBe(true);
    if (!r.found) return;
    // The producer, at the top level of the forward: no module (not n1, where it was compared).
    expect(r.node).toMatchObject({ node: '/Transpose', op: 'Transpose', module: null, ops: ['Transpose'] });
    expect(r.node.moduleType).toBeUndefined();
    expect(r.call).toBeNull();
    // A value that leaves a call is compared there, not where it enters the next one.
    const both = {
      ...chain(),
      calls: [
        ...chain().calls!,
        { path: 'n2', call: 0, type: 'Add', calls: 1, outputs: [], values: ['b'], side: 'input' as const },
      ],
    };
    const left = locateDivergence(both, {
      ...run({ a: 0, b: 4e-4, c2: 6e-4, y: 2e-2 }),
      values: [
        ...run({ a: 0, b: 4e-4, c2: 6e-4, y: 2e-2 }).values,
        { value: 'b', call: 4, output: 0, pass: false, maxAbsErr: 1, relErr: 1 },
      ],
    });
    expect(left.found && left.node).toMatchObject({ node: '/n1/Mul_1', module: 'n1', moduleType: 'GELU' });
  });

  it('uses the default floor and jump', () => {
    expect(DEFAULT_LOCATE_OPTIONS).toEqual({ floor: 1e-5, jump: 10 });
  });
});

describe('refineDivergence', () => {
  it('picks the first node no torch function reproduces, and the function it belongs to', () => {
    // Inside an attention call: MatMul and Mul agree with eager matmul/mul, Softmax does not.
    const summary: ProbeSummary = {
      ...chain(),
      graph: {
        ...chain().graph!,
        nodes: [
          { name: '/attn/MatMul', op: 'MatMul', inputs: ['q', 'k'], outputs: ['s'], scopes: [['attn', 0]] },
          { name: '/attn/Mul', op: 'Mul', inputs: ['s', 'c'], outputs: ['s2'], scopes: [['attn', 0]] },
          { name: '/attn/Shape', op: 'Shape', inputs: ['s2'], outputs: ['shp'], scopes: [['attn', 0]] },
          { name: '/attn/Softmax', op: 'Softmax', inputs: ['s2'], outputs: ['p'], scopes: [['attn', 0]] },
          { name: '/attn/MatMul_1', op: 'MatMul', inputs: ['p', 'v'], outputs: ['o'], scopes: [['attn', 0]] },
        ],
      },
      functions: [
        {
          name: 'matmul',
          index: 0,
          outputs: [{ name: 'm', dtype: 'float32', shape: [2, 3, 3], file: 'f0' }],
        },
        { name: 'mul', index: 1, outputs: [{ name: 'm', dtype: 'float32', shape: [2, 3, 3], file: 'f1' }] },
        {
          name: 'softmax',
          index: 2,
          outputs: [{ name: 'm', dtype: 'float32', shape: [2, 3, 3], file: 'f2' }],
        },
        {
          name: 'matmul',
          index: 3,
          outputs: [{ name: 'm', dtype: 'float32', shape: [2, 3, 4], file: 'f3' }],
        },
      ],
      region: ['s', 's2', 'shp', 'p', 'o'],
      target: { node: '/attn/MatMul_1', index: 4 },
    };
    const r: ProbeRun = {
      outputs: [],
      values: [],
      functions: [
        { value: 's', fn: 0, relErr: 0, shape: [2, 3, 3] },
        { value: 's2', fn: 1, relErr: 1e-8, shape: [2, 3, 3] },
        { value: 'shp', fn: -1, relErr: Infinity, shape: [3] },
        { value: 'p', fn: 2, relErr: 0.6, shape: [2, 3, 3] },
        { value: 'o', fn: 3, relErr: 0.4, shape: [2, 3, 4] },
      ],
      missing: [],
      timingsMs: { load: 0, run: 0, compare: 0 },
    };
    const base = { node: '/attn/MatMul_1', op: 'MatMul', module: 'attn', via: 'values' as const };
    expect(refineDivergence(summary, r, base)).toMatchObject({
      node: '/attn/Softmax',
      op: 'Softmax',
      function: 'softmax',
      module: 'attn',
    });
    // Shape arithmetic is never exposed for refinement.
    expect(regionValues(summary, [0, 1, 2, 3, 4])).toEqual(['s', 's2', 'p', 'o']);
    // Everything reproduced: nothing to refine.
    const same = { ...r, functions: r.functions!.map((f) => ({ ...f, relErr: 0 })) };
    expect(refineDivergence(summary, same, base)).toBe(base);
    // An earlier same-shaped function the graph keeps no value of (zeros folded into a constant)
    // is not the one the node belongs to: the function named like its op is.
    const zeros = {
      name: 'zeros_like',
      index: 9,
      outputs: [{ name: 'z', dtype: 'float32' as const, shape: [2, 3, 3], file: 'f9' }],
    };
    const withZeros = { ...summary, functions: [zeros, ...summary.functions!] };
    expect(refineDivergence(withZeros, r, base)).toMatchObject({ op: 'Softmax', function: 'softmax' });
  });

  it('where no module value pointed: values no eager function has the shape of are unknown, not wrong', () => {
    // One function (multi_head_attention_forward) hides the call's internals: only its output
    // shape is known, so inner values that match nothing say nothing about where it went wrong.
    const summary: ProbeSummary = {
      ...chain(),
      graph: {
        ...chain().graph!,
        nodes: [
          { name: '/mha/MatMul', op: 'MatMul', inputs: ['x', 'w'], outputs: ['q'], scopes: [['mha', 0]] },
          { name: '/mha/Reshape', op: 'Reshape', inputs: ['q', 's'], outputs: ['q2'], scopes: [['mha', 0]] },
        ],
      },
      functions: [
        {
          name: 'multi_head_attention_forward',
          index: 0,
          outputs: [{ name: 'o', dtype: 'float32', shape: [5, 2, 8], file: 'f0' }],
        },
      ],
      region: ['q', 'q2'],
      target: { node: '/mha/Reshape', index: 1 },
    };
    const run: ProbeRun = {
      outputs: [],
      values: [],
      functions: [
        { value: 'q', fn: 0, relErr: 0.9, shape: [5, 2, 8] },
        { value: 'q2', fn: -1, relErr: Infinity, shape: [10, 5, 4] },
      ],
      missing: [],
      timingsMs: { load: 0, run: 0, compare: 0 },
    };
    const base = { node: '/mha/Transpose', op: 'Transpose', module: 'mha', via: 'error' as const };
    expect(refineDivergence(summary, run, base, { unknownAgrees: true })).toBe(base);
    expect(refineDivergence(summary, run, base)).toMatchObject({ op: 'MatMul' }); // the default reading
  });
});

describe('regionOfNode', () => {
  it('the nodes of the same call a node depends on; the top-level forward when it is in no call', () => {
    const s = chain();
    // A crash at /n1/Mul_1: its call's nodes before it, not itself (it does not load).
    expect(regionOfNode(s, 3, false)).toEqual({ call: { path: 'n1', call: 0 }, region: [1, 2] });
    expect(regionOfNode(s, 3, true)?.region).toEqual([1, 2, 3]);
    // Integer positions divided in the model's own forward, then a Log that rejects them.
    const top = {
      ...s,
      graph: {
        ...s.graph!,
        nodes: [
          { name: '/Abs', op: 'Abs', inputs: ['pos'], outputs: ['p1'], scopes: null },
          {
            name: '/emb/Gather',
            op: 'Gather',
            inputs: ['w', 'pos'],
            outputs: ['e'],
            scopes: [['emb', 0]] as [string, number][],
          },
          { name: '/Div', op: 'Div', inputs: ['p1', 'k'], outputs: ['p2'], scopes: null },
          { name: '/Log', op: 'Log', inputs: ['p2', 'e'], outputs: ['p3'], scopes: null },
        ],
      },
    };
    expect(regionOfNode(top, 3, false)).toEqual({ call: { path: '', call: 0 }, region: [0, 2] });
    expect(regionOfNode(top, 0, false)).toBeNull();
  });
});

describe('matchCall', () => {
  const f32 = (shape: number[], values: number[]) => ({
    dtype: 'float32' as const,
    shape,
    data: Float32Array.from(values),
  });
  const tol = { atol: 1e-3, rtol: 1e-3 };
  it('a value left without a same-shaped partner is a shape change; entering a call, only with as many elements', () => {
    const arg = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    const transposed = { name: 't', tensor: f32([3, 2], [1, 4, 2, 5, 3, 6]) };
    const mask = { name: 'mask', tensor: f32([2], [1, 0]) };
    expect(matchCall([transposed], [arg], tol)[0]).toMatchObject({
      output: 0,
      pass: false,
      relErr: Infinity,
    });
    expect(matchCall([transposed], [arg], tol, { sameSize: true })[0]).toMatchObject({
      output: 0,
      relErr: Infinity,
    });
    expect(matchCall([mask], [arg], tol)[0]).toMatchObject({ output: 0, relErr: Infinity });
    // A keyword argument or a parameter entering the call is not its argument: not compared.
    const skipped = matchCall([mask], [arg], tol, { sameSize: true })[0];
    expect(skipped.output).toBe(-1);
    expect(skipped.relErr).toBeNaN();
  });
});
