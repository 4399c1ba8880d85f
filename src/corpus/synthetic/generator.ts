/**
 * The NNSmith-style generator: grows a DAG one operator at a time, each step choosing inputs from
 * the tensors built so far (or new graph inputs) and attributes such that every intermediate is
 * type- and shape-valid by construction (checked by the operator's own rule, at the export sizes
 * and at the dynamic sizes) and its values stay finite and unambiguous (value facts).
 */
import { INT_LIMITS, isFloat, isInt } from './dtype.js';
import {
  DEFAULT_KNOWN_ISSUE_POLICY,
  NO_HISTORY,
  lostAxesOf,
  matchKnownIssues,
  type History,
  type KnownIssueKind,
  type KnownIssuePolicy,
} from './known-issues.js';
import { getOperator, OPERATORS } from './operators.js';
import { Rng, hashInts } from './rng.js';
import { broadcast, broadcastable, numel, sameShape } from './shape.js';
import { SPEC_VERSION, type SpecInput, type SpecNode, type SyntheticSpec } from './spec.js';
import {
  ShapeError,
  type Attrs,
  type Ctx,
  type Facts,
  type OpDef,
  type Req,
  type Shape,
  type SynDType,
  type Tensor,
  type TType,
} from './types.js';

export interface GeneratorOptions {
  /** Nodes per graph: drawn uniformly in [minNodes, maxNodes] (default 1–10). */
  minNodes?: number;
  maxNodes?: number;
  /** Graph inputs at most (default 5). */
  maxInputs?: number;
  /** Opsets to draw from (default 11–17); ops whose minimum opset is higher are skipped. */
  opsets?: readonly number[];
  /** Only these operator kinds (default: every kind of `library`). */
  ops?: readonly string[];
  /**
   * Operator library to draw from when `ops` is not given: 'core' (default: the kinds the
   * default corpus has always used, so its cases stay stable) or 'full' (core + extended).
   */
  library?: 'core' | 'full';
  /** Never these operator kinds. */
  excludeOps?: readonly string[];
  /** Probability that a case exports with dynamic axes (default 0.3); true/false forces it. */
  dynamicAxes?: number | boolean;
  /** Probability of constant folding on (default 0.5); true/false forces it. */
  constantFolding?: number | boolean;
  /** Allow float16 tensors (default true; only around ops PyTorch's CPU supports in half). */
  float16?: boolean;
  /** Elements per tensor at most (default 4096). */
  maxNumel?: number;
  /** Largest magnitude a float tensor may reach by its value bound (default 1000). */
  magnitudeCap?: number;
  /**
   * How often to keep a node that matches a known issue of the default toolchain
   * (known-issues.ts), per issue kind: 'include' keeps all, 'avoid' none; default
   * {runtime-gap: 0, unsupported: 0.15, bug: 0.2}.
   */
  knownIssues?: 'include' | 'avoid' | KnownIssuePolicy;
}

export const DEFAULT_OPSETS: readonly number[] = [11, 12, 13, 14, 15, 16, 17];

interface Resolved {
  /** Full library: fresh inputs sometimes get another memory layout (core: never, stream unchanged). */
  layouts: boolean;
  minNodes: number;
  maxNodes: number;
  maxInputs: number;
  opsets: readonly number[];
  ops: readonly OpDef[];
  dynamicAxes: number;
  constantFolding: number;
  float16: boolean;
  maxNumel: number;
  magnitudeCap: number;
  knownIssues: Record<KnownIssueKind, number>;
}

