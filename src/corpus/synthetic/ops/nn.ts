/** Matmul family, convolutions, pooling, normalisation and embedding (parameters seeded by the worker). */
import { isInt } from '../dtype.js';
import { facts, iv, ivAbsMax, moved, hull } from '../facts.js';
import { broadcast, check, numel, windowOut } from '../shape.js';
import type { Attrs, Ctx, OpDef, Shape, SynDType, Tensor, TType } from '../types.js';
import { F32_64, INTS, mag, register } from './common.js';

const sym = (m: number): [number, number] => [-m, m];

// ---------------------------------------------------------------------------------------------
// matmul / bmm / linear

function matmulShape(a: readonly number[], b: readonly number[]): Shape {
  check(a.length >= 1 && b.length >= 1, 'matmul: inputs of rank ≥ 1');
  const a2 = a.length === 1 ? [1, a[0]!] : [...a];
  const b2 = b.length === 1 ? [b[0]!, 1] : [...b];
  const k1 = a2[a2.length - 1]!;
  const k2 = b2[b2.length - 2]!;
  check(k1 === k2, `matmul: inner dims ${k1} != ${k2}`);
  const batch = broadcast(a2.slice(0, -2), b2.slice(0, -2));
  const out = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]!);
  if (b.length > 1) out.push(b2[b2.length - 1]!);
  return out;
}

register({
  kind: 'matmul',
  group: 'matmul',
  minOpset: 9,
  doc: 'torch.matmul (1-D/2-D/batched with broadcasting; float or int)',
  infer([a, b]) {
    check(a !== undefined && b !== undefined && a.dtype === b.dtype, 'matmul: same dtypes');
    check(a.dtype !== 'bool' && a.dtype !== 'float16', 'matmul: dtype');
    return [{ dtype: a.dtype, shape: matmulShape(a.shape, b.shape) }];
  },
  propose(ctx) {
    const dtypes: SynDType[] = ctx.rng.chance(0.1) ? ['int64', 'int32'] : [...F32_64];
    const a = ctx.take({ dtypes, minRank: 1, maxRank: 4, range: (d) => (isInt(d) ? [-3, 4] : [-1, 1]) });
    if (!a) return null;
    const ok = (t: Tensor) => {
      try {
        matmulShape(a.shape, t.shape);
        matmulShape(a.alt, t.alt);
        return true;
      } catch {
        return false;
      }
    };
    const found = ctx.take({ dtypes: [a.dtype], where: ok, fresh: 'never' });
    if (found && ctx.rng.chance(0.7)) return { inputs: [a, found], attrs: {} };
    const r = a.shape.length;
    const k = r - 1;
    const rb = ctx.rng.int(1, 4);
    const shape: number[] = [];
    const alt: number[] = [];
    // Batch dims: a suffix of a's batch dims (or 1s), maybe a new leading dim.
    const aBatch = r >= 2 ? a.shape.slice(0, -2) : [];
    const aBatchAlt = r >= 2 ? a.alt.slice(0, -2) : [];
    for (let i = 0; i < rb - 2; i++) {
      const j = aBatch.length - (rb - 2) + i;
      if (j >= 0 && ctx.rng.chance(0.8)) {
        shape.push(aBatch[j]!);
        alt.push(aBatchAlt[j]!);
      } else {
        const d = j >= 0 && ctx.rng.chance(0.5) ? 1 : ctx.dim(1, 3);
        if (j >= 0 && aBatch[j] !== 1 && d !== 1) {
          shape.push(1);
          alt.push(1);
        } else {
          shape.push(d);
          alt.push(d);
        }
      }
    }
    shape.push(a.shape[k]!);
    alt.push(a.alt[k]!);
    if (rb >= 2) {
      const m = ctx.dim(1, 12);
      shape.push(m);
      alt.push(m);
    }
    const b = ctx.fresh(a.dtype, shape, isInt(a.dtype) ? [-3, 4] : undefined, alt);
    return b ? { inputs: [a, b], attrs: {} } : null;
  },
  facts([a, b]) {
    const k =
      a!.shape.length === 0 ? 1 : Math.max(a!.shape[a!.shape.length - 1]!, a!.alt[a!.alt.length - 1]!);
    return [facts(sym(k * mag(a!) * mag(b!)), isInt(a!.dtype))];
  },
});

