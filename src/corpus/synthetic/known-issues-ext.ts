/**
 * Known issues of the default toolchain (torch 1.13 `torch.onnx`, ONNX Runtime 1.30 CPU) with the
 * operators of the extended library (found by `convgate generate --target uncovered` runs; see
 * docs/findings.md, "Extended synthetic library on torch 1.13"). Same semantics as the core list.
 */
import { isFloat } from './dtype.js';
import type { KnownIssue } from './known-issues.js';
import type { Attrs, Tensor } from './types.js';

const first = (ins: readonly Tensor[]) => ins[0]!;
const always = () => true;
const fnIn =
  (...fns: string[]) =>
  (_i: readonly Tensor[], a: Attrs) =>
    fns.includes(a.fn as string);

export const EXTENDED_KNOWN_ISSUES: readonly KnownIssue[] = [
  {
    id: 'ext-no-symbolic',
    kind: 'unsupported',
    ops: ['sinh', 'cosh', 'asinh', 'acosh', 'atanh', 'expm1', 'exp2', 'trunc', 'frac', 'deg2rad', 'rad2deg', 'erfc', 'sinc', 'logit', 'isneginf', 'isposinf', 'signbit', 'atan2', 'xlogy', 'logaddexp', 'logaddexp2', 'heaviside', 'cumulative', 'bilinear', 'unflatten', 'atleast', 'complex_ops'],
    note: 'torch 1.13 has no ONNX symbolic for these (UnsupportedOperatorError): sinh/cosh/asinh/acosh/atanh, expm1, exp2, trunc, frac, deg2rad/rad2deg, erfc, sinc, logit, isneginf/isposinf, signbit, atan2, xlogy, logaddexp(2), heaviside, cumprod, logcumsumexp, bilinear, unflatten, atleast_nd, view_as_complex/complex/polar/angle/fft/stft',
    match: always,
  },
  {
    id: 'ext-no-symbolic-variant',
    kind: 'unsupported',
    ops: ['special', 'ternary', 'linalg_product', 'like_shape', 'move_axes', 'copy_like', 'join_ext', 'split_ext', 'index_write', 'scatter_ext', 'take', 'narrow_diag', 'data_dependent', 'sort_ext', 'bucketize', 'conv_ext', 'grid_sample', 'upsample_direct', 'loss', 'random_check', 'create'],
    note: 'variants without a torch 1.13 symbolic: torch.special erfc/erfcx/expm1/exp2/sinc/ndtr, addcdiv, addbmm/addmv/addr, broadcast_to, mT/mH, fliplr/flipud/ravel/rot90, hstack/vstack/dstack/column_stack, hsplit/vsplit, select_scatter/diagonal_scatter, scatter_reduce, take_along_dim, diag/diag_embed, argwhere/unique_consecutive, msort/kthvalue/sort(stable), histc/searchsorted, col2im (F.fold), affine_grid, nearest-exact and antialiased upsampling, mse/l1/smooth_l1/huber losses and class-probability cross_entropy, randint/randint_like/uniform_/bernoulli(p), logspace and the hamming/blackman/bartlett windows',
    match: fnIn(
      'erfc', 'erfcx', 'expm1', 'exp2', 'sinc', 'ndtr',
      'addcdiv', 'addbmm', 'addmv', 'addr', 'broadcast_to', 'mT', 'mH',
      'fliplr', 'flipud', 'ravel', 'rot90', 'hstack', 'vstack', 'dstack', 'column_stack', 'hsplit', 'vsplit',
      'select_scatter', 'diagonal_scatter', 'scatter_reduce', 'take_along_dim', 'diag', 'diag_embed',
      'argwhere', 'unique_consecutive', 'msort', 'kthvalue', 'sort_stable', 'histc', 'searchsorted', 'col2im', 'affine_grid',
      'nearest-exact', 'antialias', 'mse_loss', 'l1_loss', 'smooth_l1_loss', 'huber_loss', 'cross_entropy_probs',
      'randint', 'randint_like', 'uniform_', 'bernoulli_p', 'logspace', 'hamming_window', 'blackman_window', 'bartlett_window',
    ),
  },
  {
    id: 'ext-opset-too-low',
    kind: 'unsupported',
    ops: ['split_ext', 'tensordot', 'repeat_interleave'],
    note: 'tensor_split needs opset 13, tensordot opset 12, repeat_interleave along a dynamic dim opset 13 (torch 1.13 refuses lower opsets)',
    match: (ins, a, opset, kind) =>
      (kind === 'split_ext' && String(a.fn).startsWith('tensor_split') && opset < 13) ||
      (kind === 'tensordot' && opset < 12) ||
      (kind === 'repeat_interleave' && opset < 13 && first(ins).shape.some((d, i) => d !== first(ins).alt[i])),
  },
  {
    id: 'ext-bitwise-int',
    kind: 'unsupported',
    ops: ['bitwise_not', 'bitwise_and', 'bitwise_or', 'bitwise_xor', 'bitwise_left_shift', 'bitwise_right_shift'],
    note: 'bitwise ops: only bool & | ^ ~ and the << >> operators on tensors are exported; integer and/or/xor/not, the torch.bitwise_* functions and a scalar on the left are refused; a bool tensor & | a Python bool trips an internal assert of the alias analysis (no op for aten::__and__(Tensor, bool))',
    match: (ins, a, _o, kind) => {
      if (kind.includes('shift')) return a.spelling === 'fn' || !!a.scalarFirst;
      if (kind !== 'bitwise_xor' && a.scalar !== undefined) return true;
      return a.spelling === 'fn' || first(ins).dtype !== 'bool' || !!a.scalarFirst;
    },
  },
  {
    id: 'ext-sym-or',
    kind: 'unsupported',
    ops: ['sym_shape'],
    note: 'an int | computed from a traced size: the | symbolic refuses non-bool inputs (bitwise OR for non-boolean input values)',
    match: (_i, a) => a.program === 'or',
  },
  {
    id: 'ext-threshold-nonzero',
    kind: 'unsupported',
    ops: ['threshold'],
    note: 'F.threshold is only exported with threshold 0 and value 0',
    match: (_i, a) => a.threshold !== 0 || a.value !== 0,
  },
  {
    id: 'ext-float-op-int-input',
    kind: 'bug',
    ops: ['acos', 'asin', 'tan', 'log1p', 'log2', 'log10', 'isnan', 'isinf', 'isfinite', 'nan_to_num'],
    note: 'a float-only op on an int input is exported without a Cast (invalid model: Log/Acos/IsNaN on int32/int64)',
    match: (ins) => !isFloat(first(ins).dtype),
  },
  {
    id: 'ext-ort-no-float64',
    kind: 'runtime-gap',
    ops: ['acos', 'asin', 'tan', 'determinant', 'grid_sample', 'upsample_direct', 'norm_ext'],
    note: 'ONNX Runtime CPU has no float64 kernel for Acos, Asin, Tan, Det, GridSample, Resize, LpNormalization',
    match: (ins) => first(ins).dtype === 'float64',
  },
  {
    id: 'ext-movedim-negative',
    kind: 'bug',
    ops: ['move_axes'],
    note: 'movedim/moveaxis with a negative dim is exported as a Transpose with a negative perm entry (invalid model)',
    match: (_i, a) => (a.fn === 'movedim' || a.fn === 'moveaxis') && ((a.a as number) < 0 || (a.b as number) < 0),
  },
  {
    id: 'ext-unique-inverse-shape',
    kind: 'bug',
    ops: ['data_dependent'],
    note: 'torch.unique(return_inverse=True) of a multi-dimensional tensor: the inverse indices come out flattened',
    match: (_i, a) => a.fn === 'unique_inverse' && (a.valuesShape as number[]).length > 1,
  },
  {
    id: 'ext-linspace-float64',
    kind: 'bug',
    ops: ['create'],
    note: 'torch.linspace is exported with a float64 output where PyTorch gives float32',
    match: fnIn('linspace'),
  },
  {
    id: 'ext-one-hot-0d',
    kind: 'bug',
    ops: ['embedding_ext'],
    note: 'F.one_hot of a 0-d index tensor is exported as OneHot with 0-d indices (invalid model: indices must have rank ≥ 1)',
    match: (ins, a) => a.fn === 'one_hot' && first(ins).shape.length === 0,
  },
  {
    id: 'ext-bernoulli-0d',
    kind: 'bug',
    ops: ['random_check'],
    note: 'torch.bernoulli of a 0-d tensor is exported as RandomUniform with an empty shape attribute (checker error)',
    match: (ins, a) => (a.fn === 'bernoulli' || a.fn === 'rand') && first(ins).shape.length === 0,
  },
  {
    id: 'ext-dropout-train',
    kind: 'bug',
    ops: ['random_check'],
    note: 'F.dropout(training=True) exported: the kept elements are not scaled by 1/(1-p) like PyTorch does (every sample fails the mask rule)',
    match: fnIn('dropout_train'),
  },
  {
    id: 'ext-meshgrid',
    kind: 'bug',
    ops: ['meshgrid'],
    note: "torch.meshgrid crashes the exporter ('torch._C.Value' object is not subscriptable)",
    match: always,
  },
  {
    id: 'ext-script-branch',
    kind: 'bug',
    ops: ['script'],
    note: 'scripted shape branches and int arithmetic: an internal assert in the ONNX serializer (If on x.dim()/is_floating_point) or an If whose branches disagree in type (invalid model)',
    match: (_i, a) => a.program === 'shape_branch' || a.program === 'int_math',
  },
  {
    id: 'ext-bf16-cast-opset',
    kind: 'bug',
    ops: ['bf16_roundtrip'],
    note: 'a cast to bfloat16 below opset 13 (where Cast does not allow bfloat16) is exported anyway (invalid model)',
    match: (_i, _a, opset) => opset < 13,
  },
  {
    id: 'ext-cdist-nan',
    kind: 'bug',
    ops: ['distance'],
    note: 'torch.cdist (p=2) is exported as sqrt(|x|² + |y|² − 2x·y), which goes slightly negative for near points: NaN where PyTorch gives 0',
    match: (_i, a) => a.fn === 'cdist',
  },
  {
    id: 'ext-roi-wrong',
    kind: 'bug',
    ops: ['roi'],
    note: "torchvision's roi_align/roi_pool ONNX symbolics disagree with the eager kernels (aligned boxes, sampling)",
    match: always,
  },
];
