/** Shape and data-movement operators: reshape…tile, cat/stack/split/chunk, slicing, gather, pad, interpolate, flip, roll, tril/triu. */
import { isFloat, promoteTypes } from '../dtype.js';
import { facts, hull, iv, moved } from '../facts.js';
import { check, normDim, numel, sameShape } from '../shape.js';
import type { Attrs, Ctx, Proposal, Shape, SynDType, Tensor, TType } from '../types.js';
import { ALL, F32_64, INTS, r3, range, register, signedDim, staticAxes, withHalf } from './common.js';

const ANY = (ctx: Ctx): SynDType[] => withHalf(ctx, ALL);

function primeFactors(n: number): number[] {
  const out: number[] = [];
  let m = n;
  for (let p = 2; p * p <= m; p++) {
    while (m % p === 0) {
      out.push(p);
      m /= p;
    }
  }
  if (m > 1) out.push(m);
  return out;
}

// ---------------------------------------------------------------------------------------------
// reshape / flatten / squeeze / unsqueeze / transpose / permute / expand / repeat / tile

register({
  kind: 'reshape',
  group: 'shape',
  minOpset: 9,
  doc: 'Tensor.reshape(shape) with an optional -1',
  infer([x], a) {
    check(x !== undefined, 'reshape: one input');
    const target = a.shape as number[];
    const n = numel(x.shape);
    const holes = target.filter((d) => d === -1).length;
    check(holes <= 1 && target.every((d) => d === -1 || d >= 1), 'reshape: target');
    const known = numel(target.filter((d) => d !== -1));
    if (holes === 1) {
      check(n % known === 0, `reshape: ${n} elements into [${target}]`);
      return [{ dtype: x.dtype, shape: target.map((d) => (d === -1 ? n / known : d)) }];
    }
    check(known === n, `reshape: ${n} elements into [${target}]`);
    return [{ dtype: x.dtype, shape: [...target] }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: ANY(ctx) });
    if (!x) return null;
    const dynamic = x.shape.some((_, i) => !ctx.isStatic(x, i));
    const staticN = numel(x.shape.filter((_, i) => ctx.isStatic(x, i)));
    const rank = ctx.rng.int(dynamic || staticN > 1 ? 1 : 0, 5);
    const slots = dynamic ? rank - 1 : rank;
    const target: number[] = Array.from({ length: Math.max(slots, 0) }, () => 1);
    if (slots === 0 && staticN > 1 && !dynamic) return null;
    for (const p of primeFactors(staticN)) {
      if (slots === 0) break;
      target[ctx.rng.int(0, slots - 1)]! *= p;
    }
    if (dynamic) target.splice(ctx.rng.int(0, target.length), 0, -1);
    else if (target.length > 0 && ctx.rng.chance(0.4)) target[ctx.rng.int(0, target.length - 1)] = -1;
    return { inputs: [x], attrs: { shape: target } };
  },
  facts: ([x]) => [moved(x!)],
});

register({
  kind: 'flatten',
  group: 'shape',
  minOpset: 9,
  doc: 'torch.flatten(start_dim, end_dim)',
  infer([x], a) {
    check(x !== undefined, 'flatten: one input');
    const r = x.shape.length;
    if (r === 0) {
      normDim(a.start_dim as number, 0);
      normDim(a.end_dim as number, 0);
      return [{ dtype: x.dtype, shape: [1] }];
    }
    const s = normDim(a.start_dim as number, r);
    const e = normDim(a.end_dim as number, r);
    check(s <= e, 'flatten: start_dim ≤ end_dim');
    return [
      {
        dtype: x.dtype,
        shape: [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)],
      },
    ];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: ANY(ctx) });
    if (!x) return null;
    const r = x.shape.length;
    if (r === 0) return { inputs: [x], attrs: { start_dim: 0, end_dim: -1 } };
    const s = ctx.rng.int(0, r - 1);
    const e = ctx.rng.int(s, r - 1);
    return { inputs: [x], attrs: { start_dim: signedDim(ctx, s, r), end_dim: signedDim(ctx, e, r) } };
  },
  facts: ([x]) => [moved(x!)],
});