register({
  kind: 'bmm',
  group: 'matmul',
  minOpset: 9,
  doc: 'torch.bmm ([B,N,K] @ [B,K,M])',
  infer([a, b]) {
    check(
      a !== undefined && b !== undefined && a.dtype === b.dtype && F32_64.includes(a.dtype),
      'bmm: float, same dtypes',
    );
    check(a.shape.length === 3 && b.shape.length === 3, 'bmm: rank 3');
    check(a.shape[0] === b.shape[0] && a.shape[2] === b.shape[1], 'bmm: shapes');
    return [{ dtype: a.dtype, shape: [a.shape[0]!, a.shape[1]!, b.shape[2]!] }];
  },
  propose(ctx) {
    const a = ctx.take({ dtypes: F32_64, minRank: 3, maxRank: 3 });
    if (!a) return null;
    const m = ctx.dim(1, 10);
    const b =
      ctx.take({
        dtypes: [a.dtype],
        minRank: 3,
        maxRank: 3,
        fresh: 'never',
        where: (t) =>
          t.shape[0] === a.shape[0] &&
          t.alt[0] === a.alt[0] &&
          t.shape[1] === a.shape[2] &&
          t.alt[1] === a.alt[2],
      }) ?? ctx.fresh(a.dtype, [a.shape[0]!, a.shape[2]!, m], undefined, [a.alt[0]!, a.alt[2]!, m]);
    return b ? { inputs: [a, b], attrs: {} } : null;
  },
  facts([a, b]) {
    return [facts(sym(Math.max(a!.shape[2]!, a!.alt[2]!) * mag(a!) * mag(b!)))];
  },
});

/** Bound of a layer's output with weights and bias in ±1/sqrt(fanIn). */
function layerBound(x: Tensor, fanIn: number): number {
  return Math.sqrt(fanIn) * mag(x) + 1 / Math.sqrt(fanIn);
}

register({
  kind: 'linear',
  group: 'matmul',
  minOpset: 9,
  doc: 'F.linear with seeded weight [out, in] (and bias)',
  infer([x], a) {
    check(
      x !== undefined && F32_64.includes(x.dtype) && x.shape.length >= 1,
      'linear: float input of rank ≥ 1',
    );
    check(x.shape[x.shape.length - 1] === a.in_features, 'linear: last dim == in_features');
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, -1), a.out_features as number] }];
  },
  propose(ctx) {
    const x = ctx.take({
      dtypes: F32_64,
      minRank: 1,
      maxRank: 4,
      where: (t) =>
        t.shape.length >= 1 && ctx.isStatic(t, t.shape.length - 1) && t.shape[t.shape.length - 1]! <= 64,
    });
    if (!x) return null;
    return {
      inputs: [x],
      attrs: {
        in_features: x.shape[x.shape.length - 1]!,
        out_features: ctx.dim(1, 16),
        bias: ctx.rng.chance(0.75),
      },
    };
  },
  facts([x], a) {
    return [facts(sym(layerBound(x!, a.in_features as number)))];
  },
});

// ---------------------------------------------------------------------------------------------
// Convolutions

/** Splits an input shape into [batch?, channels, spatial] for an N-d op (batched or not). */
function spatialSplit(x: TType, d: number): { batched: boolean; channels: number; spatial: number[] } {
  const r = x.shape.length;
  check(r === d + 1 || r === d + 2, `expected rank ${d + 1} or ${d + 2}, got ${r}`);
  const batched = r === d + 2;
  const c = batched ? 1 : 0;
  return { batched, channels: x.shape[c]!, spatial: x.shape.slice(c + 1) };
}

const arr = (a: Attrs, k: string): number[] => a[k] as number[];

