import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { SCHEMA_VERSION } from '../results/schema.js';
import { PACKAGE_ROOT } from '../util/paths.js';
import { TOOL_VERSION } from '../util/version.js';

/**
 * Where baselines live between runs. The Action uses the GitHub Actions cache (keyed by the base
 * commit); the CLI, tests and self-hosted runners use a local directory. Entries are immutable:
 * saving an existing key keeps the first entry.
 */
export interface BaselineStore {
  readonly description: string;
  /** Restores the entry `key` into `dir` (created); false when there is none. */
  restore(key: string, dir: string): Promise<boolean>;
  /** Saves the files of `dir` under `key`; false when it was not saved (exists, unavailable…). */
  save(key: string, dir: string): Promise<boolean>;
}

/** Where run outputs (results, reports, reproducers) are published: Actions artifacts or a folder. */
export interface ArtifactStore {
  readonly description: string;
  /** Uploads `files` (absolute, under `root`) as the artifact `name`. */
  upload(name: string, root: string, files: string[]): Promise<void>;
  /** Downloads every artifact of this run whose name starts with `prefix`, each into dest/<name>/. */
  downloadAll(prefix: string, dest: string): Promise<string[]>;
}

/** What a baseline was made with: a baseline is reused only for the same corpus and settings. */
export interface BaselineIdentity {
  corpusHash: string;
  /** convgate's own worker code (converter driving, tensor generation): see toolFingerprint(). */
  tool?: string;
  atol: number;
  rtol: number;
  opset: number | null;
  adapter: string;
  filter: string | null;
  /** The converter build (environmentKey): other package versions never reuse a baseline. */
  environment?: EnvironmentKey;
}

/**
 * What identifies a converter build in a baseline key: Python, exporter and package versions,
 * the converter (name and version: for a command-line converter, a hash of its command) and the
 * source frontends with their versions.
 */
export interface EnvironmentKey {
  python: string | null;
  exporter: string | null;
  packages: Record<string, string | null>;
  converter?: { name: string; version: string } | null;
  frontends?: Record<string, string>;
}

/**
 * The key part of a results document's `environment` plus its `converter` (environmentKey({
 * ...doc.environment, converter: doc.converter })), or of a worker's ready message (same shape).
 */
export function environmentKey(env: Record<string, unknown>): EnvironmentKey {
  const python = env.python as { version?: unknown } | undefined;
  const packages = (env.packages ?? {}) as Record<string, unknown>;
  const converter = env.converter as { name?: unknown; version?: unknown } | undefined;
  const frontends = (env.frontends ?? {}) as Record<string, { version?: unknown }>;
  return {
    python: typeof python?.version === 'string' ? python.version : null,
    exporter: typeof env.exporter === 'string' ? env.exporter : null,
    packages: sortedStrings(packages),
    ...(typeof converter?.name === 'string'
      ? { converter: { name: converter.name, version: String(converter.version ?? 'unknown') } }
      : {}),
    ...(Object.keys(frontends).length
      ? {
          frontends: Object.fromEntries(
            Object.keys(frontends)
              .sort()
              .map((k) => [k, String(frontends[k]?.version ?? 'unknown')]),
          ),
        }
      : {}),
  };
}

function sortedStrings(record: Record<string, unknown>): Record<string, string | null> {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((k) => [k, typeof record[k] === 'string' ? (record[k] as string) : null]),
  );
}

/**
 * Cache key of the baseline for one commit: convgate-<version>-<corpus hash>-<settings hash>-<sha>.
 * The commit comes last so a key is never a prefix of another commit's key.
 */
export function baselineKey(id: BaselineIdentity, sha: string): string {
  const settings = createHash('sha256')
    .update(
      JSON.stringify({
        schema: SCHEMA_VERSION,
        atol: id.atol,
        rtol: id.rtol,
        opset: id.opset,
        adapter: id.adapter,
        filter: id.filter,
        ...(id.environment ? { environment: id.environment } : {}),
      }),
    )
    .digest('hex')
    .slice(0, 12);
  return `convgate-baseline-${id.tool ?? TOOL_VERSION}-${id.corpusHash}-${settings}-${sha}`;
}

/**
 * convgate's version plus a hash of its Python worker sources: results depend on how the worker
 * builds inputs and calls the converter, so a baseline made by other worker code is not reused
 * (the version string alone does not change between development builds).
 */
export async function toolFingerprint(root: string = PACKAGE_ROOT): Promise<string> {
  const h = createHash('sha256').update(TOOL_VERSION);
  const files = (await listFiles(path.join(root, 'python'))).filter((f) => f.endsWith('.py'));
  for (const f of files) h.update(path.relative(root, f)).update(await readFile(f));
  return `${TOOL_VERSION}-${h.digest('hex').slice(0, 8)}`;
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

export function safeName(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** A folder of baselines, one sub-folder per key. */
export class LocalBaselineStore implements BaselineStore {
  constructor(readonly root: string) {}

  get description(): string {
    return `baseline folder ${this.root}`;
  }

  async restore(key: string, dir: string): Promise<boolean> {
    const src = path.join(this.root, safeName(key));
    if (!(await isDir(src))) return false;
    await mkdir(dir, { recursive: true });
    await cp(src, dir, { recursive: true });
    return true;
  }

  async save(key: string, dir: string): Promise<boolean> {
    const dest = path.join(this.root, safeName(key));
    if (await isDir(dest)) return false;
    await mkdir(this.root, { recursive: true });
    const tmp = `${dest}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await cp(dir, tmp, { recursive: true });
    await rename(tmp, dest);
    return true;
  }
}

/** Every file under `dir` (absolute paths), for an artifact upload. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  if (await isDir(dir)) await walk(dir);
  return out.sort();
}
