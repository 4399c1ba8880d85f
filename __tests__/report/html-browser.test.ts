/**
 * The HTML report opened in a real headless browser (Debian's chromium): a run of a
 * default-corpus-like set of cases and a gate with regressions. The assertions are on the DOM the
 * browser built (--dump-dom): what the page shows, that the plots are there, and that hostile
 * text from a converter stays text. With CONVGATE_SCREENSHOT_DIR set (scripts/report-screenshots.sh)
 * it also keeps a screenshot of each page there.
 */
import { describe, expect, it, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadCorpus } from '../../src/corpus/load.js';
import { diffResults } from '../../src/gate/diff.js';
import { renderHtml } from '../../src/report/view/html.js';
import { gateView, runView } from '../../src/report/view/model.js';
import type { Outcome } from '../../src/results/outcome.js';
import type { CaseResult } from '../../src/results/schema.js';
import { caseResult, resultsDoc } from '../gate/docs.js';
import { tempDir } from '../helpers.js';

const run = promisify(execFile);
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const SCREENSHOTS = process.env.CONVGATE_SCREENSHOT_DIR;
const HOSTILE = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>';

if (!CHROMIUM)
  console.warn(
    'html-browser.test: skipped, no chromium (apt-get install -y chromium) -- the HTML report is not opened in a browser',
  );
const browserIt = CHROMIUM ? it : it.skip;

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Opens the page in headless chromium; returns the DOM it built (and screenshots it if asked). */
async function openInChromium(html: string, name: string): Promise<string> {
  const dir = await tempDir('html');
  dirs.push(dir);
  const file = path.join(dir, `${name}.html`);
  await writeFile(file, html);
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--hide-scrollbars',
    `--user-data-dir=${path.join(dir, 'profile')}`,
  ];
  const opts = { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 };
  const { stdout } = await run(CHROMIUM!, [...flags, '--dump-dom', `file://${file}`], opts);
  if (SCREENSHOTS) {
    await mkdir(SCREENSHOTS, { recursive: true });
    const png = path.resolve(SCREENSHOTS, `report-${name}.png`);
    await run(
      CHROMIUM!,
      [...flags, '--window-size=1150,2200', `--screenshot=${png}`, `file://${file}`],
      opts,
    );
    expect((await stat(png)).size).toBeGreaterThan(0);
  }
  return stdout;
}

/** Text of the elements matching a simple `<tag ... attr="value"` opening, for DOM checks. */
function count(dom: string, re: RegExp): number {
  return (dom.match(re) ?? []).length;
}

/** A deterministic mix of outcomes over the default corpus' cases (real and generated). */
async function defaultLikeCases(): Promise<CaseResult[]> {
  const corpus = await loadCorpus('default');
  const pattern: Outcome[] = [
    'ok',
    'ok',
    'ok',
    'ok',
    'ok',
    'ok',
    'wrong-output',
    'ok',
    'conversion-crash',
    'ok',
    'ok',
    'invalid-model',
  ];
  return corpus.cases.map((c, k) => {
    const outcome = pattern[k % pattern.length];
    return caseResult(c.id, outcome, {
      family: c.family,
      kind: c.id.startsWith('syn-') ? 'synthetic' : 'real',
      maxAbsErr:
        outcome === 'ok'
          ? 10 ** -(4 + (k % 5))
          : outcome === 'wrong-output'
            ? 0.05 * (1 + (k % 7))
            : undefined,
      export: 40 + ((k * 37) % 900),
      run: 2 + ((k * 13) % 60),
      ...(outcome === 'conversion-crash'
        ? {
            error: {
              stage: 'export' as const,
              type: 'UnsupportedOperatorError',
              message: `aten::op_${k % 3} is not supported\n  File "x.py"`,
            },
          }
        : outcome === 'invalid-model'
          ? {
              error: {
                stage: 'load' as const,
                type: 'InvalidGraph',
                message: 'Type Error: Type (tensor(int64)) of input',
              },
            }
          : {}),
    });
  });
}

