import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { loadCorpus } from '../../src/corpus/load.js';
import { isolatedRetryNeeded, runCases } from '../../src/run/run-cases.js';
import type { ResultsDoc } from '../../src/results/schema.js';
import type { ConvertOutcome } from '../../src/convert/python-worker.js';
import { FAULT_RUN_OPTIONS, FIXTURES, tempDir } from '../helpers.js';

const STATE_TAINT_CORPUS = path.join(FIXTURES, 'fault-corpus', 'state-taint.json');

describe('a case whose export fails only after another case ran in the same worker', () => {
  let out: string;
  let doc: ResultsDoc;
  beforeAll(async () => {
    out = await tempDir('taint');
    const corpus = await loadCorpus(STATE_TAINT_CORPUS);
    // One worker, corpus order: "poison" leaves process-wide state that makes "victim" fail.
    doc = await runCases(corpus, corpus.cases, { ...FAULT_RUN_OPTIONS, out, jobs: 1 });
  }, 120_000);
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });
  const result = (id: string) => doc.cases.find((c) => c.id === id);

  it('gets the verdict of a fresh worker, with a warning naming the first failure', () => {
    expect(result('poison')?.outcome).toBe('ok');
    expect(result('poison')?.warnings ?? []).toEqual([]);
    expect(result('victim')?.outcome).toBe('ok');
    expect(result('victim')?.warnings?.join('\n')).toMatch(
      /export failed in a worker that had run 1 earlier case\(s\) \(RuntimeError: state left behind by an earlier export in this process\); in a fresh worker it exported/,
    );
  });

  it('keeps a failure that a fresh worker repeats, without a warning', () => {
    expect(result('always-fails')?.outcome).toBe('conversion-crash');
    expect(result('always-fails')?.warnings ?? []).toEqual([]);
  });
});

describe('isolatedRetryNeeded', () => {
  const failed = (stage: string, missingPackage?: string): ConvertOutcome =>
    ({
      kind: 'result',
      reply: {
        ok: false,
        error: { stage, type: 'E', message: 'm', ...(missingPackage ? { missingPackage } : {}) },
      },
    }) as unknown as ConvertOutcome;
  it('retries an export failure only after earlier cases in the worker', () => {
    expect(isolatedRetryNeeded(failed('export'), 0)).toBe(false);
    expect(isolatedRetryNeeded(failed('export'), 3)).toBe(true);
  });
  it('does not retry source-side failures, missing packages or successes', () => {
    expect(isolatedRetryNeeded(failed('build'), 3)).toBe(false);
    expect(isolatedRetryNeeded(failed('export', 'timm'), 3)).toBe(false);
    expect(isolatedRetryNeeded({ kind: 'result', reply: { ok: true } } as unknown as ConvertOutcome, 3)).toBe(
      false,
    );
  });
});
