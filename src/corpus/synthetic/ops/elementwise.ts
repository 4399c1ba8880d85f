/** Elementwise operators: unary math, activations, binary arithmetic, comparisons, logic, where, clamp, cast. */
import { floatResult, isFloat, isInt, resultType, type Operand } from '../dtype.js';
import {
  BOOL_FACTS,
  contains0,
  facts,
  hull,
  image,
  iv,
  ivAdd,
  ivDiv,
  ivMul,
  ivSub,
  type Interval,
} from '../facts.js';
import { broadcast, broadcastAll, check, sameShape } from '../shape.js';
import type { Attrs, Ctx, Facts, OpDef, Proposal, SynDType, Tensor, TType } from '../types.js';
import { ALL, F32_64, NUMERIC, mag, r3, register, withHalf } from './common.js';

// ---------------------------------------------------------------------------------------------
// Unary

export interface UnarySpec {
  kind: string;
  doc: string;
  minOpset?: number;
  f: (x: number, a: Attrs) => number;
  monotonic?: boolean;
  /** Input dtypes (float16 added when `half`). */
  dtypes: readonly SynDType[];
  half?: boolean;
  /** 'same': keeps the dtype; 'float': ints compute in float32; 'bool': returns bool. */
  out: 'same' | 'float' | 'bool';
  /** Value domain the input must satisfy (keeps the reference finite and well conditioned). */
  domain?: (t: Tensor, a: Attrs) => boolean;
  /** Range of a fresh float input (and of a fresh int input). */
  fresh?: [number, number];
  freshInt?: [number, number];
  /** Correctly rounded / data-independent: exact output from exact input. */
  exact?: boolean;
  /** Discontinuous: only on exact inputs. */
  needsExact?: boolean;
  keepDistinct?: boolean;
  attrs?: (ctx: Ctx) => Attrs;
}

export function unary(s: UnarySpec): OpDef {
  const outDtype = (d: SynDType): SynDType =>
    s.out === 'bool' ? 'bool' : s.out === 'float' ? floatResult(d) : d;
  return {
    kind: s.kind,
    group: s.kind in ACTIVATIONS ? 'activation' : 'unary',
    minOpset: s.minOpset ?? 9,
    doc: s.doc,
    infer([x], a) {
      check(x !== undefined, 'one input');
      check(s.dtypes.includes(x.dtype) || (!!s.half && x.dtype === 'float16'), `${s.kind}: dtype ${x.dtype}`);
      void a;
      return [{ dtype: outDtype(x.dtype), shape: [...x.shape] }];
    },
    propose(ctx) {
      const attrs = s.attrs ? s.attrs(ctx) : {};
      const x = ctx.take({
        dtypes: s.half ? withHalf(ctx, s.dtypes) : s.dtypes,
        where: (t) => (!s.needsExact || t.exact) && (!s.domain || s.domain(t, attrs)),
        range: (d) => (isFloat(d) ? (s.fresh ?? [-1, 1]) : (s.freshInt ?? [-5, 6])),
      });
      return x ? { inputs: [x], attrs } : null;
    },
    facts([x], a, [o]) {
      const t = x!;
      if (o!.dtype === 'bool') return [BOOL_FACTS(t.exact)];
      const r = image((v) => s.f(v, a), iv(t), s.monotonic);
      const exact = t.exact && (!!s.exact || isInt(o!.dtype));
      return [facts(r, exact, exact && !!s.keepDistinct && t.distinct)];
    },
  };
}

const ACTIVATIONS: Record<string, true> = {};

export function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7): only used to bound values.
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
export const softplus = (x: number): number => (x > 30 ? x : Math.log1p(Math.exp(x)));

const pos = (min: number) => (t: Tensor) => t.lo >= min;
const bounded = (m: number) => (t: Tensor) => mag(t) <= m;