function convTake(ctx: Ctx, d: number, minSpatial: number): Tensor | null {
  const unbatched = ctx.rng.chance(0.1);
  const rk = unbatched ? d + 1 : d + 2;
  const maxSp = d === 3 ? 6 : d === 2 ? 10 : 16;
  return ctx.take({
    dtypes: F32_64,
    minRank: rk,
    maxRank: rk,
    where: (t) => {
      const c = unbatched ? 0 : 1;
      return (
        ctx.isStatic(t, c) &&
        t.shape[c]! <= 16 &&
        t.shape.slice(c + 1).every((s) => s >= minSpatial) &&
        numel(t.shape) <= 4096
      );
    },
    shape: () => {
      const sp = Array.from({ length: d }, () =>
        ctx.rng.int(minSpatial, Math.max(minSpatial, maxSp - 2 * (d - 1))),
      );
      const c = ctx.rng.int(1, 6);
      return unbatched ? [c, ...sp] : [ctx.rng.int(1, 3), c, ...sp];
    },
  });
}

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let i = 1; i <= n; i++) if (n % i === 0) out.push(i);
  return out;
}

function conv(d: 1 | 2 | 3): OpDef {
  return {
    kind: `conv${d}d`,
    group: 'conv',
    minOpset: 9,
    doc: `F.conv${d}d with seeded weight/bias: stride, padding (ints or 'same'), dilation, groups`,
    infer([x], a) {
      check(x !== undefined && F32_64.includes(x.dtype), 'conv: float input');
      const { batched, channels, spatial } = spatialSplit(x, d);
      const g = a.groups as number;
      check(
        channels === a.in_channels && channels % g === 0 && (a.out_channels as number) % g === 0,
        'conv: channels/groups',
      );
      const k = arr(a, 'kernel_size');
      const st = arr(a, 'stride');
      const dil = arr(a, 'dilation');
      const out = spatial.map((s, i) => {
        if (a.padding === 'same') {
          check(
            st.every((v) => v === 1),
            "conv: padding='same' needs stride 1",
          );
          check(s >= 1, 'conv: size');
          return s;
        }
        return windowOut(s, k[i]!, st[i]!, arr(a, 'padding')[i]!, dil[i]!);
      });
      check(
        out.every((o) => o >= 1),
        'conv: empty output',
      );
      const oc = a.out_channels as number;
      return [{ dtype: x.dtype, shape: batched ? [x.shape[0]!, oc, ...out] : [oc, ...out] }];
    },
    propose(ctx) {
      const x = convTake(ctx, d, 2);
      if (!x) return null;
      const { channels, spatial } = spatialSplit(x, d);
      const g = ctx.rng.chance(0.3) ? ctx.rng.pick(divisors(channels)) : 1;
      const oc = g * ctx.rng.int(1, Math.max(1, Math.floor(8 / g)));
      const k = spatial.map((s) => ctx.rng.int(1, Math.min(3, s)));
      const same = ctx.rng.chance(0.15);
      const st = spatial.map(() => (same ? 1 : ctx.rng.pick([1, 1, 2, 3])));
      const dil = spatial.map((s, i) => (ctx.rng.chance(0.2) && 2 * (k[i]! - 1) + 1 <= s ? 2 : 1));
      const attrs: Attrs = {
        in_channels: channels,
        out_channels: oc,
        kernel_size: k,
        stride: st,
        padding: same
          ? 'same'
          : k.map((kk) => ctx.rng.int(0, Math.floor(kk / 2) + (ctx.rng.chance(0.2) ? 1 : 0))),
        dilation: dil,
        groups: g,
        bias: ctx.rng.chance(0.7),
      };
      return { inputs: [x], attrs };
    },
    facts([x], a) {
      const fanIn = ((a.in_channels as number) / (a.groups as number)) * numel(arr(a, 'kernel_size'));
      return [facts(sym(layerBound(x!, fanIn)))];
    },
  };
}

