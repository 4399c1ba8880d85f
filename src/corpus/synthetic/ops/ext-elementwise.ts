/**
 * Extended library, elementwise: more unary math, shrink/threshold activations, bitwise and
 * shift ops on integer (incl. uint8/int8/int16) tensors, three-operand arithmetic, alias
 * spellings of common ops (torch.divide, torch.greater, torch.special.*), clamp_min/max.
 * Each exists to reach translation functions the core library does not (docs/coverage.md).
 */
import { INT_LIMITS, isFloat, isInt, resultType } from '../dtype.js';
import { BOOL_FACTS, facts, hull, image, iv, ivAdd, ivDiv, ivMul, ivSub, type Interval } from '../facts.js';
import { broadcast, broadcastable, broadcastAll, check, sameShape } from '../shape.js';
import type { Attrs, Ctx, OpDef, Proposal, SynDType, Tensor } from '../types.js';
import {
  act,
  awayFrom0,
  binary,
  erf,
  nonzeroFresh,
  operands,
  sigmoid,
  unary,
  type BinarySpec,
  type UnarySpec,
} from './elementwise.js';
import { F32_64, INTS, NUMERIC, REGISTRY, mag, register } from './common.js';

export const SMALL_INTS: readonly SynDType[] = ['uint8', 'int8', 'int16'];
export const ANY_INT: readonly SynDType[] = [...INTS, ...SMALL_INTS];

/** Marks an operator as part of the extended library. */
export function ext(op: OpDef): OpDef {
  return { ...op, library: 'extended' };
}

const within = (m: number) => (t: Tensor) => mag(t) <= m;
const atLeast = (v: number) => (t: Tensor) => t.lo >= v;

function u(s: UnarySpec): OpDef {
  return ext(unary(s));
}

