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
  /**
   * Memory layout of the tensor fed to the model (same values): channels-last (rank 4) or
   * non-contiguous (a transposed view); default contiguous.
   */
  layout: z.enum(['contiguous', 'channels-last', 'non-contiguous']).optional(),
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
  /** Convert the model's weights to channels-last memory format (model.to(memory_format=…)). */
  channelsLast: z.boolean().optional(),
});

export const SyntheticModel = z.strictObject({
  /** A synthetic graph spec (see docs/synthetic-spec.md), materialised by the worker. */
  spec: z.record(z.string(), z.unknown()),
});

/** The source of an `onnx` case (python/convgate_worker/frontends/onnx_models.py): one of three. */
export const OnnxModel = z.union([
  /** An ONNX file, relative to the corpus file (made absolute when the corpus is loaded). */
  z.strictObject({ path: z.string().min(1) }),
  /** One of ONNX's own node tests (Debian's libonnx-testdata), with its own test inputs. */
  z.strictObject({ nodeTest: z.string().regex(/^test_[A-Za-z0-9_]+$/, 'an ONNX node test name (test_…)') }),
  /** A torch model exported once with the TorchScript exporter at sourceOpset (cached). */
  z.strictObject({
    torch: z.union([RealModel, SyntheticModel]),
    sourceOpset: z.number().int().min(7),
  }),
]);
export type OnnxModel = z.infer<typeof OnnxModel>;

const CaseFields = z.strictObject({
  /** The source frontend that builds the model and its references (default: torch). */
  frontend: z
    .string()
    .regex(/^[a-z][a-z0-9.-]*$/, 'a frontend name')
    .optional(),
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - (used as a folder name)'),
  family: z.string().min(1),
  description: z.string().optional(),
  seed: z.number().int().nonnegative().optional(),
  model: z.union([RealModel, SyntheticModel, OnnxModel]),
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

/** Inclusive/exclusive bounds of the integer dtypes a `range` must stay within. */
const INT_BOUNDS: Partial<Record<DType, [number, number]>> = {
  int8: [-128, 128],
  uint8: [0, 256],
  int16: [-32768, 32768],
  int32: [-(2 ** 31), 2 ** 31],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

type Issue = { path: (string | number)[]; message: string };

function rangeIssues(input: InputSpec, at: (string | number)[]): Issue[] {
  if (!input.range) return [];
  const [lo, hi] = input.range;
  const path = [...at, 'range'];
  if (input.dtype === 'bool')
    return [{ path, message: `a range does not apply to bool input ${JSON.stringify(input.name)}` }];
  if (!(lo < hi))
    return [
      { path, message: `range [${lo}, ${hi}] of input ${JSON.stringify(input.name)} is empty: need lo < hi` },
    ];
  const bounds = INT_BOUNDS[input.dtype];
  if (bounds && (!Number.isInteger(lo) || !Number.isInteger(hi)))
    return [
      {
        path,
        message: `range of ${input.dtype} input ${JSON.stringify(input.name)} needs whole numbers, got [${lo}, ${hi}]`,
      },
    ];
  if (bounds && (lo < bounds[0] || hi > bounds[1]))
    return [
      {
        path,
        message: `range [${lo}, ${hi}) of ${input.dtype} input ${JSON.stringify(input.name)} leaves the dtype's range [${bounds[0]}, ${bounds[1]})`,
      },
    ];
  return [];
}

/** Names and shapes that must agree across the fields of one case. */
function caseIssues(c: z.infer<typeof CaseFields>): Issue[] {
  const issues: Issue[] = [];
  const inputs = new Map(c.inputs.map((i) => [i.name, i]));
  const known = c.inputs.map((i) => i.name).join(', ');
  c.inputs.forEach((input, k) => issues.push(...rangeIssues(input, ['inputs', k])));
  const seen = new Set<string>();
  c.inputs.forEach((input, k) => {
    if (seen.has(input.name))
      issues.push({
        path: ['inputs', k, 'name'],
        message: `input name ${JSON.stringify(input.name)} appears twice`,
      });
    seen.add(input.name);
  });
  (c.inputSets ?? []).forEach((set, k) => {
    for (const [name, shape] of Object.entries(set)) {
      const input = inputs.get(name);
      if (!input)
        issues.push({
          path: ['inputSets', k, name],
          message: `inputSets names ${JSON.stringify(name)}, which is not an input of the case (inputs: ${known})`,
        });
      else if (shape.length !== input.shape.length)
        issues.push({
          path: ['inputSets', k, name],
          message: `input ${JSON.stringify(name)} has rank ${input.shape.length}, inputSets gives it shape [${shape.join(', ')}]`,
        });
    }
  });
  const outputNames = c.export?.outputNames;
  for (const [name, axes] of Object.entries(c.export?.dynamicAxes ?? {})) {
    const input = inputs.get(name);
    const isOutput = outputNames ? outputNames.includes(name) : /^output_\d+$/.test(name);
    if (!input && !isOutput)
      issues.push({
        path: ['export', 'dynamicAxes', name],
        message: `dynamicAxes names ${JSON.stringify(name)}, which is neither an input (${known}) nor an output (${outputNames ? outputNames.join(', ') : 'output_0, output_1, …'})`,
      });
    for (const axis of Object.keys(axes))
      if (input && Number(axis) >= input.shape.length)
        issues.push({
          path: ['export', 'dynamicAxes', name, axis],
          message: `axis ${axis} of input ${JSON.stringify(name)} does not exist (rank ${input.shape.length})`,
        });
  }
  return issues;
}

export const CaseDef = CaseFields.superRefine((c, ctx) => {
  for (const issue of caseIssues(c)) ctx.addIssue({ code: 'custom', ...issue });
});
export type CaseDef = z.infer<typeof CaseDef>;

/** A corpus file: corpus/<name>/cases.json. */
export const CorpusFile = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  /** Folders (relative to this file) appended to the worker's sys.path for model factories. */
  pythonPath: z.array(z.string()).optional(),
  /**
   * Model libraries factories may call besides the corpus' own modules (python/convgate_worker/
   * factories.py), e.g. ["torchvision", "timm"]. Anything else (`os:system`) is refused.
   */
  modelLibraries: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a top-level module name')).optional(),
  /**
   * Cases made from another corpus' torch cases as `onnx` cases: each exported once at a source
   * opset and converted to a target opset (the onnx version converter's corpus, corpus/onnx).
   */
  derive: z
    .strictObject({
      /** The corpus file (relative to this one) whose torch cases are used. */
      from: z.string().min(1),
      /** [source opset, target opset] pairs: one case per source case and pair. */
      opsetPairs: z.array(z.tuple([z.number().int().min(7), z.number().int().min(1)])).min(1),
      /** Only these case ids (default: every torch case that declares no `requires`). */
      cases: z.array(z.string()).min(1).optional(),
    })
    .optional(),
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
