/** Frontend × converter pairs, the plugin table and the corpus' factory scope, without converting. */
import { describe, expect, it } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { converterOf } from '../../src/cli/options.js';
import { loadCorpus, loadCorpusFile } from '../../src/corpus/load.js';
import type { CaseDef } from '../../src/corpus/schema.js';
import { casesForConverter, convertersFor, PairingError } from '../../src/run/pairing.js';
import { baselineKey, environmentKey } from '../../src/gate/store.js';
import { readConfig } from '../../src/action/inputs.js';
import { FAULT_CORPUS, tempDir } from '../helpers.js';
import { runCli } from '../cli-harness.js';

const cli = runCli;

const torchCase: CaseDef = {
  id: 'mlp',
  family: 'mlp',
  seed: 1,
  model: { factory: 'm:f' },
  inputs: [{ name: 'x', dtype: 'float32', shape: [2, 3] }],
  export: { opset: 13, dynamicAxes: { x: { '0': 'b' } } },
};
const kerasCase: CaseDef = { ...torchCase, id: 'k', frontend: 'keras', export: {} };

describe('pairs of frontends and converters', () => {
  it('hands torch cases to a converter of ONNX models as ONNX sources at the source opset', () => {
    const [c] = casesForConverter([torchCase], 'onnx-version-converter', 12);
    expect(c).toMatchObject({
      id: 'mlp',
      frontend: 'onnx',
      model: { torch: { factory: 'm:f' }, sourceOpset: 12 },
      // the target opset is the run's / converter's, the dynamic axes stay
      export: { dynamicAxes: { x: { '0': 'b' } } },
    });
    expect(c.export?.opset).toBeUndefined();
    expect(casesForConverter([torchCase], 'torch.onnx')).toEqual([torchCase]);
  });

  it('refuses any other mismatch in one line naming the converters that would take the cases', () => {
    expect(() => casesForConverter([torchCase, kerasCase], 'torch.onnx')).toThrow(PairingError);
    expect(() => casesForConverter([torchCase, kerasCase], 'torch.onnx')).toThrow(
      /^converter torch\.onnx takes torch cases, but 1 of the 2 cases are keras cases \(first: k\); converters for keras cases: keras\.onnx, tf2onnx, command$/,
    );
    expect(() => casesForConverter([torchCase], 'nope')).toThrow(
      /unknown converter "nope" \(known: torch\.onnx, /,
    );
    expect(convertersFor('tensorflow')).toEqual(['tf2onnx', 'command']);
  });

  it('--convert-cmd means the command converter and cannot be combined with another one', () => {
    expect(converterOf({ convertCmd: 'x {onnx}' }, 'torch.onnx')).toBe('command');
    expect(converterOf({ adapter: 'keras.onnx' }, 'torch.onnx')).toBe('keras.onnx');
    expect(() => converterOf({ convertCmd: 'x', converter: 'torch.onnx' }, 'torch.onnx')).toThrow(
      /cannot be combined with --converter torch\.onnx/,
    );
    expect(() => converterOf({ converter: 'command' }, 'torch.onnx')).toThrow(/needs --convert-cmd/);
  });

  it('the CLI refuses an incompatible pair before starting anything: exit 2, one line', async () => {
    const r = await cli(
      'run',
      '--corpus',
      'keras',
      '--out',
      await tempDir('pair'),
      '--converter',
      'torch.onnx',
    );
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('converters for keras cases: keras.onnx, tf2onnx, command');
  });

  it('the Action takes convert-cmd as the command converter and refuses a mix', () => {
    const base = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? '';
    const ws = '/tmp/ws';
    const defaults = {
      adapter: 'torch.onnx',
      'source-opset': '11',
      timeout: '120',
      'memory-limit': '6144',
      atol: '0.001',
      rtol: '0.001',
      reruns: '2',
      mode: 'gate',
      corpus: 'real',
      python: 'python3',
      baseline: 'cache',
      'on-baseline-miss': 'skip',
      'save-baseline': 'auto',
      'baseline-store': 'actions-cache',
      'fail-on': 'regressions',
      'slow-factor': '2',
      'slow-floor': '20',
      'slow-clock': 'cpu',
      'drift-factor': '10',
      'drift-floor': '0.1',
      force: 'false',
      'results-dir': '.convgate',
      'artifact-name': 'convgate',
    };
    const cfg = readConfig(base({ ...defaults, 'convert-cmd': '{python} conv.py {source} {onnx}' }), ws);
    expect(cfg).toMatchObject({
      adapter: 'command',
      convertCommand: '{python} conv.py {source} {onnx}',
      sourceOpset: 11,
    });
    expect(() =>
      readConfig(base({ ...defaults, adapter: 'keras.onnx', 'convert-cmd': 'x {onnx}' }), ws),
    ).toThrow(/input convert-cmd runs the command converter; it cannot be combined with adapter keras\.onnx/);
    expect(() => readConfig(base({ ...defaults, adapter: 'command' }), ws)).toThrow(
      /needs input convert-cmd/,
    );
  });
});

describe('the baseline key names the converter and the frontends', () => {
  const env = { python: { version: '3.11.7' }, exporter: 'x', packages: { onnx: '1.23.1' } };
  const id = {
    corpusHash: 'c',
    tool: 't',
    atol: 1e-3,
    rtol: 1e-3,
    opset: null,
    adapter: 'command',
    filter: null,
  };
  const key = (e: Record<string, unknown>) => baselineKey({ ...id, environment: environmentKey(e) }, 'sha');

  it('changes with the converter version (another command) and with a frontend version', () => {
    const k = key({
      ...env,
      converter: { name: 'command', version: 'cmd-aaa' },
      frontends: { onnx: { name: 'onnx', version: '1.23.1' } },
    });
    expect(
      key({
        ...env,
        converter: { name: 'command', version: 'cmd-bbb' },
        frontends: { onnx: { name: 'onnx', version: '1.23.1' } },
      }),
    ).not.toBe(k);
    expect(
      key({
        ...env,
        converter: { name: 'command', version: 'cmd-aaa' },
        frontends: { onnx: { name: 'onnx', version: '1.12.0' } },
      }),
    ).not.toBe(k);
    expect(
      environmentKey({
        ...env,
        converter: { name: 'keras.onnx', version: '3.15.1', backend: 'torch' },
        frontends: { keras: { name: 'keras', version: '3.15.1' } },
      }),
    ).toMatchObject({
      converter: { name: 'keras.onnx', version: '3.15.1' },
      frontends: { keras: '3.15.1' },
    });
  });
});

describe('corpora of every frontend', () => {
  it('derive onnx cases from real ones, one per opset pair', async () => {
    const onnx = await loadCorpus('onnx');
    const derived = onnx.cases.filter((c) => 'torch' in c.model);
    expect(derived.length).toBeGreaterThanOrEqual(30 * 3);
    expect(new Set(derived.map((c) => c.id.replace(/\.o\d+-o\d+$/, ''))).size).toBeGreaterThanOrEqual(30);
    expect(onnx.cases.find((c) => c.id === 'resnet18.o17-o11')).toMatchObject({
      frontend: 'onnx',
      model: { torch: { factory: 'torchvision.models:resnet18' }, sourceOpset: 17 },
      export: { opset: 11 },
    });
    expect(onnx.pythonPaths.some((p) => p.endsWith(path.join('corpus', 'real')))).toBe(true);
    expect(onnx.modelLibraries).toContain('torchvision');
    const keras = await loadCorpus('keras');
    expect(keras.cases.length).toBeGreaterThanOrEqual(10);
    expect(new Set(keras.cases.map((c) => c.frontend))).toEqual(new Set(['keras']));
  });

  it("refuse a factory outside the corpus' own modules and declared libraries (os:system), naming the case", async () => {
    const dir = await tempDir('scope');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'cases.json');
    await writeFile(
      file,
      JSON.stringify({
        name: 'evil',
        cases: [
          {
            id: 'a',
            family: 'f',
            model: { factory: 'os:system', kwargs: { command: 'touch /tmp/owned' } },
            inputs: [{ name: 'x', dtype: 'float32', shape: [1] }],
          },
        ],
      }),
    );
    await expect(loadCorpusFile(file)).rejects.toThrow(
      /case "a": cases\.0\.model\.factory: module os is neither one of the corpus' own modules nor a declared model library \(none\)/,
    );
    const r = await cli('run', '--corpus', file, '--out', path.join(dir, 'out'));
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it("refuse a model the case's frontend cannot build", async () => {
    const dir = await tempDir('kind');
    const file = path.join(dir, 'cases.json');
    await writeFile(
      file,
      JSON.stringify({
        name: 'k',
        cases: [
          {
            frontend: 'onnx',
            id: 'a',
            family: 'f',
            model: { factory: 'm:f' },
            inputs: [{ name: 'x', dtype: 'float32', shape: [1] }],
          },
        ],
      }),
    );
    await expect(loadCorpusFile(file)).rejects.toThrow(
      /a onnx case needs \{path\}, \{nodeTest\} or \{torch, sourceOpset\}/,
    );
    expect((await loadCorpusFile(FAULT_CORPUS)).modelLibraries).toEqual([]);
  });
});