register(
  u({
    kind: 'acos',
    doc: 'torch.acos (|x| ≤ 0.95)',
    f: Math.acos,
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    domain: within(0.95),
    fresh: [-0.9, 0.9],
    freshInt: [-1, 2],
  }),
  u({
    kind: 'asin',
    doc: 'torch.asin (|x| ≤ 0.95)',
    f: Math.asin,
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    domain: within(0.95),
    fresh: [-0.9, 0.9],
    freshInt: [-1, 2],
  }),
  u({
    kind: 'tan',
    doc: 'torch.tan (|x| ≤ 1.2)',
    f: Math.tan,
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    domain: within(1.2),
    fresh: [-1.2, 1.2],
    freshInt: [-1, 2],
  }),
  u({
    kind: 'sinh',
    doc: 'torch.sinh (|x| ≤ 5)',
    f: Math.sinh,
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    domain: within(5),
    fresh: [-3, 3],
    freshInt: [-3, 4],
  }),
  u({
    kind: 'cosh',
    doc: 'torch.cosh (|x| ≤ 5)',
    f: Math.cosh,
    dtypes: NUMERIC,
    out: 'float',
    domain: within(5),
    fresh: [-3, 3],
    freshInt: [-3, 4],
  }),
  u({
    kind: 'asinh',
    doc: 'torch.asinh',
    f: Math.asinh,
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    domain: within(100),
    fresh: [-3, 3],
  }),
  u({
    kind: 'acosh',
    doc: 'torch.acosh (x ≥ 1.05, ints ≥ 1)',
    f: Math.acosh,
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    domain: (t) => t.lo >= (isInt(t.dtype) ? 1 : 1.05),
    fresh: [1.1, 4],
    freshInt: [1, 10],
  }),
  u({
    kind: 'atanh',
    doc: 'torch.atanh (|x| ≤ 0.9)',
    f: Math.atanh,
    monotonic: true,
    dtypes: F32_64,
    out: 'float',
    domain: within(0.9),
    fresh: [-0.9, 0.9],
  }),
  u({
    kind: 'log1p',
    doc: 'torch.log1p (x ≥ -0.9)',
    f: Math.log1p,
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    domain: atLeast(-0.9),
    fresh: [-0.5, 3],
    freshInt: [0, 10],
  }),
  u({
    kind: 'log2',
    doc: 'torch.log2 (x ≥ 0.05)',
    f: Math.log2,
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    domain: atLeast(0.05),
    fresh: [0.1, 5],
    freshInt: [1, 10],
  }),
  u({
    kind: 'log10',
    doc: 'torch.log10 (x ≥ 0.05)',
    f: Math.log10,
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    domain: atLeast(0.05),
    fresh: [0.1, 5],
    freshInt: [1, 10],
  }),
  u({
    kind: 'expm1',
    doc: 'torch.expm1 (x ≤ 8)',
    f: Math.expm1,
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    domain: (t) => t.hi <= 8,
    fresh: [-3, 2],
    freshInt: [-3, 4],
  }),
  u({
    kind: 'exp2',
    doc: 'torch.exp2 (x ≤ 9)',
    f: (x) => Math.pow(2, x),
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    domain: (t) => t.hi <= 9,
    fresh: [-3, 4],
    freshInt: [-3, 5],
  }),
  u({
    kind: 'trunc',
    doc: 'torch.trunc (exact inputs only)',
    f: Math.trunc,
    monotonic: true,
    dtypes: F32_64,
    out: 'same',
    exact: true,
    needsExact: true,
    fresh: [-4, 4],
  }),
  u({
    kind: 'frac',
    doc: 'torch.frac (exact inputs only)',
    f: (x) => x - Math.trunc(x),
    dtypes: F32_64,
    out: 'same',
    exact: true,
    needsExact: true,
    fresh: [-4, 4],
  }),
  u({
    kind: 'deg2rad',
    doc: 'torch.deg2rad',
    f: (x) => (x * Math.PI) / 180,
    monotonic: true,
    dtypes: F32_64,
    out: 'same',
    fresh: [-180, 180],
  }),
  u({
    kind: 'rad2deg',
    doc: 'torch.rad2deg',
    f: (x) => (x * 180) / Math.PI,
    monotonic: true,
    dtypes: F32_64,
    out: 'same',
    domain: within(5),
    fresh: [-3, 3],
  }),
  u({
    kind: 'erfc',
    doc: 'torch.erfc',
    f: (x) => 1 - erf(x),
    monotonic: true,
    dtypes: NUMERIC,
    out: 'float',
    domain: within(5),
    fresh: [-2, 2],
  }),
  u({
    kind: 'sinc',
    doc: 'torch.sinc',
    f: (x) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x)),
    dtypes: F32_64,
    out: 'same',
    domain: within(20),
    fresh: [-3, 3],
  }),
  u({
    kind: 'logit',
    doc: 'torch.logit (0.05 ≤ x ≤ 0.95)',
    f: (x) => Math.log(x / (1 - x)),
    monotonic: true,
    dtypes: F32_64,
    out: 'same',
    domain: (t) => t.lo >= 0.05 && t.hi <= 0.95,
    fresh: [0.1, 0.9],
  }),
  u({
    kind: 'isnan',
    doc: 'torch.isnan (finite inputs: all false)',
    f: () => 0,
    dtypes: NUMERIC,
    half: true,
    out: 'bool',
  }),
  u({ kind: 'isinf', doc: 'torch.isinf', f: () => 0, dtypes: NUMERIC, half: true, out: 'bool' }),
  u({ kind: 'isfinite', doc: 'torch.isfinite', f: () => 1, dtypes: NUMERIC, half: true, out: 'bool' }),
  u({ kind: 'isneginf', doc: 'torch.isneginf', f: () => 0, dtypes: F32_64, out: 'bool' }),
  u({ kind: 'isposinf', doc: 'torch.isposinf', f: () => 0, dtypes: F32_64, out: 'bool' }),
  u({
    kind: 'signbit',
    doc: 'torch.signbit (exact inputs)',
    f: (x) => (x < 0 ? 1 : 0),
    dtypes: NUMERIC,
    out: 'bool',
    needsExact: true,
  }),
  u({
    kind: 'nan_to_num',
    doc: 'torch.nan_to_num (finite inputs pass through)',
    f: (x) => x,
    monotonic: true,
    dtypes: NUMERIC,
    out: 'same',
    exact: true,
    keepDistinct: true,
  }),
  u({
    kind: 'bitwise_not',
    doc: 'torch.bitwise_not / ~x (ints and bools)',
    f: (x) => -x - 1,
    monotonic: true,
    dtypes: [...ANY_INT, 'bool'],
    out: 'same',
    exact: true,
    needsExact: true,
    domain: (t) => t.dtype !== 'uint8' || t.hi <= 255,
    fresh: [0, 1],
    freshInt: [0, 50],
    attrs: (ctx) => ({ spelling: ctx.rng.pick(['fn', 'operator']) }),
  }),
);

