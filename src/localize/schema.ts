/**
 * What localization adds to a failing case (results schema v2, gate report v2) and to a run:
 * the diverging node, the minimal synthetic reproducer, the smallest reproducing submodule, the
 * failure fingerprint, and the suspicious-operator table. Every string in here may come from the
 * converter (node names, error text): renderers escape it.
 */
import { z } from 'zod';

/** Where a failure starts: the first diverging ONNX node (wrong outputs) or the node/op a crash names. */
export const DivergingNode = z.object({
  /** ONNX node name, when known. */
  node: z.string().nullable(),
  /** ONNX op type (or the aten operator of an export crash). */
  op: z.string(),
  /** PyTorch module path (e.g. `encoder.layers.1.self_attn`; `n3` is node 3 of a synthetic spec). */
  module: z.string().nullable(),
  /** Class of that module, or the operator kind of a synthetic spec node. */
  moduleType: z.string().nullable().optional(),
  /** The torch function (inside that module call) whose result the converted model does not reproduce. */
  function: z.string().optional(),
  /** Op types of the ONNX nodes the divergence may come from (the module call's nodes between agreeing values and it). */
  ops: z.array(z.string()).optional(),
  /** How it was found: compared values, or read from the error of a stage. */
  via: z.enum(['values', 'error', 'traceback']),
  /** The exporter's step for export crashes (e.g. `symbolic_opset9.embedding`). */
  step: z.string().optional(),
  /** Largest absolute difference from PyTorch at that node (values). */
  maxAbsErr: z.number().nullable().optional(),
  /** Relative size of that difference (max abs error / largest reference magnitude). */
  relErr: z.number().nullable().optional(),
  /** Dynamo exporter's record of the node's origin (FX node, module classes, stack). */
  source: z
    .object({
      fxNode: z.string().optional(),
      classes: z.array(z.string()).optional(),
      stack: z.array(z.string()).optional(),
    })
    .optional(),
  note: z.string().optional(),
});
export type DivergingNode = z.infer<typeof DivergingNode>;

/** Spend of a budgeted search (delta debugging, submodule reduction). */
export const Spend = z.object({
  trials: z.number().int().nonnegative(),
  elapsedMs: z.number().nonnegative(),
  budget: z.object({ trials: z.number().int().positive(), seconds: z.number().positive() }),
  /** The budget ran out before the search finished (the result is smaller, maybe not minimal). */
  exhausted: z.boolean(),
  /** The time budget ran out during a trial, which was killed (inconclusive, not counted as reproduced). */
  interrupted: z.boolean().optional(),
});
export type Spend = z.infer<typeof Spend>;

/** The minimised synthetic reproducer. */
export const Minimal = Spend.extend({
  /** Operator kinds of the spec's nodes, before and after. */
  opsBefore: z.array(z.string()),
  opsAfter: z.array(z.string()),
  /** The minimised spec, relative to the results folder. */
  spec: z.string().optional(),
});
export type Minimal = z.infer<typeof Minimal>;

/** The smallest submodule of a real model that alone reproduces the failure. */
export const Submodule = Spend.extend({
  path: z.string(),
  type: z.string(),
  call: z.number().int().nonnegative(),
  /** Submodules tried, top-down (path → reproduced?). */
  tried: z.array(z.tuple([z.string(), z.boolean()])).optional(),
});
export type Submodule = z.infer<typeof Submodule>;

/** A normalised failure: cases with the same fingerprint are one finding. */
export const Fingerprint = z.object({
  /** 12 hex digits of a hash of `text`. */
  id: z.string(),
  /** What was hashed: outcome, stage, error type, normalised message / diverging op sequence. */
  text: z.string(),
});
export type Fingerprint = z.infer<typeof Fingerprint>;

export const Localization = z.object({
  divergingNode: DivergingNode.optional(),
  minimal: Minimal.optional(),
  submodule: Submodule.optional(),
  fingerprint: Fingerprint,
  /** The reproducer bundle (repro.py, repro.mjs, model, tensors), relative to the results folder. */
  repro: z.string().optional(),
  elapsedMs: z.number().nonnegative(),
  /** What localization could not do (and why). */
  notes: z.array(z.string()).optional(),
});
export type Localization = z.infer<typeof Localization>;

/** One row of the suspicious-operator table (spectrum-based, Ochiai). */
export const SuspiciousRow = z.object({
  /**
   * `op`: ONNX op type; `converter`: a converter function the export ran (`aten::div`);
   * `converter-variant`: that function with the kinds of its inputs (`aten::div(int, int)`);
   * `source`: source module/operator kind; `pair` / `source-pair`: producer→consumer.
   */
  kind: z.enum(['op', 'converter', 'converter-variant', 'source', 'pair', 'source-pair']),
  name: z.string(),
  score: z.number(),
  /** Failing cases that contain it / all failing cases. */
  failing: z.number().int().nonnegative(),
  failingTotal: z.number().int().nonnegative(),
  /** Passing cases that contain it / all passing cases. */
  passing: z.number().int().nonnegative(),
  passingTotal: z.number().int().nonnegative(),
  /** Failing cases whose diverging node has this op type (or module type). */
  diverging: z.number().int().nonnegative().optional(),
});
export type SuspiciousRow = z.infer<typeof SuspiciousRow>;

/** Cases grouped by fingerprint. */
export const Finding = z.object({
  fingerprint: Fingerprint,
  cases: z.array(z.string()),
  /** Op of the diverging node most members share. */
  op: z.string().optional(),
});
export type Finding = z.infer<typeof Finding>;
