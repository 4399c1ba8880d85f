/**
 * `convgate gate --candidate` (candidate results made earlier) and `--no-confirm-slow`, with stored
 * results on both sides: nothing is run, so these checks start no worker. And the CPU reading the
 * gate's per-phase times come from.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadCorpus } from '../../src/corpus/load.js';
import { GateReport } from '../../src/gate/schema.js';
import type { ResultsDoc } from '../../src/results/schema.js';
import { ownTreeCpuMs } from '../../src/util/cpu.js';
import { runCli } from '../cli-harness.js';
import { FAULT_CORPUS, PYTHON, tempDir } from '../helpers.js';
import { caseResult as c, resultsDoc } from './docs.js';

const FILTER = '^(tiny-mlp|wrong-symbolic)$';
let dir: string;
let corpus: { name: string; hash: string };

/** Results of the fault corpus' two cases as `adapter` made them; tiny-mlp's export took `exportMs` of CPU. */
async function stored(name: string, adapter: string, exportMs: number): Promise<string> {
  const doc: ResultsDoc = resultsDoc(
    [
      c('tiny-mlp', 'ok', { cpu: { export: exportMs, run: 5 } }),
      c('wrong-symbolic', 'ok', { cpu: { export: 100, run: 5 } }),
    ],
    {
      converter: { name: adapter, version: '1.13.0' },
      settings: { adapter, filter: FILTER, corpus: corpus.name },
      corpus: { name: corpus.name, hash: corpus.hash, cases: 2 },
    },
  );
  const folder = path.join(dir, name);
  await mkdir(path.join(folder, 'cases', 'tiny-mlp'), { recursive: true });
  await writeFile(path.join(folder, 'cases', 'tiny-mlp', 'model.onnx'), 'not a model');
  await writeFile(path.join(folder, 'results.json'), JSON.stringify(doc));
  return folder;
}

const gate = (...args: string[]) =>
  runCli('gate', '--corpus', FAULT_CORPUS, '--filter', FILTER, '--python', PYTHON, '--no-localize', ...args);

beforeAll(async () => {
  dir = await tempDir('stored-candidate');
  corpus = await loadCorpus(FAULT_CORPUS);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('gate --candidate (stored candidate results)', () => {
  it('compares without running, copies the results folder, and with --no-confirm-slow reports the slowdown as measured', async () => {
    const base = await stored('base', 'torch.onnx', 100);
    const cand = await stored('cand', 'torch.onnx', 1000);
    const out = path.join(dir, 'gate');
    const r = await gate(
      '--out',
      out,
      '--baseline',
      base,
      '--candidate',
      path.join(cand, 'results.json'),
      '--converter',
      'torch.onnx',
      '--no-confirm-slow',
    );
    expect(r.code).toBe(0);
    const report = GateReport.parse(JSON.parse(await readFile(path.join(out, 'gate.json'), 'utf8')));
    expect(report.counts).toMatchObject({ regressions: 0, unchanged: 2, slow: 1 });
    expect(report.slow[0]).toMatchObject({ id: 'tiny-mlp', metric: 'export', beforeMs: 100, afterMs: 1000 });
    expect(report.confirmation).toBeUndefined();
    expect(report.notes).toEqual(
      expect.arrayContaining([
        '1 slower case(s) are reported as measured, not re-run (slow confirmation off)',
        expect.stringMatching(/^the candidate's results were made before this gate/),
      ]),
    );
    expect(existsSync(path.join(out, 'confirm-1'))).toBe(false);
    expect(await readFile(path.join(out, 'candidate', 'cases', 'tiny-mlp', 'model.onnx'), 'utf8')).toBe(
      'not a model',
    );
    // Stored results on both sides: no phase ran, so no CPU time is claimed for one.
    expect(report.timing.candidateCpuMs).toBeUndefined();
    expect(report.timing.baselineCpuMs).toBeUndefined();
  });

  it('refuses stored candidate results made by another exporter than the candidate build, before anything runs', async () => {
    const base = await stored('base2', 'torch.onnx', 100);
    const cand = await stored('cand2', 'torch.onnx', 100);
    const out = path.join(dir, 'gate2');
    const r = await gate(
      '--out',
      out,
      '--baseline',
      base,
      '--candidate',
      cand,
      '--converter',
      'torch.onnx.dynamo',
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^convgate gate: --candidate .*cand2: the results were made by another build than the candidate \(exporter torch\.onnx, candidate build torch\.onnx\.dynamo\)/,
    );
    expect(existsSync(path.join(out, 'gate.json'))).toBe(false);
  });

  it('--no-confirm-slow with --fail-on-slow is refused', async () => {
    const r = await gate('--out', path.join(dir, 'gate3'), '--no-confirm-slow', '--fail-on-slow');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--fail-on-slow fails on slowdowns seen in every re-run; --no-confirm-slow skips/);
  });
});

describe('ownTreeCpuMs', () => {
  it('adds utime, stime, cutime and cstime (ticks of 10 ms), whatever the command name holds', () => {
    const stat = '4242 (node (a) b) S 1 4242 4242 0 -1 4194304 10 0 0 0 150 25 300 40 20 0 11 0';
    expect(ownTreeCpuMs(() => stat)).toBe((150 + 25 + 300 + 40) * 10);
  });

  it('is null when /proc cannot be read or the line is not a stat line', () => {
    expect(
      ownTreeCpuMs(() => {
        throw new Error('ENOENT');
      }),
    ).toBeNull();
    expect(ownTreeCpuMs(() => 'garbage')).toBeNull();
  });

  it('grows while this process works', () => {
    const before = ownTreeCpuMs();
    if (before === null) return; // not Linux
    // Busy until the reading moves (a tick is 10 ms of CPU), giving up after 5 s of wall time.
    const until = Date.now() + 5000;
    let x = 0;
    // At least one round: the reading may already have moved between `before` and the first check.
    do for (let k = 0; k < 100000; k++) x += Math.sqrt(x + k);
    while (ownTreeCpuMs()! <= before && Date.now() < until);
    expect(x).toBeGreaterThan(0);
    expect(ownTreeCpuMs()!).toBeGreaterThan(before);
  });
});