register(
  unary({
    kind: 'abs',
    doc: 'torch.abs',
    f: Math.abs,
    dtypes: NUMERIC,
    half: true,
    out: 'same',
    exact: true,
  }),
  unary({
    kind: 'neg',
    doc: 'torch.neg',
    f: (x) => -x,
    monotonic: true,
    dtypes: NUMERIC,
    half: true,
    out: 'same',
    exact: true,
    keepDistinct: true,
  }),
  unary({
    kind: 'exp',
    doc: 'torch.exp (input bounded above)',
    f: Math.exp,
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    domain: (t) => t.hi <= 8,
    fresh: [-3, 2],
    freshInt: [-3, 4],
  }),
  unary({
    kind: 'log',
    doc: 'torch.log (input ≥ 0.05)',
    f: Math.log,
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    domain: pos(0.05),
    fresh: [0.1, 5],
    freshInt: [1, 10],
  }),
  unary({
    kind: 'sqrt',
    doc: 'torch.sqrt (input ≥ 0)',
    f: Math.sqrt,
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    exact: true,
    domain: (t) => t.lo >= 0 && (t.exact || t.lo >= 0.01),
    fresh: [0, 4],
    freshInt: [0, 10],
  }),
  unary({
    kind: 'rsqrt',
    doc: 'torch.rsqrt (input ≥ 0.1)',
    f: (x) => 1 / Math.sqrt(x),
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    domain: pos(0.1),
    fresh: [0.2, 4],
    freshInt: [1, 10],
  }),
  unary({
    kind: 'reciprocal',
    doc: 'torch.reciprocal (|input| ≥ 0.1)',
    f: (x) => 1 / x,
    monotonic: true,
    dtypes: NUMERIC,
    half: true,
    out: 'float',
    exact: true,
    domain: (t) => t.lo >= 0.1 || t.hi <= -0.1,
    fresh: [0.25, 3],
    freshInt: [1, 8],
  }),
  unary({
    kind: 'sin',
    doc: 'torch.sin',
    f: Math.sin,
    dtypes: NUMERIC,
    out: 'float',
    domain: bounded(50),
    fresh: [-3, 3],
  }),
  unary({
    kind: 'cos',
    doc: 'torch.cos',
    f: Math.cos,
    dtypes: NUMERIC,
    out: 'float',
    domain: bounded(50),
    fresh: [-3, 3],
  }),
  unary({
    kind: 'atan',
    doc: 'torch.atan',
    f: Math.atan,
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    fresh: [-3, 3],
  }),
  unary({
    kind: 'tanh',
    doc: 'torch.tanh',
    f: Math.tanh,
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    fresh: [-3, 3],
  }),
  unary({
    kind: 'sigmoid',
    doc: 'torch.sigmoid',
    f: sigmoid,
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    fresh: [-4, 4],
  }),
  unary({
    kind: 'erf',
    doc: 'torch.erf',
    f: erf,
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    fresh: [-2, 2],
  }),
  unary({
    kind: 'floor',
    doc: 'torch.floor (exact inputs only)',
    f: Math.floor,
    monotonic: true,
    dtypes: F32_64,
    out: 'same',
    exact: true,
    needsExact: true,
    fresh: [-4, 4],
  }),
  unary({
    kind: 'ceil',
    doc: 'torch.ceil (exact inputs only)',
    f: Math.ceil,
    monotonic: true,
    dtypes: F32_64,
    out: 'same',
    exact: true,
    needsExact: true,
    fresh: [-4, 4],
  }),
  unary({
    kind: 'round',
    minOpset: 11,
    doc: 'torch.round, half to even (exact inputs only)',
    f: Math.round,
    monotonic: true,
    dtypes: F32_64,
    out: 'same',
    exact: true,
    needsExact: true,
    fresh: [-4, 4],
  }),
  unary({
    kind: 'sign',
    doc: 'torch.sign (exact inputs only)',
    f: Math.sign,
    monotonic: true,
    dtypes: NUMERIC,
    half: true,
    out: 'same',
    exact: true,
    needsExact: true,
    fresh: [-2, 2],
  }),
  unary({
    kind: 'square',
    doc: 'torch.square',
    f: (x) => x * x,
    dtypes: NUMERIC,
    out: 'same',
    domain: bounded(100),
    fresh: [-2, 2],
  }),
  unary({
    kind: 'logical_not',
    doc: 'torch.logical_not (exact inputs only)',
    f: (x) => (x === 0 ? 1 : 0),
    dtypes: ALL,
    out: 'bool',
    needsExact: true,
  }),
);

export function act(s: Omit<UnarySpec, 'dtypes' | 'out'> & { dtypes?: readonly SynDType[] }): OpDef {
  ACTIVATIONS[s.kind] = true;
  return unary({ dtypes: F32_64, out: 'same', fresh: [-3, 3], ...s });
}

const pick = <T>(ctx: Ctx, xs: readonly T[]): T => ctx.rng.pick(xs);