/** Replaces the value rule of a registered unary op (when the factory's rule does not fit). */
function patchRange(kind: string, range: (x: Tensor) => Interval): void {
  const op = REGISTRY.find((o) => o.kind === kind)!;
  op.facts = ([x], _a, [o]) =>
    o!.dtype === 'bool' ? [BOOL_FACTS(x!.exact)] : [facts(range(x!), x!.exact, x!.distinct)];
}

// bitwise_not on uint8 wraps (255 - x); on signed ints it is -x - 1.
patchRange('bitwise_not', (x) => (x.dtype === 'uint8' ? [255 - x.hi, 255 - x.lo] : [-x.hi - 1, -x.lo - 1]));

function shrink(kind: string, doc: string, f: (x: number, l: number) => number): OpDef {
  return ext(
    act({
      kind,
      doc,
      f: (x, a) => f(x, a.lambd as number),
      needsExact: true,
      exact: true,
      attrs: (ctx) => ({ lambd: ctx.rng.pick([0.5, 0.25, 1.0]) }),
    }),
  );
}

register(
  ext(act({ kind: 'tanhshrink', doc: 'F.tanhshrink', f: (x) => x - Math.tanh(x), monotonic: true })),
  shrink('softshrink', 'F.softshrink(lambd) (exact inputs)', (x, l) => (x > l ? x - l : x < -l ? x + l : 0)),
  shrink('hardshrink', 'F.hardshrink(lambd) (exact inputs)', (x, l) => (Math.abs(x) > l ? x : 0)),
  ext(
    act({
      kind: 'threshold',
      doc: 'F.threshold(threshold, value) (exact inputs)',
      f: (x, a) => (x > (a.threshold as number) ? x : (a.value as number)),
      needsExact: true,
      exact: true,
      attrs: (ctx) => ({ threshold: ctx.rng.pick([0, 0, 0.25, -0.5]), value: ctx.rng.pick([0, -1, 2]) }),
    }),
  ),
  ext(
    act({
      kind: 'rrelu_eval',
      doc: 'F.rrelu in eval mode: leaky slope (lower + upper) / 2',
      f: (x, a) => (x >= 0 ? x : (x * ((a.lower as number) + (a.upper as number))) / 2),
      monotonic: true,
      attrs: (ctx) =>
        ctx.rng.pick([
          { lower: 0.125, upper: 0.25 },
          { lower: 0.1, upper: 0.3 },
        ]),
    }),
  ),
  ext(act({ kind: 'softmin', doc: 'F.softmin over the last dim', f: (x) => x, domain: within(30) })),
);
patchRange('softmin', () => [0, 1]);

