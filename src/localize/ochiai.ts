/**
 * Suspicious operators across a run, by spectrum-based fault localization: every case is a test,
 * the operators (and producer→consumer pairs) of its exported graph and of its source model are
 * the "program elements" it covers, newly failing cases are the failing tests. The Ochiai score
 * failing(e) / sqrt(failingTotal · (failing(e) + passing(e))) is 1 for an element in every
 * failing case and no passing one.
 *
 * A localized failing case counts only the operators its failure can come from (a dynamic
 * slice): the diverging node's op, the ops between the last agreeing values and it, and the
 * module/spec operator kind it is in — not every op of a large graph. Passing cases count their
 * whole graph. Operator pairs always count the whole graph. Ties are broken by how many failing
 * cases diverge at the op, then by more failing cases, then by name (deterministic).
 */
import type { CaseResult } from '../results/schema.js';
import type { SuspiciousRow } from './schema.js';

export interface Spectrum {
  id: string;
  failing: boolean;
  /** Elements covered, as `kind:name`. */
  elements: Set<string>;
  /** Op (and module type) of the case's diverging node, when localized. */
  diverging?: string[];
}

const KINDS = ['op', 'pair', 'source', 'source-pair'] as const;
type Kind = (typeof KINDS)[number];

function key(kind: Kind, name: string): string {
  return `${kind}:${name}`;
}

/** The synthetic spec's producer→consumer operator kinds. */
function specPairs(spec: unknown): string[] {
  const s = spec as { nodes?: { op: string; inputs: string[]; outputs: { name: string }[] }[] } | undefined;
  if (!s?.nodes) return [];
  const producer = new Map<string, string>();
  for (const n of s.nodes) for (const o of n.outputs) producer.set(o.name, n.op);
  const pairs = new Set<string>();
  for (const n of s.nodes)
    for (const i of n.inputs) if (producer.has(i)) pairs.add(`${producer.get(i)}→${n.op}`);
  return [...pairs];
}

function sourceKinds(c: CaseResult): string[] {
  if (c.sourceOps) return c.sourceOps;
  return ((c.spec as { nodes?: { op: string }[] } | undefined)?.nodes ?? []).map((n) => n.op);
}

/**
 * What a case covers: ONNX ops and pairs of its graph, source module kinds and spec pairs. With
 * `slice`, a failing case's ops and source kinds are only those its diverging node points at.
 */
export function elementsOf(c: CaseResult, slice = false): Set<string> {
  const out = new Set<string>();
  const d = slice ? c.localization?.divergingNode : undefined;
  const graphOps = new Set(c.opTypes ?? []);
  const sliced = d ? [d.op, ...(d.ops ?? [])].filter((op) => graphOps.has(op)) : [];
  for (const op of sliced.length ? sliced : (c.opTypes ?? [])) out.add(key('op', op));
  for (const [a, b] of c.opPairs ?? []) out.add(key('pair', `${a}→${b}`));
  const kinds = sourceKinds(c);
  const own = d?.moduleType && kinds.includes(d.moduleType) ? [d.moduleType] : kinds;
  for (const s of own) out.add(key('source', s));
  for (const p of specPairs(c.spec)) out.add(key('source-pair', p));
  return out;
}

export function spectrumOf(c: CaseResult, failing: boolean): Spectrum {
  const d = c.localization?.divergingNode;
  return {
    id: c.id,
    failing,
    elements: elementsOf(c, failing),
    ...(d && failing ? { diverging: [d.op, ...(d.moduleType ? [d.moduleType] : [])] } : {}),
  };
}

export interface RankOptions {
  /** Rows returned (default 10). */
  limit?: number;
  /** Elements seen in fewer failing cases are left out (default 1). */
  minFailing?: number;
}

/** Ranks every element covered by a failing case. Empty when there is no failing or no passing case. */
export function rankSuspicious(spectra: Spectrum[], options: RankOptions = {}): SuspiciousRow[] {
  const failingTotal = spectra.filter((s) => s.failing).length;
  const passingTotal = spectra.length - failingTotal;
  if (!failingTotal) return [];
  const counts = new Map<string, { failing: number; passing: number; diverging: number }>();
  for (const s of spectra) {
    for (const e of s.elements) {
      const c = counts.get(e) ?? { failing: 0, passing: 0, diverging: 0 };
      if (s.failing) c.failing++;
      else c.passing++;
      counts.set(e, c);
    }
    if (s.failing) {
      for (const name of new Set(s.diverging ?? [])) {
        for (const kind of ['op', 'source'] as const) {
          const c = counts.get(key(kind, name));
          if (c && s.elements.has(key(kind, name))) c.diverging++;
        }
      }
    }
  }
  const rows: SuspiciousRow[] = [];
  for (const [k, c] of counts) {
    if (c.failing < (options.minFailing ?? 1)) continue;
    const at = k.indexOf(':');
    rows.push({
      kind: k.slice(0, at) as Kind,
      name: k.slice(at + 1),
      score: c.failing / Math.sqrt(failingTotal * (c.failing + c.passing)),
      failing: c.failing,
      failingTotal,
      passing: c.passing,
      passingTotal,
      ...(c.diverging ? { diverging: c.diverging } : {}),
    });
  }
  rows.sort(
    (a, b) =>
      b.score - a.score ||
      (b.diverging ?? 0) - (a.diverging ?? 0) ||
      b.failing - a.failing ||
      KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) ||
      a.name.localeCompare(b.name),
  );
  // Operators first (what the headline names), then the pairs they form.
  const limit = options.limit ?? 10;
  const operators = rows.filter((r) => r.kind === 'op' || r.kind === 'source').slice(0, limit);
  const pairs = rows
    .filter((r) => r.kind === 'pair' || r.kind === 'source-pair')
    .slice(0, Math.ceil(limit / 2));
  return [...operators, ...pairs];
}

/**
 * The run's table: `failing` ids are the newly failing cases (regressions; in a run without a
 * baseline every failure), passing cases are those that are ok; other cases (still failing,
 * reference errors) are left out.
 */
export function suspiciousOperators(
  cases: CaseResult[],
  failing: ReadonlySet<string>,
  options: RankOptions = {},
): SuspiciousRow[] {
  const spectra = cases
    .filter((c) => failing.has(c.id) || (c.outcome === 'ok' && !failing.has(c.id)))
    .map((c) => spectrumOf(c, failing.has(c.id)));
  return rankSuspicious(spectra, options);
}
