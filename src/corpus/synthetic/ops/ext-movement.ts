/**
 * Extended library: shape and data movement (view_as/reshape_as/expand_as, movedim and friends,
 * unflatten, atleast_nd, broadcast_to, as_strided, repeat_interleave, clone/contiguous/…),
 * joins and splits (hstack, vstack, tensor_split, unbind, meshgrid, broadcast_tensors, …),
 * indexing (advanced indexing, index_put, scatter family, take, masked_select/scatter, *_scatter,
 * narrow, diagonal), data-dependent outputs on constant data (nonzero, unique, bincount),
 * and sort variants (argsort, msort, kthvalue, bucketize, searchsorted, histc).
 */
import { isFloat } from '../dtype.js';
import { BOOL_FACTS, facts, hull, iv, moved } from '../facts.js';
import { broadcast, broadcastAll, check, normDim, numel, sameShape } from '../shape.js';
import type { Attrs, Ctx, Facts, OpDef, Proposal, Shape, SynDType, Tensor, TType } from '../types.js';
import {
  ALL,
  F32_64,
  INTS,
  NUMERIC,
  mag,
  range,
  register,
  signedDim,
  staticAxes,
  withHalf,
} from './common.js';
import { ext } from './ext-elementwise.js';

const ANYD = (ctx: Ctx): SynDType[] => withHalf(ctx, ALL);
const allStatic = (ctx: Ctx) => (t: Tensor) => t.shape.every((_, i) => ctx.isStatic(t, i));

function def(op: Omit<OpDef, 'minOpset'> & { minOpset?: number }): OpDef {
  return ext({ minOpset: 11, ...op } as OpDef);
}