register({
  kind: 'squeeze',
  group: 'shape',
  minOpset: 9,
  doc: 'Tensor.squeeze() or squeeze(dim) (a no-op on a dim of size > 1)',
  infer([x], a) {
    check(x !== undefined, 'squeeze: one input');
    if (a.dim === null) return [{ dtype: x.dtype, shape: x.shape.filter((d) => d !== 1) }];
    const d = normDim(a.dim as number, x.shape.length);
    if (x.shape.length === 0 || x.shape[d] !== 1) return [{ dtype: x.dtype, shape: [...x.shape] }];
    return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => i !== d) }];
  },
  propose(ctx) {
    const x = ctx.take({
      dtypes: ANY(ctx),
      minRank: 1,
      where: (t) => t.shape.some((d, i) => d === 1 && ctx.isStatic(t, i)),
    });
    if (!x) return null;
    const r = x.shape.length;
    if (ctx.rng.chance(0.3)) return { inputs: [x], attrs: { dim: null } };
    const ones = staticAxes(ctx, x, (i) => x.shape[i] === 1);
    const axes = ctx.rng.chance(0.1) ? staticAxes(ctx, x) : ones;
    if (axes.length === 0) return null;
    return { inputs: [x], attrs: { dim: signedDim(ctx, ctx.rng.pick(axes), r) } };
  },
  facts: ([x]) => [moved(x!)],
});

register({
  kind: 'unsqueeze',
  group: 'shape',
  minOpset: 9,
  doc: 'Tensor.unsqueeze(dim)',
  infer([x], a) {
    check(x !== undefined, 'unsqueeze: one input');
    const d = normDim(a.dim as number, x.shape.length + 1);
    const shape = [...x.shape];
    shape.splice(d, 0, 1);
    return [{ dtype: x.dtype, shape }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: ANY(ctx), maxRank: 5 });
    if (!x) return null;
    const r = x.shape.length + 1;
    return { inputs: [x], attrs: { dim: signedDim(ctx, ctx.rng.int(0, r - 1), r) } };
  },
  facts: ([x]) => [moved(x!)],
});

register({
  kind: 'transpose',
  group: 'shape',
  minOpset: 9,
  doc: 'Tensor.transpose(dim0, dim1)',
  infer([x], a) {
    check(x !== undefined && x.shape.length >= 1, 'transpose: rank ≥ 1');
    const r = x.shape.length;
    const d0 = normDim(a.dim0 as number, r);
    const d1 = normDim(a.dim1 as number, r);
    const shape = [...x.shape];
    [shape[d0], shape[d1]] = [shape[d1]!, shape[d0]!];
    return [{ dtype: x.dtype, shape }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: ANY(ctx), minRank: 2 });
    if (!x) return null;
    const r = x.shape.length;
    const [d0, d1] = ctx.rng.sample(range(r), 2) as [number, number];
    return { inputs: [x], attrs: { dim0: signedDim(ctx, d0, r), dim1: signedDim(ctx, d1, r) } };
  },
  facts: ([x]) => [moved(x!)],
});

register({
  kind: 'permute',
  group: 'shape',
  minOpset: 9,
  doc: 'Tensor.permute(dims)',
  infer([x], a) {
    check(x !== undefined, 'permute: one input');
    const r = x.shape.length;
    const p = (a.dims as number[]).map((d) => normDim(d, r));
    check(p.length === r && new Set(p).size === r, 'permute: a permutation');
    return [{ dtype: x.dtype, shape: p.map((d) => x.shape[d]!) }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: ANY(ctx), minRank: 2 });
    if (!x) return null;
    const r = x.shape.length;
    // Signed dims per permutation, not per dim: per-dim signs made nearly every rank ≥ 3 permutation
    // hit the negative-dims exporter bug (and get filtered), leaving mostly 2-D swaps — which are
    // their own inverse and hide permutation-order bugs.
    const perm = ctx.rng.shuffle(range(r));
    return {
      inputs: [x],
      attrs: { dims: ctx.rng.chance(0.5) ? perm.map((d) => signedDim(ctx, d, r)) : perm },
    };
  },
  facts: ([x]) => [moved(x!)],
});

