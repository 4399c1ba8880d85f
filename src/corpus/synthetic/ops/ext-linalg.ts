/**
 * Extended library: reductions the core library lacks (all/any, std/var and their *_mean forms,
 * norms, aminmax, cumprod, logcumsumexp) and linear algebra (mm, addmm, baddbmm, addbmm, addmv,
 * addr, dot, mv, outer, einsum, tensordot, cross, cdist, cosine similarity, pairwise distance,
 * det/logdet, bilinear).
 */
import { isFloat } from '../dtype.js';
import { BOOL_FACTS, facts, hull, iv, ivAbsMax } from '../facts.js';
import { broadcast, check, normDim, numel, sameShape } from '../shape.js';
import type { Attrs, Ctx, Facts, Proposal, Shape, SynDType, Tensor, TType } from '../types.js';
import { ALL, F32_64, mag, register, signedDim } from './common.js';
import { ext } from './ext-elementwise.js';

const sym = (m: number): [number, number] => [-m, m];

/** Output shape of a reduction over `dim` (null: all dims), keepdim or not. */
function reduced(x: TType, dim: number | null, keepdim: boolean): Shape {
  if (dim === null) return keepdim ? x.shape.map(() => 1) : [];
  const d = normDim(dim, x.shape.length);
  if (x.shape.length === 0) return [];
  return x.shape.flatMap((s, i) => (i === d ? (keepdim ? [1] : []) : [s]));
}

function countOf(x: Tensor, dim: number | null): number {
  if (dim === null) return Math.max(numel(x.shape), numel(x.alt));
  const d = normDim(dim, x.shape.length);
  return Math.max(x.shape[d] ?? 1, x.alt[d] ?? 1);
}

function minCount(x: Tensor, dim: number | null): number {
  if (dim === null) return Math.min(numel(x.shape), numel(x.alt));
  const d = normDim(dim, x.shape.length);
  return Math.min(x.shape[d] ?? 1, x.alt[d] ?? 1);
}

function pickDim(ctx: Ctx, x: Tensor, full = true): number | null {
  const r = x.shape.length;
  if (r === 0 || (full && ctx.rng.chance(0.25))) return null;
  return signedDim(ctx, ctx.rng.int(0, r - 1), r);
}

