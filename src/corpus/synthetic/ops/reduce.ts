/** Reductions, softmax, cumsum, topk and sort. */
import { floatResult, isFloat } from '../dtype.js';
import { BOOL_FACTS, facts, iv, ivSumN, moved } from '../facts.js';
import { check, normDim, numel } from '../shape.js';
import type { Attrs, Ctx, Facts, OpDef, SynDType, Tensor, TType } from '../types.js';
import { ALL, F32_64, NUMERIC, mag, register, signedDim, withHalf } from './common.js';

/** Normalised, de-duplicated reduction dims (null: all dims). */
function reducedDims(x: TType, a: Attrs): number[] {
  const r = x.shape.length;
  if (a.dim === null || a.dim === undefined) return Array.from({ length: r }, (_, i) => i);
  const list = Array.isArray(a.dim) ? (a.dim as number[]) : [a.dim as number];
  check(list.length >= 1, 'reduce: empty dim list');
  const dims = list.map((d) => normDim(d, r));
  check(new Set(dims).size === dims.length, 'reduce: repeated dim');
  return dims;
}

function reducedShape(x: TType, a: Attrs): number[] {
  const dims = reducedDims(x, a);
  if (a.dim === null || a.dim === undefined) {
    return a.keepdim ? x.shape.map(() => 1) : [];
  }
  if (x.shape.length === 0) return [];
  const out: number[] = [];
  x.shape.forEach((s, i) => {
    if (!dims.includes(i)) out.push(s);
    else if (a.keepdim) out.push(1);
  });
  return out;
}

/** Number of elements reduced into one output (worst of export/dynamic sizes). */
function reducedCount(x: Tensor, a: Attrs): number {
  const dims = reducedDims(x, a);
  let n = 1;
  for (const d of dims) n *= Math.max(x.shape[d] ?? 1, x.alt[d] ?? 1);
  return n;
}

/** Dim attrs for a reduction: full (null), one dim, or a list of dims. */
function chooseDims(ctx: Ctx, x: Tensor, allowList: boolean, allowFull = true): Attrs {
  const r = x.shape.length;
  if (r === 0 || (allowFull && ctx.rng.chance(0.2))) return { dim: null, keepdim: false };
  const keepdim = ctx.rng.chance(0.4);
  if (allowList && r > 1 && ctx.rng.chance(0.4)) {
    const k = ctx.rng.int(1, r);
    const dims = ctx.rng
      .sample(
        Array.from({ length: r }, (_, i) => i),
        k,
      )
      .map((d) => signedDim(ctx, d, r));
    return { dim: dims, keepdim };
  }
  return { dim: signedDim(ctx, ctx.rng.int(0, r - 1), r), keepdim };
}

interface ReduceSpec {
  kind: string;
  doc: string;
  dtypes: readonly SynDType[];
  half?: boolean;
  list: boolean;
  out: (d: SynDType) => SynDType;
  needsExact?: boolean;
  minOpset?: number;
  facts: (x: Tensor, a: Attrs, n: number) => Facts;
  /** Full reduction keeps keepdim? (torch.sum(x) has no keepdim) */
  where?: (t: Tensor) => boolean;
}

function reduce(s: ReduceSpec): OpDef {
  return {
    kind: s.kind,
    group: 'reduction',
    minOpset: s.minOpset ?? 9,
    doc: s.doc,
    infer([x], a) {
      check(
        x !== undefined && (s.dtypes.includes(x.dtype) || (!!s.half && x.dtype === 'float16')),
        `${s.kind}: dtype`,
      );
      if (!s.list) check(!Array.isArray(a.dim), `${s.kind}: one dim`);
      return [{ dtype: s.out(x.dtype), shape: reducedShape(x, a) }];
    },
    propose(ctx) {
      const x = ctx.take({
        dtypes: s.half ? withHalf(ctx, s.dtypes) : s.dtypes,
        where: (t) => (!s.needsExact || t.exact) && (!s.where || s.where(t)),
      });
      return x ? { inputs: [x], attrs: chooseDims(ctx, x, s.list) } : null;
    },
    facts([x], a) {
      return [s.facts(x!, a, reducedCount(x!, a))];
    },
  };
}

const intToI64 = (d: SynDType): SynDType => (isFloat(d) ? d : 'int64');

