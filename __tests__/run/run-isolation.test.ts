// Faults of one case must never taint another case or the run: a killed worker is never reused,
// processes a model starts die with its worker and count against its memory limit, and a flood
// on the reply channel fails that case only.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadCorpus, pickCases } from '../../src/corpus/load.js';
import { runCases } from '../../src/run/run-cases.js';
import type { ResultsDoc } from '../../src/results/schema.js';
import { FAULT_CORPUS, FAULT_RUN_OPTIONS, PROCESS_FAULT_CORPUS, tempDir } from '../helpers.js';

const baseOptions = {
  ...FAULT_RUN_OPTIONS,
  jobs: 1,
  threads: 1,
};

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A zombie counts as gone (it is only waiting for its new parent to reap it). */
async function running(pid: number): Promise<boolean> {
  if (!isAlive(pid)) return false;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('a killed case does not taint the next one', () => {
  let doc: ResultsDoc;
  beforeAll(async () => {
    const corpus = await loadCorpus(FAULT_CORPUS);
    // One job: the healthy cases run right after a kill, on the worker slot of the killed case.
    const cases = pickCases(corpus.cases, ['hang-on-export', 'tiny-mlp', 'memory-hog', 'int-bool-outputs']);
    doc = await runCases(corpus, cases, { ...baseOptions, out: await tempDir('taint') });
  });

  it.each([
    ['hang-on-export', 'hang'],
    ['tiny-mlp', 'ok'],
    ['memory-hog', 'conversion-crash'],
    ['int-bool-outputs', 'ok'],
  ])('%s → %s', (id, expected) => {
    const c = doc.cases.find((x) => x.id === id);
    expect({ id, outcome: c?.outcome, error: c?.error?.message }).toMatchObject({ id, outcome: expected });
  });
});

describe('processes a model starts, and floods of the reply channel', () => {
  let doc: ResultsDoc;
  let pidFile: string;
  beforeAll(async () => {
    const dir = await tempDir('tree');
    pidFile = path.join(dir, 'pids.txt');
    const corpus = await loadCorpus(PROCESS_FAULT_CORPUS);
    const cases = pickCases(corpus.cases, [
      'child-memory-hog',
      'flood-reply-channel',
      'orphan-children',
      'tiny-mlp',
    ]);
    doc = await runCases(corpus, cases, {
      ...baseOptions,
      out: path.join(dir, 'out'),
      memoryLimitMb: 700,
      env: { ...process.env, CONVGATE_FAULT_PIDS: pidFile },
    });
  });
  afterAll(async () => {
    // Never leave the test's own strays behind, even when it fails.
    const pids = (await readFile(pidFile, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });

  const result = (id: string) => doc.cases.find((c) => c.id === id);

  it('counts the memory of the whole process tree against --memory-limit', () => {
    expect(result('child-memory-hog')).toMatchObject({
      outcome: 'conversion-crash',
      error: { stage: 'export', type: 'MemoryLimitExceeded' },
    });
  });

  it('fails a case whose reply line exceeds the limit, and only that case', () => {
    expect(result('flood-reply-channel')).toMatchObject({
      outcome: 'conversion-crash',
      error: { stage: 'export', type: 'ProtocolViolation' },
    });
    expect(result('flood-reply-channel')?.error?.message).toMatch(/reply line of more than \d+ bytes/);
    expect(result('orphan-children')?.outcome).toBe('ok');
    expect(result('tiny-mlp')?.outcome).toBe('ok');
    expect(doc.complete).toBe(true);
  });

  it('leaves no process a model started alive once the run is over (own group or own session)', async () => {
    const pids = (await readFile(pidFile, 'utf8')).split('\n').filter(Boolean).map(Number);
    // the hog's helper and the two orphans (the exporter may trace forward more than once)
    expect(pids.length).toBeGreaterThanOrEqual(3);
    const alive = [];
    for (const pid of pids) if (await running(pid)) alive.push(pid);
    expect(alive).toEqual([]);
  });
});
