import type { CaseDef, Tolerance } from '../corpus/schema.js';
import type { CaseSettings } from '../results/schema.js';

/** Options of one run, parsed once at the edge (CLI / Action) and passed down typed. */
export interface RunOptions {
  out: string;
  jobs: number;
  python: string;
  /** The named stack the interpreter belongs to (null/undefined: a --python build). */
  stack?: string | null;
  adapter: string;
  /** Environment of the converter build (PYTHONPATH…); default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Seconds per case for conversion, and again for the ONNX Runtime check. */
  timeoutS: number;
  /** torch intra-op threads per converter worker (default 1: parallelism comes from --jobs). */
  threads?: number;
  /** Per worker process, MiB. */
  memoryLimitMb: number;
  /** Replace a converter worker whose memory grew past this after a case (MiB; 0: never). */
  recycleMb?: number;
  /** null: the case's own opset, else the converter's default. */
  opset: number | null;
  /** Opset torch cases are exported at for a converter that takes ONNX models (default 11). */
  sourceOpset?: number;
  /** The command line of the `command` converter (--convert-cmd), with {source} {onnx} {opset}… */
  convertCommand?: string;
  tolerance: Tolerance;
  /** Keep model and tensors of passing cases too (default: failing cases only). */
  keepAll: boolean;
  /** Skip cases already in <out>/results.jsonl (refused when they were made with other settings). */
  resume: boolean;
  /**
   * Interrupts the run (SIGINT/SIGTERM in the shells): every worker is killed, results.json is
   * written with `complete: false` and runCases rejects with RunInterrupted.
   */
  signal?: AbortSignal;
  /** Record which of the converter's translation functions ran (default true; docs/coverage.md). */
  surface?: boolean;
  /**
   * Fork converter workers from one prepared process where that applies (torch frontends and
   * converters; src/convert/zygote.ts). Default: true unless CONVGATE_ZYGOTE=0.
   */
  zygote?: boolean;
}

export interface ResolvedCase {
  def: CaseDef;
  settings: CaseSettings;
  /** The request body for the Python worker: every default made explicit. */
  workerCase: Record<string, unknown>;
}

/** Makes every setting of a case explicit, so results say exactly what ran. */
export function resolveCase(
  def: CaseDef,
  run: RunOptions,
  converterDefaultOpset: number | null,
): ResolvedCase {
  const opset = def.export?.opset ?? run.opset ?? converterDefaultOpset;
  const settings: CaseSettings = {
    seed: def.seed ?? 0,
    opset,
    dynamicAxes: def.export?.dynamicAxes ?? null,
    constantFolding: def.export?.constantFolding ?? true,
    atol: def.tolerance?.atol ?? run.tolerance.atol,
    rtol: def.tolerance?.rtol ?? run.tolerance.rtol,
    timeoutS: def.timeoutS ?? run.timeoutS,
    inputs: def.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape })),
    inputSets: 1 + (def.inputSets?.length ?? 0),
  };
  const workerCase = {
    ...def,
    seed: settings.seed,
    tolerance: { atol: settings.atol, rtol: settings.rtol },
    export: {
      ...def.export,
      opset: settings.opset,
      dynamicAxes: settings.dynamicAxes,
      constantFolding: settings.constantFolding,
    },
  };
  return { def, settings, workerCase };
}