register(
  reduce({
    kind: 'sum',
    doc: 'torch.sum over all/one/several dims, keepdim (ints and bools sum to int64)',
    dtypes: ALL,
    list: true,
    out: intToI64,
    facts: (x, _a, n) => facts(ivSumN(iv(x), n), !isFloat(x.dtype) && x.exact),
  }),
  reduce({
    kind: 'mean',
    doc: 'torch.mean over all/one/several dims, keepdim',
    dtypes: F32_64,
    list: true,
    out: (d) => d,
    facts: (x) => facts(iv(x)),
  }),
  reduce({
    kind: 'prod',
    doc: 'torch.prod over all or one dim, keepdim (ints to int64); small magnitudes',
    dtypes: NUMERIC,
    list: false,
    out: intToI64,
    where: (t) => mag(t) <= 2,
    facts: (x, _a, n) => {
      const m = Math.pow(mag(x), n);
      const r: [number, number] = x.lo >= 0 ? [Math.pow(x.lo, n), Math.pow(x.hi, n)] : [-m, m];
      return facts(r, !isFloat(x.dtype) && x.exact);
    },
  }),
  reduce({
    kind: 'amax',
    doc: 'torch.amax over all/one/several dims, keepdim',
    dtypes: ALL,
    half: true,
    list: true,
    out: (d) => d,
    facts: (x) => moved(x, false),
  }),
  reduce({
    kind: 'amin',
    doc: 'torch.amin over all/one/several dims, keepdim',
    dtypes: ALL,
    half: true,
    list: true,
    out: (d) => d,
    facts: (x) => moved(x, false),
  }),
  reduce({
    kind: 'argmax',
    doc: 'torch.argmax over one dim (keepdim) or flattened; exact inputs (ties resolve to the first index)',
    dtypes: NUMERIC,
    list: false,
    needsExact: true,
    out: () => 'int64',
    facts: (_x, _a, n) => facts([0, n - 1], true),
  }),
  reduce({
    kind: 'argmin',
    doc: 'torch.argmin over one dim (keepdim) or flattened; exact inputs',
    dtypes: NUMERIC,
    list: false,
    needsExact: true,
    out: () => 'int64',
    facts: (_x, _a, n) => facts([0, n - 1], true),
  }),
  reduce({
    kind: 'logsumexp',
    doc: 'torch.logsumexp over one or several dims, keepdim (ints compute in float32)',
    dtypes: NUMERIC,
    list: true,
    out: floatResult,
    facts: (x, _a, n) => facts([x.lo, x.hi + Math.log(n)]),
  }),
);

// argmax with a full reduction takes no keepdim in torch; our interpreter passes keepdim only with dim.

// max/min over a dim: values (+ indices when unambiguous).
for (const kind of ['max_dim', 'min_dim'] as const) {
  register({
    kind,
    group: 'reduction',
    minOpset: 9,
    doc: `torch.${kind.slice(0, 3)}(x, dim, keepdim) → values (and indices when the input is exact and tie-free)`,
    infer([x], a) {
      check(
        x !== undefined && NUMERIC.includes(x.dtype) && typeof a.dim === 'number',
        `${kind}: numeric input, one dim`,
      );
      const shape = reducedShape(x, a);
      const out: TType[] = [{ dtype: x.dtype, shape }];
      if (a.indices) out.push({ dtype: 'int64', shape: [...shape] });
      return out;
    },
    propose(ctx) {
      const x = ctx.take({ dtypes: NUMERIC, minRank: 1 });
      if (!x) return null;
      const r = x.shape.length;
      return {
        inputs: [x],
        attrs: {
          dim: signedDim(ctx, ctx.rng.int(0, r - 1), r),
          keepdim: ctx.rng.chance(0.4),
          indices: x.exact && x.distinct,
        },
      };
    },
    facts([x], a) {
      const n = reducedCount(x!, a);
      const out = [moved(x!, false)];
      if (a.indices) out.push(facts([0, n - 1], true));
      return out;
    },
  });
}