// GLU halves a dim of even (static) size.
register(
  ext({
    kind: 'glu',
    group: 'activation',
    minOpset: 9,
    doc: 'F.glu(dim) on a static dim of even size',
    infer([x], a) {
      check(x !== undefined && F32_64.includes(x.dtype), 'glu: float input');
      const r = x.shape.length;
      const d = (a.dim as number) < 0 ? (a.dim as number) + r : (a.dim as number);
      check(d >= 0 && d < r && x.shape[d]! % 2 === 0, 'glu: even dim');
      const shape = [...x.shape];
      shape[d] = shape[d]! / 2;
      return [{ dtype: x.dtype, shape }];
    },
    propose(ctx): Proposal | null {
      const x = ctx.take({
        dtypes: F32_64,
        minRank: 1,
        where: (t) => t.shape.some((s, i) => s % 2 === 0 && s === t.alt[i]),
      });
      if (!x) return null;
      const axes = x.shape.map((s, i) => i).filter((i) => x.shape[i]! % 2 === 0 && ctx.isStatic(x, i));
      const d = ctx.rng.pick(axes);
      return { inputs: [x], attrs: { dim: ctx.rng.chance(0.5) ? d - x.shape.length : d } };
    },
    facts([x]) {
      const m = mag(x!);
      return [facts([-m, m])];
    },
  }),
);

// ---------------------------------------------------------------------------------------------
// Binary

function b(s: BinarySpec): OpDef {
  return ext(binary(s));
}

register(
  b({
    kind: 'atan2',
    doc: 'torch.atan2',
    dtypes: F32_64,
    result: 'promote',
    scalar: false,
    right: awayFrom0(0.1),
    rightFresh: () => [0.2, 2],
    range: () => [-Math.PI, Math.PI],
  }),
  b({
    kind: 'fmod',
    doc: 'torch.fmod (sign of the dividend), divisor away from 0, exact inputs',
    dtypes: NUMERIC,
    result: 'promote',
    scalar: true,
    needsExact: true,
    right: awayFrom0(0.5),
    rightFresh: (d) => (isFloat(d) ? [0.5, 3] : [1, 5]),
    scalarValue: (ctx, x) =>
      isFloat(x.dtype) && ctx.rng.chance(0.5)
        ? { v: 0.75, type: 'float' }
        : { v: ctx.rng.pick([2, 3]), type: 'int' },
    range: (l, r) => {
      const m = Math.max(Math.abs(r[0]), Math.abs(r[1]));
      return [l[0] < 0 ? -m : 0, l[1] > 0 ? m : 0];
    },
  }),
  b({
    kind: 'xlogy',
    doc: 'torch.xlogy(x, y) = x·log(y), y ≥ 0.1',
    dtypes: F32_64,
    result: 'promote',
    scalar: false,
    right: (r) => r[0] >= 0.1,
    rightFresh: () => [0.2, 4],
    range: (l, r) => ivMul(l, [Math.log(r[0]), Math.log(Math.max(r[1], r[0]))]),
  }),
  b({
    kind: 'logaddexp',
    doc: 'torch.logaddexp',
    dtypes: F32_64,
    result: 'promote',
    scalar: false,
    left: (l) => Math.abs(l[0]) <= 30 && Math.abs(l[1]) <= 30,
    right: (r) => Math.abs(r[0]) <= 30 && Math.abs(r[1]) <= 30,
    range: (l, r) => [Math.max(l[0], r[0]), Math.max(l[1], r[1]) + Math.LN2],
  }),
  b({
    kind: 'logaddexp2',
    doc: 'torch.logaddexp2',
    dtypes: F32_64,
    result: 'promote',
    scalar: false,
    left: (l) => Math.abs(l[0]) <= 30 && Math.abs(l[1]) <= 30,
    right: (r) => Math.abs(r[0]) <= 30 && Math.abs(r[1]) <= 30,
    range: (l, r) => [Math.max(l[0], r[0]), Math.max(l[1], r[1]) + 1],
  }),
  b({
    kind: 'heaviside',
    doc: 'torch.heaviside (exact inputs, same dtypes)',
    dtypes: F32_64,
    result: 'promote',
    scalar: false,
    needsExact: true,
    validate: (ins) => check(ins[0]!.dtype === ins[1]!.dtype, 'heaviside: same dtypes'),
    range: (_l, r) => hull([0, 1], r),
  }),
);

