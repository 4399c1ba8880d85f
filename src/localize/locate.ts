/**
 * The first diverging ONNX node of a wrong (or drifting) output, from a probe: module-boundary
 * values compared with PyTorch's eager values of the same module calls (probe-summary.ts).
 *
 * A value that differs from PyTorch may only carry an error from upstream. So among the compared
 * values the output depends on, the divergence starts at the first one (in topological order)
 * whose error is above float noise (`floor`, relative to its magnitude) and at least `jump` times
 * the error of the compared values it is computed from: there the error is *introduced*. This
 * also finds errors that stay below the tolerance where they start and only fail (or drift) after
 * later layers amplify them. The diverging node is that value's producer; `ops` lists the nodes of
 * the same module call between the agreeing values and it (where the introduced error can come
 * from, e.g. all nodes a GELU was exported to).
 */
import type { DivergingNode } from './schema.js';
import type { ProbeNode, ProbeRun, ProbeSummary, ValueComparison } from './probe-summary.js';

export interface LocateOptions {
  /** Relative error below which a value counts as agreeing (float32 noise). */
  floor: number;
  /** How much larger than its inputs' error an error must be to count as introduced there. */
  jump: number;
}

export const DEFAULT_LOCATE_OPTIONS: LocateOptions = { floor: 1e-5, jump: 10 };

export type Located =
  | {
      found: true;
      node: DivergingNode;
      /** The module call the divergence is in, and its nodes between agreeing values and it. */
      call: { path: string; call: number } | null;
      region: number[];
    }
  | { found: false; reason: string; node?: DivergingNode };

interface Graph {
  producer: Map<string, number>;
  summary: ProbeSummary & {
    graph: NonNullable<ProbeSummary['graph']>;
    calls: NonNullable<ProbeSummary['calls']>;
  };
}

/** Mapped values that `from` is computed from, nearest first: the walk stops at mapped values. */
function nearestMapped(
  g: Graph,
  from: number,
  mapped: Map<string, unknown>,
): { values: string[]; nodes: number[] } {
  const nodes = g.summary.graph.nodes;
  const seen = new Set<number>([from]);
  const stack = [from];
  const values = new Set<string>();
  const visited: number[] = [];
  while (stack.length) {
    const i = stack.pop()!;
    visited.push(i);
    for (const input of nodes[i].inputs) {
      if (!input) continue;
      if (mapped.has(input)) {
        values.add(input);
        continue;
      }
      const p = g.producer.get(input);
      if (p !== undefined && !seen.has(p)) {
        seen.add(p);
        stack.push(p);
      }
    }
  }
  return { values: [...values], nodes: visited.sort((a, b) => a - b) };
}

/** All nodes `to` depends on (itself included). */
function ancestors(g: Graph, to: number): Set<number> {
  const nodes = g.summary.graph.nodes;
  const seen = new Set<number>([to]);
  const stack = [to];
  while (stack.length) {
    const i = stack.pop()!;
    for (const input of nodes[i].inputs) {
      const p = g.producer.get(input);
      if (p !== undefined && !seen.has(p)) {
        seen.add(p);
        stack.push(p);
      }
    }
  }
  return seen;
}

const isError = (relErr: number) => !Number.isNaN(relErr) && relErr > 0;

function describeNode(
  g: Graph,
  index: number,
  opts: { call?: ProbeSummary['calls'] extends (infer C)[] | undefined ? C : never; ops?: string[] },
): DivergingNode {
  const n = g.summary.graph.nodes[index];
  const innermost = n.scopes?.length ? n.scopes[n.scopes.length - 1] : null;
  const module = opts.call?.path ?? innermost?.[0] ?? null;
  const moduleType =
    opts.call?.type ?? (module !== null ? g.summary.modules.find((m) => m.path === module)?.type : undefined);
  return {
    node: n.name,
    op: n.op,
    module,
    ...(moduleType ? { moduleType } : {}),
    ...(opts.ops ? { ops: opts.ops } : {}),
    via: 'values',
    ...(n.source && Object.keys(n.source).length ? { source: n.source } : {}),
  };
}

