import type { ConvertOutcome } from '../convert/python-worker.js';
import type { CheckResult } from '../check/ort-client.js';
import type { Outcome } from '../results/outcome.js';
import type { CaseError, OutputComparison, Stage } from '../results/schema.js';

/** What the conversion side decided, before (or instead of) a runtime check. */
export type ConversionVerdict =
  | { done: false; timingsMs: Record<string, number> }
  | { done: true; outcome: Outcome; error: CaseError; timingsMs: Record<string, number>; unmet?: string[] };

const SOURCE_STAGES = new Set(['queued', 'build', 'reference']);
const STDERR_LINES = 12;

function lastLines(text: string, n = STDERR_LINES): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-n).join('\n');
}

function asStage(stage: string): Stage {
  const known: Stage[] = ['build', 'reference', 'export', 'serialize', 'validate', 'load', 'run', 'compare'];
  return (known as string[]).includes(stage) ? (stage as Stage) : 'worker';
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Which limit fired, with the CPU and wall time the worker had used (the limit is CPU time). */
function timeoutMessage(o: Extract<ConvertOutcome, { kind: 'timeout' }>, timeoutS: number): string {
  const cpu = o.cpuMs === undefined ? 'CPU time not measurable' : `${seconds(o.cpuMs)} of CPU time`;
  const what =
    o.limit === 'cpu'
      ? `no result after ${timeoutS}s of CPU time (the time limit; ${seconds(o.elapsedMs)} wall)`
      : `no result after ${seconds(o.elapsedMs)} of wall time, the backstop of the ${timeoutS}s CPU-time limit (${cpu} used: blocked, not computing)`;
  return `${what} during ${o.stage}; worker killed`;
}

/**
 * Maps how the Python worker ended a case to an outcome. Failures while building the source
 * model or computing its reference are corpus problems (`reference-error`), never the converter's.
 */
export function classifyConversion(o: ConvertOutcome, timeoutS: number): ConversionVerdict {
  if (o.kind === 'result') {
    const r = o.reply;
    if (r.ok) return { done: false, timingsMs: r.timingsMs };
    if (r.error.missingPackage && SOURCE_STAGES.has(r.error.stage)) {
      // The stack lacks a package the model is built with: not a corpus error, a case this
      // converter build cannot run (like an unmet `requires`).
      const unmet = [`${r.error.missingPackage}: not installed (building the model imports it)`];
      return { done: true, outcome: 'unsupported', error: r.error, timingsMs: r.timingsMs, unmet };
    }
    const outcome: Outcome = SOURCE_STAGES.has(r.error.stage)
      ? 'reference-error'
      : r.error.stage === 'export'
        ? 'conversion-crash'
        : 'invalid-model'; // serialize (unreadable protobuf) or validate (checker)
    return { done: true, outcome, error: r.error, timingsMs: r.timingsMs };
  }
  const source = SOURCE_STAGES.has(o.stage);
  const stage = asStage(o.stage === 'queued' ? 'build' : o.stage);
  if (o.kind === 'timeout') {
    return {
      done: true,
      outcome: source ? 'reference-error' : 'hang',
      error: { stage, type: 'Timeout', limit: o.limit, message: timeoutMessage(o, timeoutS) },
      timingsMs: {},
    };
  }
  if (o.kind === 'memory') {
    return {
      done: true,
      outcome: source ? 'reference-error' : 'conversion-crash',
      error: {
        stage,
        type: 'MemoryLimitExceeded',
        message: `worker used ${o.rssMb} MiB during ${o.stage}; killed`,
      },
      timingsMs: {},
    };
  }
  if (o.kind === 'protocol') {
    return {
      done: true,
      outcome: source ? 'reference-error' : 'conversion-crash',
      error: { stage, type: 'ProtocolViolation', message: `${o.message} (during ${o.stage})` },
      timingsMs: {},
    };
  }
  if (o.kind === 'killed') {
    // The run was interrupted while the case was converting: callers do not record it.
    return {
      done: true,
      outcome: source ? 'reference-error' : 'conversion-crash',
      error: { stage, type: 'Interrupted', message: `the run was interrupted during ${o.stage}` },
      timingsMs: {},
    };
  }
  const how = o.signal ? `signal ${o.signal}` : `exit code ${o.exitCode}`;
  return {
    done: true,
    outcome: source ? 'reference-error' : 'conversion-crash',
    error: {
      stage,
      type: 'WorkerCrash',
      message:
        `the converter process died (${how}) during ${o.stage}` +
        (o.stderr.trim() ? `:\n${lastLines(o.stderr)}` : ''),
    },
    timingsMs: {},
  };
}

export interface CheckVerdict {
  outcome: Outcome;
  outputs: OutputComparison[];
  timingsMs: { load: number | null; run: number | null };
  /** CPU time of the session's fastest run, when it ran. */
  cpuMs?: { run: number | null };
  error?: CaseError;
}

/** Maps how the ONNX Runtime worker ended a case to an outcome. */
export function classifyCheck(r: CheckResult, timeoutS: number): CheckVerdict {
  if (r.kind === 'checked') {
    const { outcome, outputs, timingsMs, error, cpuMs } = r.reply;
    const failing = outputs.find((o) => !o.pass);
    const mismatch: CaseError | undefined =
      outcome === 'wrong-output' && failing
        ? {
            stage: 'compare',
            type: 'OutputMismatch',
            message: failing.reason
              ? `${failing.name}: ${failing.reason}`
              : `${failing.name}: max abs error ${failing.maxAbsErr}, ${failing.mismatched}/${failing.total} elements outside tolerance`,
          }
        : undefined;
    return {
      outcome,
      outputs,
      timingsMs,
      ...(cpuMs ? { cpuMs } : {}),
      ...(error ? { error } : mismatch ? { error: mismatch } : {}),
    };
  }
  const stage = asStage(r.stage);
  if (r.kind === 'timeout') {
    return {
      outcome: 'hang',
      outputs: [],
      timingsMs: { load: null, run: null },
      error: {
        stage,
        type: 'Timeout',
        message: `ONNX Runtime gave no result after ${timeoutS}s during ${r.stage}; worker killed`,
      },
    };
  }
  if (r.kind === 'killed') {
    return {
      outcome: 'runtime-crash',
      outputs: [],
      timingsMs: { load: null, run: null },
      error: { stage, type: 'Interrupted', message: `the run was interrupted during ${r.stage}` },
    };
  }
  const how = r.signal ? `signal ${r.signal}` : `exit code ${r.exitCode}`;
  return {
    outcome: r.stage === 'load' ? 'invalid-model' : 'runtime-crash',
    outputs: [],
    timingsMs: { load: null, run: null },
    error: {
      stage,
      type: 'RuntimeCrash',
      message:
        `ONNX Runtime died (${how}) during ${r.stage}` + (r.stderr.trim() ? `:\n${lastLines(r.stderr)}` : ''),
    },
  };
}
