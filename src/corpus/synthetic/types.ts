/** Core types of the synthetic generator: tensor types, value facts, operator definitions. */
import type { Rng } from './rng.js';

/**
 * The dtypes the generator uses (a subset of the case schema's DTYPES). The small integer types
 * (uint8, int8, int16) only appear around operators of the extended library that accept them.
 */
export const SYN_DTYPES = [
  'float16',
  'float32',
  'float64',
  'int32',
  'int64',
  'bool',
  'uint8',
  'int8',
  'int16',
] as const;
export type SynDType = (typeof SYN_DTYPES)[number];

export type Shape = number[];

/** What the shape/dtype rule of an operator sees and returns. */
export interface TType {
  dtype: SynDType;
  shape: Shape;
}

/** JSON-serialisable attribute values. */
export type AttrValue = number | boolean | string | null | AttrValue[] | { [k: string]: AttrValue };
export type Attrs = Record<string, AttrValue>;

/**
 * What the generator knows about the values of a tensor (used to keep references finite and
 * unambiguous, never by the worker):
 * - `lo`/`hi`: a conservative bound of every element (ints: inclusive);
 * - `exact`: the values are expected to be bit-identical between two correct implementations
 *   (inputs, data movement, correctly rounded arithmetic): only exact tensors may feed
 *   discontinuous operators (comparisons, floor/round/sign, casts to int/bool, arg-max…);
 * - `distinct`: no two elements are equal (so sort/topk indices are unambiguous).
 */
export interface Facts {
  lo: number;
  hi: number;
  exact: boolean;
  distinct: boolean;
}

/** A tensor of the graph being generated. */
export interface Tensor extends TType, Facts {
  name: string;
  /** The shape at the second input set (differs from `shape` on dynamic axes). */
  alt: Shape;
  /** True for graph inputs. */
  input: boolean;
}

/** Thrown by shape/dtype rules when inputs/attrs are invalid for the operator. */
export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

export type OpGroup =
  | 'unary'
  | 'activation'
  | 'binary'
  | 'comparison'
  | 'logical'
  | 'matmul'
  | 'conv'
  | 'pool'
  | 'norm'
  | 'reduction'
  | 'softmax'
  | 'shape'
  | 'join-split'
  | 'indexing'
  | 'resize'
  | 'misc'
  | 'cast';

/** What an operator wants as input (from the pool of tensors, or a fresh graph input). */
export interface Req {
  dtypes: readonly SynDType[];
  minRank?: number;
  maxRank?: number;
  /** Extra condition on a candidate (value domain, exactness, sizes…). Fresh inputs must pass it too. */
  where?: (t: Tensor) => boolean;
  /** Value range for a fresh input of this dtype ([lo, hi) floats; ints randint). */
  range?: (dtype: SynDType) => [number, number];
  /** Shape of a fresh input (overrides minRank/maxRank). */
  shape?: () => Shape;
  /** Minimum size of every dim of a fresh input. */
  minDim?: number;
  /** 'never': pool only; 'only': always a fresh input; default: pool first. */
  fresh?: 'never' | 'only';
}

export interface Proposal {
  inputs: Tensor[];
  attrs: Attrs;
}

/** The generator's services, as seen by an operator's `propose`. */
export interface Ctx {
  rng: Rng;
  opset: number;
  /** Whether float16 may be used. */
  float16: boolean;
  /** An input matching `req`: from the pool (preferred) or a fresh graph input; null if none. */
  take(req: Req): Tensor | null;
  /**
   * A second operand broadcastable with `t` (at export and at dynamic sizes): from the pool or a
   * fresh input whose shape is derived from t's (size-1 dims, fewer dims, rank 0…).
   */
  partner(t: Tensor, req: Req): Tensor | null;
  /** A tensor with exactly this shape (at both sizes) as `t`, or fresh. */
  sameShape(t: Tensor, req: Req): Tensor | null;
  /**
   * A fresh graph input. `alt` is its shape at the dynamic sizes (default: `shape`); a dim that
   * differs must match one of the case's dynamic symbols, else null.
   */
  fresh(dtype: SynDType, shape: Shape, range?: [number, number], alt?: Shape): Tensor | null;
  /** True if the axis has the same size at export and at the dynamic sizes. */
  isStatic(t: Tensor, axis: number): boolean;
  /** A random size for a new dimension. */
  dim(min?: number, max?: number): number;
}

export interface OpDef {
  kind: string;
  /**
   * 'extended': part of the extended library (coverage-guided generation, corpus/synthetic-extra);
   * default generation draws only from the core library, so the default corpus stays stable.
   */
  library?: 'extended';
  /** Package requirements of a case using this operator (semver ranges, like CaseDef.requires). */
  requires?: Record<string, string>;
  group: OpGroup;
  /** Smallest ONNX opset at which torch.onnx (1.13) exports this operator. */
  minOpset: number;
  /** One line for docs and reports. */
  doc: string;
  /** The shape/dtype rule: output types of the operator; throws ShapeError when invalid. */
  infer(inputs: TType[], attrs: Attrs): TType[];
  /** Chooses inputs and attributes (may create graph inputs); null when it cannot. */
  propose(ctx: Ctx): Proposal | null;
  /** Value facts of each output. */
  facts(inputs: Tensor[], attrs: Attrs, outs: TType[]): Facts[];
}
