/**
 * Coverage of a corpus: operator kinds, operator pairs (producer → consumer edges), dtypes and
 * ranks. For synthetic specs it is computed from the specs; for real models from the ONNX op
 * types (and, when the worker reports them, ONNX producer → consumer op-type pairs).
 */
import { OPERATORS } from './operators.js';
import type { SyntheticSpec } from './spec.js';

export interface Coverage {
  /** Occurrences per operator kind. */
  opKinds: Record<string, number>;
  /** Occurrences per producer→consumer pair, keyed `producer>consumer`. */
  opPairs: Record<string, number>;
  /** Tensors per dtype (inputs and every intermediate). */
  dtypes: Record<string, number>;
  /** Tensors per rank. */
  ranks: Record<string, number>;
  /** Cases counted. */
  cases: number;
  /** Known operator kinds never seen (synthetic: of the library; ONNX: of the list given). */
  missingKinds?: string[];
  /** Size of the operator universe the kinds are counted against (synthetic library). */
  totalKinds?: number;
}

export const PAIR_SEPARATOR = '>';

function bump(m: Map<string, number>, k: string, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

function sorted(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Coverage of synthetic specs (pairs: an output of node A feeds node B). */
export function coverageOfSpecs(specs: readonly SyntheticSpec[]): Coverage {
  const kinds = new Map<string, number>();
  const pairs = new Map<string, number>();
  const dtypes = new Map<string, number>();
  const ranks = new Map<string, number>();
  for (const spec of specs) {
    const producer = new Map<string, string>();
    for (const i of spec.inputs) {
      bump(dtypes, i.dtype);
      bump(ranks, String(i.shape.length));
    }
    for (const n of spec.nodes) {
      bump(kinds, n.op);
      for (const name of new Set(n.inputs)) {
        const p = producer.get(name);
        if (p) bump(pairs, `${p}${PAIR_SEPARATOR}${n.op}`);
      }
      for (const o of n.outputs) {
        producer.set(o.name, n.op);
        bump(dtypes, o.dtype);
        bump(ranks, String(o.shape.length));
      }
    }
  }
  return {
    opKinds: sorted(kinds),
    opPairs: sorted(pairs),
    dtypes: sorted(dtypes),
    ranks: sorted(ranks),
    cases: specs.length,
    missingKinds: OPERATORS.map((o) => o.kind).filter((k) => !kinds.has(k)),
    totalKinds: OPERATORS.length,
  };
}

/** What the worker reports about an exported ONNX graph. */
export interface OnnxGraphSummary {
  opTypes: readonly string[];
  /** [producerOpType, consumerOpType] edges (deduplicated per model or not, counted as given). */
  opPairs?: readonly (readonly [string, string])[];
  /** Optional: dtypes and ranks of graph tensors when known. */
  dtypes?: readonly string[];
  ranks?: readonly number[];
}

/**
 * Coverage of real models from their exported ONNX graphs: op kinds = ONNX op types (counted once
 * per model), pairs when the worker reported edges. Accepts plain op-type lists too.
 */
export function coverageOfOnnx(models: readonly (readonly string[] | OnnxGraphSummary)[]): Coverage {
  const kinds = new Map<string, number>();
  const pairs = new Map<string, number>();
  const dtypes = new Map<string, number>();
  const ranks = new Map<string, number>();
  for (const m of models) {
    const g: OnnxGraphSummary = Array.isArray(m)
      ? { opTypes: m as readonly string[] }
      : (m as OnnxGraphSummary);
    for (const t of new Set(g.opTypes)) bump(kinds, t);
    for (const [p, c] of g.opPairs ?? []) bump(pairs, `${p}${PAIR_SEPARATOR}${c}`);
    for (const d of g.dtypes ?? []) bump(dtypes, d);
    for (const r of g.ranks ?? []) bump(ranks, String(r));
  }
  return {
    opKinds: sorted(kinds),
    opPairs: sorted(pairs),
    dtypes: sorted(dtypes),
    ranks: sorted(ranks),
    cases: models.length,
  };
}

/** One-line summary, e.g. for a report table. */
export function summarizeCoverage(c: Coverage): {
  opKinds: number;
  totalKinds: number | null;
  opPairs: number;
  dtypes: string[];
  ranks: number[];
} {
  return {
    opKinds: Object.keys(c.opKinds).length,
    totalKinds: c.totalKinds ?? null,
    opPairs: Object.keys(c.opPairs).length,
    dtypes: Object.keys(c.dtypes),
    ranks: Object.keys(c.ranks)
      .map(Number)
      .sort((a, b) => a - b),
  };
}
