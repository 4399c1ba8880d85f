/**
 * Loads a converted model in ONNX Runtime, runs every input set and compares the outputs with
 * the source framework's references. Runs inside the ORT worker process (ort-worker.ts) and, for
 * the benchmark's naive baseline, in-process.
 */
import { clipChars } from '../util/text.js';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { compareTensors } from './compare.js';
import { readManifest, readTensor, type TensorData } from './tensor.js';
import type { CheckReply, CheckRequest } from './ort-protocol.js';
import type { CaseError, OutputComparison } from '../results/schema.js';
import type { DType } from '../corpus/schema.js';
import { DTYPES } from '../corpus/schema.js';

const TIMED_RUNS_MAX = 5;
const TIMED_RUNS_BUDGET_MS = 250;

type StageListener = (stage: 'load' | 'run' | 'compare') => void;

/** How the check creates sessions; localization's probe uses the same (graph optimisations matter). */
export const CHECK_SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
};

export function toOrt(t: TensorData): ort.Tensor {
  return new ort.Tensor(t.dtype, t.data as never, t.shape);
}

export function fromOrt(t: ort.Tensor): TensorData {
  const dtype = t.type as DType;
  if (!(DTYPES as readonly string[]).includes(dtype))
    throw new TypeError(`unsupported output type ${t.type}`);
  return { dtype, shape: [...t.dims], data: t.data as TensorData['data'] };
}

export function errorOf(stage: CaseError['stage'], e: unknown): CaseError {
  const err = e instanceof Error ? e : new Error(String(e));
  return { stage, type: err.name || 'Error', message: clipChars(err.message, 4000) };
}

type Checked = Extract<CheckReply, { type: 'checked' }>;
type Manifest = Awaited<ReturnType<typeof readManifest>>;
type InputSet = Manifest['sets'][number];

/** Load (invalid-model), run every input set (runtime-crash), compare the outputs (wrong-output, ok). */
export async function checkModel(
  req: CheckRequest,
  onStage: StageListener = () => undefined,
): Promise<Checked> {
  const reply = (x: Omit<Checked, 'type' | 'id'>): Checked => ({ type: 'checked', id: req.id, ...x });
  const manifest = await readManifest(path.join(req.caseDir, req.tensors));
  const tensorDir = path.dirname(path.join(req.caseDir, req.tensors));

  onStage('load');
  let session: ort.InferenceSession;
  const t = performance.now();
  try {
    session = await ort.InferenceSession.create(path.join(req.caseDir, req.model), CHECK_SESSION_OPTIONS);
  } catch (e) {
    return reply({
      outcome: 'invalid-model',
      outputs: [],
      timingsMs: { load: null, run: null },
      error: errorOf('load', e),
    });
  }
  const load = performance.now() - t;
  try {
    return await runAndCompare({ req, session, manifest, tensorDir, load, onStage, reply });
  } finally {
    // On every path (a crash, a missing input, a throw), not only after a clean run: a runtime
    // worker checks hundreds of models and must not keep the sessions of the failing ones.
    await session.release().catch(() => undefined);
  }
}

interface SessionCheck {
  req: CheckRequest;
  session: ort.InferenceSession;
  manifest: Manifest;
  tensorDir: string;
  load: number;
  onStage: StageListener;
  reply: (x: Omit<Checked, 'type' | 'id'>) => Checked;
}

/** Runs every input set of a loaded model and compares its outputs (runtime-crash, wrong-output, ok). */
async function runAndCompare({
  req,
  session,
  manifest,
  tensorDir,
  load,
  onStage,
  reply,
}: SessionCheck): Promise<Checked> {
  onStage('run');
  const worst = new Map<number, OutputComparison>();
  let run: number | null = null;
  let runCpu: number | null = null;
  for (let s = 0; s < manifest.sets.length; s++) {
    const set = manifest.sets[s];
    const { feeds, missing } = await feedsOf(session, set, tensorDir);
    if (missing)
      return reply({ outcome: 'runtime-crash', outputs: [], timingsMs: { load, run }, error: missing });
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      const timed = await runSet(session, feeds, s === 0);
      results = timed.results;
      if (s === 0) ({ wallMs: run, cpuMs: runCpu } = timed);
    } catch (e) {
      return reply({
        outcome: 'runtime-crash',
        outputs: [],
        timingsMs: { load, run },
        error: errorOf('run', e),
      });
    }
    onStage('compare');
    const compared = await compareSet({
      names: session.outputNames,
      results,
      set,
      index: s,
      tensorDir,
      tolerance: req.tolerance,
    });
    compared.forEach((cmp, i) => {
      const prev = worst.get(i);
      if (!prev || rank(cmp) > rank(prev)) worst.set(i, cmp);
    });
  }
  const outputs = [...worst.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  return reply({
    outcome: outputs.every((o) => o.pass) ? 'ok' : 'wrong-output',
    outputs,
    timingsMs: { load, run },
    cpuMs: { run: runCpu },
  });
}

