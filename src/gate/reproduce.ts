import { clipChars } from '../util/text.js';
import { writeFile, chmod, stat } from 'node:fs/promises';
import path from 'node:path';
import { BUNDLED_CORPORA, type Corpus } from '../corpus/load.js';
import { isFailure } from '../results/outcome.js';
import type { CaseResult, ResultsDoc } from '../results/schema.js';
import { caseProblem } from '../report/markdown.js';
import { CORPUS_DIR, PACKAGE_ROOT } from '../util/paths.js';
import { RUN_DEFAULTS } from '../run/defaults.js';

export const REPRODUCER = 'reproduce.py';
export const CASE_CORPUS = 'corpus.json';

const py = (v: unknown) => JSON.stringify(v); // JSON literals are valid Python for str/num/list/bool-free data

/** Shell-quotes one word for a command shown to the user. */
function sh(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The convgate command that re-runs exactly this case (bundled corpus: by name; else the case's corpus.json). */
export function rerunCommand(doc: ResultsDoc, corpus: Corpus, c: CaseResult, caseDir: string): string {
  // Generated cases depend on the generator's count and seed: their own corpus.json carries the spec.
  const bundled = corpusIsBundled(corpus) && c.kind === 'real';
  const parts = ['npx', 'convgate', 'run'];
  if (bundled) parts.push('--corpus', corpus.name, '--filter', `^${c.id.replace(/[.]/g, '\\.')}$`);
  else parts.push('--corpus', path.join(caseDir, CASE_CORPUS));
  parts.push('--out', `/tmp/convgate-${c.id}`);
  const s = doc.settings;
  // Always named: the default adapter depends on the stack the re-run happens to use.
  if (s.adapter !== undefined) parts.push('--adapter', s.adapter);
  if (s.convertCommand !== undefined) parts.push('--convert-cmd', s.convertCommand);
  if (doc.settings.opset !== null) parts.push('--opset', String(doc.settings.opset));
  parts.push('--atol', String(doc.settings.atol), '--rtol', String(doc.settings.rtol));
  parts.push('--timeout', String(doc.settings.timeoutS), '--keep-all');
  return parts.map(sh).join(' ');
}

/** A corpus shipped with convgate (re-run by name, portable) rather than a user's cases.json. */
function corpusIsBundled(corpus: Corpus): boolean {
  return (
    (BUNDLED_CORPORA as readonly string[]).includes(corpus.name) &&
    corpus.pythonPaths.every((p) => !path.relative(CORPUS_DIR, p).startsWith('..'))
  );
}

/**
 * Writes a reproducer next to the model and tensors of every failing candidate case
 * (`cases/<id>/`): `corpus.json` (this case alone, runnable with `convgate run --corpus`) and a
 * standalone `reproduce.py` that rebuilds the model with the recorded seed, exports it with the
 * recorded settings through convgate's worker code, runs the ONNX checker and compares with
 * ONNX Runtime when its Python package is installed. Returns case id → reproducer path
 * (relative to the results folder).
 */
export async function writeReproducers(
  outDir: string,
  doc: ResultsDoc,
  corpus: Corpus,
): Promise<Map<string, string>> {
  const defs = new Map(corpus.cases.map((d) => [d.id, d]));
  const written = new Map<string, string>();
  for (const c of doc.cases) {
    if (!c.artifacts || !isFailure(c.outcome)) continue;
    const def = defs.get(c.id);
    const dir = path.join(outDir, c.artifacts);
    try {
      if (!def || !(await stat(path.join(dir, 'case.json'))).isFile()) continue;
    } catch {
      continue;
    }
    await writeFile(
      path.join(dir, CASE_CORPUS),
      JSON.stringify(
        {
          name: `${corpus.name}-${c.id}`,
          pythonPath: corpus.pythonPaths,
          ...(corpus.modelLibraries.length ? { modelLibraries: corpus.modelLibraries } : {}),
          cases: [def],
        },
        null,
        1,
      ) + '\n',
    );
    const script = path.join(dir, REPRODUCER);
    await writeFile(script, reproducerScript(doc, corpus, c, dir));
    await chmod(script, 0o755);
    written.set(c.id, path.join(c.artifacts, REPRODUCER));
  }
  return written;
}

export function reproducerScript(doc: ResultsDoc, corpus: Corpus, c: CaseResult, caseDir: string): string {
  const env = doc.environment as Record<string, unknown>;
  const recorded = {
    python: (env.python as { executable?: string } | undefined)?.executable ?? 'python3',
    pythonPath: typeof env.pythonPath === 'string' ? env.pythonPath : null,
    adapter: doc.settings.adapter ?? RUN_DEFAULTS.adapter,
    rerun: rerunCommand(doc, corpus, c, caseDir),
  };
  return `#!/usr/bin/env python3\n${reproducerDocstring(doc, c, recorded)}${reproducerConstants(doc, corpus, recorded, c)}\n\n${REPRODUCER_PROGRAM}`;
}

interface Recorded {
  python: string;
  pythonPath: string | null;
  adapter: string;
  /** The same case through convgate itself. */
  rerun: string;
}

/** What the case was, how it was recorded and how to run the script. */
function reproducerDocstring(doc: ResultsDoc, c: CaseResult, r: Recorded): string {
  const problem = clipChars(caseProblem(c).split('\n')[0], 300).replace(/"""/g, "'''").replace(/\\/g, '/');
  const recorded = `${r.pythonPath ? `PYTHONPATH=${sh(r.pythonPath)} ` : ''}${r.python}`;
  const adapter = r.adapter;
  return `"""convgate reproducer: case ${c.id} (${c.family}) was ${c.outcome}.
  ${problem}

Recorded with ${doc.converter.name} ${doc.converter.version}, ${recorded}.
Run it with the converter build you want to test (it is whatever PYTHONPATH / interpreter you use):

    ${recorded} reproduce.py

It rebuilds the model (seed ${c.settings.seed}), computes the PyTorch reference, exports it with the
recorded settings (opset ${c.settings.opset ?? 'default'}, adapter ${adapter}) to reproduced.onnx, runs
the ONNX checker and, when onnxruntime for Python is installed, compares every output
(|a-b| <= ${c.settings.atol} + ${c.settings.rtol}*|b|). Exit status: 0 the case is ok, 1 the failure
reproduced, 2 cannot run, 3 exported but not checked (no onnxruntime; use the command printed).
Set CONVGATE_HOME to a convgate checkout if this folder was moved to another machine.

The same case through convgate itself (ONNX Runtime via Node):
    ${r.rerun}
"""
`;
}

/** The imports and the recorded settings, as Python constants. */
function reproducerConstants(doc: ResultsDoc, corpus: Corpus, r: Recorded, c: CaseResult): string {
  const corpusPaths = corpus.pythonPaths.map((p) => {
    const rel = path.relative(PACKAGE_ROOT, p);
    return [p, rel.startsWith('..') || path.isAbsolute(rel) ? '' : rel];
  });
  const adapter = r.adapter;
  return `import json
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
CONVGATE_HOME = os.environ.get("CONVGATE_HOME") or ${py(PACKAGE_ROOT)}
CORPUS_PATHS = ${py(corpusPaths)}
ADAPTER = ${py(adapter)}
CONVERT_CMD = ${doc.settings.convertCommand !== undefined ? py(doc.settings.convertCommand) : 'None'}
MODEL_LIBRARIES = ${py(corpus.modelLibraries)}
ATOL = ${py(c.settings.atol)}
RTOL = ${py(c.settings.rtol)}
RERUN = ${py(r.rerun)}
`;
}

/** The reproducer's program: the same for every case (it reads case.json and the constants). */
const REPRODUCER_PROGRAM = `def setup():
    worker = os.path.join(CONVGATE_HOME, "python")
    if not os.path.isdir(os.path.join(worker, "convgate_worker")):
        print("cannot find convgate's worker code under %s: set CONVGATE_HOME to a convgate checkout" % CONVGATE_HOME)
        sys.exit(2)
    # Appended: the converter build under test (PYTHONPATH) must win.
    sys.path.append(worker)
    for k, (absolute, relative) in enumerate(CORPUS_PATHS):
        if not os.path.isdir(absolute) and relative:
            absolute = CORPUS_PATHS[k][0] = os.path.join(CONVGATE_HOME, relative)
        sys.path.append(absolute)


def compare(name, ref, out):
    import numpy as np

    if tuple(ref.shape) != tuple(out.shape):
        return "%s: shape %s, expected %s" % (name, list(out.shape), list(ref.shape))
    if ref.dtype != out.dtype:
        return "%s: dtype %s, expected %s" % (name, out.dtype, ref.dtype)
    if ref.dtype.kind not in "fc":
        bad = int((ref != out).sum())
        return "%s: %d/%d elements differ" % (name, bad, ref.size) if bad else None
    a = out.astype(np.float64)
    b = ref.astype(np.float64)
    nan = np.isnan(a) != np.isnan(b)
    with np.errstate(invalid="ignore"):
        diff = np.where(np.isnan(a) & np.isnan(b), 0.0, np.abs(a - b))
        bad = nan | ~(diff <= ATOL + RTOL * np.abs(b))
    if bad.any():
        return "%s: max abs err %.3g, %d/%d elements outside tolerance" % (name, float(np.nanmax(diff)), int(bad.sum()), b.size)
    return None


def main():
    setup()
    from convgate_worker import converters, factories, frontends, plugins

    for key, value in plugins.converter(ADAPTER).get("env", {}).items():
        os.environ.setdefault(key, value)  # e.g. KERAS_BACKEND, before any frontend imports Keras

    with open(os.path.join(HERE, "case.json")) as fh:
        case = json.load(fh)
    factories.configure(factories.Scope.from_paths([p for p, _ in CORPUS_PATHS if os.path.isdir(p)], MODEL_LIBRARIES))
    frontend = frontends.load(frontends.name_of(case))
    frontend.prepare(1)
    source = frontend.build(case)
    references = frontend.reference(source)
    input_sets = source.numpy_inputs
    settings = case["export"]
    input_names = [s["name"] for s in case["inputs"]]
    output_names = settings.get("outputNames") or ["output_%d" % i for i in range(len(references[0]))]
    path = os.path.join(HERE, "reproduced.onnx")
    adapter = converters.load(ADAPTER)
    if hasattr(adapter, "configure"):
        adapter.configure(CONVERT_CMD)
    settings = dict(settings, inputNames=input_names, outputNames=output_names)
    if getattr(adapter, "WANTS_SOURCE_FILE", False):
        settings["sourcePath"] = frontend.save(source, os.path.join(HERE, "source"))
    print("exporting with %s %s (%s %s) to %s" % (ADAPTER, adapter.describe().get("version"), frontend.NAME, frontend.describe().get("version"), path))
    try:
        adapter.export(source.model, source.input_sets[0], path, settings)
        import onnx

        onnx.checker.check_model(onnx.load(path))
    except Exception:
        traceback.print_exc()
        print("REPRODUCED: the conversion failed")
        return 1
    try:
        import onnxruntime
    except ImportError:
        print("exported and checked. onnxruntime for Python is not installed; check the model with convgate:")
        print("    " + RERUN)
        return 3
    try:
        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        wanted = {i.name for i in session.get_inputs()}
        problems = []
        for k, (inputs, refs) in enumerate(zip(input_sets, references)):
            feeds = {n: t for n, t in zip(input_names, inputs) if n in wanted}
            outs = session.run(None, feeds)
            for name, ref, out in zip(output_names, refs, outs):
                p = compare(name, ref, out)
                if p:
                    problems.append("input set %d: %s" % (k, p))
    except Exception:
        traceback.print_exc()
        print("REPRODUCED: ONNX Runtime failed to load or run the model")
        return 1
    for p in problems:
        print(p)
    if problems:
        print("REPRODUCED: wrong output")
        return 1
    print("ok: every output within tolerance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
`;
