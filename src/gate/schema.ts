import { z } from 'zod';
import { OUTCOMES } from '../results/outcome.js';
import { GateSurface } from '../surface/schema.js';
import {
  DivergingNode,
  Finding,
  Fingerprint,
  Minimal,
  Submodule,
  SuspiciousRow,
} from '../localize/schema.js';

/**
 * 2: regressions may carry localization (divergingNode, minimal, submodule, fingerprint, repro)
 * and the report `suspicious` operators and `findings`. Version 1 reports (older gate artifacts)
 * are read as well and come out as version 2: nothing else differs.
 */
export const GATE_SCHEMA_VERSION = 2;
const GateSchemaVersion = z
  .union([z.literal(1), z.literal(GATE_SCHEMA_VERSION)])
  .transform(() => GATE_SCHEMA_VERSION);

const Outcome = z.enum(OUTCOMES);

/** One case in a diff: what it was on the baseline and what it is on the candidate. */
export const CaseChange = z.object({
  id: z.string(),
  kind: z.enum(['real', 'synthetic']),
  family: z.string(),
  before: Outcome.nullable(),
  after: Outcome.nullable(),
  /** Largest output error before/after (wrong-output and ok cases). */
  maxAbsErrBefore: z.number().nullable().optional(),
  maxAbsErrAfter: z.number().nullable().optional(),
  /** The output that got worse, when one did. */
  output: z.string().optional(),
  /** The candidate's error (stage, type, first line of the message). */
  error: z.object({ stage: z.string(), type: z.string(), message: z.string() }).optional(),
  /** ONNX op type(s) implicated: the op named in the error, else ops new to the exported graph. */
  operators: z.array(z.string()).optional(),
  /** Why this change is classified as it is (e.g. "ok → wrong-output"). */
  note: z.string().optional(),
  /** Confirmation re-runs on the candidate: outcomes observed. */
  reruns: z.array(Outcome).optional(),
  /** Folder with the candidate's model, tensors and reproducer, relative to the candidate results dir. */
  artifacts: z.string().optional(),
  /** Standalone reproducer script (artifacts/reproduce.py), relative to the candidate results dir. */
  reproducer: z.string().optional(),
  /** Localization (v2): where the failure starts … */
  divergingNode: DivergingNode.optional(),
  /** … the minimised synthetic reproducer (operator kinds before → after) … */
  minimal: Minimal.optional(),
  /** … the smallest submodule that alone reproduces it … */
  submodule: Submodule.optional(),
  /** … the normalised failure … */
  fingerprint: Fingerprint.optional(),
  /** … and the reproducer bundle (repro.py, repro.mjs), relative to the candidate results dir. */
  repro: z.string().optional(),
});
export type CaseChange = z.infer<typeof CaseChange>;

export const SlowChange = z.object({
  id: z.string(),
  family: z.string(),
  metric: z.enum(['run', 'export']),
  /** The time compared: CPU time (robust on busy machines) or wall time (results without CPU times). */
  clock: z.enum(['cpu', 'wall']).optional(),
  beforeMs: z.number(),
  afterMs: z.number(),
  ratio: z.number(),
});
export type SlowChange = z.infer<typeof SlowChange>;

const nullableString = z.string().nullable();
export const StackLabel = z.object({
  stack: nullableString,
  torch: nullableString,
  exporter: nullableString,
  adapter: nullableString,
  onnxscript: nullableString,
  onnx: nullableString,
});

export const Verdict = z.enum(['pass', 'fail', 'no-baseline']);
export type Verdict = z.infer<typeof Verdict>;

/** The gate's verdict document: what the Action summarises and the App renders on a PR. */
/** One coverage number: the candidate's alone, or what it was in the baseline and is now. */
const CoverageMetric = z.union([z.number(), z.object({ before: z.number(), after: z.number() })]);
export type CoverageMetric = z.infer<typeof CoverageMetric>;

/** The coverage numbers of a gate (gate/diff.ts coverageOf), what every renderer shows. */
export const COVERAGE_METRICS = [
  'cases',
  'real',
  'synthetic',
  'families',
  'exported',
  'opTypes',
  'opPairs',
  'generatorOpKinds',
] as const;
export type CoverageMetricName = (typeof COVERAGE_METRICS)[number];

/** GateReport.coverage: each number (absent when not measured) and the ONNX op types exported. */
export const GateCoverage = z.object({
  ...(Object.fromEntries(COVERAGE_METRICS.map((k) => [k, CoverageMetric.optional()])) as Record<
    CoverageMetricName,
    z.ZodOptional<typeof CoverageMetric>
  >),
  ops: z.array(z.string()).optional(),
});
export type GateCoverage = z.infer<typeof GateCoverage>;