function convTranspose(d: 1 | 2 | 3): OpDef {
  return {
    kind: `conv_transpose${d}d`,
    group: 'conv',
    minOpset: 9,
    doc: `F.conv_transpose${d}d with seeded weight/bias: stride, padding, output_padding, dilation, groups`,
    infer([x], a) {
      check(x !== undefined && F32_64.includes(x.dtype), 'conv_transpose: float input');
      const { batched, channels, spatial } = spatialSplit(x, d);
      const g = a.groups as number;
      check(
        channels === a.in_channels && channels % g === 0 && (a.out_channels as number) % g === 0,
        'conv_transpose: channels/groups',
      );
      const k = arr(a, 'kernel_size');
      const st = arr(a, 'stride');
      const p = arr(a, 'padding');
      const op = arr(a, 'output_padding');
      const dil = arr(a, 'dilation');
      const out = spatial.map((s, i) => {
        check(op[i]! < Math.max(st[i]!, dil[i]!), 'conv_transpose: output_padding < max(stride, dilation)');
        return (s - 1) * st[i]! - 2 * p[i]! + dil[i]! * (k[i]! - 1) + op[i]! + 1;
      });
      check(
        out.every((o) => o >= 1),
        'conv_transpose: empty output',
      );
      const oc = a.out_channels as number;
      return [{ dtype: x.dtype, shape: batched ? [x.shape[0]!, oc, ...out] : [oc, ...out] }];
    },
    propose(ctx) {
      const x = convTake(ctx, d, 1);
      if (!x) return null;
      const { channels, spatial } = spatialSplit(x, d);
      if (spatial.some((s) => s > (d === 3 ? 5 : 10))) return null;
      const g = ctx.rng.chance(0.25) ? ctx.rng.pick(divisors(channels)) : 1;
      const oc = g * ctx.rng.int(1, Math.max(1, Math.floor(6 / g)));
      const k = spatial.map(() => ctx.rng.int(1, 3));
      const st = spatial.map(() => ctx.rng.pick([1, 2, 2, 3]));
      const dil = spatial.map(() => (ctx.rng.chance(0.15) ? 2 : 1));
      const p = k.map((kk, i) => ctx.rng.int(0, Math.floor((dil[i]! * (kk - 1)) / 2)));
      const op = st.map((s, i) => (ctx.rng.chance(0.3) ? ctx.rng.int(0, Math.max(s, dil[i]!) - 1) : 0));
      return {
        inputs: [x],
        attrs: {
          in_channels: channels,
          out_channels: oc,
          kernel_size: k,
          stride: st,
          padding: p,
          output_padding: op,
          dilation: dil,
          groups: g,
          bias: ctx.rng.chance(0.7),
        },
      };
    },
    facts([x], a) {
      const fanIn = ((a.in_channels as number) / (a.groups as number)) * numel(arr(a, 'kernel_size'));
      return [facts(sym(layerBound(x!, fanIn)))];
    },
  };
}

register(conv(1), conv(2), conv(3), convTranspose(1), convTranspose(2), convTranspose(3));

// ---------------------------------------------------------------------------------------------
// Pooling

function pool(kind: 'max' | 'avg', d: 1 | 2 | 3): OpDef {
  return {
    kind: `${kind}_pool${d}d`,
    group: 'pool',
    minOpset: kind === 'max' && d > 0 ? 10 : 10,
    doc: `F.${kind}_pool${d}d: kernel, stride, padding, ${kind === 'max' ? 'dilation, ' : 'count_include_pad, '}ceil_mode`,
    infer([x], a) {
      check(x !== undefined && F32_64.includes(x.dtype), 'pool: float input');
      const { spatial } = spatialSplit(x, d);
      const k = arr(a, 'kernel_size');
      const st = (a.stride as number[] | null) ?? k;
      const p = arr(a, 'padding');
      const dil = kind === 'max' ? arr(a, 'dilation') : spatial.map(() => 1);
      const out = spatial.map((s, i) => {
        check(p[i]! <= Math.floor(k[i]! / 2), 'pool: padding at most half the kernel size');
        return windowOut(s, k[i]!, st[i]!, p[i]!, dil[i]!, a.ceil_mode as boolean);
      });
      check(
        out.every((o) => o >= 1),
        'pool: empty output',
      );
      return [{ dtype: x.dtype, shape: [...x.shape.slice(0, x.shape.length - d), ...out] }];
    },
    propose(ctx) {
      const x = convTake(ctx, d, 2);
      if (!x) return null;
      const { spatial } = spatialSplit(x, d);
      const k = spatial.map((s) => ctx.rng.int(1, Math.min(3, s)));
      const dil = spatial.map((s, i) =>
        kind === 'max' && ctx.rng.chance(0.2) && 2 * (k[i]! - 1) + 1 <= s ? 2 : 1,
      );
      const attrs: Attrs = {
        kernel_size: k,
        stride: ctx.rng.chance(0.4) ? null : k.map((kk) => ctx.rng.int(1, Math.max(1, kk))),
        padding: k.map((kk) => ctx.rng.int(0, Math.floor(kk / 2))),
        ceil_mode: ctx.rng.chance(0.35),
      };
      if (kind === 'max') attrs.dilation = dil;
      else attrs.count_include_pad = ctx.rng.chance(0.5);
      return { inputs: [x], attrs };
    },
    facts([x], a) {
      const t = x!;
      if (kind === 'max') return [moved(t, false)];
      const padded = (a.padding as number[]).some((p) => p > 0) || !!a.ceil_mode;
      return [facts(padded ? hull(iv(t), [0, 0]) : iv(t))];
    },
  };
}

