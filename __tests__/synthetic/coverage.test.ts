import { describe, expect, it } from '@jest/globals';
import {
  OPERATORS,
  coverageOfOnnx,
  coverageOfSpecs,
  generateSpec,
  summarizeCoverage,
  type SyntheticSpec,
} from '../../src/corpus/synthetic/index.js';

const spec: SyntheticSpec = {
  version: 1,
  seed: 0,
  index: 0,
  inputs: [
    { name: 'x0', dtype: 'float32', shape: [2, 3], range: [-1, 1], dynamicAxes: {} },
    { name: 'x1', dtype: 'int64', shape: [], range: [0, 3], dynamicAxes: {} },
  ],
  dims: {},
  nodes: [
    { op: 'relu', inputs: ['x0'], attrs: {}, outputs: [{ name: 't0', dtype: 'float32', shape: [2, 3] }] },
    {
      op: 'add',
      inputs: ['t0', 't0'],
      attrs: {},
      outputs: [{ name: 't1', dtype: 'float32', shape: [2, 3] }],
    },
    {
      op: 'mul',
      inputs: ['t1', 'x1'],
      attrs: {},
      outputs: [{ name: 't2', dtype: 'float32', shape: [2, 3] }],
    },
    {
      op: 'sum',
      inputs: ['t0'],
      attrs: { dim: null, keepdim: false },
      outputs: [{ name: 't3', dtype: 'float32', shape: [] }],
    },
  ],
  outputs: ['t2', 't3'],
  export: { opset: 14, dynamicAxes: false, constantFolding: true },
};

describe('coverage', () => {
  it('counts op kinds, producer→consumer pairs, dtypes and ranks of synthetic specs', () => {
    const c = coverageOfSpecs([spec]);
    expect(c.opKinds).toEqual({ add: 1, mul: 1, relu: 1, sum: 1 });
    // add consumes t0 twice: one edge
    expect(c.opPairs).toEqual({ 'add>mul': 1, 'relu>add': 1, 'relu>sum': 1 });
    expect(c.dtypes).toEqual({ float32: 5, int64: 1 });
    expect(c.ranks).toEqual({ '0': 2, '2': 4 });
    expect(c.cases).toBe(1);
    expect(c.totalKinds).toBe(OPERATORS.length);
    expect(c.missingKinds).toContain('conv2d');
    expect(c.missingKinds).not.toContain('relu');
  });

  it('covers every operator kind over a few hundred generated graphs', () => {
    const specs = Array.from({ length: 300 }, (_, i) => generateSpec(31, i));
    const s = summarizeCoverage(coverageOfSpecs(specs));
    // Default generation draws from the core library only (the default corpus stays stable).
    expect(s.opKinds).toBe(OPERATORS.filter((o) => o.library !== 'extended').length);
    expect(s.opPairs).toBeGreaterThan(400);
    expect(s.dtypes).toEqual(['bool', 'float16', 'float32', 'float64', 'int32', 'int64']);
    expect(s.ranks).toEqual(expect.arrayContaining([0, 1, 2, 3, 4, 5]));
  });

  it('counts ONNX op types once per model, and pairs when the worker reports them', () => {
    const c = coverageOfOnnx([
      ['Conv', 'Relu', 'Relu'],
      {
        opTypes: ['Conv', 'Add'],
        opPairs: [
          ['Conv', 'Add'],
          ['Conv', 'Add'],
        ],
      },
    ]);
    expect(c.opKinds).toEqual({ Add: 1, Conv: 2, Relu: 1 });
    expect(c.opPairs).toEqual({ 'Conv>Add': 2 });
    expect(c.cases).toBe(2);
  });
});
