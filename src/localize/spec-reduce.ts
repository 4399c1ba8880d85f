/**
 * Sub-specs of a synthetic graph spec (docs/synthetic-spec.md) for delta debugging: keep a subset
 * of the nodes; a kept node whose input was computed by a removed node reads it from a fresh graph
 * input of the same name, dtype and shape, drawn from the range the removed value had (observed in
 * PyTorch), so downstream domains (log of positives, indices in range) still hold. Graph outputs
 * are, as in every spec, the kept node outputs no kept node consumes. The result parses as a spec.
 */
import { SyntheticSpec, type SpecInput, type SpecTensor } from '../corpus/synthetic/spec.js';

export type Ranges = Record<string, [number, number]>;

/** A fresh input's [lo, hi): the observed [min, max] (ints: randint, so hi is exclusive). */
function freshRange(t: SpecTensor, observed: [number, number] | undefined): [number, number] | undefined {
  if (t.dtype === 'bool') return undefined;
  const [lo, hi] = observed ?? [-1, 1];
  if (t.dtype === 'int32' || t.dtype === 'int64') return [Math.floor(lo), Math.floor(hi) + 1];
  if (hi > lo) return [lo, hi];
  const pad = Math.max(Math.abs(lo) * 1e-6, 1e-6);
  return [lo, lo + pad];
}

/** Dynamic axes of a fresh input: the dims whose size differs at the dynamic sizes, by symbol. */
function freshAxes(spec: SyntheticSpec, t: SpecTensor): Record<string, string> | null {
  const axes: Record<string, string> = {};
  if (!spec.export.dynamicAxes || !t.dynamicShape) return axes;
  for (const [axis, size] of t.shape.entries()) {
    const dyn = t.dynamicShape[axis];
    if (dyn === size) continue;
    const symbol = Object.entries(spec.dims).find(([, d]) => d.export === size && d.dynamic === dyn)?.[0];
    if (!symbol) return null;
    axes[String(axis)] = symbol;
  }
  return axes;
}

/**
 * The spec with only the nodes at `keep` (indices into spec.nodes), or null when that subset
 * cannot be made a valid spec (nothing kept, or a cut value's dynamic size has no symbol).
 */
export function subSpec(
  spec: SyntheticSpec,
  keep: ReadonlySet<number>,
  ranges: Ranges = {},
): SyntheticSpec | null {
  const nodes = spec.nodes.filter((_, i) => keep.has(i));
  if (!nodes.length) return null;
  const produced = new Map<string, SpecTensor>();
  spec.nodes.forEach((n) => n.outputs.forEach((o) => produced.set(o.name, o)));
  const keptOutputs = new Set(nodes.flatMap((n) => n.outputs.map((o) => o.name)));
  const originals = new Map(spec.inputs.map((i) => [i.name, i]));
  const used = new Set(nodes.flatMap((n) => n.inputs));

  const inputs: SpecInput[] = spec.inputs.filter((i) => used.has(i.name));
  for (const n of nodes) {
    for (const name of n.inputs) {
      if (originals.has(name) || keptOutputs.has(name) || inputs.some((i) => i.name === name)) continue;
      const t = produced.get(name);
      if (!t) return null;
      const axes = freshAxes(spec, t);
      if (axes === null) return null;
      const range = freshRange(t, ranges[name]);
      inputs.push({
        name,
        dtype: t.dtype,
        shape: [...t.shape],
        ...(range ? { range } : {}),
        dynamicAxes: axes,
      });
    }
  }
  const consumed = new Set(nodes.flatMap((n) => n.inputs));
  const outputs = nodes.flatMap((n) => n.outputs.map((o) => o.name)).filter((o) => !consumed.has(o));
  const symbols = new Set(inputs.flatMap((i) => Object.values(i.dynamicAxes)));
  const dims = Object.fromEntries(Object.entries(spec.dims).filter(([s]) => symbols.has(s)));
  const candidate = {
    ...spec,
    inputs,
    dims,
    nodes,
    outputs,
    export: { ...spec.export, dynamicAxes: spec.export.dynamicAxes && symbols.size > 0 },
  };
  const parsed = SyntheticSpec.safeParse(candidate);
  return parsed.success ? parsed.data : null;
}

/** The same spec exported without dynamic axes (one input set), or null when it has none. */
export function staticSpec(spec: SyntheticSpec): SyntheticSpec | null {
  if (!spec.export.dynamicAxes) return null;
  return {
    ...spec,
    dims: {},
    inputs: spec.inputs.map((i) => ({ ...i, dynamicAxes: {} })),
    nodes: spec.nodes.map((n) => ({ ...n, outputs: n.outputs.map(({ dynamicShape: _d, ...o }) => o) })),
    export: { ...spec.export, dynamicAxes: false },
  };
}