function adaptive(kind: 'max' | 'avg', d: 1 | 2): OpDef {
  return {
    kind: `adaptive_${kind}_pool${d}d`,
    group: 'pool',
    minOpset: 9,
    doc: `F.adaptive_${kind}_pool${d}d with output sizes dividing the (static) input sizes`,
    infer([x], a) {
      check(x !== undefined && F32_64.includes(x.dtype), 'adaptive pool: float input');
      const { spatial } = spatialSplit(x, d);
      const o = arr(a, 'output_size');
      check(o.length === d && o.every((v) => v >= 1), 'adaptive pool: output_size');
      void spatial;
      return [{ dtype: x.dtype, shape: [...x.shape.slice(0, x.shape.length - d), ...o] }];
    },
    propose(ctx) {
      const x = convTake(ctx, d, 1);
      if (!x) return null;
      const r = x.shape.length;
      for (let i = r - d; i < r; i++) if (!ctx.isStatic(x, i)) return null;
      const { spatial } = spatialSplit(x, d);
      const o = spatial.map((s) => ctx.rng.pick(divisors(s)));
      return { inputs: [x], attrs: { output_size: o } };
    },
    facts([x]) {
      return [kind === 'max' ? moved(x!, false) : facts(iv(x!))];
    },
  };
}

register(
  pool('max', 1),
  pool('max', 2),
  pool('max', 3),
  pool('avg', 1),
  pool('avg', 2),
  pool('avg', 3),
  adaptive('avg', 1),
  adaptive('avg', 2),
  adaptive('max', 1),
  adaptive('max', 2),
);

// ---------------------------------------------------------------------------------------------
// Normalisation (eval mode; running statistics and affine parameters seeded "trained-looking")

const EPS = [1e-5, 1e-5, 1e-3];

register({
  kind: 'batch_norm',
  group: 'norm',
  minOpset: 9,
  doc: 'F.batch_norm in eval mode (running mean/var, weight, bias seeded)',
  infer([x], a) {
    check(
      x !== undefined && F32_64.includes(x.dtype) && x.shape.length >= 2 && x.shape.length <= 5,
      'batch_norm: float rank 2-5',
    );
    check(x.shape[1] === a.num_features, 'batch_norm: channels');
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  propose(ctx) {
    const x = ctx.take({
      dtypes: F32_64,
      minRank: 2,
      maxRank: 5,
      where: (t) => t.shape.length >= 2 && ctx.isStatic(t, 1),
    });
    return x
      ? {
          inputs: [x],
          attrs: { num_features: x.shape[1]!, eps: ctx.rng.pick(EPS), affine: ctx.rng.chance(0.8) },
        }
      : null;
  },
  facts([x]) {
    return [facts(sym((mag(x!) + 0.2) * 1.6 + 0.1))];
  },
});

register({
  kind: 'layer_norm',
  group: 'norm',
  minOpset: 9,
  doc: 'F.layer_norm over the last 1-3 dims (affine sometimes)',
  infer([x], a) {
    check(x !== undefined && F32_64.includes(x.dtype), 'layer_norm: float input');
    const ns = arr(a, 'normalized_shape');
    check(ns.length >= 1 && ns.length <= x.shape.length, 'layer_norm: normalized_shape');
    check(
      ns.every((v, i) => x.shape[x.shape.length - ns.length + i] === v),
      'layer_norm: trailing dims',
    );
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: F32_64, minRank: 1, maxRank: 5 });
    if (!x) return null;
    const r = x.shape.length;
    let k = ctx.rng.int(1, Math.min(3, r));
    while (k > 0 && !x.shape.slice(r - k).every((_, i) => ctx.isStatic(x, r - k + i))) k--;
    if (k === 0) return null;
    return {
      inputs: [x],
      attrs: {
        normalized_shape: x.shape.slice(r - k),
        eps: ctx.rng.pick(EPS),
        elementwise_affine: ctx.rng.chance(0.7),
      },
    };
  },
  facts([x], a) {
    return [facts(sym(Math.sqrt(numel(arr(a, 'normalized_shape'))) * 1.2 + 0.1))];
    void x;
  },
});

