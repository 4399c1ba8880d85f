import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadCorpus } from '../../src/corpus/load.js';
import { pluginTable } from '../../src/convert/plugins.js';
import { RUN_DEFAULTS } from '../../src/run/defaults.js';
import { FAULT_CORPUS, FIXTURES, PYTHON, tempDir } from '../helpers.js';
import { runCli } from '../cli-harness.js';

const cli = runCli;

describe('convgate CLI', () => {
  it('rejects a bad --jobs with exit 2 and names the option', async () => {
    const r = await cli('run', '--out', '/tmp/x', '--jobs', 'many');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--jobs must be a positive whole number; got "many"/);
  });

  it('rejects a bad --filter where the option is read (run and gate), naming the option', async () => {
    for (const command of ['run', 'gate']) {
      const r = await cli(command, '--out', '/tmp/x', '--filter', '(');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(
        /--filter must be a valid regular expression \(Invalid regular expression: \/\(\/: .+\); got "\("/,
      );
    }
  });

  it('rejects an unknown corpus with exit 2', async () => {
    const r = await cli('run', '--corpus', 'nope', '--out', '/tmp/x');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/corpus .*nope.*cannot read JSON/);
  });

  it('rejects an invalid corpus entry naming the field', async () => {
    const dir = await tempDir('badcorpus');
    const file = path.join(dir, 'cases.json');
    await writeFile(
      file,
      JSON.stringify({ name: 'bad', cases: [{ id: 'a', family: 'f', model: { factory: 'x' }, inputs: [] }] }),
    );
    const r = await cli('run', '--corpus', file, '--out', dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/case "a": cases\.0\.model\.factory: /);
  });

  const badCase = (patch: Record<string, unknown>) => ({
    name: 'bad',
    cases: [
      {
        id: 'good',
        family: 'f',
        model: { factory: 'm:M' },
        inputs: [{ name: 'x', dtype: 'float32', shape: [2, 3] }],
      },
      {
        id: 'broken',
        family: 'f',
        model: { factory: 'm:M' },
        inputs: [
          { name: 'x', dtype: 'float32', shape: [2, 3] },
          { name: 'idx', dtype: 'int64', shape: [2], range: [0, 5] },
        ],
        ...patch,
      },
    ],
  });

  it.each([
    [
      'an input set naming no input',
      { inputSets: [{ y: [4, 3] }] },
      /case "broken": cases\.1\.inputSets\.0\.y: inputSets names "y", which is not an input of the case \(inputs: x, idx\)/,
    ],
    [
      'an input set changing the rank',
      { inputSets: [{ x: [4] }] },
      /inputSets\.0\.x: input "x" has rank 2, inputSets gives it shape \[4\]/,
    ],
    [
      'an empty value range',
      { inputs: [{ name: 'x', dtype: 'float32', shape: [2], range: [5, 1] }] },
      /inputs\.0\.range: range \[5, 1\] of input "x" is empty: need lo < hi/,
    ],
    [
      'a fractional integer range',
      { inputs: [{ name: 'i', dtype: 'int64', shape: [2], range: [0, 2.5] }] },
      /inputs\.0\.range: range of int64 input "i" needs whole numbers/,
    ],
    [
      'a range outside the dtype',
      { inputs: [{ name: 'u', dtype: 'uint8', shape: [2], range: [0, 300] }] },
      /inputs\.0\.range: range \[0, 300\) of uint8 input "u" leaves the dtype's range \[0, 256\)/,
    ],
    [
      'dynamic axes of an unknown tensor',
      { export: { dynamicAxes: { z: { '0': 'b' } } } },
      /export\.dynamicAxes\.z: dynamicAxes names "z", which is neither an input \(x, idx\) nor an output/,
    ],
    [
      'a dynamic axis past the rank',
      { export: { dynamicAxes: { x: { '2': 'b' } } } },
      /export\.dynamicAxes\.x\.2: axis 2 of input "x" does not exist \(rank 2\)/,
    ],
  ])('rejects %s with exit 2, naming the case and field', async (_what, patch, message) => {
    const dir = await tempDir('badcase');
    const file = path.join(dir, 'cases.json');
    await writeFile(file, JSON.stringify(badCase(patch)));
    const r = await cli('run', '--corpus', file, '--out', dir);
    expect({ code: r.code, err: r.err }).toMatchObject({ code: 2, err: expect.stringMatching(message) });
  });

  it('rejects corpus defaults that do not fit a case, naming the case', async () => {
    const dir = await tempDir('baddefaults');
    const file = path.join(dir, 'cases.json');
    const corpus = { ...badCase({}), defaults: { export: { dynamicAxes: { x: { '1': 'n' } } } } };
    corpus.cases[1].inputs = [{ name: 'idx', dtype: 'int64', shape: [2], range: [0, 5] }];
    await writeFile(file, JSON.stringify(corpus));
    const r = await cli('run', '--corpus', file, '--out', dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /case "broken" \(with the corpus defaults\): cases\.1\.export\.dynamicAxes\.x: dynamicAxes names "x"/,
    );
  });

  it('rejects an unknown --adapter with exit 2, listing the known ones', async () => {
    const r = await cli('run', '--corpus', FAULT_CORPUS, '--out', '/tmp/x', '--adapter', 'nope');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /'nope' is invalid\. Allowed choices are torch\.onnx, torch\.onnx\.dynamo, onnx-version-converter/,
    );
    expect(r.err).not.toContain('apt-get');
  });

  it('takes its converter and frontend names from the plugin table the worker reads, whose modules exist', () => {
    const table = pluginTable();
    for (const entry of [...Object.values(table.converters), ...Object.values(table.frontends)]) {
      const file = path.join(FIXTURES, '..', '..', 'python', ...entry.module.split('.')) + '.py';
      expect(existsSync(file)).toBe(true);
    }
    for (const c of Object.values(table.converters))
      for (const f of c.frontends) expect(Object.keys(table.frontends)).toContain(f);
    // The worker's default converter (its --converter, benches, reproducers) is the run's.
    expect(table.defaultConverter).toBe(RUN_DEFAULTS.adapter);
    expect(Object.keys(table.converters)).toContain(table.defaultConverter);
  });

  it('refuses --resume of results made with other settings (exit 2, naming them)', async () => {
    const dir = await tempDir('resume');
    const corpus = await loadCorpus(FAULT_CORPUS);
    const settings = {
      corpus: { name: corpus.name, hash: corpus.hash },
      atol: 0.001,
      rtol: 0.001,
      opset: null,
      timeoutS: 120,
      memoryLimitMb: 6144,
      adapter: 'torch.onnx',
      python: PYTHON,
      pythonPath: process.env.PYTHONPATH ?? null,
    };
    const line = {
      id: 'tiny-mlp',
      kind: 'real',
      family: 'mlp',
      outcome: 'ok',
      settings: {
        seed: 3,
        opset: 14,
        dynamicAxes: null,
        constantFolding: true,
        atol: 0.001,
        rtol: 0.001,
        timeoutS: 120,
        inputs: [{ name: 'x', dtype: 'float32', shape: [2, 6] }],
        inputSets: 1,
      },
      outputs: [],
      timingsMs: { export: 1, load: 1, run: 1 },
    };
    await writeFile(path.join(dir, 'run-settings.json'), JSON.stringify(settings));
    await writeFile(path.join(dir, 'results.jsonl'), JSON.stringify(line) + '\n');
    const r = await cli(
      'run',
      '--corpus',
      FAULT_CORPUS,
      '--out',
      dir,
      '--resume',
      '--atol',
      '0.5',
      '--python',
      PYTHON,
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /--resume: the results in .* were made with other settings \(--atol was 0\.001, now 0\.5\)/,
    );
  });

  it('rejects a filter that matches nothing', async () => {
    const r = await cli('run', '--corpus', FAULT_CORPUS, '--out', '/tmp/x', '--filter', '^zzz$');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/matches none of the 11 cases/);
  });

  it('says how to install torch when the interpreter is missing (exit 3)', async () => {
    const dir = await tempDir('nopython');
    const r = await cli('run', '--corpus', FAULT_CORPUS, '--out', dir, '--python', '/nonexistent/python3');
    expect(r.code).toBe(3);
    expect(r.err).toContain('/nonexistent/python3');
    expect(r.err).toContain('apt-get install -y python3-torch');
  });

  it('runs cases, prints the report, and reports the folder again later', async () => {
    const dir = await tempDir('cli');
    const r = await cli(
      'run',
      '--corpus',
      FAULT_CORPUS,
      '--out',
      dir,
      '--filter',
      '^(tiny-mlp|wrong-symbolic)$',
      '--jobs',
      '1',
      '--python',
      PYTHON,
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\| ok \| 1 \|/);
    expect(r.out).toMatch(/\| wrong-output \| 1 \|/);
    expect(r.err).toMatch(/\[2\/2\]/);
    const again = await cli('report', dir);
    expect(again.code).toBe(0);
    expect(again.out).toContain('| wrong-symbolic | fault | wrong-output |');
  });

  it('refuses to report a folder without results (exit 2)', async () => {
    const dir = await tempDir('empty');
    const r = await cli('report', dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/results\.json: cannot read results/);
  });
});