register({
  kind: 'expand',
  group: 'shape',
  minOpset: 9,
  doc: 'Tensor.expand(sizes) (-1 keeps a dim; size-1 dims and new leading dims grow)',
  infer([x], a) {
    check(x !== undefined, 'expand: one input');
    const sizes = a.sizes as number[];
    const r = x.shape.length;
    check(sizes.length >= r && sizes.length >= 1, 'expand: at least as many sizes as dims (and one)');
    const lead = sizes.length - r;
    const out = sizes.map((s, i) => {
      if (i < lead) {
        check(s >= 1, 'expand: new dims need a size');
        return s;
      }
      const d = x.shape[i - lead]!;
      if (s === -1) return d;
      check(d === s || d === 1, `expand: dim ${d} to ${s}`);
      return s;
    });
    return [{ dtype: x.dtype, shape: out }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: ANY(ctx), maxRank: 4 });
    if (!x) return null;
    const lead = ctx.rng.weighted([
      [0, 3],
      [1, 2],
      [2, 1],
    ] as const);
    const sizes: number[] = [];
    for (let i = 0; i < lead; i++) sizes.push(ctx.dim(1, 4));
    x.shape.forEach((d, i) => {
      if (d === 1 && ctx.isStatic(x, i) && ctx.rng.chance(0.7)) sizes.push(ctx.dim(2, 5));
      else sizes.push(ctx.isStatic(x, i) && ctx.rng.chance(0.3) ? d : -1);
    });
    return { inputs: [x], attrs: { sizes } };
  },
  facts: ([x]) => [moved(x!, false)],
});

register({
  kind: 'repeat',
  group: 'shape',
  minOpset: 9,
  doc: 'Tensor.repeat(repeats) (as many or more repeats than dims)',
  infer([x], a) {
    check(x !== undefined, 'repeat: one input');
    const reps = a.repeats as number[];
    const r = x.shape.length;
    check(reps.length >= r && reps.every((v) => v >= 1), 'repeat: repeats');
    const lead = reps.length - r;
    return [{ dtype: x.dtype, shape: reps.map((v, i) => (i < lead ? v : v * x.shape[i - lead]!)) }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: ANY(ctx), maxRank: 4 });
    if (!x) return null;
    const n = x.shape.length + ctx.rng.int(0, x.shape.length === 0 ? 2 : 1);
    if (n === 0) return null;
    return { inputs: [x], attrs: { repeats: Array.from({ length: n }, () => ctx.rng.pick([1, 1, 2, 3])) } };
  },
  facts: ([x]) => [moved(x!, false)],
});

register({
  kind: 'tile',
  group: 'shape',
  minOpset: 9,
  doc: 'torch.tile(dims) (fewer dims than the input are padded with 1s)',
  infer([x], a) {
    check(x !== undefined, 'tile: one input');
    const reps = a.dims as number[];
    check(reps.length >= 1 && reps.every((v) => v >= 1), 'tile: dims');
    const r = Math.max(reps.length, x.shape.length);
    const rr = [...Array(r - reps.length).fill(1), ...reps] as number[];
    const xs = [...Array(r - x.shape.length).fill(1), ...x.shape] as number[];
    return [{ dtype: x.dtype, shape: rr.map((v, i) => v * xs[i]!) }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: ANY(ctx), maxRank: 4 });
    if (!x) return null;
    const n = ctx.rng.int(1, x.shape.length + 1);
    return { inputs: [x], attrs: { dims: Array.from({ length: n }, () => ctx.rng.pick([1, 2, 3])) } };
  },
  facts: ([x]) => [moved(x!, false)],
});

// ---------------------------------------------------------------------------------------------
// cat / stack / split / chunk

/** Tensors with t's shape except (maybe) along `axis`, for cat and stack. */
function joinPartners(ctx: Ctx, t: Tensor, axis: number | null, count: number): Tensor[] | null {
  const out: Tensor[] = [];
  for (let i = 0; i < count; i++) {
    const dtypes: SynDType[] = ctx.rng.chance(0.8) ? [t.dtype] : ANY(ctx);
    if (ctx.rng.chance(0.15)) {
      out.push(t);
      continue;
    }
    const fits = (c: Tensor) =>
      c.shape.length === t.shape.length &&
      c.shape.every((d, j) => j === axis || (d === t.shape[j] && c.alt[j] === t.alt[j]));
    const found = ctx.take({ dtypes, where: fits, fresh: 'never' });
    if (found && ctx.rng.chance(0.6)) {
      out.push(found);
      continue;
    }
    const shape = [...t.shape];
    const alt = [...t.alt];
    if (axis !== null) {
      shape[axis] = ctx.dim(1, 6);
      alt[axis] = shape[axis]!;
    }
    const f = ctx.fresh(ctx.rng.pick(dtypes), shape, undefined, alt);
    if (!f) return null;
    out.push(f);
  }
  return out;
}

