import { describe, expect, it } from '@jest/globals';
import { mergeShardResults, parseShard, shardCases, ShardError } from '../../src/gate/shard.js';
import type { ResultsDoc } from '../../src/results/schema.js';
import { caseResult as c, resultsDoc as doc } from './docs.js';

describe('parseShard', () => {
  it('reads i/n', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
  });

  it.each([
    ['2-3', /--shard must look like i\/n \(e\.g\. 2\/3\), got "2-3"/],
    ['a/b', /must look like i\/n/],
    ['', /must look like i\/n/],
    ['0/3', /need 1 ≤ i ≤ n \(shards are numbered from 1\)/],
    ['4/3', /--shard "4\/3": need 1 ≤ i ≤ n/],
    ['1/0', /need 1 ≤ i ≤ n/],
  ])('rejects %j with one clear line', (text, message) => {
    expect(() => parseShard(text)).toThrow(ShardError);
    expect(() => parseShard(text)).toThrow(message);
  });
});

describe('shardCases', () => {
  const ids = Array.from({ length: 10 }, (_, k) => `case-${k}`);

  it('partitions the list: every case in exactly one shard, same slice every time', () => {
    const slices = [1, 2, 3].map((index) => shardCases(ids, { index, count: 3 }));
    expect(slices.flat().sort()).toEqual([...ids].sort());
    expect(slices.map((s) => s.length)).toEqual([4, 3, 3]);
    expect(shardCases(ids, { index: 2, count: 3 })).toEqual(slices[1]);
    expect(slices[0]).toEqual(['case-0', 'case-3', 'case-6', 'case-9']);
  });

  it('no shard, or 1/1, is everything', () => {
    expect(shardCases(ids, null)).toEqual(ids);
    expect(shardCases(ids, { index: 1, count: 1 })).toEqual(ids);
  });
});

describe('mergeShardResults', () => {
  const all = Array.from({ length: 7 }, (_, k) => c(`m${k}`, k === 3 ? 'hang' : 'ok'));
  const shardDoc = (index: number, count: number, over: Partial<ResultsDoc> = {}) =>
    doc(shardCases(all, { index, count }), {
      settings: { shard: `${index}/${count}` },
      startedAt: `2026-01-01T00:0${index}:00.000Z`,
      finishedAt: `2026-01-01T00:0${index + 1}:00.000Z`,
      ...over,
    });

  it('gives back the unsharded document: corpus order, summed counts, no shard setting', () => {
    const parts = [3, 1, 2].map((i) => ({ label: `shard ${i}`, doc: shardDoc(i, 3) }));
    for (const p of parts) p.doc.corpus.cases = p.doc.cases.length;
    const merged = mergeShardResults(parts);
    const unsharded = doc(all);
    expect(merged.cases).toEqual(unsharded.cases);
    expect(merged.settings).toEqual(unsharded.settings);
    expect(merged.corpus).toEqual(unsharded.corpus);
    expect(merged.complete).toBe(true);
    expect(merged.startedAt).toBe('2026-01-01T00:01:00.000Z');
    expect(merged.finishedAt).toBe('2026-01-01T00:04:00.000Z');
  });

  it('refuses a missing, duplicated or foreign shard, naming it', () => {
    expect(() =>
      mergeShardResults([
        { label: 'a', doc: shardDoc(1, 3) },
        { label: 'b', doc: shardDoc(3, 3) },
      ]),
    ).toThrow('merge: missing shard(s) 2/3');
    expect(() =>
      mergeShardResults([
        { label: 'a', doc: shardDoc(1, 2) },
        { label: 'b', doc: shardDoc(1, 2) },
      ]),
    ).toThrow('merge: b and a are both shard 1/2');
    expect(() =>
      mergeShardResults([
        { label: 'a', doc: shardDoc(1, 2) },
        { label: 'b', doc: shardDoc(2, 3) },
      ]),
    ).toThrow('merge: b is shard 2/3 but a is 1/2');
    expect(() =>
      mergeShardResults([
        { label: 'a', doc: shardDoc(1, 2) },
        { label: 'b', doc: shardDoc(2, 2, { corpus: { name: 'test', hash: 'other', cases: 3 } }) },
      ]),
    ).toThrow('merge: b differs from a: corpus h1 vs other');
    expect(() => mergeShardResults([{ label: 'plain', doc: doc(all) }])).toThrow(
      'merge: plain is not the result of a sharded run (no settings.shard)',
    );
  });

  it('an incomplete shard makes the merge incomplete', () => {
    const merged = mergeShardResults([
      { label: 'a', doc: shardDoc(1, 2) },
      { label: 'b', doc: shardDoc(2, 2, { complete: false }) },
    ]);
    expect(merged.complete).toBe(false);
  });
});

describe('restrictBaseline', () => {
  it('compares a filtered or sharded run with the matching part of a full baseline', async () => {
    const { restrictBaseline } = await import('../../src/gate/gate.js');
    const ids = ['a1', 'b1', 'a2', 'b2'];
    const corpus = {
      name: 'test',
      hash: 'h1',
      pythonPaths: [],
      modelLibraries: [],
      cases: ids.map((id) => ({ id, family: id[0], model: { factory: 'm:f' }, inputs: [] })),
    } as unknown as import('../../src/corpus/load.js').Corpus;
    const full = doc([...ids, 'gone'].map((id) => c(id, 'ok')));
    const { CASE_FILTER } = await import('../../src/util/args.js');
    const ofIds = (sel: { filter: string | null; shard: { index: number; count: number } | null }) =>
      restrictBaseline(full, corpus, {
        ...sel,
        filter: sel.filter === null ? null : CASE_FILTER.schema.parse(sel.filter),
      }).cases.map((x) => x.id);
    expect(ofIds({ filter: null, shard: null })).toEqual(['a1', 'b1', 'a2', 'b2', 'gone']);
    // A case the corpus no longer has stays (reported as removed), except per shard.
    expect(ofIds({ filter: '^a', shard: null })).toEqual(['a1', 'a2', 'gone']);
    expect(ofIds({ filter: null, shard: { index: 2, count: 2 } })).toEqual(['b1', 'b2']);
  });
});

describe('settings.shard in a results document', () => {
  it('is checked once, when the document is read: a bad one is refused naming the field', async () => {
    const { ResultsDoc } = await import('../../src/results/schema.js');
    const ok = doc([c('a', 'ok')], { settings: { shard: '2/3' } });
    expect(ResultsDoc.parse(JSON.parse(JSON.stringify(ok))).settings.shard).toBe('2/3');
    for (const shard of ['4/3', '2-3', '0/1']) {
      const bad = JSON.parse(JSON.stringify({ ...ok, settings: { ...ok.settings, shard } }));
      const parsed = ResultsDoc.safeParse(bad);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0].path).toEqual(['settings', 'shard']);
    }
  });
});