register(
  act({
    kind: 'relu',
    doc: 'torch.relu',
    f: (x) => Math.max(0, x),
    monotonic: true,
    dtypes: NUMERIC,
    exact: true,
  }),
  act({
    kind: 'relu6',
    doc: 'F.relu6',
    f: (x) => Math.min(6, Math.max(0, x)),
    monotonic: true,
    exact: true,
    fresh: [-2, 8],
  }),
  act({
    kind: 'hardtanh',
    doc: 'F.hardtanh(min_val, max_val)',
    f: (x, a) => Math.min(a.max_val as number, Math.max(a.min_val as number, x)),
    monotonic: true,
    exact: true,
    attrs: (ctx) => ({ min_val: pick(ctx, [-1, -0.5, -2]), max_val: pick(ctx, [1, 0.5, 2]) }),
  }),
  act({
    kind: 'leaky_relu',
    doc: 'F.leaky_relu(negative_slope)',
    f: (x, a) => (x >= 0 ? x : x * (a.negative_slope as number)),
    monotonic: true,
    attrs: (ctx) => ({ negative_slope: pick(ctx, [0.01, 0.1, 0.2, 0.3]) }),
  }),
  act({
    kind: 'elu',
    doc: 'F.elu(alpha)',
    f: (x, a) => (x > 0 ? x : (a.alpha as number) * Math.expm1(x)),
    monotonic: true,
    attrs: (ctx) => ({ alpha: pick(ctx, [1.0, 0.5, 1.5]) }),
  }),
  act({
    kind: 'selu',
    doc: 'F.selu',
    f: (x) => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * Math.expm1(x)),
    monotonic: true,
  }),
  act({
    kind: 'celu',
    doc: 'F.celu(alpha)',
    minOpset: 12,
    f: (x, a) => Math.max(0, x) + Math.min(0, (a.alpha as number) * Math.expm1(x / (a.alpha as number))),
    monotonic: true,
    attrs: (ctx) => ({ alpha: pick(ctx, [1.0, 0.5, 2.0]) }),
  }),
  act({ kind: 'gelu', doc: "F.gelu(approximate='none')", f: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)) }),
  act({
    kind: 'gelu_tanh',
    doc: "F.gelu(approximate='tanh')",
    f: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
  }),
  act({ kind: 'silu', doc: 'F.silu', f: (x) => x * sigmoid(x) }),
  act({ kind: 'mish', doc: 'F.mish', f: (x) => x * Math.tanh(softplus(x)) }),
  act({ kind: 'hardswish', doc: 'F.hardswish', f: (x) => (x * Math.min(6, Math.max(0, x + 3))) / 6 }),
  act({
    kind: 'hardsigmoid',
    doc: 'F.hardsigmoid',
    f: (x) => Math.min(6, Math.max(0, x + 3)) / 6,
    monotonic: true,
    fresh: [-4, 4],
  }),
  act({
    kind: 'softplus',
    doc: 'F.softplus(beta, threshold)',
    f: (x, a) => {
      const b = a.beta as number;
      return x * b > (a.threshold as number) ? x : softplus(x * b) / b;
    },
    attrs: (ctx) => ({
      beta: pick(ctx, [1, 1, 2, 0.5]),
      threshold: ctx.rng.chance(0.75) ? 20 : pick(ctx, [1, 2, 5]),
    }),
  }),
  act({ kind: 'softsign', doc: 'F.softsign', f: (x) => x / (1 + Math.abs(x)), monotonic: true }),
  act({
    kind: 'logsigmoid',
    doc: 'F.logsigmoid',
    f: (x) => -softplus(-x),
    monotonic: true,
    domain: (t) => t.lo >= -30,
  }),
);

// PReLU has a learnable slope: one per channel (dim 1) or a single one.
ACTIVATIONS.prelu = true;
register({
  kind: 'prelu',
  group: 'activation',
  minOpset: 9,
  doc: 'F.prelu with a seeded slope parameter (1 or C values, in [0.05, 0.4])',
  infer([x], a) {
    check(x !== undefined && F32_64.includes(x.dtype), 'prelu: float input');
    const n = a.num_parameters as number;
    if (n !== 1) check(x.shape.length >= 2 && x.shape[1] === n, `prelu: ${n} parameters need dim 1 == ${n}`);
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: F32_64, range: () => [-3, 3] });
    if (!x) return null;
    const perChannel = x.shape.length >= 2 && ctx.isStatic(x, 1) && ctx.rng.chance(0.6);
    return { inputs: [x], attrs: { num_parameters: perChannel ? x.shape[1]! : 1 } };
  },
  facts([x]) {
    const r = hull(ivMul(iv(x!), [0.05, 0.4]), [Math.max(0, x!.lo), Math.max(0, x!.hi)]);
    return [facts(hull(r, [Math.min(0, r[0]), Math.max(0, r[1])]))];
  },
});

// ---------------------------------------------------------------------------------------------
// Binary arithmetic (broadcasting, type promotion, Python-scalar operands)

export type ScalarType = 'int' | 'float' | 'bool';