/** A random factorisation of n into k ≥ 1 factors (each ≥ 1). */
function factorise(ctx: Ctx, n: number, k: number): number[] {
  const out = Array.from({ length: k }, () => 1);
  let m = n;
  for (let p = 2; p * p <= m; p++)
    while (m % p === 0) {
      out[ctx.rng.int(0, k - 1)]! *= p;
      m /= p;
    }
  if (m > 1) out[ctx.rng.int(0, k - 1)]! *= m;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shape

register(
  def({
    kind: 'like_shape',
    group: 'shape',
    doc: 'x.view_as(y) / x.reshape_as(y) / x.expand_as(y) / torch.broadcast_to(x, shape)',
    infer([x, y], a) {
      check(x !== undefined, 'like_shape: input');
      const target = y ? y.shape : (a.shape as number[]);
      if (a.fn === 'expand_as' || a.fn === 'broadcast_to') {
        check(sameShape(broadcast(x.shape, target), target), 'like_shape: broadcast');
      } else check(numel(target) === numel(x.shape), 'like_shape: numel');
      return [{ dtype: x.dtype, shape: [...target] }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['view_as', 'reshape_as', 'expand_as', 'broadcast_to']);
      const x = ctx.take({ dtypes: ANYD(ctx), minRank: 1, where: allStatic(ctx) });
      if (!x) return null;
      let shape: Shape;
      if (fn === 'expand_as' || fn === 'broadcast_to') {
        shape = x.shape.map((d) => (d === 1 ? ctx.dim(2, 4) : d));
        if (shape.length < 4 && ctx.rng.chance(0.5)) shape.unshift(ctx.dim(1, 3));
        if (sameShape(shape, x.shape)) shape.unshift(2);
      } else shape = factorise(ctx, numel(x.shape), ctx.rng.int(1, 4));
      if (fn === 'broadcast_to') return { inputs: [x], attrs: { fn, shape } };
      const y = ctx.fresh(ctx.rng.pick(['float32', 'int64', 'bool']), shape);
      return y ? { inputs: [x, y], attrs: { fn } } : null;
    },
    facts: ([x]) => [moved(x!, false)],
  }),
  def({
    kind: 'move_axes',
    group: 'shape',
    doc: 'torch.movedim / moveaxis / swapaxes / swapdims, x.t() (2-D), x.mT, x.T (2-D), x.mH (real)',
    infer([x], a) {
      check(x !== undefined, 'move_axes: input');
      const r = x.shape.length;
      const s = [...x.shape];
      switch (a.fn) {
        case 't':
        case 'T':
          check(r === 2, `${String(a.fn)}: rank 2`);
          return [{ dtype: x.dtype, shape: [s[1]!, s[0]!] }];
        case 'mT':
        case 'mH':
          check(r >= 2, 'mT: rank ≥ 2');
          [s[r - 2], s[r - 1]] = [s[r - 1]!, s[r - 2]!];
          return [{ dtype: x.dtype, shape: s }];
        case 'swapaxes':
        case 'swapdims': {
          const [i, j] = [normDim(a.a as number, r), normDim(a.b as number, r)];
          [s[i], s[j]] = [s[j]!, s[i]!];
          return [{ dtype: x.dtype, shape: s }];
        }
        default: {
          const from = normDim(a.a as number, r);
          const to = normDim(a.b as number, r);
          const order = range(r).filter((i) => i !== from);
          order.splice(to, 0, from);
          return [{ dtype: x.dtype, shape: order.map((i) => x.shape[i]!) }];
        }
      }
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['movedim', 'moveaxis', 'swapaxes', 'swapdims', 't', 'T', 'mT', 'mH']);
      const two = fn === 't' || fn === 'T';
      const x = ctx.take({
        dtypes: fn === 'mH' ? F32_64 : ANYD(ctx),
        minRank: two ? 2 : 2,
        maxRank: two ? 2 : 5,
      });
      if (!x) return null;
      const r = x.shape.length;
      return {
        inputs: [x],
        attrs: {
          fn,
          a: signedDim(ctx, ctx.rng.int(0, r - 1), r),
          b: signedDim(ctx, ctx.rng.int(0, r - 1), r),
        },
      };
    },
    facts: ([x]) => [moved(x!)],
  }),
  def({
    kind: 'unflatten',
    group: 'shape',
    doc: 'x.unflatten(dim, sizes) of a static dim',
    infer([x], a) {
      check(x !== undefined, 'unflatten: input');
      const d = normDim(a.dim as number, x.shape.length);
      const sizes = a.sizes as number[];
      check(numel(sizes) === x.shape[d], 'unflatten: sizes');
      return [{ dtype: x.dtype, shape: [...x.shape.slice(0, d), ...sizes, ...x.shape.slice(d + 1)] }];
    },
    propose(ctx): Proposal | null {
      const x = ctx.take({
        dtypes: ANYD(ctx),
        minRank: 1,
        maxRank: 4,
        where: (t) => staticAxes(ctx, t, (i) => t.shape[i]! > 1).length > 0,
      });
      if (!x) return null;
      const d = ctx.rng.pick(staticAxes(ctx, x, (i) => x.shape[i]! > 1));
      return {
        inputs: [x],
        attrs: { dim: signedDim(ctx, d, x.shape.length), sizes: factorise(ctx, x.shape[d]!, 2) },
      };
    },
    facts: ([x]) => [moved(x!)],
  }),
  def({
    kind: 'atleast',
    group: 'shape',
    doc: 'torch.atleast_1d / 2d / 3d',
    infer([x], a) {
      check(x !== undefined, 'atleast: input');
      const n = a.n as number;
      const s = x.shape;
      if (s.length >= n) return [{ dtype: x.dtype, shape: [...s] }];
      if (n === 1) return [{ dtype: x.dtype, shape: [1] }];
      if (n === 2) return [{ dtype: x.dtype, shape: s.length === 0 ? [1, 1] : [1, ...s] }];
      return [
        { dtype: x.dtype, shape: s.length === 0 ? [1, 1, 1] : s.length === 1 ? [1, s[0]!, 1] : [...s, 1] },
      ];
    },
    propose(ctx): Proposal | null {
      const x = ctx.take({ dtypes: ANYD(ctx), maxRank: 3 });
      return x ? { inputs: [x], attrs: { n: ctx.rng.int(1, 3) } } : null;
    },
    facts: ([x]) => [moved(x!)],
  }),
  def({
    kind: 'copy_like',
    group: 'shape',
    doc: 'clone, detach, contiguous (after a transpose), channels-last contiguous (rank 4), resolve_conj, resolve_neg, ravel, fliplr, flipud, rot90, torch.ops.aten.alias',
    infer([x], a) {
      check(x !== undefined, 'copy_like: input');
      const s = x.shape;
      switch (a.fn) {
        case 'contiguous_t':
          check(s.length >= 2, 'contiguous_t: rank ≥ 2');
          return [{ dtype: x.dtype, shape: [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!] }];
        case 'channels_last':
          check(s.length === 4, 'channels_last: rank 4');
          return [{ dtype: x.dtype, shape: [...s] }];
        case 'ravel':
          return [{ dtype: x.dtype, shape: [numel(s)] }];
        case 'fliplr':
        case 'rot90':
          check(s.length >= 2, `${String(a.fn)}: rank ≥ 2`);
          return [{ dtype: x.dtype, shape: a.fn === 'rot90' ? [s[1]!, s[0]!, ...s.slice(2)] : [...s] }];
        case 'flipud':
          check(s.length >= 1, 'flipud: rank ≥ 1');
          return [{ dtype: x.dtype, shape: [...s] }];
        default:
          return [{ dtype: x.dtype, shape: [...s] }];
      }
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick([
        'clone',
        'detach',
        'contiguous_t',
        'channels_last',
        'resolve_conj',
        'resolve_neg',
        'ravel',
        'fliplr',
        'flipud',
        'rot90',
        'alias',
      ]);
      const x = ctx.take({
        dtypes: ANYD(ctx),
        minRank:
          fn === 'channels_last'
            ? 4
            : ['contiguous_t', 'fliplr', 'rot90'].includes(fn)
              ? 2
              : fn === 'flipud'
                ? 1
                : 0,
        maxRank: fn === 'channels_last' ? 4 : 5,
        where: fn === 'ravel' ? allStatic(ctx) : undefined,
      });
      return x ? { inputs: [x], attrs: { fn } } : null;
    },
    facts: ([x]) => [moved(x!)],
  }),
  def({
    kind: 'as_strided',
    group: 'shape',
    doc: 'torch.as_strided of a contiguous tensor: overlapping sliding windows over its flat storage',
    infer([x], a) {
      check(x !== undefined, 'as_strided: input');
      const size = a.size as number[];
      const stride = a.stride as number[];
      const last = size.reduce((acc, s, i) => acc + (s - 1) * stride[i]!, 0);
      check(last < numel(x.shape), 'as_strided: window inside the storage');
      return [{ dtype: x.dtype, shape: [...size] }];
    },
    propose(ctx): Proposal | null {
      const x = ctx.take({
        dtypes: ANYD(ctx),
        minRank: 1,
        where: (t) => allStatic(ctx)(t) && numel(t.shape) >= 4,
      });
      if (!x) return null;
      const n = numel(x.shape);
      const k = ctx.rng.int(2, Math.min(4, n));
      const step = ctx.rng.int(1, 2);
      const windows = Math.floor((n - k) / step) + 1;
      return { inputs: [x], attrs: { size: [windows, k], stride: [step, 1] } };
    },
    facts: ([x]) => [moved(x!, false)],
  }),
  def({
    kind: 'repeat_interleave',
    group: 'shape',
    doc: 'torch.repeat_interleave with an int (flattened or along a dim) or a constant repeats tensor along a static dim',
    infer([x], a) {
      check(x !== undefined, 'repeat_interleave: input');
      if (a.dim === null) return [{ dtype: x.dtype, shape: [numel(x.shape) * (a.repeats as number)] }];
      const d = normDim(a.dim as number, x.shape.length);
      const s = [...x.shape];
      if (Array.isArray(a.repeats)) {
        check(a.repeats.length === s[d], 'repeat_interleave: one repeat per slice');
        s[d] = (a.repeats as number[]).reduce((p, q) => p + q, 0);
      } else s[d] = s[d]! * (a.repeats as number);
      return [{ dtype: x.dtype, shape: s }];
    },
    propose(ctx): Proposal | null {
      const x = ctx.take({
        dtypes: ANYD(ctx),
        minRank: 1,
        maxRank: 4,
        where: (t) => staticAxes(ctx, t).length > 0 && numel(t.shape) <= 512,
      });
      if (!x) return null;
      const mode = ctx.rng.pick(['flat', 'dim', 'tensor']);
      if (mode === 'flat')
        return allStatic(ctx)(x) ? { inputs: [x], attrs: { repeats: ctx.rng.int(2, 3), dim: null } } : null;
      const d = ctx.rng.pick(staticAxes(ctx, x));
      const dim = signedDim(ctx, d, x.shape.length);
      if (mode === 'dim') return { inputs: [x], attrs: { repeats: ctx.rng.int(2, 3), dim } };
      return { inputs: [x], attrs: { repeats: range(x.shape[d]!).map(() => ctx.rng.int(1, 3)), dim } };
    },
    facts: ([x]) => [moved(x!, false)],
  }),
);

