import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { loadCorpusFile } from '../../src/corpus/load.js';
import { runCases } from '../../src/run/run-cases.js';
import { resolveStack } from '../../src/run/stacks.js';
import type { ResultsDoc } from '../../src/results/schema.js';
import { FIXTURES, PYTHON, tempDir } from '../helpers.js';

const CORPUS = path.join(FIXTURES, 'stack-corpus', 'cases.json');

async function run(
  python: string,
  adapter: string,
  stack: string | null,
  extra: { recycleMb?: number } = {},
): Promise<ResultsDoc> {
  const corpus = await loadCorpusFile(CORPUS);
  return runCases(corpus, corpus.cases, {
    out: await tempDir(`stack-${adapter}`),
    jobs: 1,
    python,
    stack,
    adapter,
    timeoutS: 120,
    memoryLimitMb: 6144,
    opset: null,
    tolerance: { atol: 1e-3, rtol: 1e-3 },
    keepAll: false,
    resume: false,
    ...extra,
  });
}

function byId(doc: ResultsDoc) {
  return Object.fromEntries(doc.cases.map((c) => [c.id, c]));
}

function expectClean(doc: ResultsDoc) {
  for (const c of doc.cases) {
    const text = JSON.stringify([c.error ?? null, c.warnings ?? []]);
    expect(text).not.toContain(String.fromCharCode(27)); // ANSI codes
    expect(text).not.toContain(process.env.HOME ?? '/root');
    expect(text).not.toContain('/site-packages/');
  }
}

// The modern stack is made by scripts/setup.sh (CI runs it); these tests need it.
const modern = resolveStack({ stack: 'modern' });

describe('exporters on the modern stack (torch 2.13)', () => {
  it('dynamo: records the exporter, its opsets, and the step each failure came from', async () => {
    const doc = await run(modern.python, 'torch.onnx.dynamo', 'modern');
    const c = byId(doc);
    expect(doc.environment.stack).toBe('modern');
    expect(doc.environment.exporter).toBe('dynamo');
    const packages = doc.environment.packages as Record<string, string | null>;
    expect(packages.torch).toMatch(/^2\.13\./);
    expect(packages.onnxscript).toMatch(/^\d+\.\d+/);
    expect(doc.converter).toMatchObject({ name: 'torch.onnx.dynamo', exporter: 'dynamo', buildOpset: 18 });
    expect(c.mlp.outcome).toBe('ok');
    expect(c.mlp.opset).toBe(20);
    expect(c['data-dependent-branch']).toMatchObject({
      outcome: 'conversion-crash',
      error: { step: 'capture' },
    });
    expect(c['custom-op']).toMatchObject({ outcome: 'conversion-crash', error: { step: 'translation' } });
    expect(c['needs-transformers'].outcome).toBe('ok');
    expectClean(doc);
  });

  it('TorchScript (dynamo=False): traces the data-dependent branch, fails the custom op in symbolic', async () => {
    const doc = await run(modern.python, 'torch.onnx', 'modern');
    const c = byId(doc);
    expect(doc.environment.exporter).toBe('torchscript');
    expect(c.mlp.outcome).toBe('ok');
    expect(c['data-dependent-branch'].outcome).toBe('ok');
    expect(c['custom-op']).toMatchObject({ outcome: 'conversion-crash', error: { step: 'symbolic' } });
    expectClean(doc);
  });
});

describe('requirements on the Debian stack (torch 1.13)', () => {
  it('marks cases whose requirements are not met unsupported, never a failure', async () => {
    // recycleMb 1: every worker that converted a case is replaced by a fresh one afterwards
    const doc = await run(PYTHON, 'torch.onnx', 'debian', { recycleMb: 1 });
    expect(doc.settings.workersRecycled).toBe(2); // mlp and data-dependent-branch ran
    expect(doc.settings.recycleMb).toBe(1);
    const c = byId(doc);
    expect(c.mlp.outcome).toBe('ok');
    expect(c['custom-op']).toMatchObject({ outcome: 'unsupported', unmet: ['torch >=2.4: have 1.13.0a0'] });
    expect(c['needs-transformers']).toMatchObject({
      outcome: 'unsupported',
      unmet: ['transformers >=5.0: not installed'],
    });
    expect(c['custom-op'].error).toBeUndefined();
  });
});
