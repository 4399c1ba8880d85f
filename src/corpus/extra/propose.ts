/**
 * `convgate generate --target uncovered`: cases for the translation functions a corpus misses.
 * For every uncovered function of every measured exporter, the operator variants that reached it
 * before (the reach map) get a few small graphs each; functions no variant is known to reach get
 * exploration graphs of every operator kind the map has not seen yet. Deterministic in its inputs.
 */
import type { CaseDef } from '../schema.js';
import type { ResultsDoc } from '../../results/schema.js';
import { OPERATORS, generateSpec, specToCase, type SyntheticSpec } from '../synthetic/index.js';
import { areaOf } from '../../surface/areas.js';
import { functionUses } from '../../surface/summary.js';
import { kindOfVariant, variantKey, variantsReaching, type ReachMap } from './reach.js';

export const CANDIDATE_FAMILY = 'coverage-candidate';

export interface Gap {
  exporter: string;
  /** Reachable registered functions no case of the results ran. */
  uncovered: string[];
}

/** The reachable functions the results leave uncovered, per exporter (runs of one exporter pooled). */
export function gapsOf(docs: readonly ResultsDoc[]): Gap[] {
  const by = new Map<string, { registered: Set<string>; cases: ResultsDoc['cases'] }>();
  for (const doc of docs) {
    const s = doc.surface;
    if (!s?.measured || !s.registered || !s.exporter) continue;
    const slot = by.get(s.exporter) ?? { registered: new Set<string>(), cases: [] };
    for (const fn of Object.keys(s.registered)) slot.registered.add(fn);
    slot.cases.push(...doc.cases);
    by.set(s.exporter, slot);
  }
  return [...by.entries()].map(([exporter, slot]) => {
    const used = functionUses(slot.cases);
    const uncovered = [...slot.registered].filter((fn) => !used.has(fn) && !areaOf(fn).unreachable).sort();
    return { exporter, uncovered };
  });
}

export interface ProposeOptions {
  gaps: readonly Gap[];
  reach: ReachMap;
  /** Generator seed of the candidates (their specs are syn-<seed>-<index>). */
  seed: number;
  /** Graphs per targeted operator variant. */
  perVariant?: number;
  /** At most this many candidates. */
  budget?: number;
}

export interface Proposal {
  cases: CaseDef[];
  /** Candidate id → what it is for: `<exporter> <function>` targets, or `explore <kind>`. */
  targets: Record<string, string[]>;
}

function specHas(spec: SyntheticSpec, variant: string): boolean {
  return spec.nodes.some((n) => variantKey(n) === variant || n.op === variant);
}

/**
 * Graphs using `variant` (its kind only, 1–3 nodes), searched over seeds: `count` of them for a
 * specific variant; for a bare kind (exploration), one per distinct variant found (at least
 * `count`), so every `fn` of a multi-purpose operator gets tried.
 */
function graphsFor(variant: string, seed: number, start: number, count: number): SyntheticSpec[] {
  const kind = kindOfVariant(variant);
  const explore = kind === variant;
  const out: SyntheticSpec[] = [];
  const seen = new Set<string>();
  const tries = explore ? count * 40 : count * 12;
  for (let index = start; index < start + tries; index++) {
    let spec: SyntheticSpec;
    try {
      spec = generateSpec(seed, index, {
        ops: [kind],
        minNodes: 1,
        maxNodes: 3,
        knownIssues: 'include',
        library: 'full',
      });
    } catch {
      continue;
    }
    if (!specHas(spec, variant)) continue;
    const fresh = spec.nodes.map(variantKey).filter((v) => !seen.has(v));
    if (explore ? fresh.length === 0 && out.length >= count : false) continue;
    fresh.forEach((v) => seen.add(v));
    out.push(spec);
    if (!explore && out.length >= count) break;
  }
  return out;
}

/**
 * Input kinds the extra corpus must feed (issue: uint8/int8/int16 inputs, channels-last and
 * non-contiguous layouts, bfloat16 inside the graph), with operators that can take them.
 */
