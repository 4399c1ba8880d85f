/**
 * Areas of a converter's surface: every registered translation function falls in one area (so
 * reports can say "uncovered: 12 reductions, 9 quantization ops, …"), and some areas are outside
 * what a corpus of traced/exported eager models can reach at all (docs/coverage.md lists why).
 * Pure data + lookup; names are the recorders' dispatch keys (`aten::add`, `aten::add.Tensor`,
 * `prim::If`, `quantized::conv2d`, `_operator.add`, `higher_order.cond`, `prims::sum`, …).
 */

export interface AreaDef {
  id: string;
  title: string;
  /**
   * Why a corpus of models cannot reach this area by design; absent when it can. The "reachable"
   * denominator leaves these out; the honest one keeps them.
   */
  unreachable?: string;
}

export const AREAS: readonly AreaDef[] = [
  { id: 'arithmetic', title: 'elementwise arithmetic' },
  { id: 'math', title: 'elementwise math functions' },
  { id: 'activation', title: 'activations' },
  { id: 'compare-logical', title: 'comparison, logical and bitwise ops' },
  { id: 'select-clamp', title: 'where, clamp, min/max, masking' },
  { id: 'reduction', title: 'reductions and scans' },
  { id: 'linalg', title: 'matmul and linear algebra' },
  { id: 'conv', title: 'convolutions' },
  { id: 'pool', title: 'pooling' },
  { id: 'norm', title: 'normalization' },
  { id: 'shape', title: 'shape and data movement' },
  { id: 'join-split', title: 'concatenation and splitting' },
  { id: 'indexing', title: 'indexing, gather and scatter' },
  { id: 'embedding', title: 'embeddings and one-hot' },
  { id: 'creation', title: 'tensor creation' },
  { id: 'resize-pad', title: 'padding, upsampling and sampling grids' },
  { id: 'sort', title: 'sorting, top-k and unique' },
  { id: 'cast', title: 'dtype casts' },
  { id: 'rnn', title: 'recurrent layers' },
  { id: 'attention', title: 'attention' },
  { id: 'loss', title: 'losses' },
  { id: 'dropout', title: 'dropout' },
  { id: 'random', title: 'random sampling' },
  { id: 'signal', title: 'FFT, STFT and windows' },
  { id: 'complex', title: 'complex numbers and conjugation' },
  { id: 'quantization', title: 'quantization' },
  { id: 'vision-ops', title: 'torchvision operators' },
  { id: 'graph', title: 'graph structure (constants, lists, tuples)' },
  { id: 'script', title: 'TorchScript-only constructs (lists, control flow, Python builtins)' },
  { id: 'symbolic-shape', title: 'symbolic shape arithmetic' },
  { id: 'control-flow', title: 'higher-order control flow (cond, while_loop, scan)' },
  {
    id: 'prims',
    title: 'primitive ops (prims::), reached through decompositions',
  },
  {
    id: 'backward',
    title: 'backward / training-only kernels',
    unreachable: 'exported inference graphs never contain backward kernels',
  },
  {
    id: 'inplace-alias',
    title: 'in-place alias keys (TorchScript)',
    unreachable:
      'the TorchScript exporter strips the trailing underscore of an in-place node kind (aten::dropout_ → aten::dropout) before the registry lookup, so a key that itself ends in `_` is never looked up',
  },
  {
    id: 'custom',
    title: 'custom-op plumbing (onnx::Placeholder, torch.onnx.ops.symbolic)',
  },
  { id: 'other', title: 'other' },
];

const AREA_BY_ID = new Map(AREAS.map((a) => [a.id, a]));