register({
  kind: 'cat',
  group: 'join-split',
  minOpset: 9,
  doc: 'torch.cat along one dim (mixed dtypes promote)',
  infer(inputs, a) {
    check(inputs.length >= 2, 'cat: two or more inputs');
    const r = inputs[0]!.shape.length;
    check(r >= 1, 'cat: rank ≥ 1');
    const d = normDim(a.dim as number, r);
    let size = 0;
    let dtype = inputs[0]!.dtype;
    for (const t of inputs) {
      check(
        t.shape.length === r && t.shape.every((s, j) => j === d || s === inputs[0]!.shape[j]),
        'cat: shapes',
      );
      size += t.shape[d]!;
      dtype = promoteTypes(dtype, t.dtype);
    }
    const shape = [...inputs[0]!.shape];
    shape[d] = size;
    return [{ dtype, shape }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: ANY(ctx), minRank: 1 });
    if (!x) return null;
    const r = x.shape.length;
    const axis = ctx.rng.int(0, r - 1);
    const others = joinPartners(ctx, x, axis, ctx.rng.int(1, 2));
    return others ? { inputs: [x, ...others], attrs: { dim: signedDim(ctx, axis, r) } } : null;
  },
  facts: (inputs) => [
    facts(
      hull(...inputs.map(iv)),
      inputs.every((t) => t.exact),
    ),
  ],
});

register({
  kind: 'stack',
  group: 'join-split',
  minOpset: 9,
  doc: 'torch.stack along a new dim (mixed dtypes promote)',
  infer(inputs, a) {
    check(inputs.length >= 2, 'stack: two or more inputs');
    const s0 = inputs[0]!.shape;
    let dtype = inputs[0]!.dtype;
    for (const t of inputs) {
      check(sameShape(t.shape, s0), 'stack: same shapes');
      dtype = promoteTypes(dtype, t.dtype);
    }
    const d = normDim(a.dim as number, s0.length + 1);
    const shape = [...s0];
    shape.splice(d, 0, inputs.length);
    return [{ dtype, shape }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: ANY(ctx), maxRank: 4 });
    if (!x) return null;
    const others = joinPartners(ctx, x, null, ctx.rng.int(1, 2));
    const r = x.shape.length + 1;
    return others
      ? { inputs: [x, ...others], attrs: { dim: signedDim(ctx, ctx.rng.int(0, r - 1), r) } }
      : null;
  },
  facts: (inputs) => [
    facts(
      hull(...inputs.map(iv)),
      inputs.every((t) => t.exact),
    ),
  ],
});

function splitSizes(size: number, a: Attrs): number[] {
  if (Array.isArray(a.split_size_or_sections)) {
    const s = a.split_size_or_sections as number[];
    check(s.reduce((p, c) => p + c, 0) === size && s.every((v) => v >= 1), 'split: sections sum to the size');
    return s;
  }
  const k = a.split_size_or_sections as number;
  check(k >= 1, 'split: size ≥ 1');
  const out: number[] = [];
  for (let i = 0; i < size; i += k) out.push(Math.min(k, size - i));
  return out;
}

register({
  kind: 'split',
  group: 'join-split',
  minOpset: 9,
  doc: 'torch.split by a size or by a list of sections, along a static dim',
  infer([x], a) {
    check(x !== undefined && x.shape.length >= 1, 'split: rank ≥ 1');
    const d = normDim(a.dim as number, x.shape.length);
    return splitSizes(x.shape[d]!, a).map((s) => {
      const shape = [...x.shape];
      shape[d] = s;
      return { dtype: x.dtype, shape };
    });
  },
  propose(ctx) {
    const x = ctx.take({
      dtypes: ANY(ctx),
      minRank: 1,
      where: (t) => staticAxes(ctx, t, (i) => t.shape[i]! >= 2).length > 0,
      minDim: 2,
    });
    if (!x) return null;
    const axis = ctx.rng.pick(staticAxes(ctx, x, (i) => x.shape[i]! >= 2));
    const size = x.shape[axis]!;
    let arg: number | number[];
    if (ctx.rng.chance(0.5)) arg = ctx.rng.int(1, size - 1);
    else {
      const n = ctx.rng.int(2, Math.min(4, size));
      const cuts = ctx.rng
        .sample(
          range(size - 1).map((i) => i + 1),
          n - 1,
        )
        .sort((p, q) => p - q);
      arg = [...cuts, size].map((c, i, all) => c - (i === 0 ? 0 : all[i - 1]!));
    }
    return { inputs: [x], attrs: { split_size_or_sections: arg, dim: signedDim(ctx, axis, x.shape.length) } };
  },
  facts: ([x], _a, outs) => outs.map(() => moved(x!)),
});

