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

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// Minimal protobuf writer: enough for an ONNX model with one Identity node.
const varint = (n: number): number[] => {
  const out: number[] = [];
  do {
    out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n);
  return out;
};
const field = (no: number, value: number | string | number[]): number[] => {
  if (typeof value === 'number') return [...varint(no << 3), ...varint(value)];
  const bytes = typeof value === 'string' ? [...Buffer.from(value)] : value;
  return [...varint((no << 3) | 2), ...varint(bytes.length), ...bytes];
};
/** ValueInfoProto of a float32 tensor of shape [3]. */
const valueInfo = (name: string) => {
  const shape = field(1, field(1, 3));
  const tensor = [...field(1, 1), ...field(2, shape)];
  return [...field(1, name), ...field(2, field(1, tensor))];
};
function identityModel(): Buffer {
  const node = [...field(1, 'x'), ...field(2, 'y'), ...field(4, 'Identity')];
  const graph = [
    ...field(1, node),
    ...field(2, 'g'),
    ...field(11, valueInfo('x')),
    ...field(12, valueInfo('y')),
  ];
  return Buffer.from([...field(1, 7), ...field(7, graph), ...field(8, field(2, 13))]);
}

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
