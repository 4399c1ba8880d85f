import { runCoverage } from '../report/coverage.js';
import type { CaseResult, ResultsDoc } from '../results/schema.js';

/** Shard `index` (1-based) of `count`: a deterministic slice of the (filtered) corpus. */
export interface Shard {
  index: number;
  count: number;
}

export class ShardError extends Error {}

export function formatShard(s: Shard): string {
  return `${s.index}/${s.count}`;
}

/** Parses `i/n` (1 ≤ i ≤ n); `name` is the flag or input the text came from, for the message. */
export function parseShard(text: string, name = '--shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new ShardError(`${name} must look like i/n (e.g. 2/3), got ${JSON.stringify(text)}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count)
    throw new ShardError(`${name} ${JSON.stringify(text)}: need 1 ≤ i ≤ n (shards are numbered from 1)`);
  return { index, count };
}

/**
 * The cases of one shard: every n-th case of the list, starting at position i−1. Round-robin over
 * the corpus order spreads each model family (similar cost) over all shards; the same list and
 * shard always give the same slice, and the n slices partition the list.
 */
export function shardCases<T>(cases: readonly T[], shard: Shard | null): T[] {
  if (!shard || shard.count === 1) return [...cases];
  return cases.filter((_, k) => k % shard.count === shard.index - 1);
}

/** The shard a results document was made for (settings.shard), if any. */
export function shardOf(doc: ResultsDoc): Shard | null {
  return doc.settings.shard !== undefined ? parseShard(doc.settings.shard, 'settings.shard') : null;
}

/**
 * Combines the results of the n shards of one run into the document an unsharded run makes:
 * same settings (without `shard`), cases back in corpus order. Refuses shards that were not made
 * the same way, a shard given twice, or a missing shard — each with a message naming it.
 */
export function mergeShardResults(parts: { label: string; doc: ResultsDoc }[]): ResultsDoc {
  if (parts.length === 0) throw new ShardError('merge: no shard results given');
  const shards = parts.map((p) => {
    const s = shardOf(p.doc);
    if (!s) throw new ShardError(`merge: ${p.label} is not the result of a sharded run (no settings.shard)`);
    return { ...p, shard: s };
  });
  const n = shards[0].shard.count;
  const first = shards[0];
  const seen = new Map<number, string>();
  for (const p of shards) {
    if (p.shard.count !== n)
      throw new ShardError(
        `merge: ${p.label} is shard ${formatShard(p.shard)} but ${first.label} is ${formatShard(first.shard)}`,
      );
    const other = seen.get(p.shard.index);
    if (other) throw new ShardError(`merge: ${p.label} and ${other} are both shard ${formatShard(p.shard)}`);
    seen.set(p.shard.index, p.label);
    const differs = sameRunDifference(first.doc, p.doc);
    if (differs) throw new ShardError(`merge: ${p.label} differs from ${first.label}: ${differs}`);
  }
  const missing = Array.from({ length: n }, (_, k) => k + 1).filter((i) => !seen.has(i));
  if (missing.length)
    throw new ShardError(`merge: missing shard(s) ${missing.map((i) => `${i}/${n}`).join(', ')}`);

  // Shard i holds the cases at positions i-1, i-1+n, … of the full list: interleave them back.
  const positioned: { pos: number; c: CaseResult }[] = [];
  for (const p of shards)
    p.doc.cases.forEach((c, k) => positioned.push({ pos: k * n + (p.shard.index - 1), c }));
  positioned.sort((x, y) => x.pos - y.pos);
  const ids = new Set<string>();
  for (const { c } of positioned) {
    if (ids.has(c.id)) throw new ShardError(`merge: case ${c.id} appears in two shards`);
    ids.add(c.id);
  }

  const docs = shards.map((p) => p.doc);
  const started = Math.min(...docs.map((d) => Date.parse(d.startedAt)));
  const finished = Math.max(...docs.map((d) => Date.parse(d.finishedAt)));
  const settings = { ...first.doc.settings };
  delete settings.shard;
  return {
    ...first.doc,
    settings,
    corpus: { ...first.doc.corpus, cases: docs.reduce((s, d) => s + d.corpus.cases, 0) },
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - started,
    complete: docs.every((d) => d.complete),
    ...(first.doc.coverage !== undefined ? { coverage: { ...runCoverage(positioned.map((p) => p.c)) } } : {}),
    // Every shard ran the same converter build: any shard's registry is the run's.
    ...(first.doc.surface
      ? { surface: docs.find((d) => d.surface?.registered)?.surface ?? first.doc.surface }
      : {}),
    cases: positioned.map((p) => p.c),
  };
}

/** Why two shard documents cannot be parts of one run (null when they can). */
function sameRunDifference(a: ResultsDoc, b: ResultsDoc): string | null {
  if (a.corpus.hash !== b.corpus.hash) return `corpus ${a.corpus.hash} vs ${b.corpus.hash}`;
  if (a.converter.name !== b.converter.name || a.converter.version !== b.converter.version)
    return `converter ${a.converter.name} ${a.converter.version} vs ${b.converter.name} ${b.converter.version}`;
  const keys = ['atol', 'rtol', 'opset', 'adapter', 'filter', 'timeoutS'] as const;
  const sa = a.settings;
  const sb = b.settings;
  for (const k of keys)
    if ((sa[k] ?? null) !== (sb[k] ?? null))
      return `settings.${k} ${JSON.stringify(sa[k] ?? null)} vs ${JSON.stringify(sb[k] ?? null)}`;
  return null;
}
