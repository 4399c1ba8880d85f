// The built CLI as CI runs it: interrupted by SIGINT (Ctrl-C reaches the whole foreground process
// group) or SIGTERM (CI cancellation), it writes results.json with complete: false within a few
// seconds and leaves no process behind; and it exits after its last case even when a model left
// children holding its pipes. Runs build/ (npm test builds first).
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PROCESS_FAULT_CORPUS, PYTHON, tempDir } from '../helpers.js';

const BIN = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'bin', 'convgate.js');

/** Processes whose environment carries `tag` (everything the run started inherits it). */
async function tagged(tag: string): Promise<{ pid: number; cmd: string }[]> {
  const out: { pid: number; cmd: string }[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const env = await readFile(`/proc/${name}/environ`, 'latin1');
      if (!env.includes(`CONVGATE_TEST_TAG=${tag}`)) continue;
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // exited, not yet reaped
      const cmd = (await readFile(`/proc/${name}/cmdline`, 'utf8')).replace(/\0/g, ' ').trim();
      out.push({ pid: Number(name), cmd });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function exited(child: ChildProcess, timeoutMs: number): Promise<number | string | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still running'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
  });
}

const started: { tag: string; child: ChildProcess }[] = [];

function runCli(caseIds: string[], out: string, command: 'run' | 'gate' = 'run') {
  const tag = randomUUID();
  const args = [BIN, command, '--corpus', PROCESS_FAULT_CORPUS, '--out', out, '--jobs', '1', '--no-progress'];
  if (command === 'run') for (const id of caseIds) args.push('--case', id);
  else args.push('--filter', `^(${caseIds.join('|')})$`);
  args.push('--python', PYTHON, ...(command === 'run' ? ['--threads', '1', '--no-report'] : []));
  const child = spawn(process.execPath, args, {
    env: { ...process.env, CONVGATE_TEST_TAG: tag },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, as a shell job is
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.resume();
  started.push({ tag, child });
  return { tag, child, stderr: () => stderr };
}

afterEach(async () => {
  // Whatever a failing test left running is killed here, never leaked into the next test.
  for (const { tag } of started.splice(0))
    for (const p of await tagged(tag)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
});

describe('an interrupted run', () => {
  it.each([
    ['SIGINT', 'process group', 130],
    ['SIGTERM', 'main process', 143],
  ] as const)(
    '%s to the %s: results.json with complete: false within 5 s, no process left',
    async (signal, target, code) => {
      const out = path.join(await tempDir(`interrupt-${signal}`), 'out');
      const run = runCli(['hang-long', 'tiny-mlp'], out);
      // Interrupt while the converter is inside the case (the worker made its folder).
      await until('the case to start', () => existsSync(path.join(out, 'cases', 'hang-long')), 120_000);
      await new Promise((r) => setTimeout(r, 300));
      const before = await tagged(run.tag);
      expect(before.some((p) => p.cmd.includes('worker.py'))).toBe(true);
      const sentAt = Date.now();
      process.kill(target === 'process group' ? -run.child.pid! : run.child.pid!, signal);
      const status = await exited(run.child, 5000);
      const tookMs = Date.now() - sentAt;
      expect({ status, tookMs, stderr: run.stderr().slice(-2000) }).toMatchObject({ status: code });
      expect(tookMs).toBeLessThan(5000);
      const doc = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8'));
      expect(doc).toMatchObject({ complete: false, interrupted: signal, corpus: { cases: 2 } });
      expect(doc.cases).toEqual([]);
      expect(await tagged(run.tag)).toEqual([]);
    },
  );

  it('convgate gate: SIGTERM during the baseline run stops it the same way, with no verdict', async () => {
    const out = path.join(await tempDir('interrupt-gate'), 'out');
    const run = runCli(['hang-long'], out, 'gate');
    await until(
      'the baseline case to start',
      () => existsSync(path.join(out, 'baseline', 'cases', 'hang-long')),
      120_000,
    );
    await new Promise((r) => setTimeout(r, 300));
    const sentAt = Date.now();
    process.kill(run.child.pid!, 'SIGTERM');
    const status = await exited(run.child, 5000);
    expect({ status, stderr: run.stderr().slice(-2000) }).toMatchObject({ status: 143 });
    expect(Date.now() - sentAt).toBeLessThan(5000);
    expect(run.stderr()).toMatch(/interrupted \(SIGTERM\); no verdict/);
    const doc = JSON.parse(await readFile(path.join(out, 'baseline', 'results.json'), 'utf8'));
    expect(doc).toMatchObject({ complete: false, interrupted: 'SIGTERM' });
    expect(existsSync(path.join(out, 'gate.json'))).toBe(false);
    expect(await tagged(run.tag)).toEqual([]);
  });

  it('exits after its last case although a model left children holding its pipes', async () => {
    const out = path.join(await tempDir('orphans'), 'out');
    const run = runCli(['orphan-children', 'tiny-mlp'], out);
    const status = await exited(run.child, 60_000);
    expect({ status, stderr: run.stderr().slice(-2000) }).toMatchObject({ status: 0 });
    const doc = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8'));
    expect(doc.cases.map((c: { outcome: string }) => c.outcome)).toEqual(['ok', 'ok']);
    expect(await tagged(run.tag)).toEqual([]);
  });
});
