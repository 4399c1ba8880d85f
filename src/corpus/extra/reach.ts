/**
 * What the generator has learned about the converters: which spec operators (and variants —
 * the `fn`/`program`/`mode` attribute that selects the PyTorch call) reach which translation
 * functions, per exporter. Learned from results of synthetic cases whose exports recorded their
 * surface calls (docs/coverage.md): every call of a case is credited to the case's operator
 * variants, 1/n each for a case of n variants. Pure; stored as corpus/synthetic-extra/reach.json.
 */
import { z } from 'zod';
import type { ResultsDoc } from '../../results/schema.js';
import { parseSpec, type SyntheticSpec } from '../synthetic/index.js';

export const REACH_VERSION = 1;

export const ReachMap = z.strictObject({
  version: z.literal(REACH_VERSION),
  /** exporter → how many cases taught it, and variant → function → credit. */
  exporters: z.record(
    z.string(),
    z.strictObject({
      cases: z.number().int().nonnegative(),
      variants: z.record(z.string(), z.record(z.string(), z.number().nonnegative())),
    }),
  ),
});
export type ReachMap = z.infer<typeof ReachMap>;

export function emptyReach(): ReachMap {
  return { version: REACH_VERSION, exporters: {} };
}

/** The attribute that selects the PyTorch call of an operator kind, when it has one. */
const SELECTORS = ['fn', 'program', 'mode', 'equation'] as const;

/** `kind` or `kind:variant` (e.g. `norm:linalg_matrix_norm`, `interpolate:bicubic`). */
export function variantKey(node: { op: string; attrs: Record<string, unknown> }): string {
  for (const k of SELECTORS) {
    const v = node.attrs[k];
    if (typeof v === 'string') return `${node.op}:${v}`;
  }
  return node.op;
}

export function kindOfVariant(key: string): string {
  const i = key.indexOf(':');
  return i < 0 ? key : key.slice(0, i);
}

function specOf(c: ResultsDoc['cases'][number]): SyntheticSpec | null {
  if (c.kind !== 'synthetic' || !c.spec) return null;
  try {
    return parseSpec(c.spec);
  } catch {
    return null;
  }
}

/** Adds what these results show to the map (a new map is returned). */
export function learnReach(map: ReachMap, docs: readonly ResultsDoc[]): ReachMap {
  const out: ReachMap = JSON.parse(JSON.stringify(map)) as ReachMap;
  for (const doc of docs) {
    const exporter = doc.surface?.measured ? doc.surface.exporter : undefined;
    if (!exporter) continue;
    const slot = (out.exporters[exporter] ??= { cases: 0, variants: {} });
    for (const c of doc.cases) {
      const spec = specOf(c);
      if (!spec || !c.surface || c.outcome === 'reference-error') continue;
      const variants = [...new Set(spec.nodes.map(variantKey))];
      const fns = new Set(c.surface.calls.map((call) => call[0]));
      slot.cases++;
      for (const v of variants) {
        const row = (slot.variants[v] ??= {});
        for (const fn of fns) row[fn] = round((row[fn] ?? 0) + 1 / variants.length);
      }
    }
  }
  return sortReach(out);
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function sortReach(map: ReachMap): ReachMap {
  const sortObj = <T>(o: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const exporters: ReachMap['exporters'] = {};
  for (const [e, slot] of Object.entries(sortObj(map.exporters)))
    exporters[e] = {
      cases: slot.cases,
      variants: Object.fromEntries(
        Object.entries(sortObj(slot.variants)).map(([v, row]) => [v, sortObj(row)]),
      ),
    };
  return { version: REACH_VERSION, exporters };
}

/** Operator variants most likely to reach `fn` on `exporter`, best first (credit ≥ minCredit). */
export function variantsReaching(map: ReachMap, exporter: string, fn: string, minCredit = 0.2): string[] {
  const slot = map.exporters[exporter];
  if (!slot) return [];
  return Object.entries(slot.variants)
    .map(([v, row]) => [v, row[fn] ?? 0] as const)
    .filter(([, credit]) => credit >= minCredit)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([v]) => v);
}
