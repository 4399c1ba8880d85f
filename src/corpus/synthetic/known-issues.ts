/**
 * Known discrepancies of the default toolchain (torch.onnx from torch 1.13, ONNX Runtime CPU),
 * found by this generator. NNSmith-style generators only emit what the backend supports; a
 * regression gate also wants each graph to reach its later nodes instead of stopping on the same
 * known failure in case after case. So a proposal that matches a known issue is kept only with a
 * probability per issue kind (GeneratorOptions.knownIssues):
 *
 * - `runtime-gap`: the exported model is valid ONNX but ONNX Runtime's CPU provider has no kernel
 *   for it (e.g. float64 Conv). Not the converter's fault: avoided by default.
 * - `unsupported`: the converter refuses the operator/attribute outright (UnsupportedOperatorError).
 * - `bug`: the converter produces a wrong or invalid model, or crashes. Genuine findings, kept at a
 *   reduced rate so they stay visible in every run without masking the rest of the corpus.
 *
 * A node that matches an issue carries its id in `known` (docs/synthetic-spec.md) so reports can
 * tell an expected failure from a new one. Ids are stable; the list describes the default
 * toolchain only and is harmless when the converter under test fixed an issue (those constructs
 * are just generated less often).
 */
import { isFloat, isInt, resultType, type Operand } from './dtype.js';
import { windowOut } from './shape.js';
import type { Attrs, SynDType, Tensor } from './types.js';
import { EXTENDED_KNOWN_ISSUES } from './known-issues-ext.js';

export type KnownIssueKind = 'runtime-gap' | 'unsupported' | 'bug';

/** What the generator knows about how an input was computed. */
export interface History {
  /** Op kinds the tensor depends on. */
  upstream: ReadonlySet<string>;
  /** Axes whose static size torch.onnx no longer knows ('all': every axis). */
  lostAxes: ReadonlySet<number> | 'all';
  /** The op that produced the tensor, its attrs and the dtype of its first input (none for graph inputs). */
  producer?: { kind: string; attrs: Attrs; from?: SynDType };
}

export const NO_HISTORY: History = { upstream: new Set(), lostAxes: new Set() };

const lost = (h: History, axis: number): boolean => h.lostAxes === 'all' || h.lostAxes.has(axis);

/**
 * Axes of a node's first output whose static size torch.onnx loses (graph-history issues):
 * F.pad, interpolate/sort of a dynamic input and chunk into fewer pieces than asked lose every axis; shape-preserving ops keep their input's losses, other ops lose all once
 * anything upstream was lost.
 */
export function lostAxesOf(
  kind: string,
  inputs: readonly Tensor[],
  attrs: Attrs,
  history: readonly History[],
  outRank: number,
): History['lostAxes'] {
  const x = inputs[0];
  const before = history[0]?.lostAxes ?? new Set<number>();
  // The traced F.pad output has no static shape at all (Float(*, *, …)).
  if (kind === 'pad') return 'all';
  // Of a dynamic input, interpolate and sort (TopK of a Shape-computed k) lose every size.
  if ((kind === 'interpolate' || kind === 'sort') && x && x.shape.some((d, i) => d !== x.alt[i]))
    return 'all';
  if (kind === 'chunk' && x) {
    const r = x.shape.length;
    const d = (attrs.dim as number) < 0 ? (attrs.dim as number) + r : (attrs.dim as number);
    const n = attrs.chunks as number;
    if (Math.ceil(x.shape[d]! / Math.ceil(x.shape[d]! / n)) < n) return 'all';
  }
  const anyLost = history.some((h) => h.lostAxes === 'all' || h.lostAxes.size > 0);
  if (!anyLost) return new Set();
  if (
    x &&
    outRank === x.shape.length &&
    history.slice(1).every((h) => h.lostAxes !== 'all' && h.lostAxes.size === 0)
  )
    return before;
  return 'all';
}

