import { afterAll, describe, expect, it } from '@jest/globals';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DiffInputError, diffResults, headline, operatorsInError } from '../../src/gate/diff.js';
import { plannedStackDifferences } from '../../src/gate/gate.js';
import { renderGateReport } from '../../src/gate/render.js';
import { GateReport } from '../../src/gate/schema.js';
import { stackDifferences, stackLabel, torchRelease } from '../../src/gate/stacks.js';
import type { ResultsDoc } from '../../src/results/schema.js';
import { tempDir as makeTempDir } from '../helpers.js';
import { runCli } from '../cli-harness.js';
import { caseResult as c, resultsDoc } from './docs.js';

/** A results document as a given stack makes it (environment and adapter as run-cases records them). */
function made(
  stack: { torch: string; adapter: string; exporter: string; onnxscript?: string; name?: string },
  cases = [c('a', 'ok'), c('b', 'ok')],
  over: Parameters<typeof resultsDoc>[1] = {},
): ResultsDoc {
  return resultsDoc(cases, {
    ...over,
    converter: { name: stack.adapter, version: stack.torch },
    environment: {
      onnxruntime: '1.30.0',
      stack: stack.name ?? null,
      exporter: stack.exporter,
      packages: { torch: stack.torch, onnxscript: stack.onnxscript ?? null, onnx: '1.23.1' },
    },
    settings: { adapter: stack.adapter, ...over.settings },
  });
}

const dirs: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await makeTempDir(prefix);
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const TS_113 = { torch: '1.13.0a0', adapter: 'torch.onnx', exporter: 'torchscript', name: 'debian' };
const TS_213 = {
  torch: '2.13.0+cpu',
  adapter: 'torch.onnx',
  exporter: 'torchscript',
  onnxscript: '0.7.2',
  name: 'modern',
};
const DYN_213 = { ...TS_213, adapter: 'torch.onnx.dynamo', exporter: 'dynamo' };

describe('comparisons across converter stacks', () => {
  it('refuses another torch release or another exporter without --across, naming both stacks', () => {
    const version = () => diffResults(made(TS_113), made(TS_213));
    expect(version).toThrow(DiffInputError);
    expect(version).toThrow(
      /different converter stacks \(torch 1\.13\.0a0 → 2\.13\.0\+cpu\): baseline torch 1\.13\.0a0, torch\.onnx \(torchscript\), onnxscript none, stack debian; candidate torch 2\.13\.0\+cpu, .*onnxscript 0\.7\.2.*use --across/,
    );
    expect(() => diffResults(made(TS_213), made(DYN_213))).toThrow(
      /exporter torch\.onnx \(torchscript\) → torch\.onnx\.dynamo \(dynamo\)/,
    );
  });

  it('with --across: compares, and the report labels both stacks (JSON and markdown)', () => {
    const r = diffResults(made(TS_213), made(DYN_213, [c('a', 'ok'), c('b', 'invalid-model')]), {
      across: true,
    });
    expect(r.verdict).toBe('fail');
    expect(r.regressions.map((x) => x.id)).toEqual(['b']);
    expect(r.stacks).toEqual({
      baseline: {
        stack: 'modern',
        torch: '2.13.0+cpu',
        exporter: 'torchscript',
        adapter: 'torch.onnx',
        onnxscript: '0.7.2',
        onnx: '1.23.1',
      },
      candidate: expect.objectContaining({ adapter: 'torch.onnx.dynamo', exporter: 'dynamo' }),
      across: ['exporter torch.onnx (torchscript) → torch.onnx.dynamo (dynamo)'],
    });
    expect(GateReport.safeParse(r).success).toBe(true);
    const md = renderGateReport(r);
    expect(md).toContain('| torch | 2.13.0+cpu | 2.13.0+cpu |');
    expect(md).toContain('| exporter | torch.onnx (torchscript) | torch.onnx.dynamo (dynamo) |');
    expect(md).toContain('| onnxscript | 0.7.2 | 0.7.2 |');
    expect(md).toMatch(/\*\*Across stacks\*\* \(compared on purpose\): exporter torch\.onnx/);
  });

  it('--across still refuses another corpus or tolerance (only --force overrides those)', () => {
    const other = made(TS_213, undefined, { corpus: { name: 'test', hash: 'h2', cases: 2 } });
    expect(() => diffResults(made(TS_113), other, { across: true })).toThrow(/corpus hash differs/);
    const loose = made(TS_213, undefined, { settings: { atol: 0.1 } });
    expect(() => diffResults(made(TS_113), loose, { across: true })).toThrow(/tolerance differs/);
  });

  it('a pull-request build of the same release is the same stack: no --across needed', () => {
    const base = made({ ...DYN_213, torch: '2.13.0a0+git1111111' });
    const pr = made({ ...DYN_213, torch: '2.13.0a0+git2222222', onnxscript: '0.7.3.dev20261130' });
    const r = diffResults(base, pr);
    expect(r.verdict).toBe('pass');
    expect(r.stacks?.across).toEqual([]);
    expect(renderGateReport(r)).not.toContain('Across stacks');
  });

  it('stack values come from the converter: escaped in the markdown', () => {
    const evil = made({ ...DYN_213, onnxscript: '0.7.2|<img src=x onerror=alert(1)>' });
    const md = renderGateReport(diffResults(made(DYN_213), evil));
    expect(md).not.toContain('<img');
    expect(md).toMatch(/\| onnxscript \| 0\.7\.2 \| 0\.7\.2\\\|&lt;img/);
  });

  it('torchRelease and stackDifferences', () => {
    expect(torchRelease('2.13.0+cpu')).toBe('2.13.0');
    expect(torchRelease('1.13.0a0')).toBe('1.13.0');
    expect(torchRelease('2.5')).toBe('2.5.0');
    expect(torchRelease(null)).toBeNull();
    const label = (doc: ResultsDoc) => stackLabel(doc);
    expect(stackDifferences(label(made(TS_113)), label(made(DYN_213)))).toEqual([
      'torch 1.13.0a0 → 2.13.0+cpu',
      'exporter torch.onnx (torchscript) → torch.onnx.dynamo (dynamo)',
    ]);
  });
});

