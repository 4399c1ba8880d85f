/** The synthetic graph spec (JSON): see docs/synthetic-spec.md. */
import { z } from 'zod';
import { SYN_DTYPES } from './types.js';

export const SPEC_VERSION = 1;

const Name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);
const Dims = z.array(z.number().int().positive());
const DType = z.enum(SYN_DTYPES);

export const SpecInput = z.strictObject({
  name: Name,
  dtype: DType,
  shape: Dims,
  /** [lo, hi): floats uniform, ints randint; omitted for bool. */
  range: z.tuple([z.number(), z.number()]).optional(),
  /** {axisIndex: symbol}: axes exported as dynamic (sizes in `dims`). */
  dynamicAxes: z.record(z.string().regex(/^\d+$/), Name),
  /** Memory layout of the fed tensor (extended library only; default contiguous). */
  layout: z.enum(['channels-last', 'non-contiguous']).optional(),
});
export type SpecInput = z.infer<typeof SpecInput>;

export const SpecTensor = z.strictObject({
  name: Name,
  dtype: DType,
  /** Predicted shape at the export sizes. */
  shape: z.array(z.number().int().nonnegative()),
  /** Predicted shape at the dynamic sizes (only when it differs). */
  dynamicShape: z.array(z.number().int().nonnegative()).optional(),
});
export type SpecTensor = z.infer<typeof SpecTensor>;

export const SpecNode = z.strictObject({
  op: z.string(),
  inputs: z.array(Name),
  attrs: z.record(z.string(), z.unknown()),
  outputs: z.array(SpecTensor).min(1),
  /** Ids of known issues of the default toolchain this node matches (informational). */
  known: z.array(z.string()).optional(),
});
export type SpecNode = z.infer<typeof SpecNode>;

export const SyntheticSpec = z.strictObject({
  version: z.literal(SPEC_VERSION),
  /** Run seed and index: the case id is syn-<seed>-<index>. */
  seed: z.number().int().nonnegative(),
  index: z.number().int().nonnegative(),
  inputs: z.array(SpecInput).min(1),
  /** Dynamic symbols: size at export and at the second input set. */
  dims: z.record(
    Name,
    z.strictObject({ export: z.number().int().positive(), dynamic: z.number().int().positive() }),
  ),
  nodes: z.array(SpecNode).min(1),
  outputs: z.array(Name).min(1),
  export: z.strictObject({
    opset: z.number().int().min(7),
    dynamicAxes: z.boolean(),
    constantFolding: z.boolean(),
  }),
});
export type SyntheticSpec = z.infer<typeof SyntheticSpec>;
