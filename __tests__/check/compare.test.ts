import { describe, expect, it } from '@jest/globals';
import { compareTensors, DEFAULT_TOLERANCE } from '../../src/check/compare.js';
import { halfToNumber, type TensorData } from '../../src/check/tensor.js';

const f32 = (values: number[], shape = [values.length]): TensorData => ({
  dtype: 'float32',
  shape,
  data: Float32Array.from(values),
});
const tol = DEFAULT_TOLERANCE;

describe('compareTensors', () => {
  it('passes identical tensors with zero error', () => {
    const r = compareTensors(f32([1, 2, 3]), f32([1, 2, 3]), tol);
    expect(r).toMatchObject({ pass: true, maxAbsErr: 0, maxRelErr: 0, mismatched: 0, total: 3 });
  });

  it('applies |a-b| <= atol + rtol*|b| element-wise', () => {
    // at b = 100 the bound is 1e-3 + 0.1 = 0.101
    expect(compareTensors(f32([100.1]), f32([100]), tol).pass).toBe(true);
    expect(compareTensors(f32([100.2]), f32([100]), tol).pass).toBe(false);
    // near zero only atol counts
    expect(compareTensors(f32([0.0009]), f32([0]), tol).pass).toBe(true);
    expect(compareTensors(f32([0.002]), f32([0]), tol).pass).toBe(false);
  });

  it('reports max absolute and relative error and the mismatch count', () => {
    const r = compareTensors(f32([1, 2.5, 4]), f32([1, 2, 5]), tol);
    expect(r.pass).toBe(false);
    expect(r.maxAbsErr).toBeCloseTo(1);
    expect(r.maxRelErr).toBeCloseTo(0.25);
    expect(r.mismatched).toBe(2);
  });

  it('ignores zero references for the relative error', () => {
    const r = compareTensors(f32([0.0005, 1]), f32([0, 1]), tol);
    expect(r.pass).toBe(true);
    expect(r.maxRelErr).toBe(0);
  });

  it('matches NaN only where the reference has NaN', () => {
    expect(compareTensors(f32([NaN, 1]), f32([NaN, 1]), tol).pass).toBe(true);
    const extra = compareTensors(f32([NaN, 1]), f32([0, 1]), tol);
    expect(extra.pass).toBe(false);
    expect(extra.reason).toMatch(/NaN pattern differs at 1/);
    expect(extra.maxAbsErr).toBeNull();
    expect(compareTensors(f32([0, 1]), f32([NaN, 1]), tol).pass).toBe(false);
  });

  it('matches infinities only with the same infinity', () => {
    expect(compareTensors(f32([Infinity, -Infinity]), f32([Infinity, -Infinity]), tol).pass).toBe(true);
    const r = compareTensors(f32([Infinity]), f32([-Infinity]), tol);
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/infinite value differs/);
    expect(compareTensors(f32([3.4e38]), f32([Infinity]), tol).pass).toBe(false);
  });

  it('fails on a shape mismatch without comparing values', () => {
    const r = compareTensors(f32([1, 2, 3, 4], [2, 2]), f32([1, 2, 3, 4], [4]), tol);
    expect(r.pass).toBe(false);
    expect(r.maxAbsErr).toBeNull();
    expect(r.reason).toBe('shape [2, 2], expected [4]');
  });

  it('fails on a dtype mismatch even when values agree', () => {
    const actual: TensorData = { dtype: 'int64', shape: [2], data: BigInt64Array.from([1n, 2n]) };
    const expected: TensorData = { dtype: 'float32', shape: [2], data: Float32Array.from([1, 2]) };
    const r = compareTensors(actual, expected, tol);
    expect(r.pass).toBe(false);
    expect(r.reason).toBe('dtype int64, expected float32');
    expect(r.maxAbsErr).toBe(0);
  });

  it('compares int64 outputs exactly (integer division shows up as an error of 1)', () => {
    const a: TensorData = { dtype: 'int64', shape: [3], data: BigInt64Array.from([1n, 2n, 3n]) };
    const b: TensorData = { dtype: 'int64', shape: [3], data: BigInt64Array.from([1n, 3n, 3n]) };
    expect(compareTensors(a, a, tol).pass).toBe(true);
    const r = compareTensors(a, b, tol);
    expect(r).toMatchObject({ pass: false, maxAbsErr: 1, mismatched: 1 });
  });

  it('compares bool outputs (stored as bytes)', () => {
    const a: TensorData = { dtype: 'bool', shape: [3], data: Uint8Array.from([1, 0, 1]) };
    const b: TensorData = { dtype: 'bool', shape: [3], data: Uint8Array.from([1, 1, 1]) };
    expect(compareTensors(a, a, tol).pass).toBe(true);
    expect(compareTensors(a, b, tol)).toMatchObject({ pass: false, mismatched: 1 });
  });

  it('decodes float16 bit patterns', () => {
    expect(halfToNumber(0x3c00)).toBe(1);
    expect(halfToNumber(0xc000)).toBe(-2);
    expect(halfToNumber(0x7c00)).toBe(Infinity);
    expect(Number.isNaN(halfToNumber(0x7e00))).toBe(true);
    expect(halfToNumber(0x0001)).toBeCloseTo(5.96e-8, 10);
    const a: TensorData = { dtype: 'float16', shape: [2], data: Uint16Array.from([0x3c00, 0x4000]) };
    const b: TensorData = { dtype: 'float16', shape: [2], data: Uint16Array.from([0x3c00, 0x4200]) };
    expect(compareTensors(a, b, tol)).toMatchObject({ pass: false, maxAbsErr: 1 });
  });

  it('passes empty tensors of equal shape and fails empty ones of different shape', () => {
    expect(compareTensors(f32([], [0, 3]), f32([], [0, 3]), tol)).toMatchObject({
      pass: true,
      total: 0,
      maxAbsErr: 0,
    });
    expect(compareTensors(f32([], [0, 3]), f32([], [3, 0]), tol).pass).toBe(false);
  });

  it('honours a looser tolerance', () => {
    expect(compareTensors(f32([1.05]), f32([1]), { atol: 0.1, rtol: 0 }).pass).toBe(true);
    expect(compareTensors(f32([1.05]), f32([1]), { atol: 0, rtol: 0.01 }).pass).toBe(false);
  });

  it('handles scalars (rank 0)', () => {
    expect(compareTensors(f32([2], []), f32([2], []), tol)).toMatchObject({ pass: true, total: 1 });
  });
});