describe('lost coverage across stacks (--allow-lost-coverage)', () => {
  const unsupported = { ...c('det', 'unsupported'), unmet: ['torchvision-ops *: not installed'] };
  const before = () => made(TS_113, [c('a', 'ok'), c('det', 'ok')]);
  const after = (stack = TS_213) => made(stack, [c('a', 'ok'), unsupported]);

  it('lists the cases the candidate stack cannot run without failing, only across different stacks', () => {
    const failing = diffResults(before(), after(), { across: true });
    expect(failing.verdict).toBe('fail');
    expect(failing.reason).toBe('1 case(s) lost coverage (ran in the baseline, not in the candidate)');
    const allowed = diffResults(before(), after(), { across: true, allowLost: true });
    expect(allowed.verdict).toBe('pass');
    expect(allowed.reason).toBe(
      'no regressions; 1 case(s) lost coverage across stacks (listed, allowed by --allow-lost-coverage)',
    );
    expect(allowed.lost?.map((x) => [x.id, x.before, x.after])).toEqual([['det', 'ok', 'unsupported']]);
    expect(allowed.counts.lost).toBe(1);
  });

  it('still fails on regressions, and on lost coverage within one stack even with --across', () => {
    const regressed = made(TS_213, [c('a', 'runtime-crash'), unsupported]);
    const r = diffResults(before(), regressed, { across: true, allowLost: true });
    expect(r.verdict).toBe('fail');
    expect(r.reason).toBe('1 case(s) regressed');
    const sameStack = diffResults(made(TS_213, [c('a', 'ok'), c('det', 'ok')]), after(), {
      across: true,
      allowLost: true,
    });
    expect(sameStack.verdict).toBe('fail');
    expect(sameStack.reason).toMatch(/lost coverage/);
  });

  it('is refused without --across (diff and gate: exit 2 before anything runs)', async () => {
    expect(() => diffResults(before(), after(), { allowLost: true })).toThrow(
      /allowing lost coverage applies only to a comparison across stacks \(--across\)/,
    );
    const dir = await tempDir('lost-across');
    const b = path.join(dir, 'b.json');
    const a = path.join(dir, 'a.json');
    await writeFile(b, JSON.stringify(before()));
    await writeFile(a, JSON.stringify(after()));
    expect((await runCli('diff', b, a, '--across')).code).toBe(1);
    const ok = await runCli('diff', b, a, '--across', '--allow-lost-coverage');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('### Lost coverage (1)');
    const refused = await runCli('diff', b, a, '--allow-lost-coverage');
    expect(refused.code).toBe(2);
    const g = await runCli('gate', '--out', path.join(dir, 'g'), '--corpus', 'real', '--allow-lost-coverage');
    expect(g.code).toBe(2);
    expect(g.err).toMatch(/^convgate gate: --allow-lost-coverage applies only to a gate across stacks/);
  });
});

