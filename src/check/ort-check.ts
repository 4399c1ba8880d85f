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

export async function checkModel(
  req: CheckRequest,
  onStage: StageListener = () => undefined,
): Promise<Extract<CheckReply, { type: 'checked' }>> {
  const base = (
    x: Omit<Extract<CheckReply, { type: 'checked' }>, 'type' | 'id'>,
  ): Extract<CheckReply, { type: 'checked' }> => ({
    type: 'checked',
    id: req.id,
    ...x,
  });
  const manifest = await readManifest(path.join(req.caseDir, req.tensors));
  const tensorDir = path.dirname(path.join(req.caseDir, req.tensors));

  onStage('load');
  let session: ort.InferenceSession;
  let t = performance.now();
  try {
    session = await ort.InferenceSession.create(path.join(req.caseDir, req.model), CHECK_SESSION_OPTIONS);
  } catch (e) {
    return base({
      outcome: 'invalid-model',
      outputs: [],
      timingsMs: { load: null, run: null },
      error: errorOf('load', e),
    });
  }
  const load = performance.now() - t;

  onStage('run');
  const worst = new Map<number, OutputComparison>();
  let run: number | null = null;
  let runCpu: number | null = null;
  for (let s = 0; s < manifest.sets.length; s++) {
    const set = manifest.sets[s];
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of session.inputNames) {
      const entry = set.inputs.find((i) => i.name === name);
      if (!entry) {
        const error: CaseError = {
          stage: 'run',
          type: 'MissingInput',
          message: `the model expects input ${JSON.stringify(name)}, the case provides ${set.inputs.map((i) => i.name).join(', ')}`,
        };
        return base({ outcome: 'runtime-crash', outputs: [], timingsMs: { load, run }, error });
      }
      feeds[name] = toOrt(await readTensor(tensorDir, entry));
    }
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      const cpu = process.cpuUsage();
      t = performance.now();
      results = await session.run(feeds);
      const first = { wallMs: performance.now() - t, cpuMs: cpuMsSince(cpu) };
      if (s === 0) ({ wallMs: run, cpuMs: runCpu } = await timedRuns(session, feeds, first));
    } catch (e) {
      return base({
        outcome: 'runtime-crash',
        outputs: [],
        timingsMs: { load, run },
        error: errorOf('run', e),
      });
    }

    onStage('compare');
    const names = session.outputNames;
    const count = Math.max(names.length, set.outputs.length);
    for (let i = 0; i < count; i++) {
      const ref = set.outputs[i];
      const name = ref?.name ?? names[i];
      let cmp: OutputComparison;
      if (!ref || i >= names.length) {
        cmp = {
          name,
          set: s,
          maxAbsErr: null,
          maxRelErr: null,
          pass: false,
          reason: !ref
            ? `the ONNX model has an extra output ${JSON.stringify(names[i])}`
            : `the ONNX model has ${names.length} outputs, the reference ${set.outputs.length}`,
        };
      } else {
        // Outputs are matched by the names given at export; by position when the converter renamed them.
        const actual = fromOrt(results[names.includes(ref.name) ? ref.name : names[i]] as ort.Tensor);
        const expected = await readTensor(tensorDir, ref);
        const c = compareTensors(actual, expected, req.tolerance);
        cmp = { name, set: s, dtype: actual.dtype, shape: actual.shape, ...c };
      }
      const prev = worst.get(i);
      if (!prev || rank(cmp) > rank(prev)) worst.set(i, cmp);
    }
  }
  const outputs = [...worst.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  await session.release();
  return base({
    outcome: outputs.every((o) => o.pass) ? 'ok' : 'wrong-output',
    outputs,
    timingsMs: { load, run },
    cpuMs: { run: runCpu },
  });
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