register(
  ext({
    kind: 'all_any',
    group: 'reduction',
    minOpset: 9,
    doc: 'torch.all / torch.any over everything or one dim (keepdim), bool or numeric input (exact)',
    infer([x], a) {
      check(x !== undefined, 'all_any: one input');
      return [{ dtype: 'bool', shape: a.dim === null ? [] : reduced(x, a.dim as number, !!a.keepdim) }];
    },
    propose(ctx): Proposal | null {
      const x = ctx.take({ dtypes: ctx.rng.chance(0.7) ? ['bool'] : ALL, where: (t) => t.exact });
      if (!x) return null;
      const dim = pickDim(ctx, x);
      return {
        inputs: [x],
        attrs: { fn: ctx.rng.pick(['all', 'any']), dim, keepdim: dim !== null && ctx.rng.chance(0.4) },
      };
    },
    facts: () => [BOOL_FACTS(true)],
  }),
  ext({
    kind: 'std_var',
    group: 'reduction',
    minOpset: 9,
    doc: 'torch.std / var / std_mean / var_mean over everything or one dim, unbiased or not, keepdim',
    infer([x], a) {
      check(x !== undefined && F32_64.includes(x.dtype), 'std_var: float input');
      const shape = reduced(x, a.dim as number | null, !!a.keepdim);
      const one = { dtype: x.dtype, shape };
      return String(a.fn).endsWith('_mean') ? [one, { ...one, shape: [...shape] }] : [one];
    },
    propose(ctx): Proposal | null {
      const x = ctx.take({ dtypes: F32_64, minRank: 1, where: (t) => numel(t.shape) >= 2 });
      if (!x) return null;
      const dim = pickDim(ctx, x);
      if (minCount(x, dim) < 2) return null;
      return {
        inputs: [x],
        attrs: {
          fn: ctx.rng.pick(['std', 'var', 'std_mean', 'var_mean']),
          dim,
          unbiased: ctx.rng.chance(0.6),
          keepdim: dim !== null && ctx.rng.chance(0.4),
        },
      };
    },
    facts([x], a) {
      const m = mag(x!);
      const spread = (x!.hi - x!.lo) * 2;
      const main: Facts = facts(String(a.fn).startsWith('std') ? [0, spread] : [0, spread * spread]);
      return String(a.fn).endsWith('_mean') ? [main, facts(sym(m))] : [main];
    },
  }),
  ext({
    kind: 'norm',
    group: 'reduction',
    minOpset: 11,
    doc: "torch.norm(p=1|2|'fro'), torch.linalg.vector_norm / matrix_norm / norm, over all dims or one (keepdim)",
    infer([x], a) {
      check(x !== undefined && F32_64.includes(x.dtype), 'norm: float input');
      if (a.fn === 'linalg_matrix_norm') {
        check(x.shape.length >= 2, 'matrix_norm: rank ≥ 2');
        return [
          { dtype: x.dtype, shape: a.keepdim ? [...x.shape.slice(0, -2), 1, 1] : x.shape.slice(0, -2) },
        ];
      }
      if (a.fn === 'frobenius_norm') {
        check(x.shape.length >= 2, 'frobenius: rank ≥ 2');
        return [
          { dtype: x.dtype, shape: a.keepdim ? [...x.shape.slice(0, -2), 1, 1] : x.shape.slice(0, -2) },
        ];
      }
      return [{ dtype: x.dtype, shape: reduced(x, a.dim as number | null, !!a.keepdim) }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick([
        'norm',
        'linalg_vector_norm',
        'linalg_matrix_norm',
        'linalg_norm',
        'frobenius_norm',
      ]);
      const matrix = fn === 'linalg_matrix_norm' || fn === 'frobenius_norm';
      const x = ctx.take({ dtypes: F32_64, minRank: matrix ? 2 : 1 });
      if (!x) return null;
      const keepdim = ctx.rng.chance(0.4);
      if (matrix)
        return {
          inputs: [x],
          attrs: { fn, ord: fn === 'frobenius_norm' ? 'fro' : ctx.rng.pick(['fro', 1]), keepdim },
        };
      const dim =
        fn === 'linalg_norm' && x.shape.length > 2
          ? signedDim(ctx, ctx.rng.int(0, x.shape.length - 1), x.shape.length)
          : pickDim(ctx, x);
      const p =
        fn === 'linalg_norm' ? null : ctx.rng.pick(fn === 'norm' && dim === null ? [2, 'fro'] : [1, 2]);
      return { inputs: [x], attrs: { fn, dim, p, keepdim: dim !== null && keepdim } };
    },
    facts([x], a) {
      const n =
        a.fn === 'linalg_matrix_norm' || a.fn === 'frobenius_norm'
          ? countOf(x!, null)
          : countOf(x!, a.dim as number | null);
      return [facts([0, mag(x!) * n])];
    },
  }),
  ext({
    kind: 'aminmax',
    group: 'reduction',
    minOpset: 11,
    doc: 'torch.aminmax (all, or dim with keepdim) → (min, max)',
    infer([x], a) {
      check(x !== undefined && F32_64.includes(x.dtype) && x.shape.length >= 1, 'aminmax: float, rank ≥ 1');
      const shape = reduced(x, a.dim as number | null, !!a.keepdim);
      return [
        { dtype: x.dtype, shape },
        { dtype: x.dtype, shape: [...shape] },
      ];
    },
    propose(ctx): Proposal | null {
      const x = ctx.take({ dtypes: F32_64, minRank: 1 });
      if (!x) return null;
      const dim = pickDim(ctx, x);
      return { inputs: [x], attrs: { dim, keepdim: dim !== null && ctx.rng.chance(0.5) } };
    },
    facts([x]) {
      return [facts(iv(x!), x!.exact), facts(iv(x!), x!.exact)];
    },
  }),
  ext({
    kind: 'cumulative',
    group: 'reduction',
    minOpset: 11,
    doc: 'torch.cumprod (magnitudes ≤ 1.5, short dims) and torch.logcumsumexp along one dim',
    infer([x], a) {
      check(
        x !== undefined && F32_64.includes(x.dtype) && x.shape.length >= 1,
        'cumulative: float, rank ≥ 1',
      );
      normDim(a.dim as number, x.shape.length);
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['cumprod', 'logcumsumexp']);
      const x = ctx.take({
        dtypes: F32_64,
        minRank: 1,
        where: (t) => (fn === 'cumprod' ? mag(t) <= 1.5 : mag(t) <= 20),
        range: () => [-1.2, 1.2],
      });
      if (!x) return null;
      const r = x.shape.length;
      const axes = Array.from({ length: r }, (_, i) => i).filter(
        (i) => fn !== 'cumprod' || Math.max(x.shape[i]!, x.alt[i]!) <= 12,
      );
      if (!axes.length) return null;
      return { inputs: [x], attrs: { fn, dim: signedDim(ctx, ctx.rng.pick(axes), r) } };
    },
    facts([x], a) {
      const n = countOf(x!, a.dim as number);
      if (a.fn === 'cumprod') return [facts(sym(Math.max(1, mag(x!)) ** n))];
      return [facts([x!.lo, x!.hi + Math.log(n)])];
    },
  }),
);

