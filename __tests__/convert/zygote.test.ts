// Converter workers forked from one prepared process (src/convert/zygote.ts): they share its
// pages, keep every isolation guarantee of a spawned worker, and a zygote that dies only makes
// later workers spawned.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { PythonWorker, type PythonWorkerOptions } from '../../src/convert/python-worker.js';
import { Zygote } from '../../src/convert/zygote.js';
import { FIXTURES, PYTHON, tempDir } from '../helpers.js';

const corpusPaths = [path.join(FIXTURES, 'fault-corpus')];
const options: PythonWorkerOptions = { python: PYTHON, corpusPaths, threads: 2 };
const mlpCase = (factory = 'fault_models:TinyMlp', shape = [2, 6]) => ({
  id: 'mlp',
  seed: 1,
  model: { factory },
  inputs: [{ name: 'x', dtype: 'float32', shape }],
  inputSets: [],
  export: { opset: 13 },
});

/** kB of a process's memory by kind (/proc/<pid>/smaps_rollup). */
async function memory(pid: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const line of (await readFile(`/proc/${pid}/smaps_rollup`, 'utf8')).split('\n')) {
    const m = /^(\w+):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** ppid, process group and session of a process (/proc/<pid>/stat fields 4-6). */
async function ids(pid: number): Promise<{ ppid: number; pgid: number; sid: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), pgid: Number(f[2]), sid: Number(f[3]) };
}

async function gone(pid: number, withinMs = 5000): Promise<boolean> {
  const until = Date.now() + withinMs;
  for (;;) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return true;
    } catch {
      return true;
    }
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('workers forked from the zygote', () => {
  let zygote: Zygote;
  let dir: string;
  const workers: PythonWorker[] = [];
  const start = async (o: Partial<PythonWorkerOptions> = {}) => {
    const w = await PythonWorker.start({ ...options, zygote, ...o });
    workers.push(w);
    return w;
  };
  beforeAll(async () => {
    dir = await tempDir('zygote');
    zygote = await Zygote.start({ python: PYTHON, args: PythonWorker.args(options), env: process.env });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    zygote.kill();
    await zygote.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('are the zygote’s children, each leading its own session, and convert with torch threads', async () => {
    const [a, b] = [await start(), await start()];
    expect([a.forked, b.forked]).toEqual([true, true]);
    for (const w of [a, b]) {
      expect(await ids(w.processId!)).toEqual({ ppid: zygote.pid, pgid: w.processId, sid: w.processId });
      const out = await w.convert(
        { id: 'mlp', caseDir: path.join(dir, `mlp-${w.processId}`), case: mlpCase() },
        { timeoutMs: 60_000 },
      );
      expect(out).toMatchObject({
        kind: 'result',
        reply: { ok: true, opTypes: expect.arrayContaining(['Gemm']) },
      });
    }
  });

  it('share the zygote’s torch pages: most of a forked worker is shared, nothing of a spawned one', async () => {
    const forked = await start();
    const spawned = await start({ zygote: undefined });
    expect(spawned.forked).toBe(false);
    const f = await memory(forked.processId!);
    const s = await memory(spawned.processId!);
    // Anonymous pages written before the fork (torch's and Python's heaps) stay shared with the zygote.
    expect(f.Shared_Dirty).toBeGreaterThan(0.3 * f.Rss);
    expect(s.Shared_Dirty).toBeLessThan(0.05 * s.Rss);
    expect(f.Private_Dirty + f.Private_Clean).toBeLessThan(0.5 * (s.Private_Dirty + s.Private_Clean));
  });

  it('a timed-out forked worker dies with its whole group; the zygote forks the next one', async () => {
    const w = await start();
    const out = await w.convert(
      { id: 'hang', caseDir: path.join(dir, 'hang'), case: mlpCase('fault_models:HangOnExport', [3]) },
      { timeoutMs: 1000, wallTimeoutMs: 2000 },
    );
    expect(out).toMatchObject({ kind: 'timeout', stage: 'export', limit: 'wall' });
    expect(w.alive).toBe(false);
    expect(await gone(w.processId!)).toBe(true);
    const next = await start();
    expect(next.forked).toBe(true);
    expect(next.processId).not.toBe(w.processId);
  });

  it('a crash of a forked worker is reported with its signal', async () => {
    const w = await start();
    const out = await w.convert(
      { id: 'sig', caseDir: path.join(dir, 'sig'), case: mlpCase('fault_models:SegfaultOnExport', [3]) },
      { timeoutMs: 60_000 },
    );
    expect(out).toMatchObject({ kind: 'crashed', stage: 'export', signal: 'SIGSEGV' });
  });

  it('when the zygote dies, running workers go on and later workers are spawned', async () => {
    const running = await start();
    process.kill(zygote.pid!, 'SIGKILL');
    expect(await gone(zygote.pid!)).toBe(true);
    const out = await running.convert(
      { id: 'after', caseDir: path.join(dir, 'after'), case: mlpCase() },
      { timeoutMs: 60_000 },
    );
    expect(out).toMatchObject({ kind: 'result', reply: { ok: true } });
    expect(zygote.alive).toBe(false);
    expect(zygote.note).toMatch(/zygote .* exited with SIGKILL/);
    const spawned = await start();
    expect(spawned.forked).toBe(false);
    // A forked worker whose zygote is gone still reports its own end.
    running.kill();
    expect(await gone(running.processId!)).toBe(true);
  });
});

it('a forked worker dies with convgate even when convgate is SIGKILLed (lifeline)', async () => {
  // A separate Node process starts a zygote and one forked worker, prints the worker's pid, then
  // is SIGKILLed: nothing is left to kill the worker but its lifeline.
  const script = `
    const { Zygote } = await import(${JSON.stringify(path.resolve('build/convert/zygote.js'))});
    const { PythonWorker } = await import(${JSON.stringify(path.resolve('build/convert/python-worker.js'))});
    const options = { python: ${JSON.stringify(PYTHON)}, corpusPaths: [] };
    const zygote = await Zygote.start({ python: options.python, args: PythonWorker.args(options), env: process.env });
    const w = await PythonWorker.start({ ...options, zygote });
    console.log(JSON.stringify({ worker: w.processId, zygote: zygote.pid }));
    setInterval(() => undefined, 1000);
  `;
  const node = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    node.stdout.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) resolve(text.split('\n')[0]);
    });
    node.once('exit', (code) => reject(new Error(`the script exited with ${code}`)));
  });
  const { worker, zygote } = JSON.parse(line) as { worker: number; zygote: number };
  expect(await ids(worker)).toMatchObject({ ppid: zygote, sid: worker });
  node.kill('SIGKILL');
  expect(await gone(worker)).toBe(true);
  expect(await gone(zygote)).toBe(true);
});