/**
 * Locates the divergence of the worst output of a probe run. Pure: `summary` is probe.json,
 * `run` what ONNX Runtime returned.
 */
export function locateDivergence(
  summary: ProbeSummary,
  run: ProbeRun,
  options: Partial<LocateOptions> = {},
): Located {
  const o = { ...DEFAULT_LOCATE_OPTIONS, ...options };
  if (!summary.graph || !summary.calls) return { found: false, reason: 'no converted graph to probe' };
  const g: Graph = { producer: new Map(), summary: summary as Graph['summary'] };
  summary.graph.nodes.forEach((n, i) => n.outputs.forEach((v) => v && g.producer.set(v, i)));
  const target = targetOf(g, summary, run);
  if (typeof target !== 'number') return target;

  const mapped = innermostComparisons(g, run);
  const within = ancestors(g, target);
  const candidates = [...mapped.values()]
    .map((v) => ({ v, at: g.producer.get(v.value)! }))
    .filter((x) => x.at !== undefined && within.has(x.at))
    .sort((a, b) => a.at - b.at);
  for (const { v, at } of candidates) {
    if (summary.target && at === target) continue;
    const found = divergenceAt(g, v, at, mapped, o);
    if (found) return found;
  }
  return notLocated(g, target, mapped, candidates.length > 0);
}

/** What to explain: the node a crash names, else the node of the worst output (failing or drifting). */
function targetOf(g: Graph, summary: ProbeSummary, run: ProbeRun): number | Located {
  if (summary.target?.index !== undefined) return summary.target.index;
  const worst = [...run.outputs]
    .filter((x) => isError(x.relErr) || !x.pass)
    .sort((a, b) => Number(a.pass) - Number(b.pass) || b.relErr - a.relErr)[0];
  if (!worst) return { found: false, reason: 'the probe model agrees with PyTorch on every output' };
  const target = g.producer.get(worst.name);
  if (target === undefined) return { found: false, reason: `output ${worst.name} is not produced by a node` };
  return target;
}

/**
 * Each value's comparison with PyTorch. A value can leave several nested calls: keep its
 * comparison with the innermost one; where it enters a call, it is compared only when no call it
 * leaves recorded it.
 */
function innermostComparisons(g: Graph, run: ProbeRun): Map<string, ValueComparison> {
  const calls = g.summary.calls;
  const depth = (v: ValueComparison) =>
    calls[v.call]?.side === 'input' ? -1 : (calls[v.call]?.path.split('.').length ?? 0);
  const mapped = new Map<string, ValueComparison>();
  for (const v of run.values) {
    if (v.output < 0 || Number.isNaN(v.relErr) || !calls[v.call]) continue;
    const seen = mapped.get(v.value);
    if (!seen || depth(v) > depth(seen)) mapped.set(v.value, v);
  }
  return mapped;
}

/** The divergence at value `v` (node `at`), when its error is above the floor and jumps over its inputs'. */
function divergenceAt(
  g: Graph,
  v: ValueComparison,
  at: number,
  mapped: Map<string, ValueComparison>,
  o: LocateOptions,
): Located | null {
  if (!(v.relErr > o.floor)) return null;
  const upstream = nearestMapped(g, at, mapped);
  const inputErr = Math.max(0, ...upstream.values.map((u) => mapped.get(u)!.relErr));
  if (!(v.relErr > o.jump * inputErr)) return null;
  const call = callOf(g, at, g.summary.calls[v.call]);
  const ops = regionOps(g, upstream.nodes, call);
  return {
    found: true,
    call: call ? { path: call.path, call: call.call } : null,
    region: upstream.nodes.filter((i) => inCall(g.summary.graph.nodes[i], call)),
    node: {
      ...describeNode(g, at, { call, ops }),
      maxAbsErr: v.maxAbsErr,
      relErr: Number.isFinite(v.relErr) ? v.relErr : null,
      ...(v.reason || v.folded
        ? {
            note: [v.reason, v.folded ? `compared with ${v.folded}, folded into it` : '']
              .filter(Boolean)
              .join('; '),
          }
        : {}),
    },
  };
}

