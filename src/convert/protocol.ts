import { z } from 'zod';
import { SurfaceRecorder, WorkerSurface } from '../surface/schema.js';

/**
 * Replies of the Python worker (python/convgate_worker). The worker runs the PR's converter,
 * so everything it says is validated before use.
 */
const WorkerError = z.object({
  stage: z.enum(['build', 'reference', 'export', 'serialize', 'validate']),
  type: z.string(),
  message: z.string(),
  traceback: z.array(z.string()).optional(),
  /** Building the source model imported a top-level module that is not installed (e.g. torchvision). */
  missingPackage: z.string().max(100).optional(),
  /** The converter's own step (adapter.failure_step): capture, translation, symbolic, … */
  step: z.string().max(100).optional(),
  /** The graph node the exporter was converting when it failed (TorchScript exporter). */
  node: z
    .object({
      op: z.string().max(200),
      module: z.string().max(500).optional(),
      moduleType: z.string().max(200).optional(),
    })
    .optional(),
});

/** What the converter build is made of (python/convgate_worker/environment.py). */
export const WorkerEnvironment = z.object({
  /** Distribution name → version, null when not installed (`torchvision-ops`: compiled ops loaded). */
  packages: z.record(z.string(), z.string().nullable()),
  exporter: z.string().nullable().optional(),
  /** Documented workarounds the worker applied to make the stack import (docs/stacks.md). */
  workarounds: z.array(z.string()),
  /** How the worker was started: forked by the zygote (src/convert/zygote.ts); absent: spawned. */
  workerStart: z.literal('zygote').optional(),
  /** Absolute paths replaced by placeholders in recorded error text. */
  paths: z.object({
    sitePackages: z.array(z.string()),
    prefix: z.string(),
    basePrefix: z.string(),
    home: z.string(),
  }),
});
export type WorkerEnvironment = z.infer<typeof WorkerEnvironment>;

export const ReadyReply = z.object({
  type: z.literal('ready'),
  protocol: z.literal(1),
  pid: z.number().int(),
  python: z.object({ executable: z.string(), version: z.string() }),
  /** Versions of torch / onnx in the worker (null: not installed; the run may not need them). */
  torch: z.string().nullable().optional(),
  onnx: z.string().nullable().optional(),
  converter: z.object({ name: z.string(), version: z.string() }).passthrough(),
  opsets: z.tuple([z.number().int(), z.number().int()]),
  /** The run's source frontends (python/convgate_worker/frontends): name → {name, version, …}. */
  frontends: z
    .record(z.string(), z.object({ name: z.string(), version: z.string() }).passthrough())
    .optional(),
  environment: WorkerEnvironment.optional(),
  /** The converter's surface recorder (docs/coverage.md); null: not measured. */
  surface: SurfaceRecorder.nullable().optional(),
});
export type ReadyReply = z.infer<typeof ReadyReply>;

export const FatalReply = z.object({
  type: z.literal('fatal'),
  error: z.string(),
  python: z.string().optional(),
  /** Set when start-up failed because a needed package is not installed. */
  missing: z.object({ package: z.string(), neededBy: z.string(), install: z.string() }).optional(),
});

export const StageReply = z.object({ type: z.literal('stage'), id: z.string(), stage: z.string() });

const Timings = z.record(z.string(), z.number());

/** Kinds of the source model's submodules (module classes; operator kinds of synthetic specs). */
const SourceOps = z.array(z.string()).nullable().optional();

export const ConvertedReply = z.object({
  type: z.literal('result'),
  id: z.string(),
  ok: z.literal(true),
  model: z.string(),
  tensors: z.string(),
  opTypes: z.array(z.string()),
  opPairs: z.array(z.tuple([z.string(), z.string()])).optional(),
  sourceOps: SourceOps,
  opset: z.number().int().nullable(),
  /** The opset the converter built the graph at, when it converted to `opset` afterwards. */
  opsetBuilt: z.number().int().nullable().optional(),
  /** The export started from the baseline's saved torch.export capture (gate --reuse-captures). */
  captureReused: z.boolean().optional(),
  inputNames: z.array(z.string()),
  outputNames: z.array(z.string()),
  warnings: z.array(z.string()),
  timingsMs: Timings,
  /** CPU time of the worker process tree per stage (`export`), ms. */
  cpuMs: Timings.optional(),
  surface: WorkerSurface.optional(),
});
export type ConvertedReply = z.infer<typeof ConvertedReply>;

export const FailedReply = z.object({
  type: z.literal('result'),
  id: z.string(),
  ok: z.literal(false),
  error: WorkerError,
  timingsMs: Timings,
  surface: WorkerSurface.optional(),
  sourceOps: SourceOps,
  captureReused: z.boolean().optional(),
});
export type FailedReply = z.infer<typeof FailedReply>;

export const ResultReply = z.discriminatedUnion('ok', [ConvertedReply, FailedReply]);
export type ResultReply = z.infer<typeof ResultReply>;

/** Reply to a `probe` request (localization: src/localize/probe.ts). */
export const ProbedReply = z.object({
  type: z.literal('probed'),
  id: z.string(),
  ok: z.boolean(),
  /** probe.json, relative to the case folder. */
  summary: z.string().optional(),
  error: z
    .object({
      stage: z.string(),
      type: z.string(),
      message: z.string(),
      traceback: z.array(z.string()).optional(),
    })
    .optional(),
});
export type ProbedReply = z.infer<typeof ProbedReply>;

export const AnyReply = z.union([
  ReadyReply,
  FatalReply,
  StageReply,
  ResultReply,
  ProbedReply,
  z.object({ type: z.literal('protocol-error'), message: z.string() }),
]);
export type AnyReply = z.infer<typeof AnyReply>;

/** A case as the worker receives it: every default resolved (seed, opset, tolerance are explicit). */
export interface ConvertRequest {
  id: string;
  caseDir: string;
  case: Record<string, unknown>;
}