// ---------------------------------------------------------------------------------------------
// Joins and splits

register(
  def({
    kind: 'join_ext',
    group: 'join-split',
    doc: 'torch.hstack / vstack / dstack / column_stack / concat / concatenate of 2–3 tensors (same dtype)',
    infer(inputs, a) {
      check(inputs.length >= 2 && inputs.every((t) => t.dtype === inputs[0]!.dtype), 'join_ext: same dtypes');
      const fn = a.fn as string;
      const shapes = inputs.map((t) => t.shape);
      const r = shapes[0]!.length;
      check(
        shapes.every((s) => s.length === r),
        'join_ext: same ranks',
      );
      let axis: number;
      let norm = (s: Shape): Shape => s;
      if (fn === 'hstack') axis = r === 1 ? 0 : 1;
      else if (fn === 'vstack') {
        norm = (s) => (s.length === 1 ? [1, s[0]!] : s);
        axis = 0;
      } else if (fn === 'dstack') {
        norm = (s) => (s.length === 1 ? [1, s[0]!, 1] : s.length === 2 ? [...s, 1] : s);
        axis = 2;
      } else if (fn === 'column_stack') {
        norm = (s) => (s.length === 1 ? [s[0]!, 1] : s);
        axis = 1;
      } else axis = normDim(a.dim as number, r);
      const ns = shapes.map(norm);
      check(
        ns.every((s) => s.length > axis && s.every((d, i) => i === axis || d === ns[0]![i])),
        'join_ext: sizes',
      );
      const out = [...ns[0]!];
      out[axis] = ns.reduce((p, s) => p + s[axis]!, 0);
      return [{ dtype: inputs[0]!.dtype, shape: out }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['hstack', 'vstack', 'dstack', 'column_stack', 'concat', 'concatenate']);
      const x = ctx.take({
        dtypes: ANYD(ctx),
        minRank: 1,
        maxRank: fn === 'dstack' || fn === 'column_stack' ? 2 : 4,
        where: allStatic(ctx),
      });
      if (!x) return null;
      const r = x.shape.length;
      const axis =
        fn === 'hstack'
          ? r === 1
            ? 0
            : 1
          : fn === 'vstack'
            ? r === 1
              ? -1
              : 0
            : fn === 'dstack'
              ? -1
              : fn === 'column_stack'
                ? r === 1
                  ? -1
                  : 1
                : ctx.rng.int(0, r - 1);
      const n = ctx.rng.int(2, 3);
      const ins = [x];
      for (let i = 1; i < n; i++) {
        const s = [...x.shape];
        if (axis >= 0 && axis < r) s[axis] = ctx.dim(1, 4);
        const t = ctx.fresh(x.dtype, s);
        if (!t) return null;
        ins.push(t);
      }
      return {
        inputs: ins,
        attrs: fn === 'concat' || fn === 'concatenate' ? { fn, dim: signedDim(ctx, axis, r) } : { fn },
      };
    },
    facts(inputs) {
      return [
        facts(
          hull(...inputs.map(iv)),
          inputs.every((t) => t.exact),
        ),
      ];
    },
  }),
  def({
    kind: 'split_ext',
    group: 'join-split',
    doc: 'torch.tensor_split (sections or indices), unbind, hsplit, vsplit, torch.split_with_sizes, unsafe_split, unsafe_chunk along a static dim',
    infer([x], a) {
      check(x !== undefined && x.shape.length >= 1, 'split_ext: rank ≥ 1');
      const d = normDim(a.dim as number, x.shape.length);
      const n = x.shape[d]!;
      let sizes: number[];
      switch (a.fn) {
        case 'unbind':
          return range(n).map(() => ({ dtype: x.dtype, shape: x.shape.filter((_, i) => i !== d) }));
        case 'tensor_split_indices': {
          const idx = a.indices as number[];
          const cuts = [0, ...idx.map((i) => Math.min(i, n)), n];
          sizes = cuts.slice(1).map((c, i) => Math.max(0, c - cuts[i]!));
          break;
        }
        case 'split_with_sizes':
          sizes = a.sizes as number[];
          check(sizes.reduce((p, q) => p + q, 0) === n, 'split_with_sizes: sizes');
          break;
        default: {
          const k = a.sections as number;
          if (a.fn === 'tensor_split') sizes = range(k).map((i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
          else if (a.fn === 'unsafe_split') {
            sizes = [];
            for (let o = 0; o < n; o += k) sizes.push(Math.min(k, n - o));
          } else {
            // hsplit / vsplit / unsafe_chunk: equal parts (chunk: ceil)
            if (a.fn !== 'unsafe_chunk') check(n % k === 0, `${String(a.fn)}: divisible`);
            const c = Math.ceil(n / k);
            sizes = [];
            for (let o = 0; o < n; o += c) sizes.push(Math.min(c, n - o));
          }
        }
      }
      check(
        sizes.every((s) => s >= 1),
        'split_ext: no empty parts',
      );
      return sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((v, i) => (i === d ? s : v)) }));
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick([
        'tensor_split',
        'tensor_split_indices',
        'unbind',
        'hsplit',
        'vsplit',
        'split_with_sizes',
        'unsafe_split',
        'unsafe_chunk',
      ]);
      const x = ctx.take({
        dtypes: ANYD(ctx),
        minRank: fn === 'hsplit' || fn === 'vsplit' ? 2 : 1,
        where: (t) => staticAxes(ctx, t, (i) => t.shape[i]! >= 2 && t.shape[i]! <= 8).length > 0,
      });
      if (!x) return null;
      const r = x.shape.length;
      const ok = staticAxes(ctx, x, (i) => x.shape[i]! >= 2 && x.shape[i]! <= 8);
      let d = fn === 'vsplit' ? 0 : fn === 'hsplit' ? 1 : ctx.rng.pick(ok);
      if (!ok.includes(d)) return null;
      const n = x.shape[d]!;
      const attrs: Attrs = { fn, dim: fn === 'hsplit' || fn === 'vsplit' ? d : signedDim(ctx, d, r) };
      if (fn === 'tensor_split_indices')
        attrs.indices = [1, ctx.rng.int(2, n)].filter((v, i, arr) => arr.indexOf(v) === i && v < n);
      else if (fn === 'split_with_sizes') attrs.sizes = factorSizes(ctx, n);
      else if (fn !== 'unbind') {
        const divisors = range(n + 1).filter(
          (k) =>
            k >= 2 &&
            (n % k === 0 || fn === 'unsafe_split' || fn === 'unsafe_chunk' || fn === 'tensor_split'),
        );
        if (!divisors.length) return null;
        attrs.sections = ctx.rng.pick(divisors);
      }
      d = d + 0;
      return { inputs: [x], attrs };
    },
    facts(inputs, _a, outs) {
      return outs.map(() => moved(inputs[0]!));
    },
  }),
  def({
    kind: 'meshgrid',
    group: 'join-split',
    doc: "torch.meshgrid of 2–3 1-D tensors, indexing 'ij' or 'xy'",
    infer(inputs, a) {
      check(
        inputs.length >= 2 && inputs.every((t) => t.shape.length === 1 && t.dtype === inputs[0]!.dtype),
        'meshgrid: 1-D, same dtype',
      );
      const sizes = inputs.map((t) => t.shape[0]!);
      if (a.indexing === 'xy') [sizes[0], sizes[1]] = [sizes[1]!, sizes[0]!];
      return inputs.map((t) => ({ dtype: t.dtype, shape: [...sizes] }));
    },
    propose(ctx): Proposal | null {
      const n = ctx.rng.int(2, 3);
      const dtype = ctx.rng.pick(['float32', 'int64'] as const);
      const ins: Tensor[] = [];
      for (let i = 0; i < n; i++) {
        const t = ctx.fresh(dtype, [ctx.dim(1, 5)]);
        if (!t) return null;
        ins.push(t);
      }
      return { inputs: ins, attrs: { indexing: ctx.rng.pick(['ij', 'xy']) } };
    },
    facts: (inputs) => inputs.map((t) => moved(t, false)),
  }),
  def({
    kind: 'broadcast_tensors',
    group: 'join-split',
    doc: 'torch.broadcast_tensors of 2–3 tensors',
    infer(inputs) {
      check(inputs.length >= 2, 'broadcast_tensors: 2+ inputs');
      const shape = broadcastAll(inputs.map((t) => t.shape));
      return inputs.map((t) => ({ dtype: t.dtype, shape: [...shape] }));
    },
    propose(ctx): Proposal | null {
      const x = ctx.take({ dtypes: ANYD(ctx), minRank: 1 });
      if (!x) return null;
      const y = ctx.partner(x, { dtypes: ANYD(ctx) });
      return y ? { inputs: [x, y], attrs: {} } : null;
    },
    facts: (inputs) => inputs.map((t) => moved(t, false)),
  }),
);

