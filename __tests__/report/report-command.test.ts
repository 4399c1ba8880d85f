import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { diffResults } from '../../src/gate/diff.js';
import { writeResultsDoc } from '../../src/results/writer.js';
import { caseResult, resultsDoc } from '../gate/docs.js';
import { tempDir } from '../helpers.js';
import { runCli } from '../cli-harness.js';

const cli = runCli;

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('convgate report --html', () => {
  it('writes the HTML report of a gate folder, with both sides feeding the plots', async () => {
    const dir = await tempDir('report-html');
    dirs.push(dir);
    const baseline = resultsDoc([caseResult('a', 'ok'), caseResult('b', 'ok', { family: 'vit' })]);
    const candidate = resultsDoc([
      caseResult('a', 'ok'),
      caseResult('b', 'wrong-output', { family: 'vit', maxAbsErr: 0.7 }),
    ]);
    for (const [side, doc] of [
      ['baseline', baseline],
      ['candidate', candidate],
    ] as const) {
      await mkdir(path.join(dir, side));
      await writeResultsDoc(path.join(dir, side), doc);
    }
    await writeFile(path.join(dir, 'gate.json'), JSON.stringify(diffResults(baseline, candidate)));
    const html = path.join(dir, 'gate.html');

    const r = await cli('report', dir, '--html', html);
    expect(r.code).toBe(0);
    expect(r.out).toContain('**1 regression**');
    const page = await readFile(html, 'utf8');
    expect(page).toContain('Regressions (1)');
    expect(page).toContain('Error distribution: before and after');
    expect(page).toContain('baseline (2 cases)');
  });

  it('writes the HTML report of a results folder', async () => {
    const dir = await tempDir('report-html');
    dirs.push(dir);
    await writeResultsDoc(dir, resultsDoc([caseResult('a', 'ok'), caseResult('b', 'hang')]));
    const html = path.join(dir, 'run.html');
    const r = await cli('report', path.join(dir, 'results.json'), '--html', html);
    expect(r.code).toBe(0);
    const page = await readFile(html, 'utf8');
    expect(page).toContain('Cases that are not ok (1)');
    expect(page).toContain('data-count="hang">1 hang<');
  });

  it('names the file of a gate.json that is not a gate report (exit 2)', async () => {
    const dir = await tempDir('report-html');
    dirs.push(dir);
    await writeFile(path.join(dir, 'gate.json'), JSON.stringify({ verdict: 'maybe' }));
    const r = await cli('report', dir, '--html', path.join(dir, 'x.html'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/gate\.json: not a convgate gate report: /);
  });
});