/** Bitwise and/or/xor: ints (any width) and bools; `spelling` fn (torch.bitwise_*) or operator (&, |, ^). */
for (const [kind, f] of [
  ['bitwise_and', (x: number, y: number) => x & y],
  ['bitwise_or', (x: number, y: number) => x | y],
  ['bitwise_xor', (x: number, y: number) => x ^ y],
] as const) {
  void f;
  register(
    ext({
      ...binary({
        kind,
        doc: `torch.${kind} or its operator (ints incl. uint8/int8/int16, bools; a scalar on either side)`,
        dtypes: [...ANY_INT, 'bool'],
        result: 'promote',
        scalar: true,
        scalarFirst: true,
        needsExact: true,
        scalarValue: (ctx, x) =>
          x.dtype === 'bool'
            ? { v: ctx.rng.chance(0.5), type: 'bool' }
            : { v: ctx.rng.pick([1, 3, 6, 12]), type: 'int' },
        range: (l, r) => {
          // Non-negative operands stay within the next power of two; otherwise a symmetric bound.
          if (l[0] >= 0 && r[0] >= 0) {
            const m = Math.max(l[1], r[1]);
            return [0, 2 ** Math.ceil(Math.log2(m + 1)) - 1];
          }
          const m = Math.max(Math.abs(l[0]), Math.abs(l[1]), Math.abs(r[0]), Math.abs(r[1]));
          const p = 2 ** Math.ceil(Math.log2(m + 1));
          return [-p, p - 1];
        },
        validate: (ins, a) => {
          check(
            ins.every((t) => t.dtype === 'bool') === (ins[0]!.dtype === 'bool'),
            `${kind}: bool with bool`,
          );
          if (a.scalar !== undefined)
            check((a.scalarType === 'bool') === (ins[0]!.dtype === 'bool'), `${kind}: scalar kind`);
        },
        extraAttrs: (ctx) => ({ spelling: ctx.rng.pick(['fn', 'operator']) }),
      }),
      library: 'extended',
    }),
  );
}

/** Shifts: small non-negative ints, shift by 0–3 (tensor or scalar), no overflow. */
for (const kind of ['bitwise_left_shift', 'bitwise_right_shift'] as const) {
  const left = kind === 'bitwise_left_shift';
  register(
    b({
      kind,
      doc: `torch.${kind} or ${left ? '<<' : '>>'} (non-negative ints, shifts 0–3)`,
      dtypes: ANY_INT,
      result: 'promote',
      scalar: true,
      scalarFirst: true,
      needsExact: true,
      left: (l) => l[0] >= 0 && l[1] <= 60,
      right: (r) => r[0] >= 0 && r[1] <= 3,
      leftFresh: () => [0, 40],
      rightFresh: () => [0, 4],
      scalarValue: (ctx, _x, first) =>
        first ? { v: ctx.rng.pick([1, 5, 12]), type: 'int' } : { v: ctx.rng.pick([1, 2, 3]), type: 'int' },
      range: (l, r) => (left ? [l[0], l[1] * 2 ** r[1]] : [0, l[1]]),
      validate: (ins) =>
        check(
          ins.every((t) => isInt(t.dtype)),
          `${kind}: ints`,
        ),
      extraAttrs: (ctx) => ({ spelling: ctx.rng.pick(['fn', 'operator']) }),
    }),
  );
}

