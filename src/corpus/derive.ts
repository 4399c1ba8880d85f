import type { CaseDef } from './schema.js';

/**
 * A torch case as an `onnx` case: the same model exported once at `sourceOpset` with the
 * TorchScript exporter (python/convgate_worker/frontends/onnx_models.py caches it), the same
 * inputs and seed, converted to `targetOpset` (undefined: the run's --opset or the converter's
 * default). Used for the version converter's corpus (`derive` in cases.json) and for running a
 * torch corpus through a converter that only takes ONNX models.
 */
export function torchCaseAsOnnx(
  c: CaseDef,
  sourceOpset: number,
  targetOpset?: number,
  id: string = c.id,
): CaseDef {
  if (c.frontend !== undefined && c.frontend !== 'torch')
    throw new Error(`case ${c.id} is a ${c.frontend} case, not a torch case`);
  if (!('factory' in c.model) && !('spec' in c.model))
    throw new Error(`case ${c.id} has no torch model to export`);
  const exportRest = { ...c.export };
  delete exportRest.opset;
  return {
    ...c,
    frontend: 'onnx',
    id,
    model: { torch: c.model, sourceOpset },
    export: { ...exportRest, ...(targetOpset !== undefined ? { opset: targetOpset } : {}) },
  };
}

/** Id of a derived case: resnet18 at opset 11 converted to 17 → resnet18.o11-o17. */
export function pairId(id: string, source: number, target: number): string {
  return `${id}.o${source}-o${target}`;
}

/** The cases a `derive` block makes: one per source case and opset pair. */
export function deriveCases(
  source: CaseDef[],
  pairs: readonly (readonly [number, number])[],
  only?: readonly string[],
): CaseDef[] {
  const picked = only
    ? only.map((id) => {
        const found = source.find((c) => c.id === id);
        if (!found) throw new Error(`derive.cases: no case ${JSON.stringify(id)} in the source corpus`);
        return found;
      })
    : source.filter((c) => (c.frontend ?? 'torch') === 'torch' && !c.requires);
  return picked.flatMap((c) => pairs.map(([s, t]) => torchCaseAsOnnx(c, s, t, pairId(c.id, s, t))));
}
