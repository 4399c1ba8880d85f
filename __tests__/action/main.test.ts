/**
 * The Action's run() in-process, with @actions/core mocked and the baseline/artifact stores as
 * local folders: push → baseline saved; pull request → shard jobs → merge job → verdict.
 */
import { beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GateReport } from '../../src/gate/schema.js';
import type { ArtifactStore, BaselineStore } from '../../src/gate/store.js';
import { FAULT_CORPUS, FIXTURES, PYTHON, tempDir } from '../helpers.js';

const calls = {
  inputs: {} as Record<string, string>,
  outputs: {} as Record<string, string>,
  failed: [] as string[],
  errors: [] as { message: string; title?: string }[],
  warnings: [] as string[],
  notices: [] as string[],
  summary: [] as string[],
  log: [] as string[],
};

jest.unstable_mockModule('@actions/core', () => ({
  getInput: (name: string) => calls.inputs[name] ?? '',
  setOutput: (name: string, value: string) => void (calls.outputs[name] = value),
  setFailed: (message: string) => void calls.failed.push(message),
  error: (message: string, props?: { title?: string }) =>
    void calls.errors.push({ message, title: props?.title }),
  warning: (message: string) => void calls.warnings.push(message),
  notice: (message: string) => void calls.notices.push(message),
  info: (message: string) => void calls.log.push(message),
  debug: () => undefined,
  startGroup: (title: string) => void calls.log.push(`::group::${title}`),
  endGroup: () => undefined,
  summary: {
    addRaw(text: string) {
      calls.summary.push(text);
      return this;
    },
    write: async () => undefined,
  },
}));

// The real stores talk to the Actions cache and artifact services; tests inject local folders.
jest.unstable_mockModule('../../src/action/stores.js', () => ({
  ActionsCacheStore: class {},
  ActionsArtifactStore: class {},
  artifactsAvailable: () => false,
}));

const { run } = await import('../../src/action/main.js');
const { LocalBaselineStore } = await import('../../src/gate/store.js');
const { LocalArtifactStore } = await import('../local-artifact-store.js');

const INJECTED = path.join(FIXTURES, 'injected-regression');
const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);