/** Alias spellings the exporters register separately (torch.divide, torch.greater, …). */
const ALIASES: { fn: string; of: 'div' | 'mul' | 'sub' | 'cmp' }[] = [
  { fn: 'divide', of: 'div' },
  { fn: 'true_divide', of: 'div' },
  { fn: 'multiply', of: 'mul' },
  { fn: 'subtract', of: 'sub' },
  { fn: 'rsub', of: 'sub' },
  { fn: 'greater', of: 'cmp' },
  { fn: 'greater_equal', of: 'cmp' },
  { fn: 'less', of: 'cmp' },
  { fn: 'less_equal', of: 'cmp' },
  { fn: 'not_equal', of: 'cmp' },
];
register(
  ext({
    kind: 'alias_binary',
    group: 'binary',
    minOpset: 11,
    doc: 'alias spellings: torch.divide/true_divide/multiply/subtract/rsub/greater/greater_equal/less/less_equal/not_equal (tensor or scalar second operand)',
    infer(inputs, a) {
      const alias = ALIASES.find((x) => x.fn === a.fn);
      check(alias !== undefined, 'alias_binary: fn');
      const n = a.scalar === undefined ? 2 : 1;
      check(inputs.length === n, 'alias_binary: inputs');
      check(
        inputs.every((t) => F32_64.includes(t.dtype) || INTS.includes(t.dtype)),
        'alias_binary: numeric',
      );
      const shape = n === 2 ? broadcast(inputs[0]!.shape, inputs[1]!.shape) : [...inputs[0]!.shape];
      if (alias.of === 'cmp') return [{ dtype: 'bool', shape }];
      const d = resultType(operands(inputs, a));
      return [{ dtype: alias.of === 'div' && !isFloat(d) ? 'float32' : d, shape }];
    },
    propose(ctx): Proposal | null {
      const alias = ctx.rng.pick(ALIASES);
      const needExact = alias.of === 'cmp';
      const dtypes = [...F32_64, ...INTS];
      const x = ctx.take({ dtypes, where: (t) => !needExact || t.exact });
      if (!x) return null;
      const divisor = (t: Tensor) => alias.of !== 'div' || t.lo >= 0.5 || t.hi <= -0.5;
      if (ctx.rng.chance(0.3)) {
        const v = alias.of === 'div' ? 2.0 : isFloat(x.dtype) ? 1.5 : 2;
        return {
          inputs: [x],
          attrs: {
            fn: alias.fn,
            scalar: v,
            scalarType: Number.isInteger(v) && !isFloat(x.dtype) ? 'int' : 'float',
          },
        };
      }
      const y = ctx.partner(x, {
        dtypes,
        where: (t) => (!needExact || t.exact) && divisor(t),
        range: alias.of === 'div' ? nonzeroFresh : undefined,
      });
      return y ? { inputs: [x, y], attrs: { fn: alias.fn } } : null;
    },
    facts(inputs, a, [o]) {
      if (o!.dtype === 'bool') return [BOOL_FACTS(true)];
      const l = iv(inputs[0]!);
      const r: Interval = a.scalar === undefined ? iv(inputs[1]!) : [a.scalar as number, a.scalar as number];
      const range =
        a.fn === 'multiply'
          ? ivMul(l, r)
          : a.fn === 'subtract'
            ? ivSub(l, r)
            : a.fn === 'rsub'
              ? ivSub(r, l)
              : ivDiv(l, r);
      return [
        facts(
          isInt(o!.dtype) ? [Math.floor(range[0]), Math.ceil(range[1])] : range,
          inputs.every((t) => t.exact),
        ),
      ];
    },
  }),
);

/** torch.special.* spellings of unary functions (the dynamo exporter registers them apart). */
const SPECIAL: Record<
  string,
  { f: (x: number) => number; domain: (t: Tensor) => boolean; fresh: [number, number] }
