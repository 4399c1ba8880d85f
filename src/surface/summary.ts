/**
 * Surface coverage of a run: covered / registered translation functions, per area, with the
 * variants seen (implementations, input kinds) -- computed from the cases' recorded calls and the
 * registry in results.json. Pure.
 */
import type { CaseResult, ResultsDoc } from '../results/schema.js';
import { AREAS, areaOf } from './areas.js';
import type { RunSurface } from './schema.js';

export interface AreaCoverage {
  id: string;
  title: string;
  registered: number;
  covered: number;
  /** Registered functions no case ran, sorted. */
  uncovered: string[];
  /** Why the area cannot be reached by design (excluded from the reachable denominator). */
  unreachable?: string;
}

export interface SurfaceSummary {
  exporter: string;
  unit: string;
  /** Registered dispatch keys, and how many of them ran in at least one case. */
  registered: number;
  covered: number;
  /** Of those, how many ran in a case whose outcome is ok. */
  coveredOk: number;
  /** The same, leaving out areas that are unreachable by design (docs/coverage.md). */
  reachable: { registered: number; covered: number };
  /** Distinct implementations (opset versions / torchlib functions) registered and run. */
  implementations: { registered: number; covered: number };
  /** Distinct (function, input kinds) pairs seen: how varied the covered calls were. */
  variants: number;
  areas: AreaCoverage[];
  /** Dispatched keys the registry has no function for (the converter's gaps the corpus hit). */
  unregistered: { name: string; cases: number }[];
  /** Cases whose export reported calls. */
  cases: number;
}

export type SurfaceStatus = { measured: true; summary: SurfaceSummary } | { measured: false; reason: string };

/** Per function: the cases that ran it and the variants seen. */
export interface FunctionUse {
  cases: Set<string>;
  okCases: number;
  impls: Set<string>;
  signatures: Set<string>;
}

export function functionUses(cases: readonly CaseResult[]): Map<string, FunctionUse> {
  const uses = new Map<string, FunctionUse>();
  for (const c of cases) {
    if (!c.surface) continue;
    const seen = new Set<string>();
    for (const [name, impl, signature] of c.surface.calls) {
      let u = uses.get(name);
      if (!u) uses.set(name, (u = { cases: new Set(), okCases: 0, impls: new Set(), signatures: new Set() }));
      if (!seen.has(name)) {
        seen.add(name);
        u.cases.add(c.id);
        if (c.outcome === 'ok') u.okCases++;
      }
      if (impl !== null) u.impls.add(impl);
      u.signatures.add(signature);
    }
  }
  return uses;
}

/** The surface coverage of a results document, or why it is not measured. */
export function surfaceStatus(doc: Pick<ResultsDoc, 'surface' | 'cases'>): SurfaceStatus {
  const s: RunSurface | undefined = doc.surface;
  if (!s) return { measured: false, reason: 'the results predate surface recording' };
  if (!s.measured) return { measured: false, reason: s.reason ?? 'not measured' };
  if (!s.registered)
    return {
      measured: false,
      reason: `the converter's registry is unknown (${s.reason ?? 'no worker reported it'})`,
    };
  return { measured: true, summary: summarizeSurface(s, doc.cases) };
}

export function summarizeSurface(s: RunSurface, cases: readonly CaseResult[]): SurfaceSummary {
  const registry = s.registered ?? {};
  const uses = functionUses(cases);
  const names = Object.keys(registry).sort();
  const byArea = new Map<string, AreaCoverage>();
  let covered = 0;
  let coveredOk = 0;
  let reachableRegistered = 0;
  let reachableCovered = 0;
  let implRegistered = 0;
  let implCovered = 0;
  let variants = 0;
  for (const name of names) {
    const area = areaOf(name);
    let a = byArea.get(area.id);
    if (!a)
      byArea.set(
        area.id,
        (a = {
          id: area.id,
          title: area.title,
          registered: 0,
          covered: 0,
          uncovered: [],
          ...(area.unreachable ? { unreachable: area.unreachable } : {}),
        }),
      );
    a.registered++;
    const impls = new Set(registry[name]);
    implRegistered += impls.size;
    const u = uses.get(name);
    if (!area.unreachable) reachableRegistered++;
    if (u) {
      covered++;
      a.covered++;
      if (u.okCases > 0) coveredOk++;
      if (!area.unreachable) reachableCovered++;
      implCovered += [...u.impls].filter((i) => impls.has(i)).length;
      variants += u.signatures.size;
    } else {
      a.uncovered.push(name);
    }
  }
  const order = new Map(AREAS.map((a, i) => [a.id, i]));
  const unregistered = [...uses.entries()]
    .filter(([name]) => !(name in registry))
    .map(([name, u]) => ({ name, cases: u.cases.size }))
    .sort((x, y) => y.cases - x.cases || x.name.localeCompare(y.name));
  return {
    exporter: s.exporter ?? 'unknown',
    unit: s.unit ?? 'function',
    registered: names.length,
    covered,
    coveredOk,
    reachable: { registered: reachableRegistered, covered: reachableCovered },
    implementations: { registered: implRegistered, covered: implCovered },
    variants,
    areas: [...byArea.values()].sort((x, y) => order.get(x.id)! - order.get(y.id)!),
    unregistered,
    cases: cases.filter((c) => c.surface).length,
  };
}

export function percent(covered: number, total: number): string {
  return total ? `${((100 * covered) / total).toFixed(1)}%` : '—';
}

/** "212/378 symbolic functions (56.1%); reachable 212/351 (60.4%)" */
export function surfaceLine(s: SurfaceSummary): string {
  const reach =
    s.reachable.registered !== s.registered
      ? `; reachable ${s.reachable.covered}/${s.reachable.registered} (${percent(s.reachable.covered, s.reachable.registered)})`
      : '';
  return `${s.covered}/${s.registered} ${s.unit}s (${percent(s.covered, s.registered)})${reach}`;
}

/** Areas with the most uncovered reachable functions first (the gaps worth filling). */
export function largestGaps(s: SurfaceSummary, n = 10): AreaCoverage[] {
  return [...s.areas]
    .filter((a) => a.uncovered.length)
    .sort((x, y) => y.uncovered.length - x.uncovered.length || x.id.localeCompare(y.id))
    .slice(0, n);
}