/** [area, pattern of the base op name] in priority order (first match wins). */
const RULES: readonly (readonly [string, RegExp])[] = [
  ['backward', /_backward$/],
  ['quantization', /^(quantize_per_tensor|quantize_per_channel|dequantize|fake_quantize_.*)$/],
  [
    'complex',
    /^(_?conj(_physical)?|resolve_conj|resolve_neg|view_as_complex(_copy)?|view_as_real(_copy)?|complex|polar|angle|_cast_Complex.*)$/,
  ],
  ['signal', /^(_fft_.*|fft_.*|stft|istft|.*_window)$/],
  ['cast', /^(_cast_.*|to|type_as|_to_copy|convert_element_type|_autocast_to_.*)$/],
  ['rnn', /^(lstm|gru|rnn_tanh|rnn_relu|lstm_cell|gru_cell|_pack_padded_sequence|_pad_packed_sequence)$/],
  ['attention', /^(scaled_dot_product_attention|_scaled_dot_product_.*)$/],
  [
    'loss',
    /^(nll_loss.*|cross_entropy_loss|binary_cross_entropy.*|kl_div|mse_loss|l1_loss|smooth_l1_loss|huber_loss|cosine_embedding_loss)$/,
  ],
  ['dropout', /^(native_dropout|dropout|feature_dropout|alpha_dropout|feature_alpha_dropout)$/],
  [
    'random',
    /^(bernoulli|rand|rand_like|randn|randn_like|randint|randint_like|normal|normal_functional|multinomial|rrelu|_standard_gamma|_sample_dirichlet|uniform|exponential|poisson)$/,
  ],
  ['embedding', /^(embedding|embedding_bag|_embedding_bag.*|embedding_renorm|one_hot)$/],
  [
    'script',
    /^(Delete|__not_|__is_|__isnot_|__contains_|__derive_index|__range_length|__getitem_|_set_item|__interpolate|append|insert|pop|len|list|dim|size|numel|item|is_floating_point|is_pinned|floordiv|_dim_arange|_shape_as_tensor|_reshape_from_tensor|is_nonzero|equal|allclose|_local_scalar_dense|sym_size|sym_storage_offset|scan|get_pool_ceil_padding)$/,
  ],
  [
    'conv',
    /^(conv[123]d|conv_transpose[123]d|_convolution|_convolution_mode|convolution|conv_tbc|im2col|col2im|unfold|pixel_shuffle|pixel_unshuffle|_grouped_mm)$/,
  ],
  ['pool', /^(max_pool[123]d(_with_indices)?|avg_pool[123]d|adaptive_(avg|max)_pool[123]d|lp_pool[123]d)$/],
  [
    'norm',
    /^(batch_norm|native_batch_norm|_native_batch_norm_legit.*|layer_norm|native_layer_norm|group_norm|native_group_norm|instance_norm|_weight_norm|rms_norm|renorm)$/,
  ],
  [
    'resize-pad',
    /^(pad|constant_pad_nd|reflection_pad[123]d|replication_pad[123]d|_pad_circular|upsample_.*|_upsample_.*|grid_sampler.*|affine_grid_generator)$/,
  ],
  [
    'sort',
    /^(sort|argsort|topk|unique_dim|_unique2?|unique_consecutive|bucketize|searchsorted|histc|bincount|kthvalue|median|mode)$/,
  ],
  [
    'linalg',
    /^(matmul|mm|bmm|addmm|addbmm|baddbmm|addmv|addr|dot|mv|outer|einsum|tensordot|linear|bilinear|cross|linalg_cross|linalg_det|_linalg_det|det|logdet|cdist|linalg_.*norm|frobenius_norm|norm|pairwise_distance|cosine_similarity|mH|mT)$/,
  ],
  [
    'reduction',
    /^(sum|mean|prod|amax|amin|aminmax|argmax|argmin|all|any|std|std_mean|var|var_mean|logsumexp|cumsum|cumprod|logcumsumexp|cummax|cummin|max|min|count_nonzero)$/,
  ],
  [
    'creation',
    /^(zeros|zeros_like|ones|ones_like|full|full_like|empty|empty_like|empty_strided|new_empty|new_empty_strided|new_full|new_ones|new_zeros|arange|linspace|logspace|eye|tensor|scalar_tensor|as_tensor|fill|zero|lift|lift_fresh_copy|_dim_arange)$/,
  ],
  [
    'indexing',
    /^(index|_unsafe_index|index_put|_unsafe_index_put|index_select|index_add|index_copy|index_fill|gather|scatter|scatter_add|scatter_reduce|select_scatter|slice_scatter|take|masked_select|masked_scatter|nonzero|nonzero_numpy|select|slice|narrow|diagonal|diagonal_copy|tril|triu)$/,
  ],
  [
    'join-split',
    /^(cat|concat|concatenate|stack|hstack|vstack|split|split_with_sizes|unsafe_split|unsafe_split_with_sizes|tensor_split|chunk|unsafe_chunk|unbind|meshgrid|broadcast_tensors)$/,
  ],
  [
    'shape',
    /^(reshape|reshape_as|view|view_as|view_copy|_unsafe_view|flatten|unflatten|squeeze|unsqueeze|transpose|permute|t|numpy_T|movedim|expand|expand_as|broadcast_to|broadcast_in_dim|repeat|repeat_interleave|tile|flip|roll|contiguous|clone|detach|alias|copy|as_strided|atleast_[123]d|resize|device_put)$/,
  ],
  [
    'select-clamp',
    /^(where|masked_fill|clamp|clamp_min|clamp_max|clip|maximum|minimum|fmax|fmin|nan_to_num|threshold|hardtanh)$/,
  ],
  [
    'compare-logical',
    /^(__and_|__or_|__xor_|__lshift__?|__rshift__?|eq|ne|gt|ge|lt|le|greater|greater_equal|less|less_equal|logical_(and|or|xor|not)|bitwise_(and|or|xor|not|left_shift|right_shift)|isnan|isinf|isfinite|isneginf|isposinf|isclose|signbit|heaviside)$/,
  ],
  [
    'activation',
    /^(relu|relu6|leaky_relu|prelu|_prelu_kernel|elu|selu|celu|gelu|silu|mish|hardswish|hardsigmoid|softplus|softsign|softshrink|hardshrink|tanhshrink|glu|sigmoid|log_sigmoid|softmax|_softmax|log_softmax|_log_softmax|special_softmax|special_log_softmax)$/,
  ],
  [
    'arithmetic',
    /^(add|sub|rsub|subtract|mul|multiply|div|divide|true_divide|floor_divide|_floor_divide|remainder|fmod|pow|neg|abs|reciprocal|sign|square|addcmul|addcdiv|lerp|xlogy|special_xlogy|logaddexp|logaddexp2)$/,
  ],
  [
    'math',
    /^(exp|exp2|expm1|special_expm1|log|log2|log10|log1p|sqrt|rsqrt|sin|cos|tan|asin|acos|atan|atan2|sinh|cosh|tanh|asinh|acosh|atanh|erf|erfc|erfinv|special_erf|special_erfc|special_erfcx|floor|ceil|round|trunc|frac|deg2rad|rad2deg|logit|sinc|special_sinc|sgn)$/,
  ],
];

