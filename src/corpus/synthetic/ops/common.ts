/** Helpers shared by the operator definitions. */
import { isFloat, isInt } from '../dtype.js';
import type { Ctx, OpDef, SynDType, Tensor } from '../types.js';

export const F32_64: readonly SynDType[] = ['float32', 'float64'];
export const NUMERIC: readonly SynDType[] = ['float32', 'float64', 'int32', 'int64'];
export const ALL: readonly SynDType[] = ['float32', 'float64', 'int32', 'int64', 'bool'];
export const INTS: readonly SynDType[] = ['int32', 'int64'];

/** Adds float16 when the case allows it and the op supports it on CPU in PyTorch. */
export function withHalf(ctx: Ctx, dtypes: readonly SynDType[]): SynDType[] {
  return ctx.float16 ? [...dtypes, 'float16'] : [...dtypes];
}

export function rank(t: { shape: readonly number[] }): number {
  return t.shape.length;
}

/** Static axes (same size at export and dynamic sizes) of a tensor, optionally filtered. */
export function staticAxes(ctx: Ctx, t: Tensor, pred: (axis: number) => boolean = () => true): number[] {
  const out: number[] = [];
  for (let a = 0; a < t.shape.length; a++) if (ctx.isStatic(t, a) && pred(a)) out.push(a);
  return out;
}

/** A dim index, sometimes written negatively (exercises the converter's dim normalisation). */
export function signedDim(ctx: Ctx, axis: number, r: number): number {
  return ctx.rng.chance(0.35) ? axis - r : axis;
}

/** Absolute value bound of a tensor's elements. */
export function mag(t: { lo: number; hi: number }): number {
  return Math.max(Math.abs(t.lo), Math.abs(t.hi));
}

export function isNumeric(d: SynDType): boolean {
  return isFloat(d) || isInt(d);
}

/** A float range for fresh inputs, chosen among a few shapes of distributions. */
export function floatRange(ctx: Ctx): [number, number] {
  return ctx.rng.pick<[number, number]>([
    [-1, 1],
    [-1, 1],
    [-2, 2],
    [0, 1],
    [-3, 1],
    [-0.5, 1.5],
  ]);
}

export function intRange(ctx: Ctx): [number, number] {
  return ctx.rng.pick<[number, number]>([
    [0, 10],
    [-5, 6],
    [-20, 21],
    [1, 5],
  ]);
}

export const REGISTRY: OpDef[] = [];

export function register(...ops: OpDef[]): void {
  for (const op of ops) {
    if (REGISTRY.some((o) => o.kind === op.kind)) throw new Error(`duplicate operator kind ${op.kind}`);
    REGISTRY.push(op);
  }
}

/** Rounds a number for JSON attrs (keeps specs short and readable). */
export function r3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
