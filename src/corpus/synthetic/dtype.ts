/** dtype categories and PyTorch's type promotion (torch 1.13 `result_type`). */
import type { SynDType } from './types.js';

export const FLOAT_DTYPES: readonly SynDType[] = ['float16', 'float32', 'float64'];
export const INT_DTYPES: readonly SynDType[] = ['int32', 'int64'];
export const SMALL_INT_DTYPES: readonly SynDType[] = ['uint8', 'int8', 'int16'];

export function isFloat(d: SynDType): boolean {
  return d === 'float16' || d === 'float32' || d === 'float64';
}
export function isInt(d: SynDType): boolean {
  return d === 'int32' || d === 'int64' || d === 'uint8' || d === 'int8' || d === 'int16';
}

/** Inclusive value range of an integer dtype. */
export const INT_LIMITS: Partial<Record<SynDType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [-(2 ** 63), 2 ** 63 - 1],
};

const ORDER: Record<SynDType, number> = {
  bool: 0,
  uint8: 1,
  int8: 1,
  int16: 2,
  int32: 3,
  int64: 4,
  float16: 5,
  float32: 6,
  float64: 7,
};

function category(d: SynDType): number {
  return d === 'bool' ? 0 : isInt(d) ? 1 : 2;
}

/** torch.promote_types for the dtypes we use (uint8 with int8 meet in int16, as in PyTorch). */
export function promoteTypes(a: SynDType, b: SynDType): SynDType {
  if ((a === 'uint8' && b === 'int8') || (a === 'int8' && b === 'uint8')) return 'int16';
  return ORDER[a] >= ORDER[b] ? a : b;
}

/** An operand of a type-promoting operator: a tensor (rank matters) or a Python scalar. */
export type Operand = { dtype: SynDType; rank: number } | { scalar: 'bool' | 'int' | 'float' };

function combineCategories(higher: SynDType | undefined, lower: SynDType | undefined): SynDType | undefined {
  if (higher === undefined) return lower;
  if (lower === undefined) return higher;
  if (isFloat(higher)) return higher;
  if (higher === 'bool' || isFloat(lower)) return promoteTypes(higher, lower);
  return higher;
}

/**
 * torch.result_type: dimensioned tensors win over zero-dim tensors, which win over Python
 * scalars, unless the lower-priority operand is of a higher category (bool < int < float).
 */
export function resultType(operands: readonly Operand[]): SynDType {
  let dim: SynDType | undefined;
  let zero: SynDType | undefined;
  let wrapped: SynDType | undefined;
  for (const o of operands) {
    if ('scalar' in o) {
      const d: SynDType = o.scalar === 'bool' ? 'bool' : o.scalar === 'int' ? 'int64' : 'float32';
      wrapped = wrapped === undefined ? d : promoteTypes(wrapped, d);
    } else if (o.rank === 0) {
      zero = zero === undefined ? o.dtype : promoteTypes(zero, o.dtype);
    } else {
      dim = dim === undefined ? o.dtype : promoteTypes(dim, o.dtype);
    }
  }
  const r = combineCategories(dim, combineCategories(zero, wrapped));
  if (r === undefined) throw new Error('resultType of no operands');
  return r;
}

/** The dtype of a float-only unary op applied to `d` (ints and bools compute in float32). */
export function floatResult(d: SynDType): SynDType {
  return isFloat(d) ? d : 'float32';
}

export function scalarKind(v: number | boolean): 'bool' | 'int' | 'float' {
  if (typeof v === 'boolean') return 'bool';
  return Number.isInteger(v) && !Object.is(v, -0) ? 'int' : 'float';
}

export { category as dtypeCategory };