function factorSizes(ctx: Ctx, n: number): number[] {
  const a = ctx.rng.int(1, n - 1);
  return ctx.rng.chance(0.5) ? [a, n - a] : [n - a, a];
}

// ---------------------------------------------------------------------------------------------
// Indexing

/** Distinct indices in [0, n) (constant, so scatters have a well-defined result). */
function distinct(ctx: Ctx, n: number, k: number): number[] {
  return ctx.rng.sample(range(n), Math.min(k, n));
}

register(
  def({
    kind: 'adv_index',
    group: 'indexing',
    doc: 'advanced indexing: x[idx], x[:, idx], x[i, j], x[mask] (constant bool mask), x[..., k], x[None, ...]',
    infer([x], a) {
      check(x !== undefined, 'adv_index: input');
      const s = x.shape;
      switch (a.fn) {
        case 'first':
          check(s.length >= 1, 'rank ≥ 1');
          return [{ dtype: x.dtype, shape: [(a.idx as number[]).length, ...s.slice(1)] }];
        case 'second':
          check(s.length >= 2, 'rank ≥ 2');
          return [{ dtype: x.dtype, shape: [s[0]!, (a.idx as number[]).length, ...s.slice(2)] }];
        case 'pair':
          check(s.length >= 2 && (a.idx as number[]).length === (a.idx2 as number[]).length, 'pair');
          return [{ dtype: x.dtype, shape: [(a.idx as number[]).length, ...s.slice(2)] }];
        case 'mask':
          check(sameShape(a.maskShape as number[], s), 'mask shape');
          return [{ dtype: x.dtype, shape: [(a.mask as boolean[]).filter(Boolean).length] }];
        case 'ellipsis':
          check(s.length >= 1 && (a.k as number) < s[s.length - 1]!, 'ellipsis');
          return [{ dtype: x.dtype, shape: s.slice(0, -1) }];
        default:
          return [{ dtype: x.dtype, shape: [1, ...s] }];
      }
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['first', 'second', 'pair', 'mask', 'ellipsis', 'none']);
      const needStatic = (i: number) => (t: Tensor) => t.shape.length > i && ctx.isStatic(t, i);
      const x = ctx.take({
        dtypes: ANYD(ctx),
        minRank: fn === 'second' || fn === 'pair' ? 2 : fn === 'none' ? 0 : 1,
        where:
          fn === 'mask'
            ? allStatic(ctx)
            : fn === 'first' || fn === 'pair'
              ? needStatic(0)
              : fn === 'second'
                ? needStatic(1)
                : fn === 'ellipsis'
                  ? (t) => needStatic(t.shape.length - 1)(t)
                  : undefined,
      });
      if (!x) return null;
      const s = x.shape;
      switch (fn) {
        case 'first':
          return {
            inputs: [x],
            attrs: { fn, idx: range(ctx.rng.int(1, 4)).map(() => ctx.rng.int(-s[0]!, s[0]! - 1)) },
          };
        case 'second':
          return {
            inputs: [x],
            attrs: { fn, idx: range(ctx.rng.int(1, 4)).map(() => ctx.rng.int(0, s[1]! - 1)) },
          };
        case 'pair': {
          if (!ctx.isStatic(x, 1)) return null;
          const k = ctx.rng.int(1, 4);
          return {
            inputs: [x],
            attrs: {
              fn,
              idx: range(k).map(() => ctx.rng.int(0, s[0]! - 1)),
              idx2: range(k).map(() => ctx.rng.int(0, s[1]! - 1)),
            },
          };
        }
        case 'mask': {
          if (numel(s) > 256) return null;
          const mask = range(numel(s)).map(() => ctx.rng.chance(0.5));
          return { inputs: [x], attrs: { fn, mask, maskShape: [...s] } };
        }
        case 'ellipsis':
          return { inputs: [x], attrs: { fn, k: ctx.rng.int(0, s[s.length - 1]! - 1) } };
        default:
          return { inputs: [x], attrs: { fn } };
      }
    },
    facts: ([x]) => [moved(x!, false)],
  }),
  def({
    kind: 'index_write',
    group: 'indexing',
    doc: 'out-of-place writes at distinct constant indices along dim 0: index_put (accumulate), slice assignment, index_add, index_copy, index_fill, select_scatter, slice_scatter (emulated with cat on torch 1.13, whose eager slice_scatter is broken), diagonal_scatter, masked_scatter',
    infer([x, v], a) {
      check(x !== undefined && x.shape.length >= 1, 'index_write: rank ≥ 1');
      if (a.fn !== 'index_fill')
        check(v !== undefined && v.dtype === x.dtype, 'index_write: source of the same dtype');
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick([
        'index_put',
        'index_put_acc',
        'setitem',
        'index_add',
        'index_copy',
        'index_fill',
        'select_scatter',
        'slice_scatter',
        'diagonal_scatter',
        'masked_scatter',
      ]);
      const dtypes: SynDType[] =
        fn === 'index_put_acc' || fn === 'index_add' ? [...F32_64, ...INTS] : ANYD(ctx);
      const x = ctx.take({
        dtypes,
        minRank: fn === 'diagonal_scatter' ? 2 : 1,
        where: (t) => allStatic(ctx)(t) && t.shape[0]! >= 2,
      });
      if (!x) return null;
      const s = x.shape;
      const rows = distinct(ctx, s[0]!, ctx.rng.int(1, s[0]!));
      const src = (shape: Shape) => ctx.fresh(x.dtype, shape, isFloat(x.dtype) ? [-1, 1] : [0, 5]);
      let v: Tensor | null = null;
      const attrs: Attrs = { fn, rows };
      switch (fn) {
        case 'index_fill':
          attrs.value = isFloat(x.dtype) ? 0.5 : x.dtype === 'bool' ? true : 3;
          return { inputs: [x], attrs };
        case 'select_scatter':
          v = src(s.slice(1));
          attrs.index = rows[0]!;
          break;
        case 'slice_scatter': {
          const start = ctx.rng.int(0, s[0]! - 1);
          const end = ctx.rng.int(start + 1, s[0]!);
          v = src([end - start, ...s.slice(1)]);
          Object.assign(attrs, { start, end });
          break;
        }
        case 'setitem': {
          const start = ctx.rng.int(0, s[0]! - 1);
          const end = ctx.rng.int(start + 1, s[0]!);
          v = src([end - start, ...s.slice(1)]);
          Object.assign(attrs, { start, end });
          break;
        }
        case 'diagonal_scatter':
          v = src([...s.slice(2), Math.min(s[0]!, s[1]!)]);
          break;
        case 'masked_scatter': {
          if (numel(s) > 256) return null;
          attrs.mask = range(numel(s)).map(() => ctx.rng.chance(0.5));
          v = src([...s]);
          break;
        }
        default:
          v = src([rows.length, ...s.slice(1)]);
      }
      return v ? { inputs: [x, v], attrs } : null;
    },
    facts(inputs, a) {
      const [x, v] = inputs;
      const parts = [iv(x!), ...(v ? [iv(v)] : [])];
      if (a.fn === 'index_fill') parts.push([Number(a.value), Number(a.value)]);
      let r = hull(...parts);
      if (a.fn === 'index_put_acc' || a.fn === 'index_add')
        r = [r[0] * 2, r[1] * 2].sort((p, q) => p - q) as [number, number];
      return [
        facts(
          hull(r, parts[0]!),
          inputs.every((t) => t.exact) && a.fn !== 'index_put_acc' && a.fn !== 'index_add',
        ),
      ];
    },
  }),
  def({
    kind: 'scatter_ext',
    group: 'indexing',
    doc: 'Tensor.scatter (src or value), scatter_add, scatter_reduce (sum/prod/amax/amin/mean, include_self) at distinct constant indices along a dim',
    infer([x, v], _a) {
      check(x !== undefined && x.shape.length >= 1, 'scatter_ext: rank ≥ 1');
      if (v) check(v.dtype === x.dtype, 'scatter_ext: same dtype');
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['scatter', 'scatter_value', 'scatter_add', 'scatter_reduce']);
      const x = ctx.take({ dtypes: F32_64, minRank: 1, maxRank: 3, where: allStatic(ctx) });
      if (!x) return null;
      const r = x.shape.length;
      const d = ctx.rng.int(0, r - 1);
      // index: along d, distinct positions per slice (a permutation prefix), same size elsewhere.
      const k = ctx.rng.int(1, x.shape[d]!);
      const ishape = x.shape.map((s, i) => (i === d ? k : s));
      const perSlice = numel(ishape) / k;
      const index: number[] = new Array(numel(ishape));
      const strideD = numel(ishape.slice(d + 1));
      for (let slice = 0; slice < perSlice; slice++) {
        const perm = distinct(ctx, x.shape[d]!, k);
        const outer = Math.floor(slice / strideD);
        const inner = slice % strideD;
        perm.forEach((p, j) => (index[outer * k * strideD + j * strideD + inner] = p));
      }
      const attrs: Attrs = { fn, dim: signedDim(ctx, d, r), index, indexShape: ishape };
      if (fn === 'scatter_value') return { inputs: [x], attrs: { ...attrs, value: 0.25 } };
      if (fn === 'scatter_reduce')
        Object.assign(attrs, {
          reduce: ctx.rng.pick(['sum', 'prod', 'amax', 'amin', 'mean']),
          include_self: ctx.rng.chance(0.5),
        });
      const v = ctx.fresh(x.dtype, ishape, [-1, 1]);
      return v ? { inputs: [x, v], attrs } : null;
    },
    facts(inputs) {
      const m = inputs.reduce((p, t) => p + mag(t), 0) + 1;
      return [facts([-m, m])];
    },
  }),
  def({
    kind: 'take',
    group: 'indexing',
    doc: 'torch.take (flat constant indices) and torch.take_along_dim',
    infer([x], a) {
      check(x !== undefined && x.shape.length >= 1, 'take: rank ≥ 1');
      if (a.fn === 'take') return [{ dtype: x.dtype, shape: [(a.index as number[]).length] }];
      const d = normDim(a.dim as number, x.shape.length);
      return [{ dtype: x.dtype, shape: x.shape.map((s, i) => (i === d ? (a.k as number) : s)) }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['take', 'take_along_dim']);
      const x = ctx.take({ dtypes: ANYD(ctx), minRank: 1, where: allStatic(ctx) });
      if (!x) return null;
      if (fn === 'take')
        return {
          inputs: [x],
          attrs: { fn, index: range(ctx.rng.int(1, 6)).map(() => ctx.rng.int(0, numel(x.shape) - 1)) },
        };
      const r = x.shape.length;
      const d = ctx.rng.int(0, r - 1);
      const k = ctx.rng.int(1, 3);
      const ishape = x.shape.map((s, i) => (i === d ? k : s));
      return {
        inputs: [x],
        attrs: {
          fn,
          dim: signedDim(ctx, d, r),
          k,
          index: range(numel(ishape)).map(() => ctx.rng.int(0, x.shape[d]! - 1)),
          indexShape: ishape,
        },
      };
    },
    facts: ([x]) => [moved(x!, false)],
  }),
  def({
    kind: 'narrow_diag',
    group: 'indexing',
    doc: 'torch.narrow(dim, start, length), torch.diagonal(offset, dim1, dim2), torch.diag (1-D ↔ 2-D), torch.diag_embed',
    infer([x], a) {
      check(x !== undefined, 'narrow_diag: input');
      const s = x.shape;
      const r = s.length;
      switch (a.fn) {
        case 'narrow': {
          const d = normDim(a.dim as number, r);
          check((a.start as number) + (a.length as number) <= s[d]!, 'narrow: inside');
          return [{ dtype: x.dtype, shape: s.map((v, i) => (i === d ? (a.length as number) : v)) }];
        }
        case 'diagonal': {
          check(r >= 2, 'diagonal: rank ≥ 2');
          const [d1, d2] = [normDim(a.dim1 as number, r), normDim(a.dim2 as number, r)];
          check(d1 !== d2, 'diagonal: two dims');
          const off = a.offset as number;
          const n = Math.max(0, Math.min(s[d1]! + Math.min(off, 0), s[d2]! - Math.max(off, 0)));
          check(n >= 1, 'diagonal: non-empty');
          return [{ dtype: x.dtype, shape: [...s.filter((_, i) => i !== d1 && i !== d2), n] }];
        }
        case 'diag':
          check(r === 1 || r === 2, 'diag: rank 1 or 2');
          return [{ dtype: x.dtype, shape: r === 1 ? [s[0]!, s[0]!] : [Math.min(s[0]!, s[1]!)] }];
        default:
          check(r >= 1, 'diag_embed: rank ≥ 1');
          return [{ dtype: x.dtype, shape: [...s, s[r - 1]!] }];
      }
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['narrow', 'diagonal', 'diag', 'diag_embed']);
      const x = ctx.take({
        dtypes: ANYD(ctx),
        minRank: fn === 'diagonal' ? 2 : 1,
        maxRank: fn === 'diag' ? 2 : 4,
        where: allStatic(ctx),
      });
      if (!x) return null;
      const r = x.shape.length;
      if (fn === 'narrow') {
        const d = ctx.rng.int(0, r - 1);
        const start = ctx.rng.int(0, x.shape[d]! - 1);
        return {
          inputs: [x],
          attrs: { fn, dim: signedDim(ctx, d, r), start, length: ctx.rng.int(1, x.shape[d]! - start) },
        };
      }
      if (fn === 'diagonal') {
        const [d1, d2] = ctx.rng.sample(range(r), 2) as [number, number];
        return {
          inputs: [x],
          attrs: {
            fn,
            offset: ctx.rng.pick([0, 0, 1, -1]),
            dim1: signedDim(ctx, d1, r),
            dim2: signedDim(ctx, d2, r),
          },
        };
      }
      return { inputs: [x], attrs: { fn } };
    },
    facts: ([x], a) => [
      a.fn === 'diag' || a.fn === 'diag_embed' ? facts(hull(iv(x!), [0, 0]), x!.exact) : moved(x!, false),
    ],
  }),
);