export const GateReport = z.object({
  schemaVersion: GateSchemaVersion,
  verdict: Verdict,
  /** Why the verdict is what it is, in one sentence. */
  reason: z.string(),
  baseline: z
    .object({
      converter: z.string(),
      corpusHash: z.string(),
      cases: z.number().int(),
      sha: z.string().nullable().optional(),
      /** Where the baseline came from: a cache entry, a run of the base converter, a file. */
      source: z.enum(['cache', 'run', 'file']).optional(),
    })
    .nullable(),
  candidate: z.object({
    converter: z.string(),
    corpusHash: z.string(),
    cases: z.number().int(),
    sha: z.string().nullable().optional(),
  }),
  counts: z.object({
    regressions: z.number().int(),
    fixes: z.number().int(),
    flaky: z.number().int(),
    stillFailing: z.number().int(),
    changedFailures: z.number().int(),
    new: z.number().int(),
    removed: z.number().int(),
    /** Cases of the baseline the candidate has no result for although its corpus defines them. */
    missing: z.number().int().default(0),
    slow: z.number().int(),
    unchanged: z.number().int(),
    referenceErrors: z.number().int(),
    /** Cases that ran in the baseline and did not run in the candidate (absent in older reports). */
    lost: z.number().int().optional(),
  }),
  regressions: z.array(CaseChange),
  fixes: z.array(CaseChange),
  flaky: z.array(CaseChange),
  stillFailing: z.array(CaseChange),
  /** Failures that turned into another failure kind, better or equal (worse ones are regressions). */
  changedFailures: z.array(CaseChange),
  new: z.array(CaseChange),
  /** Cases the candidate's corpus no longer defines: a legitimate corpus change, not failing. */
  removed: z.array(CaseChange),
  /**
   * Cases the candidate lost: in the baseline, still defined by the candidate's corpus (or its
   * corpus cannot tell), without a result. A run that loses cases fails the gate.
   */
  missing: z.array(CaseChange).default([]),
  slow: z.array(SlowChange),
  referenceErrors: z.array(CaseChange),
  /**
   * Lost coverage: cases that ran in the baseline and did not run in the candidate, e.g.
   * `unsupported` there because the candidate build lacks a package the case requires. They fail
   * the gate like a lost case: a build that runs fewer cases must not pass by testing less.
   */
  lost: z.array(CaseChange).optional(),
  /** Settings that differ between the two sides and were compared anyway (--force). */
  mismatches: z.array(z.string()),
  timing: z.object({
    baselineMs: z.number().nullable(),
    candidateMs: z.number(),
    /** Wall time of the confirmation re-runs of suspects. */
    confirmMs: z.number().optional(),
    /**
     * CPU time (user + sys, ms) of each phase's whole process tree: the gate and every worker it
     * started (Linux; absent for stored results and elsewhere).
     */
    baselineCpuMs: z.number().optional(),
    candidateCpuMs: z.number().optional(),
    confirmCpuMs: z.number().optional(),
  }),
  coverage: GateCoverage.optional(),
  /** How much of the converter's own translation functions the candidate run exercised. */
  surface: GateSurface.optional(),
  /** Confirmation: how many times each suspect was re-run on the candidate (fresh workers). */
  confirmation: z.object({ reruns: z.number().int(), suspects: z.number().int() }).optional(),
  /** Which cases ran: a --filter and/or a shard i/n of the corpus. */
  selection: z
    .object({ filter: z.string().nullable(), shard: z.string().nullable(), cases: z.number().int() })
    .optional(),
  /** Differences between the two runs that do not block the comparison but may explain changes. */
  notes: z.array(z.string()).optional(),
  /** Operators that go with the regressions (Ochiai over all cases' graphs), most suspicious first (v2). */
  suspicious: z.array(SuspiciousRow).optional(),
  /** Regressions grouped by failure fingerprint, largest group first (v2). */
  findings: z.array(Finding).optional(),
  /** What localizing the regressions spent (v2). */
  localization: z
    .object({ cases: z.number().int().nonnegative(), elapsedMs: z.number().nonnegative() })
    .passthrough()
    .optional(),
  /**
   * The converter stack of each side (torch, exporter, onnxscript). `across` lists how the stacks
   * differ (torch release, exporter) when the comparison was made across stacks on purpose.
   */
  stacks: z
    .object({
      baseline: StackLabel,
      candidate: StackLabel,
      across: z.array(z.string()),
    })
    .optional(),
});
export type GateReport = z.infer<typeof GateReport>;