// ---------------------------------------------------------------------------------------------
// Linear algebra: fresh operands of compatible shapes (pool tensors when they fit).

function operand(ctx: Ctx, dtype: SynDType, shape: Shape, range?: [number, number]): Tensor | null {
  const found = ctx.take({
    dtypes: [dtype],
    fresh: 'never',
    where: (t) => sameShape(t.shape, shape) && sameShape(t.alt, shape) && mag(t) <= 4,
  });
  if (found && ctx.rng.chance(0.5)) return found;
  return ctx.fresh(dtype, shape, range);
}

const MATMUL_LIKE = ['mm', 'addmm', 'baddbmm', 'addbmm', 'addmv', 'addr', 'dot', 'mv', 'outer'] as const;

function linShapes(fn: string, n: number, k: number, m: number, b: number): Shape[] {
  switch (fn) {
    case 'mm':
      return [
        [n, k],
        [k, m],
      ];
    case 'addmm':
      return [[m], [n, k], [k, m]];
    case 'baddbmm':
      return [
        [b, n, m],
        [b, n, k],
        [b, k, m],
      ];
    case 'addbmm':
      return [
        [n, m],
        [b, n, k],
        [b, k, m],
      ];
    case 'addmv':
      return [[n], [n, k], [k]];
    case 'addr':
      return [[n, m], [n], [m]];
    case 'dot':
      return [[k], [k]];
    case 'mv':
      return [[n, k], [k]];
    default:
      return [[n], [m]];
  }
}