register({
  kind: 'chunk',
  group: 'join-split',
  minOpset: 9,
  doc: 'torch.chunk(chunks, dim) along a static dim (the last chunk may be smaller, fewer chunks possible)',
  infer([x], a) {
    check(x !== undefined && x.shape.length >= 1, 'chunk: rank ≥ 1');
    const d = normDim(a.dim as number, x.shape.length);
    const size = x.shape[d]!;
    const n = a.chunks as number;
    check(n >= 1, 'chunk: chunks ≥ 1');
    const per = Math.ceil(size / n);
    return splitSizes(size, { split_size_or_sections: per }).map((s) => {
      const shape = [...x.shape];
      shape[d] = s;
      return { dtype: x.dtype, shape };
    });
  },
  propose(ctx) {
    const x = ctx.take({
      dtypes: ANY(ctx),
      minRank: 1,
      where: (t) => staticAxes(ctx, t, (i) => t.shape[i]! >= 2).length > 0,
      minDim: 2,
    });
    if (!x) return null;
    const axis = ctx.rng.pick(staticAxes(ctx, x, (i) => x.shape[i]! >= 2));
    return {
      inputs: [x],
      attrs: {
        chunks: ctx.rng.int(2, Math.min(4, x.shape[axis]!)),
        dim: signedDim(ctx, axis, x.shape.length),
      },
    };
  },
  facts: ([x], _a, outs) => outs.map(() => moved(x!)),
});

// ---------------------------------------------------------------------------------------------
// Slicing and indexing

/** Python slice length for [start:end:step] on a dim of `size`. */
export function sliceLen(size: number, start: number | null, end: number | null, step: number): number {
  const norm = (v: number | null, dflt: number) => {
    if (v === null) return dflt;
    const w = v < 0 ? v + size : v;
    return Math.min(Math.max(w, 0), size);
  };
  const s = norm(start, 0);
  const e = norm(end, size);
  return Math.max(0, Math.ceil((e - s) / step));
}

register({
  kind: 'slice',
  group: 'indexing',
  minOpset: 10,
  doc: 'x[a:b:c, …] with steps, negative and out-of-range indices',
  infer([x], a) {
    check(x !== undefined, 'slice: one input');
    const specs = a.slices as ([number | null, number | null, number] | null)[];
    check(specs.length === x.shape.length && specs.length >= 1, 'slice: one entry per dim');
    const shape = x.shape.map((s, i) => {
      const sp = specs[i];
      if (!sp) return s;
      check(sp[2] >= 1, 'slice: positive step');
      return sliceLen(s, sp[0], sp[1], sp[2]);
    });
    check(
      shape.every((s) => s >= 1),
      'slice: empty result',
    );
    return [{ dtype: x.dtype, shape }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: ANY(ctx), minRank: 1, where: (t) => t.shape.some((s) => s >= 2) });
    if (!x) return null;
    const r = x.shape.length;
    const slices: ([number | null, number | null, number] | null)[] = x.shape.map(() => null);
    const axes = ctx.rng.sample(
      range(r).filter((i) => x.shape[i]! >= 2),
      ctx.rng.int(1, 2),
    );
    for (const i of axes) {
      const n = x.shape[i]!;
      const start = ctx.rng.pick([null, 0, 1, -2, -n, Math.floor(n / 2)]);
      const end = ctx.rng.pick([null, -1, n, n + 3, Math.max(1, n - 1), Math.ceil(n / 2) + 1]);
      const step = ctx.rng.pick([1, 1, 2, 3]);
      slices[i] = [start, end, step];
    }
    return { inputs: [x], attrs: { slices } };
  },
  facts: ([x]) => [moved(x!)],
});

register({
  kind: 'select',
  group: 'indexing',
  minOpset: 9,
  doc: 'Tensor.select(dim, index) (negative index sometimes)',
  infer([x], a) {
    check(x !== undefined && x.shape.length >= 1, 'select: rank ≥ 1');
    const d = normDim(a.dim as number, x.shape.length);
    const n = x.shape[d]!;
    const i = a.index as number;
    check(i >= -n && i < n, 'select: index in range');
    return [{ dtype: x.dtype, shape: x.shape.filter((_, j) => j !== d) }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: ANY(ctx), minRank: 1 });
    if (!x) return null;
    const r = x.shape.length;
    const d = ctx.rng.int(0, r - 1);
    const n = Math.min(x.shape[d]!, x.alt[d]!);
    const idx = ctx.rng.int(0, n - 1);
    // Negative indices only on static dims (they count from the end, which moves on dynamic dims).
    return {
      inputs: [x],
      attrs: { dim: signedDim(ctx, d, r), index: ctx.isStatic(x, d) && ctx.rng.chance(0.4) ? idx - n : idx },
    };
  },
  facts: ([x]) => [moved(x!, false)],
});

