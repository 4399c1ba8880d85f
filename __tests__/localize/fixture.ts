/**
 * The localization tests' corpus: small real models (localize_models.py) and hand-written
 * synthetic specs, with a test-only converter regression (fixtures/localize/break: softmax along
 * the wrong axis, GELU as its tanh approximation, aten::embedding raising).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { specToCase, type SyntheticSpec } from '../../src/corpus/synthetic/index.js';
import { FIXTURES } from '../helpers.js';

export const LOCALIZE = path.join(FIXTURES, 'localize');
export const BREAK = path.join(LOCALIZE, 'break');

type Node = SyntheticSpec['nodes'][number];
const f32 = (name: string, shape: number[]) => ({ name, dtype: 'float32' as const, shape });

function spec(
  index: number,
  inputs: SyntheticSpec['inputs'],
  nodes: Node[],
  outputs: string[],
): SyntheticSpec {
  return {
    version: 1,
    seed: 7,
    index,
    inputs,
    dims: {},
    nodes,
    outputs,
    export: { opset: 14, dynamicAxes: false, constantFolding: true },
  };
}

/** linear → relu → softmax → ×2 → tanh → + linear: six nodes, one of them the broken softmax. */
export const SOFTMAX_SPEC = spec(
  1,
  [{ name: 'x0', dtype: 'float32', shape: [2, 3, 4], range: [-1, 1], dynamicAxes: {} }],
  [
    {
      op: 'linear',
      inputs: ['x0'],
      attrs: { in_features: 4, out_features: 4, bias: true },
      outputs: [f32('t0', [2, 3, 4])],
    },
    { op: 'relu', inputs: ['t0'], attrs: {}, outputs: [f32('t1', [2, 3, 4])] },
    { op: 'softmax', inputs: ['t1'], attrs: { dim: -1 }, outputs: [f32('t2', [2, 3, 4])] },
    {
      op: 'mul',
      inputs: ['t2'],
      attrs: { scalar: 2.0, scalarType: 'float' },
      outputs: [f32('t3', [2, 3, 4])],
    },
    { op: 'tanh', inputs: ['t3'], attrs: {}, outputs: [f32('t4', [2, 3, 4])] },
    { op: 'add', inputs: ['t4', 't0'], attrs: {}, outputs: [f32('t5', [2, 3, 4])] },
  ],
  ['t5'],
);

/** embedding → sigmoid → sum: the broken embedding crashes the export. */
export const EMBEDDING_SPEC = spec(
  2,
  [{ name: 'x0', dtype: 'int64', shape: [2, 3], range: [0, 10], dynamicAxes: {} }],
  [
    {
      op: 'embedding',
      inputs: ['x0'],
      attrs: { num_embeddings: 10, embedding_dim: 4, dtype: 'float32' },
      outputs: [f32('t0', [2, 3, 4])],
    },
    { op: 'sigmoid', inputs: ['t0'], attrs: {}, outputs: [f32('t1', [2, 3, 4])] },
    { op: 'sum', inputs: ['t1'], attrs: { dim: [2], keepdim: false }, outputs: [f32('t2', [2, 3])] },
  ],
  ['t2'],
);

/** GELU → ×1.5: the tanh approximation stays within tolerance, a precision drift. */
export const GELU_SPEC = spec(
  3,
  [{ name: 'x0', dtype: 'float32', shape: [2, 8], range: [-3, 3], dynamicAxes: {} }],
  [
    { op: 'gelu', inputs: ['x0'], attrs: {}, outputs: [f32('t0', [2, 8])] },
    { op: 'mul', inputs: ['t0'], attrs: { scalar: 1.5, scalarType: 'float' }, outputs: [f32('t1', [2, 8])] },
  ],
  ['t1'],
);

/** relu → +1: untouched by the regression (a passing case). */
export const PLAIN_SPEC = spec(
  4,
  [{ name: 'x0', dtype: 'float32', shape: [3, 4], range: [-1, 1], dynamicAxes: {} }],
  [
    { op: 'relu', inputs: ['x0'], attrs: {}, outputs: [f32('t0', [3, 4])] },
    { op: 'add', inputs: ['t0'], attrs: { scalar: 1.0, scalarType: 'float' }, outputs: [f32('t1', [3, 4])] },
  ],
  ['t1'],
);

/** Writes the corpus file into `dir`; returns its path. */
export async function writeLocalizeCorpus(
  dir: string,
  opts: { synthetic?: boolean; real?: boolean } = {},
): Promise<string> {
  const real = [
    {
      id: 'encoder',
      family: 'transformer',
      model: { factory: 'localize_models:encoder' },
      inputs: [{ name: 'x', dtype: 'float32', shape: [2, 5, 8] }],
    },
    {
      id: 'pooler',
      family: 'embedding',
      model: { factory: 'localize_models:pooler' },
      inputs: [{ name: 'ids', dtype: 'int64', shape: [2, 6], range: [0, 20] }],
    },
    {
      id: 'mlp',
      family: 'mlp',
      model: { factory: 'localize_models:mlp' },
      inputs: [{ name: 'x', dtype: 'float32', shape: [3, 8] }],
    },
  ];
  const synthetic = [SOFTMAX_SPEC, EMBEDDING_SPEC, GELU_SPEC, PLAIN_SPEC].map((s) => specToCase(s));
  const file = path.join(dir, 'cases.json');
  const cases = [...(opts.real === false ? [] : real), ...(opts.synthetic === false ? [] : synthetic)];
  await writeFile(file, JSON.stringify({ name: 'localize-fixture', pythonPath: [LOCALIZE], cases }, null, 1));
  return file;
}
