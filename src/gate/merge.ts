import { cp, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ResultsDoc } from '../results/schema.js';
import { readResultsDoc, writeResultsDoc, RESULTS_JSON } from '../results/writer.js';
import { mergeShardResults } from './shard.js';

/** The folder of a results path (a folder, or a results.json inside one). */
async function folderOf(p: string): Promise<string> {
  try {
    return (await stat(p)).isDirectory() ? p : path.dirname(p);
  } catch {
    return path.basename(p) === RESULTS_JSON ? path.dirname(p) : p;
  }
}

/**
 * Merges shard results folders into `out`: one results.json (as an unsharded run writes it) and
 * the kept models, tensors and reproducers of every shard under out/cases/ (case ids are unique,
 * so the folders do not collide).
 */
export async function mergeShardDirs(shards: string[], out: string): Promise<ResultsDoc> {
  const parts: { label: string; doc: ResultsDoc }[] = [];
  for (const s of shards) parts.push({ label: s, doc: await readResultsDoc(s) });
  const merged = mergeShardResults(parts);
  await mkdir(out, { recursive: true });
  for (const s of shards) {
    const casesDir = path.join(await folderOf(s), 'cases');
    try {
      if (!(await stat(casesDir)).isDirectory()) continue;
    } catch {
      continue;
    }
    if (path.resolve(casesDir) !== path.resolve(out, 'cases'))
      await cp(casesDir, path.join(out, 'cases'), { recursive: true });
  }
  await writeResultsDoc(out, merged);
  return merged;
}