function resolve(o: GeneratorOptions = {}): Resolved {
  const prob = (v: number | boolean | undefined, d: number) =>
    v === undefined ? d : typeof v === 'boolean' ? (v ? 1 : 0) : v;
  let ops: readonly OpDef[] = o.ops
    ? o.ops.map(getOperator)
    : o.library === 'full'
      ? OPERATORS
      : OPERATORS.filter((op) => op.library !== 'extended');
  if (o.excludeOps) ops = ops.filter((op) => !o.excludeOps!.includes(op.kind));
  if (ops.length === 0) throw new Error('generator: no operator kinds left');
  const minNodes = o.minNodes ?? 1;
  return {
    layouts: o.library === 'full' || ops.some((op) => op.library === 'extended'),
    minNodes,
    maxNodes: Math.max(minNodes, o.maxNodes ?? 10),
    maxInputs: o.maxInputs ?? 5,
    opsets: o.opsets && o.opsets.length ? o.opsets : DEFAULT_OPSETS,
    ops,
    dynamicAxes: prob(o.dynamicAxes, 0.3),
    constantFolding: prob(o.constantFolding, 0.5),
    float16: o.float16 ?? true,
    maxNumel: o.maxNumel ?? 4096,
    magnitudeCap: o.magnitudeCap ?? 1000,
    knownIssues:
      o.knownIssues === 'include'
        ? { 'runtime-gap': 1, unsupported: 1, bug: 1 }
        : o.knownIssues === 'avoid'
          ? { 'runtime-gap': 0, unsupported: 0, bug: 0 }
          : { ...DEFAULT_KNOWN_ISSUE_POLICY, ...(o.knownIssues ?? {}) },
  };
}

const DTYPE_WEIGHTS: Record<SynDType, number> = {
  float32: 6,
  float64: 1.2,
  int64: 1.2,
  int32: 0.8,
  bool: 0.8,
  float16: 0.6,
  uint8: 0.7,
  int8: 0.6,
  int16: 0.5,
};
const RANK_WEIGHTS = [0.05, 0.14, 0.25, 0.26, 0.22, 0.08];
const MAX_DIM_BY_RANK = [1, 12, 8, 6, 5, 4];
const INT_CAP: Record<string, number> = { int32: 1e9, int64: 1e15 };

interface Symbol {
  name: string;
  export: number;
  dynamic: number;
}

class GraphError extends Error {}

class Builder implements Ctx {
  readonly rng: Rng;
  readonly opset: number;
  readonly float16: boolean;
  readonly symbols: Symbol[] = [];
  readonly inputs: (SpecInput & { t: Tensor })[] = [];
  readonly pool: Tensor[] = [];
  readonly nodes: SpecNode[] = [];
  readonly uses = new Map<string, number>();
  /** How each tensor was computed (for known issues that depend on graph history). */
  readonly history = new Map<string, History>();
  private pending: (SpecInput & { t: Tensor })[] = [];
  private tensorCounter = 0;

  constructor(
    seed: number,
    readonly opts: Resolved,
    opset: number,
    dynamic: boolean,
  ) {
    this.rng = new Rng(seed);
    this.opset = opset;
    this.float16 = opts.float16;
    if (dynamic) {
      const n = this.rng.int(2, 4);
      this.symbols.push({ name: 'N', export: n, dynamic: n + this.rng.int(1, 3) });
      if (this.rng.chance(0.35)) {
        const s = this.rng.int(3, 7);
        this.symbols.push({ name: 'S', export: s, dynamic: s + this.rng.int(1, 4) });
      }
    }
  }

  // ---- Ctx -------------------------------------------------------------------------------------

  dim(min = 1, max = 8): number {
    if (max <= min) return min;
    if (min <= 1 && this.rng.chance(0.15)) return 1;
    const lo = Math.max(min, 2);
    if (max < lo) return min;
    return lo + Math.floor((max - lo + 1) * Math.pow(this.rng.next(), 1.4));
  }

  isStatic(t: Tensor, axis: number): boolean {
    return t.shape[axis] === t.alt[axis];
  }

  take(req: Req): Tensor | null {
    const cands = req.fresh === 'only' ? [] : this.pool.filter((t) => this.matches(t, req));
    const canFresh = req.fresh !== 'never' && this.inputCount() < this.opts.maxInputs;
    if (cands.length > 0 && !(canFresh && this.rng.chance(0.08))) return this.choose(cands);
    if (req.fresh === 'never') return null;
    return this.freshFor(req);
  }