/** The operand list for type promotion: tensor inputs plus an optional Python scalar. */
export function operands(inputs: readonly TType[], a: Attrs): Operand[] {
  const ops: Operand[] = inputs.map((t) => ({ dtype: t.dtype, rank: t.shape.length }));
  if (a.scalar !== undefined) ops.push({ scalar: a.scalarType as ScalarType });
  return ops;
}

export function scalarOf(a: Attrs): Interval {
  const v = a.scalarType === 'bool' ? Number(a.scalar) : (a.scalar as number);
  return [v, v];
}

/** Interval of operand i (0 = left, 1 = right) of a binary op, scalars included. */
function sides(inputs: readonly Tensor[], a: Attrs): [Interval, Interval] {
  if (a.scalar === undefined) return [iv(inputs[0]!), iv(inputs[1]!)];
  const s = scalarOf(a);
  return a.scalarFirst ? [s, iv(inputs[0]!)] : [iv(inputs[0]!), s];
}

export interface BinarySpec {
  kind: string;
  doc: string;
  minOpset?: number;
  dtypes: readonly SynDType[];
  half?: boolean;
  result: 'promote' | 'truediv' | 'bool';
  /** Scalar operand allowed (left for non-commutative ops only when `scalarFirst`). */
  scalar: boolean;
  scalarFirst?: boolean;
  scalarValue?: (ctx: Ctx, x: Tensor, first: boolean) => { v: number | boolean; type: ScalarType } | null;
  /** Domain of the right operand (e.g. divisor away from 0); scalars come as int64/float32. */
  right?: (r: Interval, d: SynDType) => boolean;
  /** Domain of the left operand. */
  left?: (l: Interval, d: SynDType) => boolean;
  rightFresh?: (d: SynDType) => [number, number];
  leftFresh?: (d: SynDType) => [number, number];
  needsExact?: boolean;
  /** Exact inputs needed for some attrs (e.g. div with a rounding mode). */
  needsExactIf?: (a: Attrs) => boolean;
  /** Correctly rounded for floats (add, sub, mul, div, max, min). */
  exact?: boolean;
  range: (l: Interval, r: Interval, a: Attrs) => Interval;
  /** Extra validity (torch errors), on dtypes. */
  validate?: (inputs: readonly TType[], a: Attrs) => void;
  extraAttrs?: (ctx: Ctx, x: Tensor) => Attrs;
}

function binaryOutDtype(s: BinarySpec, inputs: readonly TType[], a: Attrs): SynDType {
  if (s.result === 'bool') return 'bool';
  const d = resultType(operands(inputs, a));
  if (s.result === 'truediv' && !isFloat(d) && !a.rounding_mode) return 'float32';
  return d;
}

export function defaultScalar(ctx: Ctx, x: Tensor): { v: number | boolean; type: ScalarType } {
  if (x.dtype === 'bool' && ctx.rng.chance(0.3)) return { v: ctx.rng.chance(0.5), type: 'bool' };
  if (ctx.rng.chance(isFloat(x.dtype) ? 0.7 : 0.4))
    return { v: ctx.rng.pick([0.5, 1.5, -0.75, 2.0, 0.25, 3.0]), type: 'float' };
  return { v: ctx.rng.pick([1, 2, 3, -1, -2]), type: 'int' };
}

