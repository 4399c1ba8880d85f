import { z } from 'zod';
import { OUTCOMES } from './outcome.js';
import { CaseSurface, RunSurface } from '../surface/schema.js';
import { Localization } from '../localize/schema.js';

/**
 * 2: cases may carry `sourceOps` and `localization`. Version 1 documents (baselines cached before)
 * are read as well and come out as version 2 (nothing else differs).
 */
export const SCHEMA_VERSION = 2;
const SchemaVersion = z.union([z.literal(1), z.literal(SCHEMA_VERSION)]).transform(() => SCHEMA_VERSION);

const Stage = z.enum([
  'build',
  'reference',
  'export',
  'serialize',
  'validate',
  'load',
  'run',
  'compare',
  'worker',
]);
export type Stage = z.infer<typeof Stage>;

export const CaseError = z.object({
  stage: Stage,
  type: z.string(),
  message: z.string(),
  traceback: z.array(z.string()).optional(),
  /** The converter's own step for export failures (capture, decomposition, translation, symbolic, …). */
  step: z.string().optional(),
  /** The graph node the exporter was converting when it failed: aten op and module (TorchScript exporter). */
  node: z
    .object({ op: z.string(), module: z.string().optional(), moduleType: z.string().optional() })
    .optional(),
  /** Of a converter timeout: which limit fired, the CPU-time limit or the wall-time backstop. */
  limit: z.enum(['cpu', 'wall']).optional(),
  /** Building the source model needed a module that is not installed (the case is `unsupported`). */
  missingPackage: z.string().optional(),
});
export type CaseError = z.infer<typeof CaseError>;

export const OutputComparison = z.object({
  name: z.string(),
  /** Input set the worst error came from (0 = export shapes). */
  set: z.number().int().nonnegative().optional(),
  dtype: z.string().optional(),
  shape: z.array(z.number()).optional(),
  maxAbsErr: z.number().nullable(),
  maxRelErr: z.number().nullable(),
  /** Elements outside tolerance / total elements. */
  mismatched: z.number().int().nonnegative().optional(),
  total: z.number().int().nonnegative().optional(),
  pass: z.boolean(),
  /** Why the output failed when it is not a value difference (shape, dtype, NaN pattern, missing). */
  reason: z.string().optional(),
});
export type OutputComparison = z.infer<typeof OutputComparison>;

export const CaseSettings = z.object({
  seed: z.number().int(),
  opset: z.number().int().nullable(),
  dynamicAxes: z.record(z.string(), z.record(z.string(), z.string())).nullable(),
  constantFolding: z.boolean(),
  atol: z.number(),
  rtol: z.number(),
  timeoutS: z.number(),
  inputs: z.array(z.object({ name: z.string(), dtype: z.string(), shape: z.array(z.number()) })),
  inputSets: z.number().int().positive(),
});
export type CaseSettings = z.infer<typeof CaseSettings>;

export const CaseResult = z.object({
  id: z.string(),
  kind: z.enum(['real', 'synthetic']),
  family: z.string(),
  outcome: z.enum(OUTCOMES),
  settings: CaseSettings,
  outputs: z.array(OutputComparison),
  timingsMs: z.object({
    export: z.number().nullable(),
    load: z.number().nullable(),
    run: z.number().nullable(),
    build: z.number().nullable().optional(),
    reference: z.number().nullable().optional(),
  }),
  /**
   * CPU time, ms: of the converter process tree during export, and of the ONNX Runtime session's
   * fastest timed run. What the gate's slow check compares (wall time grows on a busy machine).
   */
  cpuMs: z
    .object({ export: z.number().nullable().optional(), run: z.number().nullable().optional() })
    .optional(),
  error: CaseError.optional(),
  /** ONNX op types of the exported graph (coverage). */
  opTypes: z.array(z.string()).optional(),
  /** Producer → consumer op-type edges of the exported graph (coverage). */
  opPairs: z.array(z.tuple([z.string(), z.string()])).optional(),
  warnings: z.array(z.string()).optional(),
  /** Opset of the written model, and the one the converter built at when it converted afterwards. */
  opset: z.number().int().nullable().optional(),
  opsetBuilt: z.number().int().nullable().optional(),
  /**
   * The export reused the baseline's torch.export capture of this case (same torch build, case and
   * worker: `convgate gate --reuse-captures`), so only decomposition onward ran.
   */
  captureReused: z.boolean().optional(),
  /** Why an `unsupported` case did not run: the requirements the build does not meet. */
  unmet: z.array(z.string()).optional(),
  /** Kinds of the source model's submodules: module classes, or a synthetic spec's operator kinds. */
  sourceOps: z.array(z.string()).optional(),
  /** Where the failure starts, its minimal reproducer and fingerprint (failing cases, when localized). */
  localization: Localization.optional(),
  /** Folder (relative to the results dir) holding the model and tensors, kept for failing cases. */
  artifacts: z.string().optional(),
  /** The spec of a synthetic case, so it re-runs alone. */
  spec: z.unknown().optional(),
  /** The converter's translation functions this export ran (docs/coverage.md). */
  surface: CaseSurface.optional(),
});
export type CaseResult = z.infer<typeof CaseResult>;

