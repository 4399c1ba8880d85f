/** Shape helpers shared by the operator rules. */
import { ShapeError, type Shape } from './types.js';

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function check(cond: boolean, message: string): asserts cond {
  if (!cond) throw new ShapeError(message);
}

/** NumPy/PyTorch broadcasting of two shapes. */
export function broadcast(a: readonly number[], b: readonly number[]): Shape {
  const rank = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    check(da === db || da === 1 || db === 1, `shapes [${a}] and [${b}] do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

export function broadcastAll(shapes: readonly (readonly number[])[]): Shape {
  return shapes.reduce<Shape>((acc, s) => broadcast(acc, s), []);
}

export function broadcastable(a: readonly number[], b: readonly number[]): boolean {
  try {
    broadcast(a, b);
    return true;
  } catch {
    return false;
  }
}

/** Wraps a possibly negative dim index into [0, rank). */
export function normDim(dim: number, rank: number): number {
  const r = Math.max(rank, 1);
  check(Number.isInteger(dim) && dim >= -r && dim < r, `dim ${dim} out of range for rank ${rank}`);
  return dim < 0 ? dim + r : dim;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Output size of a convolution/pooling window along one axis (floor or ceil mode). */
export function windowOut(
  size: number,
  kernel: number,
  stride: number,
  padding: number,
  dilation: number,
  ceilMode = false,
): number {
  const eff = dilation * (kernel - 1) + 1;
  const span = size + 2 * padding - eff;
  check(span >= 0, `window ${eff} larger than padded input ${size + 2 * padding}`);
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // PyTorch: the last window must start inside the input or the left padding.
  if (ceilMode && (out - 1) * stride >= size + padding) out -= 1;
  return out;
}