export function binary(s: BinarySpec): OpDef {
  return {
    kind: s.kind,
    group: s.result === 'bool' ? 'comparison' : 'binary',
    minOpset: s.minOpset ?? 9,
    doc: s.doc,
    infer(inputs, a) {
      const n = a.scalar === undefined ? 2 : 1;
      check(inputs.length === n, `${s.kind}: ${n} tensor inputs`);
      for (const t of inputs)
        check(
          s.dtypes.includes(t.dtype) || (!!s.half && t.dtype === 'float16'),
          `${s.kind}: dtype ${t.dtype}`,
        );
      s.validate?.(inputs, a);
      const shape = n === 2 ? broadcast(inputs[0]!.shape, inputs[1]!.shape) : [...inputs[0]!.shape];
      return [{ dtype: binaryOutDtype(s, inputs, a), shape }];
    },
    propose(ctx) {
      const dtypes = s.half ? withHalf(ctx, s.dtypes) : s.dtypes;
      const exactOk = (t: Tensor) => !s.needsExact || t.exact;
      const useScalar = s.scalar && ctx.rng.chance(0.3);
      const first = useScalar && !!s.scalarFirst && ctx.rng.chance(0.4);
      // The tensor operand: left unless the scalar goes first.
      const tensorIsRight = useScalar && first;
      const dom = tensorIsRight ? s.right : s.left;
      const fr = tensorIsRight ? s.rightFresh : s.leftFresh;
      const x = ctx.take({ dtypes, where: (t) => exactOk(t) && (!dom || dom(iv(t), t.dtype)), range: fr });
      if (!x) return null;
      const extra = s.extraAttrs ? s.extraAttrs(ctx, x) : {};
      const needExact = !!s.needsExact || !!s.needsExactIf?.(extra);
      if (needExact && !x.exact) return null;
      if (useScalar) {
        if (first && extra.rounding_mode) return null;
        const sc = s.scalarValue ? s.scalarValue(ctx, x, first) : defaultScalar(ctx, x);
        if (!sc) return null;
        const v: Interval = [Number(sc.v), Number(sc.v)];
        const other = first ? s.left : s.right;
        if (other && !other(v, sc.type === 'float' ? 'float32' : 'int64')) return null;
        const attrs: Attrs = { ...extra, scalar: sc.v, scalarType: sc.type };
        if (first) attrs.scalarFirst = true;
        return { inputs: [x], attrs };
      }
      const y = ctx.partner(x, {
        dtypes,
        where: (t) => (!needExact || t.exact) && (!s.right || s.right(iv(t), t.dtype)),
        range: s.rightFresh,
      });
      if (!y) return null;
      return { inputs: [x, y], attrs: extra };
    },
    facts(inputs, a, [o]) {
      if (o!.dtype === 'bool') return [BOOL_FACTS(inputs.every((t) => t.exact))];
      const [l, r] = sides(inputs, a);
      let range = s.range(l, r, a);
      if (isInt(o!.dtype)) range = [Math.floor(range[0]), Math.ceil(range[1])];
      const exact = inputs.every((t) => t.exact) && (isInt(o!.dtype) || !!s.exact);
      return [facts(range, exact)];
    },
  };
}

export const awayFrom0 =
  (m: number) =>
  (r: Interval): boolean =>
    !contains0(r, m);
export const nonzeroFresh = (d: SynDType): [number, number] => (isFloat(d) ? [0.5, 2] : [1, 5]);