export interface KnownIssue {
  id: string;
  kind: KnownIssueKind;
  ops: readonly string[];
  /** What goes wrong, observed with torch 1.13.1 + onnxruntime 1.30 (CPU). */
  note: string;
  match: (
    inputs: readonly Tensor[],
    attrs: Attrs,
    opset: number,
    kind: string,
    history: readonly History[],
  ) => boolean;
}

const first = (ins: readonly Tensor[]) => ins[0]!;
const f64 = (ins: readonly Tensor[]) => first(ins).dtype === 'float64';
const always = () => true;

const FLOAT_ONLY_UNARY = [
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'sin',
  'cos',
  'atan',
  'tanh',
  'sigmoid',
  'erf',
  'logsumexp',
];
const NO_F64_KERNEL = [
  'conv1d',
  'conv2d',
  'conv3d',
  'conv_transpose1d',
  'conv_transpose2d',
  'conv_transpose3d',
  'avg_pool1d',
  'avg_pool2d',
  'avg_pool3d',
  'adaptive_avg_pool1d',
  'adaptive_avg_pool2d',
  'group_norm',
  'instance_norm',
  'interpolate',
  'elu',
  'selu',
  'leaky_relu',
  'hardsigmoid',
  'hardswish',
  'softplus',
  'mish',
  'prelu',
  'erf',
  'gelu',
  'atan',
];

/** Dtype promotion of a binary/where/clamp node (value operands, scalars included). */
function promotion(
  ins: readonly Tensor[],
  a: Attrs,
  kind: string,
): { values: readonly Tensor[]; result: ReturnType<typeof resultType> } {
  const values = kind === 'where' ? ins.slice(1) : kind === 'clamp' ? ins : ins;
  const ops: Operand[] = values.map((t) => ({ dtype: t.dtype, rank: t.shape.length }));
  if (a.scalar !== undefined) ops.push({ scalar: a.scalarType as 'int' | 'float' | 'bool' });
  for (const k of ['min', 'max'] as const)
    if (typeof a[k] === 'number') ops.push({ scalar: a[`${k}Type`] as 'int' | 'float' });
  return { values, result: resultType(ops) };
}

