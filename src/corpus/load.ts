import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { CORPUS_DIR, PACKAGE_ROOT } from '../util/paths.js';
import { CaseDef, CorpusFile } from './schema.js';
import { caseById, generateCases } from './synthetic/index.js';

/** A loaded corpus: cases with corpus defaults merged in, and what the worker needs to build them. */
export interface Corpus {
  name: string;
  /** sha256 over the case definitions and the Python model sources they may import. */
  hash: string;
  /** Folders the worker appends to sys.path for model factories. */
  pythonPaths: string[];
  cases: CaseDef[];
}

export class CorpusError extends Error {}

/**
 * Corpora by name: `real` (corpus/real/cases.json), `synthetic` (generated, count and seed from
 * the request) and `default` (both). Anything else is read as a path to a cases.json file.
 */
export const BUNDLED_CORPORA = ['real', 'synthetic', 'default'] as const;

export interface SyntheticRequest {
  /** Generated cases for `synthetic` / `default`. */
  syntheticCount?: number | null;
  syntheticSeed?: number | null;
}

export const DEFAULT_SYNTHETIC_COUNT = 200;
export const DEFAULT_SYNTHETIC_SEED = 1;

export function bundledCorpusFile(name: string): string | null {
  return name === 'real' ? path.join(CORPUS_DIR, name, 'cases.json') : null;
}

export async function loadCorpusFile(file: string): Promise<Corpus> {
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
  const corpus = parsed.data;
  const seen = new Set<string>();
  for (const c of corpus.cases) {
    if (seen.has(c.id)) throw new CorpusError(`corpus ${file}: duplicate case id ${JSON.stringify(c.id)}`);
    seen.add(c.id);
  }
  const dir = path.dirname(file);
  const pythonPaths = (corpus.pythonPath ?? []).map((p) => path.resolve(dir, p));
  const defaults = corpus.defaults ?? {};
  const cases = corpus.cases.map((c, k) => {
    // The corpus defaults merged in must make a valid case too (e.g. dynamicAxes naming its inputs).
    const merged = CaseDef.safeParse({
      ...c,
      seed: c.seed ?? defaults.seed ?? 0,
      export: { ...defaults.export, ...c.export },
      tolerance: { ...defaults.tolerance, ...c.tolerance },
    });
    if (!merged.success) {
      const issue = merged.error.issues[0];
      throw new CorpusError(
        `corpus ${file}: case ${JSON.stringify(c.id)} (with the corpus defaults): cases.${k}.${issue.path.join('.')}: ${issue.message}`,
      );
    }
    return merged.data;
  });
  return { name: corpus.name, hash: await hashCorpus(cases, pythonPaths), pythonPaths, cases };
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
  // The interpreter gives specs their meaning: a change to it changes the corpus.
  const interpreter = await readFile(path.join(PACKAGE_ROOT, 'python', 'convgate_worker', 'synthetic.py'));
  const h = createHash('sha256').update(JSON.stringify(cases)).update(interpreter);
  return { name: 'synthetic', hash: h.digest('hex').slice(0, 16), pythonPaths: [], cases };
}

/** Loads a corpus by name (real, synthetic, default) or a cases.json by path. */
export async function loadCorpus(nameOrFile: string, request: SyntheticRequest = {}): Promise<Corpus> {
  const count = request.syntheticCount ?? DEFAULT_SYNTHETIC_COUNT;
  const seed = request.syntheticSeed ?? DEFAULT_SYNTHETIC_SEED;
  if (nameOrFile === 'synthetic') return syntheticCorpus(count, seed);
  if (nameOrFile === 'default') {
    return mergeCorpora('default', [await loadCorpus('real'), await syntheticCorpus(count, seed)]);
  }
  return loadCorpusFile(bundledCorpusFile(nameOrFile) ?? path.resolve(nameOrFile));
}

async function hashCorpus(cases: CaseDef[], pythonPaths: string[]): Promise<string> {
  const h = createHash('sha256');
  h.update(JSON.stringify(cases));
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

/** --filter: a regular expression matched against case id and family. */
export function filterCases(cases: CaseDef[], pattern: string | null | undefined): CaseDef[] {
  if (!pattern) return cases;
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (e) {
    throw new CorpusError(
      `--filter: ${JSON.stringify(pattern)} is not a valid regular expression: ${(e as Error).message}`,
    );
  }
  return cases.filter((c) => re.test(c.id) || re.test(c.family));
}

export function caseKind(c: CaseDef): 'real' | 'synthetic' {
  return 'spec' in c.model ? 'synthetic' : 'real';
}
