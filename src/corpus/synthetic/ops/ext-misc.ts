/**
 * Extended library, the rest: tensor creation (from an input's shape or constants), random ops
 * checked by a property of their samples (a random output is never compared by value),
 * fake quantization and quantize/dequantize, complex numbers and FFTs (real in, real out),
 * TorchScript-only constructs (scripted helpers inlined into the trace), bfloat16 round trips.
 */
import { isFloat, isInt } from '../dtype.js';
import { BOOL_FACTS, facts, hull, iv, moved } from '../facts.js';
import { check, numel, sameShape } from '../shape.js';
import type { Attrs, OpDef, Proposal, Shape, SynDType, Tensor } from '../types.js';
import { ALL, F32_64, INTS, mag, range, register, withHalf } from './common.js';
import { ext } from './ext-elementwise.js';

const sym = (m: number): [number, number] => [-m, m];

function def(op: Omit<OpDef, 'minOpset'> & { minOpset?: number }): OpDef {
  return ext({ minOpset: 11, ...op } as OpDef);
}

const LIKE = [
  'zeros_like',
  'ones_like',
  'full_like',
  'empty_like_zero',
  'new_zeros',
  'new_ones',
  'new_full',
  'new_empty_zero',
  'fill',
  'zero',
] as const;
const SIZED = ['zeros', 'ones', 'full', 'empty_zero'] as const;
const RANGED = [
  'arange',
  'arange_start',
  'arange_step',
  'linspace',
  'logspace',
  'eye',
  'hann_window',
  'hamming_window',
  'blackman_window',
  'bartlett_window',
] as const;
const CONSTANT = ['tensor', 'scalar_tensor', 'as_tensor'] as const;

function createdLength(a: Attrs, n: number): number {
  switch (a.fn) {
    case 'arange_start':
      return Math.max(0, n - 1);
    case 'arange_step':
      return Math.ceil(n / 2);
    default:
      return n;
  }
}

