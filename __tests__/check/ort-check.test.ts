/**
 * checkModel releases its ONNX Runtime session on every path: a runtime worker checks hundreds of
 * models in one process, and the failing ones must not keep theirs. Run in a plain Node process on
 * the build, as the runtime worker runs (under jest's VM, onnxruntime-node rejects the typed arrays
 * of another realm).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { identityModel } from '../onnx-bytes.js';
import { tempDir } from '../helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILD = (p: string) => pathToFileURL(path.join(ROOT, 'build', p)).href;

/** checkModel of one request in a child process, counting the sessions it released. */
function checkCounting(req: object): { outcome: string; error?: { type: string }; released: number } {
  const script = `
    import * as ort from 'onnxruntime-node';
    import { checkModel } from ${JSON.stringify(BUILD('check/ort-check.js'))};
    let released = 0;
    const release = ort.InferenceSession.prototype.release;
    ort.InferenceSession.prototype.release = function () { released++; return release.call(this); };
    const r = await checkModel(JSON.parse(process.argv[1]));
    console.log(JSON.stringify({ outcome: r.outcome, error: r.error, released }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(req)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`checkModel in a child process failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir('ort-check');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A case folder with the identity model and one input set: `x` (or another name) of `length` floats. */
async function caseDir(name: string, input: { name: string; length: number }) {
  const d = path.join(dir, name);
  await mkdir(path.join(d, 'tensors'), { recursive: true });
  await writeFile(path.join(d, 'model.onnx'), identityModel());
  const values = new Float32Array(Array.from({ length: input.length }, (_, i) => i + 1));
  await writeFile(path.join(d, 'tensors', 'x.bin'), Buffer.from(values.buffer));
  const t = (n: string) => ({ name: n, dtype: 'float32', shape: [input.length], file: 'x.bin' });
  await writeFile(
    path.join(d, 'tensors', 'tensors.json'),
    JSON.stringify({ sets: [{ inputs: [t(input.name)], outputs: [t('y')] }] }),
  );
  return d;
}

const request = (d: string) => ({
  id: path.basename(d),
  caseDir: d,
  model: 'model.onnx',
  tensors: 'tensors/tensors.json',
  tolerance: { atol: 1e-3, rtol: 1e-3 },
});

describe('checkModel', () => {
  it.each([
    ['ok', { name: 'x', length: 3 }, 'ok'],
    ['a missing input', { name: 'z', length: 3 }, 'runtime-crash'],
    ['an input of the wrong shape', { name: 'x', length: 2 }, 'runtime-crash'],
  ])('releases the session: %s', async (label, input, outcome) => {
    const d = await caseDir(label.replace(/\W+/g, '-'), input);
    const r = checkCounting(request(d));
    expect(r.outcome).toBe(outcome);
    if (outcome === 'ok') expect(r.error).toBeUndefined();
    else expect(r.error?.type).toMatch(/MissingInput|Error/);
    expect(r.released).toBe(1);
  });
});
