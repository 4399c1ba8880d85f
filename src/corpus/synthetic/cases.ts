/** Synthetic specs as convgate cases (CaseDef): ids, inputs, dynamic input sets, export settings. */
import type { CaseDef, DynamicAxes } from '../schema.js';
import { generateSpec, type GeneratorOptions } from './generator.js';
import { hashInts } from './rng.js';
import { SyntheticSpec } from './spec.js';
import { OPERATORS } from './operators.js';

export const SYNTHETIC_FAMILY = 'synthetic';

export function caseId(seed: number, index: number): string {
  return `syn-${seed}-${index}`;
}

/** Parses `syn-<seed>-<index>`; null for other ids. */
export function parseCaseId(id: string): { seed: number; index: number } | null {
  const m = /^syn-(\d+)-(\d+)$/.exec(id);
  return m ? { seed: Number(m[1]), index: Number(m[2]) } : null;
}

/** Shape of every spec input at the dynamic sizes. */
function dynamicShape(spec: SyntheticSpec, input: SyntheticSpec['inputs'][number]): number[] {
  return input.shape.map((d, axis) => {
    const sym = input.dynamicAxes[String(axis)];
    return sym ? spec.dims[sym]!.dynamic : d;
  });
}

/** The case of a spec: what the worker needs to build, reference, export and check it. */
export function specToCase(spec: SyntheticSpec): CaseDef {
  const ops = [...new Set(spec.nodes.map((n) => n.op))];
  const c: CaseDef = {
    id: caseId(spec.seed, spec.index),
    family: SYNTHETIC_FAMILY,
    description: `${spec.nodes.length} node${spec.nodes.length === 1 ? '' : 's'}: ${ops.join(', ')}`,
    seed: hashInts(spec.seed, spec.index),
    model: { spec: spec as unknown as Record<string, unknown> },
    inputs: spec.inputs.map((i) => ({
      name: i.name,
      dtype: i.dtype,
      shape: i.shape,
      ...(i.range ? { range: i.range } : {}),
      ...(i.layout ? { layout: i.layout } : {}),
    })),
    export: {
      opset: spec.export.opset,
      constantFolding: spec.export.constantFolding,
      outputNames: [...spec.outputs],
    },
    requireFinite: true,
  };
  // Operators that need a newer build (OpDef.requires) make the case `unsupported` elsewhere.
  const requires: Record<string, string> = {};
  for (const op of ops) Object.assign(requires, OPERATORS.find((o) => o.kind === op)?.requires ?? {});
  if (Object.keys(requires).length) c.requires = requires;
  if (spec.export.dynamicAxes) {
    const axes: DynamicAxes = {};
    const set: Record<string, number[]> = {};
    for (const i of spec.inputs) {
      const entries = Object.entries(i.dynamicAxes);
      if (entries.length === 0) continue;
      axes[i.name] = Object.fromEntries(entries);
      set[i.name] = dynamicShape(spec, i);
    }
    // Outputs whose size follows a dynamic input are declared dynamic too.
    for (const n of spec.nodes) {
      for (const o of n.outputs) {
        if (!spec.outputs.includes(o.name) || !o.dynamicShape) continue;
        const dims: Record<string, string> = {};
        o.shape.forEach((d, axis) => {
          if (o.dynamicShape![axis] !== d) dims[String(axis)] = `${o.name}_d${axis}`;
        });
        if (Object.keys(dims).length) axes[o.name] = dims;
      }
    }
    c.export!.dynamicAxes = axes;
    c.inputSets = [set];
  }
  return c;
}

export interface GenerateCasesOptions extends GeneratorOptions {
  count: number;
  seed: number;
  /** First index (default 0): cases are syn-<seed>-<start> … syn-<seed>-<start+count-1>. */
  start?: number;
}

/** The synthetic corpus of a run: `count` cases for `seed`, each one stable on its own. */
export function generateCases(opts: GenerateCasesOptions): CaseDef[] {
  const out: CaseDef[] = [];
  const start = opts.start ?? 0;
  for (let i = start; i < start + opts.count; i++) out.push(specToCase(generateSpec(opts.seed, i, opts)));
  return out;
}

/** The case of one id (`syn-<seed>-<index>`), regenerated; null for a non-synthetic id. */
export function caseById(id: string, options: GeneratorOptions = {}): CaseDef | null {
  const p = parseCaseId(id);
  return p ? specToCase(generateSpec(p.seed, p.index, options)) : null;
}

/** Validates and parses a spec read from JSON (e.g. a saved results file). */
export function parseSpec(json: unknown): SyntheticSpec {
  return SyntheticSpec.parse(json);
}

/** The spec of a synthetic case (as saved in its CaseDef), or null. */
export function specOfCase(c: CaseDef): SyntheticSpec | null {
  return 'spec' in c.model ? parseSpec(c.model.spec) : null;
}
