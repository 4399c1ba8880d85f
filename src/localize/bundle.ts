/**
 * The reproducer bundle of a failing case, `cases/<id>/repro/`:
 *   case.json     the (minimised) model source: a synthetic spec, or a model factory (+ submodule)
 *   bundle.json   what failed and how (outcome, error, diverging node, exporter settings)
 *   model.onnx    the converted (minimised) model, when the converter wrote one
 *   tensors/      inputs and expected (PyTorch) outputs, tensors.json + raw little-endian .bin
 *   repro.py      torch + onnxruntime for Python: re-exports with the installed converter and checks
 *   repro.mjs     onnxruntime-node: runs model.onnx on the inputs and compares
 *   convgate_worker/  the few modules of convgate's worker repro.py builds the model with
 * Both scripts are real files of this package (python/convgate_worker/localize/), copied verbatim.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { specToCase } from '../corpus/synthetic/cases.js';
import type { SyntheticSpec } from '../corpus/synthetic/spec.js';
import type { CaseResult } from '../results/schema.js';
import { PACKAGE_ROOT } from '../util/paths.js';
import type { LocalizePlan } from './localize.js';
import type { Localization } from './schema.js';
import { submoduleCase } from './reduce.js';
import type { LocalizeSession } from './session.js';

export const REPRO_DIR = 'repro';
const KIT = path.join(PACKAGE_ROOT, 'python', 'convgate_worker');
/** Worker modules repro.py needs to rebuild a model (all import only torch/numpy and each other). */
const VENDORED = [
  '__init__.py',
  'dtypes.py',
  'factories.py',
  'plugins.py',
  'plugins.json',
  'synthetic.py',
  'real.py',
  'frontends/__init__.py',
  'frontends/torch_models.py',
  'localize/__init__.py',
  'localize/capture.py',
  'localize/submodule.py',
];

export type BundleSource =
  | { kind: 'synthetic'; spec: SyntheticSpec }
  | { kind: 'real'; workerCase: Record<string, unknown>; submodule?: { path: string; call: number } };

function corpusPaths(paths: string[]): [string, string][] {
  return paths.map((p) => {
    const rel = path.relative(PACKAGE_ROOT, p);
    return [p, rel.startsWith('..') || path.isAbsolute(rel) ? '' : rel];
  });
}

/**
 * Writes the bundle: re-runs the (minimised) case once into the bundle folder so its model and
 * tensors are the minimised ones, then adds the scripts. Returns the folder, relative to the
 * results folder.
 */
export async function writeBundle(
  session: LocalizeSession,
  plan: Pick<LocalizePlan, 'outDir' | 'run' | 'corpusPaths' | 'modelLibraries' | 'doc'>,
  result: CaseResult,
  loc: Localization,
  source: BundleSource,
  caseDir: string,
): Promise<string> {
  const dir = path.join(caseDir, REPRO_DIR);
  await rm(dir, { recursive: true, force: true });
  let workerCase: Record<string, unknown>;
  if (source.kind === 'synthetic') {
    workerCase = await session.resolve(specToCase(source.spec));
  } else if (source.submodule) {
    workerCase = submoduleCase(source.workerCase, source.submodule);
  } else {
    workerCase = source.workerCase;
  }
  const trial = await session.trial(result.id, workerCase, dir);
  await writeFile(path.join(dir, 'case.json'), JSON.stringify(workerCase, null, 1) + '\n');
  const doc = plan.doc;
  const bundle = {
    id: result.id,
    kind: result.kind,
    converter: { name: doc.converter.name, version: doc.converter.version },
    adapter: plan.run.adapter,
    tolerance: { atol: result.settings.atol, rtol: result.settings.rtol },
    corpusPaths: corpusPaths(plan.corpusPaths),
    modelLibraries: plan.modelLibraries,
    convgateHome: PACKAGE_ROOT,
    original: {
      outcome: result.outcome,
      ...(result.error
        ? {
            error: {
              stage: result.error.stage,
              type: result.error.type,
              message: result.error.message.slice(0, 2000),
            },
          }
        : {}),
    },
    reproduced: {
      outcome: trial.outcome,
      ...(trial.error
        ? {
            error: {
              stage: trial.error.stage,
              type: trial.error.type,
              message: trial.error.message.slice(0, 2000),
            },
          }
        : {}),
    },
    ...(loc.divergingNode ? { divergingNode: loc.divergingNode } : {}),
    ...(loc.submodule ? { submodule: { path: loc.submodule.path, type: loc.submodule.type } } : {}),
    ...(loc.minimal ? { minimal: { before: loc.minimal.opsBefore, after: loc.minimal.opsAfter } } : {}),
  };
  await writeFile(path.join(dir, 'bundle.json'), JSON.stringify(bundle, null, 1) + '\n');
  if (source.kind === 'synthetic')
    await writeFile(path.join(dir, 'spec.json'), JSON.stringify(source.spec, null, 1) + '\n');
  await copyFile(path.join(KIT, 'localize', 'repro.py'), path.join(dir, 'repro.py'));
  await copyFile(path.join(KIT, 'localize', 'repro.mjs'), path.join(dir, 'repro.mjs'));
  for (const f of VENDORED) {
    await mkdir(path.dirname(path.join(dir, 'convgate_worker', f)), { recursive: true });
    await copyFile(path.join(KIT, f), path.join(dir, 'convgate_worker', f));
  }
  // Leftovers of the trial that are not part of the bundle.
  for (const extra of ['localize'])
    if (existsSync(path.join(dir, extra))) await rm(path.join(dir, extra), { recursive: true });
  return path.relative(plan.outDir, dir);
}
