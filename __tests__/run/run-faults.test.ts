import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadCorpus, pickCases } from '../../src/corpus/load.js';
import { runCases } from '../../src/run/run-cases.js';
import { readResultsDoc } from '../../src/results/writer.js';
import type { ResultsDoc } from '../../src/results/schema.js';
import { FAULT_CORPUS, FAULT_RUN_OPTIONS, tempDir } from '../helpers.js';

describe('a run over the fault corpus', () => {
  let out: string;
  let doc: ResultsDoc;
  const seen: string[] = [];
  beforeAll(async () => {
    out = await tempDir('faults');
    const corpus = await loadCorpus(FAULT_CORPUS);
    doc = await runCases(
      corpus,
      corpus.cases,
      {
        out,
        jobs: 2,
        ...FAULT_RUN_OPTIONS,
      },
      { onCaseDone: (r) => seen.push(r.id) },
    );
  });

  const outcome = (id: string) => doc.cases.find((c) => c.id === id);

  it('gives every case an outcome, in corpus order, and says the run is complete', () => {
    expect(doc.complete).toBe(true);
    expect(doc.cases.map((c) => c.id)).toEqual(
      JSON.parse(readFileSync(FAULT_CORPUS, 'utf8')).cases.map((c: { id: string }) => c.id),
    );
    expect(new Set(seen)).toEqual(new Set(doc.cases.map((c) => c.id)));
  });

  it.each([
    ['tiny-mlp', 'ok'],
    ['int-bool-outputs', 'ok'],
    ['unexportable-fft', 'conversion-crash'],
    ['hang-on-export', 'hang'],
    ['exit-on-export', 'conversion-crash'],
    ['segfault-on-export', 'conversion-crash'],
    ['memory-hog', 'conversion-crash'],
    ['wrong-symbolic', 'wrong-output'],
    ['invalid-transpose', 'invalid-model'],
    ['runtime-reshape', 'runtime-crash'],
    ['broken-reference', 'reference-error'],
  ])('%s → %s', (id, expected) => {
    expect(outcome(id)?.outcome).toBe(expected);
  });

  it('records stage, type and message of failures', () => {
    expect(outcome('unexportable-fft')?.error).toMatchObject({
      stage: 'export',
      type: expect.stringContaining('UnsupportedOperatorError'),
      message: expect.stringContaining('fft_rfft'),
    });
    expect(outcome('hang-on-export')?.error).toMatchObject({ stage: 'export', type: 'Timeout' });
    expect(outcome('exit-on-export')?.error?.message).toContain('exit code 7');
    expect(outcome('memory-hog')?.error?.type).toBe('MemoryLimitExceeded');
    expect(outcome('invalid-transpose')?.error?.stage).toBe('load');
    expect(outcome('runtime-reshape')?.error?.stage).toBe('run');
  });

  it('measures the wrong output: x*2+1 exported for x*3+1', () => {
    const o = outcome('wrong-symbolic')!.outputs[0];
    expect(o.pass).toBe(false);
    expect(o.maxAbsErr).toBeGreaterThan(0.1);
    expect(o.maxAbsErr).toBeLessThanOrEqual(1); // |x| <= 1
  });

  it('checks dynamic axes at the other input size and records timings and settings', () => {
    const mlp = outcome('tiny-mlp')!;
    expect(mlp.settings).toMatchObject({
      seed: 3,
      opset: 14,
      inputSets: 2,
      atol: 1e-3,
      dynamicAxes: { x: { '0': 'batch' } },
    });
    expect(mlp.outputs[0].pass).toBe(true);
    expect(mlp.timingsMs.export).toBeGreaterThan(0);
    expect(mlp.timingsMs.load).toBeGreaterThan(0);
    expect(mlp.timingsMs.run).toBeGreaterThan(0);
    // CPU times too: what the gate's slow check compares.
    expect(mlp.cpuMs?.export).toBeGreaterThan(0);
    expect(mlp.cpuMs?.run).toBeGreaterThan(0);
    expect(mlp.opTypes).toEqual(expect.arrayContaining(['Gemm']));
  });

  it('keeps models and tensors of failing cases only', () => {
    expect(existsSync(path.join(out, 'cases', 'tiny-mlp'))).toBe(false);
    expect(existsSync(path.join(out, 'cases', 'wrong-symbolic', 'model.onnx'))).toBe(true);
    expect(existsSync(path.join(out, 'cases', 'wrong-symbolic', 'tensors', 'tensors.json'))).toBe(true);
    expect(existsSync(path.join(out, 'cases', 'wrong-symbolic', 'case.json'))).toBe(true);
    expect(outcome('wrong-symbolic')?.artifacts).toBe(path.join('cases', 'wrong-symbolic'));
  });

  it('streamed one JSONL line per case and wrote a valid results.json', async () => {
    const lines = (await readFile(path.join(out, 'results.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(doc.cases.length);
    const reread = await readResultsDoc(out);
    expect(reread.corpus).toEqual({
      name: 'faults',
      hash: doc.corpus.hash,
      cases: 11,
      // every id the corpus defines, so that a diff can tell a removed case from a lost one
      ids: JSON.parse(readFileSync(FAULT_CORPUS, 'utf8')).cases.map((c: { id: string }) => c.id),
    });
    expect(reread.converter.name).toBe('torch.onnx');
  });

  it('resumes: a second run with --resume re-runs nothing', async () => {
    const corpus = await loadCorpus(FAULT_CORPUS);
    const again: string[] = [];
    const doc2 = await runCases(
      corpus,
      corpus.cases,
      {
        out,
        jobs: 1,
        ...FAULT_RUN_OPTIONS,
        resume: true,
      },
      { onCaseDone: (r) => again.push(r.id) },
    );
    expect(again).toEqual([]);
    expect(doc2.cases.map((c) => c.outcome)).toEqual(doc.cases.map((c) => c.outcome));
  });

  const resumeOptions = {
    jobs: 1,
    ...FAULT_RUN_OPTIONS,
    resume: true,
  };

  it('refuses --resume with other settings, naming each one, and leaves the results alone', async () => {
    const corpus = await loadCorpus(FAULT_CORPUS);
    const before = await readFile(path.join(out, 'results.json'), 'utf8');
    await expect(
      runCases(corpus, corpus.cases, {
        ...resumeOptions,
        out,
        tolerance: { atol: 1e-2, rtol: 1e-3 },
        opset: 13,
      }),
    ).rejects.toThrow(/--atol was 0\.001, now 0\.01; --opset was null, now 13/);
    await expect(
      runCases(corpus, corpus.cases, { ...resumeOptions, out, adapter: 'onnx-version-converter' }),
    ).rejects.toThrow(/--adapter was "torch.onnx", now "onnx-version-converter"/);
    expect(await readFile(path.join(out, 'results.json'), 'utf8')).toBe(before);
  });

  it('resumes after a torn last line without gluing the next line to it', async () => {
    const corpus = await loadCorpus(FAULT_CORPUS);
    const torn = await tempDir('torn');
    await cp(out, torn, { recursive: true });
    const file = path.join(torn, 'results.jsonl');
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    const mlp = lines.find((l) => JSON.parse(l).id === 'tiny-mlp')!;
    const rest = lines.filter((l) => l !== mlp);
    // The run was killed while writing tiny-mlp's line.
    await writeFile(file, rest.join('\n') + '\n' + mlp.slice(0, Math.floor(mlp.length / 2)));
    const cases = pickCases(corpus.cases, ['tiny-mlp', 'wrong-symbolic']);
    const again: string[] = [];
    const doc2 = await runCases(
      corpus,
      cases,
      { ...resumeOptions, out: torn },
      { onCaseDone: (r) => again.push(r.id) },
    );
    expect(again).toEqual(['tiny-mlp']);
    expect(doc2.cases.map((c) => [c.id, c.outcome])).toEqual([
      ['tiny-mlp', 'ok'],
      ['wrong-symbolic', 'wrong-output'],
    ]);
    const after = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(after).toHaveLength(rest.length + 1);
    for (const l of after) expect(() => JSON.parse(l)).not.toThrow();
  });
});