describe('convgate diff/gate --across (CLI)', () => {
  const cli = (args: string[]) => runCli(...args);

  it('diff: exit 2 across stacks without --across, the verdict with it', async () => {
    const dir = await tempDir('across');
    const b = path.join(dir, 'b.json');
    const a = path.join(dir, 'a.json');
    await writeFile(b, JSON.stringify(made(TS_113)));
    await writeFile(a, JSON.stringify(made(TS_213, [c('a', 'ok'), c('b', 'runtime-crash')])));
    const refused = await cli(['diff', b, a]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/convgate diff: refusing to compare results of different converter stacks/);
    const across = await cli(['diff', b, a, '--across']);
    expect(across.code).toBe(1);
    expect(across.out).toContain('| torch | 1.13.0a0 | 2.13.0+cpu |');
  });

  it('gate: sides of different exporters are refused before anything runs', async () => {
    const dir = await tempDir('across-gate');
    const out = path.join(dir, 'gate');
    const r = await cli([
      'gate',
      '--stack',
      'debian',
      '--corpus',
      'real',
      '--filter',
      '^resnet18$',
      '--out',
      out,
      '--baseline-adapter',
      'torch.onnx',
      '--candidate-adapter',
      'onnx-version-converter',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /refusing to gate across converter stacks \(exporter torch\.onnx → onnx-version-converter\) without --across/,
    );
  });

  it('plannedStackDifferences: named stacks and adapters per side', () => {
    const run = { stack: 'modern', adapter: 'torch.onnx.dynamo' } as Parameters<
      typeof plannedStackDifferences
    >[0]['run'];
    const side = (over: object = {}) => ({ python: 'p', env: {}, ...over });
    const plan = (b: object, a: object) => ({
      run,
      candidate: side(a),
      baseline: { kind: 'run' as const, side: side(b) },
    });
    expect(plannedStackDifferences(plan({}, {}))).toEqual([]);
    expect(plannedStackDifferences(plan({ stack: 'debian', adapter: 'torch.onnx' }, {}))).toEqual([
      'stack debian → modern',
      'exporter torch.onnx → torch.onnx.dynamo',
    ]);
    expect(plannedStackDifferences(plan({}, { adapter: 'torch.onnx' }))).toEqual([
      'exporter torch.onnx.dynamo → torch.onnx',
    ]);
  });
});

describe('dynamo exporter errors in the gate report', () => {
  const message = [
    'Failed to convert the exported program to an ONNX model. This is step 3/3 of exporting the model to ONNX. Next steps:',
    '- If there is a missing ONNX function, implement it and register it to the registry.',
    '',
    '## Exception summary',
    '',
    "<class 'NameError'>: name 'dims' is not defined",
    '⬆️',
    "<class 'torch.onnx._internal.exporter._errors.GraphConstructionError'>: Error when calling function 'TracedOnnxFunction(<function aten_cumsum at 0x7f2c2808d4e0>)' with args '[...]'",
    '⬆️',
    "<class 'torch.onnx._internal.exporter._errors.ConversionError'>: Error when translating node %cumsum : [num_users=1] = call_function[target=torch.ops.aten.cumsum.default](args = (%linear, 1), kwargs = {}).",
  ].join('\n');

  it('names the FX node target and the torchlib function that failed', () => {
    expect(operatorsInError(message)).toEqual(['aten.cumsum.default', 'aten_cumsum']);
  });

  it('the headline adds the root cause to a generic first line; other messages keep their first line', () => {
    expect(headline(message)).toBe(
      "Failed to convert the exported program to an ONNX model. This is step 3/3 of exporting the model to ONNX. Next steps: — cause: NameError: name 'dims' is not defined",
    );
    expect(headline('boom\nmore')).toBe('boom');
  });
});