/** Constant data (in attrs): ops whose output size depends on values. */
const DATA_DEPENDENT = [
  'nonzero',
  'nonzero_tuple',
  'argwhere',
  'where_cond',
  'masked_select',
  'unique',
  'unique_inverse',
  'unique_dim',
  'unique_consecutive',
  'bincount',
] as const;

function dataDependentShapes(fn: string, vals: number[], shape: Shape): Shape[] {
  const nz = vals.filter((v) => v !== 0).length;
  const r = shape.length;
  switch (fn) {
    case 'nonzero':
    case 'argwhere':
      return [[nz, r]];
    case 'nonzero_tuple':
    case 'where_cond':
      return range(r).map(() => [nz]);
    case 'masked_select':
      return [[nz]];
    case 'unique':
      return [[new Set(vals).size]];
    case 'unique_inverse':
      return [[new Set(vals).size], [...shape], [new Set(vals).size]];
    case 'unique_dim': {
      const rowLen = numel(shape.slice(1));
      const rows = new Set(
        range(shape[0]!).map((i) => JSON.stringify(vals.slice(i * rowLen, (i + 1) * rowLen))),
      );
      return [[rows.size, ...shape.slice(1)]];
    }
    case 'unique_consecutive':
      return [[vals.filter((v, i) => i === 0 || v !== vals[i - 1]).length]];
    default:
      return [[Math.max(...vals) + 1]];
  }
}