for (const kind of ['softmax', 'log_softmax'] as const) {
  register({
    kind,
    group: 'softmax',
    minOpset: 9,
    doc: `F.${kind} along one dim`,
    infer([x], a) {
      check(x !== undefined && F32_64.includes(x.dtype) && x.shape.length >= 1, `${kind}: float rank ≥ 1`);
      normDim(a.dim as number, x.shape.length);
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
    propose(ctx) {
      const x = ctx.take({ dtypes: F32_64, minRank: 1 });
      if (!x) return null;
      const r = x.shape.length;
      return { inputs: [x], attrs: { dim: signedDim(ctx, ctx.rng.int(0, r - 1), r) } };
    },
    facts([x], a) {
      if (kind === 'softmax') return [facts([0, 1])];
      const d = normDim(a.dim as number, x!.shape.length);
      const n = Math.max(x!.shape[d]!, x!.alt[d]!);
      return [facts([x!.lo - x!.hi - Math.log(n) - 1e-3, 0])];
    },
  });
}

register({
  kind: 'cumsum',
  group: 'reduction',
  minOpset: 11,
  doc: 'torch.cumsum along one dim (ints and bools accumulate in int64)',
  infer([x], a) {
    check(x !== undefined && ALL.includes(x.dtype), 'cumsum: dtype');
    normDim(a.dim as number, x.shape.length);
    return [{ dtype: intToI64(x.dtype), shape: [...x.shape] }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: ALL, minRank: 1 });
    if (!x) return null;
    const r = x.shape.length;
    return { inputs: [x], attrs: { dim: signedDim(ctx, ctx.rng.int(0, r - 1), r) } };
  },
  facts([x], a) {
    const d = normDim(a.dim as number, x!.shape.length);
    const n = Math.max(x!.shape[d] ?? 1, x!.alt[d] ?? 1);
    return [facts(ivSumN(iv(x!), n), !isFloat(x!.dtype) && x!.exact)];
  },
});

register({
  kind: 'topk',
  group: 'reduction',
  minOpset: 11,
  doc: 'torch.topk(k, dim, largest, sorted=True) → values (and indices when exact and tie-free)',
  infer([x], a) {
    check(x !== undefined && NUMERIC.includes(x.dtype) && x.shape.length >= 1, 'topk: numeric rank ≥ 1');
    const d = normDim(a.dim as number, x.shape.length);
    check((a.k as number) >= 1 && (a.k as number) <= x.shape[d]!, 'topk: k ≤ size');
    const shape = [...x.shape];
    shape[d] = a.k as number;
    const out: TType[] = [{ dtype: x.dtype, shape }];
    if (a.indices) out.push({ dtype: 'int64', shape: [...shape] });
    return out;
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: NUMERIC, minRank: 1 });
    if (!x) return null;
    const r = x.shape.length;
    const d = ctx.rng.int(0, r - 1);
    const size = Math.min(x.shape[d]!, x.alt[d]!);
    return {
      inputs: [x],
      attrs: {
        k: ctx.rng.int(1, size),
        dim: signedDim(ctx, d, r),
        largest: ctx.rng.chance(0.7),
        indices: x.exact && x.distinct,
      },
    };
  },
  facts([x], a) {
    const out = [moved(x!)];
    if (a.indices) out.push(facts([0, Math.max(...x!.shape, ...x!.alt) - 1], true));
    return out;
  },
});

register({
  kind: 'sort',
  group: 'reduction',
  minOpset: 11,
  doc: 'torch.sort(dim, descending) → values (and indices when exact and tie-free)',
  infer([x], a) {
    check(x !== undefined && NUMERIC.includes(x.dtype) && x.shape.length >= 1, 'sort: numeric rank ≥ 1');
    normDim(a.dim as number, x.shape.length);
    const out: TType[] = [{ dtype: x.dtype, shape: [...x.shape] }];
    if (a.indices) out.push({ dtype: 'int64', shape: [...x.shape] });
    return out;
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: NUMERIC, minRank: 1 });
    if (!x) return null;
    const r = x.shape.length;
    return {
      inputs: [x],
      attrs: {
        dim: signedDim(ctx, ctx.rng.int(0, r - 1), r),
        descending: ctx.rng.chance(0.5),
        indices: x.exact && x.distinct,
      },
    };
  },
  facts([x], a) {
    const out = [moved(x!)];
    if (a.indices) out.push(facts([0, Math.max(...x!.shape, ...x!.alt) - 1], true));
    return out;
  },
});

export { BOOL_FACTS, numel };