  partner(t: Tensor, req: Req): Tensor | null {
    const fits = (c: Tensor) => {
      if (!this.matches(c, req) || !broadcastable(t.shape, c.shape) || !broadcastable(t.alt, c.alt))
        return false;
      return (
        numel(broadcast(t.shape, c.shape)) <= this.opts.maxNumel &&
        numel(broadcast(t.alt, c.alt)) <= this.opts.maxNumel
      );
    };
    const cands = req.fresh === 'only' ? [] : this.pool.filter(fits);
    const canFresh = req.fresh !== 'never' && this.inputCount() < this.opts.maxInputs;
    if (cands.length > 0 && !(canFresh && this.rng.chance(0.35))) return this.choose(cands);
    if (!canFresh) return null;
    const dtype = req.dtypes.includes(t.dtype) && this.rng.chance(0.7) ? t.dtype : this.pickDtype(req.dtypes);
    if (!dtype) return null;
    const { shape, alt } = this.broadcastPartnerShape(t);
    const f = this.fresh(dtype, shape, req.range?.(dtype), alt);
    return f && (!req.where || req.where(f)) ? f : null;
  }

  sameShape(t: Tensor, req: Req): Tensor | null {
    const cands = this.pool.filter(
      (c) => this.matches(c, req) && sameShape(c.shape, t.shape) && sameShape(c.alt, t.alt),
    );
    if (cands.length > 0 && this.rng.chance(0.6)) return this.choose(cands);
    const dtype = this.pickDtype(req.dtypes);
    if (!dtype) return null;
    const f = this.fresh(dtype, [...t.shape], req.range?.(dtype), [...t.alt]);
    return f && (!req.where || req.where(f)) ? f : null;
  }

  fresh(dtype: SynDType, shape: Shape, range?: [number, number], alt?: Shape): Tensor | null {
    if (this.inputCount() >= this.opts.maxInputs) return null;
    const a = alt ?? shape;
    if (
      a.length !== shape.length ||
      shape.some((d) => d < 1) ||
      numel(shape) > this.opts.maxNumel ||
      numel(a) > this.opts.maxNumel
    )
      return null;
    const dynamicAxes: Record<string, string> = {};
    for (let i = 0; i < shape.length; i++) {
      if (shape[i] === a[i]) continue;
      const s = this.symbols.find((y) => y.export === shape[i] && y.dynamic === a[i]);
      if (!s) return null;
      dynamicAxes[String(i)] = s.name;
    }
    const r: [number, number] | undefined =
      dtype === 'bool' ? undefined : (range ?? this.defaultRange(dtype));
    const name = `x${this.inputs.length + this.pending.length}`;
    const t: Tensor = {
      name,
      dtype,
      shape: [...shape],
      alt: [...a],
      input: true,
      lo: dtype === 'bool' ? 0 : r![0],
      hi: dtype === 'bool' ? 1 : isFloat(dtype) ? r![1] : r![1] - 1,
      exact: true,
      distinct: isFloat(dtype) && dtype !== 'float16' && r![1] - r![0] > 0,
    };
    if (t.hi < t.lo) return null;
    const decl: SpecInput & { t: Tensor } = { name, dtype, shape: [...shape], dynamicAxes, t };
    if (r) decl.range = [r[0], r[1]];
    if (this.opts.layouts && shape.length >= 2) {
      if (shape.length === 4 && this.rng.chance(0.15)) decl.layout = 'channels-last';
      else if (this.rng.chance(0.1)) decl.layout = 'non-contiguous';
    }
    this.pending.push(decl);
    return t;
  }

  // ---- internals -------------------------------------------------------------------------------

  private inputCount(): number {
    return this.inputs.length + this.pending.length;
  }

  private matches(t: Tensor, req: Req): boolean {
    if (!req.dtypes.includes(t.dtype)) return false;
    if (t.dtype === 'float16' && !this.float16) return false;
    const r = t.shape.length;
    if (req.minRank !== undefined && r < req.minRank) return false;
    if (req.maxRank !== undefined && r > req.maxRank) return false;
    return !req.where || req.where(t);
  }

  /** Prefers tensors nobody consumes yet (keeps the graph connected) and recent ones (depth). */
  private choose(cands: Tensor[]): Tensor {
    const n = this.pool.length;
    return this.rng.weighted(
      cands.map((t) => {
        const idx = this.pool.indexOf(t);
        const w = t.input ? 0.4 : (this.uses.get(t.name) ?? 0) === 0 ? 4 : 1.5;
        return [t, w * (0.5 + (idx + 1) / Math.max(n, 1))] as const;
      }),
    );
  }

  private pickDtype(dtypes: readonly SynDType[]): SynDType | null {
    const ds = dtypes.filter((d) => d !== 'float16' || this.float16);
    if (ds.length === 0) return null;
    return this.rng.weighted(ds.map((d) => [d, DTYPE_WEIGHTS[d]] as const));
  }