function linOut(fn: string, ins: readonly TType[]): Shape {
  const s = ins.map((t) => t.shape);
  switch (fn) {
    case 'mm':
      check(s[0]!.length === 2 && s[1]!.length === 2 && s[0]![1] === s[1]![0], 'mm shapes');
      return [s[0]![0]!, s[1]![1]!];
    case 'addmm':
      check(s[1]!.length === 2 && s[2]!.length === 2 && s[1]![1] === s[2]![0], 'addmm shapes');
      return broadcastTo(s[0]!, [s[1]![0]!, s[2]![1]!]);
    case 'baddbmm':
      check(
        s[1]!.length === 3 && s[2]!.length === 3 && s[1]![0] === s[2]![0] && s[1]![2] === s[2]![1],
        'baddbmm shapes',
      );
      return broadcastTo(s[0]!, [s[1]![0]!, s[1]![1]!, s[2]![2]!]);
    case 'addbmm':
      check(
        s[1]!.length === 3 && s[2]!.length === 3 && s[1]![0] === s[2]![0] && s[1]![2] === s[2]![1],
        'addbmm shapes',
      );
      return broadcastTo(s[0]!, [s[1]![1]!, s[2]![2]!]);
    case 'addmv':
      check(s[1]!.length === 2 && s[2]!.length === 1 && s[1]![1] === s[2]![0], 'addmv shapes');
      return broadcastTo(s[0]!, [s[1]![0]!]);
    case 'addr':
      check(s[1]!.length === 1 && s[2]!.length === 1, 'addr shapes');
      return broadcastTo(s[0]!, [s[1]![0]!, s[2]![0]!]);
    case 'dot':
      check(s[0]!.length === 1 && sameShape(s[0]!, s[1]!), 'dot shapes');
      return [];
    case 'mv':
      check(s[0]!.length === 2 && s[1]!.length === 1 && s[0]![1] === s[1]![0], 'mv shapes');
      return [s[0]![0]!];
    default:
      check(s[0]!.length === 1 && s[1]!.length === 1, 'outer shapes');
      return [s[0]![0]!, s[1]![0]!];
  }
}

function broadcastTo(from: Shape, to: Shape): Shape {
  check(sameShape(broadcast(from, to), to), `[${from}] does not broadcast to [${to}]`);
  return to;
}

