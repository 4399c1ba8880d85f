/**
 * Runs the committed bundle (dist/index.js) the way the Actions runner does: a copy of the action
 * folder without node_modules (as `uses: owner/convgate@v1` checks it out), `node dist/index.js`
 * with an INPUT_<NAME> variable for every input (the runner fills in action.yml defaults), the
 * GITHUB_* variables, an event payload file, and GITHUB_STEP_SUMMARY / GITHUB_OUTPUT files.
 * `.ci/run` rebuilds dist/ and fails when it differs from the committed one.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { FAULT_CORPUS, FIXTURES, PYTHON, tempDir } from '../helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const INJECTED = path.join(FIXTURES, 'injected-regression');
const SHA_MAIN = '1'.repeat(40);
const SHA_HEAD = '2'.repeat(40);

interface StepResult {
  code: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Parses the GITHUB_OUTPUT file (name<<delimiter … delimiter). */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1]] = m[3];
  return out;
}

describe('dist/index.js run as the Actions runner runs it', () => {
  let action: string;
  let workspace: string;
  let step = 0;
  const defaults: Record<string, string> = {};

  beforeAll(async () => {
    if (!existsSync(path.join(ROOT, 'dist', 'index.js')))
      throw new Error('dist/index.js is missing: run `npm run package`');
    // The action as a workflow gets it: the repository's files, no node_modules at the root.
    action = path.join(await tempDir('action-checkout'), 'convgate');
    for (const f of ['action.yml', 'package.json', 'dist', 'python', 'corpus'])
      await cp(path.join(ROOT, f), path.join(action, f), { recursive: true });
    workspace = await tempDir('workspace');
    const yml = parse(readFileSync(path.join(action, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { default?: string }>;
    };
    for (const [name, spec] of Object.entries(yml.inputs)) defaults[name] = spec.default ?? '';
  });

  async function runStep(
    event: { name: string; payload: unknown; sha: string; ref: string },
    inputs: Record<string, string>,
    env: Record<string, string> = {},
  ): Promise<StepResult> {
    step++;
    const files = {
      event: path.join(workspace, `event-${step}.json`),
      summary: path.join(workspace, `summary-${step}.md`),
      output: path.join(workspace, `output-${step}.txt`),
    };
    await writeFile(files.event, JSON.stringify(event.payload));
    await writeFile(files.summary, '');
    await writeFile(files.output, '');
    const inputEnv: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...defaults, ...inputs }))
      inputEnv[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
    const child = spawn(process.execPath, [path.join(action, 'dist', 'index.js')], {
      cwd: workspace,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_EVENT_NAME: event.name,
        GITHUB_EVENT_PATH: files.event,
        GITHUB_SHA: event.sha,
        GITHUB_REF: event.ref,
        GITHUB_REPOSITORY: 'example/converter',
        GITHUB_WORKSPACE: workspace,
        GITHUB_ACTION_PATH: action,
        GITHUB_STEP_SUMMARY: files.summary,
        GITHUB_OUTPUT: files.output,
        RUNNER_TEMP: path.join(workspace, '_temp'),
        RUNNER_OS: 'Linux',
        ...inputEnv,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stdout += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return {
      code,
      stdout,
      outputs: parseOutputs(await readFile(files.output, 'utf8')),
      summary: await readFile(files.summary, 'utf8'),
    };
  }

  const common = {
    corpus: FAULT_CORPUS,
    filter: '^(tiny-mlp|wrong-symbolic|int-bool-outputs)$',
    python: PYTHON,
    jobs: '2',
    timeout: '60',
    'baseline-store': 'baselines', // a folder: no Actions cache service here
  };
  const push = {
    name: 'push',
    payload: {
      ref: 'refs/heads/main',
      before: '0'.repeat(40),
      after: SHA_MAIN,
      repository: { default_branch: 'main' },
    },
    sha: SHA_MAIN,
    ref: 'refs/heads/main',
  };
  const pullRequest = (baseSha: string) => ({
    name: 'pull_request',
    payload: {
      action: 'synchronize',
      number: 12,
      pull_request: {
        number: 12,
        base: { sha: baseSha, ref: 'main' },
        head: { sha: SHA_HEAD, ref: 'fix-gelu' },
      },
      repository: { default_branch: 'main' },
    },
    sha: '3'.repeat(40),
    ref: 'refs/pull/12/merge',
  });

  it('push to main: exit 0, verdict no-baseline, baseline saved, per-case log lines in groups', async () => {
    const r = await runStep(push, common);
    expect(r.code).toBe(0);
    expect(r.outputs).toMatchObject({
      verdict: 'no-baseline',
      regressions: '0',
      'baseline-hit': 'false',
      results: path.join(workspace, '.convgate', 'candidate', 'results.json'),
      report: path.join(workspace, '.convgate', 'gate.json'),
    });
    expect(r.outputs['baseline-key']).toMatch(new RegExp(`^convgate-baseline-.*-${SHA_MAIN}$`));
    expect(existsSync(path.join(workspace, 'baselines', r.outputs['baseline-key'], 'results.json'))).toBe(
      true,
    );
    expect(r.stdout).toContain('::group::convgate: candidate run (3 cases');
    expect(r.stdout).toContain('::endgroup::');
    expect(r.stdout.match(/^\[\d\/3\] \S+ (ok|wrong-output) /gm)).toHaveLength(3);
    expect(r.stdout).toContain('artifact upload skipped (convgate)');
    expect(r.summary).toContain('## convgate: ⚪ no baseline');
  });

  it('pull request with a converter regression: exit 1, verdict fail, the case in the summary and an annotation', async () => {
    const r = await runStep(pullRequest(SHA_MAIN), common, { PYTHONPATH: INJECTED });
    expect(r.code).toBe(1);
    expect(r.outputs).toMatchObject({
      verdict: 'fail',
      regressions: '1',
      flaky: '0',
      fixes: '0',
      'baseline-hit': 'true',
    });
    expect(r.summary).toContain('## convgate: ❌ fail — 1 case(s) regressed');
    expect(r.summary).toContain('### Regressions (1)');
    expect(r.summary).toMatch(
      /\| `tiny-mlp` \| mlp \| ok → wrong-output \| [^|]+ → 0\.0852 \(output\\_0\) \|/,
    );
    expect(r.summary).toContain('| wrong-output, wrong-output |');
    expect(r.summary).toMatch(
      /\*\*Timing:\*\* baseline [\d.]+ s(?: \(CPU [^)]+\))? · candidate [\d.]+ s(?: \(CPU [^)]+\))? · confirmation [\d.]+ s(?: \(CPU [^)]+\))?/,
    );
    expect(r.summary).toContain('**Coverage:** 3 cases');
    expect(r.stdout).toMatch(
      /^::error title=convgate regression%3A tiny-mlp::tiny-mlp \(mlp\): ok → wrong-output/m,
    );
    expect(r.stdout).toContain('::error::convgate: 1 case(s) regressed');
    expect(r.stdout).toContain('::group::convgate: confirming 1 regression(s), 2 re-run(s) each');
    const report = JSON.parse(await readFile(r.outputs.report, 'utf8'));
    expect(report.baseline.sha).toBe(SHA_MAIN);
    expect(report.candidate.sha).toBe(SHA_HEAD);
  });

  it('pull request whose base has no baseline: exit 0, verdict no-baseline (on-baseline-miss skip)', async () => {
    const r = await runStep(pullRequest('9'.repeat(40)), common);
    expect(r.code).toBe(0);
    expect(r.outputs.verdict).toBe('no-baseline');
    expect(r.stdout).toContain('::notice::no stored baseline for base commit 999999999999');
  });

  it('a malformed input: exit 1 with one error line naming it, nothing run', async () => {
    const r = await runStep(push, { ...common, mode: 'shard', shard: '4/3' });
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual([
      '::error::convgate: input shard "4/3": need 1 ≤ i ≤ n (shards are numbered from 1)',
    ]);
  });
});