  private defaultRange(dtype: SynDType): [number, number] {
    if (dtype === 'uint8')
      return this.rng.pick<[number, number]>([
        [0, 10],
        [0, 50],
        [1, 5],
      ]);
    if (isFloat(dtype))
      return this.rng.pick<[number, number]>([
        [-1, 1],
        [-1, 1],
        [-2, 2],
        [0, 1],
        [-3, 1],
        [-0.5, 1.5],
      ]);
    return this.rng.pick<[number, number]>([
      [0, 10],
      [-5, 6],
      [-20, 21],
      [1, 5],
    ]);
  }

  private randomShape(req: Req): { shape: Shape; alt: Shape } {
    if (req.shape) {
      const s = req.shape();
      return { shape: s, alt: [...s] };
    }
    const lo = req.minRank ?? 0;
    const hi = Math.min(req.maxRank ?? 5, 5);
    const ranks: [number, number][] = [];
    for (let r = lo; r <= hi; r++) ranks.push([r, RANK_WEIGHTS[r] ?? 0.05]);
    const rank = ranks.length ? this.rng.weighted(ranks) : lo;
    const minDim = req.minDim ?? 1;
    const shape: Shape = [];
    for (let i = 0; i < rank; i++) shape.push(this.dim(minDim, Math.max(minDim, MAX_DIM_BY_RANK[rank] ?? 4)));
    while (numel(shape) > this.opts.maxNumel) {
      const i = shape.indexOf(Math.max(...shape));
      shape[i] = Math.max(1, Math.floor(shape[i]! / 2));
    }
    const alt = [...shape];
    // Dynamic axes: the batch-like first axis (N) and sometimes the last axis (S).
    const n = this.symbols[0];
    if (n && rank >= 1 && n.export >= minDim && this.rng.chance(0.6)) {
      shape[0] = n.export;
      alt[0] = n.dynamic;
    }
    const s = this.symbols[1];
    if (s && rank >= 2 && s.export >= minDim && this.rng.chance(0.4)) {
      shape[rank - 1] = s.export;
      alt[rank - 1] = s.dynamic;
    }
    return { shape, alt };
  }

