import { describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ResultsDoc } from '../../src/results/schema.js';
import { runCli } from '../cli-harness.js';
import { tempDir } from '../helpers.js';
import { caseResult as c, resultsDoc as doc } from './docs.js';

async function diff(baseline: ResultsDoc, candidate: ResultsDoc) {
  const dir = await tempDir('diffcli');
  const b = path.join(dir, 'baseline.json');
  const a = path.join(dir, 'candidate.json');
  await writeFile(b, JSON.stringify(baseline));
  await writeFile(a, JSON.stringify(candidate));
  return { ...(await runCli('diff', b, a)), files: { b, a } };
}

describe('convgate diff exit codes', () => {
  it('exits 1 when the candidate lost every case (0 of 3)', async () => {
    const r = await diff(doc([c('a', 'ok'), c('b', 'ok'), c('c', 'ok')]), doc([]));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/3 case\(s\) missing from the candidate/);
  });

  it('exits 2 on a duplicate case id, naming the file and the id', async () => {
    const dup = doc([c('a', 'ok'), c('b', 'ok'), c('a', 'ok')]);
    const r = await diff(doc([c('a', 'ok'), c('b', 'ok')]), dup);
    expect(r.code).toBe(2);
    expect(r.err).toContain(r.files.a);
    expect(r.err).toMatch(/cases\.2\.id: case id "a" appears more than once \(cases 0 and 2\)/);
    const again = await diff(dup, doc([c('a', 'ok'), c('b', 'ok')]));
    expect(again.code).toBe(2);
    expect(again.err).toContain(again.files.b);
  });
});