/** Indices for gather/index_select: a fresh int input (runtime indices) or a constant. */
function indexSource(
  ctx: Ctx,
  shape: Shape,
  size: number,
  dtypes: readonly SynDType[],
): { input?: Tensor; attrs: Attrs } | null {
  if (ctx.rng.chance(0.6)) {
    const t = ctx.fresh(ctx.rng.pick(dtypes), shape, [0, size]);
    if (t) return { input: t, attrs: {} };
  }
  const values = Array.from({ length: numel(shape) }, () => ctx.rng.int(0, size - 1));
  return { attrs: { index: values, indexShape: shape } };
}

register({
  kind: 'gather',
  group: 'indexing',
  minOpset: 11,
  doc: 'torch.gather(x, dim, index) with int64 indices (runtime input or constant)',
  infer(inputs, a) {
    const [x, ix] = inputs;
    check(x !== undefined && x.shape.length >= 1, 'gather: rank ≥ 1');
    const idxShape = ix ? ix.shape : (a.indexShape as number[]);
    check(!ix || ix.dtype === 'int64', 'gather: int64 index');
    const d = normDim(a.dim as number, x.shape.length);
    check(idxShape.length === x.shape.length, 'gather: index rank');
    check(
      idxShape.every((s, i) => i === d || s <= x.shape[i]!),
      'gather: index sizes',
    );
    return [{ dtype: x.dtype, shape: [...idxShape] }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: ANY(ctx), minRank: 1, where: (t) => staticAxes(ctx, t).length > 0 });
    if (!x) return null;
    const r = x.shape.length;
    const d = ctx.rng.pick(staticAxes(ctx, x));
    const shape = x.shape.map((s, i) =>
      i === d ? ctx.rng.int(1, 4) : ctx.rng.int(1, Math.min(s, x.alt[i]!)),
    );
    const src = indexSource(ctx, shape, x.shape[d]!, ['int64']);
    if (!src) return null;
    return { inputs: src.input ? [x, src.input] : [x], attrs: { dim: signedDim(ctx, d, r), ...src.attrs } };
  },
  facts: ([x]) => [moved(x!, false)],
});

register({
  kind: 'index_select',
  group: 'indexing',
  minOpset: 9,
  doc: 'torch.index_select(x, dim, index) with a 1-D int64/int32 index (runtime input or constant)',
  infer(inputs, a) {
    const [x, ix] = inputs;
    check(x !== undefined, 'index_select: input');
    const len = ix ? ix.shape : (a.indexShape as number[]);
    check(
      len.length === 1 && (!ix || ix.dtype === 'int64' || ix.dtype === 'int32'),
      'index_select: 1-D int index',
    );
    const r = x.shape.length;
    if (r === 0) return [{ dtype: x.dtype, shape: [] }];
    const d = normDim(a.dim as number, r);
    const shape = [...x.shape];
    shape[d] = len[0]!;
    return [{ dtype: x.dtype, shape }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: ANY(ctx), minRank: 1, where: (t) => staticAxes(ctx, t).length > 0 });
    if (!x) return null;
    const d = ctx.rng.pick(staticAxes(ctx, x));
    const src = indexSource(ctx, [ctx.rng.int(1, 5)], x.shape[d]!, INTS);
    if (!src) return null;
    return {
      inputs: src.input ? [x, src.input] : [x],
      attrs: { dim: signedDim(ctx, d, x.shape.length), ...src.attrs },
    };
  },
  facts: ([x]) => [moved(x!, false)],
});

// ---------------------------------------------------------------------------------------------
// pad / interpolate