/** Why no compared value pins the divergence down, with the node it is seen at. */
function notLocated(
  g: Graph,
  target: number,
  mapped: Map<string, ValueComparison>,
  compared: boolean,
): Located {
  if (g.summary.target) {
    const upstream = nearestMapped(g, target, mapped);
    const n = g.summary.graph.nodes[target];
    const call = n.scopes?.length ? n.scopes[n.scopes.length - 1] : null;
    const ops = regionOps(g, upstream.nodes, call ? { path: call[0], call: call[1] } : undefined);
    return {
      found: false,
      reason: 'every compared value before the failing node agrees with PyTorch',
      node: { ...describeNode(g, target, { ops }), via: 'error' },
    };
  }
  const fallback = describeNode(g, target, {});
  return {
    found: false,
    reason: compared
      ? 'no compared value introduces the error (it is spread below the noise floor)'
      : 'no value the output depends on could be compared with PyTorch',
    node: { ...fallback, note: 'the output node; no intermediate value pins the divergence down' },
  };
}

type Call = NonNullable<ProbeSummary['calls']>[number];

/**
 * The module call a compared value belongs to: the call it leaves, or — compared where it enters
 * a call — the innermost call of its producer (none at the top level of the model's forward).
 */
function callOf(g: Graph, at: number, compared: Call | undefined): Call | undefined {
  if (compared?.side !== 'input') return compared;
  const scopes = g.summary.graph.nodes[at].scopes;
  const innermost = scopes?.length ? scopes[scopes.length - 1] : null;
  if (!innermost) return undefined;
  const [path, call] = innermost;
  const type = g.summary.modules.find((m) => m.path === path)?.type ?? '';
  return { path, call, type, calls: 0, outputs: [], values: [] };
}

function inCall(n: ProbeNode, call: { path: string; call: number } | undefined): boolean {
  return !call || (n.scopes ?? []).some(([p, c]) => p === call.path && c === call.call);
}

/** Op types, in graph order, of the region's nodes that belong to the call (constants left out). */
function regionOps(g: Graph, nodes: number[], call: { path: string; call: number } | undefined): string[] {
  const out: string[] = [];
  for (const i of nodes) {
    const n = g.summary.graph.nodes[i];
    if (n.op === 'Constant') continue;
    if (inCall(n, call) && !out.includes(n.op)) out.push(n.op);
  }
  return out;
}

/** Nodes a refinement inside one call exposes at most (the nearest before the node). */
const MAX_REGION = 200;

/**
 * Where to refine when compared module values did not pin a failure down (a crash whose upstream
 * values all agree, or a wrong output no value explains): the innermost module call of node
 * `index` — the model's own `forward` (path "", call 0) when it is in none — and the nodes of
 * that call it depends on, itself included unless it is the node a crash names (a truncated
 * probe cannot hold a node that does not load).
 */
export function regionOfNode(
  summary: ProbeSummary,
  index: number,
  includeSelf: boolean,
): { call: { path: string; call: number }; region: number[] } | null {
  const nodes = summary.graph?.nodes;
  if (!nodes?.[index]) return null;
  const scopes = nodes[index].scopes;
  const innermost = scopes?.length ? scopes[scopes.length - 1] : null;
  const call = innermost ? { path: innermost[0], call: innermost[1] } : { path: '', call: 0 };
  const sameCall = (n: ProbeNode) => {
    const s = n.scopes?.length ? n.scopes[n.scopes.length - 1] : null;
    return innermost ? s?.[0] === call.path && s?.[1] === call.call : !s;
  };
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((v) => v && producer.set(v, i)));
  const g: Graph = { producer, summary: summary as Graph['summary'] };
  const region = [...ancestors(g, index)]
    .filter((i) => (i !== index || includeSelf) && sameCall(nodes[i]))
    .sort((a, b) => a - b)
    .slice(-MAX_REGION);
  return region.length ? { call, region } : null;
}

