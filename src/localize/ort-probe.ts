/**
 * Runs a probe model (the converted model with module-boundary values as extra outputs) in ONNX
 * Runtime with the check's session options, and compares every exposed value with the eager
 * output of its module call. Runs inside the ONNX Runtime worker process (ort-worker.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { compareTensors, type TensorComparison } from '../check/compare.js';
import { CHECK_SESSION_OPTIONS, fromOrt, toOrt } from '../check/ort-check.js';
import { elementCount, numberAt, readManifest, readTensor, type TensorData } from '../check/tensor.js';
import type { Tolerance } from '../corpus/schema.js';
import { ProbeSummary, type ProbeRun, type ValueComparison } from './probe-summary.js';
import { DEFAULT_LOCATE_OPTIONS } from './locate.js';

export interface ProbeRequest {
  type: 'probe';
  id: string;
  caseDir: string;
  /** probe.json, relative to caseDir. */
  summary: string;
  /** The case's tensors.json, relative to caseDir. */
  tensors: string;
  tolerance: Tolerance;
}

/** Largest finite magnitude of a tensor (0 for an empty one). */
export function magnitude(t: TensorData): number {
  let m = 0;
  const n = elementCount(t.shape);
  for (let i = 0; i < n; i++) {
    const v = Math.abs(numberAt(t, i));
    if (Number.isFinite(v) && v > m) m = v;
  }
  return m;
}

/** Relative error of a comparison: max abs error over the reference's magnitude; Infinity when incomparable. */
export function relativeError(c: TensorComparison, expected: TensorData): number {
  if (c.reason || c.maxAbsErr === null) return Infinity;
  if (c.maxAbsErr === 0) return 0;
  return c.maxAbsErr / Math.max(magnitude(expected), 1e-12);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Matches the exposed values of one module call with its eager outputs: each value with the
 * same-shaped output it agrees with best (a dtype change still counts as that output); when one
 * value and one output are left without a partner, they are compared anyway (a shape change).
 * `sameSize` (values entering a call, compared with its tensor arguments): that last comparison
 * only when both hold as many elements (a wrong layout). A value can enter a call without being
 * one of its arguments (a keyword argument, a parameter read through an Identity, a node the
 * exporter placed in the wrong call); those must not count as a shape change.
 */
export function matchCall(
  values: { name: string; tensor: TensorData }[],
  outputs: TensorData[],
  tol: Tolerance,
  options: { sameSize?: boolean } = {},
): Omit<ValueComparison, 'call'>[] {
  const out: Omit<ValueComparison, 'call'>[] = [];
  const used = new Set<number>();
  const unmatched: { name: string; tensor: TensorData }[] = [];
  for (const v of values) {
    let best: Omit<ValueComparison, 'call'> | null = null;
    outputs.forEach((o, k) => {
      if (!sameShape(v.tensor.shape, o.shape)) return;
      const c = compareTensors(v.tensor, o, tol);
      const cand = {
        value: v.name,
        output: k,
        pass: c.pass,
        maxAbsErr: c.maxAbsErr,
        relErr: relativeError(c, o),
        ...(c.reason ? { reason: c.reason } : {}),
      };
      const dtypeBonus = (x: { output: number }) => (outputs[x.output].dtype === v.tensor.dtype ? 0 : 1);
      if (
        !best ||
        dtypeBonus(cand) < dtypeBonus(best) ||
        (dtypeBonus(cand) === dtypeBonus(best) && cand.relErr < best.relErr)
      )
        best = cand;
    });
    if (best) {
      out.push(best);
      used.add((best as { output: number }).output);
    } else unmatched.push(v);
  }
  const free = outputs.map((_, k) => k).filter((k) => !used.has(k));
  const size = (t: TensorData) => elementCount(t.shape);
  if (
    unmatched.length === 1 &&
    free.length === 1 &&
    (!options.sameSize || size(unmatched[0].tensor) === size(outputs[free[0]]))
  ) {
    const [v] = unmatched;
    const c = compareTensors(v.tensor, outputs[free[0]], tol);
    out.push({
      value: v.name,
      output: free[0],
      pass: false,
      maxAbsErr: c.maxAbsErr,
      relErr: Infinity,
      reason: c.reason,
    });
  } else {
    for (const v of unmatched)
      out.push({ value: v.name, output: -1, pass: true, maxAbsErr: null, relErr: NaN });
  }
  return out;
}

/** Refinement: each exposed region value against every same-shaped eager function output. */
async function matchFunctions(
  summary: ProbeSummary,
  got: (name: string) => TensorData | null,
  probeDir: string,
  missing: string[],
): Promise<NonNullable<ProbeRun['functions']>> {
  const eager = await Promise.all(
    (summary.functions ?? []).map(async (f) => ({
      index: f.index,
      tensors: await Promise.all(f.outputs.map((o) => readTensor(probeDir, o))),
    })),
  );
  const out: NonNullable<ProbeRun['functions']> = [];
  for (const value of summary.region ?? []) {
    const actual = got(value);
    if (!actual) {
      missing.push(value);
      continue;
    }
    let best = { fn: -1, relErr: Infinity };
    for (const f of eager)
      for (const e of f.tensors) {
        if (!sameShape(actual.shape, e.shape)) continue;
        const r = relativeError(compareTensors(actual, e, { atol: 0, rtol: 0 }), e);
        if (r < best.relErr) best = { fn: f.index, relErr: r };
      }
    out.push({ value, ...best, shape: actual.shape });
  }
  return out;
}

export async function probeModel(req: ProbeRequest): Promise<ProbeRun> {
  const summaryFile = path.resolve(req.caseDir, req.summary);
  const probeDir = path.dirname(summaryFile);
  const summary = ProbeSummary.parse(JSON.parse(await readFile(summaryFile, 'utf8')));
  if (!summary.probeModel || !summary.graph)
    throw new Error('the probe has no model to run (no converted graph)');
  const manifest = await readManifest(path.join(req.caseDir, req.tensors));
  const tensorDir = path.dirname(path.join(req.caseDir, req.tensors));
  const set = manifest.sets[Math.min(summary.set, manifest.sets.length - 1)];

  let t = performance.now();
  const session = await ort.InferenceSession.create(
    path.join(probeDir, summary.probeModel),
    CHECK_SESSION_OPTIONS,
  );
  const load = performance.now() - t;
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of session.inputNames) {
      const entry = set.inputs.find((i) => i.name === name);
      if (!entry) throw new Error(`the probe model expects input ${JSON.stringify(name)}, the case has none`);
      feeds[name] = toOrt(await readTensor(tensorDir, entry));
    }
    t = performance.now();
    const results = await session.run(feeds);
    const run = performance.now() - t;
    t = performance.now();
    const got = (name: string) => (results[name] ? fromOrt(results[name] as ort.Tensor) : null);

    const outputs = await compareOutputs(summary, set, got, tensorDir, req.tolerance);
    const missing: string[] = [];
    const values = await compareCalls(summary, got, probeDir, req.tolerance, missing);
    const functions = summary.functions ? await matchFunctions(summary, got, probeDir, missing) : undefined;
    return {
      outputs,
      values,
      ...(functions ? { functions } : {}),
      missing,
      timingsMs: { load, run, compare: performance.now() - t },
    };
  } finally {
    await session.release();
  }
}