describe('the HTML report in headless chromium', () => {
  browserIt(
    'shows a default-corpus-like run: counts, outcomes per family, errors, timings, failing cases',
    async () => {
      const cases = await defaultLikeCases();
      cases[1] = caseResult(HOSTILE, 'runtime-crash', {
        family: 'hostile',
        error: { stage: 'run', type: 'Fail', message: `${HOSTILE} https://evil.example/ @someone` },
      });
      const doc = resultsDoc(cases, { corpus: { name: 'default', hash: 'abc123', cases: cases.length } });
      const dom = await openInChromium(renderHtml(runView(doc)), 'run');

      const families = new Set(cases.map((c) => c.family));
      expect(dom).toContain('<h2>Outcomes per family</h2>');
      // One bar row per family (at most 40, the tail summed): each has its label and at least one segment.
      const rows = Math.min(families.size, 40);
      expect(count(dom, /<rect class="seg"/g)).toBeGreaterThanOrEqual(rows);
      expect(dom).toContain('<h2>Error distribution</h2>');
      expect(count(dom, /<rect class="col"/g)).toBeGreaterThan(3);
      expect(dom).toContain('atol 0.001');
      expect(dom).toContain('<h2>Timings</h2>');
      const notOk = cases.filter((c) => c.outcome !== 'ok').length;
      expect(dom).toContain(`Cases that are not ok (${notOk})`);
      expect(count(dom, /<tr><td class="id">/g)).toBe(Math.min(notOk, 500));
      const ok = cases.filter((c) => c.outcome === 'ok').length;
      expect(dom).toContain(`data-count="ok">${ok} ok<`);
      // Hostile text is text: no script or img element came out of it, the title is untouched.
      expect(count(dom, /<script/gi)).toBe(0);
      expect(count(dom, /<img/gi)).toBe(0);
      expect(dom).toContain('&lt;script&gt;document.title="pwned"&lt;/script&gt;');
      expect(dom).not.toContain('<title>pwned</title>');
    },
  );

  browserIt(
    'shows a gate with regressions: verdict, the regressions table, before/after errors',
    async () => {
      const fam = (k: number) => ['resnet', 'vit', 'bert', 'syn-conv'][k % 4];
      const base = Array.from({ length: 24 }, (_, k) =>
        caseResult(`case-${k}`, 'ok', { family: fam(k), maxAbsErr: 1e-6 * (k + 1), export: 100 + k }),
      );
      const cand = base.map((c, k) =>
        k === 3
          ? caseResult(c.id, 'wrong-output', { family: c.family, maxAbsErr: 0.8, opTypes: ['Softmax'] })
          : k === 5
            ? caseResult(c.id, 'conversion-crash', {
                family: c.family,
                error: { stage: 'export', type: 'TorchExportError', message: `${HOSTILE}\nsecond line` },
              })
            : caseResult(c.id, 'ok', { family: c.family, maxAbsErr: 1e-6 * (k + 1), export: 110 + k }),
      );
      const baseline = resultsDoc(base);
      const candidate = resultsDoc(cand, { converter: { name: 'torch.onnx', version: '2.13.0' } });
      const report = diffResults(baseline, candidate);
      expect(report.verdict).toBe('fail');
      const dom = await openInChromium(renderHtml(gateView(report, { candidate, baseline })), 'gate');

      expect(dom).toMatch(/<span class="verdict fail" id="verdict">fail<\/span>/);
      expect(dom).toContain('data-count="regressions">2 regressions<');
      const section = dom.slice(dom.indexOf('data-section="regressions"'));
      expect(section).toContain('Regressions (2)');
      expect(section).toContain('ok → wrong-output');
      expect(section).toContain('ok → conversion-crash');
      expect(section).toContain('TorchExportError');
      // Before and after: the family bars carry a baseline bar, the error plot two series.
      expect(dom).toContain('Error distribution: before and after');
      expect(dom).toMatch(/baseline \(24 cases\)/);
      expect(dom).toMatch(/candidate \(23 cases\)/);
      expect(dom).toContain('thin bar under it: baseline');
      expect(count(dom, /<script/gi)).toBe(0);
      expect(count(dom, /<img/gi)).toBe(0);
    },
  );
});
