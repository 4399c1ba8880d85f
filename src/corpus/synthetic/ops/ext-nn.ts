/**
 * Extended library, neural-network ops: conv_tbc / unfold / fold / pixel (un)shuffle / direct
 * convolution, pooling with indices and 3-D adaptive pooling, extra normalisations, dropout in
 * eval mode, embedding_bag / padding_idx / max_norm / one_hot, direct pad and upsample kernels,
 * grid_sample / affine_grid, recurrent layers and cells, multi-head and scaled-dot-product
 * attention, losses, torchvision's roi_align / roi_pool. Parameters and modules are seeded by
 * the worker (python/convgate_worker/synthetic_ext.py).
 */
import { isInt } from '../dtype.js';
import { facts, hull, iv, moved } from '../facts.js';
import { check, normDim, numel, sameShape, windowOut } from '../shape.js';
import type { Attrs, Ctx, OpDef, Proposal, Shape, SynDType, Tensor, TType } from '../types.js';
import { F32_64, mag, range, register, signedDim } from './common.js';
import { ext } from './ext-elementwise.js';

const sym = (m: number): [number, number] => [-m, m];
const F32: readonly SynDType[] = ['float32'];

function def(op: Omit<OpDef, 'minOpset'> & { minOpset?: number }): OpDef {
  return ext({ minOpset: 11, ...op } as OpDef);
}

/** A fresh float32 input of this shape (pool tensors of exactly this static shape first). */
function input(
  ctx: Ctx,
  shape: Shape,
  rng: [number, number] = [-1, 1],
  dtypes: readonly SynDType[] = F32,
): Tensor | null {
  const found = ctx.take({
    dtypes,
    fresh: 'never',
    where: (t) =>
      sameShape(t.shape, shape) && sameShape(t.alt, shape) && t.lo >= rng[0] - 1e-9 && t.hi <= rng[1] + 1e-9,
  });
  if (found && ctx.rng.chance(0.5)) return found;
  return ctx.fresh(ctx.rng.pick(dtypes), shape, rng);
}

// ---------------------------------------------------------------------------------------------
// Convolution-like