export const INPUT_KINDS: Record<string, string[]> = {
  'dtype:uint8': ['int_arith', 'bitwise_left_shift', 'bitwise_right_shift'],
  'dtype:int8': ['int_arith', 'bitwise_left_shift', 'bitwise_right_shift'],
  'dtype:int16': ['int_arith', 'bitwise_left_shift', 'bitwise_right_shift'],
  'layout:channels-last': ['pool_ext', 'pad_direct', 'copy_like', 'conv_ext'],
  'layout:non-contiguous': ['relu', 'add', 'matmul', 'softmax', 'copy_like'],
  'internal:bfloat16': ['bf16_roundtrip'],
};

/** The input kinds (keys of INPUT_KINDS) a spec feeds. */
export function inputKinds(spec: SyntheticSpec): string[] {
  const out = new Set<string>();
  for (const i of spec.inputs) {
    if (`dtype:${i.dtype}` in INPUT_KINDS) out.add(`dtype:${i.dtype}`);
    if (i.layout) out.add(`layout:${i.layout}`);
  }
  if (spec.nodes.some((n) => n.op === 'bf16_roundtrip')) out.add('internal:bfloat16');
  return [...out].sort();
}

/** A few graphs feeding each input kind (searched over seeds; opset 13+ for bfloat16 casts). */
function inputKindGraphs(seed: number, start: number, per: number): { spec: SyntheticSpec; kind: string }[] {
  const out: { spec: SyntheticSpec; kind: string }[] = [];
  let index = start;
  for (const [kind, ops] of Object.entries(INPUT_KINDS)) {
    let found = 0;
    for (let tries = 0; found < per && tries < 400; tries++, index++) {
      let spec: SyntheticSpec;
      try {
        spec = generateSpec(seed, index, {
          ops,
          minNodes: 1,
          maxNodes: 2,
          library: 'full',
          opsets: [13, 14, 15, 16, 17],
          knownIssues: 'avoid',
        });
      } catch {
        continue;
      }
      if (!inputKinds(spec).includes(kind)) continue;
      out.push({ spec, kind });
      found++;
    }
  }
  return out;
}

export function proposeCandidates(o: ProposeOptions): Proposal {
  const per = o.perVariant ?? 3;
  const budget = o.budget ?? 400;
  const wanted = new Map<string, string[]>(); // variant → targets
  const unknown: string[] = [];
  for (const gap of o.gaps)
    for (const fn of gap.uncovered) {
      const vs = variantsReaching(o.reach, gap.exporter, fn).slice(0, 3);
      if (!vs.length) unknown.push(`${gap.exporter} ${fn}`);
      for (const v of vs) wanted.set(v, [...(wanted.get(v) ?? []), `${gap.exporter} ${fn}`]);
    }
  // Exploration: every operator kind no exporter's map has seen yet.
  const seen = new Set(
    Object.values(o.reach.exporters).flatMap((e) => Object.keys(e.variants).map(kindOfVariant)),
  );
  if (unknown.length)
    for (const op of OPERATORS)
      if (!seen.has(op.kind) && !wanted.has(op.kind)) wanted.set(op.kind, [`explore ${op.kind}`]);

  const cases: CaseDef[] = [];
  const targets: Record<string, string[]> = {};
  // Most-wanted variants first (they serve the most uncovered functions).
  const explores = (why: string[]) => why.every((w) => w.startsWith('explore '));
  const order = [...wanted.entries()].sort(
    (a, b) =>
      Number(explores(a[1])) - Number(explores(b[1])) || b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1),
  );
  let index = 0;
  for (const [variant, why] of order) {
    for (const spec of graphsFor(variant, o.seed, index, per)) {
      if (cases.length >= budget) break;
      const c = specToCase(spec);
      const id = `cand-${o.seed}-${spec.index}`;
      cases.push({ ...c, id, family: CANDIDATE_FAMILY });
      targets[id] = why;
    }
    index += per * 40;
    if (cases.length >= budget) break;
  }
  // Input kinds: always a few candidates each (they add no functions, but the corpus must feed them).
  for (const { spec, kind } of inputKindGraphs(o.seed + 1, 0, Math.max(2, Math.ceil(per / 2)))) {
    const id = `cand-${o.seed + 1}-${spec.index}`;
    cases.push({ ...specToCase(spec), id, family: CANDIDATE_FAMILY });
    targets[id] = [`input ${kind}`];
  }
  return { cases, targets };
}