const CORE_KNOWN_ISSUES: readonly KnownIssue[] = [
  // ---- ONNX Runtime (CPU) gaps ------------------------------------------------------------------
  {
    id: 'ort-no-float64-kernel',
    kind: 'runtime-gap',
    ops: NO_F64_KERNEL,
    note: 'ONNX Runtime CPU has no float64 kernel (Conv, ConvTranspose, AveragePool, InstanceNormalization, Resize, Elu, Selu, LeakyRelu, HardSigmoid, Softplus, PRelu, Erf, Atan…)',
    match: (ins) => f64(ins),
  },
  {
    id: 'ort-float64-fusion',
    kind: 'runtime-gap',
    ops: ['silu', 'relu6'],
    note: 'ONNX Runtime fuses float64 x*sigmoid(x) into QuickGelu / Relu+Clip and then has no float64 kernel (load fails)',
    match: (ins) => f64(ins),
  },
  {
    id: 'ort-clip11-float64',
    kind: 'runtime-gap',
    ops: ['clamp', 'hardtanh'],
    note: 'ONNX Runtime has no float64 Clip-11 kernel',
    match: (ins, _a, opset) => f64(ins) && opset === 11,
  },
  {
    id: 'ort-layernorm-fusion-cast',
    kind: 'runtime-gap',
    ops: ['layer_norm'],
    note: "ONNX Runtime's LayerNormFusion absorbs a preceding Cast from int/bool/float64 into LayerNormalization (invalid model)",
    match: (_i, a, opset, _k, history) => {
      const p = history[0]?.producer;
      return (
        opset < 17 &&
        !!a.elementwise_affine &&
        p?.kind === 'cast' &&
        p.from !== undefined &&
        p.from !== 'float16' &&
        p.from !== 'float32'
      );
    },
  },
  {
    id: 'ort-pad-fusion-avgpool',
    kind: 'runtime-gap',
    ops: ['avg_pool1d', 'avg_pool2d', 'avg_pool3d'],
    note: "ONNX Runtime's PadFusion merges a zero F.pad into AveragePool's pads and then rejects the fused node (pads must be smaller than the kernel)",
    match: (ins, a, _o, _k, history) => {
      const p = history[0]?.producer;
      if (
        p?.kind !== 'pad' ||
        p.attrs.mode !== 'constant' ||
        Number(p.attrs.value ?? 0) !== 0 ||
        !a.count_include_pad
      )
        return false;
      const pads = p.attrs.pad as number[];
      const k = a.kernel_size as number[];
      const own = a.padding as number[];
      const d = k.length;
      return k.some((kk, i) => {
        const j = d - 1 - i; // pads are listed from the last dim
        const extra = Math.max(pads[2 * j] ?? 0, pads[2 * j + 1] ?? 0);
        return extra > 0 && own[i]! + extra >= kk;
      });
    },
  },
  {
    id: 'ort-relu-int',
    kind: 'runtime-gap',
    ops: ['relu'],
    note: 'ONNX Runtime has no integer Relu kernel',
    match: (ins) => isInt(first(ins).dtype),
  },
  {
    id: 'ort-where-bool',
    kind: 'runtime-gap',
    ops: ['where'],
    note: 'ONNX Runtime has no Where kernel for bool values',
    match: (ins, a) =>
      ins[1]!.dtype === 'bool' &&
      (a.scalar !== undefined ? a.scalarType === 'bool' : ins[2]!.dtype === 'bool'),
  },

  // ---- converter: unsupported -------------------------------------------------------------------
  {
    id: 'onnx-no-logical-not',
    kind: 'unsupported',
    ops: ['logical_not'],
    note: 'aten::logical_not has no ONNX symbolic',
    match: always,
  },
  {
    id: 'onnx-no-tile',
    kind: 'unsupported',
    ops: ['tile'],
    note: 'aten::tile has no ONNX symbolic',
    match: always,
  },
  {
    id: 'onnx-no-conv-padding-same',
    kind: 'unsupported',
    ops: ['conv1d', 'conv2d', 'conv3d'],
    note: "padding='same' traces to aten::_convolution_mode, which has no ONNX symbolic",
    match: (_i, a) => a.padding === 'same',
  },

  // ---- converter: bugs --------------------------------------------------------------------------
  {
    id: 'int-input-to-float-op',
    kind: 'bug',
    ops: FLOAT_ONLY_UNARY,
    note: 'an int/bool input to a float-only op is exported without a Cast (invalid model or int output where PyTorch gives float32)',
    match: (ins) => !isFloat(first(ins).dtype),
  },
  {
    id: 'negative-permute-dims',
    kind: 'bug',
    ops: ['permute'],
    note: 'negative permute dims are written into Transpose.perm unnormalised (invalid model; after a transpose the peephole pass segfaults)',
    match: (_i, a) => (a.dims as number[]).some((d) => d < 0),
  },
  {
    id: 'reduce-all-empty-axes',
    kind: 'bug',
    ops: ['amax', 'amin', 'logsumexp'],
    note: 'a reduction over all dims is exported with an empty `axes` attribute (checker error)',
    match: (ins, a) => a.dim === null || first(ins).shape.length === 0,
  },
  {
    id: 'bool-reduce-max',
    kind: 'bug',
    ops: ['amax', 'amin'],
    note: 'bool input exported to ReduceMax/ReduceMin without a Cast (invalid model)',
    match: (ins) => first(ins).dtype === 'bool',
  },
  {
    id: 'cumsum-int-dtype',
    kind: 'bug',
    ops: ['cumsum'],
    note: 'cumsum of bool/int32 (int64 in PyTorch) is exported as CumSum of the input type (invalid model for bool, int32 output)',
    match: (ins) => first(ins).dtype === 'bool' || first(ins).dtype === 'int32',
  },
  {
    id: 'bool-python-scalar',
    kind: 'bug',
    ops: ['add', 'mul', 'where', 'masked_fill', 'eq', 'ne'],
    note: 'a Python bool operand crashes the tracer (INTERNAL ASSERT in alias_analysis: no aten::add(Tensor, bool, int))',
    match: (_i, a) => a.scalarType === 'bool' || a.valueType === 'bool',
  },
  {
    id: 'bool-arithmetic',
    kind: 'bug',
    ops: ['add', 'maximum', 'minimum'],
    note: 'bool + bool / max / min exported as Add/Max/Min on bool (invalid model)',
    match: (ins) => ins.length >= 2 && ins.every((t) => t.dtype === 'bool'),
  },
  {
    id: 'mixed-dtype-promotion',
    kind: 'bug',
    ops: ['maximum', 'minimum', 'floor_divide', 'where'],
    note: 'operands of max/min/floor_divide/where that need a cast to the promoted dtype are not cast (invalid model: Max/Where bound to different types)',
    match: (ins, a, _o, kind) => {
      const { values, result } = promotion(ins, a, kind);
      return values.some((t) => t.dtype !== result);
    },
  },
  {
    id: 'zero-dim-promotion',
    kind: 'bug',
    ops: ['add', 'sub', 'mul', 'div'],
    note: 'PyTorch type promotion with 0-d operands is not followed: a wider 0-d float of the same category (float32 0-d with a float16 tensor) promotes in ONNX, and a 0-d float64 that makes an int tensor float64 gives float32 (wrong output dtype)',
    match: (ins, a, _o, kind) => {
      const { values, result } = promotion(ins, a, kind);
      const zero = values.filter((t) => t.shape.length === 0);
      const dims = values.filter((t) => t.shape.length > 0);
      return (
        zero.some((t) => t.dtype !== result && isFloat(t.dtype) === isFloat(result)) ||
        (result === 'float64' &&
          dims.length > 0 &&
          !dims.some((t) => t.dtype === 'float64') &&
          zero.some((t) => t.dtype === 'float64'))
      );
    },
  },
  {
    id: 'where-python-scalar',
    kind: 'bug',
    ops: ['where'],
    note: 'a Python scalar operand of where is exported as a float64/int64 constant without a cast (Where bound to different types)',
    match: (_i, a) => a.scalar !== undefined,
  },
  {
    id: 'int-max-min-clip-opset11',
    kind: 'bug',
    ops: ['maximum', 'minimum', 'clamp'],
    note: 'integer Max/Min/Clip are exported at opset 11, where ONNX only defines them for floats (invalid model)',
    match: (ins, _a, opset) => opset < 12 && ins.some((t) => isInt(t.dtype)),
  },
  {
    id: 'zero-dim-float64',
    kind: 'bug',
    ops: [
      'add',
      'sub',
      'mul',
      'div',
      'pow',
      'minimum',
      'remainder',
      'floor_divide',
      'rsqrt',
      'square',
      'gelu',
      'gelu_tanh',
      'silu',
      'softplus',
      'softsign',
      'mish',
    ],
    note: 'when every tensor operand is 0-d, float64 is computed and returned as float32 (scalar type analysis treats 0-d tensors as scalars)',
    match: (ins) => ins.every((t) => t.shape.length === 0) && ins.some((t) => t.dtype === 'float64'),
  },
  {
    id: 'floor-divide-truncates',
    kind: 'bug',
    ops: ['floor_divide'],
    note: 'floor_divide (floor rounding since torch 1.13) is exported as truncating Div: wrong for negative quotients',
    match: (ins, a) => ins.some((t) => t.lo < 0) || (typeof a.scalar === 'number' && a.scalar < 0),
  },
  {
    id: 'int-pow-float',
    kind: 'bug',
    ops: ['pow'],
    note: 'int ** int is exported with a float output',
    match: (ins, a) => ins.every((t) => isInt(t.dtype)) && (a.scalar === undefined || a.scalarType === 'int'),
  },
  {
    id: 'roll-large-shift',
    kind: 'bug',
    ops: ['roll'],
    note: 'roll by more than the dim size is not reduced modulo the size (wrong output); roll without dims crashes (AssertionError)',
    match: (ins, a) =>
      a.dims === null ||
      (a.shifts as number[]).some((s, i) => {
        const r = first(ins).shape.length;
        const d = (a.dims as number[])[i]!;
        return Math.abs(s) > first(ins).shape[d < 0 ? d + r : d]!;
      }),
  },
  {
    id: 'softplus-threshold-ignored',
    kind: 'bug',
    ops: ['softplus'],
    note: 'Softplus is exported without the threshold (linear region) — wrong output above threshold/beta',
    match: (_i, a) => a.threshold !== 20,
  },
  {
    id: 'group-norm-2d',
    kind: 'bug',
    ops: ['group_norm'],
    note: 'group_norm on a 2-D [N, C] input crashes the exporter (IndexError)',
    match: (ins) => first(ins).shape.length === 2,
  },
  {
    id: 'layer-norm-no-affine-opset17',
    kind: 'bug',
    ops: ['layer_norm'],
    note: 'layer_norm without affine parameters at opset 17 is exported as LayerNormalization with an empty scale (checker error)',
    match: (_i, a, opset) => opset >= 17 && !a.elementwise_affine,
  },
  {
    id: 'unbatched-conv-pool',
    kind: 'bug',
    ops: [
      'conv1d',
      'conv2d',
      'conv3d',
      'conv_transpose1d',
      'conv_transpose2d',
      'conv_transpose3d',
      'max_pool1d',
      'max_pool2d',
      'max_pool3d',
      'avg_pool1d',
      'avg_pool2d',
      'avg_pool3d',
      'adaptive_avg_pool1d',
      'adaptive_avg_pool2d',
      'adaptive_max_pool1d',
      'adaptive_max_pool2d',
    ],
    note: 'unbatched (no N dim) convolution/pooling inputs are exported as if batched (invalid models, wrong shapes, crashes)',
    match: (ins, _a, _o, kind) => {
      const d = spatialRank(kind);
      return d !== null && first(ins).shape.length === d + 1;
    },
  },
  {
    id: 'circular-pad-wrong',
    kind: 'bug',
    ops: ['pad'],
    note: 'circular padding is exported wrongly (slices [-(p+1):-1] and swaps the sides of each dim): wrong values, and wrong shapes when p equals the size',
    match: (_i, a) => a.mode === 'circular' && (a.pad as number[]).some((p) => p !== 0),
  },
  {
    id: 'static-shape-lost',
    kind: 'bug',
    ops: [
      'adaptive_avg_pool1d',
      'adaptive_avg_pool2d',
      'adaptive_max_pool1d',
      'adaptive_max_pool2d',
      'batch_norm',
      'instance_norm',
    ],
    note: 'downstream of F.pad, of interpolate/sort on a dynamic input or of chunk into fewer pieces, torch.onnx no longer knows static sizes: non-global adaptive pooling (input size not accessible) and batch/instance norm without affine parameters (unknown channel size) fail to export',
    match: (ins, a, _o, kind, history) => {
      const h = history[0] ?? NO_HISTORY;
      if (kind.startsWith('adaptive')) {
        const out = a.output_size as number[];
        const r = first(ins).shape.length;
        return out.some((v, i) => v !== 1 && lost(h, r - out.length + i));
      }
      return !a.affine && lost(h, 1);
    },
  },
  {
    id: 'ceil-mode-shape',
    kind: 'bug',
    ops: ['max_pool1d', 'max_pool2d', 'max_pool3d', 'avg_pool1d', 'avg_pool2d', 'avg_pool3d'],
    note: "ceil_mode pooling where PyTorch drops a last window starting in the padding: the exported graph's static shape says one more window, so shape-dependent consumers (broadcasting ops, concat, linear, group/layer norm, adaptive pooling) fail",
    match: (ins, a) => {
      if (!a.ceil_mode) return false;
      const x = first(ins);
      const k = a.kernel_size as number[];
      const d = k.length;
      const st = (a.stride as number[] | null) ?? k;
      const p = a.padding as number[];
      const dil = (a.dilation as number[] | undefined) ?? k.map(() => 1);
      return x.shape.slice(-d).some((size, i) => {
        const eff = dil[i]! * (k[i]! - 1) + 1;
        const onnx = Math.ceil((size + 2 * p[i]! - eff) / st[i]!) + 1;
        return onnx !== windowOut(size, k[i]!, st[i]!, p[i]!, dil[i]!, true);
      });
    },
  },
  {
    id: 'chunk-uneven',
    kind: 'bug',
    ops: ['chunk'],
    note: 'chunk that yields fewer, uneven pieces (5 into 4 → 2,2,1) is exported as a SplitToSequence whose splits ONNX Runtime rejects',
    match: (ins, a) => {
      const x = first(ins);
      const r = x.shape.length;
      const d = (a.dim as number) < 0 ? (a.dim as number) + r : (a.dim as number);
      const size = x.shape[d]!;
      const n = a.chunks as number;
      const per = Math.ceil(size / n);
      return Math.ceil(size / per) < n && size % per !== 0;
    },
  },
  {
    id: 'pad-bool',
    kind: 'bug',
    ops: ['pad'],
    note: 'constant padding of a bool tensor is exported as Pad on bool (invalid model)',
    match: (ins) => first(ins).dtype === 'bool',
  },
  {
    id: 'int-true-divide-float64',
    kind: 'bug',
    ops: ['div'],
    note: 'true division with an int operand casts it to float32, so int / float64 gives float32 instead of float64',
    match: (ins, a, _o, kind) =>
      !a.rounding_mode && promotion(ins, a, kind).result === 'float64' && ins.some((t) => !isFloat(t.dtype)),
  },
  {
    id: 'clamp-promotion',
    kind: 'bug',
    ops: ['clamp'],
    note: 'clamp of an int tensor with float bounds keeps the int dtype (PyTorch promotes to float32)',
    match: (ins, a, _o, kind) => promotion(ins, a, kind).result !== first(ins).dtype,
  },
  {
    id: 'conv-transpose-output-padding',
    kind: 'bug',
    ops: ['conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d'],
    note: 'output_padding ≥ stride (allowed by PyTorch when dilation is larger) is rejected by ONNX Runtime',
    match: (_i, a) => (a.output_padding as number[]).some((p, i) => p >= (a.stride as number[])[i]!),
  },
];