register(
  def({
    kind: 'conv_ext',
    group: 'conv',
    doc: 'torch.conv_tbc, F.unfold (im2col), F.fold (col2im), Tensor.unfold, F.pixel_shuffle / pixel_unshuffle, torch.convolution (seeded weights)',
    infer([x], a) {
      check(x !== undefined && F32_64.includes(x.dtype), 'conv_ext: float input');
      const s = x.shape;
      switch (a.fn) {
        case 'conv_tbc': {
          check(s.length === 3 && s[2] === a.in_channels, 'conv_tbc: [T, B, C]');
          const k = a.kernel as number;
          const pad = a.pad as number;
          return [{ dtype: x.dtype, shape: [s[0]! + 2 * pad - k + 1, s[1]!, a.out_channels as number] }];
        }
        case 'im2col': {
          check(s.length === 4, 'unfold: rank 4');
          const k = a.kernel as number;
          const st = a.stride as number;
          const h = windowOut(s[2]!, k, st, 0, 1);
          const w = windowOut(s[3]!, k, st, 0, 1);
          return [{ dtype: x.dtype, shape: [s[0]!, s[1]! * k * k, h * w] }];
        }
        case 'col2im': {
          const k = a.kernel as number;
          const [oh, ow] = a.output_size as [number, number];
          const st = a.stride as number;
          const blocks = windowOut(oh, k, st, 0, 1) * windowOut(ow, k, st, 0, 1);
          check(s.length === 3 && s[1]! % (k * k) === 0 && s[2] === blocks, 'fold: [N, C·k·k, L]');
          return [{ dtype: x.dtype, shape: [s[0]!, s[1]! / (k * k), oh, ow] }];
        }
        case 'tensor_unfold': {
          const d = normDim(a.dim as number, s.length);
          const size = a.size as number;
          const step = a.step as number;
          check(size <= s[d]!, 'unfold: window');
          const out = [...s];
          out[d] = Math.floor((s[d]! - size) / step) + 1;
          return [{ dtype: x.dtype, shape: [...out, size] }];
        }
        case 'pixel_shuffle': {
          const r = a.factor as number;
          check(s.length >= 3 && s[s.length - 3]! % (r * r) === 0, 'pixel_shuffle: channels');
          const n = s.length;
          return [
            {
              dtype: x.dtype,
              shape: [...s.slice(0, n - 3), s[n - 3]! / (r * r), s[n - 2]! * r, s[n - 1]! * r],
            },
          ];
        }
        case 'pixel_unshuffle': {
          const r = a.factor as number;
          const n = s.length;
          check(n >= 3 && s[n - 2]! % r === 0 && s[n - 1]! % r === 0, 'pixel_unshuffle: spatial');
          return [
            {
              dtype: x.dtype,
              shape: [...s.slice(0, n - 3), s[n - 3]! * r * r, s[n - 2]! / r, s[n - 1]! / r],
            },
          ];
        }
        default: {
          check(s.length === 4 && s[1] === a.in_channels, 'convolution: [N, C, H, W]');
          const k = a.kernel as number;
          return [
            {
              dtype: x.dtype,
              shape: [
                s[0]!,
                a.out_channels as number,
                windowOut(s[2]!, k, 1, 0, 1),
                windowOut(s[3]!, k, 1, 0, 1),
              ],
            },
          ];
        }
      }
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick([
        'conv_tbc',
        'im2col',
        'col2im',
        'tensor_unfold',
        'pixel_shuffle',
        'pixel_unshuffle',
        'convolution',
      ]);
      switch (fn) {
        case 'conv_tbc': {
          const c = ctx.dim(1, 4);
          const x = input(ctx, [ctx.dim(3, 8), ctx.dim(1, 3), c]);
          return x
            ? {
                inputs: [x],
                attrs: {
                  fn,
                  in_channels: c,
                  out_channels: ctx.dim(1, 4),
                  kernel: ctx.rng.int(1, 3),
                  pad: ctx.rng.int(0, 1),
                },
              }
            : null;
        }
        case 'im2col': {
          const x = input(ctx, [ctx.dim(1, 2), ctx.dim(1, 3), ctx.dim(3, 6), ctx.dim(3, 6)]);
          return x ? { inputs: [x], attrs: { fn, kernel: 2, stride: ctx.rng.int(1, 2) } } : null;
        }
        case 'col2im': {
          const [oh, ow] = [ctx.dim(3, 6), ctx.dim(3, 6)];
          const st = ctx.rng.int(1, 2);
          const blocks = windowOut(oh, 2, st, 0, 1) * windowOut(ow, 2, st, 0, 1);
          const x = input(ctx, [ctx.dim(1, 2), 4 * ctx.dim(1, 2), blocks]);
          return x ? { inputs: [x], attrs: { fn, kernel: 2, stride: st, output_size: [oh, ow] } } : null;
        }
        case 'tensor_unfold': {
          const x = ctx.take({
            dtypes: F32_64,
            minRank: 1,
            maxRank: 4,
            where: (t) => t.shape.some((s, i) => s >= 2 && ctx.isStatic(t, i)),
          });
          if (!x) return null;
          const axes = range(x.shape.length).filter((i) => x.shape[i]! >= 2 && ctx.isStatic(x, i));
          const d = ctx.rng.pick(axes);
          return {
            inputs: [x],
            attrs: {
              fn,
              dim: signedDim(ctx, d, x.shape.length),
              size: ctx.rng.int(1, x.shape[d]!),
              step: ctx.rng.int(1, 2),
            },
          };
        }
        case 'pixel_shuffle': {
          const r = 2;
          const x = input(ctx, [ctx.dim(1, 2), 4 * ctx.dim(1, 2), ctx.dim(1, 4), ctx.dim(1, 4)]);
          return x ? { inputs: [x], attrs: { fn, factor: r } } : null;
        }
        case 'pixel_unshuffle': {
          const x = input(ctx, [ctx.dim(1, 2), ctx.dim(1, 3), 2 * ctx.dim(1, 3), 2 * ctx.dim(1, 3)]);
          return x ? { inputs: [x], attrs: { fn, factor: 2 } } : null;
        }
        default: {
          const c = ctx.dim(1, 3);
          const x = input(ctx, [ctx.dim(1, 2), c, ctx.dim(3, 6), ctx.dim(3, 6)]);
          return x
            ? {
                inputs: [x],
                attrs: { fn, in_channels: c, out_channels: ctx.dim(1, 4), kernel: ctx.rng.int(1, 3) },
              }
            : null;
        }
      }
    },
    facts([x], a) {
      if (a.fn === 'conv_tbc' || a.fn === 'convolution') {
        const k = (a.kernel as number) ** (a.fn === 'convolution' ? 2 : 1) * (a.in_channels as number);
        return [facts(sym(mag(x!) * Math.sqrt(k) + 1))];
      }
      if (a.fn === 'col2im') return [facts(sym(mag(x!) * 4))];
      return [moved(x!, false)];
    },
  }),
  def({
    kind: 'pool_ext',
    group: 'pool',
    doc: 'max_pool1d/2d/3d and adaptive_max_pool1d/2d with return_indices, adaptive_avg_pool3d, adaptive_max_pool3d, lp_pool1d/2d',
    infer([x], a) {
      check(x !== undefined && F32_64.includes(x.dtype), 'pool_ext: float input');
      const n = a.spatial as number;
      const s = x.shape;
      check(s.length === n + 2, 'pool_ext: [N, C, spatial…]');
      const sp = s.slice(2);
      let out: number[];
      if (String(a.fn).startsWith('adaptive')) {
        out = a.output_size as number[];
        check(out.length === n && out.every((o, i) => sp[i]! % o === 0), 'adaptive: divides');
      } else {
        const k = a.kernel as number;
        out = sp.map((d) => windowOut(d, k, k, 0, 1));
      }
      const y = { dtype: x.dtype, shape: [s[0]!, s[1]!, ...out] };
      return a.indices ? [y, { dtype: 'int64', shape: [...y.shape] }] : [y];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['max_pool', 'adaptive_max_pool', 'adaptive_avg_pool3d', 'lp_pool']);
      const n = fn === 'adaptive_avg_pool3d' ? 3 : fn === 'lp_pool' ? ctx.rng.int(1, 2) : ctx.rng.int(1, 3);
      const sp = range(n).map(() => 2 * ctx.dim(1, 3));
      const x = input(ctx, [ctx.dim(1, 2), ctx.dim(1, 3), ...sp], fn === 'lp_pool' ? [0.1, 1] : [-1, 1]);
      if (!x) return null;
      if (fn.startsWith('adaptive'))
        return {
          inputs: [x],
          attrs: {
            fn: fn === 'adaptive_max_pool' ? `adaptive_max_pool${n}d` : fn,
            spatial: n,
            output_size: sp.map((d) => d / 2),
            indices: fn === 'adaptive_max_pool' && n < 3 && ctx.rng.chance(0.6),
          },
        };
      return {
        inputs: [x],
        attrs: {
          fn: `${fn}${n}d`,
          spatial: n,
          kernel: 2,
          indices: fn === 'max_pool' && ctx.rng.chance(0.7),
          ...(fn === 'lp_pool' ? { norm_type: 2 } : {}),
        },
      };
    },
    facts([x], a, outs) {
      const vals = String(a.fn).startsWith('lp_pool') ? facts([0, mag(x!) * 8]) : moved(x!, false);
      return outs.map((o) => (o.dtype === 'int64' ? facts([0, numel(x!.shape)], true) : vals));
    },
  }),
  def({
    kind: 'norm_ext',
    group: 'norm',
    doc: 'layer_norm without affine, torch.native_layer_norm, batch_norm with batch statistics (training=True, no running stats), local_response_norm, F.normalize, torch._weight_norm (seeded v, g)',
    infer([x], a) {
      check(x !== undefined && F32_64.includes(x.dtype), 'norm_ext: float input');
      const s = x.shape;
      if (a.fn === 'weight_norm') {
        check(s.length === 2 && s[0] === a.rows, 'weight_norm: [rows, k]');
        return [{ dtype: x.dtype, shape: [s[0]!, a.cols as number] }];
      }
      if (a.fn === 'batch_norm_train' || a.fn === 'local_response_norm')
        check(s.length >= 3, `${String(a.fn)}: rank ≥ 3`);
      if (a.fn === 'layer_norm_plain' || a.fn === 'native_layer_norm')
        check(s.length >= 1, 'layer_norm: rank ≥ 1');
      return [{ dtype: x.dtype, shape: [...s] }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick([
        'layer_norm_plain',
        'native_layer_norm',
        'batch_norm_train',
        'local_response_norm',
        'normalize',
        'weight_norm',
      ]);
      if (fn === 'weight_norm') {
        const rows = ctx.dim(1, 5);
        const k = ctx.dim(2, 6);
        const x = input(ctx, [rows, k]);
        return x ? { inputs: [x], attrs: { fn, rows, cols: ctx.dim(1, 5), k } } : null;
      }
      const minRank = fn === 'batch_norm_train' || fn === 'local_response_norm' ? 3 : 1;
      const x = ctx.take({
        dtypes: F32,
        minRank,
        maxRank: 4,
        where: (t) =>
          t.shape.every((_, i) => ctx.isStatic(t, i)) &&
          (fn !== 'batch_norm_train' || t.shape[0]! * numel(t.shape.slice(2)) >= 2) &&
          ((fn !== 'layer_norm_plain' && fn !== 'native_layer_norm') || t.shape[t.shape.length - 1]! >= 2) &&
          mag(t) <= 10,
      });
      if (!x) return null;
      return {
        inputs: [x],
        attrs: {
          fn,
          eps: 1e-5,
          ...(fn === 'normalize'
            ? {
                p: ctx.rng.pick([1, 2]),
                dim: signedDim(ctx, ctx.rng.int(0, x.shape.length - 1), x.shape.length),
              }
            : {}),
          ...(fn === 'local_response_norm' ? { size: ctx.rng.int(1, 3) } : {}),
        },
      };
    },
    facts([x], a) {
      if (a.fn === 'normalize') return [facts([-1, 1])];
      if (a.fn === 'local_response_norm') return [facts(sym(mag(x!) * 2))];
      if (a.fn === 'weight_norm') return [facts(sym(mag(x!) * Math.sqrt(a.k as number) * 2 + 1))];
      const n = Math.max(...x!.shape, 2);
      return [facts(sym(Math.sqrt(n * numel(x!.shape)) + 1))];
    },
  }),
  def({
    kind: 'dropout_eval',
    group: 'misc',
    minOpset: 9,
    doc: 'F.dropout / dropout1d / dropout2d / dropout3d / alpha_dropout / feature_alpha_dropout with training=False (identity)',
    infer([x], a) {
      check(x !== undefined && F32_64.includes(x.dtype), 'dropout_eval: float');
      if (a.fn !== 'dropout' && a.fn !== 'alpha_dropout')
        check(x.shape.length >= 3, 'feature dropout: rank ≥ 3');
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick([
        'dropout',
        'dropout2d',
        'dropout3d',
        'alpha_dropout',
        'feature_alpha_dropout',
      ]);
      const rank =
        fn === 'dropout2d' ? 4 : fn === 'dropout3d' ? 5 : fn === 'feature_alpha_dropout' ? 4 : undefined;
      const x = ctx.take({ dtypes: F32_64, minRank: rank, maxRank: rank });
      return x ? { inputs: [x], attrs: { fn, p: ctx.rng.pick([0.1, 0.5]) } } : null;
    },
    facts: ([x]) => [moved(x!)],
  }),
  def({
    kind: 'embedding_ext',
    group: 'indexing',
    doc: 'F.embedding_bag (sum/mean/max, constant offsets), F.embedding with padding_idx or max_norm (renorm), F.one_hot',
    infer([ix], a) {
      check(ix !== undefined && ix.dtype === 'int64', 'embedding_ext: int64 indices');
      if (a.fn === 'one_hot') return [{ dtype: 'int64', shape: [...ix.shape, a.num as number] }];
      if (a.fn === 'embedding_bag') {
        check(ix.shape.length === 1, 'embedding_bag: 1-D indices');
        return [{ dtype: 'float32', shape: [(a.offsets as number[]).length, a.dim as number] }];
      }
      return [{ dtype: 'float32', shape: [...ix.shape, a.dim as number] }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['embedding_bag', 'embedding_padding', 'embedding_max_norm', 'one_hot']);
      const num = ctx.dim(3, 10);
      const ix = ctx.take({
        dtypes: ['int64'],
        minRank: fn === 'embedding_bag' ? 1 : 0,
        maxRank: fn === 'embedding_bag' ? 1 : 3,
        where: (t) => t.lo >= 0 && t.hi < num && (fn !== 'embedding_bag' || ctx.isStatic(t, 0)),
        range: () => [0, num],
      });
      if (!ix) return null;
      if (fn === 'one_hot') return { inputs: [ix], attrs: { fn, num } };
      const dim = ctx.dim(1, 5);
      if (fn === 'embedding_bag') {
        const n = ix.shape[0]!;
        const offsets = [0, ...range(ctx.rng.int(0, Math.min(2, n - 1))).map(() => ctx.rng.int(1, n - 1))]
          .filter((v, i, arr) => arr.indexOf(v) === i)
          .sort((p, q) => p - q);
        return { inputs: [ix], attrs: { fn, num, dim, offsets, mode: ctx.rng.pick(['sum', 'mean', 'max']) } };
      }
      return {
        inputs: [ix],
        attrs: { fn, num, dim, ...(fn === 'embedding_padding' ? { padding_idx: 0 } : { max_norm: 1.0 }) },
      };
    },
    facts([ix], a) {
      if (a.fn === 'one_hot') return [facts([0, 1], true)];
      const bag = a.fn === 'embedding_bag' && a.mode === 'sum' ? numel(ix!.shape) : 1;
      return [facts(sym(bag * 1.0))];
    },
  }),
  def({
    kind: 'pad_direct',
    group: 'resize',
    doc: 'the pad kernels called directly: aten reflection_pad1d/2d/3d, replication_pad1d/2d/3d, constant_pad_nd, _pad_circular (torch 1.13)',
    infer([x], a) {
      check(x !== undefined && F32_64.includes(x.dtype), 'pad_direct: float');
      const pad = a.pad as number[];
      const n = pad.length / 2;
      check(x.shape.length >= n + 1, 'pad_direct: rank');
      const s = [...x.shape];
      for (let i = 0; i < n; i++) {
        const d = s.length - 1 - i;
        if (String(a.fn).startsWith('reflection'))
          check(pad[2 * i]! < s[d]! && pad[2 * i + 1]! < s[d]!, 'reflection: pad < size');
        s[d] = s[d]! + pad[2 * i]! + pad[2 * i + 1]!;
      }
      return [{ dtype: x.dtype, shape: s }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['reflection_pad', 'replication_pad', 'constant_pad_nd']);
      const n = ctx.rng.int(1, 3);
      const x = ctx.take({
        dtypes: F32_64,
        minRank: n + 1,
        maxRank: n + 2,
        where: (t) => t.shape.every((s, i) => ctx.isStatic(t, i) && (i < t.shape.length - n || s >= 2)),
      });
      if (!x) return null;
      const pad = range(2 * n).map(() => ctx.rng.int(0, 1));
      return { inputs: [x], attrs: { fn: fn === 'constant_pad_nd' ? fn : `${fn}${n}d`, pad, value: 0.5 } };
    },
    facts: ([x], a) => [
      a.fn === 'constant_pad_nd' ? facts(hull(iv(x!), [0.5, 0.5]), x!.exact) : moved(x!, false),
    ],
  }),
  def({
    kind: 'upsample_direct',
    group: 'resize',
    doc: "aten upsample kernels with explicit output sizes (nearest1d/2d/3d, linear1d, bilinear2d, bicubic2d, trilinear3d), F.interpolate 'nearest-exact' and antialias",
    infer([x], a) {
      check(x !== undefined && F32_64.includes(x.dtype), 'upsample_direct: float');
      const n = a.spatial as number;
      check(x.shape.length === n + 2, 'upsample_direct: [N, C, spatial…]');
      return [{ dtype: x.dtype, shape: [...x.shape.slice(0, 2), ...(a.size as number[])] }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick([
        'upsample_nearest',
        'upsample_linear1d',
        'upsample_bilinear2d',
        'upsample_bicubic2d',
        'upsample_trilinear3d',
        'nearest-exact',
        'antialias',
      ]);
      const n =
        fn === 'upsample_nearest'
          ? ctx.rng.int(1, 3)
          : fn === 'upsample_linear1d'
            ? 1
            : fn === 'upsample_trilinear3d'
              ? 3
              : 2;
      const sp = range(n).map(() => ctx.dim(2, 4));
      const x = input(ctx, [ctx.dim(1, 2), ctx.dim(1, 3), ...sp]);
      if (!x) return null;
      const size = sp.map((d) => (fn === 'antialias' ? Math.max(1, d - 1) : d * 2));
      return {
        inputs: [x],
        attrs: {
          fn: fn === 'upsample_nearest' ? `upsample_nearest${n}d` : fn,
          spatial: n,
          size,
          align_corners: ctx.rng.chance(0.5),
        },
      };
    },
    facts: ([x], a) => [
      a.fn === 'upsample_bicubic2d' || a.fn === 'antialias' ? facts(sym(mag(x!) * 1.5)) : moved(x!, false),
    ],
  }),
  def({
    kind: 'grid_sample',
    group: 'resize',
    minOpset: 16,
    doc: 'F.grid_sample (bilinear/bicubic — nearest is discontinuous in a random grid —, zeros/border/reflection padding, align_corners) and F.affine_grid',
    infer(inputs, a) {
      const [x, g] = inputs;
      check(x !== undefined && F32_64.includes(x.dtype), 'grid_sample: float');
      if (a.fn === 'affine_grid') {
        check(x.shape.length === 3 && x.shape[1] === 2 && x.shape[2] === 3, 'affine_grid: theta [N, 2, 3]');
        const [h, w] = a.size as [number, number];
        return [{ dtype: x.dtype, shape: [x.shape[0]!, h, w, 2] }];
      }
      check(
        g !== undefined &&
          g.dtype === x.dtype &&
          x.shape.length === 4 &&
          g.shape.length === 4 &&
          g.shape[3] === 2 &&
          g.shape[0] === x.shape[0],
        'grid_sample: shapes',
      );
      return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, g.shape[1]!, g.shape[2]!] }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['grid_sample', 'grid_sample', 'affine_grid']);
      const n = ctx.dim(1, 2);
      if (fn === 'affine_grid') {
        const theta = input(ctx, [n, 2, 3]);
        return theta
          ? {
              inputs: [theta],
              attrs: { fn, size: [ctx.dim(2, 5), ctx.dim(2, 5)], align_corners: ctx.rng.chance(0.5) },
            }
          : null;
      }
      const x = input(ctx, [n, ctx.dim(1, 3), ctx.dim(2, 5), ctx.dim(2, 5)]);
      const g = x && ctx.fresh(x.dtype, [n, ctx.dim(1, 4), ctx.dim(1, 4), 2], [-0.9, 0.9]);
      if (!x || !g) return null;
      const mode = ctx.rng.pick(['bilinear', 'bicubic']);
      return {
        inputs: [x, g],
        attrs: {
          fn,
          mode,
          padding_mode: ctx.rng.pick(['zeros', 'border', 'reflection']),
          align_corners: ctx.rng.chance(0.5),
        },
      };
    },
    facts(inputs, a) {
      if (a.fn === 'affine_grid') return [facts(sym(mag(inputs[0]!) * 3))];
      return [facts(sym(mag(inputs[0]!) * (a.mode === 'bicubic' ? 2 : 1)))];
    },
  }),
);

