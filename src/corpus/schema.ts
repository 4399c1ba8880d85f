import { z } from 'zod';
import { isValidRange } from '../run/requirements.js';

/** Tensor dtypes understood by the worker's tensor format and by the checker. */
export const DTYPES = [
  'float32',
  'float64',
  'float16',
  'int8',
  'uint8',
  'int16',
  'int32',
  'int64',
  'bool',
] as const;
export const DType = z.enum(DTYPES);
export type DType = z.infer<typeof DType>;

const Dim = z.number().int().nonnegative();

export const InputSpec = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'an identifier'),
  dtype: DType,
  shape: z.array(Dim),
  /** Value range [lo, hi): floats uniform, ints randint. */
  range: z.tuple([z.number(), z.number()]).optional(),
});
export type InputSpec = z.infer<typeof InputSpec>;

export const Tolerance = z.strictObject({
  atol: z.number().nonnegative(),
  rtol: z.number().nonnegative(),
});
export type Tolerance = z.infer<typeof Tolerance>;

/** {inputOrOutputName: {axisIndex: axisName}} as torch.onnx.export takes it. */
export const DynamicAxes = z.record(z.string(), z.record(z.string().regex(/^\d+$/), z.string()));
export type DynamicAxes = z.infer<typeof DynamicAxes>;

export const ExportSettings = z.strictObject({
  /** Omitted: the run's --opset, else the converter's default. */
  opset: z.number().int().min(1).optional(),
  dynamicAxes: DynamicAxes.nullable().optional(),
  constantFolding: z.boolean().optional(),
  outputNames: z.array(z.string()).optional(),
});
export type ExportSettings = z.infer<typeof ExportSettings>;

export const RealModel = z.strictObject({
  /** "python.module:attribute", called with kwargs; the module may live in the corpus folder. */
  factory: z.string().regex(/^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$/, "'module:attribute'"),
  kwargs: z.record(z.string(), z.unknown()).optional(),
  /** Give BatchNorm layers trained-looking statistics (default true). */
  realisticNorms: z.boolean().optional(),
});

export const SyntheticModel = z.strictObject({
  /** A synthetic graph spec (see docs/synthetic-spec.md), materialised by the worker. */
  spec: z.record(z.string(), z.unknown()),
});

export const CaseDef = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - (used as a folder name)'),
  family: z.string().min(1),
  description: z.string().optional(),
  seed: z.number().int().nonnegative().optional(),
  model: z.union([RealModel, SyntheticModel]),
  inputs: z.array(InputSpec).min(1),
  /** More input sets, each overriding some inputs' shapes (checks dynamic axes at other sizes). */
  inputSets: z.array(z.record(z.string(), z.array(Dim))).optional(),
  export: ExportSettings.optional(),
  tolerance: Tolerance.partial().optional(),
  /** Seconds; overrides the run's --timeout for this case. */
  timeoutS: z.number().positive().optional(),
  requireFinite: z.boolean().optional(),
  /**
   * Packages the case needs, as semver ranges over the versions the worker reports (PEP 440
   * versions normalised, src/run/requirements.ts), e.g. {"transformers": ">=5.0"}. Unmet: the
   * case is `unsupported` on that build.
   */
  requires: z
    .record(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a package name'),
      z.string().refine(isValidRange, 'a semver range such as ">=2.5" or "*"'),
    )
    .optional(),
});
export type CaseDef = z.infer<typeof CaseDef>;

/** A corpus file: corpus/<name>/cases.json. */
export const CorpusFile = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  /** Folders (relative to this file) appended to the worker's sys.path for model factories. */
  pythonPath: z.array(z.string()).optional(),
  defaults: z
    .strictObject({
      seed: z.number().int().nonnegative().optional(),
      export: ExportSettings.optional(),
      tolerance: Tolerance.partial().optional(),
    })
    .optional(),
  cases: z.array(CaseDef).min(1),
});
export type CorpusFile = z.infer<typeof CorpusFile>;
