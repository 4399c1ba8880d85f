/**
 * `convgate gate` localizes regressions end to end (Debian stack, torch 1.13): a test-only
 * converter regression (fixtures/localize/break: softmax along the wrong axis, GELU as its tanh
 * approximation, aten::embedding raising) on the candidate, real models and synthetic specs.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GateReport, type CaseChange } from '../../src/gate/schema.js';
import { readResultsDoc } from '../../src/results/writer.js';
import { PYTHON, tempDir } from '../helpers.js';
import { runCli } from '../cli-harness.js';
import { BREAK, writeLocalizeCorpus } from './fixture.js';

const cli = runCli;

const TRIALS = 25;

describe('gate with localization', () => {
  let dir: string;
  let corpus: string;
  let result: { code: number; out: string; err: string };
  let report: GateReport;
  let byId: Map<string, CaseChange>;

  beforeAll(async () => {
    dir = await tempDir('localize-gate');
    corpus = await writeLocalizeCorpus(dir);
    const common = ['--corpus', corpus, '--python', PYTHON, '--jobs', '2', '--reruns', '0', '--no-progress'];
    result = await cli(
      'gate',
      '--out',
      path.join(dir, 'gate'),
      ...common,
      '--candidate-env',
      `PYTHONPATH=${BREAK}`,
      '--localize-trials',
      String(TRIALS),
    );
    report = GateReport.parse(JSON.parse(await readFile(path.join(dir, 'gate', 'gate.json'), 'utf8')));
    byId = new Map(report.regressions.map((r) => [r.id, r]));
  });

  it('localizes every regression, and only the regressions', () => {
    expect(result.code).toBe(1);
    expect(report.schemaVersion).toBe(2);
    expect([...byId.keys()].sort()).toEqual(['encoder', 'pooler', 'syn-7-1', 'syn-7-2', 'syn-7-3']);
    expect(report.localization).toMatchObject({ cases: 5 });
    expect(result.err).toContain('── convgate: localizing 5 regression(s)');
  });

  it('names the diverging node: the softmax inside an attention module, and in a synthetic graph', () => {
    expect(byId.get('encoder')!.divergingNode).toMatchObject({
      node: '/layers.0/attn/Softmax',
      op: 'Softmax',
      function: 'softmax',
      module: 'layers.0.attn',
      moduleType: 'Attention',
      via: 'values',
    });
    expect(byId.get('syn-7-1')!.divergingNode).toMatchObject({
      node: '/n2/Softmax',
      op: 'Softmax',
      module: 'n2',
      moduleType: 'softmax',
    });
    // A drift still within tolerance is found where it starts (GELU, node 0), not where it shows.
    expect(byId.get('syn-7-3')!.divergingNode).toMatchObject({
      module: 'n0',
      moduleType: 'gelu',
      function: 'gelu',
    });
    // An export crash: the node the exporter was converting.
    expect(byId.get('pooler')!.divergingNode).toMatchObject({
      op: 'aten::embedding',
      module: 'embed',
      moduleType: 'Embedding',
    });
    expect(byId.get('syn-7-2')!.divergingNode).toMatchObject({
      op: 'aten::embedding',
      module: 'n0',
      moduleType: 'embedding',
    });
  });

  it('minimises synthetic specs within the budget and finds the smallest reproducing submodule', () => {
    const min = byId.get('syn-7-1')!.minimal!;
    expect(min.opsBefore).toEqual(['linear', 'relu', 'softmax', 'mul', 'tanh', 'add']);
    expect(min.opsAfter).toContain('softmax');
    expect(min.opsAfter.length).toBeLessThan(min.opsBefore.length);
    expect(min.trials).toBeLessThanOrEqual(TRIALS);
    expect(min.budget).toEqual({ trials: TRIALS, seconds: 60 });
    expect(byId.get('syn-7-2')!.minimal!.opsAfter).toEqual(['embedding']);
    expect(byId.get('encoder')!.submodule).toMatchObject({ path: 'layers.0.attn', type: 'Attention' });
    expect(byId.get('pooler')!.submodule).toMatchObject({ path: 'embed', type: 'Embedding' });
  });

  it('the minimised crash reproducer raises the same error', async () => {
    const bundle = JSON.parse(
      await readFile(path.join(dir, 'gate', 'candidate', byId.get('syn-7-2')!.repro!, 'bundle.json'), 'utf8'),
    );
    expect(bundle.reproduced.outcome).toBe('conversion-crash');
    expect(bundle.reproduced.error.type).toBe(bundle.original.error.type);
    expect(bundle.reproduced.error.message).toBe(bundle.original.error.message);
  });

  it('groups regressions by fingerprint and ranks the broken operator first', () => {
    const fp = (id: string) => byId.get(id)!.fingerprint!.id;
    expect(fp('encoder')).toBe(fp('syn-7-1'));
    expect(fp('pooler')).toBe(fp('syn-7-2'));
    expect(new Set(['encoder', 'pooler', 'syn-7-3'].map(fp)).size).toBe(3);
    expect(report.findings!.map((f) => f.cases.length)).toEqual([2, 2, 1]);
    const top = report.suspicious!.find((r) => r.kind === 'op' || r.kind === 'source')!;
    expect(top).toMatchObject({ name: 'Softmax', failing: 2, passing: 0, passingTotal: 2 });
  });

  it('shows it in the report and in the candidate results', async () => {
    expect(result.out).toContain('### Where the regressions start');
    expect(result.out).toContain('Regressions concentrate on `Softmax` (ONNX op)');
    expect(result.out).toMatch(
      /\| `encoder` \| \*\*`Softmax`\*\* in `softmax\(\)` · node `\/layers\.0\/attn\/Softmax`/,
    );
    expect(result.out).toContain('#### 3 distinct failures (by fingerprint)');
    const doc = await readResultsDoc(path.join(dir, 'gate', 'candidate'));
    expect(doc.cases.find((c) => c.id === 'encoder')!.localization!.divergingNode!.op).toBe('Softmax');
    expect(doc.cases.find((c) => c.id === 'mlp')!.localization).toBeUndefined();
  });

  it('convgate repro runs a bundle: repro.mjs shows the mismatch in ONNX Runtime for Node', async () => {
    const r = await cli('repro', 'syn-7-1', '--out', path.join(dir, 'gate'), '--runtime', 'node');
    expect(r.code).toBe(1);
    expect(r.out).toContain('diverging node: /n2/Softmax (Softmax, in softmax()) in module n2');
    expect(r.out).toMatch(/input set 0: t\d+: max abs error [0-9.]+ at flat index \d+/);
    expect(r.out).toContain('REPRODUCED: wrong output');
    const missing = await cli('repro', 'mlp', '--out', path.join(dir, 'gate'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no reproducer bundle for "mlp"');
  });

  it('a gate without regressions starts no localization', async () => {
    const common = [
      '--corpus',
      corpus,
      '--python',
      PYTHON,
      '--jobs',
      '2',
      '--reruns',
      '0',
      '--no-progress',
      '--filter',
      '^(mlp|syn-7-4)$',
    ];
    const r = await cli(
      'gate',
      '--out',
      path.join(dir, 'clean'),
      ...common,
      '--candidate-env',
      `PYTHONPATH=${BREAK}`,
    );
    expect(r.code).toBe(0);
    expect(r.err).not.toContain('localizing');
    const clean = GateReport.parse(JSON.parse(await readFile(path.join(dir, 'clean', 'gate.json'), 'utf8')));
    expect(clean.localization).toBeUndefined();
    expect(clean.suspicious).toBeUndefined();
  });
});
