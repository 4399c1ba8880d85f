/**
 * `convgate generate --keep`: which candidates join corpus/synthetic-extra. Greedy set cover over
 * (exporter, function) pairs the baseline runs leave uncovered: take the candidate that adds the
 * most, then the next against what is covered by then, until nothing adds coverage. Candidates
 * that converted and passed on every exporter are then packed together into larger graphs (one
 * export instead of many: the default corpus grows in coverage, not in time); the others stay
 * alone, so one converter's crash does not hide what the rest of a graph covers on it.
 */
import type { CaseDef } from '../schema.js';
import type { ResultsDoc } from '../../results/schema.js';
import {
  parseSpec,
  specToCase,
  SPEC_VERSION,
  type SpecNode,
  type SyntheticSpec,
} from '../synthetic/index.js';
import { areaOf } from '../../surface/areas.js';
import { functionUses } from '../../surface/summary.js';
import { INPUT_KINDS, inputKinds } from './propose.js';

export const EXTRA_FAMILY = 'synthetic-extra';

export interface Chosen {
  id: string;
  spec: SyntheticSpec;
  /** `<exporter> <function>` pairs it adds, at the time it was chosen. */
  adds: string[];
  /** Converted and ok on every exporter's candidate run. */
  okEverywhere: boolean;
  /** The exporters whose candidate run was ok. */
  okOn: string[];
}

function coveredPairs(docs: readonly ResultsDoc[]): Set<string> {
  const out = new Set<string>();
  for (const d of docs) {
    if (!d.surface?.measured || !d.surface.exporter) continue;
    for (const fn of functionUses(d.cases).keys()) out.add(`${d.surface.exporter} ${fn}`);
  }
  return out;
}

function registeredPairs(docs: readonly ResultsDoc[]): Set<string> {
  const out = new Set<string>();
  for (const d of docs) {
    const s = d.surface;
    if (!s?.measured || !s.registered || !s.exporter) continue;
    for (const fn of Object.keys(s.registered)) if (!areaOf(fn).unreachable) out.add(`${s.exporter} ${fn}`);
  }
  return out;
}

/** Greedy selection of the candidates that add coverage over the baselines. */
export function selectCandidates(
  baselines: readonly ResultsDoc[],
  candidates: readonly ResultsDoc[],
): Chosen[] {
  const wanted = registeredPairs([...baselines, ...candidates]);
  const covered = coveredPairs(baselines);
  // Candidate id → pairs it reaches, its spec, and whether every exporter passed it.
  const info = new Map<
    string,
    { pairs: Set<string>; spec: SyntheticSpec; ok: boolean; okOn: string[]; nodes: number }
  >();
  for (const d of candidates) {
    const exporter = d.surface?.measured ? d.surface.exporter : undefined;
    if (!exporter) continue;
    for (const c of d.cases) {
      if (!c.spec || c.outcome === 'reference-error' || c.outcome === 'unsupported') continue;
      let spec: SyntheticSpec;
      try {
        spec = parseSpec(c.spec);
      } catch {
        continue;
      }
      const slot = info.get(c.id) ?? {
        pairs: new Set<string>(),
        spec,
        ok: true,
        okOn: [],
        nodes: spec.nodes.length,
      };
      for (const [fn] of c.surface?.calls ?? []) slot.pairs.add(`${exporter} ${fn}`);
      slot.ok &&= c.outcome === 'ok';
      if (c.outcome === 'ok') slot.okOn.push(exporter);
      info.set(c.id, slot);
    }
  }
  const chosen: Chosen[] = [];
  const take = (id: string, adds: string[]) => {
    const c = info.get(id)!;
    chosen.push({ id, spec: c.spec, adds, okEverywhere: c.ok, okOn: [...c.okOn].sort() });
    for (const p of adds) covered.add(p);
    info.delete(id);
  };
  for (;;) {
    let best: { id: string; adds: string[]; nodes: number } | null = null;
    for (const [id, c] of info) {
      const adds = [...c.pairs].filter((p) => wanted.has(p) && !covered.has(p)).sort();
      if (!adds.length) continue;
      // More new pairs first; then cases that pass everywhere; then smaller graphs; then id.
      const better =
        !best ||
        adds.length > best.adds.length ||
        (adds.length === best.adds.length &&
          ((c.ok && !info.get(best.id)!.ok) ||
            (c.ok === info.get(best.id)!.ok &&
              (c.nodes < best.nodes || (c.nodes === best.nodes && id < best.id)))));
      if (better) best = { id, adds, nodes: c.nodes };
    }
    if (!best) break;
    take(best.id, best.adds);
  }
  // Input kinds the baselines and the chosen cases do not feed yet: the candidate feeding one that
  // passes on the most exporters (then the smallest graph).
  const fed = new Set<string>(
    [...baselineSpecs(baselines), ...chosen.map((c) => c.spec)].flatMap(inputKinds),
  );
  for (const kind of Object.keys(INPUT_KINDS)) {
    if (fed.has(kind)) continue;
    const best = [...info.entries()]
      .filter(([, c]) => inputKinds(c.spec).includes(kind))
      .sort(
        ([ia, a], [ib, b]) => b.okOn.length - a.okOn.length || a.nodes - b.nodes || (ia < ib ? -1 : 1),
      )[0];
    if (!best) continue;
    take(best[0], [`input ${kind}`]);
    inputKinds(best[1].spec).forEach((k) => fed.add(k));
  }
  return chosen;
}

