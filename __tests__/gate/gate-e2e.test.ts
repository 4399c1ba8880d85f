/**
 * `convgate gate`, `diff` and `merge` end to end on a few fault-corpus cases, with a test-only
 * injected converter regression (fixtures/injected-regression: GELU exported as Relu).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderPrComment } from '../../src/app/render-pr-comment.js';
import { loadCorpus } from '../../src/corpus/load.js';
import { selectCases, selectionSettings } from '../../src/gate/gate.js';
import { GateReport } from '../../src/gate/schema.js';
import { runCases } from '../../src/run/run-cases.js';
import { readResultsDoc } from '../../src/results/writer.js';
import type { CaseResult } from '../../src/results/schema.js';
import { FAULT_CORPUS, FIXTURES, PYTHON, tempDir } from '../helpers.js';
import { runCli } from '../cli-harness.js';
import { CASE_FILTER } from '../../src/util/args.js';

const INJECTED = path.join(FIXTURES, 'injected-regression');
const FILTER = '^(tiny-mlp|wrong-symbolic|int-bool-outputs|unexportable-fft)$';
const COMMON = [
  '--corpus',
  FAULT_CORPUS,
  '--filter',
  FILTER,
  '--jobs',
  '2',
  '--python',
  PYTHON,
  '--timeout',
  '60',
];

const cli = runCli;

async function gateReport(dir: string): Promise<GateReport> {
  return GateReport.parse(JSON.parse(await readFile(path.join(dir, 'gate.json'), 'utf8')));
}

/** One line on stderr, and it is the message. */
function oneLine(err: string): string {
  const lines = err.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe('convgate gate / diff / merge', () => {
  let same: string; // both sides run with the same converter
  let sameResult: { code: number; out: string; err: string };
  beforeAll(async () => {
    same = await tempDir('gate-same');
    sameResult = await cli('gate', '--out', same, ...COMMON);
  });

  it('same converter on both sides: pass, no regressions, no flakes', async () => {
    expect(sameResult.code).toBe(0);
    const r = await gateReport(same);
    expect(r.verdict).toBe('pass');
    expect(r.counts).toMatchObject({ regressions: 0, flaky: 0, fixes: 0, stillFailing: 2, unchanged: 2 });
    expect(r.baseline?.source).toBe('run');
    expect(sameResult.out).toContain('## convgate: ✅ pass — no regressions');
    expect(sameResult.err).toContain('── convgate: baseline run (4 cases');
    expect(sameResult.err).toMatch(/\[4\/4\]/);
    // Each phase's CPU time (the gate and its workers, Linux): recorded and shown beside the wall time.
    expect(r.timing.baselineCpuMs).toBeGreaterThan(0);
    expect(r.timing.candidateCpuMs).toBeGreaterThan(0);
    expect(sameResult.out).toMatch(
      /\*\*Timing:\*\* baseline [^(·]+ \(CPU [^)]+\) · candidate [^(·]+ \(CPU [^)]+\)/,
    );
  });

  it('a pass states how much of the converter it covered; the PR comment shows it in one line', async () => {
    const r = await gateReport(same);
    const s = r.surface;
    if (!s?.measured) throw new Error(`surface not measured: ${JSON.stringify(s)}`);
    expect(s.covered).toBeGreaterThan(0);
    expect(s.covered).toBeLessThan(s.registered);
    expect(s.before).toEqual({ registered: s.registered, covered: s.covered });
    const ratio = `${s.covered}/${s.registered}`;
    expect(sameResult.out).toContain(`**What this pass covers:** the corpus ran ${ratio} `);
    expect(sameResult.out).toContain(`a regression in the other ${s.registered - s.covered} cannot show up`);
    const comment = renderPrComment(
      {
        run: { runId: 1, attempt: 1, headSha: 'a'.repeat(40), runUrl: 'https://x/1', conclusion: 'success' },
        outcome: { kind: 'report', report: r },
      },
      { maxRows: 10 },
    );
    const lines = comment.split('\n').filter((l) => l.includes('Converter surface'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^\\*\\*Converter surface:\\*\\* ${ratio} `));
  });

  describe('with the injected regression on the candidate', () => {
    let out: string;
    let result: { code: number; out: string; err: string };
    beforeAll(async () => {
      out = await tempDir('gate-regress');
      result = await cli(
        'gate',
        '--out',
        out,
        ...COMMON,
        '--baseline',
        path.join(same, 'baseline'),
        '--candidate-env',
        `PYTHONPATH=${INJECTED}`,
        '--json',
        path.join(out, 'copy.json'),
      );
    });

    it('fails with exit 1 and names the regressing case', async () => {
      expect(result.code).toBe(1);
      const r = await gateReport(out);
      expect(r.verdict).toBe('fail');
      expect(r.regressions.map((x) => x.id)).toEqual(['tiny-mlp']);
      expect(r.regressions[0]).toMatchObject({
        before: 'ok',
        after: 'wrong-output',
        reruns: ['wrong-output', 'wrong-output'],
        operators: expect.arrayContaining(['+Relu', '-Erf']),
        reproducer: path.join('cases', 'tiny-mlp', 'reproduce.py'),
      });
      expect(r.baseline?.source).toBe('file');
      expect(result.out).toContain('| `tiny-mlp` | mlp | ok → wrong-output |');
      expect(JSON.parse(await readFile(path.join(out, 'copy.json'), 'utf8'))).toEqual(r);
    });

    it('confirmation re-ran only the suspect, twice, in fresh runs', async () => {
      for (const k of [1, 2]) {
        const doc = await readResultsDoc(path.join(out, `confirm-${k}`));
        expect(doc.cases.map((c) => c.id)).toEqual(['tiny-mlp']);
      }
      expect(existsSync(path.join(out, 'confirm-3'))).toBe(false);
      expect((await gateReport(out)).timing.confirmCpuMs).toBeGreaterThan(0);
    });

    it('writes a reproducer that rebuilds and re-exports the case alone', async () => {
      const dir = path.join(out, 'candidate', 'cases', 'tiny-mlp');
      const corpus = JSON.parse(await readFile(path.join(dir, 'corpus.json'), 'utf8'));
      expect(corpus.cases.map((c: { id: string }) => c.id)).toEqual(['tiny-mlp']);
      const env = { ...process.env, PYTHONPATH: INJECTED };
      const plain = spawnSync(PYTHON, [path.join(dir, 'reproduce.py')], {
        env,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(plain.stdout).toContain('exported and checked');
      expect(plain.stdout).toMatch(/npx convgate run --corpus .*corpus\.json --out \/tmp\/convgate-tiny-mlp/);
      expect(plain.status).toBe(3);
      expect(existsSync(path.join(dir, 'reproduced.onnx'))).toBe(true);
      // With an onnxruntime module present, it compares the outputs itself.
      const withOrt = spawnSync(PYTHON, [path.join(dir, 'reproduce.py')], {
        env: { ...env, PYTHONPATH: `${INJECTED}:${path.join(FIXTURES, 'fake-onnxruntime')}` },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(withOrt.stdout).toContain('input set 0: output_0: shape [2, 6], expected [2, 3]');
      expect(withOrt.stdout).toContain('REPRODUCED: wrong output');
      expect(withOrt.status).toBe(1);
    });

    it('diff: exit 1 on regressions, 0 on identical results, --json verdict', async () => {
      const json = path.join(out, 'diff.json');
      const d = await cli('diff', path.join(same, 'baseline'), path.join(out, 'candidate'), '--json', json);
      expect(d.code).toBe(1);
      expect(d.out).toContain('`tiny-mlp`');
      expect((await gateReportFile(json)).regressions.map((x) => x.id)).toEqual(['tiny-mlp']);
      const s = await cli('diff', path.join(same, 'baseline'), path.join(same, 'candidate'));
      expect(s.code).toBe(0);
      expect(s.out).toContain('✅ pass');
    });
  });

  it('a regression that does not reproduce on re-run is flaky, and the gate passes', async () => {
    const out = await tempDir('gate-flaky');
    const r = await cli(
      'gate',
      '--out',
      out,
      ...COMMON,
      '--baseline',
      path.join(same, 'baseline'),
      '--candidate-env',
      `PYTHONPATH=${INJECTED}`,
      `CONVGATE_TEST_FLAKE_MARKER=${path.join(out, 'flaked')}`,
    );
    expect(r.code).toBe(0);
    const report = await gateReport(out);
    expect(report.verdict).toBe('pass');
    expect(report.reason).toBe('no confirmed regressions (1 flaky)');
    expect(report.flaky.map((x) => [x.id, x.reruns])).toEqual([['tiny-mlp', ['ok']]]);
    expect(r.out).toContain('### Flaky (1)');
  });

  it('a sharded run merged gives exactly the unsharded results', async () => {
    const corpus = await loadCorpus(FAULT_CORPUS);
    const options = {
      jobs: 1,
      python: PYTHON,
      adapter: 'torch.onnx',
      timeoutS: 60,
      memoryLimitMb: 2048,
      opset: null,
      tolerance: { atol: 1e-3, rtol: 1e-3 },
      keepAll: false,
      resume: false,
    };
    const root = await tempDir('shards');
    const filter = CASE_FILTER.schema.parse(
      '^(tiny-mlp|wrong-symbolic|int-bool-outputs|unexportable-fft|invalid-transpose)$',
    );
    const whole = await runCases(
      corpus,
      selectCases(corpus, { filter, shard: null }),
      { ...options, out: path.join(root, 'whole') },
      {},
      selectionSettings({ filter, shard: null }),
    );
    const dirs: string[] = [];
    for (const index of [1, 2, 3]) {
      const sel = { filter, shard: { index, count: 3 } };
      dirs.push(path.join(root, `shard-${index}`));
      await runCases(
        corpus,
        selectCases(corpus, sel),
        { ...options, out: dirs[index - 1] },
        {},
        selectionSettings(sel),
      );
    }
    const m = await cli('merge', '--out', path.join(root, 'merged'), ...[...dirs].reverse());
    expect(m.code).toBe(0);
    const merged = await readResultsDoc(path.join(root, 'merged'));
    // Timings differ run to run; ONNX Runtime quotes the model's path (its run's folder) in load errors.
    const strip = (c: CaseResult) =>
      JSON.parse(
        JSON.stringify({ ...c, timingsMs: undefined, cpuMs: undefined }).replace(
          /\/(whole|shard-\d)\//g,
          '/<out>/',
        ),
      );
    expect(merged.cases.map(strip)).toEqual(whole.cases.map(strip));
    expect(merged.settings).toEqual(whole.settings);
    expect(merged.corpus).toEqual(whole.corpus);
    expect(merged.complete).toBe(true);
    // Kept models of failing cases came along.
    expect(existsSync(path.join(root, 'merged', 'cases', 'wrong-symbolic', 'model.onnx'))).toBe(true);
    // And the merged folder diffs clean against the unsharded one.
    expect((await cli('diff', path.join(root, 'whole'), path.join(root, 'merged'))).code).toBe(0);
  });

  describe('bad inputs: exit 2 with one clear line', () => {
    it('unknown corpus', async () => {
      const r = await cli('gate', '--out', '/tmp/convgate-x', '--corpus', 'nope');
      expect(r.code).toBe(2);
      expect(oneLine(r.err)).toBe(
        'convgate gate: unknown corpus "nope": not a bundled corpus (real, synthetic, synthetic-extra, default, onnx, keras, tensorflow) and no such file',
      );
    });

    it('malformed shard', async () => {
      const r = await cli('gate', '--out', '/tmp/convgate-x', '--shard', '4/3');
      expect(r.code).toBe(2);
      expect(oneLine(r.err)).toMatch(
        /'--shard <i\/n>' argument '4\/3' is invalid\. --shard "4\/3": need 1 ≤ i ≤ n/,
      );
    });

    it('unreadable baseline', async () => {
      const r = await cli(
        'gate',
        '--out',
        '/tmp/convgate-x',
        ...COMMON,
        '--baseline',
        '/nonexistent/results.json',
      );
      expect(r.code).toBe(2);
      expect(oneLine(r.err)).toMatch(
        /^convgate gate: \/nonexistent\/results\.json: cannot read results: ENOENT/,
      );
      const d = await cli('diff', '/nonexistent', path.join(same, 'candidate'));
      expect(d.code).toBe(2);
      expect(oneLine(d.err)).toMatch(/^convgate diff: \/nonexistent: cannot read results/);
      const notResults = path.join(await tempDir('bad'), 'results.json');
      await writeFile(notResults, '{"cases": 3}');
      const n = await cli('diff', notResults, path.join(same, 'candidate'));
      expect(oneLine(n.err)).toMatch(/not a convgate results document: schemaVersion/);
    });

    it('corpus mismatch (refused before running anything) unless --force', async () => {
      const doc = await readResultsDoc(path.join(same, 'baseline'));
      const file = path.join(await tempDir('mismatch'), 'results.json');
      await writeFile(file, JSON.stringify({ ...doc, corpus: { ...doc.corpus, hash: '0123456789abcdef' } }));
      const g = await cli('gate', '--out', '/tmp/convgate-x', ...COMMON, '--baseline', file);
      expect(g.code).toBe(2);
      expect(oneLine(g.err)).toMatch(
        /^convgate gate: refusing to compare: corpus hash differs: baseline faults@0123456789abcdef, candidate faults@\w+ \(use --force to compare anyway\)$/,
      );
      const d = await cli('diff', file, path.join(same, 'candidate'));
      expect(d.code).toBe(2);
      expect(oneLine(d.err)).toMatch(/^convgate diff: refusing to compare: corpus hash differs/);
      const forced = await cli('diff', file, path.join(same, 'candidate'), '--force');
      expect(forced.code).toBe(0);
      expect(forced.out).toContain('Compared despite: corpus hash differs');
    });

    it('a stored baseline and a baseline build at once', async () => {
      const r = await cli('gate', '--out', '/tmp/convgate-x', '--baseline', 'x', '--baseline-env', 'A=1');
      expect(r.code).toBe(2);
      expect(oneLine(r.err)).toMatch(
        /--baseline takes stored results; --baseline-env\/--baseline-python\/--baseline-stack\/--baseline-adapter describe/,
      );
    });

    it('a malformed environment assignment', async () => {
      const r = await cli(
        'gate',
        '--out',
        '/tmp/convgate-x',
        ...COMMON,
        '--candidate-env',
        'not an assignment',
      );
      expect(r.code).toBe(2);
      expect(oneLine(r.err)).toBe(
        'convgate gate: --candidate-env: "not an assignment" is not NAME=VALUE (a variable name is letters, digits and _)',
      );
    });
  });
});

async function gateReportFile(file: string): Promise<GateReport> {
  return GateReport.parse(JSON.parse(await readFile(file, 'utf8')));
}