  private freshFor(req: Req): Tensor | null {
    const dtype = this.pickDtype(req.dtypes);
    if (!dtype) return null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const { shape, alt } = this.randomShape(req);
      // Retry without dynamic axes if the op needs those dims static.
      for (const a of sameShape(shape, alt) ? [alt] : [alt, shape]) {
        const f = this.fresh(dtype, shape, req.range?.(dtype), a);
        if (!f) continue;
        if (!req.where || req.where(f)) return f;
        this.pending.pop();
      }
    }
    return null;
  }

  private broadcastPartnerShape(t: Tensor): { shape: Shape; alt: Shape } {
    const r = t.shape.length;
    const copy = (i: number): [number, number] => [t.shape[i]!, t.alt[i]!];
    const mode = this.rng.weighted([
      ['same', 4],
      ['drop', 2],
      ['ones', 2.5],
      ['scalar', 1],
      ['grow', 1],
    ] as const);
    let dims: [number, number][] = Array.from({ length: r }, (_, i) => copy(i));
    if (mode === 'drop' && r > 0) dims = dims.slice(this.rng.int(1, r));
    else if (mode === 'ones') dims = dims.map((d) => (this.rng.chance(0.5) ? [1, 1] : d));
    else if (mode === 'scalar') dims = [];
    else if (mode === 'grow') {
      dims = dims.map((d) =>
        d[0] === 1 && d[1] === 1 && this.rng.chance(0.7)
          ? ((k) => [k, k] as [number, number])(this.dim(2, 5))
          : d,
      );
      if (r < 5 && this.rng.chance(0.5)) dims.unshift(((k) => [k, k] as [number, number])(this.dim(1, 3)));
    }
    // Dims derived from dynamic ones that no symbol names cannot be inputs: use 1 instead.
    dims = dims.map((d) =>
      d[0] !== d[1] && !this.symbols.some((s) => s.export === d[0] && s.dynamic === d[1]) ? [1, 1] : d,
    );
    return { shape: dims.map((d) => d[0]), alt: dims.map((d) => d[1]) };
  }

  // ---- steps -----------------------------------------------------------------------------------

  /** Tries one operator; on success the node is in the graph. */
  tryOp(op: OpDef): boolean {
    this.pending = [];
    const proposal = op.propose(this);
    if (!proposal) return this.reject();
    const { inputs, attrs } = proposal;
    // Grow connected graphs: a node that reads only graph inputs, once node outputs exist, is
    // kept only sometimes (the op is retried on other inputs or another op is drawn).
    if (this.nodes.length > 0 && inputs.every((t) => t.input) && this.rng.chance(0.6)) return this.reject();
    const inferred = this.inferOutputs(op, inputs, attrs);
    if (!inferred || !this.outputsFit(inferred.outs, inferred.alts)) return this.reject();
    const { outs, alts } = inferred;
    const fs = op.facts(inputs, attrs, outs);
    if (fs.length !== outs.length)
      throw new Error(`${op.kind}: facts for ${fs.length} of ${outs.length} outputs`);
    for (let i = 0; i < outs.length; i++) if (!this.withinCaps(outs[i]!.dtype, fs[i]!)) return this.reject();
    const history = inputs.map((t) => this.history.get(t.name) ?? NO_HISTORY);
    const known = matchKnownIssues(op.kind, inputs, attrs, this.opset, history);
    for (const issue of known) {
      const keep = this.opts.knownIssues[issue.kind];
      if (keep <= 0 || (keep < 1 && !this.rng.chance(keep))) return this.reject();
    }
    this.commit({ op, inputs, attrs, outs, alts, facts: fs, history, known: known.map((k) => k.id) });
    return true;
  }

  /** The op's output types at the export sizes and at the dynamic sizes; null: a shape error. */
  private inferOutputs(op: OpDef, inputs: Tensor[], attrs: Attrs): { outs: TType[]; alts: TType[] } | null {
    try {
      const outs = op.infer(
        inputs.map((t) => ({ dtype: t.dtype, shape: [...t.shape] })),
        attrs,
      );
      const alts = inputs.some((t) => !sameShape(t.shape, t.alt))
        ? op.infer(
            inputs.map((t) => ({ dtype: t.dtype, shape: [...t.alt] })),
            attrs,
          )
        : outs;
      return { outs, alts };
    } catch (e) {
      if (e instanceof ShapeError) return null;
      throw e;
    }
  }

  /** Outputs agree at both sizes, are not empty, not too large, of rank ≤ 6. */
  private outputsFit(outs: TType[], alts: TType[]): boolean {
    if (alts.length !== outs.length) return false;
    for (let i = 0; i < outs.length; i++) {
      const o = outs[i]!;
      const a = alts[i]!;
      if (a.dtype !== o.dtype || a.shape.length !== o.shape.length) return false;
      if (o.shape.some((d) => d < 1) || a.shape.some((d) => d < 1)) return false;
      if (numel(o.shape) > this.opts.maxNumel || numel(a.shape) > this.opts.maxNumel) return false;
      if (o.shape.length > 6) return false;
    }
    return true;
  }

  /** Puts an accepted node in the graph: its new inputs, its output tensors and their history. */
  private commit(n: {
    op: OpDef;
    inputs: Tensor[];
    attrs: Attrs;
    outs: TType[];
    alts: TType[];
    facts: Facts[];
    history: History[];
    known: string[];
  }): void {
    const { op, inputs, attrs, history } = n;
    for (const p of this.pending) {
      this.inputs.push(p);
      this.pool.push(p.t);
    }
    this.pending = [];
    for (const t of inputs) this.uses.set(t.name, (this.uses.get(t.name) ?? 0) + 1);
    const outTensors: Tensor[] = n.outs.map((o, i) => ({
      name: `t${this.tensorCounter++}`,
      dtype: o.dtype,
      shape: o.shape,
      alt: n.alts[i]!.shape,
      input: false,
      ...n.facts[i]!,
    }));
    this.pool.push(...outTensors);
    const upstream = new Set<string>([op.kind, ...history.flatMap((h) => [...h.upstream])]);
    const producer = { kind: op.kind, attrs, from: inputs[0]?.dtype };
    for (const t of outTensors)
      this.history.set(t.name, {
        upstream,
        lostAxes: lostAxesOf(op.kind, inputs, attrs, history, t.shape.length),
        producer,
      });
    const node: SpecNode = {
      op: op.kind,
      inputs: inputs.map((t) => t.name),
      attrs: attrs as Record<string, unknown>,
      outputs: outTensors.map((t) => {
        const spec: SpecNode['outputs'][number] = { name: t.name, dtype: t.dtype, shape: [...t.shape] };
        if (!sameShape(t.shape, t.alt)) spec.dynamicShape = [...t.alt];
        return spec;
      }),
    };
    if (n.known.length) node.known = n.known;
    this.nodes.push(node);
  }

  private reject(): false {
    this.pending = [];
    return false;
  }

  private withinCaps(dtype: SynDType, f: Facts): boolean {
    if (!Number.isFinite(f.lo) || !Number.isFinite(f.hi) || f.lo > f.hi) return false;
    const m = Math.max(Math.abs(f.lo), Math.abs(f.hi));
    if (isFloat(dtype)) return m <= this.opts.magnitudeCap;
    if (isInt(dtype)) {
      const [lo, hi] = INT_LIMITS[dtype]!;
      return m <= (INT_CAP[dtype] ?? Infinity) && f.lo >= lo && f.hi <= hi;
    }
    return true;
  }
}