const SHAPE_OPS = new Set(['Shape', 'Size', 'Constant', 'ConstantOfShape', 'Range']);

/** Values worth exposing in a refinement: outputs of the region's nodes, shape arithmetic left out. */
export function regionValues(summary: ProbeSummary, region: number[]): string[] {
  const nodes = summary.graph?.nodes ?? [];
  const derived = new Set<string>();
  for (const n of nodes)
    if (SHAPE_OPS.has(n.op) || (n.inputs.length && n.inputs.every((v) => !v || derived.has(v))))
      n.outputs.forEach((v) => derived.add(v));
  return region.flatMap((i) => nodes[i].outputs.filter((v) => v && !derived.has(v)));
}

/**
 * Refines a divergence inside its module call with the torch functions the call runs itself
 * (second probe): the diverging node is the first region node whose value no eager function
 * reproduces while every region value it reads does; the function is the first eager one not
 * reproduced by any region value (preferring one of that node's output shape).
 */
export function refineDivergence(
  summary: ProbeSummary,
  run: ProbeRun,
  base: DivergingNode,
  options: Partial<LocateOptions> & {
    /**
     * A value no eager function has the shape of is unknown, not wrong (refining where no compared
     * module value pointed: a call whose one function hides its internals, such as
     * `multi_head_attention_forward`, must not make every inner node look wrong).
     */
    unknownAgrees?: boolean;
  } = {},
): DivergingNode {
  const o = { ...DEFAULT_LOCATE_OPTIONS, ...options };
  const nodes = summary.graph?.nodes ?? [];
  const matches = new Map((run.functions ?? []).map((m) => [m.value, m]));
  const agrees = (v: string) => {
    const m = matches.get(v);
    if (o.unknownAgrees && (!m || m.fn < 0)) return true;
    return (m?.relErr ?? Infinity) <= o.floor;
  };
  const regionSet = new Set(summary.region ?? []);
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((v) => producer.set(v, i)));
  // Nodes on a path of values no eager function reproduces, back from the diverging value.
  const bad = new Set<number>();
  const end = summary.target?.index;
  const stack = end !== undefined && !nodes[end].outputs.every(agrees) ? [end] : [];
  while (stack.length) {
    const i = stack.pop()!;
    if (bad.has(i)) continue;
    bad.add(i);
    for (const v of nodes[i].inputs) {
      const p = producer.get(v);
      if (p !== undefined && regionSet.has(v) && !agrees(v)) stack.push(p);
    }
  }
  let first: number | null = null;
  for (const i of [...bad].sort((a, b) => a - b)) {
    if (nodes[i].inputs.every((v) => !regionSet.has(v) || agrees(v))) {
      first = i;
      break;
    }
  }
  if (first === null) return base;
  const n = nodes[first];
  const reproduced = new Set(
    [...matches.values()].filter((m) => m.relErr <= o.floor && m.fn >= 0).map((m) => m.fn),
  );
  const unmatched = (summary.functions ?? []).filter((f) => !reproduced.has(f.index));
  const shape = matches.get(n.outputs.find((v) => regionSet.has(v)) ?? '')?.shape;
  const sameShape = (f: (typeof unmatched)[number]) =>
    shape !== undefined &&
    f.outputs.some((t) => t.shape.length === shape.length && t.shape.every((d, k) => d === shape[k]));
  // A function named like the node's op (`div` for Div, `layer_norm` for LayerNormalization) first.
  const flat = (x: string) => x.toLowerCase().replace(/[^a-z0-9]/g, '');
  const named = (f: (typeof unmatched)[number]) =>
    flat(f.name).includes(flat(n.op)) || flat(n.op).includes(flat(f.name));
  const fn = unmatched.find((f) => sameShape(f) && named(f)) ?? unmatched.find(sameShape) ?? unmatched[0];
  return {
    ...base,
    node: n.name,
    op: n.op,
    ...(fn ? { function: fn.name } : {}),
    ...(n.source && Object.keys(n.source).length ? { source: n.source } : {}),
  };
}
