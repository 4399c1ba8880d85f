import { describe, expect, it } from '@jest/globals';
import {
  ShapeError,
  getOperator,
  promoteTypes,
  resultType,
  type TType,
} from '../../src/corpus/synthetic/index.js';
import { broadcast, windowOut } from '../../src/corpus/synthetic/shape.js';
import { sliceLen } from '../../src/corpus/synthetic/ops/movement.js';
import { Rng } from '../../src/corpus/synthetic/rng.js';

const t = (dtype: TType['dtype'], ...shape: number[]): TType => ({ dtype, shape });
const infer = (kind: string, ins: TType[], attrs: Record<string, unknown> = {}) =>
  getOperator(kind).infer(ins, attrs as never);

describe('dtype promotion (torch.result_type)', () => {
  it.each([
    // [operands, expected] — checked against torch 1.13
    [
      [
        { dtype: 'int32', rank: 1 },
        { dtype: 'float64', rank: 0 },
      ],
      'float64',
    ],
    [
      [
        { dtype: 'int32', rank: 1 },
        { dtype: 'int64', rank: 0 },
      ],
      'int32',
    ],
    [
      [
        { dtype: 'float32', rank: 1 },
        { dtype: 'float64', rank: 0 },
      ],
      'float32',
    ],
    [
      [
        { dtype: 'bool', rank: 1 },
        { dtype: 'float16', rank: 0 },
      ],
      'float16',
    ],
    [[{ dtype: 'int32', rank: 2 }, { scalar: 'float' }], 'float32'],
    [[{ dtype: 'float16', rank: 2 }, { scalar: 'float' }], 'float16'],
    [[{ dtype: 'int32', rank: 2 }, { scalar: 'int' }], 'int32'],
    [[{ dtype: 'bool', rank: 2 }, { scalar: 'int' }], 'int64'],
    [
      [
        { dtype: 'int64', rank: 1 },
        { dtype: 'float16', rank: 1 },
      ],
      'float16',
    ],
    [
      [
        { dtype: 'float32', rank: 0 },
        { dtype: 'float64', rank: 0 },
      ],
      'float64',
    ],
  ] as const)('%j → %s', (ops, expected) => {
    expect(resultType(ops as never)).toBe(expected);
  });

  it('promote_types is symmetric and orders bool < ints < floats', () => {
    expect(promoteTypes('int64', 'float16')).toBe('float16');
    expect(promoteTypes('float16', 'int64')).toBe('float16');
    expect(promoteTypes('int32', 'int64')).toBe('int64');
    expect(promoteTypes('bool', 'int32')).toBe('int32');
  });
});

describe('shape helpers', () => {
  it('broadcasts like NumPy and rejects incompatible shapes', () => {
    expect(broadcast([3, 1, 5], [4, 1])).toEqual([3, 4, 5]);
    expect(broadcast([], [2, 3])).toEqual([2, 3]);
    expect(() => broadcast([3], [4])).toThrow(ShapeError);
  });

  it('computes pooling windows with PyTorch ceil_mode semantics', () => {
    expect(windowOut(5, 2, 2, 0, 1, false)).toBe(2);
    expect(windowOut(5, 2, 2, 0, 1, true)).toBe(3);
    // the last window may not start in the right padding
    expect(windowOut(4, 3, 2, 1, 1, true)).toBe(3);
    expect(windowOut(5, 2, 2, 1, 1, true)).toBe(3);
  });

  it('computes Python slice lengths (negative, out of range, steps)', () => {
    expect(sliceLen(5, 1, -1, 1)).toBe(3);
    expect(sliceLen(5, null, null, 2)).toBe(3);
    expect(sliceLen(5, -2, 8, 1)).toBe(2);
    expect(sliceLen(5, 3, 1, 1)).toBe(0);
  });
});