/** The feeds of one input set by the model's input names; a missing input is the case's error. */
async function feedsOf(
  session: ort.InferenceSession,
  set: InputSet,
  tensorDir: string,
): Promise<{ feeds: Record<string, ort.Tensor>; missing?: CaseError }> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    const entry = set.inputs.find((i) => i.name === name);
    if (!entry)
      return {
        feeds,
        missing: {
          stage: 'run',
          type: 'MissingInput',
          message: `the model expects input ${JSON.stringify(name)}, the case provides ${set.inputs.map((i) => i.name).join(', ')}`,
        },
      };
    feeds[name] = toOrt(await readTensor(tensorDir, entry));
  }
  return { feeds };
}

/** Runs one input set; the first set is timed (best of a few runs, wall and CPU time). */
async function runSet(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, timed: boolean) {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const results = await session.run(feeds);
  const first = { wallMs: performance.now() - t, cpuMs: cpuMsSince(cpu) };
  return { results, ...(timed ? await timedRuns(session, feeds, first) : { wallMs: null, cpuMs: null }) };
}

/**
 * Every output of one input set against its reference: matched by the names given at export, by
 * position when the converter renamed them; an extra or a missing output fails.
 */
async function compareSet({
  names,
  results,
  set,
  index: s,
  tensorDir,
  tolerance,
}: {
  names: readonly string[];
  results: ort.InferenceSession.OnnxValueMapType;
  set: InputSet;
  /** The input set's index. */
  index: number;
  tensorDir: string;
  tolerance: CheckRequest['tolerance'];
}): Promise<OutputComparison[]> {
  const compared: OutputComparison[] = [];
  const count = Math.max(names.length, set.outputs.length);
  for (let i = 0; i < count; i++) {
    const ref = set.outputs[i];
    const name = ref?.name ?? names[i];
    if (!ref || i >= names.length) {
      compared.push({
        name,
        set: s,
        maxAbsErr: null,
        maxRelErr: null,
        pass: false,
        reason: !ref
          ? `the ONNX model has an extra output ${JSON.stringify(names[i])}`
          : `the ONNX model has ${names.length} outputs, the reference ${set.outputs.length}`,
      });
      continue;
    }
    const actual = fromOrt(results[names.includes(ref.name) ? ref.name : names[i]] as ort.Tensor);
    const expected = await readTensor(tensorDir, ref);
    const c = compareTensors(actual, expected, tolerance);
    compared.push({ name, set: s, dtype: actual.dtype, shape: actual.shape, ...c });
  }
  return compared;
}

/**
 * Best of a few more runs (the gate's `slow` check needs a number that is not one noisy sample):
 * wall time, and the CPU time of this process, which a busy machine does not inflate.
 */
async function timedRuns(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
  first: { wallMs: number; cpuMs: number },
): Promise<{ wallMs: number; cpuMs: number }> {
  let { wallMs, cpuMs } = first;
  let spent = first.wallMs;
  for (let k = 1; k < TIMED_RUNS_MAX && spent < TIMED_RUNS_BUDGET_MS; k++) {
    const cpu = process.cpuUsage();
    const t = performance.now();
    await session.run(feeds);
    const d = performance.now() - t;
    spent += d;
    wallMs = Math.min(wallMs, d);
    cpuMs = Math.min(cpuMs, cpuMsSince(cpu));
  }
  return { wallMs, cpuMs };
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Orders comparisons by badness so the report shows the worst input set per output. */
function rank(c: OutputComparison): number {
  if (!c.pass && c.maxAbsErr === null) return Number.MAX_VALUE;
  return (c.pass ? 0 : 1e300) + (c.maxAbsErr ?? 0);
}