const PRIM_GRAPH =
  /^(Constant|ListConstruct|ListUnpack|TupleConstruct|TupleUnpack|ConstantChunk|ConstantSplit|TupleIndex)$/;
const PRIM_CONTROL = /^(If|Loop)$/;

export interface ParsedName {
  namespace: string;
  /** The op without namespace and overload: `add` for `aten::add.Tensor`. */
  base: string;
}

export function parseName(name: string): ParsedName {
  const sep = name.indexOf('::');
  if (sep >= 0) {
    const rest = name.slice(sep + 2);
    const dot = rest.indexOf('.');
    return { namespace: name.slice(0, sep), base: dot >= 0 ? rest.slice(0, dot) : rest };
  }
  const dot = name.lastIndexOf('.');
  return dot >= 0
    ? { namespace: name.slice(0, dot), base: name.slice(dot + 1) }
    : { namespace: '', base: name };
}

/** The area of a registered function. */
export function areaOf(name: string): AreaDef {
  const { namespace, base } = parseName(name);
  const by = (id: string) => AREA_BY_ID.get(id)!;
  switch (namespace) {
    case 'quantized':
      return by('quantization');
    case 'prims':
      return by('prims');
    case 'torchvision':
      return by('vision-ops');
    case 'onnx_symbolic':
    case 'onnx':
      return by('custom');
    case 'higher_order':
      return by('control-flow');
    case '_operator':
    case 'math':
    case 'torch':
      return by('symbolic-shape');
    case 'prim':
      if (PRIM_GRAPH.test(base)) return by('graph');
      return by(PRIM_CONTROL.test(base) ? 'control-flow' : 'script');
    case 'aten':
      if (!base.startsWith('__') && base.endsWith('_') && !name.includes('.')) return by('inplace-alias');
  }
  for (const [id, re] of RULES) if (re.test(base)) return by(id);
  return by('other');
}

export function areaById(id: string): AreaDef | undefined {
  return AREA_BY_ID.get(id);
}
