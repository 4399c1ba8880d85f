/**
 * Suspicious operators across a run, by spectrum-based fault localization: every case is a test,
 * the operators (and producer→consumer pairs) of its exported graph and of its source model are
 * the "program elements" it covers, newly failing cases are the failing tests. The Ochiai score
 * failing(e) / sqrt(failingTotal · (failing(e) + passing(e))) is 1 for an element in every
 * failing case and no passing one.
 *
 * The converter's own functions count too, from the coverage record of every export
 * (`surface.calls`, docs/coverage.md): the function (`aten::div`) and the function with the dtype
 * kinds of its inputs (`aten::div(int, int)`). They see what module classes cannot: a functional
 * operator inside a real model's `forward` (`a / b`), and the input types that decide which branch
 * of a translation runs.
 *
 * A localized failing case counts only the operators its failure can come from (a dynamic
 * slice): the diverging node's op, the ops between the last agreeing values and it, the
 * module/spec operator kind it is in and the converter functions of the torch function or aten
 * operator it names — not every op of a large graph. Passing cases count their whole graph.
 * Operator pairs always count the whole graph. Ties are broken by how many failing cases diverge
 * at the op, then by more failing cases, then by name (deterministic).
 */
import type { CaseResult } from '../results/schema.js';
import type { SurfaceCall } from '../surface/schema.js';
import type { DivergingNode, SuspiciousRow } from './schema.js';

export interface Spectrum {
  id: string;
  failing: boolean;
  /** Elements covered, as `kind:name`. */
  elements: Set<string>;
  /** Op (and module type) of the case's diverging node, when localized. */
  diverging?: string[];
  /** Elements (`kind:name`) the diverging node points at besides `diverging` (converter functions). */
  divergingElements?: string[];
}

const KINDS = ['op', 'converter', 'converter-variant', 'source', 'pair', 'source-pair'] as const;
type Kind = (typeof KINDS)[number];

/** Row kinds that name an operator (the others are producer→consumer pairs). */
export function isOperatorKind(kind: string): boolean {
  return kind !== 'pair' && kind !== 'source-pair';
}

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

/** `float32/2` → `float`, `int64/0` → `int`, `none` → `none`: an input's kind without rank or width. */
export function inputKind(kind: string): string {
  const t = kind.split('/')[0].trim().toLowerCase();
  if (/^u?int\d*$|^long$|^short$|^char$|^byte$/.test(t)) return 'int';
  if (/^b?float\d*$|^half$|^double$|^bfloat16$/.test(t)) return 'float';
  if (/^complex\d*$/.test(t)) return 'complex';
  return t.replace(/[^\w.]/g, '').slice(0, 30) || '?';
}

/** A converter call's two elements: the function and the function with its input kinds. */
export function converterElements(call: readonly [string, string | null, string]): [string, string] {
  const [name, , kinds] = call;
  const ins = kinds ? kinds.split(',').map(inputKind) : [];
  return [key('converter', name), key('converter-variant', `${name}(${ins.join(', ')})`)];
}

/** `aten::div` → `div`: the operator a converter function translates. */
function operatorOf(name: string): string {
  return name.slice(name.lastIndexOf(':') + 1).replace(/_$/, '');
}

/**
 * The converter calls a failing case's divergence points at: those of the torch function it names
 * (`permute()` → `aten::permute`) or the aten operator a crash names (`aten::embedding`).
 */
function slicedCalls(c: CaseResult, d: DivergingNode | undefined): SurfaceCall[] {
  const calls = c.surface?.calls ?? [];
  if (!d) return [];
  const wanted = new Set(
    [d.function, d.op.includes('::') ? d.op : undefined].flatMap((n) => (n ? [operatorOf(n)] : [])),
  );
  return calls.filter((call) => wanted.has(operatorOf(call[0])));
}

/**
 * What a case covers: ONNX ops and pairs of its graph, the converter functions its export ran,
 * source module kinds and spec pairs. With `slice`, a failing case's ops, converter functions and
 * source kinds are only those its diverging node points at (all of them when it points at none).
 */
export function elementsOf(c: CaseResult, slice = false): Set<string> {
  const out = new Set<string>();
  const d = slice ? c.localization?.divergingNode : undefined;
  const graphOps = new Set(c.opTypes ?? []);
  const sliced = d ? [d.op, ...(d.ops ?? [])].filter((op) => graphOps.has(op)) : [];
  for (const op of sliced.length ? sliced : (c.opTypes ?? [])) out.add(key('op', op));
  const calls = slicedCalls(c, d);
  for (const call of calls.length ? calls : (c.surface?.calls ?? []))
    for (const e of converterElements(call)) out.add(e);
  for (const [a, b] of c.opPairs ?? []) out.add(key('pair', `${a}→${b}`));
  const kinds = sourceKinds(c);
  const own = d?.moduleType && kinds.includes(d.moduleType) ? [d.moduleType] : kinds;
  for (const s of own) out.add(key('source', s));
  for (const p of specPairs(c.spec)) out.add(key('source-pair', p));
  return out;
}

export function spectrumOf(c: CaseResult, failing: boolean): Spectrum {
  const d = c.localization?.divergingNode;
  const calls = failing ? slicedCalls(c, d) : [];
  return {
    id: c.id,
    failing,
    elements: elementsOf(c, failing),
    ...(d && failing ? { diverging: [d.op, ...(d.moduleType ? [d.moduleType] : [])] } : {}),
    ...(calls.length ? { divergingElements: [...new Set(calls.flatMap(converterElements))] } : {}),
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
      const at = new Set([
        ...(s.diverging ?? []).flatMap((name) => [key('op', name), key('source', name)]),
        ...(s.divergingElements ?? []),
      ]);
      for (const e of at) {
        const c = counts.get(e);
        if (c && s.elements.has(e)) c.diverging++;
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
  const operators = rows.filter((r) => isOperatorKind(r.kind)).slice(0, limit);
  const pairs = rows.filter((r) => !isOperatorKind(r.kind)).slice(0, Math.ceil(limit / 2));
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