function drawProb(rng: Rng, p: number): boolean {
  return p >= 1 ? true : p <= 0 ? false : rng.chance(p);
}

/** One synthetic graph spec, a pure function of (seed, index, options). */
export function generateSpec(seed: number, index: number, options: GeneratorOptions = {}): SyntheticSpec {
  const o = resolve(options);
  const rng = new Rng(hashInts(seed, index, 0x5eed));
  const usable = o.opsets.filter((v) => o.ops.some((op) => op.minOpset <= v));
  if (usable.length === 0) throw new GraphError(`no operator kind exports at opsets [${o.opsets}]`);
  const opset = rng.pick(usable);
  const dynamic = drawProb(rng, o.dynamicAxes);
  const constantFolding = drawProb(rng, o.constantFolding);
  const eligible = o.ops.filter((op) => op.minOpset <= opset);
  const target = rng.int(o.minNodes, o.maxNodes);
  const b = new Builder(hashInts(seed, index, 0xb111d), o, opset, dynamic);

  let failures = 0;
  while (b.nodes.length < target && failures < 40 * target) {
    const op = b.rng.pick(eligible);
    if (!b.tryOp(op)) failures++;
  }
  // A graph has at least one node: keep trying (an allow-list of one hard op may need many draws).
  for (let i = 0; b.nodes.length === 0 && i < 2000; i++) b.tryOp(b.rng.pick(eligible));
  if (b.nodes.length === 0)
    throw new GraphError(`could not build any node from [${eligible.map((e) => e.kind)}] at opset ${opset}`);

  const consumed = new Set(b.nodes.flatMap((n) => n.inputs));
  const outputs = b.nodes.flatMap((n) => n.outputs.map((t) => t.name)).filter((name) => !consumed.has(name));
  const used = new Set(b.nodes.flatMap((n) => n.inputs));
  const inputs = b.inputs.filter((i) => used.has(i.name));
  const anyDynamic = inputs.some((i) => Object.keys(i.dynamicAxes).length > 0);
  const dims: SyntheticSpec['dims'] = {};
  if (anyDynamic) {
    for (const s of b.symbols) {
      if (inputs.some((i) => Object.values(i.dynamicAxes).includes(s.name)))
        dims[s.name] = { export: s.export, dynamic: s.dynamic };
    }
  }
  return {
    version: SPEC_VERSION,
    seed,
    index,
    inputs: inputs.map((decl) => {
      const axes = anyDynamic ? decl.dynamicAxes : {};
      const out: SpecInput = decl.range
        ? { name: decl.name, dtype: decl.dtype, shape: decl.shape, range: decl.range, dynamicAxes: axes }
        : { name: decl.name, dtype: decl.dtype, shape: decl.shape, dynamicAxes: axes };
      if (decl.layout) out.layout = decl.layout;
      return out;
    }),
    dims,
    nodes: b.nodes,
    outputs,
    export: { opset, dynamicAxes: anyDynamic, constantFolding },
  };
}

export type { Attrs };