> = {
  erf: { f: erf, domain: within(5), fresh: [-2, 2] },
  erfc: { f: (x) => 1 - erf(x), domain: within(5), fresh: [-2, 2] },
  erfcx: {
    f: (x) => Math.exp(x * x) * (1 - erf(x)),
    domain: (t) => t.lo >= -1.5 && t.hi <= 5,
    fresh: [-1, 3],
  },
  expm1: { f: Math.expm1, domain: (t) => t.hi <= 8, fresh: [-3, 2] },
  exp2: { f: (x) => 2 ** x, domain: (t) => t.hi <= 9, fresh: [-3, 3] },
  sinc: {
    f: (x) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x)),
    domain: within(20),
    fresh: [-3, 3],
  },
  log1p: { f: Math.log1p, domain: atLeast(-0.9), fresh: [-0.5, 3] },
  expit: { f: sigmoid, domain: within(50), fresh: [-4, 4] },
  ndtr: { f: (x) => 0.5 * (1 + erf(x / Math.SQRT2)), domain: within(8), fresh: [-3, 3] },
};
register(
  ext({
    kind: 'special',
    group: 'unary',
    minOpset: 9,
    doc: `torch.special.{${Object.keys(SPECIAL).join(', ')}}`,
    infer([x], a) {
      check(
        x !== undefined && F32_64.includes(x.dtype) && (a.fn as string) in SPECIAL,
        'special: float input, known fn',
      );
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(Object.keys(SPECIAL));
      const s = SPECIAL[fn]!;
      const x = ctx.take({ dtypes: F32_64, where: s.domain, range: () => s.fresh });
      return x ? { inputs: [x], attrs: { fn } } : null;
    },
    facts([x], a) {
      return [facts(image(SPECIAL[a.fn as string]!.f, iv(x!)))];
    },
  }),
);

// ---------------------------------------------------------------------------------------------
// Three operands: lerp, addcmul, addcdiv; clamp_min / clamp_max

