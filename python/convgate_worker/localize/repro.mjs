#!/usr/bin/env node
// convgate reproducer for ONNX Runtime (onnxruntime-node): runs the bundled model.onnx on the
// bundled inputs with the options convgate's check uses and prints every output that differs
// from PyTorch's, or the error ONNX Runtime raises. Copied into each `cases/<id>/repro/`.
//
//     node repro.mjs
//
// Exit status: 0 every output within tolerance, 1 the failure reproduced, 2 cannot run (or
// cannot reproduce here: the export raised, and only repro.py re-runs an export).
// onnxruntime-node is found next to the bundle, else in CONVGATE_HOME (a convgate checkout).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const readJson = (file) => JSON.parse(readFileSync(path.join(here, file), 'utf8'));

function loadOrt(home) {
  const places = [
    import.meta.url,
    ...[process.env.CONVGATE_HOME, home].filter(Boolean).map((h) => path.join(h, 'package.json')),
  ];
  for (const from of places) {
    try {
      return createRequire(from)('onnxruntime-node');
    } catch {
      // next place
    }
  }
  throw new Error('onnxruntime-node not found: run from a convgate checkout or set CONVGATE_HOME');
}

const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
};

function readTensor(entry) {
  const bytes = readFileSync(path.join(here, 'tensors', entry.file));
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return { dtype: entry.dtype, dims: entry.shape, data: new ARRAYS[entry.dtype](buffer) };
}

function half(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const f = bits & 0x3ff;
  if (e === 0) return sign * 2 ** -14 * (f / 1024);
  if (e === 0x1f) return f ? NaN : sign * Infinity;
  return sign * 2 ** (e - 15) * (1 + f / 1024);
}

/** Element i as a number (data and dtype given apart: an ort.Tensor's data is a getter). */
const at = (data, dtype, i) => (dtype === 'float16' ? half(data[i]) : Number(data[i]));

/** null when equal within |a-b| <= atol + rtol*|b| (NaN only matches NaN), else one line. */
export function compare(name, expected, actual, tol) {
  const shape = (d) => `[${[...d].join(', ')}]`;
  if (shape(expected.dims) !== shape(actual.dims))
    return `${name}: shape ${shape(actual.dims)}, expected ${shape(expected.dims)}`;
  const actualType = actual.type ?? actual.dtype;
  if (actualType !== expected.dtype) return `${name}: dtype ${actualType}, expected ${expected.dtype}`;
  let bad = 0;
  let worst = -1;
  let worstAt = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const a = at(actual.data, actualType, i);
    const b = at(expected.data, expected.dtype, i);
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    const d = Math.abs(a - b);
    if (!(d <= tol.atol + tol.rtol * Math.abs(b))) {
      bad++;
      if (!(d <= worst)) {
        worst = d;
        worstAt = i;
      }
    }
  }
  if (!bad) return null;
  return `${name}: max abs error ${worst.toPrecision(4)} at flat index ${worstAt} (got ${at(actual.data, actualType, worstAt)}, expected ${at(expected.data, expected.dtype, worstAt)}), ${bad}/${expected.data.length} elements outside |a-b| <= ${tol.atol} + ${tol.rtol}*|b|`;
}

async function main() {
  let bundle;
  let manifest;
  try {
    bundle = readJson('bundle.json');
    manifest = readJson(path.join('tensors', 'tensors.json'));
  } catch (e) {
    console.log(`not a convgate reproducer bundle: ${e.message}`);
    return 2;
  }
  const o = bundle.original ?? {};
  const d = bundle.divergingNode;
  console.log(
    `convgate case ${bundle.id} was ${o.outcome}` +
      (o.error
        ? `: ${o.error.stage}: ${o.error.type}: ${o.error.message.split('\n')[0].slice(0, 300)}`
        : '') +
      (d
        ? `\ndiverging node: ${d.node ?? d.step ?? '?'} (${d.op}${d.function ? `, in ${d.function}()` : ''})${d.module ? ` in module ${d.module}` : ''}`
        : ''),
  );
  // The converter raised: ONNX Runtime cannot re-run an export. A model it wrote before raising
  // (torch.onnx writes the file, then its checker raises) is still run, but its passing is not "ok".
  const exportFailed = o.outcome === 'conversion-crash';
  if (exportFailed)
    console.log(
      'the export itself failed: ONNX Runtime cannot reproduce that; repro.py re-runs the export and shows its error',
    );
  if (!existsSync(path.join(here, 'model.onnx'))) {
    console.log(
      'the converter wrote no model.onnx: nothing to run in ONNX Runtime (see repro.py for the export error)',
    );
    return 2;
  }
  if (exportFailed) console.log('running the model.onnx the converter wrote before it raised:');
  const ort = loadOrt(bundle.convgateHome);
  let session;
  try {
    session = await ort.InferenceSession.create(path.join(here, 'model.onnx'), {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
    });
  } catch (e) {
    console.log(`REPRODUCED: ONNX Runtime refused to load the model: ${String(e.message).split('\n')[0]}`);
    return 1;
  }
  const problems = [];
  try {
    for (const [k, set] of manifest.sets.entries()) {
      const feeds = {};
      for (const name of session.inputNames) {
        const entry = set.inputs.find((i) => i.name === name);
        const t = readTensor(entry);
        feeds[name] = new ort.Tensor(t.dtype, t.data, t.dims);
      }
      const results = await session.run(feeds);
      set.outputs.forEach((ref, i) => {
        const got = results[ref.name] ?? results[session.outputNames[i]];
        const p = got ? compare(ref.name, readTensor(ref), got, bundle.tolerance) : `${ref.name}: missing`;
        if (p) problems.push(`input set ${k}: ${p}`);
      });
    }
  } catch (e) {
    console.log(`REPRODUCED: ONNX Runtime failed to run the model: ${String(e.message).split('\n')[0]}`);
    return 1;
  }
  for (const p of problems) console.log(p);
  if (problems.length) {
    console.log(`REPRODUCED: wrong output (${problems.length} problem(s))`);
    return 1;
  }
  if (exportFailed) {
    console.log(
      'NOT REPRODUCED here: the written model loads and every output is within tolerance, but the export raised (run repro.py)',
    );
    return 2;
  }
  console.log('ok: every output within tolerance');
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.log(`cannot run: ${e.message}`);
      process.exit(2);
    },
  );
}
