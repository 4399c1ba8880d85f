/**
 * Converter surface coverage: which of the converter's own translation functions the corpus ran
 * (docs/coverage.md). The worker's recorder (python/convgate_worker/surface) reports, per export,
 * the calls `[name, implementation, signature]` and, once per worker, the registry: every
 * dispatch key the converter registers with its implementations (the denominator).
 * The worker runs the converter under test, so everything here is bounded and validated.
 */
import { z } from 'zod';

/** `[dispatch key, implementation chosen (null: nothing registered), input kinds]`. */
export const SurfaceCall = z.tuple([
  z.string().max(300),
  z.string().max(300).nullable(),
  z.string().max(4000),
]);
export type SurfaceCall = z.infer<typeof SurfaceCall>;

/** Dispatch key → implementations (opset versions, torchlib function names). */
export const Registry = z
  .record(z.string().max(300), z.array(z.string().max(300)).max(100))
  .refine((r) => Object.keys(r).length <= 20_000, 'at most 20000 registered functions');
export type Registry = z.infer<typeof Registry>;

/** What one export ran: stored on the case result. */
export const CaseSurface = z.object({
  calls: z.array(SurfaceCall).max(5000),
  /** Calls beyond the worker's per-case cap (python/convgate_worker/surface). */
  dropped: z.number().int().nonnegative().optional(),
});
export type CaseSurface = z.infer<typeof CaseSurface>;

/** The `surface` field of a worker reply: the calls, plus the registry on a worker's first reply. */
export const WorkerSurface = CaseSurface.extend({
  registered: Registry.optional(),
  registeredError: z.string().max(2000).optional(),
});
export type WorkerSurface = z.infer<typeof WorkerSurface>;

/** What the worker says about its recorder when it starts (null: the adapter has none). */
export const SurfaceRecorder = z.object({ exporter: z.string().max(100), unit: z.string().max(100) });
export type SurfaceRecorder = z.infer<typeof SurfaceRecorder>;

/** ResultsDoc.surface: the denominator of the run (cases carry their own calls). */
export const RunSurface = z.object({
  /** False: the converter's surface is not measured (no recorder, or recording was off). */
  measured: z.boolean(),
  /** Why it is not measured. */
  reason: z.string().optional(),
  exporter: z.string().optional(),
  /** What a registered function is for this exporter (symbolic function, ATen overload). */
  unit: z.string().optional(),
  /** The converter's registry as a worker reported it; null when no worker got that far. */
  registered: Registry.nullable().optional(),
});
export type RunSurface = z.infer<typeof RunSurface>;

/** GateReport.surface: what the candidate run covered, for the verdict, the summary and the App. */
export const GateSurface = z.discriminatedUnion('measured', [
  z.object({
    measured: z.literal(true),
    exporter: z.string().max(100),
    unit: z.string().max(100),
    registered: z.number().int().nonnegative(),
    covered: z.number().int().nonnegative(),
    coveredOk: z.number().int().nonnegative(),
    reachable: z.object({
      registered: z.number().int().nonnegative(),
      covered: z.number().int().nonnegative(),
    }),
    /** The baseline run's numbers, when it measured the same exporter. */
    before: z
      .object({ registered: z.number().int().nonnegative(), covered: z.number().int().nonnegative() })
      .optional(),
    /** Per area, covered / registered and (a bounded list of) the uncovered functions. */
    areas: z
      .array(
        z.object({
          title: z.string().max(200),
          registered: z.number().int().nonnegative(),
          covered: z.number().int().nonnegative(),
          uncovered: z.array(z.string().max(300)).max(200),
          unreachable: z.boolean().optional(),
        }),
      )
      .max(200),
  }),
  z.object({ measured: z.literal(false), reason: z.string().max(2000) }),
]);
export type GateSurface = z.infer<typeof GateSurface>;