describe('the Action (in-process, local stores)', () => {
  let root: string;
  let baselines: BaselineStore;
  let artifacts: ArtifactStore;
  const deps = () => ({ baselineStore: () => baselines, artifactStore: () => artifacts });

  async function setEvent(name: string, payload: unknown, env: Record<string, string>) {
    const file = path.join(root, `${name}-${Date.now()}.json`);
    await writeFile(file, JSON.stringify(payload));
    Object.assign(process.env, { GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: file, ...env });
  }
  const base = () => ({
    corpus: FAULT_CORPUS,
    filter: '^(tiny-mlp|wrong-symbolic|int-bool-outputs)$',
    python: PYTHON,
    jobs: '2',
    timeout: '60',
  });
  const pr = {
    pull_request: { number: 3, base: { sha: SHA_A, ref: 'main' }, head: { sha: SHA_B } },
    repository: { default_branch: 'main' },
  };

  beforeAll(async () => {
    root = await tempDir('action');
    baselines = new LocalBaselineStore(path.join(root, 'baselines'));
    artifacts = new LocalArtifactStore(path.join(root, 'artifacts'));
    process.env.GITHUB_WORKSPACE = root;
    process.env.GITHUB_STEP_SUMMARY = path.join(root, 'summary.md');
  });

  beforeEach(() => {
    calls.outputs = {};
    calls.failed = [];
    calls.errors = [];
    calls.warnings = [];
    calls.notices = [];
    calls.summary = [];
    calls.log = [];
  });

  it('push to the default branch: runs, reports without a verdict, saves the baseline of its commit', async () => {
    await setEvent(
      'push',
      { before: '0'.repeat(40), repository: { default_branch: 'main' } },
      { GITHUB_SHA: SHA_A, GITHUB_REF: 'refs/heads/main' },
    );
    calls.inputs = { ...base(), 'results-dir': 'push' };
    await run(deps());
    expect(calls.failed).toEqual([]);
    expect(calls.outputs).toMatchObject({
      verdict: 'no-baseline',
      regressions: '0',
      'baseline-hit': 'false',
    });
    expect(calls.outputs['baseline-key']).toMatch(new RegExp(`-${SHA_A}$`));
    expect(await readdir(path.join(root, 'baselines'))).toEqual([calls.outputs['baseline-key']]);
    expect(calls.summary.join('')).toContain('⚪ no baseline');
    expect(calls.log).toContain(`::group::convgate: candidate run (3 cases, ${PYTHON})`);
    expect(calls.log.filter((l) => /^\[\d\/3\] /.test(l))).toHaveLength(3);
    expect((await readdir(path.join(root, 'artifacts'))).sort()).toEqual(['convgate', 'convgate-gate']);
  });

  describe('pull request, sharded: two shard jobs, then the merge job', () => {
    beforeAll(async () => {
      await setEvent('pull_request', pr, { GITHUB_SHA: 'c'.repeat(40), GITHUB_REF: 'refs/pull/3/merge' });
    });

    it('shard jobs upload their slice as <artifact-name>-shard-<i>-of-<n>', async () => {
      for (const shard of ['1/2', '2/2']) {
        calls.inputs = {
          ...base(),
          mode: 'shard',
          shard,
          'candidate-env': `PYTHONPATH=${INJECTED}`,
          'results-dir': `shard-${shard[0]}`,
        };
        await run(deps());
        expect(calls.failed).toEqual([]);
        expect(calls.outputs.results).toBe(path.join(root, `shard-${shard[0]}`, 'candidate', 'results.json'));
        expect(calls.summary.join('')).toContain(`### convgate shard ${shard}`);
      }
      expect((await readdir(path.join(root, 'artifacts'))).sort()).toEqual([
        'convgate',
        'convgate-gate',
        'convgate-shard-1-of-2',
        'convgate-shard-2-of-2',
      ]);
    });

    it('the merge job restores the base baseline, confirms and fails on the regression', async () => {
      calls.inputs = {
        ...base(),
        mode: 'merge',
        'candidate-env': `PYTHONPATH=${INJECTED}`,
        'results-dir': 'merge',
      };
      await run(deps());
      expect(calls.outputs).toMatchObject({
        verdict: 'fail',
        regressions: '1',
        flaky: '0',
        'baseline-hit': 'true',
      });
      expect(calls.failed).toEqual(['convgate: 1 case(s) regressed']);
      expect(calls.errors).toEqual([
        {
          title: 'convgate regression: tiny-mlp',
          message: expect.stringMatching(
            /^tiny-mlp \(mlp\): ok → wrong-output\. .*Reproducer: cases\/tiny-mlp\/reproduce\.py/,
          ),
        },
      ]);
      const summary = calls.summary.join('');
      expect(summary).toContain('## convgate: ❌ fail — 1 case(s) regressed');
      expect(summary).toContain('| `tiny-mlp` | mlp | ok → wrong-output |');
      expect(summary).toMatch(/\| commit \| `aaaaaaaaaaaa` \| `bbbbbbbbbbbb` \|/);
      expect(calls.log).toContain('shards: convgate-shard-1-of-2, convgate-shard-2-of-2');
      // The uploaded artifact has the verdict, the merged results and the reproducer.
      const art = path.join(root, 'artifacts', 'convgate');
      for (const f of [
        'gate.json',
        'gate.md',
        'candidate/results.json',
        'candidate/cases/tiny-mlp/reproduce.py',
        'confirm-2/results.json',
      ])
        expect(existsSync(path.join(art, f))).toBe(true);
      expect(existsSync(path.join(art, 'shards'))).toBe(false);
      // The GitHub App's artifact: the verdict document, results and markdown at its root.
      const appArt = path.join(root, 'artifacts', 'convgate-gate');
      expect((await readdir(appArt)).sort()).toEqual(['gate-report.json', 'report.md', 'results.json']);
      const gateReport = GateReport.parse(
        JSON.parse(await readFile(path.join(appArt, 'gate-report.json'), 'utf8')),
      );
      expect(gateReport.regressions.map((r) => r.id)).toEqual(['tiny-mlp']);
    });
  });

  it('no baseline for the base commit with on-baseline-miss fail: fails before running, saying why', async () => {
    await setEvent(
      'pull_request',
      { ...pr, pull_request: { ...pr.pull_request, base: { sha: 'd'.repeat(40), ref: 'main' } } },
      {},
    );
    calls.inputs = { ...base(), 'on-baseline-miss': 'fail', 'results-dir': 'miss' };
    await run(deps());
    expect(calls.failed).toEqual([
      'convgate: no stored baseline for base commit dddddddddddd and on-baseline-miss is fail',
    ]);
    expect(calls.log.some((l) => l.includes('candidate run'))).toBe(false);
  });

  it('a bad input fails the step with one line naming it', async () => {
    calls.inputs = { ...base(), mode: 'shard', shard: '3/2' };
    await run(deps());
    expect(calls.failed).toEqual([
      'convgate: input shard "3/2": need 1 ≤ i ≤ n (shards are numbered from 1)',
    ]);
    calls.inputs = { ...base(), corpus: 'nope' };
    calls.failed = [];
    await run(deps());
    expect(calls.failed).toEqual([
      'convgate: unknown corpus "nope": not a bundled corpus (real, synthetic, synthetic-extra, default, onnx, keras, tensorflow) and no such file',
    ]);
  });
});
