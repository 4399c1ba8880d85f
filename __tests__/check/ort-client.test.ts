import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { OrtWorker } from '../../src/check/ort-client.js';
import { tempDir } from '../helpers.js';

describe('ONNX Runtime worker', () => {
  it('is dead the moment a check times out: never handed another case', async () => {
    const dir = await tempDir('ort-timeout');
    await mkdir(path.join(dir, 'tensors'));
    // Reading a FIFO nobody writes blocks forever: a check that hangs, deterministically.
    execFileSync('mkfifo', [path.join(dir, 'tensors', 'tensors.json')]);
    const worker = await OrtWorker.start();
    const r = await worker.check(
      {
        id: 'stuck',
        caseDir: dir,
        model: 'model.onnx',
        tensors: 'tensors/tensors.json',
        tolerance: { atol: 1e-3, rtol: 1e-3 },
      },
      { timeoutMs: 500 },
    );
    expect(r.kind).toBe('timeout');
    expect(worker.alive).toBe(false);
    expect(() =>
      worker.check(
        { id: 'next', caseDir: dir, model: 'm', tensors: 't', tolerance: { atol: 0, rtol: 0 } },
        { timeoutMs: 1000 },
      ),
    ).toThrow();
    await worker.stop();
  });
});