register(
  def({
    kind: 'create',
    group: 'misc',
    doc: `tensor creation: ${[...LIKE, ...SIZED, ...RANGED, ...CONSTANT].join(', ')} — sizes from the input's static shape or its size along a dim (arange over x.shape[d])`,
    infer([x], a) {
      check(x !== undefined, 'create: one input');
      const fn = a.fn as string;
      const dtype = (a.dtype as SynDType | undefined) ?? x.dtype;
      if ((LIKE as readonly string[]).includes(fn))
        return [{ dtype: fn === 'fill' || fn === 'zero' ? x.dtype : dtype, shape: [...x.shape] }];
      if ((SIZED as readonly string[]).includes(fn)) return [{ dtype, shape: [...x.shape] }];
      if ((CONSTANT as readonly string[]).includes(fn))
        return [{ dtype: 'float32', shape: fn === 'scalar_tensor' ? [] : [(a.values as number[]).length] }];
      const d = a.dim as number;
      check(x.shape.length >= 1 && d >= 0 && d < x.shape.length, 'create: dim');
      const n = x.shape[d]!;
      if (fn === 'eye') return [{ dtype: 'float32', shape: [n, n] }];
      const len = createdLength(a, n);
      check(len >= 1, 'create: non-empty');
      return [{ dtype: fn.startsWith('arange') ? 'int64' : 'float32', shape: [len] }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick([...LIKE, ...SIZED, ...RANGED, ...CONSTANT]);
      const ranged = (RANGED as readonly string[]).includes(fn);
      const x = ctx.take({
        dtypes: withHalf(ctx, ALL),
        minRank: ranged ? 1 : 0,
        where: (t) =>
          ranged
            ? t.shape.length >= 1
            : fn.startsWith('new') ||
              (LIKE as readonly string[]).includes(fn) ||
              t.shape.every((_, i) => ctx.isStatic(t, i)),
      });
      if (!x) return null;
      const attrs: Attrs = { fn };
      if (ranged) attrs.dim = ctx.rng.int(0, x.shape.length - 1);
      if ((CONSTANT as readonly string[]).includes(fn))
        attrs.values =
          fn === 'scalar_tensor'
            ? [1.5]
            : range(ctx.rng.int(1, 4)).map(() => ctx.rng.pick([0.5, -1, 2, 0.25]));
      if (fn === 'full_like' || fn === 'new_full' || fn === 'full' || fn === 'fill')
        attrs.value = x.dtype === 'bool' ? 1 : isInt(x.dtype) ? 3 : 0.5;
      if (
        (fn.endsWith('_like') || fn.startsWith('new_') || (SIZED as readonly string[]).includes(fn)) &&
        ctx.rng.chance(0.3)
      )
        attrs.dtype = ctx.rng.pick(['float32', 'int64'] as const);
      return { inputs: [x], attrs };
    },
    facts([x], a, [o]) {
      const fn = a.fn as string;
      if (o!.dtype === 'bool') return [BOOL_FACTS(true)];
      if (fn.startsWith('arange')) return [facts([0, Math.max(...x!.shape, 1) * 2], true, true)];
      if (fn === 'logspace') return [facts([1, 10])];
      if (fn === 'linspace' || fn.endsWith('window') || fn === 'eye') return [facts([0, 1])];
      if ((CONSTANT as readonly string[]).includes(fn))
        return [facts(hull(...(a.values as number[]).map((v): [number, number] => [v, v])), true)];
      const v = typeof a.value === 'number' ? a.value : 1;
      return [facts([Math.min(0, v), Math.max(1, v)], true)];
    },
  }),
);

// ---------------------------------------------------------------------------------------------
// Random ops: the output is a bool tensor saying that each sample satisfies what the op promises
// (range, support, finiteness, the dropout mask rule), never the samples themselves.

const RANDOM = [
  'rand_like',
  'randn_like',
  'randint_like',
  'bernoulli',
  'bernoulli_p',
  'normal',
  'normal_sized',
  'rand',
  'randn',
  'randint',
  'multinomial',
  'dropout_train',
  'native_dropout',
  'rrelu_train',
  'uniform_',
] as const;

register(
  def({
    kind: 'random_check',
    group: 'misc',
    doc: `random ops, checked by a property of their samples: ${RANDOM.join(', ')}`,
    infer([x], a) {
      check(x !== undefined && x.dtype === 'float32', 'random_check: float32 input');
      if (a.fn === 'multinomial') {
        check(x.shape.length === 2, 'multinomial: [rows, categories]');
        return [{ dtype: 'bool', shape: [x.shape[0]!, a.samples as number] }];
      }
      return [{ dtype: 'bool', shape: [...x.shape] }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(RANDOM);
      const probs = fn === 'bernoulli' || fn === 'multinomial';
      const x = ctx.take({
        dtypes: ['float32'],
        minRank: fn === 'multinomial' ? 2 : 0,
        maxRank: fn === 'multinomial' ? 2 : 4,
        where: (t) =>
          (probs ? t.lo >= (fn === 'multinomial' ? 0.1 : 0) && t.hi <= 1 : mag(t) <= 100) &&
          ((fn !== 'rand' && fn !== 'randn' && fn !== 'randint' && fn !== 'normal_sized') ||
            t.shape.every((_, i) => ctx.isStatic(t, i))),
        range: () => (probs ? [0.1, 0.9] : [-1, 1]),
      });
      if (!x) return null;
      const attrs: Attrs = { fn };
      if (fn === 'multinomial') Object.assign(attrs, { samples: ctx.rng.int(1, 3), replacement: true });
      if (fn === 'randint_like' || fn === 'randint')
        Object.assign(attrs, { low: ctx.rng.int(-3, 0), high: ctx.rng.int(1, 5) });
      return { inputs: [x], attrs };
    },
    facts: () => [BOOL_FACTS(true)],
  }),
);

// ---------------------------------------------------------------------------------------------
// Quantization: power-of-two scales, so x/scale is exact and rounding agrees everywhere.

register(
  def({
    kind: 'fake_quant',
    group: 'misc',
    minOpset: 13,
    doc: 'torch.fake_quantize_per_tensor_affine (scalar or tensor qparams), fake_quantize_per_channel_affine, quantize_per_tensor → dequantize; power-of-two scales, exact inputs',
    infer([x], a) {
      check(x !== undefined && x.dtype === 'float32', 'fake_quant: float32');
      if (a.fn === 'per_channel')
        check(
          x.shape.length >= 1 && x.shape[a.axis as number] === (a.scales as number[]).length,
          'per_channel: axis',
        );
      return [{ dtype: 'float32', shape: [...x.shape] }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['per_tensor', 'per_tensor_qparams', 'per_channel', 'quantize_dequantize']);
      const x = ctx.take({
        dtypes: ['float32'],
        minRank: fn === 'per_channel' ? 1 : 0,
        where: (t) => t.exact && mag(t) <= 8 && (fn !== 'per_channel' || ctx.isStatic(t, 0)),
        range: () => [-2, 2],
      });
      if (!x) return null;
      const scale = ctx.rng.pick([0.125, 0.0625, 0.25]);
      if (fn === 'per_channel')
        return {
          inputs: [x],
          attrs: {
            fn,
            axis: 0,
            scales: range(x.shape[0]!).map(() => ctx.rng.pick([0.125, 0.0625, 0.25])),
            zero_point: 0,
          },
        };
      return {
        inputs: [x],
        attrs: {
          fn,
          scale,
          zero_point: fn === 'quantize_dequantize' ? 128 : 0,
          dtype: fn === 'quantize_dequantize' ? ctx.rng.pick(['quint8', 'qint8']) : 'int8',
        },
      };
    },
    facts([x]) {
      return [facts(hull(iv(x!), [-16, 16]), true)];
    },
  }),
);

// ---------------------------------------------------------------------------------------------
// Complex numbers and FFTs: real tensors in and out (view_as_complex / view_as_real).

register(
  def({
    kind: 'complex_ops',
    group: 'misc',
    minOpset: 17,
    doc: 'complex arithmetic through view_as_complex/view_as_real (rotary-style products, conj), complex abs, torch.complex, torch.polar, torch.angle (real), torch.fft.rfft / fft / irfft, torch.stft (Hann window)',
    infer([x], a) {
      check(x !== undefined && x.dtype === 'float32', 'complex_ops: float32');
      const s = x.shape;
      const r = s.length;
      switch (a.fn) {
        case 'rotary':
        case 'conj_mul':
        case 'fft':
          check(r >= 2 && s[r - 1] === 2, 'complex: last dim 2');
          return [{ dtype: 'float32', shape: [...s] }];
        case 'abs':
          check(r >= 2 && s[r - 1] === 2, 'complex: last dim 2');
          return [{ dtype: 'float32', shape: s.slice(0, -1) }];
        case 'complex':
        case 'polar':
          return [{ dtype: 'float32', shape: [...s, 2] }];
        case 'angle':
          return [{ dtype: 'float32', shape: [...s] }];
        case 'rfft':
          check(r >= 1, 'rfft: rank ≥ 1');
          return [{ dtype: 'float32', shape: [...s.slice(0, -1), Math.floor(s[r - 1]! / 2) + 1, 2] }];
        case 'irfft':
          check(r >= 2 && s[r - 1] === 2 && s[r - 2]! >= 2, 'irfft: [..., n, 2]');
          return [{ dtype: 'float32', shape: [...s.slice(0, -2), 2 * (s[r - 2]! - 1)] }];
        default: {
          check(r === 2, 'stft: [B, T]');
          const nfft = a.n_fft as number;
          const hop = a.hop as number;
          check(s[1]! >= nfft, 'stft: long enough');
          return [{ dtype: 'float32', shape: [s[0]!, nfft / 2 + 1, Math.floor(s[1]! / hop) + 1, 2] }];
        }
      }
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick([
        'rotary',
        'conj_mul',
        'fft',
        'abs',
        'complex',
        'polar',
        'angle',
        'rfft',
        'irfft',
        'stft',
      ]);
      const pair = ['rotary', 'conj_mul', 'fft', 'abs', 'irfft'].includes(fn);
      let shape: Shape;
      if (fn === 'stft') shape = [ctx.dim(1, 2), ctx.rng.int(16, 32)];
      else if (pair) shape = [ctx.dim(1, 3), ctx.dim(2, 6), 2];
      else shape = [ctx.dim(1, 3), ctx.dim(2, 8)];
      const rng: [number, number] = fn === 'polar' ? [0.2, 1] : [-1, 1];
      const x =
        ctx.take({
          dtypes: ['float32'],
          fresh: 'never',
          where: (t) =>
            sameShape(t.shape, shape) &&
            sameShape(t.alt, shape) &&
            t.lo >= rng[0] &&
            t.hi <= rng[1] &&
            (fn !== 'angle' || t.exact),
        }) ?? ctx.fresh('float32', shape, rng);
      if (!x) return null;
      return { inputs: [x], attrs: fn === 'stft' ? { fn, n_fft: 8, hop: 4 } : { fn } };
    },
    facts([x], a) {
      const n = numel(x!.shape);
      if (a.fn === 'angle') return [facts([0, Math.PI], true)];
      if (a.fn === 'rfft' || a.fn === 'fft' || a.fn === 'stft' || a.fn === 'irfft')
        return [facts(sym(mag(x!) * n + 1))];
      return [facts(sym(mag(x!) * mag(x!) * 4 + 2))];
    },
  }),
);

// ---------------------------------------------------------------------------------------------
// TorchScript-only constructs: scripted helpers inlined into the trace (loops, lists, Optional,
// branches on shapes, int arithmetic, item/tolist). Outside tracing (eager reference, torch.export)
// the same program runs as plain Python, so every exporter sees a valid model.

const SCRIPT_PROGRAMS = [
  'loop_accumulate',
  'list_ops',
  'optional_none',
  'shape_branch',
  'int_math',
  'item_tolist',
  'script_interpolate',
  'tensor_meta',
] as const;

register(
  def({
    kind: 'script',
    group: 'misc',
    doc: `scripted helpers (torch.jit.script) called from the traced model: ${SCRIPT_PROGRAMS.join(', ')}`,
    infer([x], a) {
      check(x !== undefined && F32_64.includes(x.dtype) && x.shape.length >= 1, 'script: float, rank ≥ 1');
      const s = x.shape;
      switch (a.program) {
        case 'loop_accumulate':
          return [{ dtype: x.dtype, shape: s.slice(1) }];
        case 'script_interpolate':
          check(s.length === 4, 'interpolate: rank 4');
          return [{ dtype: x.dtype, shape: [s[0]!, s[1]!, s[2]! * 2, s[3]! * 2] }];
        default:
          return [{ dtype: x.dtype, shape: [...s] }];
      }
    },
    propose(ctx) {
      const program = ctx.rng.pick(SCRIPT_PROGRAMS);
      const x = ctx.take({
        dtypes: F32_64,
        minRank: program === 'script_interpolate' ? 4 : 1,
        maxRank: program === 'script_interpolate' ? 4 : 4,
        where: (t) => mag(t) <= 10 && t.shape[0]! <= 6 && t.alt[0]! <= 6,
      });
      return x ? { inputs: [x], attrs: { program } } : null;
    },
    facts([x], a) {
      const m = mag(x!);
      const n = Math.max(x!.shape[0]!, x!.alt[0]!);
      const bound: Record<string, number> = {
        loop_accumulate: m * n,
        optional_none: 4 * m,
        shape_branch: 2 * m + 1,
        int_math: m * (1.5 * n + 2),
        item_tolist: 2 * m,
        tensor_meta: 2 * m,
      };
      const b = bound[a.program as string];
      return [b === undefined ? moved(x!, false) : facts(sym(b))];
    },
  }),
  def({
    kind: 'bf16_roundtrip',
    group: 'cast',
    doc: 'float32 → bfloat16 (optionally transposed or reshaped in bfloat16) → float32',
    infer([x], a) {
      check(x !== undefined && x.dtype === 'float32', 'bf16: float32');
      if (a.move === 'transpose') {
        check(x.shape.length >= 2, 'transpose: rank ≥ 2');
        const s = [...x.shape];
        [s[0], s[1]] = [s[1]!, s[0]!];
        return [{ dtype: 'float32', shape: s }];
      }
      if (a.move === 'flatten') return [{ dtype: 'float32', shape: [numel(x.shape)] }];
      return [{ dtype: 'float32', shape: [...x.shape] }];
    },
    propose(ctx) {
      const move = ctx.rng.pick(['none', 'transpose', 'flatten']);
      const x = ctx.take({
        dtypes: ['float32'],
        minRank: move === 'transpose' ? 2 : 0,
        where: (t) => mag(t) <= 100 && (move !== 'flatten' || t.shape.every((_, i) => ctx.isStatic(t, i))),
      });
      return x ? { inputs: [x], attrs: { move } } : null;
    },
    facts([x]) {
      return [facts([x!.lo - Math.abs(x!.lo) * 0.01 - 1e-3, x!.hi + Math.abs(x!.hi) * 0.01 + 1e-3])];
    },
  }),
);

void isFloat;
void INTS;
export type { Tensor };

// ---------------------------------------------------------------------------------------------
// Direct calls of ATen overloads the dynamo exporter registers apart (Scalar overloads, internal
// kernels, functional variants) — what library code calling torch.ops.aten.* produces. Input:
// a float32 [a, b] tensor with values in [0.5, 1.5] (exact), a, b in 2–5.

type Out = 'same' | 'scalar' | 'flat' | 'batched' | 'attn' | 'bag' | 'grid' | 'pair';
const DIRECT: Record<string, [Out, SynDType]> = {
  'mul.Scalar': ['same', 'float32'],
  'div.Scalar': ['same', 'float32'],
  'div.Scalar_mode': ['same', 'float32'],
  'sub.Scalar': ['same', 'float32'],
  'fmod.Scalar': ['same', 'float32'],
  'xlogy.Scalar_Other': ['same', 'float32'],
  'xlogy.Scalar_Self': ['same', 'float32'],
  'remainder.Scalar_Tensor': ['same', 'float32'],
  'true_divide.Scalar': ['same', 'float32'],
  'divide.Scalar': ['same', 'float32'],
  'multiply.Scalar': ['same', 'float32'],
  'subtract.Scalar': ['same', 'float32'],
  'bitwise_and.Scalar': ['same', 'int64'],
  'bitwise_and.Scalar_Tensor': ['same', 'int64'],
  'bitwise_or.Scalar': ['same', 'int64'],
  'bitwise_or.Scalar_Tensor': ['same', 'int64'],
  'bitwise_xor.Scalar': ['same', 'int64'],
  'bitwise_xor.Scalar_Tensor': ['same', 'int64'],
  'bitwise_left_shift.Tensor_Scalar': ['same', 'int64'],
  'bitwise_left_shift.Scalar_Tensor': ['same', 'int64'],
  'bitwise_right_shift.Tensor_Scalar': ['same', 'int64'],
  'bitwise_right_shift.Scalar_Tensor': ['same', 'int64'],
  '__lshift__.Scalar': ['same', 'int64'],
  '__rshift__.Scalar': ['same', 'int64'],
  clamp_max: ['same', 'float32'],
  'masked_fill.Tensor': ['same', 'float32'],
  'where.Scalar': ['same', 'float32'],
  'all.dims': ['scalar', 'bool'],
  'any.dims': ['scalar', 'bool'],
  min: ['scalar', 'float32'],
  select_scatter: ['same', 'float32'],
  _unsafe_index_put: ['same', 'float32'],
  copy: ['same', 'float32'],
  view_copy: ['flat', 'float32'],
  _linalg_det: ['scalar', 'float32'],
  isclose: ['same', 'bool'],
  'round.decimals': ['same', 'float32'],
  _log_softmax: ['same', 'float32'],
  _softmax: ['same', 'float32'],
  special_log_softmax: ['same', 'float32'],
  special_softmax: ['same', 'float32'],
  _prelu_kernel: ['same', 'float32'],
  native_group_norm: ['batched', 'float32'],
  _native_batch_norm_legit: ['batched', 'float32'],
  _embedding_bag: ['bag', 'float32'],
  embedding_bag: ['bag', 'float32'],
  nll_loss_forward: ['scalar', 'float32'],
  nll_loss: ['scalar', 'float32'],
  empty_strided: ['same', 'float32'],
  new_empty_strided: ['same', 'float32'],
  'fill.Scalar': ['same', 'float32'],
  'normal.Tensor_Tensor': ['same', 'bool'],
  'normal.float_Tensor': ['same', 'bool'],
  normal_functional: ['same', 'bool'],
  randint: ['same', 'bool'],
  randint_like: ['same', 'bool'],
  grid_sampler_2d: ['grid', 'float32'],
  _scaled_dot_product_flash_attention_for_cpu: ['attn', 'float32'],
  view_as_real_copy: ['pair', 'float32'],
  view_as_complex_copy: ['pair', 'float32'],
  cond: ['same', 'float32'],
  while_loop: ['same', 'float32'],
};

export const DIRECT_CALLS = Object.keys(DIRECT);

function directShape(out: Out, a: number, b: number): Shape {
  switch (out) {
    case 'same':
      return [a, b];
    case 'scalar':
      return [];
    case 'flat':
      return [a * b];
    case 'batched':
      return [1, a, b];
    case 'attn':
      return [1, 1, a, b];
    case 'bag':
      return [1, b];
    case 'grid':
      return [1, 1, 2, 2];
    default:
      return [a, b, 2];
  }
}

register(
  def({
    kind: 'aten_direct',
    group: 'misc',
    requires: { torch: '>=2.2' },
    doc: `direct torch.ops.aten calls of overloads models rarely spell out: ${DIRECT_CALLS.join(', ')} (torch.cond and while_loop included)`,
    infer([x], a) {
      check(x !== undefined && x.dtype === 'float32' && x.shape.length === 2, 'aten_direct: float32 [a, b]');
      const d = DIRECT[a.fn as string];
      check(d !== undefined, 'aten_direct: known call');
      const [out, dtype] = d;
      return [{ dtype, shape: directShape(out, x.shape[0]!, x.shape[1]!) }];
    },
    propose(ctx) {
      const fn = ctx.rng.pick(DIRECT_CALLS);
      const shape = [ctx.dim(2, 5), ctx.dim(2, 5)];
      const x =
        ctx.take({
          dtypes: ['float32'],
          fresh: 'never',
          where: (t) =>
            t.shape.length === 2 &&
            t.shape.every((s, i) => s >= 2 && s <= 5 && ctx.isStatic(t, i)) &&
            t.lo >= 0.5 &&
            t.hi <= 1.5 &&
            t.exact,
        }) ?? ctx.fresh('float32', shape, [0.5, 1.5]);
      return x ? { inputs: [x], attrs: { fn } } : null;
    },
    facts([x], a, [o]) {
      if (o!.dtype === 'bool') return [BOOL_FACTS(true)];
      if (o!.dtype === 'int64') return [facts([0, 256], true)];
      const n = numel(x!.shape);
      return [facts(sym(n * 4 + 8))];
    },
  }),
);

// ---------------------------------------------------------------------------------------------
// Symbolic shape arithmetic: an int computed from a dynamic size (x.shape[0]) scales x. Under
// torch.export the arithmetic stays in the graph (operator.*, math.*, torch.sym_*); under tracing
// the same value is computed with tensor ops on torch._shape_as_tensor (a traced Python int would
// be a constant).

export const SYM_PROGRAMS = [
  'mod',
  'neg_abs',
  'pow',
  'ceil_div',
  'floor_div',
  'trunc_div',
  'max_min',
  'shifts',
  'or',
  'ite',
  'sum',
  'float',
] as const;

register(
  def({
    kind: 'sym_shape',
    group: 'shape',
    doc: `x · k for k computed from a dynamic size n = x.shape[0]: ${SYM_PROGRAMS.join(', ')}`,
    infer([x], a) {
      check(x !== undefined && F32_64.includes(x.dtype) && x.shape.length >= 1, 'sym_shape: float, rank ≥ 1');
      check((SYM_PROGRAMS as readonly string[]).includes(a.program as string), 'sym_shape: program');
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
    propose(ctx) {
      // A dynamic first axis when the case has one (the arithmetic only stays symbolic then).
      const x =
        ctx.take({
          dtypes: F32_64,
          minRank: 1,
          fresh: 'never',
          where: (t) => !ctx.isStatic(t, 0) && mag(t) <= 5,
        }) ?? ctx.take({ dtypes: F32_64, minRank: 1, where: (t) => mag(t) <= 5 });
      return x ? { inputs: [x], attrs: { program: ctx.rng.pick(SYM_PROGRAMS) } } : null;
    },
    facts([x]) {
      const n = Math.max(x!.shape[0]!, x!.alt[0]!);
      return [facts(sym(mag(x!) * (n * n + 4 * n + 8)))];
    },
  }),
);