register({
  kind: 'pad',
  group: 'resize',
  minOpset: 11,
  doc: 'F.pad in constant (negative pads crop), reflect, replicate or circular mode',
  infer([x], a) {
    check(x !== undefined && x.shape.length >= 1, 'pad: rank ≥ 1');
    const pads = a.pad as number[];
    const mode = a.mode as string;
    const k = pads.length / 2;
    const r = x.shape.length;
    check(Number.isInteger(k) && k >= 1 && k <= r, 'pad: pairs of pads');
    if (mode !== 'constant') {
      // reflect/replicate: batched or not; circular: batched only (torch 1.13).
      check(
        k <= 3 && (r === k + 2 || (r === k + 1 && mode !== 'circular')),
        `pad: ${mode} pads ${k} dims of a rank ${k + 1}/${k + 2} input`,
      );
      check(F32_64.includes(x.dtype), `pad: ${mode} needs floats`);
    }
    const shape = [...x.shape];
    for (let i = 0; i < k; i++) {
      const d = r - 1 - i;
      const [p0, p1] = [pads[2 * i]!, pads[2 * i + 1]!];
      if (mode === 'reflect')
        check(p0 < x.shape[d]! && p1 < x.shape[d]! && p0 >= 0 && p1 >= 0, 'pad: reflect pads < size');
      if (mode === 'circular')
        check(p0 <= x.shape[d]! && p1 <= x.shape[d]! && p0 >= 0 && p1 >= 0, 'pad: circular pads ≤ size');
      if (mode === 'replicate') check(p0 >= 0 && p1 >= 0, 'pad: replicate pads ≥ 0');
      shape[d] = x.shape[d]! + p0 + p1;
      check(shape[d]! >= 1, 'pad: empty result');
    }
    return [{ dtype: x.dtype, shape }];
  },
  propose(ctx) {
    const mode = ctx.rng.weighted([
      ['constant', 4],
      ['reflect', 2],
      ['replicate', 2],
      ['circular', 1],
    ] as const);
    const k = ctx.rng.int(1, mode === 'constant' ? 2 : 3);
    const x = ctx.take({
      dtypes: mode === 'constant' ? ANY(ctx) : F32_64,
      minRank: mode === 'constant' ? k : mode === 'circular' ? k + 2 : k + 1,
      maxRank: mode === 'constant' ? 5 : k + 2,
      minDim: 2,
    });
    if (!x) return null;
    const r = x.shape.length;
    const pads: number[] = [];
    for (let i = 0; i < k && i < r; i++) {
      const d = r - 1 - i;
      const n = Math.min(x.shape[d]!, x.alt[d]!);
      for (let side = 0; side < 2; side++) {
        if (mode === 'constant')
          pads.push(ctx.isStatic(x, d) && n > 2 && ctx.rng.chance(0.15) ? -1 : ctx.rng.int(0, 2));
        else if (mode === 'reflect') pads.push(ctx.rng.int(0, Math.min(2, n - 1)));
        else pads.push(ctx.rng.int(0, Math.min(2, n)));
      }
    }
    const attrs: Attrs = { pad: pads, mode };
    if (mode === 'constant')
      attrs.value =
        x.dtype === 'bool' ? 0 : isFloat(x.dtype) ? ctx.rng.pick([0, 0.5, -1.25]) : ctx.rng.pick([0, 2, -1]);
    return { inputs: [x], attrs };
  },
  facts([x], a) {
    const v = (a.value as number | undefined) ?? 0;
    return [a.mode === 'constant' ? facts(hull(iv(x!), [v, v]), x!.exact) : moved(x!, false)];
  },
});

const INTERP_RANK: Record<string, number[]> = {
  nearest: [3, 4, 5],
  linear: [3],
  bilinear: [4],
  bicubic: [4],
  trilinear: [5],
};

register({
  kind: 'interpolate',
  group: 'resize',
  minOpset: 11,
  doc: 'F.interpolate: nearest/linear/bilinear/bicubic/trilinear, by size or scale_factor, align_corners both ways',
  infer([x], a) {
    check(x !== undefined && F32_64.includes(x.dtype), 'interpolate: float input');
    const mode = a.mode as string;
    check((INTERP_RANK[mode] ?? []).includes(x.shape.length), `interpolate: ${mode} rank`);
    const sp = x.shape.slice(2);
    let out: number[];
    if (a.size !== undefined && a.size !== null) {
      out = a.size as number[];
      check(out.length === sp.length, 'interpolate: size per spatial dim');
    } else {
      const sf = a.scale_factor as number[];
      check(sf.length === sp.length, 'interpolate: scale per spatial dim');
      out = sp.map((s, i) => Math.floor(s * sf[i]!));
    }
    check(
      out.every((o) => o >= 1),
      'interpolate: empty output',
    );
    if (mode === 'nearest')
      check(a.align_corners === null, 'interpolate: align_corners only for linear modes');
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, 2), ...out] }];
  },
  propose(ctx) {
    const mode = ctx.rng.weighted([
      ['nearest', 4],
      ['bilinear', 3],
      ['linear', 1],
      ['bicubic', 1],
      ['trilinear', 1],
    ] as const);
    const rk = ctx.rng.pick(INTERP_RANK[mode]!);
    const x = ctx.take({
      dtypes: F32_64,
      minRank: rk,
      maxRank: rk,
      where: (t) => numel(t.shape) <= 2048,
      minDim: 1,
    });
    if (!x) return null;
    const sp = x.shape.slice(2);
    const attrs: Attrs = {
      mode,
      align_corners: mode === 'nearest' ? null : ctx.rng.pick([true, false, null]),
    };
    if (ctx.rng.chance(0.5) && sp.every((_, i) => ctx.isStatic(x, i + 2))) {
      attrs.size = sp.map((s) => ctx.rng.int(Math.max(1, Math.floor(s / 2)), 2 * s + 1));
    } else {
      const one = ctx.rng.pick([2, 0.5, 1.5, 3, 0.75, 2.5]);
      attrs.scale_factor = sp.map(() => (ctx.rng.chance(0.7) ? one : ctx.rng.pick([2, 0.5, 1.5, 3])));
      if (ctx.rng.chance(0.3)) attrs.recompute_scale_factor = true;
    }
    return { inputs: [x], attrs };
  },
  facts([x], a) {
    // bicubic overshoots (coefficient -0.75): up to 1.5x the span.
    if (a.mode === 'bicubic') {
      const span = x!.hi - x!.lo;
      return [facts([x!.lo - 0.5 * span, x!.hi + 0.5 * span])];
    }
    return [a.mode === 'nearest' ? moved(x!, false) : facts(iv(x!))];
  },
});