register(
  binary({
    kind: 'add',
    doc: 'a + b (tensor or Python scalar; alpha sometimes)',
    dtypes: ALL,
    half: true,
    result: 'promote',
    scalar: true,
    scalarFirst: true,
    exact: true,
    range: (l, r, a) => ivAdd(l, ivMul(r, [(a.alpha as number) ?? 1, (a.alpha as number) ?? 1])),
    validate: (ins, a) => {
      if (a.alpha !== undefined)
        check(a.scalar === undefined && ins.every((t) => t.dtype !== 'bool'), 'add: alpha only for tensors');
    },
    extraAttrs: (ctx, x): Attrs =>
      x.dtype !== 'bool' && ctx.rng.chance(0.15) ? { alpha: isFloat(x.dtype) ? 0.5 : 2 } : {},
  }),
  binary({
    kind: 'sub',
    doc: 'a - b (tensor or Python scalar, scalar - tensor too)',
    dtypes: NUMERIC,
    half: true,
    result: 'promote',
    scalar: true,
    scalarFirst: true,
    exact: true,
    range: ivSub,
  }),
  binary({
    kind: 'mul',
    doc: 'a * b',
    dtypes: ALL,
    half: true,
    result: 'promote',
    scalar: true,
    scalarFirst: true,
    exact: true,
    range: ivMul,
  }),
  binary({
    kind: 'div',
    doc: 'a / b true division (ints give float32), rounding_mode trunc/floor on exact inputs; divisor away from 0',
    dtypes: NUMERIC,
    half: true,
    result: 'truediv',
    scalar: true,
    scalarFirst: true,
    exact: true,
    right: awayFrom0(0.1),
    rightFresh: nonzeroFresh,
    range: (l, r, a) => {
      const q = ivDiv(l, r);
      return a.rounding_mode ? [Math.floor(q[0]), Math.ceil(q[1])] : q;
    },
    needsExactIf: (a) => !!a.rounding_mode,
    validate: (_ins, a) =>
      check(!(a.rounding_mode && a.scalarFirst), 'div: rounding_mode needs a tensor dividend'),
    extraAttrs: (ctx, x): Attrs =>
      x.exact && ctx.rng.chance(0.25) ? { rounding_mode: ctx.rng.pick(['trunc', 'floor']) } : {},
  }),
  binary({
    kind: 'pow',
    doc: 'a ** b with a positive base and a bounded exponent (or an integer scalar exponent, or scalar ** tensor)',
    dtypes: NUMERIC,
    result: 'promote',
    scalar: true,
    scalarFirst: true,
    left: (l) => l[0] >= 0.2 && l[1] <= 4,
    right: (r, d) => r[0] >= (isFloat(d) ? -2 : 0) && r[1] <= 2.5,
    leftFresh: (d) => (isFloat(d) ? [0.3, 2.5] : [1, 4]),
    rightFresh: (d) => (isFloat(d) ? [-1.5, 2] : [0, 3]),
    scalarValue: (ctx, x, first) => {
      if (first) return { v: ctx.rng.pick([2.0, 0.5, 1.5]), type: 'float' };
      if (isInt(x.dtype)) return { v: ctx.rng.pick([2, 3]), type: 'int' };
      return ctx.rng.chance(0.5)
        ? { v: ctx.rng.pick([2, 3]), type: 'int' }
        : { v: ctx.rng.pick([0.5, 1.5, -1.0, 2.5]), type: 'float' };
    },
    range: (l, r) => {
      const pts: number[] = [];
      for (const b of [l[0], l[1]]) for (const e of [r[0], r[1]]) pts.push(Math.pow(b, e));
      // Integer exponents of a possibly negative base: bound by magnitude.
      const m = Math.max(Math.abs(l[0]), Math.abs(l[1]));
      if (l[0] < 0) pts.push(-Math.pow(m, r[1]), Math.pow(m, r[1]));
      if (l[0] <= 0 && l[1] >= 0) pts.push(0);
      if (l[0] <= 1 && l[1] >= 1) pts.push(1);
      return [Math.min(...pts), Math.max(...pts)];
    },
    validate: (ins, a) => {
      // The scalar exponent variant allows any base for integer exponents only.
      if (a.scalar !== undefined && !a.scalarFirst)
        check(a.scalarType === 'int' || a.scalarType === 'float', 'pow scalar');
      void ins;
    },
  }),
  binary({
    kind: 'maximum',
    doc: 'torch.maximum (tensors)',
    dtypes: ALL,
    half: true,
    result: 'promote',
    scalar: false,
    exact: true,
    range: (l, r) => [Math.max(l[0], r[0]), Math.max(l[1], r[1])],
  }),
  binary({
    kind: 'minimum',
    doc: 'torch.minimum (tensors)',
    dtypes: ALL,
    half: true,
    result: 'promote',
    scalar: false,
    exact: true,
    range: (l, r) => [Math.min(l[0], r[0]), Math.min(l[1], r[1])],
  }),
  binary({
    kind: 'floor_divide',
    doc: 'torch.floor_divide (floor rounding since 1.13), divisor away from 0, exact inputs',
    dtypes: NUMERIC,
    result: 'promote',
    scalar: true,
    needsExact: true,
    exact: true,
    right: awayFrom0(0.5),
    rightFresh: (d) => (isFloat(d) ? [0.5, 3] : [1, 5]),
    scalarValue: (ctx, x) =>
      isFloat(x.dtype) && ctx.rng.chance(0.5)
        ? { v: 1.5, type: 'float' }
        : { v: ctx.rng.pick([2, 3, -2]), type: 'int' },
    range: (l, r) => {
      const q = ivDiv(l, r);
      return [Math.floor(q[0]), Math.ceil(q[1])];
    },
  }),
  binary({
    kind: 'remainder',
    doc: 'torch.remainder (sign of the divisor), divisor away from 0, exact inputs',
    dtypes: NUMERIC,
    result: 'promote',
    scalar: true,
    needsExact: true,
    right: awayFrom0(0.5),
    rightFresh: (d) => (isFloat(d) ? [0.5, 3] : [1, 5]),
    scalarValue: (ctx, x) =>
      isFloat(x.dtype) && ctx.rng.chance(0.5)
        ? { v: 0.75, type: 'float' }
        : { v: ctx.rng.pick([2, 3, -3]), type: 'int' },
    range: (_l, r) => {
      const m = Math.max(Math.abs(r[0]), Math.abs(r[1]));
      return [r[0] < 0 ? -m : 0, r[1] > 0 ? m : 0];
    },
  }),
);