register(
  def({
    kind: 'data_dependent',
    group: 'indexing',
    doc: 'nonzero (and as_tuple), argwhere, torch.where(cond), masked_select, unique (sorted, inverse, counts, dim), unique_consecutive, bincount — of constant data, optionally scaled by a runtime input',
    infer(inputs, a) {
      const fn = a.fn as string;
      const vals = a.values as number[];
      const shape = a.valuesShape as number[];
      check(numel(shape) === vals.length, 'data_dependent: values');
      const outs = dataDependentShapes(fn, vals, shape);
      check(
        outs.every((s) => s.every((d) => d >= 1)),
        'data_dependent: non-empty',
      );
      const [x] = inputs;
      check(x !== undefined, 'data_dependent: one input');
      if (fn === 'masked_select') {
        check(sameShape(x.shape, shape), 'masked_select: input shape');
        return [{ dtype: x.dtype, shape: outs[0]! }];
      }
      // The constant data is tied to the input (plus x.flatten()[0]·0) so the graph reads it.
      check(numel(x.shape) >= 1 && x.dtype !== 'bool', 'data_dependent: a numeric input');
      return outs.map((s) => ({ dtype: 'int64' as SynDType, shape: s }));
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(DATA_DEPENDENT);
      if (fn === 'masked_select') {
        const x = ctx.take({
          dtypes: ANYD(ctx),
          minRank: 1,
          where: (t) => allStatic(ctx)(t) && numel(t.shape) <= 128,
        });
        if (!x) return null;
        const vals = range(numel(x.shape)).map((i) => (i === 0 || ctx.rng.chance(0.5) ? 1 : 0));
        return { inputs: [x], attrs: { fn, values: vals, valuesShape: [...x.shape] } };
      }
      const x = ctx.take({
        dtypes: [...F32_64, ...INTS],
        where: (t) => numel(t.shape) >= 1 && numel(t.alt) >= 1 && mag(t) <= 1e6,
      });
      if (!x) return null;
      const shape =
        fn === 'unique_dim'
          ? [ctx.rng.int(2, 5), ctx.rng.int(1, 3)]
          : fn === 'bincount' || fn === 'unique_consecutive'
            ? [ctx.rng.int(2, 12)]
            : [ctx.rng.int(1, 4), ctx.rng.int(1, 4)];
      const hi = fn.startsWith('nonzero') || fn === 'argwhere' || fn === 'where_cond' ? 1 : 3;
      const vals = range(numel(shape)).map(() => ctx.rng.int(0, hi));
      vals[0] = Math.max(vals[0]!, 1);
      return { inputs: [x], attrs: { fn, values: vals, valuesShape: shape } };
    },
    facts(inputs, a, outs) {
      if (a.fn === 'masked_select') return [moved(inputs[0]!, false)];
      const n = Math.max(...(a.valuesShape as number[]), (a.values as number[]).length);
      return outs.map(() => facts([0, n], true));
    },
  }),
);

