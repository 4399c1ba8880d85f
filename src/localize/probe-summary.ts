/**
 * probe.json, written by the Python worker's `probe` request (python/convgate_worker/localize/
 * probe.py): the source model's module tree, the converted graph with the module calls of every
 * node, and per module call its eager outputs and boundary values. Untrusted: validated here.
 */
import { z } from 'zod';
import { DType } from '../corpus/schema.js';

const TensorFile = z.object({
  name: z.string(),
  dtype: DType,
  shape: z.array(z.number().int().nonnegative()),
  file: z.string(),
});

export const ProbeNode = z.object({
  name: z.string(),
  op: z.string(),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
  /** [module path, call index] of the module calls enclosing the node, outermost first. */
  scopes: z.array(z.tuple([z.string(), z.number().int().nonnegative()])).nullable(),
  source: z
    .object({
      fxNode: z.string().optional(),
      classes: z.array(z.string()).optional(),
      stack: z.array(z.string()).optional(),
    })
    .optional(),
});
export type ProbeNode = z.infer<typeof ProbeNode>;

export const ProbeCall = z.object({
  path: z.string(),
  call: z.number().int().nonnegative(),
  type: z.string(),
  calls: z.number().int().nonnegative(),
  /** Eager outputs of this call (tensor files relative to the probe folder). */
  outputs: z.array(TensorFile),
  /** ONNX values this call's nodes produce for the rest of the graph (or, `side: input`, read from it). */
  values: z.array(z.string()),
  /**
   * `input`: `outputs` are the call's eager tensor arguments and `values` the ONNX values entering
   * the call from nodes outside it (a functional op of the parent's forward is compared there).
   */
  side: z.enum(['output', 'input']).optional(),
  /**
   * Eager outputs of the calls right after this one that left no node in the graph (a BatchNorm
   * folded into the Conv before it): the exported value may be theirs.
   */
  alternates: z
    .array(
      z.object({ path: z.string(), call: z.number().int(), type: z.string(), outputs: z.array(TensorFile) }),
    )
    .optional(),
});
export type ProbeCall = z.infer<typeof ProbeCall>;

export const ProbeGraph = z.object({
  nodes: z.array(ProbeNode),
  inputs: z.array(z.string()),
  initializers: z.array(z.string()),
  outputs: z.array(z.string()),
  placed: z.number().int().nonnegative(),
});
export type ProbeGraph = z.infer<typeof ProbeGraph>;

export const ProbeModule = z.object({ path: z.string(), type: z.string(), calls: z.number().int() });
export type ProbeModule = z.infer<typeof ProbeModule>;

export const ProbeSummary = z.object({
  set: z.number().int().nonnegative(),
  modules: z.array(ProbeModule),
  graph: ProbeGraph.nullable(),
  calls: z.array(ProbeCall).optional(),
  probeModel: z.string().optional(),
  truncated: z.boolean().optional(),
  /** A crash at this node: the probe model holds only what the node depends on. */
  target: z.object({ node: z.string(), index: z.number().int().nonnegative() }).optional(),
  /** Refinement inside one module call: the torch functions it runs itself, with eager outputs … */
  functions: z
    .array(z.object({ name: z.string(), index: z.number().int(), outputs: z.array(TensorFile) }))
    .optional(),
  /** … and the ONNX values of its region, exposed. */
  region: z.array(z.string()).optional(),
  /** Synthetic specs: [min, max] of every node output over all input sets. */
  ranges: z.record(z.string(), z.tuple([z.number(), z.number()])).optional(),
});
export type ProbeSummary = z.infer<typeof ProbeSummary>;

/** One exposed ONNX value compared with the eager output of its module call. */
export interface ValueComparison {
  value: string;
  /** Index into ProbeSummary.calls. */
  call: number;
  /** Which eager output of the call it was matched with (-1: none had its shape). */
  output: number;
  pass: boolean;
  maxAbsErr: number | null;
  /** maxAbsErr / largest reference magnitude; Infinity when shape, dtype or NaN pattern differ. */
  relErr: number;
  reason?: string;
  /** Matched with the output of a later call folded into this one (e.g. `features.1 (BatchNorm2d)`). */
  folded?: string;
}

/** What ONNX Runtime said about the probe model. */
export interface ProbeRun {
  /** The probe model's own outputs still fail (or drift) like the checked model's. */
  outputs: { name: string; pass: boolean; maxAbsErr: number | null; relErr: number; reason?: string }[];
  values: ValueComparison[];
  /** Refinement: each region value's best same-shaped eager function output (-1: none). */
  functions?: { value: string; fn: number; relErr: number; shape: number[] }[];
  /** Exposed values ONNX Runtime did not return. */
  missing: string[];
  timingsMs: { load: number; run: number; compare: number };
}