// Comparisons: exact inputs only (a comparison of rounded values is legitimately ambiguous).
for (const [kind, sym] of [
  ['eq', '=='],
  ['ne', '!='],
  ['gt', '>'],
  ['ge', '>='],
  ['lt', '<'],
  ['le', '<='],
] as const) {
  register(
    binary({
      kind,
      // Equal on floats needs opset 11 (torch.onnx emits it anyway below).
      minOpset: kind === 'eq' || kind === 'ne' ? 11 : 9,
      doc: `a ${sym} b (exact inputs; tensor or scalar)`,
      dtypes: kind === 'eq' || kind === 'ne' ? ALL : NUMERIC,
      half: true,
      result: 'bool',
      scalar: true,
      needsExact: true,
      range: () => [0, 1],
      scalarValue: (ctx, x) =>
        isFloat(x.dtype)
          ? { v: r3(ctx.rng.float(x.lo, x.hi)), type: 'float' }
          : x.dtype === 'bool'
            ? { v: true, type: 'bool' }
            : { v: Math.round(ctx.rng.float(x.lo, x.hi)), type: 'int' },
    }),
  );
}

// Logical ops: nonzero → true; exact inputs only.
for (const kind of ['logical_and', 'logical_or', 'logical_xor'] as const) {
  register({
    kind,
    group: 'logical',
    minOpset: 9,
    doc: `torch.${kind} (any dtypes, broadcasting)`,
    infer([a, b]) {
      check(a !== undefined && b !== undefined, `${kind}: two inputs`);
      return [{ dtype: 'bool', shape: broadcast(a.shape, b.shape) }];
    },
    propose(ctx) {
      const dtypes: readonly SynDType[] = ctx.rng.chance(0.75) ? ['bool'] : ALL;
      const a = ctx.take({ dtypes, where: (t) => t.exact });
      if (!a) return null;
      const b = ctx.partner(a, { dtypes, where: (t) => t.exact });
      return b ? { inputs: [a, b], attrs: {} } : null;
    },
    facts: () => [BOOL_FACTS(true)],
  });
}

// where(cond, x, y): y may be a Python scalar.
register({
  kind: 'where',
  group: 'logical',
  minOpset: 9,
  doc: 'torch.where(cond, x, y) with broadcasting and type promotion of x, y (y may be a scalar)',
  infer(inputs, a) {
    const [c, x] = inputs;
    check(c !== undefined && x !== undefined && c.dtype === 'bool', 'where: bool condition');
    const n = a.scalar === undefined ? 3 : 2;
    check(inputs.length === n, `where: ${n} inputs`);
    const shapes = inputs.map((t) => t.shape);
    return [{ dtype: resultType(operands(inputs.slice(1), a)), shape: broadcastAll(shapes) }];
  },
  propose(ctx): Proposal | null {
    const c = ctx.take({ dtypes: ['bool'] });
    if (!c) return null;
    const x = ctx.partner(c, { dtypes: withHalf(ctx, ALL) });
    if (!x) return null;
    if (ctx.rng.chance(0.3)) {
      const sc = defaultScalar(ctx, x);
      return { inputs: [c, x], attrs: { scalar: sc.v, scalarType: sc.type } };
    }
    const y = ctx.partner(ctx.rng.chance(0.5) ? c : x, { dtypes: withHalf(ctx, ALL) });
    return y ? { inputs: [c, x, y], attrs: {} } : null;
  },
  facts(inputs, a) {
    const vals = inputs.slice(1);
    const r = a.scalar === undefined ? hull(...vals.map(iv)) : hull(...vals.map(iv), scalarOf(a));
    return [
      facts(
        r,
        vals.every((t) => t.exact),
      ),
    ];
  },
});

register({
  kind: 'masked_fill',
  group: 'logical',
  minOpset: 9,
  doc: 'Tensor.masked_fill(mask, value) (mask broadcasts to the input)',
  infer([x, m], a) {
    check(x !== undefined && m !== undefined && m.dtype === 'bool', 'masked_fill: bool mask');
    check(sameShape(broadcast(x.shape, m.shape), x.shape), 'masked_fill: mask must broadcast to input');
    void a;
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: withHalf(ctx, ALL) });
    if (!x) return null;
    const m = ctx.partner(x, { dtypes: ['bool'] });
    if (!m) return null;
    const value: number | boolean =
      x.dtype === 'bool'
        ? ctx.rng.chance(0.5)
        : isInt(x.dtype)
          ? ctx.rng.pick([0, -1, 7])
          : ctx.rng.pick([0, -1.5, 0.25, 2]);
    return {
      inputs: [x, m],
      attrs: { value, valueType: typeof value === 'boolean' ? 'bool' : isInt(x.dtype) ? 'int' : 'float' },
    };
  },
  facts([x], a) {
    const v = Number(a.value);
    return [facts(hull(iv(x!), [v, v]), x!.exact)];
  },
});