// ---------------------------------------------------------------------------------------------
// Recurrent layers, attention

register(
  def({
    kind: 'rnn',
    group: 'matmul',
    doc: 'nn.LSTM / nn.GRU / nn.RNN (tanh, relu) with 1–2 layers, bidirectional, batch_first; nn.LSTMCell / GRUCell / RNNCell; an LSTM over a packed padded sequence (seeded weights)',
    infer([x], a) {
      check(x !== undefined && x.dtype === 'float32', 'rnn: float32 input');
      const h = a.hidden as number;
      const cell = String(a.fn).endsWith('_cell');
      if (cell) {
        check(x.shape.length === 2 && x.shape[1] === a.input, 'cell: [B, input]');
        return [{ dtype: 'float32', shape: [x.shape[0]!, h] }];
      }
      check(x.shape.length === 3 && x.shape[2] === a.input, 'rnn: [T, B, input]');
      const dirs = a.bidirectional ? 2 : 1;
      return [{ dtype: 'float32', shape: [x.shape[0]!, x.shape[1]!, h * dirs] }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick([
        'lstm',
        'gru',
        'rnn_tanh',
        'rnn_relu',
        'lstm_cell',
        'gru_cell',
        'rnn_cell',
        'packed_lstm',
      ]);
      const input = ctx.dim(1, 5);
      const cell = fn.endsWith('_cell');
      const shape = cell
        ? [ctx.dim(1, 3), input]
        : [ctx.dim(2, 5), fn === 'packed_lstm' ? 2 : ctx.dim(1, 3), input];
      const x =
        ctx.take({
          dtypes: F32,
          fresh: 'never',
          where: (t) => sameShape(t.shape, shape) && sameShape(t.alt, shape) && mag(t) <= 3,
        }) ?? ctx.fresh('float32', shape, [-1, 1]);
      if (!x) return null;
      return {
        inputs: [x],
        attrs: {
          fn,
          input,
          hidden: ctx.dim(1, 5),
          layers: cell || fn === 'packed_lstm' ? 1 : ctx.rng.int(1, 2),
          bidirectional: !cell && fn !== 'packed_lstm' && ctx.rng.chance(0.4),
          ...(fn === 'packed_lstm' ? { lengths: [shape[0]!, Math.max(1, shape[0]! - 1)] } : {}),
        },
      };
    },
    facts([x], a) {
      return [facts(a.fn === 'rnn_relu' || a.fn === 'rnn_cell' ? sym(10 * (mag(x!) + 1)) : [-1, 1])];
    },
  }),
  def({
    kind: 'attention',
    group: 'matmul',
    minOpset: 14,
    requires: { torch: '>=2.0' },
    doc: 'F.scaled_dot_product_attention (plain, causal, bool mask)',
    infer(inputs) {
      const [q] = inputs;
      check(q !== undefined && q.dtype === 'float32', 'attention: float32');
      const [, k, v] = inputs;
      check(
        k !== undefined &&
          v !== undefined &&
          q.shape.length === 4 &&
          sameShape(k.shape, v.shape) &&
          k.shape[3] === q.shape[3],
        'sdpa: shapes',
      );
      return [{ dtype: 'float32', shape: [...q.shape] }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['sdpa', 'sdpa_causal', 'sdpa_mask']);
      const [b, h, l, d] = [ctx.dim(1, 2), ctx.dim(1, 2), ctx.dim(2, 5), ctx.dim(2, 8)];
      const q = input(ctx, [b, h, l, d]);
      const k = q && input(ctx, [b, h, l, d]);
      const v = k && input(ctx, [b, h, l, d]);
      if (!q || !k || !v) return null;
      return {
        inputs: [q, k, v],
        attrs: {
          fn,
          ...(fn === 'sdpa_mask'
            ? { mask: range(l * l).map((i) => i % (l + 1) === 0 || ctx.rng.chance(0.6)), maskLen: l }
            : {}),
        },
      };
    },
    facts(inputs) {
      return [facts(sym(Math.max(...inputs.map(mag)) * 4 + 1))];
    },
  }),
  def({
    kind: 'mha',
    group: 'matmul',
    doc: 'nn.MultiheadAttention self-attention (seeded weights, batch_first, need_weights both ways)',
    infer([x], a) {
      check(
        x !== undefined && x.dtype === 'float32' && x.shape.length === 3 && x.shape[2] === a.embed,
        'mha: [B, L, E] float32',
      );
      return [{ dtype: 'float32', shape: [...x.shape] }];
    },
    propose(ctx): Proposal | null {
      const heads = ctx.rng.int(1, 2);
      const embed = heads * ctx.dim(2, 4);
      const x = input(ctx, [ctx.dim(1, 2), ctx.dim(2, 5), embed]);
      return x ? { inputs: [x], attrs: { embed, heads, need_weights: ctx.rng.chance(0.5) } } : null;
    },
    facts([x], a) {
      return [facts(sym(mag(x!) * (a.embed as number) + 1))];
    },
  }),
  def({
    kind: 'loss',
    group: 'misc',
    doc: 'F.nll_loss ([N,C], [N,C,H,W], [N,C,d]), F.cross_entropy (class indices or probabilities, ignore_index), F.binary_cross_entropy_with_logits (pos_weight), F.kl_div (log_target), F.mse_loss, l1_loss, smooth_l1_loss, huber_loss; reductions mean/sum/none',
    infer([x, t], a) {
      check(x !== undefined && F32_64.includes(x.dtype), 'loss: float input');
      const fn = a.fn as string;
      const none = a.reduction === 'none';
      if (fn === 'nll_loss' || fn === 'cross_entropy') {
        check(x.shape.length >= 2, 'nll: [N, C, …]');
        return [{ dtype: x.dtype, shape: none ? [x.shape[0]!, ...x.shape.slice(2)] : [] }];
      }
      check(
        t !== undefined && t.dtype === x.dtype && sameShape(t.shape, x.shape),
        'loss: target of the same shape',
      );
      return [{ dtype: x.dtype, shape: none ? [...x.shape] : [] }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick([
        'nll_loss',
        'cross_entropy',
        'cross_entropy_probs',
        'bce_logits',
        'kl_div',
        'mse_loss',
        'l1_loss',
        'smooth_l1_loss',
        'huber_loss',
      ]);
      const reduction = ctx.rng.pick(['mean', 'sum', 'none']);
      if (fn === 'nll_loss' || fn === 'cross_entropy') {
        const c = ctx.dim(2, 5);
        const extra = ctx.rng.pick([[], [], [ctx.dim(1, 3), ctx.dim(1, 3)], [ctx.dim(2, 4)]]);
        const n = ctx.dim(1, 3);
        const x = input(ctx, [n, c, ...extra], [-2, 2]);
        if (!x) return null;
        const target = range(n * numel(extra)).map(() => ctx.rng.int(0, c - 1));
        return {
          inputs: [x],
          attrs: {
            fn,
            reduction,
            target,
            targetShape: [n, ...extra],
            ignore_index: fn === 'cross_entropy' && ctx.rng.chance(0.3) ? target[0]! : -100,
          },
        };
      }
      const shape = [ctx.dim(1, 4), ctx.dim(1, 5)];
      const x = input(ctx, shape, fn === 'kl_div' ? [-3, -0.1] : [-2, 2]);
      const t =
        x &&
        ctx.fresh(
          x.dtype,
          shape,
          fn === 'bce_logits' || fn === 'cross_entropy_probs' || fn === 'kl_div' ? [0.05, 1] : [-2, 2],
        );
      if (!x || !t) return null;
      return {
        inputs: [x, t],
        attrs: {
          fn,
          reduction,
          ...(fn === 'bce_logits' ? { pos_weight: ctx.rng.chance(0.5) } : {}),
          ...(fn === 'kl_div' ? { log_target: false } : {}),
        },
      };
    },
    facts(inputs, a) {
      const n = Math.max(numel(inputs[0]!.shape), 1);
      const m = inputs.reduce((p, t) => p + mag(t), 0) + 1;
      const scale = a.reduction === 'sum' ? n : 1;
      const per = a.fn === 'mse_loss' ? m * m : a.fn === 'kl_div' ? m * 5 : m * 4;
      return [facts(sym(per * scale))];
    },
  }),
  def({
    kind: 'roi',
    group: 'pool',
    requires: { 'torchvision-ops': '*' },
    doc: 'torchvision.ops.roi_align / roi_pool with constant boxes (torchvision compiled ops needed)',
    infer([x], a) {
      check(x !== undefined && x.dtype === 'float32' && x.shape.length === 4, 'roi: [N, C, H, W] float32');
      const [oh, ow] = a.output_size as [number, number];
      return [{ dtype: 'float32', shape: [(a.boxes as number[][]).length, x.shape[1]!, oh, ow] }];
    },
    propose(ctx): Proposal | null {
      const x = input(ctx, [1, ctx.dim(1, 3), ctx.dim(4, 8), ctx.dim(4, 8)]);
      if (!x) return null;
      const [h, w] = [x.shape[2]!, x.shape[3]!];
      const boxes = range(ctx.rng.int(1, 3)).map(() => {
        const x1 = ctx.rng.int(0, w - 2);
        const y1 = ctx.rng.int(0, h - 2);
        return [0, x1, y1, ctx.rng.int(x1 + 1, w - 1), ctx.rng.int(y1 + 1, h - 1)];
      });
      return {
        inputs: [x],
        attrs: {
          fn: ctx.rng.pick(['roi_align', 'roi_pool']),
          boxes,
          output_size: [2, 2],
          aligned: ctx.rng.chance(0.5),
        },
      };
    },
    facts: ([x]) => [facts(iv(x!))],
  }),
);

void isInt;
export type { Attrs, TType };
