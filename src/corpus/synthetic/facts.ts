/** Interval arithmetic and value-fact helpers for the operator rules. */
import { isFloat } from './dtype.js';
import type { Facts, SynDType, Tensor } from './types.js';

export type Interval = [number, number];

export function iv(t: { lo: number; hi: number }): Interval {
  return [t.lo, t.hi];
}

export function hull(...xs: Interval[]): Interval {
  let lo = Infinity;
  let hi = -Infinity;
  for (const [a, b] of xs) {
    lo = Math.min(lo, a);
    hi = Math.max(hi, b);
  }
  return [lo, hi];
}

export function ivAdd(a: Interval, b: Interval): Interval {
  return [a[0] + b[0], a[1] + b[1]];
}
export function ivSub(a: Interval, b: Interval): Interval {
  return [a[0] - b[1], a[1] - b[0]];
}
export function ivMul(a: Interval, b: Interval): Interval {
  const p = [a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]].map((v) => (Number.isNaN(v) ? 0 : v));
  return [Math.min(...p), Math.max(...p)];
}
/** a / b where b does not contain 0. */
export function ivDiv(a: Interval, b: Interval): Interval {
  if (b[0] <= 0 && b[1] >= 0) return [-Infinity, Infinity];
  return ivMul(a, [1 / b[1], 1 / b[0]]);
}
export function ivScale(a: Interval, k: number): Interval {
  return ivMul(a, [k, k]);
}
export function ivAbsMax(a: Interval): number {
  return Math.max(Math.abs(a[0]), Math.abs(a[1]));
}
/** The sum of n elements each in a. */
export function ivSumN(a: Interval, n: number): Interval {
  return [Math.min(a[0] * n, a[0]), Math.max(a[1] * n, a[1])];
}
export function contains0(a: Interval, margin = 0): boolean {
  return a[0] <= margin && a[1] >= -margin;
}

/**
 * The image of [lo, hi] under a continuous f: exact for monotonic f (ends), otherwise sampled
 * densely and padded (only used to bound values, never to decide correctness).
 */
export function image(f: (x: number) => number, a: Interval, monotonic = false): Interval {
  const [lo, hi] = a;
  const pts = [f(lo), f(hi)];
  if (!monotonic && hi > lo) {
    const n = 256;
    for (let i = 1; i < n; i++) pts.push(f(lo + ((hi - lo) * i) / n));
  }
  let mn = Math.min(...pts);
  let mx = Math.max(...pts);
  if (!monotonic) {
    const pad = 1e-3 * (mx - mn) + 1e-6;
    mn -= pad;
    mx += pad;
  }
  return [mn, mx];
}

export function facts(range: Interval, exact = false, distinct = false): Facts {
  return { lo: range[0], hi: range[1], exact, distinct };
}

/** Facts of a value that only moves/selects elements of `t`. */
export function moved(t: Tensor, keepDistinct = true): Facts {
  return { lo: t.lo, hi: t.hi, exact: t.exact, distinct: keepDistinct && t.distinct };
}

export function allExact(ts: readonly Tensor[]): boolean {
  return ts.every((t) => t.exact);
}

/** Range of any value representable in a dtype we might cast into (ints: clamp to range). */
export function castRange(a: Interval, to: SynDType): Interval {
  if (to === 'bool') return [0, 1];
  if (isFloat(to)) return a;
  return [Math.trunc(a[0]), Math.trunc(a[1])];
}

export const BOOL_FACTS = (exact: boolean): Facts => ({ lo: 0, hi: 1, exact, distinct: false });
