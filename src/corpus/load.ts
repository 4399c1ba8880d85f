import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { CORPUS_DIR, PACKAGE_ROOT } from '../util/paths.js';
import type { CaseFilter } from '../util/args.js';
import { CaseDef, CorpusFile } from './schema.js';
import { deriveCases } from './derive.js';
import { DEFAULT_FRONTEND, frontendNames } from '../convert/plugins.js';
import { caseById, generateCases } from './synthetic/index.js';

/** A loaded corpus: cases with corpus defaults merged in, and what the worker needs to build them. */
export interface Corpus {
  name: string;
  /** sha256 over the case definitions and the Python model sources they may import. */
  hash: string;
  /** Folders the worker appends to sys.path for model factories. */
  pythonPaths: string[];
  /** Libraries factories may call besides the corpus' own modules (the worker enforces it too). */
  modelLibraries: string[];
  cases: CaseDef[];
}

export class CorpusError extends Error {}

/**
 * Corpora by name: `real` (corpus/real/cases.json), `synthetic` (generated, count and seed from
 * the request), `synthetic-extra` (corpus/synthetic-extra/cases.json: checked-in generated cases
 * kept because they reach translation functions the rest misses, docs/coverage.md), `default`
 * (real + synthetic + synthetic-extra), and the corpora of the other frontends: `onnx` (the onnx
 * version converter's: real models at source opsets and ONNX node tests), `keras` and
 * `tensorflow` (corpus/<name>/cases.json). Anything else is read as a path to a cases.json file.
 */
export const BUNDLED_CORPORA = [
  'real',
  'synthetic',
  'synthetic-extra',
  'default',
  'onnx',
  'keras',
  'tensorflow',
] as const;
const CORPUS_FILES = ['real', 'synthetic-extra', 'onnx', 'keras', 'tensorflow'];

export interface SyntheticRequest {
  /** Generated cases for `synthetic` / `default`. */
  syntheticCount?: number | null;
  syntheticSeed?: number | null;
}

export const DEFAULT_SYNTHETIC_COUNT = 200;
export const DEFAULT_SYNTHETIC_SEED = 1;

export function bundledCorpusFile(name: string): string | null {
  return CORPUS_FILES.includes(name) ? path.join(CORPUS_DIR, name, 'cases.json') : null;
}

/** The interpreter gives synthetic specs their meaning: a change to it changes every such corpus. */
const INTERPRETER_FILES = ['synthetic.py', 'synthetic_ext.py', 'synthetic_script.py'];

async function interpreterHash(h: ReturnType<typeof createHash>): Promise<void> {
  for (const f of INTERPRETER_FILES)
    h.update(f).update(await readFile(path.join(PACKAGE_ROOT, 'python', 'convgate_worker', f)));
}

export async function loadCorpusFile(file: string, seen: string[] = []): Promise<Corpus> {
  const { corpus, raw } = await readCorpusFile(file);
  const ids = new Set<string>();
  for (const c of corpus.cases) {
    if (ids.has(c.id)) throw new CorpusError(`corpus ${file}: duplicate case id ${JSON.stringify(c.id)}`);
    ids.add(c.id);
  }
  const dir = path.dirname(file);
  const defaults = corpus.defaults ?? {};
  const own = corpus.cases.map((c, k) => {
    // The corpus defaults merged in must make a valid case too (e.g. dynamicAxes naming its inputs).
    const merged = CaseDef.safeParse({
      ...c,
      seed: c.seed ?? defaults.seed ?? 0,
      export: { ...defaults.export, ...c.export },
      tolerance: { ...defaults.tolerance, ...c.tolerance },
      ...('path' in c.model ? { model: { path: path.resolve(dir, c.model.path) } } : {}),
    });
    if (!merged.success) {
      const issue = merged.error.issues[0];
      throw new CorpusError(
        `corpus ${file}: case ${JSON.stringify(c.id)} (with the corpus defaults): cases.${k}.${issue.path.join('.')}: ${issue.message}`,
      );
    }
    return merged.data;
  });
  const derived = corpus.derive ? await derivedPart(file, corpus.derive, seen) : null;
  const cases = [...own, ...(derived?.cases ?? [])];
  for (const c of derived?.cases ?? []) {
    if (ids.has(c.id)) throw new CorpusError(`corpus ${file}: duplicate case id ${JSON.stringify(c.id)}`);
    ids.add(c.id);
  }
  const pythonPaths = unique([
    ...(corpus.pythonPath ?? []).map((p) => path.resolve(dir, p)),
    ...(derived?.pythonPaths ?? []),
  ]);
  const modelLibraries = unique([...(corpus.modelLibraries ?? []), ...(derived?.modelLibraries ?? [])]);
  checkCases(file, raw, own, [...(await ownModules(pythonPaths)), ...modelLibraries]);
  return {
    name: corpus.name,
    hash: await hashCorpus(cases, pythonPaths, modelLibraries),
    pythonPaths,
    modelLibraries,
    cases,
  };
}