register(
  ext({
    kind: 'linalg_product',
    group: 'matmul',
    minOpset: 9,
    doc: 'torch.mm / addmm (beta, alpha) / baddbmm / addbmm / addmv / addr / dot / mv / outer',
    infer(inputs, a) {
      check(
        inputs.every((t) => F32_64.includes(t.dtype) && t.dtype === inputs[0]!.dtype),
        'linalg_product: same float dtypes',
      );
      return [{ dtype: inputs[0]!.dtype, shape: linOut(a.fn as string, inputs) }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(MATMUL_LIKE);
      const dtype = ctx.rng.chance(0.85) ? 'float32' : 'float64';
      const [n, k, m, b] = [ctx.dim(1, 6), ctx.dim(1, 8), ctx.dim(1, 6), ctx.dim(1, 3)];
      const shapes = linShapes(fn, n, k, m, b);
      const ins: Tensor[] = [];
      for (const s of shapes) {
        const t = operand(ctx, dtype, s, [-1, 1]);
        if (!t) return null;
        ins.push(t);
      }
      const attrs: Attrs = { fn };
      if (fn.startsWith('add') || fn === 'baddbmm')
        Object.assign(attrs, { beta: ctx.rng.pick([1, 0.5]), alpha: ctx.rng.pick([1, 2, -0.5]) });
      return { inputs: ins, attrs };
    },
    facts(inputs, a) {
      const fn = a.fn as string;
      const prod = (i: number, j: number, k: number) => mag(inputs[i]!) * mag(inputs[j]!) * k;
      const kdim = (t: Tensor, axis: number) => Math.max(t.shape[axis] ?? 1, t.alt[axis] ?? 1);
      let bound: number;
      switch (fn) {
        case 'mm':
        case 'mv':
          bound = prod(0, 1, kdim(inputs[0]!, 1));
          break;
        case 'dot':
          bound = prod(0, 1, kdim(inputs[0]!, 0));
          break;
        case 'outer':
          bound = prod(0, 1, 1);
          break;
        default: {
          const k =
            fn === 'addr'
              ? 1
              : fn === 'addmv'
                ? kdim(inputs[1]!, 1)
                : fn === 'addmm'
                  ? kdim(inputs[1]!, 1)
                  : kdim(inputs[1]!, 2) * (fn === 'addbmm' ? kdim(inputs[1]!, 0) : 1);
          bound = Math.abs(a.beta as number) * mag(inputs[0]!) + Math.abs(a.alpha as number) * prod(1, 2, k);
        }
      }
      return [facts(sym(bound))];
    },
  }),
);

const EINSUM: { eq: string; shapes: (d: number[]) => Shape[] }[] = [
  {
    eq: 'ij,jk->ik',
    shapes: ([i, j, k]) => [
      [i!, j!],
      [j!, k!],
    ],
  },
  {
    eq: 'bij,bjk->bik',
    shapes: ([i, j, k, b]) => [
      [b!, i!, j!],
      [b!, j!, k!],
    ],
  },
  { eq: 'i,i->', shapes: ([i]) => [[i!], [i!]] },
  { eq: 'ij->ji', shapes: ([i, j]) => [[i!, j!]] },
  {
    eq: 'bi,bi->b',
    shapes: ([i, , , b]) => [
      [b!, i!],
      [b!, i!],
    ],
  },
  { eq: 'ij,j->i', shapes: ([i, j]) => [[i!, j!], [j!]] },
  {
    eq: 'bhqd,bhkd->bhqk',
    shapes: ([q, d, k, b]) => [
      [b!, 2, q!, d!],
      [b!, 2, k!, d!],
    ],
  },
];

function einsumOut(eq: string, ins: readonly TType[]): Shape {
  const [lhs, rhs] = eq.split('->') as [string, string];
  const sizes = new Map<string, number>();
  lhs.split(',').forEach((term, i) => {
    const s = ins[i]?.shape;
    check(s !== undefined && s.length === term.length, `einsum: operand ${i} rank`);
    [...term].forEach((c, j) => {
      const prev = sizes.get(c);
      check(prev === undefined || prev === s[j], `einsum: size of ${c}`);
      sizes.set(c, s[j]!);
    });
  });
  check(lhs.split(',').length === ins.length, 'einsum: operand count');
  return [...rhs].map((c) => sizes.get(c)!);
}

register(
  ext({
    kind: 'einsum',
    group: 'matmul',
    minOpset: 12,
    doc: `torch.einsum with one of: ${EINSUM.map((e) => e.eq).join(', ')}`,
    infer(inputs, a) {
      check(
        inputs.every((t) => F32_64.includes(t.dtype) && t.dtype === inputs[0]!.dtype),
        'einsum: same float dtypes',
      );
      return [{ dtype: inputs[0]!.dtype, shape: einsumOut(a.equation as string, inputs) }];
    },
    propose(ctx): Proposal | null {
      const e = ctx.rng.pick(EINSUM);
      const dtype = ctx.rng.chance(0.85) ? 'float32' : 'float64';
      const shapes = e.shapes([ctx.dim(1, 6), ctx.dim(1, 6), ctx.dim(1, 6), ctx.dim(1, 3)]);
      const ins: Tensor[] = [];
      for (const s of shapes) {
        const t = operand(ctx, dtype, s, [-1, 1]);
        if (!t) return null;
        ins.push(t);
      }
      return { inputs: ins, attrs: { equation: e.eq } };
    },
    facts(inputs) {
      const k = Math.max(...inputs.flatMap((t) => [...t.shape, ...t.alt]), 1);
      return [facts(sym(inputs.reduce((p, t) => p * mag(t), 1) * k))];
    },
  }),
  ext({
    kind: 'tensordot',
    group: 'matmul',
    minOpset: 9,
    doc: 'torch.tensordot contracting the last dim of a with the first of b',
    infer([x, y]) {
      check(
        x !== undefined && y !== undefined && F32_64.includes(x.dtype) && x.dtype === y.dtype,
        'tensordot: same floats',
      );
      check(
        x.shape.length >= 1 && y.shape.length >= 1 && x.shape[x.shape.length - 1] === y.shape[0],
        'tensordot: dims',
      );
      return [{ dtype: x.dtype, shape: [...x.shape.slice(0, -1), ...y.shape.slice(1)] }];
    },
    propose(ctx): Proposal | null {
      const x = ctx.take({
        dtypes: F32_64,
        minRank: 1,
        maxRank: 3,
        where: (t) => ctx.isStatic(t, t.shape.length - 1) && mag(t) <= 4,
      });
      if (!x) return null;
      const k = x.shape[x.shape.length - 1]!;
      const y = ctx.fresh(x.dtype, [k, ctx.dim(1, 5)], [-1, 1]);
      return y ? { inputs: [x, y], attrs: {} } : null;
    },
    facts([x, y]) {
      return [facts(sym(mag(x!) * mag(y!) * (x!.shape[x!.shape.length - 1] ?? 1)))];
    },
  }),
  ext({
    kind: 'cross',
    group: 'matmul',
    minOpset: 9,
    doc: 'torch.cross(a, b, dim) / torch.linalg.cross on a static dim of size 3',
    infer([x, y], a) {
      check(
        x !== undefined && y !== undefined && F32_64.includes(x.dtype) && x.dtype === y.dtype,
        'cross: same floats',
      );
      check(sameShape(x.shape, y.shape), 'cross: same shapes');
      check(x.shape[normDim(a.dim as number, x.shape.length)] === 3, 'cross: dim of size 3');
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
    propose(ctx): Proposal | null {
      const r = ctx.rng.int(1, 3);
      const shape = Array.from({ length: r }, () => ctx.dim(1, 4));
      const d = ctx.rng.int(0, r - 1);
      shape[d] = 3;
      const dtype = ctx.rng.chance(0.85) ? 'float32' : 'float64';
      const x = operand(ctx, dtype, shape, [-1, 1]);
      const y = x && operand(ctx, dtype, shape, [-1, 1]);
      return x && y
        ? {
            inputs: [x, y],
            attrs: { fn: ctx.rng.pick(['cross', 'linalg_cross']), dim: signedDim(ctx, d, r) },
          }
        : null;
    },
    facts([x, y]) {
      return [facts(sym(2 * mag(x!) * mag(y!)))];
    },
  }),
  ext({
    kind: 'distance',
    group: 'matmul',
    minOpset: 11,
    doc: 'torch.cdist (p 1 or 2), F.cosine_similarity and F.pairwise_distance along the last dim',
    infer([x, y], a) {
      check(
        x !== undefined && y !== undefined && F32_64.includes(x.dtype) && x.dtype === y.dtype,
        'distance: same floats',
      );
      if (a.fn === 'cdist') {
        check(x.shape.length >= 2 && y.shape.length === x.shape.length, 'cdist: ranks');
        check(x.shape[x.shape.length - 1] === y.shape[y.shape.length - 1], 'cdist: feature dims');
        const batch = broadcast(x.shape.slice(0, -2), y.shape.slice(0, -2));
        return [
          { dtype: x.dtype, shape: [...batch, x.shape[x.shape.length - 2]!, y.shape[y.shape.length - 2]!] },
        ];
      }
      check(sameShape(x.shape, y.shape) && x.shape.length >= 1, 'distance: same shapes');
      return [{ dtype: x.dtype, shape: x.shape.slice(0, -1) }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['cdist', 'cosine_similarity', 'pairwise_distance']);
      const dtype = ctx.rng.chance(0.85) ? 'float32' : 'float64';
      const d = ctx.dim(2, 6);
      if (fn === 'cdist') {
        const batch = ctx.rng.chance(0.4) ? [ctx.dim(1, 3)] : [];
        const x = operand(ctx, dtype, [...batch, ctx.dim(1, 5), d], [-1, 1]);
        const y = x && operand(ctx, dtype, [...batch, ctx.dim(1, 5), d], [-1, 1]);
        return x && y ? { inputs: [x, y], attrs: { fn, p: ctx.rng.pick([1, 2]) } } : null;
      }
      const shape = [ctx.dim(1, 5), d];
      // Vectors bounded away from 0 (cosine similarity divides by the norms).
      const x = ctx.fresh(dtype, shape, [0.2, 1]);
      const y = x && ctx.fresh(dtype, shape, [-1, 1]);
      return x && y ? { inputs: [x, y], attrs: { fn } } : null;
    },
    facts([x, y], a) {
      if (a.fn === 'cosine_similarity') return [facts([-1, 1])];
      const d = x!.shape[x!.shape.length - 1] ?? 1;
      return [facts([0, (mag(x!) + mag(y!)) * d + 1])];
    },
  }),
  ext({
    kind: 'determinant',
    group: 'matmul',
    minOpset: 11,
    doc: 'torch.det / torch.linalg.det / torch.logdet of I + 0.2·A (well conditioned, positive determinant)',
    infer([x]) {
      check(x !== undefined && F32_64.includes(x.dtype) && x.shape.length >= 2, 'det: float, rank ≥ 2');
      const n = x.shape[x.shape.length - 1];
      check(n === x.shape[x.shape.length - 2], 'det: square');
      return [{ dtype: x.dtype, shape: x.shape.slice(0, -2) }];
    },
    propose(ctx): Proposal | null {
      const n = ctx.rng.int(2, 4);
      const batch = ctx.rng.chance(0.5) ? [ctx.dim(1, 3)] : [];
      const x = ctx.fresh(ctx.rng.chance(0.8) ? 'float32' : 'float64', [...batch, n, n], [-1, 1]);
      return x ? { inputs: [x], attrs: { fn: ctx.rng.pick(['det', 'linalg_det', 'logdet']) } } : null;
    },
    facts([x], a) {
      const n = x!.shape[x!.shape.length - 1]!;
      const hi = (1 + 0.2 * n) ** n;
      return [facts(a.fn === 'logdet' ? [-n, Math.log(hi)] : [0, hi])];
    },
  }),
  ext({
    kind: 'bilinear',
    group: 'matmul',
    minOpset: 9,
    doc: 'F.bilinear(x1, x2, weight [out, in1, in2], bias) with a seeded weight',
    infer([x, y], a) {
      check(
        x !== undefined && y !== undefined && F32_64.includes(x.dtype) && x.dtype === y.dtype,
        'bilinear: same floats',
      );
      check(
        x.shape.length >= 1 && sameShape(x.shape.slice(0, -1), y.shape.slice(0, -1)),
        'bilinear: batch dims',
      );
      check(
        x.shape[x.shape.length - 1] === a.in1_features && y.shape[y.shape.length - 1] === a.in2_features,
        'bilinear: features',
      );
      return [{ dtype: x.dtype, shape: [...x.shape.slice(0, -1), a.out_features as number] }];
    },
    propose(ctx): Proposal | null {
      const dtype = ctx.rng.chance(0.85) ? 'float32' : 'float64';
      const batch = [ctx.dim(1, 5)];
      const [i1, i2] = [ctx.dim(1, 5), ctx.dim(1, 5)];
      const x = operand(ctx, dtype, [...batch, i1], [-1, 1]);
      const y = x && operand(ctx, dtype, [...batch, i2], [-1, 1]);
      return x && y
        ? {
            inputs: [x, y],
            attrs: {
              in1_features: i1,
              in2_features: i2,
              out_features: ctx.dim(1, 4),
              bias: ctx.rng.chance(0.7),
            },
          }
        : null;
    },
    facts([x, y], a) {
      return [facts(sym(mag(x!) * mag(y!) * (a.in1_features as number) * (a.in2_features as number) + 1))];
    },
  }),
);

void hull;
void ivAbsMax;
void isFloat;
