import type { Tolerance } from '../corpus/schema.js';
import type { CaseError, OutputComparison } from '../results/schema.js';
import type { ProbeRequest } from '../localize/ort-probe.js';
import type { ProbeRun } from '../localize/probe-summary.js';

export type { ProbeRequest };

/** Parent → ONNX Runtime worker. Paths are relative to caseDir. */
export interface CheckRequest {
  type: 'check';
  id: string;
  caseDir: string;
  model: string;
  tensors: string;
  tolerance: Tolerance;
}

export type CheckOutcome = 'invalid-model' | 'runtime-crash' | 'wrong-output' | 'ok';

/** ONNX Runtime worker → parent. */
export type CheckReply =
  | { type: 'ready'; ort: string }
  | { type: 'stage'; id: string; stage: 'load' | 'run' | 'compare' }
  | {
      type: 'checked';
      id: string;
      outcome: CheckOutcome;
      outputs: OutputComparison[];
      timingsMs: { load: number | null; run: number | null };
      /** CPU time of the fastest timed session run (process.cpuUsage of the worker), ms. */
      cpuMs?: { run: number | null };
      error?: CaseError;
    }
  /** Localization: a probe model's exposed values compared with eager ones (src/localize/ort-probe.ts). */
  | { type: 'probed'; id: string; ok: true; run: ProbeRun }
  | { type: 'probed'; id: string; ok: false; error: string };
