/**
 * Surface recording through real converter workers: the registry arrives as the denominator,
 * every case carries the translation functions its export ran, recording can be turned off, and
 * the ONNX files are byte-identical with and without it (the overhead bench, `npm run
 * bench:surface`, checks the same over a whole corpus).
 */
import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadCorpusFile } from '../../src/corpus/load.js';
import { runCases } from '../../src/run/run-cases.js';
import { resolveStack } from '../../src/run/stacks.js';
import type { ResultsDoc } from '../../src/results/schema.js';
import { surfaceStatus } from '../../src/surface/summary.js';
import { FIXTURES, PYTHON, tempDir } from '../helpers.js';

const CORPUS = path.join(FIXTURES, 'stack-corpus', 'cases.json');

async function run(
  python: string,
  adapter: string,
  surface: boolean,
): Promise<{ doc: ResultsDoc; out: string }> {
  const corpus = await loadCorpusFile(CORPUS);
  const cases = corpus.cases.filter((c) => c.id === 'mlp');
  const out = await tempDir(`surface-${adapter}`);
  const doc = await runCases(corpus, cases, {
    out,
    jobs: 1,
    python,
    adapter,
    timeoutS: 120,
    memoryLimitMb: 6144,
    opset: null,
    tolerance: { atol: 1e-3, rtol: 1e-3 },
    keepAll: true,
    resume: false,
    surface,
  });
  return { doc, out };
}

async function modelBytes(run: { doc: ResultsDoc; out: string }, id: string): Promise<Buffer> {
  const c = run.doc.cases.find((x) => x.id === id)!;
  return readFile(path.join(run.out, c.artifacts!, 'model.onnx'));
}

const names = (doc: ResultsDoc, id: string) =>
  new Set(doc.cases.find((c) => c.id === id)!.surface?.calls.map((c) => c[0]));

describe.each([
  ['torch.onnx on torch 1.13', PYTHON, 'torch.onnx', 'torchscript', ['aten::linear', 'aten::gelu']],
  [
    'torch.onnx.dynamo on torch 2.13',
    resolveStack({ stack: 'modern' }).python,
    'torch.onnx.dynamo',
    'dynamo',
    ['aten::linear', 'aten::gelu'],
  ],
])('surface recording: %s', (_label, python, adapter, exporter, expected) => {
  it('reports the registry, the calls of each export, and leaves the ONNX files unchanged', async () => {
    const recorded = await run(python, adapter, true);
    const plain = await run(python, adapter, false);
    const on = recorded.doc;
    const off = plain.doc;

    expect(on.surface).toMatchObject({ measured: true, exporter });
    const registry = on.surface!.registered!;
    expect(Object.keys(registry).length).toBeGreaterThan(300);
    for (const fn of expected) expect(registry).toHaveProperty([fn]);
    const mlp = on.cases.find((c) => c.id === 'mlp')!;
    expect(mlp.outcome).toBe('ok');
    for (const fn of expected) expect(names(on, 'mlp')).toContain(fn);
    // Implementation chosen and input kinds are recorded with each call.
    const linear = mlp.surface!.calls.find((c) => c[0] === 'aten::linear')!;
    expect(registry['aten::linear']).toContain(linear[1]);
    expect(linear[2]).toMatch(/^float32\/2,float32\/2/);

    const status = surfaceStatus(on);
    expect(status.measured).toBe(true);
    if (status.measured) expect(status.summary.covered).toBeGreaterThanOrEqual(expected.length);

    expect(off.surface).toEqual({ measured: false, reason: expect.stringContaining('--no-surface') });
    expect(off.cases.every((c) => c.surface === undefined)).toBe(true);
    expect((await modelBytes(recorded, 'mlp')).equals(await modelBytes(plain, 'mlp'))).toBe(true);
  });
});
