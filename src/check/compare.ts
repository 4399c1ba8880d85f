import type { Tolerance } from '../corpus/schema.js';
import { elementCount, numberAt, type TensorData } from './tensor.js';

export const DEFAULT_TOLERANCE: Tolerance = { atol: 1e-3, rtol: 1e-3 };

export interface TensorComparison {
  pass: boolean;
  /** null when the values could not be compared (shape differs) or an error is not finite. */
  maxAbsErr: number | null;
  maxRelErr: number | null;
  mismatched: number;
  total: number;
  /** Why it failed beyond a value difference: shape, dtype, NaN/Inf pattern. */
  reason?: string;
}

const FLOAT = new Set(['float16', 'float32', 'float64']);

/**
 * Compares an ONNX Runtime output with the source framework's reference.
 * Shape and dtype must match; NaN matches only NaN; ±Inf only the same infinity;
 * otherwise an element passes when |a - b| <= atol + rtol * |b|.
 */
export function compareTensors(actual: TensorData, expected: TensorData, tol: Tolerance): TensorComparison {
  const reasons: string[] = [];
  if (actual.dtype !== expected.dtype) reasons.push(`dtype ${actual.dtype}, expected ${expected.dtype}`);
  const sameShape =
    actual.shape.length === expected.shape.length && actual.shape.every((d, i) => d === expected.shape[i]);
  if (!sameShape) {
    reasons.push(`shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`);
    return {
      pass: false,
      maxAbsErr: null,
      maxRelErr: null,
      mismatched: 0,
      total: elementCount(expected.shape),
      reason: reasons.join('; '),
    };
  }

  const total = elementCount(expected.shape);
  let maxAbs = 0;
  let maxRel = 0;
  let mismatched = 0;
  let nanMismatch = 0;
  let infMismatch = 0;
  const floats = FLOAT.has(expected.dtype) || FLOAT.has(actual.dtype);
  for (let i = 0; i < total; i++) {
    const a = numberAt(actual, i);
    const b = numberAt(expected, i);
    if (floats && (Number.isNaN(a) || Number.isNaN(b))) {
      if (!(Number.isNaN(a) && Number.isNaN(b))) {
        nanMismatch++;
        mismatched++;
      }
      continue;
    }
    if (a === b) continue; // covers equal infinities
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      infMismatch++;
      mismatched++;
      continue;
    }
    const abs = Math.abs(a - b);
    if (abs > maxAbs) maxAbs = abs;
    // Relative error is measured where the reference is non-zero (ReLU zeros would make it infinite).
    if (b !== 0) {
      const rel = abs / Math.abs(b);
      if (rel > maxRel) maxRel = rel;
    }
    if (abs > tol.atol + tol.rtol * Math.abs(b)) mismatched++;
  }
  if (nanMismatch) reasons.push(`NaN pattern differs at ${nanMismatch} element(s)`);
  if (infMismatch) reasons.push(`infinite value differs at ${infMismatch} element(s)`);
  const finite = !nanMismatch && !infMismatch;
  return {
    pass: mismatched === 0 && reasons.length === 0,
    maxAbsErr: finite ? maxAbs : null,
    maxRelErr: finite ? maxRel : null,
    mismatched,
    total,
    ...(reasons.length ? { reason: reasons.join('; ') } : {}),
  };
}