function baselineSpecs(docs: readonly ResultsDoc[]): SyntheticSpec[] {
  const out: SyntheticSpec[] = [];
  for (const d of docs)
    for (const c of d.cases) {
      if (!c.spec) continue;
      try {
        out.push(parseSpec(c.spec));
      } catch {
        // a results file from another generator version
      }
    }
  return out;
}

export interface PackOptions {
  /** Nodes per packed graph at most. */
  maxNodes?: number;
  /** Graph inputs per packed graph at most. */
  maxInputs?: number;
  /** Seed recorded in the packed specs (their parameters are seeded by case id, see below). */
  seed: number;
  /** First extra index (after the cases the extra corpus already has). */
  start: number;
}

/** One graph made of several independent ones (inputs and tensors renamed, nodes concatenated). */
export function packSpecs(specs: readonly SyntheticSpec[], seed: number, index: number): SyntheticSpec {
  const inputs: SyntheticSpec['inputs'] = [];
  const nodes: SpecNode[] = [];
  const outputs: string[] = [];
  let t = 0;
  for (const s of specs) {
    const rename = new Map<string, string>();
    for (const i of s.inputs) {
      const name = `x${inputs.length}`;
      rename.set(i.name, name);
      inputs.push({ ...i, name, dynamicAxes: {} });
    }
    for (const n of s.nodes) {
      const outs = n.outputs.map((o) => {
        const name = `t${t++}`;
        rename.set(o.name, name);
        return { ...o, name };
      });
      nodes.push({ ...n, inputs: n.inputs.map((x) => rename.get(x)!), outputs: outs });
    }
    outputs.push(...s.outputs.map((o) => rename.get(o)!));
  }
  return {
    version: SPEC_VERSION,
    seed,
    index,
    inputs,
    dims: {},
    nodes,
    outputs,
    export: {
      opset: Math.max(...specs.map((s) => s.export.opset)),
      dynamicAxes: false,
      constantFolding: specs[0]!.export.constantFolding,
    },
  };
}

/**
 * A candidate can share a graph when everything it adds was added by a run it passed: packed
 * with candidates that pass on the same exporters, a failure elsewhere cannot hide what it covers.
 */
function packable(c: Chosen): boolean {
  if (c.spec.export.dynamicAxes) return false;
  const exporters = new Set(
    c.adds.filter((p) => !p.startsWith('input ')).map((p) => p.slice(0, p.indexOf(' '))),
  );
  return [...exporters].every((e) => c.okOn.includes(e));
}

/**
 * The extra cases of the chosen candidates: packable ones (see above) packed together by the
 * exporters they pass on, the rest alone. Ids `extra-<index>`, family synthetic-extra.
 */
export function extraCases(chosen: readonly Chosen[], o: PackOptions): CaseDef[] {
  const maxNodes = o.maxNodes ?? 12;
  const maxInputs = o.maxInputs ?? 8;
  const alone = chosen.filter((c) => !packable(c));
  const byOk = new Map<string, SyntheticSpec[]>();
  for (const c of chosen.filter(packable)) {
    const key = c.okOn.join(',');
    byOk.set(key, [...(byOk.get(key) ?? []), c.spec]);
  }
  const groups: SyntheticSpec[][] = [];
  const size = (g: SyntheticSpec[]) =>
    [g.reduce((n, s) => n + s.nodes.length, 0), g.reduce((n, s) => n + s.inputs.length, 0)] as const;
  for (const key of [...byOk.keys()].sort().reverse()) {
    let cur: SyntheticSpec[] = [];
    for (const spec of byOk.get(key)!) {
      const [n, i] = size([...cur, spec]);
      if (cur.length && (n > maxNodes || i > maxInputs)) {
        groups.push(cur);
        cur = [];
      }
      cur.push(spec);
    }
    if (cur.length) groups.push(cur);
  }
  const out: CaseDef[] = [];
  let index = o.start;
  for (const g of groups)
    out.push(
      asExtra(g.length === 1 ? { ...g[0]!, seed: o.seed, index } : packSpecs(g, o.seed, index), index++),
    );
  for (const c of alone) out.push(asExtra({ ...c.spec, seed: o.seed, index }, index++));
  return out;
}

function asExtra(spec: SyntheticSpec, index: number): CaseDef {
  const c = specToCase(spec);
  const ops = [...new Set(spec.nodes.map((n) => n.op))];
  return {
    ...c,
    id: `extra-${index}`,
    family: EXTRA_FAMILY,
    description: `${spec.nodes.length} node(s): ${ops.join(', ')}`,
  };
}