type Got = (name: string) => ReturnType<typeof fromOrt> | null;

/** The model's outputs against the case's expected tensors (none for a probe truncated at a crash). */
async function compareOutputs(
  summary: ProbeSummary,
  set: Awaited<ReturnType<typeof readManifest>>['sets'][number],
  got: Got,
  tensorDir: string,
  tolerance: ProbeRequest['tolerance'],
): Promise<ProbeRun['outputs']> {
  const outputs: ProbeRun['outputs'] = [];
  // A truncated probe (crash at summary.target) has none of the model's outputs.
  for (const [i, ref] of (summary.target ? [] : set.outputs).entries()) {
    const name = summary.graph!.outputs[i] ?? ref.name;
    const actual = got(name);
    const expected = await readTensor(tensorDir, ref);
    if (!actual) {
      outputs.push({ name, pass: false, maxAbsErr: null, relErr: Infinity, reason: 'missing' });
      continue;
    }
    const c = compareTensors(actual, expected, tolerance);
    outputs.push({
      name,
      pass: c.pass,
      maxAbsErr: c.maxAbsErr,
      relErr: relativeError(c, expected),
      ...(c.reason ? { reason: c.reason } : {}),
    });
  }
  return outputs;
}

/**
 * Each module call's graph values against its eager outputs (or, when they disagree, those of a
 * call folded into it); values the probe model did not return are added to `missing`.
 */
async function compareCalls(
  summary: ProbeSummary,
  got: Got,
  probeDir: string,
  tolerance: ProbeRequest['tolerance'],
  missing: string[],
): Promise<ValueComparison[]> {
  const values: ValueComparison[] = [];
  for (const [index, call] of (summary.calls ?? []).entries()) {
    const present = call.values.flatMap((name) => {
      const tensor = got(name);
      if (!tensor) missing.push(name);
      return tensor ? [{ name, tensor }] : [];
    });
    if (!present.length) continue;
    const eager = await Promise.all(call.outputs.map((o) => readTensor(probeDir, o)));
    const matched = matchCall(present, eager, tolerance, { sameSize: call.side === 'input' });
    for (const alt of call.alternates ?? []) {
      if (matched.every((m) => !(m.relErr > DEFAULT_LOCATE_OPTIONS.floor))) break;
      const other = await Promise.all(alt.outputs.map((o) => readTensor(probeDir, o)));
      const again = matchCall(present, other, tolerance);
      matched.forEach((m, k) => {
        const a = again.find((x) => x.value === m.value);
        if (a && a.output >= 0 && m.relErr > DEFAULT_LOCATE_OPTIONS.floor && a.relErr < m.relErr)
          matched[k] = { ...a, folded: `${alt.path} (${alt.type})` };
      });
    }
    for (const m of matched) values.push({ ...m, call: index });
  }
  return values;
}