async function readCorpusFile(file: string): Promise<{ corpus: CorpusFile; raw: unknown }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new CorpusError(`corpus ${file}: cannot read JSON: ${(e as Error).message}`);
  }
  const parsed = CorpusFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CorpusError(`corpus ${file}: ${issuePath(raw, issue.path)}: ${issue.message}`);
  }
  return { corpus: parsed.data, raw };
}

/** The cases a `derive` block makes from another corpus file (its modules and libraries come along). */
async function derivedPart(
  file: string,
  derive: NonNullable<CorpusFile['derive']>,
  seen: string[],
): Promise<Corpus> {
  const from = path.resolve(path.dirname(file), derive.from);
  if (seen.includes(from) || from === path.resolve(file))
    throw new CorpusError(`corpus ${file}: derive.from: ${derive.from} derives from itself`);
  const source = await loadCorpusFile(from, [...seen, path.resolve(file)]);
  try {
    return { ...source, cases: deriveCases(source.cases, derive.opsetPairs, derive.cases) };
  } catch (e) {
    throw new CorpusError(`corpus ${file}: ${(e as Error).message}`);
  }
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** Top-level modules in the corpus' pythonPath folders (.py files and packages). */
async function ownModules(pythonPaths: string[]): Promise<string[]> {
  const names: string[] = [];
  for (const dir of pythonPaths) {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.isFile() && e.name.endsWith('.py')) names.push(e.name.slice(0, -3));
      else if (e.isDirectory() && existsSync(path.join(dir, e.name, '__init__.py'))) names.push(e.name);
    }
  }
  return names;
}

const MODEL_FOR: Record<string, string> = {
  onnx: '{path}, {nodeTest} or {torch, sourceOpset}',
  torch: '{factory, kwargs} or a synthetic {spec}',
  other: '{factory, kwargs}',
};

function modelKind(c: CaseDef): 'factory' | 'spec' | 'onnx' {
  return 'factory' in c.model ? 'factory' : 'spec' in c.model ? 'spec' : 'onnx';
}

/**
 * Frontends the plugin table knows, models of the kind their frontend builds, and factories inside
 * the corpus' scope (python/convgate_worker/factories.py enforces the same at run time).
 */
function checkCases(file: string, raw: unknown, cases: CaseDef[], scope: string[]): void {
  const frontends = frontendNames();
  cases.forEach((c, i) => {
    const at = (field: string) => issuePath(raw, ['cases', i, ...field.split('.')]);
    const frontend = c.frontend ?? DEFAULT_FRONTEND;
    if (!frontends.includes(frontend))
      throw new CorpusError(
        `corpus ${file}: ${at('frontend')}: unknown frontend ${JSON.stringify(frontend)} (known: ${frontends.join(', ')})`,
      );
    const kind = modelKind(c);
    const fits =
      frontend === 'onnx' ? kind === 'onnx' : frontend === 'torch' ? kind !== 'onnx' : kind === 'factory';
    if (!fits)
      throw new CorpusError(
        `corpus ${file}: ${at('model')}: a ${frontend} case needs ${MODEL_FOR[frontend] ?? MODEL_FOR.other}`,
      );
    const torch = 'torch' in c.model ? c.model.torch : c.model;
    if ('factory' in torch) {
      const module = torch.factory.split(':')[0];
      if (!scope.includes(module.split('.')[0]))
        throw new CorpusError(
          `corpus ${file}: ${at('model.factory')}: module ${module} is neither one of the corpus' own modules nor a declared model library (${scope.join(', ') || 'none'}); add it to modelLibraries`,
        );
    }
  });
}

/** `cases.3.inputSets.0.y`, led by the id of case 3 when it has one: `case "foo": cases.3.inputSets.0.y`. */
function issuePath(raw: unknown, at: PropertyKey[]): string {
  const text = at.map(String).join('.') || '(root)';
  if (at[0] !== 'cases' || typeof at[1] !== 'number') return text;
  const id = (raw as { cases?: { id?: unknown }[] }).cases?.[at[1]]?.id;
  return typeof id === 'string' ? `case ${JSON.stringify(id)}: ${text}` : text;
}

