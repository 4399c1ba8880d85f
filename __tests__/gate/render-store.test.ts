import { describe, expect, it } from '@jest/globals';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { diffResults, noBaselineReport } from '../../src/gate/diff.js';
import { applyEnv, parseEnvAssignments, parseEnvLines, EnvInputError } from '../../src/gate/env.js';
import { renderGateReport } from '../../src/gate/render.js';
import { baselineKey, LocalBaselineStore, listFiles } from '../../src/gate/store.js';
import { LocalArtifactStore } from '../local-artifact-store.js';
import { tempDir } from '../helpers.js';
import { caseResult as c, resultsDoc as doc } from './docs.js';

describe('renderGateReport', () => {
  it('shows the verdict, a regressions table and the counts', () => {
    const md = renderGateReport(
      diffResults(
        doc([
          c('resnet18', 'ok'),
          c('vit', 'conversion-crash', { error: { stage: 'export', type: 'E', message: 'x' } }),
        ]),
        doc([c('resnet18', 'wrong-output', { maxAbsErr: 0.25 }), c('vit', 'ok')]),
      ),
    );
    expect(md).toMatch(/^## convgate: ❌ fail — 1 case\(s\) regressed/);
    expect(md).toContain('| `resnet18` | fam | ok → wrong-output | 1.00e-7 → 0.250 (output\\_0) |');
    expect(md).toContain('### Fixed (1)');
    expect(md).toMatch(/\*\*1 regression\*\* · 1 fix · 0 flaky/);
  });

  it('escapes untrusted text from results: no HTML, no mentions, no broken tables or code spans', () => {
    const evil = c('a|b`c', 'conversion-crash', {
      family: '<img src=x onerror=alert(1)>',
      error: { stage: 'export', type: 'E', message: '@maintainer see #12 <script>alert(1)</script> | `x`' },
    });
    const md = renderGateReport(diffResults(doc([c('a|b`c', 'ok')]), doc([evil])));
    expect(md).not.toContain('<img');
    expect(md).not.toContain('<script>');
    expect(md).not.toMatch(/@maintainer/);
    expect(md).not.toMatch(/#12/);
    expect(md).toContain("`a\\|b'c`");
    const row = md.split('\n').find((l) => l.startsWith("| `a\\|b'c`"))!;
    // 5 columns + re-runs absent: 6 unescaped pipes.
    expect(row.replace(/\\\|/g, '').split('|').length - 1).toBe(6);
  });

  it('without a baseline, lists what is not ok per outcome', () => {
    const md = renderGateReport(
      noBaselineReport(
        doc([c('a', 'ok'), c('b', 'hang', { error: { stage: 'export', type: 'Timeout', message: 't' } })]),
        'no stored baseline for base commit abc',
      ),
    );
    expect(md).toMatch(/^## convgate: ⚪ no baseline — no stored baseline for base commit abc/);
    expect(md).toContain('1 hang · 1 ok');
    expect(md).toContain('### Cases that are not ok (1)');
  });
});

describe('env assignments', () => {
  it('parses NAME=VALUE, NAME= (empty) and NAME (unset)', () => {
    expect(parseEnvAssignments(['PYTHONPATH=/a:/b', 'EMPTY=', 'GONE', 'X=a=b'], '--env')).toEqual({
      PYTHONPATH: '/a:/b',
      EMPTY: '',
      GONE: null,
      X: 'a=b',
    });
    expect(parseEnvLines('A=1\n\n# comment\nB=2\n', 'input')).toEqual({ A: '1', B: '2' });
    expect(applyEnv({ GONE: '1', KEEP: 'k' }, { GONE: null, NEW: 'n' })).toEqual({ KEEP: 'k', NEW: 'n' });
  });

  it('rejects a malformed assignment naming the flag', () => {
    expect(() => parseEnvAssignments(['1BAD=x'], '--baseline-env')).toThrow(EnvInputError);
    expect(() => parseEnvAssignments(['=x'], '--baseline-env')).toThrow(
      /^--baseline-env: "=x" is not NAME=VALUE/,
    );
  });
});

describe('stores', () => {
  const id = { corpusHash: 'abc', atol: 1e-3, rtol: 1e-3, opset: null, adapter: 'torch.onnx', filter: null };

  it('baseline keys differ by commit and by settings, and end with the commit', () => {
    const k = baselineKey(id, 'f'.repeat(40));
    expect(k).toMatch(/^convgate-baseline-[\w.-]+-abc-[0-9a-f]{12}-f{40}$/);
    expect(baselineKey(id, 'e'.repeat(40))).not.toBe(k);
    expect(baselineKey({ ...id, atol: 1e-4 }, 'f'.repeat(40))).not.toBe(k);
    expect(baselineKey({ ...id, filter: 'vit' }, 'f'.repeat(40))).not.toBe(k);
    expect(baselineKey({ ...id }, 'f'.repeat(40))).toBe(k);
  });

  it('the tool fingerprint follows the worker sources', async () => {
    const { toolFingerprint } = await import('../../src/gate/store.js');
    const root = await tempDir('fingerprint');
    await mkdir(path.join(root, 'python', 'pkg'), { recursive: true });
    await writeFile(path.join(root, 'python', 'pkg', 'a.py'), 'x = 1\n');
    const first = await toolFingerprint(root);
    expect(first).toMatch(/^[\w.-]+-[0-9a-f]{8}$/);
    expect(await toolFingerprint(root)).toBe(first);
    await writeFile(path.join(root, 'python', 'pkg', 'a.py'), 'x = 2\n');
    expect(await toolFingerprint(root)).not.toBe(first);
    expect(baselineKey({ ...id, tool: first }, 'f'.repeat(40))).toContain(`convgate-baseline-${first}-abc-`);
  });

  it('a local baseline store restores what was saved and never overwrites an entry', async () => {
    const root = await tempDir('store');
    const store = new LocalBaselineStore(path.join(root, 'store'));
    const src = path.join(root, 'src');
    await mkdir(src);
    await writeFile(path.join(src, 'results.json'), 'first');
    expect(await store.restore('k1', path.join(root, 'out0'))).toBe(false);
    expect(await store.save('k1', src)).toBe(true);
    await writeFile(path.join(src, 'results.json'), 'second');
    expect(await store.save('k1', src)).toBe(false);
    expect(await store.restore('k1', path.join(root, 'out'))).toBe(true);
    expect(await readFile(path.join(root, 'out', 'results.json'), 'utf8')).toBe('first');
  });

  it('a local artifact store uploads files under their relative paths and downloads by prefix', async () => {
    const root = await tempDir('artifacts');
    const store = new LocalArtifactStore(path.join(root, 'store'));
    const src = path.join(root, 'src');
    await mkdir(path.join(src, 'cases', 'a'), { recursive: true });
    await writeFile(path.join(src, 'results.json'), '{}');
    await writeFile(path.join(src, 'cases', 'a', 'model.onnx'), 'm');
    await store.upload('run-shard-1-of-2', src, await listFiles(src));
    await store.upload('run-shard-2-of-2', src, [path.join(src, 'results.json')]);
    await store.upload('other', src, [path.join(src, 'results.json')]);
    const names = await store.downloadAll('run-shard-', path.join(root, 'dl'));
    expect(names).toEqual(['run-shard-1-of-2', 'run-shard-2-of-2']);
    expect(
      await readFile(path.join(root, 'dl', 'run-shard-1-of-2', 'cases', 'a', 'model.onnx'), 'utf8'),
    ).toBe('m');
  });
});
