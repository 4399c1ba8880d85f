/**
 * Localization on the modern stack (torch 2.13, the dynamo exporter): node metadata names the
 * module calls; below opset 18 the exporter drops it and localization borrows it from an export
 * at the exporter's own opset. The injected regression (fixtures/localize/break) makes the dynamo
 * exporter translate aten.softmax along the wrong axis. `convgate run --localize` (no baseline:
 * every failing case is localized, ranked against the passing ones).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { main } from '../../src/cli/index.js';
import type { CliIo } from '../../src/cli/io.js';
import type { ResultsDoc } from '../../src/results/schema.js';
import { readResultsDoc } from '../../src/results/writer.js';
import { tempDir } from '../helpers.js';
import { BREAK, writeLocalizeCorpus } from './fixture.js';

describe('localization on the modern stack (dynamo exporter)', () => {
  let doc: ResultsDoc;
  let report = '';
  let code = -1;
  beforeAll(async () => {
    const dir = await tempDir('localize-modern');
    const corpus = await writeLocalizeCorpus(dir);
    const io: CliIo = {
      stdout: (t) => void (report += t),
      stderr: () => undefined,
      interactive: false,
      exitCode: 0,
    };
    const saved = {
      PYTHONPATH: process.env.PYTHONPATH,
      CONVGATE_TEST_BREAK: process.env.CONVGATE_TEST_BREAK,
    };
    process.env.PYTHONPATH = BREAK;
    process.env.CONVGATE_TEST_BREAK = 'softmax';
    try {
      code = await main(
        [
          'node',
          'convgate',
          'run',
          '--stack',
          'modern',
          '--localize',
          '--localize-trials',
          '12',
          '--corpus',
          corpus,
          '--out',
          path.join(dir, 'run'),
          '--filter',
          '^(encoder|mlp|syn-7-1|syn-7-4)$',
          '--jobs',
          '2',
          '--no-progress',
        ],
        io,
      );
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
    doc = await readResultsDoc(path.join(dir, 'run'));
  });

  it('finds the softmax inside the attention module from the exporter metadata', () => {
    expect(code).toBe(0);
    expect(doc.environment.exporter).toBe('dynamo');
    const enc = doc.cases.find((c) => c.id === 'encoder')!;
    expect(enc.outcome).toBe('wrong-output');
    expect(enc.localization!.divergingNode).toMatchObject({
      op: 'Softmax',
      function: 'softmax',
      module: 'layers.0.attn',
      moduleType: 'Attention',
      via: 'values',
    });
    expect(enc.localization!.divergingNode!.source?.fxNode).toMatch(/^softmax/);
    expect(enc.localization!.submodule).toMatchObject({ path: 'layers.0.attn' });
  });

  it('a synthetic spec exported at opset 14 (metadata borrowed) is placed and minimised too', () => {
    const syn = doc.cases.find((c) => c.id === 'syn-7-1')!;
    expect(syn.settings.opset).toBe(14);
    expect(syn.localization!.divergingNode).toMatchObject({
      op: 'Softmax',
      module: 'n2',
      moduleType: 'softmax',
    });
    expect(syn.localization!.minimal!.opsAfter).toContain('softmax');
    expect(syn.localization!.fingerprint).toEqual(
      doc.cases.find((c) => c.id === 'encoder')!.localization!.fingerprint,
    );
    expect(doc.localization).toMatchObject({ cases: 2 });
  });

  it('convgate report shows where the failures start', () => {
    expect(report).toContain('Failures concentrate on `Softmax` (ONNX op)');
    expect(report).toContain('#### 1 distinct failure (by fingerprint)');
  });
});