// clamp: scalar bounds (either or both) or tensor bounds.
register({
  kind: 'clamp',
  group: 'misc',
  minOpset: 9,
  doc: 'torch.clamp with scalar min/max (one or both) or tensor bounds; type promotion included',
  infer(inputs, a) {
    const [x] = inputs;
    check(x !== undefined && NUMERIC.includes(x.dtype), 'clamp: numeric input');
    const ops: Operand[] = [{ dtype: x.dtype, rank: x.shape.length }];
    const tensors = inputs.slice(1);
    check(
      tensors.length === (a.tensorBounds as number) || (a.tensorBounds === undefined && tensors.length === 0),
      'clamp: inputs',
    );
    for (const t of tensors) ops.push({ dtype: t.dtype, rank: t.shape.length });
    for (const k of ['min', 'max'] as const)
      if (a[k] !== undefined && a[k] !== null) ops.push({ scalar: a[`${k}Type`] as ScalarType });
    check(a.min !== undefined || a.max !== undefined || tensors.length > 0, 'clamp: a bound');
    let shape = [...x.shape];
    for (const t of tensors) {
      shape = broadcast(shape, t.shape);
    }
    check(sameShape(shape, x.shape), 'clamp: tensor bounds must broadcast to the input');
    return [{ dtype: resultType(ops), shape }];
  },
  propose(ctx) {
    const x = ctx.take({ dtypes: NUMERIC });
    if (!x) return null;
    if (ctx.rng.chance(0.25) && x.shape.length > 0) {
      // Tensor lower bound (same dtype, broadcastable to x).
      const lo = ctx.partner(x, { dtypes: [x.dtype], range: (d) => (isFloat(d) ? [-1, 0] : [-3, 0]) });
      if (!lo) return null;
      return { inputs: [x, lo], attrs: { tensorBounds: 1 } };
    }
    const mode = ctx.rng.pick(['both', 'both', 'min', 'max']);
    const floatBounds = isFloat(x.dtype) || ctx.rng.chance(0.2);
    const a: Attrs = {};
    const span = x.hi - x.lo;
    const lo = floatBounds ? r3(x.lo + span * ctx.rng.float(0.1, 0.4)) : Math.floor(x.lo + span * 0.3);
    const hi = floatBounds ? r3(x.lo + span * ctx.rng.float(0.6, 0.9)) : Math.ceil(x.lo + span * 0.7);
    if (mode !== 'max') Object.assign(a, { min: lo, minType: floatBounds ? 'float' : 'int' });
    if (mode !== 'min') Object.assign(a, { max: hi, maxType: floatBounds ? 'float' : 'int' });
    return { inputs: [x], attrs: a };
  },
  facts(inputs, a) {
    const x = inputs[0]!;
    let lo = x.lo;
    let hi = x.hi;
    if (typeof a.min === 'number') lo = Math.max(lo, a.min);
    if (typeof a.max === 'number') hi = Math.min(hi, a.max);
    if (inputs[1]) lo = Math.max(lo, inputs[1].lo);
    if (hi < lo) hi = lo;
    return [
      facts(
        [Math.min(lo, hi), Math.max(lo, hi)],
        inputs.every((t) => t.exact),
      ),
    ];
  },
});

// cast: Tensor.to(dtype).
register({
  kind: 'cast',
  group: 'cast',
  minOpset: 9,
  doc: 'Tensor.to(dtype) between float16/32/64, int32/64 and bool (float → int/bool only from exact values)',
  infer([x], a) {
    check(x !== undefined, 'cast: one input');
    return [{ dtype: a.dtype as SynDType, shape: [...x.shape] }];
  },
  propose(ctx) {
    const targets: SynDType[] = withHalf(ctx, ALL);
    const to = ctx.rng.pick(targets);
    const x = ctx.take({
      dtypes: withHalf(ctx, ALL).filter((d) => d !== to),
      where: (t) => {
        if (isFloat(t.dtype) && !isFloat(to)) return t.exact && mag(t) < 1e6;
        if (to === 'float16') return mag(t) <= 1000;
        return true;
      },
      range: (d) => (isFloat(d) ? [-4, 4] : [-10, 11]),
    });
    return x ? { inputs: [x], attrs: { dtype: to } } : null;
  },
  facts([x], a) {
    const to = a.dtype as SynDType;
    const t = x!;
    if (to === 'bool') return [BOOL_FACTS(t.exact)];
    const r: Interval = isFloat(to) ? iv(t) : [Math.trunc(t.lo), Math.trunc(t.hi)];
    // float32 → float64 keeps every value (and distinctness); other casts may merge values.
    const keep = to === 'float64' || (to === 'float32' && t.dtype === 'float16');
    return [facts(r, t.exact, keep && t.distinct)];
  },
});

export type { Facts, Proposal };