/** The generated corpus: `count` cases from `seed` (ids syn-<seed>-<index>, each stable on its own). */
export async function syntheticCorpus(count: number, seed: number): Promise<Corpus> {
  const cases = generateCases({ count, seed }).map((c) => CaseDef.parse(c));
  const h = createHash('sha256').update(JSON.stringify(cases));
  await interpreterHash(h);
  return {
    name: 'synthetic',
    hash: h.digest('hex').slice(0, 16),
    pythonPaths: [],
    modelLibraries: [],
    cases,
  };
}

/** Loads a corpus by name (real, synthetic, default) or a cases.json by path. */
export async function loadCorpus(nameOrFile: string, request: SyntheticRequest = {}): Promise<Corpus> {
  const count = request.syntheticCount ?? DEFAULT_SYNTHETIC_COUNT;
  const seed = request.syntheticSeed ?? DEFAULT_SYNTHETIC_SEED;
  if (nameOrFile === 'synthetic') return syntheticCorpus(count, seed);
  if (nameOrFile === 'default') {
    const parts = [await loadCorpus('real'), await syntheticCorpus(count, seed)];
    const extra = bundledCorpusFile('synthetic-extra')!;
    if (existsSync(extra)) parts.push(await loadCorpusFile(extra));
    return mergeCorpora('default', parts);
  }
  return loadCorpusFile(bundledCorpusFile(nameOrFile) ?? path.resolve(nameOrFile));
}

async function hashCorpus(cases: CaseDef[], pythonPaths: string[], libraries: string[]): Promise<string> {
  const h = createHash('sha256');
  h.update(JSON.stringify(cases));
  if (libraries.length) h.update(JSON.stringify(libraries));
  if (cases.some((c) => 'spec' in c.model)) await interpreterHash(h);
  for (const dir of pythonPaths) {
    let files: string[] = [];
    try {
      files = (await readdir(dir)).filter((f) => f.endsWith('.py')).sort();
    } catch {
      continue;
    }
    for (const f of files) h.update(f).update(await readFile(path.join(dir, f)));
  }
  return h.digest('hex').slice(0, 16);
}

/** Combines corpora (e.g. real + synthetic); ids must stay unique. */
export function mergeCorpora(name: string, parts: Corpus[]): Corpus {
  const ids = new Set<string>();
  for (const c of parts.flatMap((p) => p.cases)) {
    if (ids.has(c.id)) throw new CorpusError(`corpus ${name}: case id ${c.id} appears in two parts`);
    ids.add(c.id);
  }
  const h = createHash('sha256');
  for (const p of parts) h.update(p.name).update(p.hash);
  return {
    name,
    hash: h.digest('hex').slice(0, 16),
    pythonPaths: [...new Set(parts.flatMap((p) => p.pythonPaths))],
    modelLibraries: [...new Set(parts.flatMap((p) => p.modelLibraries))],
    cases: parts.flatMap((p) => p.cases),
  };
}

/** --case: exact ids; a synthetic id outside the generated range is regenerated from its seed. */
export function pickCases(cases: CaseDef[], ids: readonly string[]): CaseDef[] {
  const byId = new Map(cases.map((c) => [c.id, c]));
  return ids.map((id) => {
    const found = byId.get(id) ?? caseById(id);
    if (!found) throw new CorpusError(`--case: no case ${JSON.stringify(id)} in this corpus`);
    return found;
  });
}

/** --filter: the cases whose id or family the (already compiled) filter matches. */
export function filterCases(cases: CaseDef[], filter: CaseFilter | null | undefined): CaseDef[] {
  if (!filter) return cases;
  const re = filter.regexp;
  return cases.filter((c) => re.test(c.id) || re.test(c.family));
}

/** The frontends a run's cases need (the worker checks their packages at start-up). */
export function caseFrontends(cases: CaseDef[]): string[] {
  return [...new Set(cases.map((c) => c.frontend ?? DEFAULT_FRONTEND))].sort();
}

/** The synthetic spec of a case (also of an onnx case made from a synthetic one), else null. */
export function syntheticSpec(c: CaseDef): Record<string, unknown> | null {
  const m = c.model;
  if ('spec' in m) return m.spec;
  if ('torch' in m && 'spec' in m.torch) return m.torch.spec;
  return null;
}

export function caseKind(c: CaseDef): 'real' | 'synthetic' {
  return syntheticSpec(c) ? 'synthetic' : 'real';
}
