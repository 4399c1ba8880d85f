/**
 * Converters beyond torch.onnx, end to end through the CLI, a few representative cases each:
 * Keras' own ONNX export on the torch backend (modern stack), the TensorFlow frontend with a
 * stand-in tf2onnx (tf stack), a command-line converter against the native one it wraps (same
 * results in form), and a missing dependency (one line, exit 3).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CaseResult, ResultsDoc } from '../../src/results/schema.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { FIXTURES, tempDir } from '../helpers.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'convgate.js');
const FAKE_TF2ONNX = path.join(FIXTURES, 'fake-tf2onnx');
const NODE_CORPUS = path.join(FIXTURES, 'frontends', 'onnx-nodes.json');
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function out(prefix: string): Promise<string> {
  const d = await tempDir(prefix);
  dirs.push(d);
  return d;
}

/** convgate in a child process (the env of a run matters: PYTHONPATH, KERAS_BACKEND). */
async function convgate(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const r = await promisify(execFile)(process.execPath, [BIN, ...args, '--no-progress'], {
      env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof err.code === 'number' ? err.code : -1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    };
  }
}

async function results(dir: string): Promise<ResultsDoc> {
  return JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as ResultsDoc;
}

function byId(doc: ResultsDoc): Record<string, CaseResult> {
  return Object.fromEntries(doc.cases.map((c) => [c.id, c]));
}

describe('keras.onnx: Keras 3 export on the torch backend (modern stack)', () => {
  it('matches the Keras model where it exports, and names the exporter step where it fails', async () => {
    const dir = await out('keras');
    const r = await convgate([
      'run',
      '--corpus',
      'keras',
      '--stack',
      'modern',
      '--converter',
      'keras.onnx',
      '--out',
      dir,
      '--no-report',
      '--case',
      'keras-mlp-gelu',
      '--case',
      'keras-mlp-dynamic-batch',
    ]);
    expect(r.code).toBe(0); // a run reports failing cases, it does not fail
    const doc = await results(dir);
    expect(doc.converter).toMatchObject({
      name: 'keras.onnx',
      backend: 'torch',
      version: expect.stringMatching(/^3\./),
    });
    expect(doc.environment.frontends).toMatchObject({ keras: { name: 'keras', backend: 'torch' } });
    const c = byId(doc);
    expect(c['keras-mlp-gelu'].outcome).toBe('ok');
    expect(c['keras-mlp-gelu'].outputs.length).toBeGreaterThan(0);
    // Dynamic batch: Keras falls back from dynamo to the TorchScript exporter, which fails in symbolic.
    expect(c['keras-mlp-dynamic-batch']).toMatchObject({
      outcome: 'conversion-crash',
      error: { stage: 'export', step: 'symbolic', type: expect.stringContaining('SymbolicValueError') },
    });
  });
});

describe('the tensorflow frontend and tf2onnx (tf stack, a stand-in tf2onnx on PYTHONPATH)', () => {
  const env = { PYTHONPATH: FAKE_TF2ONNX };

  it('native and command converter: the same case outcome, error and step from TF 2.21 sources', async () => {
    const native = await out('tf-native');
    const command = await out('tf-cmd');
    const args = [
      'run',
      '--corpus',
      'tensorflow',
      '--stack',
      'tf',
      '--case',
      'tf-mlp',
      '--no-report',
      '--opset',
      '13',
    ];
    const [a, b] = await Promise.all([
      convgate([...args, '--converter', 'tf2onnx', '--out', native], env),
      convgate(
        [
          ...args,
          '--out',
          command,
          '--convert-cmd',
          '{python} -m tf2onnx.convert --saved-model {source} --output {onnx} --opset {opset}',
        ],
        env,
      ),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const [n, m] = [byId(await results(native))['tf-mlp'], byId(await results(command))['tf-mlp']];
    // The fake checks what convgate hands it (a tf.function with TensorSpecs named after the
    // inputs / a SavedModel directory), then fails in tf2onnx's op handler.
    for (const c of [n, m])
      expect(c).toMatchObject({
        outcome: 'conversion-crash',
        error: {
          stage: 'export',
          step: 'op-conversion',
          type: 'ValueError',
          message: expect.stringContaining("Unsupported ops: Counter({'FakeOp': 1})"),
        },
      });
    expect(n.error!.message).toContain('inputs x');
    expect(m.error!.message).toContain('inputs saved_model');
    const doc = await results(command);
    expect(doc.environment.frontends).toMatchObject({
      tensorflow: { version: expect.stringMatching(/^2\./) },
    });
    expect(doc.converter).toMatchObject({ name: 'command', version: expect.stringMatching(/^cmd-/) });
  });
});

describe('a command-line converter gives results of the same form as the native converter it wraps', () => {
  it('onnx-version-converter vs scripts/onnx-version-cli.py on ONNX node tests (debian stack, onnx 1.12)', async () => {
    const native = await out('cmd-native');
    const command = await out('cmd-cmd');
    const args = ['run', '--corpus', NODE_CORPUS, '--stack', 'debian', '--no-report'];
    const [a, b] = await Promise.all([
      convgate([...args, '--converter', 'onnx-version-converter', '--out', native]),
      convgate([
        ...args,
        '--out',
        command,
        '--convert-cmd',
        '{python} scripts/onnx-version-cli.py {source} {onnx} {opset}',
      ]),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const [n, m] = [await results(native), await results(command)];
    expect(n.cases.map((c) => c.outcome)).toContain('ok');
    expect(n.cases.map((c) => c.outcome)).toContain('conversion-crash');
    // Everything but the converter's identity, the settings naming it, timings and the frames of
    // the traceback (the script's instead of convgate's) is identical.
    const form = (doc: ResultsDoc) =>
      doc.cases.map(({ timingsMs: _t, cpuMs: _c, error, ...rest }) => ({
        ...rest,
        ...(error ? { error: { ...error, traceback: undefined } } : {}),
      }));
    expect(JSON.parse(JSON.stringify(form(m)))).toEqual(JSON.parse(JSON.stringify(form(n))));
    expect(Object.keys(m).sort()).toEqual(Object.keys(n).sort());
    const failed = n.cases.find((c) => c.outcome === 'conversion-crash')!;
    expect(failed.error).toMatchObject({ stage: 'export', step: 'version-conversion' });
  });
});

describe('a missing dependency', () => {
  it('is one line naming the package and how to get it, exit 3: no traceback, no torch hint', async () => {
    for (const [args, pkg] of [
      [
        ['--corpus', 'tensorflow', '--stack', 'modern', '--converter', 'tf2onnx'],
        'the tensorflow frontend needs tensorflow',
      ],
      [
        ['--corpus', 'tensorflow', '--stack', 'tf', '--converter', 'tf2onnx'],
        'the tf2onnx converter needs tf2onnx',
      ],
    ] as const) {
      const r = await convgate(['run', ...args, '--out', await out('missing')]);
      expect(r.code).toBe(3);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(pkg);
      expect(lines[0]).not.toMatch(/Traceback|apt|python3-torch/);
    }
  });
});