register(
  ext({
    kind: 'ternary',
    group: 'binary',
    minOpset: 9,
    doc: 'torch.lerp (scalar or tensor weight), torch.addcmul, torch.addcdiv (value scalar) with broadcasting',
    infer(inputs, a) {
      const fn = a.fn as string;
      const n = fn === 'lerp' && a.weight !== undefined ? 2 : 3;
      check(inputs.length === n && inputs.every((t) => F32_64.includes(t.dtype)), `${fn}: ${n} float inputs`);
      check(
        inputs.every((t) => t.dtype === inputs[0]!.dtype),
        `${fn}: same dtypes`,
      );
      return [{ dtype: inputs[0]!.dtype, shape: broadcastAll(inputs.map((t) => t.shape)) }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['lerp', 'addcmul', 'addcdiv']);
      const x = ctx.take({ dtypes: F32_64 });
      if (!x) return null;
      const y = ctx.partner(x, { dtypes: [x.dtype] });
      if (!y) return null;
      if (fn === 'lerp' && ctx.rng.chance(0.5))
        return { inputs: [x, y], attrs: { fn, weight: ctx.rng.pick([0.25, 0.5, 0.75]) } };
      const z = ctx.partner(x, {
        dtypes: [x.dtype],
        where: (t) => fn !== 'addcdiv' || t.lo >= 0.2 || t.hi <= -0.2,
        range: fn === 'addcdiv' ? () => [0.3, 2] : fn === 'lerp' ? () => [0, 1] : undefined,
      });
      if (!z) return null;
      try {
        broadcastAll([x.shape, y.shape, z.shape]);
        broadcastAll([x.alt, y.alt, z.alt]);
      } catch {
        return null;
      }
      return { inputs: [x, y, z], attrs: fn === 'lerp' ? { fn } : { fn, value: ctx.rng.pick([0.5, 1, -2]) } };
    },
    facts(inputs, a) {
      const [x, y, z] = inputs.map(iv) as [Interval, Interval, Interval | undefined];
      if (a.fn === 'lerp') {
        const w: Interval = z ?? [a.weight as number, a.weight as number];
        return [facts(ivAdd(x, ivMul(w, ivSub(y, x))))];
      }
      const v: Interval = [a.value as number, a.value as number];
      const t = a.fn === 'addcmul' ? ivMul(y, z!) : ivDiv(y, z!);
      return [facts(ivAdd(x, ivMul(v, t)))];
    },
  }),
  ext({
    kind: 'clamp_bound',
    group: 'misc',
    minOpset: 11,
    doc: 'torch.clamp_min / torch.clamp_max / torch.clip with a scalar or a tensor bound',
    infer(inputs, _a) {
      const [x, t] = inputs;
      check(x !== undefined && F32_64.includes(x.dtype), 'clamp_bound: float input');
      if (t) {
        check(
          t.dtype === x.dtype && sameShape(broadcast(x.shape, t.shape), x.shape),
          'clamp_bound: tensor bound',
        );
      }
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
    propose(ctx): Proposal | null {
      const fn = ctx.rng.pick(['clamp_min', 'clamp_max', 'clip']);
      const x = ctx.take({ dtypes: F32_64 });
      if (!x) return null;
      if (fn !== 'clip' && ctx.rng.chance(0.4)) {
        const t = ctx.partner(x, {
          dtypes: [x.dtype],
          // Pool candidates of any shape are offered: one that does not broadcast is not a bound.
          where: (c) => broadcastable(x.shape, c.shape) && sameShape(broadcast(x.shape, c.shape), x.shape),
        });
        if (t && sameShape(broadcast(x.shape, t.shape), x.shape) && sameShape(broadcast(x.alt, t.alt), x.alt))
          return { inputs: [x, t], attrs: { fn } };
      }
      const mid = (x.lo + x.hi) / 2;
      return {
        inputs: [x],
        attrs:
          fn === 'clip'
            ? { fn, min: Math.round(x.lo * 0.5 * 1000) / 1000, max: Math.round(x.hi * 0.5 * 1000) / 1000 }
            : { fn, bound: Math.round(mid * 1000) / 1000 },
      };
    },
    facts(inputs, a) {
      const x = iv(inputs[0]!);
      const t = inputs[1] ? iv(inputs[1]) : null;
      const exact = inputs.every((q) => q.exact);
      if (a.fn === 'clip')
        return [
          facts(
            [Math.min(a.min as number, a.max as number), Math.max(a.min as number, a.max as number)],
            exact,
          ),
        ];
      const bnd: Interval = t ?? [a.bound as number, a.bound as number];
      return [
        facts(
          a.fn === 'clamp_min'
            ? [Math.max(x[0], bnd[0]), Math.max(x[1], bnd[1])]
            : [Math.min(x[0], bnd[0]), Math.min(x[1], bnd[1])],
          exact,
        ),
      ];
    },
  }),
);

/** Arithmetic and comparisons on small integer tensors (uint8/int8/int16), promotion included. */
register(
  ext(
    binary({
      kind: 'int_arith',
      doc: 'a + b, a - b, a * b on uint8/int8/int16 (and int32) tensors with PyTorch promotion, no overflow',
      dtypes: [...SMALL_INTS, 'int32'],
      result: 'promote',
      scalar: false,
      needsExact: true,
      left: (l, d) => within(20)({ lo: l[0], hi: l[1], dtype: d } as Tensor),
      right: (r, d) => within(20)({ lo: r[0], hi: r[1], dtype: d } as Tensor),
      leftFresh: (d) => (d === 'uint8' ? [0, 10] : [-8, 9]),
      rightFresh: (d) => (d === 'uint8' ? [0, 10] : [-8, 9]),
      range: (l, r, a) => (a.fn === 'add' ? ivAdd(l, r) : a.fn === 'sub' ? ivSub(l, r) : ivMul(l, r)),
      extraAttrs: (ctx) => ({ fn: ctx.rng.pick(['add', 'sub', 'mul']) }),
    }),
  ),
);
// uint8 results must stay non-negative: sub on uint8 operands is only proposed when it cannot wrap.
const intArith = REGISTRY.find((o) => o.kind === 'int_arith')!;
const baseFacts = intArith.facts;
intArith.facts = (inputs, a, outs) => {
  const fs = baseFacts(inputs, a, outs);
  const lim = INT_LIMITS[outs[0]!.dtype];
  if (lim && (fs[0]!.lo < lim[0] || fs[0]!.hi > lim[1])) return [facts([-Infinity, Infinity])];
  return fs;
};
export type { Ctx, Attrs };
