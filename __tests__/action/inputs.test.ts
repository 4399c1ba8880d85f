import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { readEvent } from '../../src/action/context.js';
import { INPUT_NAMES, InputError, Outputs, parseInputs, readConfig } from '../../src/action/inputs.js';
import { tempDir } from '../helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const actionYml = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
};

const config = (inputs: Record<string, string> = {}) => readConfig((name) => inputs[name] ?? '', '/ws');

describe('action.yml', () => {
  it('declares every input the schema reads, with a description', () => {
    expect(Object.keys(actionYml.inputs).sort()).toEqual([...INPUT_NAMES].sort());
    for (const spec of Object.values(actionYml.inputs)) expect(spec.description.length).toBeGreaterThan(10);
  });

  it("states the schema's defaults: each default of action.yml parses to the schema's own", () => {
    const unset = parseInputs({});
    for (const [name, spec] of Object.entries(actionYml.inputs)) {
      // An empty default means "unset" for the schema too; every other one must be given.
      const parsed = parseInputs({ [name]: spec.default ?? '' });
      expect([name, parsed[name as keyof typeof parsed]]).toEqual([name, unset[name as keyof typeof unset]]);
    }
    // …and a changed default would be noticed: a value other than the default parses differently.
    expect(parseInputs({ timeout: '7' }).timeout).not.toEqual(unset.timeout);
  });

  it('declares every output the code sets, and runs dist/index.js on node24', () => {
    expect(Object.keys(actionYml.outputs).sort()).toEqual(Object.values(Outputs).sort());
    expect(actionYml.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });
});

describe('readConfig', () => {
  it('falls back to the defaults', () => {
    const c = config();
    expect(c).toMatchObject({
      mode: 'gate',
      corpus: 'real',
      filter: null,
      python: 'python3',
      baselinePython: 'python3',
      adapter: 'torch.onnx',
      opset: null,
      atol: 0.001,
      rtol: 0.001,
      timeoutS: 120,
      shard: null,
      baseline: 'cache',
      onBaselineMiss: 'skip',
      saveBaseline: 'auto',
      baselineStore: 'actions-cache',
      reruns: 2,
      failOn: 'regressions',
      force: false,
      across: false,
      resultsDir: '/ws/.convgate',
      artifactName: 'convgate',
      baselineEnv: {},
    });
    expect(c.jobs).toBe(Math.max(1, os.availableParallelism()));
  });

  it('reads the values it is given', () => {
    const c = config({
      mode: 'shard',
      shard: '2/3',
      jobs: '4',
      opset: '17',
      'baseline-env': 'PYTHONPATH=/ws/base\nTORCH_ONNX_MUTANT_DISABLE=1\n',
      'baseline-store': 'store',
      baseline: 'old/results.json',
      'artifact-name': 'none',
      force: 'true',
      across: 'Yes',
      localize: 'no',
      timeout: ' 30 ',
    });
    expect(c).toMatchObject({
      mode: 'shard',
      shard: { index: 2, count: 3 },
      jobs: 4,
      opset: 17,
      baselineEnv: { PYTHONPATH: '/ws/base', TORCH_ONNX_MUTANT_DISABLE: '1' },
      baselineStore: { dir: '/ws/store' },
      baseline: { file: '/ws/old/results.json' },
      artifactName: null,
      force: true,
      across: true,
      localize: false,
      timeoutS: 30,
    });
  });

  it.each([
    [{ mode: 'check' }, 'input mode must be one of gate, shard, merge; got "check"'],
    [{ shard: '1-3' }, 'input shard must look like i/n (e.g. 2/3), got "1-3"'],
    [{ shard: '3/2' }, 'input shard "3/2": need 1 ≤ i ≤ n (shards are numbered from 1)'],
    [{ mode: 'shard' }, 'input shard is required with mode shard (e.g. "1/3" in a matrix job)'],
    [{ mode: 'merge', shard: '1/2' }, 'input shard does not apply to mode merge (it merges all shards)'],
    [{ jobs: '0' }, 'input jobs must be a positive whole number; got "0"'],
    [{ timeout: 'soon' }, 'input timeout must be a positive number; got "soon"'],
    [{ 'memory-limit': '1.5' }, 'input memory-limit must be a positive whole number; got "1.5"'],
    [{ 'slow-clock': 'sun' }, 'input slow-clock must be one of cpu, wall; got "sun"'],
    [{ localize: 'sometimes' }, 'input localize must be true or false; got "sometimes"'],
    [{ atol: 'tight' }, 'input atol must be a number ≥ 0; got "tight"'],
    [{ reruns: '-1' }, 'input reruns must be a whole number ≥ 0; got "-1"'],
    [{ force: 'maybe' }, 'input force must be true or false; got "maybe"'],
    [
      { 'fail-on': 'slow' },
      'input fail-on must be one of regressions, regressions-or-slow, never; got "slow"',
    ],
    [{ filter: '(' }, /^input filter must be a valid regular expression \(.+\); got "\("$/],
    [
      { adapter: 'nope' },
      'input adapter must be one of torch.onnx, torch.onnx.dynamo, onnx-version-converter, keras.onnx, tf2onnx, command; got "nope"',
    ],
    [
      { 'baseline-env': 'PYTHONPATH /x' },
      'input baseline-env: "PYTHONPATH /x" is not NAME=VALUE (a variable name is letters, digits and _)',
    ],
    [{ 'artifact-name': 'a/b' }, /^input artifact-name must be a name without .*; got "a\/b"$/],
    [
      { 'results-dir': '.' },
      'input results-dir must be a folder of its own (not the workspace or above it); got "."',
    ],
    [{ 'results-dir': '..' }, /^input results-dir must be a folder of its own/],
    [
      { 'synthetic-count': '50' },
      'inputs synthetic-count/synthetic-seed apply to corpus synthetic or default, not "real"',
    ],
  ] as [Record<string, string>, string | RegExp][])('%j → one line naming the input', (inputs, message) => {
    expect(() => config(inputs)).toThrow(InputError);
    expect(() => config(inputs)).toThrow(message);
  });
});

describe('readEvent', () => {
  const sha = (c: string) => c.repeat(40);
  async function event(name: string, payload: unknown, extra: Record<string, string> = {}) {
    const file = path.join(await tempDir('event'), 'event.json');
    await writeFile(file, JSON.stringify(payload));
    return readEvent({ GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: file, GITHUB_SHA: sha('9'), ...extra });
  }

  it('pull request: head against the base commit', async () => {
    const e = await event('pull_request', {
      pull_request: { number: 5, base: { sha: sha('a'), ref: 'main' }, head: { sha: sha('b') } },
      repository: { default_branch: 'main' },
    });
    expect(e).toEqual({
      name: 'pull_request',
      sha: sha('b'),
      baseSha: sha('a'),
      onDefaultBranch: false,
      description: 'pull request #5 into main',
    });
  });

  it('push to the default branch: saves, compares with the previous commit', async () => {
    const e = await event(
      'push',
      { before: sha('1'), repository: { default_branch: 'main' } },
      { GITHUB_REF: 'refs/heads/main' },
    );
    expect(e).toMatchObject({ sha: sha('9'), baseSha: sha('1'), onDefaultBranch: true });
    const first = await event(
      'push',
      { before: sha('0'), repository: { default_branch: 'main' } },
      { GITHUB_REF: 'refs/heads/main' },
    );
    expect(first.baseSha).toBeNull();
    const other = await event(
      'push',
      { before: sha('1'), repository: { default_branch: 'main' } },
      { GITHUB_REF: 'refs/heads/dev' },
    );
    expect(other.onDefaultBranch).toBe(false);
  });

  it('merge queue and manual runs', async () => {
    expect(
      await event('merge_group', { merge_group: { base_sha: sha('c'), head_sha: sha('d') } }),
    ).toMatchObject({
      sha: sha('d'),
      baseSha: sha('c'),
    });
    const manual = await event(
      'workflow_dispatch',
      { repository: { default_branch: 'main' } },
      { GITHUB_REF: 'refs/heads/main' },
    );
    expect(manual).toMatchObject({ baseSha: null, onDefaultBranch: true });
  });

  it('an unreadable payload is an error naming the file', () => {
    expect(() =>
      readEvent({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: '/nonexistent/event.json' }),
    ).toThrow(/^cannot read the event payload \/nonexistent\/event\.json: ENOENT/);
  });
});

describe('checkOnnxRuntime', () => {
  it('finds the runtime for this platform, or says in one line what is missing', async () => {
    const { checkOnnxRuntime } = await import('../../src/action/runtime.js');
    expect(checkOnnxRuntime()).toMatch(/onnxruntime-node$/);
    const elsewhere = path.join(await tempDir('no-ort'), 'index.js');
    expect(() => checkOnnxRuntime(`file://${elsewhere}`)).toThrow(
      'onnxruntime-node is not installed beside the Action (dist/node_modules/onnxruntime-node); rebuild with `npm run package`',
    );
  });
});
