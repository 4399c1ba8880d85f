import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PythonWorker, WorkerStartError } from '../../src/convert/python-worker.js';
import { FIXTURES, PYTHON, tempDir } from '../helpers.js';

const corpusPaths = [path.join(FIXTURES, 'fault-corpus')];
const mlpCase = (seed = 1) => ({
  id: 'mlp',
  seed,
  model: { factory: 'fault_models:TinyMlp' },
  inputs: [{ name: 'x', dtype: 'float32', shape: [2, 6] }],
  inputSets: [{ x: [4, 6] }],
  export: { opset: 13, dynamicAxes: { x: { '0': 'batch' } }, constantFolding: true },
});

describe('Python worker protocol', () => {
  let worker: PythonWorker;
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('worker');
    worker = await PythonWorker.start({ python: PYTHON, corpusPaths });
  });
  afterAll(async () => worker?.stop());

  it('announces the converter and its opset range when ready', () => {
    expect(worker.ready.protocol).toBe(1);
    expect(worker.ready.converter.name).toBe('torch.onnx');
    expect(worker.ready.torch).toMatch(/^\d+\.\d+/);
    expect(worker.ready.opsets[0]).toBeLessThanOrEqual(13);
    expect(worker.ready.opsets[1]).toBeGreaterThanOrEqual(13);
  });

  it('converts a case: model, tensors for every input set, op types and per-stage timings', async () => {
    const caseDir = path.join(dir, 'mlp');
    const out = await worker.convert({ id: 'mlp', caseDir, case: mlpCase() }, { timeoutMs: 60_000 });
    expect(out.kind).toBe('result');
    if (out.kind !== 'result' || !out.reply.ok) throw new Error(JSON.stringify(out));
    expect(out.reply.opset).toBe(13);
    expect(out.reply.opTypes).toEqual(expect.arrayContaining(['Gemm']));
    expect(out.reply.opPairs?.length).toBeGreaterThan(0);
    expect(Object.keys(out.reply.timingsMs)).toEqual(
      expect.arrayContaining(['build', 'reference', 'export', 'serialize']),
    );
    const manifest = JSON.parse(await readFile(path.join(caseDir, 'tensors', 'tensors.json'), 'utf8'));
    expect(manifest.sets.map((s: { inputs: { shape: number[] }[] }) => s.inputs[0].shape)).toEqual([
      [2, 6],
      [4, 6],
    ]);
    expect(manifest.sets[1].outputs[0]).toMatchObject({ dtype: 'float32', shape: [4, 3] });
  });

  it('is deterministic: the same seed gives byte-identical inputs and references', async () => {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    await worker.convert({ id: 'mlp', caseDir: a, case: mlpCase(5) }, { timeoutMs: 60_000 });
    await worker.convert({ id: 'mlp', caseDir: b, case: mlpCase(5) }, { timeoutMs: 60_000 });
    for (const f of ['set0/in_0.bin', 'set0/ref_0.bin', 'set1/ref_0.bin']) {
      expect(await readFile(path.join(a, 'tensors', f))).toEqual(await readFile(path.join(b, 'tensors', f)));
    }
  });

  it('reports the failing stage with type, message and a trimmed traceback', async () => {
    const c = {
      ...mlpCase(),
      model: { factory: 'fault_models:Unexportable' },
      inputs: [{ name: 'x', dtype: 'float32', shape: [8] }],
      inputSets: [],
      export: { opset: 14 },
    };
    const out = await worker.convert(
      { id: 'fft', caseDir: path.join(dir, 'fft'), case: c },
      { timeoutMs: 60_000 },
    );
    if (out.kind !== 'result' || out.reply.ok) throw new Error(JSON.stringify(out));
    expect(out.reply.error.stage).toBe('export');
    expect(out.reply.error.type).toBe('torch.onnx.errors.UnsupportedOperatorError');
    expect(out.reply.error.message).toContain('fft_rfft');
    expect(out.reply.error.traceback!.length).toBeGreaterThan(0);
    expect(out.reply.error.traceback!.length).toBeLessThanOrEqual(12);
  });

  it('reports a bad factory as a build failure naming it', async () => {
    const c = { ...mlpCase(), model: { factory: 'fault_models:NoSuchModel' } };
    const out = await worker.convert(
      { id: 'nope', caseDir: path.join(dir, 'nope'), case: c },
      { timeoutMs: 60_000 },
    );
    if (out.kind !== 'result' || out.reply.ok) throw new Error(JSON.stringify(out));
    expect(out.reply.error).toMatchObject({ stage: 'build', type: 'AttributeError' });
    expect(out.reply.error.message).toContain('NoSuchModel');
  });

  const faultCase = (factory: string) => ({
    ...mlpCase(),
    model: { factory: `fault_models:${factory}` },
    inputs: [{ name: 'x', dtype: 'float32', shape: [3] }],
    inputSets: [],
  });

  it('ends a worker blocked without computing (a sleep) by the wall-time backstop, with its stage', async () => {
    const w = await PythonWorker.start({ python: PYTHON, corpusPaths });
    const out = await w.convert(
      { id: 'hang', caseDir: path.join(dir, 'hang'), case: faultCase('HangOnExport') },
      { timeoutMs: 1000, wallTimeoutMs: 4000 },
    );
    expect(out).toMatchObject({ kind: 'timeout', stage: 'export', limit: 'wall' });
    // The CPU-time limit never fired: the sleeping worker used less than it.
    if (out.kind === 'timeout') expect(out.cpuMs).toBeLessThan(1000);
    // Dead the moment the case is given up: the next case must never be handed to it.
    expect(w.alive).toBe(false);
    expect(() =>
      w.convert({ id: 'next', caseDir: path.join(dir, 'next'), case: mlpCase() }, { timeoutMs: 1000 }),
    ).toThrow();
  });

  it('ends a worker that computes forever by the CPU-time limit, before the wall-time backstop', async () => {
    const w = await PythonWorker.start({ python: PYTHON, corpusPaths });
    const out = await w.convert(
      { id: 'spin', caseDir: path.join(dir, 'spin'), case: faultCase('SpinOnExport') },
      { timeoutMs: 1500, wallTimeoutMs: 600_000 },
    );
    expect(out).toMatchObject({ kind: 'timeout', stage: 'export', limit: 'cpu' });
    if (out.kind === 'timeout') expect(out.cpuMs).toBeGreaterThanOrEqual(1500);
    expect(w.alive).toBe(false);
  });

  it('does not call a starved worker that is still computing a hang', async () => {
    const w = await PythonWorker.start({ python: PYTHON, corpusPaths });
    const pid = w.processId!;
    // Starve it: stopped three quarters of the time, as a worker on an overloaded machine is.
    const starve = setInterval(() => {
      process.kill(pid, 'SIGSTOP');
      setTimeout(() => process.kill(pid, 'SIGCONT'), 300);
    }, 400);
    const started = Date.now();
    try {
      // About 1 s of CPU time against a 3 s CPU limit; a wall-time limit of 3 s would fire.
      const out = await w.convert(
        { id: 'busy', caseDir: path.join(dir, 'busy'), case: faultCase('BusyOnExport') },
        { timeoutMs: 3000, wallTimeoutMs: 600_000 },
      );
      expect(out.kind).toBe('result');
      if (out.kind === 'result') expect(out.reply.ok).toBe(true);
      // The starvation really happened: the case took longer than its limit in wall time.
      expect(Date.now() - started).toBeGreaterThan(3000);
    } finally {
      clearInterval(starve);
      setTimeout(() => process.kill(pid, 'SIGCONT'), 350);
      await new Promise((r) => setTimeout(r, 400));
      await w.stop();
    }
  });

  it('reports a worker killed by a signal as crashed with its stage', async () => {
    const w = await PythonWorker.start({ python: PYTHON, corpusPaths });
    const c = {
      ...mlpCase(),
      model: { factory: 'fault_models:SegfaultOnExport' },
      inputs: [{ name: 'x', dtype: 'float32', shape: [3] }],
      inputSets: [],
    };
    const out = await w.convert(
      { id: 'sig', caseDir: path.join(dir, 'sig'), case: c },
      { timeoutMs: 60_000 },
    );
    expect(out).toMatchObject({ kind: 'crashed', stage: 'export', signal: 'SIGSEGV' });
  });

  it('fails to start with a clear error when the interpreter has no torch or does not exist', async () => {
    await expect(PythonWorker.start({ python: '/nonexistent/python3' })).rejects.toThrow(
      /cannot start Python interpreter \/nonexistent\/python3/,
    );
    // a Python without torch: hide the system site-packages through a bogus PYTHONHOME-free interpreter trick
    await expect(
      PythonWorker.start({
        python: PYTHON,
        env: { ...process.env, PYTHONPATH: path.join(FIXTURES, 'no-torch') },
      }),
    ).rejects.toBeInstanceOf(WorkerStartError);
  });
});