/** The core list and the extended library's (known-issues-ext.ts). */
export const KNOWN_ISSUES: readonly KnownIssue[] = [...CORE_KNOWN_ISSUES, ...EXTENDED_KNOWN_ISSUES];

const BY_OP = new Map<string, KnownIssue[]>();
for (const issue of KNOWN_ISSUES)
  for (const op of issue.ops) BY_OP.set(op, [...(BY_OP.get(op) ?? []), issue]);

/** Spatial rank of conv/pool kinds (for the unbatched check). */
function spatialRank(kind: string): number | null {
  const m = /(\d)d$/.exec(kind);
  return m ? Number(m[1]) : null;
}

/** Known issues a proposed node matches. */
export function matchKnownIssues(
  kind: string,
  inputs: readonly Tensor[],
  attrs: Attrs,
  opset: number,
  history: readonly History[] = inputs.map(() => NO_HISTORY),
): KnownIssue[] {
  const list = BY_OP.get(kind);
  if (!list) return [];
  return list.filter((issue) => issue.match(inputs, attrs, opset, kind, history));
}

export type KnownIssuePolicy = Partial<Record<KnownIssueKind, number>>;

/** Default keep-probabilities: runtime gaps avoided, converter limitations and bugs kept rarely. */
export const DEFAULT_KNOWN_ISSUE_POLICY: Required<KnownIssuePolicy> = {
  'runtime-gap': 0,
  unsupported: 0.15,
  bug: 0.2,
};