/** Coverage of one part of a run (src/report/coverage.ts): operator kinds and pairs, dtypes, ranks. */
export const CoverageSummary = z.object({
  opKinds: z.number().int().nonnegative(),
  totalKinds: z.number().int().nonnegative().nullable(),
  opPairs: z.number().int().nonnegative(),
  dtypes: z.array(z.string()),
  ranks: z.array(z.number().int()),
  cases: z.number().int().nonnegative(),
});
export type CoverageSummary = z.infer<typeof CoverageSummary>;

/** A run's coverage: the generator's specs, and the exported ONNX graphs of the real and synthetic parts. */
export const RunCoverage = z.object({
  synthetic: CoverageSummary.nullable(),
  realOnnx: CoverageSummary.nullable(),
  syntheticOnnx: CoverageSummary.nullable(),
});
export type RunCoverage = z.infer<typeof RunCoverage>;

/** The selection a run recorded: its filter, its shard (`i/n`), the generator's count and seed. */
export const SelectionSettings = z.object({
  filter: z.string().nullable(),
  /** `i/n` (1 ≤ i ≤ n): this run is shard i of n (src/gate/shard.ts). */
  shard: z
    .string()
    .regex(/^\d+\/\d+$/, 'expected i/n (e.g. 2/3)')
    .refine((s) => {
      const [i, n] = s.split('/').map(Number);
      return n >= 1 && i >= 1 && i <= n;
    }, 'expected 1 ≤ i ≤ n')
    .optional(),
  syntheticCount: z.number().int().nonnegative().optional(),
  syntheticSeed: z.number().int().optional(),
});
export type SelectionSettings = z.infer<typeof SelectionSettings>;

/** What a run was made with: typed once here, read typed everywhere (never re-parsed). */
export const RunSettings = SelectionSettings.extend({
  corpus: z.string(),
  atol: z.number(),
  rtol: z.number(),
  opset: z.number().int().nullable(),
  timeoutS: z.number(),
  jobs: z.number().int().positive(),
  /** The converter adapter (absent in results of older versions: the stack's default). */
  adapter: z.string().optional(),
  /** The external converter command (`--convert-cmd`), when the adapter is `command`. */
  convertCommand: z.string().optional(),
  recycleMb: z.number().nonnegative().optional(),
  workersRecycled: z.number().int().nonnegative().optional(),
}).passthrough();
export type RunSettings = z.infer<typeof RunSettings>;

const ResultsFields = z.object({
  schemaVersion: SchemaVersion,
  tool: z.object({ name: z.string(), version: z.string() }),
  converter: z.object({ name: z.string(), version: z.string() }).passthrough(),
  environment: z.record(z.string(), z.unknown()),
  settings: RunSettings,
  corpus: z.object({
    name: z.string(),
    hash: z.string(),
    /** Cases this run covered (after --filter / --shard). */
    cases: z.number().int().nonnegative(),
    /**
     * Ids of every case the corpus defines (before any selection): tells a case removed from the
     * corpus (legitimate) from a case the run lost (a failure) when results are compared.
     */
    ids: z.array(z.string()).optional(),
  }),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  complete: z.boolean(),
  /** Why the run stopped early (e.g. "SIGTERM"), when it was interrupted. */
  interrupted: z.string().optional(),
  /** Operator/dtype/rank coverage of the run (src/report/coverage.ts). */
  coverage: RunCoverage.optional(),
  /** The converter's registry: the denominator of surface coverage (docs/coverage.md). */
  surface: RunSurface.optional(),
  /** Localization of failing cases (`run --localize`): what it spent. */
  localization: z
    .object({ cases: z.number().int().nonnegative(), elapsedMs: z.number().nonnegative() })
    .passthrough()
    .optional(),
  cases: z.array(CaseResult),
});

/** Where a case id occurs more than once in a list of results: [id, first index, index], or null. */
export function duplicateCaseId(cases: readonly { id: string }[]): [string, number, number] | null {
  const first = new Map<string, number>();
  for (let k = 0; k < cases.length; k++) {
    const at = first.get(cases[k].id);
    if (at !== undefined) return [cases[k].id, at, k];
    first.set(cases[k].id, k);
  }
  return null;
}

/** One results document; case ids are unique (a case counted twice would skew every count). */
export const ResultsDoc = ResultsFields.superRefine((doc, ctx) => {
  const dup = duplicateCaseId(doc.cases);
  if (dup)
    ctx.addIssue({
      code: 'custom',
      path: ['cases', dup[2], 'id'],
      message: `case id ${JSON.stringify(dup[0])} appears more than once (cases ${dup[1]} and ${dup[2]})`,
    });
});
export type ResultsDoc = z.infer<typeof ResultsDoc>;