describe('operator shape/dtype rules', () => {
  it('matmul: vector/matrix/batched broadcasting', () => {
    expect(infer('matmul', [t('float32', 3), t('float32', 3)])[0]!.shape).toEqual([]);
    expect(infer('matmul', [t('float32', 2, 3), t('float32', 3)])[0]!.shape).toEqual([2]);
    expect(infer('matmul', [t('float32', 3), t('float32', 4, 3, 5)])[0]!.shape).toEqual([4, 5]);
    expect(infer('matmul', [t('float32', 2, 1, 2, 3), t('float32', 5, 3, 4)])[0]!.shape).toEqual([
      2, 5, 2, 4,
    ]);
    expect(() => infer('matmul', [t('float32', 2, 3), t('float64', 3, 2)])).toThrow(ShapeError);
  });

  it('conv2d and conv_transpose2d output sizes', () => {
    const a = {
      in_channels: 4,
      out_channels: 6,
      kernel_size: [3, 2],
      stride: [2, 1],
      padding: [1, 0],
      dilation: [1, 2],
      groups: 2,
      bias: true,
    };
    expect(infer('conv2d', [t('float32', 1, 4, 7, 5)], a)[0]!.shape).toEqual([1, 6, 4, 3]);
    const b = {
      in_channels: 4,
      out_channels: 2,
      kernel_size: [3],
      stride: [2],
      padding: [1],
      output_padding: [1],
      dilation: [1],
      groups: 1,
      bias: false,
    };
    expect(infer('conv_transpose1d', [t('float32', 4, 5)], b)[0]!.shape).toEqual([2, 10]);
  });

  it('reductions: keepdim, full reduction, int accumulation dtypes', () => {
    expect(infer('sum', [t('int32', 2, 3)], { dim: [1], keepdim: true })[0]).toEqual(t('int64', 2, 1));
    expect(infer('sum', [t('bool', 2, 3)], { dim: null, keepdim: false })[0]).toEqual(t('int64'));
    expect(infer('amax', [t('int32', 2, 3, 4)], { dim: [-1, 0], keepdim: false })[0]).toEqual(t('int32', 3));
    expect(infer('argmax', [t('float32', 2, 3)], { dim: -1, keepdim: false })[0]).toEqual(t('int64', 2));
    expect(infer('cumsum', [t('bool', 4)], { dim: 0 })[0]).toEqual(t('int64', 4));
  });

  it('elementwise dtype rules (int inputs to float ops, true division, comparisons)', () => {
    expect(infer('exp', [t('int64', 2)])[0]!.dtype).toBe('float32');
    expect(infer('abs', [t('int32', 2)])[0]!.dtype).toBe('int32');
    expect(infer('div', [t('int32', 2), t('int64', 2)])[0]!.dtype).toBe('float32');
    expect(infer('div', [t('int32', 2), t('int64', 2)], { rounding_mode: 'floor' })[0]!.dtype).toBe('int64');
    expect(infer('add', [t('float16', 2, 1)], { scalar: 2.5, scalarType: 'float' })[0]).toEqual(
      t('float16', 2, 1),
    );
    expect(infer('gt', [t('int32', 2, 1), t('float32', 3)])[0]).toEqual(t('bool', 2, 3));
    expect(infer('where', [t('bool', 2, 1), t('int32', 3), t('float64')])[0]).toEqual(t('float64', 2, 3));
  });

  it('split/chunk piece counts and reshape with -1', () => {
    expect(infer('chunk', [t('float32', 5, 2)], { chunks: 4, dim: 0 }).map((o) => o.shape)).toEqual([
      [2, 2],
      [2, 2],
      [1, 2],
    ]);
    expect(
      infer('split', [t('float32', 2, 7)], { split_size_or_sections: 3, dim: -1 }).map((o) => o.shape[1]),
    ).toEqual([3, 3, 1]);
    expect(infer('reshape', [t('float32', 2, 3, 4)], { shape: [-1, 6] })[0]!.shape).toEqual([4, 6]);
    expect(() => infer('reshape', [t('float32', 2, 3, 4)], { shape: [5, -1] })).toThrow(ShapeError);
  });
});

describe('Rng', () => {
  it('is deterministic and roughly uniform', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    const mean = xs.reduce((p, c) => p + c, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(new Rng(43).next()).not.toBe(xs[0]);
  });
});