register({
  kind: 'group_norm',
  group: 'norm',
  minOpset: 9,
  doc: 'F.group_norm (groups divide the channels; affine seeded)',
  infer([x], a) {
    check(x !== undefined && F32_64.includes(x.dtype) && x.shape.length >= 2, 'group_norm: float rank ≥ 2');
    check(
      x.shape[1]! % (a.num_groups as number) === 0 && x.shape[1] === a.num_channels,
      'group_norm: groups',
    );
    check(
      (x.shape[1]! / (a.num_groups as number)) * numel(x.shape.slice(2)) > 1,
      'group_norm: more than one value per group',
    );
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  propose(ctx) {
    const x = ctx.take({
      dtypes: F32_64,
      minRank: 2,
      maxRank: 5,
      where: (t) => t.shape.length >= 2 && ctx.isStatic(t, 1) && t.shape[1]! >= 2,
    });
    if (!x) return null;
    return {
      inputs: [x],
      attrs: {
        num_groups: ctx.rng.pick(divisors(x.shape[1]!)),
        num_channels: x.shape[1]!,
        eps: ctx.rng.pick(EPS),
      },
    };
  },
  facts([x]) {
    return [facts(sym(Math.sqrt(numel(x!.shape.slice(1))) * 1.2 + 0.1))];
  },
});

register({
  kind: 'instance_norm',
  group: 'norm',
  minOpset: 9,
  doc: 'F.instance_norm with input statistics (affine sometimes); more than one spatial element',
  infer([x], a) {
    check(
      x !== undefined && F32_64.includes(x.dtype) && x.shape.length >= 3 && x.shape.length <= 5,
      'instance_norm: float rank 3-5',
    );
    check(numel(x.shape.slice(2)) > 1, 'instance_norm: more than one spatial element');
    check(x.shape[1] === a.num_features, 'instance_norm: channels');
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  propose(ctx) {
    const x = ctx.take({
      dtypes: F32_64,
      minRank: 3,
      maxRank: 5,
      where: (t) => ctx.isStatic(t, 1) && numel(t.shape.slice(2)) > 1,
      minDim: 2,
    });
    return x
      ? {
          inputs: [x],
          attrs: { num_features: x.shape[1]!, eps: ctx.rng.pick(EPS), affine: ctx.rng.chance(0.6) },
        }
      : null;
  },
  facts([x]) {
    return [facts(sym(Math.sqrt(numel(x!.shape.slice(2))) * 1.2 + 0.1))];
  },
});

// ---------------------------------------------------------------------------------------------
// Embedding

register({
  kind: 'embedding',
  group: 'indexing',
  minOpset: 9,
  doc: 'F.embedding with a seeded table [num_embeddings, embedding_dim] and int indices',
  infer([idx], a) {
    check(idx !== undefined && INTS.includes(idx.dtype), 'embedding: int indices');
    return [{ dtype: a.dtype as SynDType, shape: [...idx.shape, a.embedding_dim as number] }];
  },
  propose(ctx) {
    const num = ctx.rng.int(3, 12);
    const idx = ctx.take({
      dtypes: INTS,
      minRank: 1,
      maxRank: 3,
      where: (t) => t.exact && t.lo >= 0 && t.hi < num,
      range: () => [0, num],
    });
    if (!idx) return null;
    return {
      inputs: [idx],
      attrs: {
        num_embeddings: num,
        embedding_dim: ctx.dim(1, 8),
        dtype: ctx.rng.chance(0.8) ? 'float32' : 'float64',
      },
    };
  },
  facts() {
    return [facts([-1, 1], true)];
  },
});

export { ivAbsMax };