// ---------------------------------------------------------------------------------------------
// Sorting and bucketing (exact, tie-free inputs where order matters)

register(
  def({
    kind: 'sort_ext',
    group: 'reduction',
    doc: 'torch.argsort (descending), torch.sort(stable=True), torch.msort, torch.kthvalue, topk smallest — exact tie-free inputs',
    infer([x], a) {
      check(
        x !== undefined && NUMERIC.includes(x.dtype) && x.shape.length >= 1,
        'sort_ext: numeric, rank ≥ 1',
      );
      const d = normDim((a.dim as number) ?? 0, x.shape.length);
      switch (a.fn) {
        case 'argsort':
          return [{ dtype: 'int64', shape: [...x.shape] }];
        case 'sort_stable':
          return [
            { dtype: x.dtype, shape: [...x.shape] },
            { dtype: 'int64', shape: [...x.shape] },
          ];
        case 'msort':
          return [{ dtype: x.dtype, shape: [...x.shape] }];
        case 'kthvalue': {
          check((a.k as number) <= x.shape[d]!, 'kthvalue: k');
          const s = x.shape.filter((_, i) => i !== d);
          return [
            { dtype: x.dtype, shape: s },
            { dtype: 'int64', shape: [...s] },
          ];
        }
        default: {
          check((a.k as number) <= x.shape[d]!, 'topk: k');
          return [{ dtype: x.dtype, shape: x.shape.map((v, i) => (i === d ? (a.k as number) : v)) }];
        }
      }
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['argsort', 'sort_stable', 'msort', 'kthvalue', 'topk_smallest']);
      const x = ctx.take({
        dtypes: F32_64,
        minRank: 1,
        where: (t) => t.exact && t.distinct && staticAxes(ctx, t).length > 0,
      });
      if (!x) return null;
      const r = x.shape.length;
      const d = fn === 'msort' ? 0 : ctx.rng.pick(staticAxes(ctx, x));
      if (!ctx.isStatic(x, d)) return null;
      return {
        inputs: [x],
        attrs: {
          fn,
          dim: signedDim(ctx, d, r),
          descending: ctx.rng.chance(0.5),
          k: ctx.rng.int(1, x.shape[d]!),
        },
      };
    },
    facts([x], a, outs) {
      const n = Math.max(...x!.shape, 1);
      const vals = moved(x!);
      const idx: Facts = facts([0, n], true);
      if (a.fn === 'argsort') return [idx];
      return outs.map((o) =>
        o.dtype === 'int64' && a.fn !== 'msort' && a.fn !== 'topk_smallest' ? idx : vals,
      );
    },
  }),
  def({
    kind: 'bucketize',
    group: 'misc',
    doc: 'torch.bucketize / torch.searchsorted (right or left) against constant sorted boundaries; torch.histc with a fixed range',
    infer([x], a) {
      check(x !== undefined && F32_64.includes(x.dtype), 'bucketize: float input');
      if (a.fn === 'histc') return [{ dtype: x.dtype, shape: [a.bins as number] }];
      return [{ dtype: 'int64', shape: [...x.shape] }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['bucketize', 'searchsorted', 'histc']);
      const x = ctx.take({ dtypes: F32_64, where: (t) => t.exact && mag(t) <= 10, range: () => [-1, 1] });
      if (!x) return null;
      if (fn === 'histc') return { inputs: [x], attrs: { fn, bins: ctx.rng.int(2, 6), min: -1.5, max: 1.5 } };
      const n = ctx.rng.int(2, 5);
      const boundaries = range(n).map((i) => Math.round((-1 + (2 * (i + 0.5)) / n) * 1000) / 1000);
      return { inputs: [x], attrs: { fn, boundaries, right: ctx.rng.chance(0.5) } };
    },
    facts([x], a) {
      if (a.fn === 'histc') return [facts([0, Math.max(numel(x!.shape), numel(x!.alt))], true)];
      return [facts([0, (a.boundaries as number[]).length], true)];
    },
  }),
);

void BOOL_FACTS;
export type { TType };