// ---------------------------------------------------------------------------------------------
// flip / roll / tril / triu

register({
  kind: 'flip',
  group: 'misc',
  minOpset: 10,
  doc: 'torch.flip(dims)',
  infer([x], a) {
    check(x !== undefined && x.shape.length >= 1, 'flip: rank ≥ 1');
    const dims = (a.dims as number[]).map((d) => normDim(d, x.shape.length));
    check(dims.length >= 1 && new Set(dims).size === dims.length, 'flip: distinct dims');
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: ANY(ctx), minRank: 1 });
    if (!x) return null;
    const r = x.shape.length;
    return {
      inputs: [x],
      attrs: { dims: ctx.rng.sample(range(r), ctx.rng.int(1, r)).map((d) => signedDim(ctx, d, r)) },
    };
  },
  facts: ([x]) => [moved(x!)],
});

register({
  kind: 'roll',
  group: 'misc',
  minOpset: 10,
  doc: 'torch.roll(shifts, dims) on static dims, or flattened (no dims); shifts may exceed the size or be negative',
  infer([x], a) {
    check(x !== undefined && x.shape.length >= 1, 'roll: rank ≥ 1');
    const shifts = a.shifts as number[];
    if (a.dims === null) {
      check(shifts.length === 1, 'roll: one shift without dims');
    } else {
      const dims = (a.dims as number[]).map((d) => normDim(d, x.shape.length));
      check(dims.length === shifts.length && dims.length >= 1, 'roll: one shift per dim');
    }
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: ANY(ctx), minRank: 1, where: (t) => staticAxes(ctx, t).length > 0 });
    if (!x) return null;
    const r = x.shape.length;
    const axes = staticAxes(ctx, x);
    const shift = (n: number) => ctx.rng.pick([1, -1, 2, n + 1, -(n + 2), Math.max(1, n - 1)]);
    if (axes.length === r && ctx.rng.chance(0.25))
      return { inputs: [x], attrs: { shifts: [shift(numel(x.shape))], dims: null } };
    const dims = ctx.rng.sample(axes, ctx.rng.int(1, Math.min(2, axes.length)));
    return {
      inputs: [x],
      attrs: { shifts: dims.map((d) => shift(x.shape[d]!)), dims: dims.map((d) => signedDim(ctx, d, r)) },
    };
  },
  facts: ([x]) => [moved(x!)],
});

for (const kind of ['tril', 'triu'] as const) {
  register({
    kind,
    group: 'misc',
    minOpset: 14,
    doc: `torch.${kind}(diagonal) on the last two dims`,
    infer([x], a) {
      check(x !== undefined && x.shape.length >= 2, `${kind}: rank ≥ 2`);
      void a;
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
    propose(ctx) {
      const x = ctx.take({ dtypes: ANY(ctx), minRank: 2 });
      return x ? { inputs: [x], attrs: { diagonal: ctx.rng.pick([0, 0, 1, -1, 2]) } } : null;
    },
    facts: ([x]) => [facts(hull(iv(x!), [0, 0]), x!.exact)],
  });
}

export type { Proposal, TType };
export { r3 };
