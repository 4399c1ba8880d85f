/**
 * repro.mjs (onnxruntime-node) on a crash bundle: the exporter raised after writing a model that
 * runs fine (torch.onnx writes the file, then its checker raises). It must say the export failed
 * and defer to repro.py — never print "ok".
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { identityModel } from '../onnx-bytes.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let dir: string;

function bundle(outcome: string, error?: object) {
  const d = mkdtempSync(path.join(dir, 'b-'));
  mkdirSync(path.join(d, 'tensors'));
  copyFileSync(
    path.join(ROOT, 'python', 'convgate_worker', 'localize', 'repro.mjs'),
    path.join(d, 'repro.mjs'),
  );
  writeFileSync(path.join(d, 'model.onnx'), identityModel());
  writeFileSync(path.join(d, 'tensors', 'x.bin'), Buffer.from(new Float32Array([1, 2, 3]).buffer));
  const t = (name: string) => ({ name, dtype: 'float32', shape: [3], file: 'x.bin' });
  writeFileSync(
    path.join(d, 'tensors', 'tensors.json'),
    JSON.stringify({ sets: [{ inputs: [t('x')], outputs: [t('y')] }] }),
  );
  writeFileSync(
    path.join(d, 'bundle.json'),
    JSON.stringify({
      id: 'c',
      tolerance: { atol: 1e-3, rtol: 1e-3 },
      convgateHome: ROOT,
      original: { outcome, ...(error ? { error } : {}) },
    }),
  );
  const r = spawnSync(process.execPath, ['repro.mjs'], { cwd: d, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'convgate-repro-mjs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('repro.mjs', () => {
  it('a conversion crash whose model was written before the exporter raised: says the export failed, not ok', () => {
    const r = bundle('conversion-crash', {
      stage: 'export',
      type: 'CheckerError',
      message: 'No Op registered for LayerNormalization with domain_version of 13',
    });
    expect(r.out).toContain('the export itself failed');
    expect(r.out).toContain('repro.py');
    expect(r.out).toMatch(/NOT REPRODUCED here: .*the export raised/);
    expect(r.out).not.toMatch(/^ok:/m);
    expect(r.code).toBe(2);
  });

  it('the same model of a case that was a wrong output is ok now (the check itself still works)', () => {
    const r = bundle('wrong-output');
    expect(r.out).toContain('ok: every output within tolerance');
    expect(r.code).toBe(0);
  });
});
