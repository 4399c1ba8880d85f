/**
 * The Python tests of localization (__tests__/python/test_localize.py: scopes, submodules,
 * function capture, exporter node, repro.py) with each stack's interpreter. The modern stack has
 * onnxruntime for Python, so there repro.py is run for real: it shows the mismatch of a broken
 * converter and passes without it.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveStack } from '../../src/run/stacks.js';
import { PYTHON } from '../helpers.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

function unittest(python: string, env: Record<string, string> = {}) {
  const r = spawnSync(python, ['-m', 'unittest', '-v', 'test_localize'], {
    cwd: HERE,
    env: { ...process.env, PYTHONPATH: '', ...env },
    encoding: 'utf8',
    timeout: 600_000,
  });
  return { code: r.status, text: `${r.stdout}\n${r.stderr}` };
}

describe('Python side of localization', () => {
  it('Debian stack (torch 1.13, no onnxruntime for Python)', () => {
    const r = unittest(PYTHON);
    expect(r.text).toMatch(/Ran 12 tests/);
    expect(r.code).toBe(0);
  });

  it('modern stack (torch 2.13): repro.py runs onnxruntime for Python', () => {
    const r = unittest(resolveStack({ stack: 'modern' }).python, { CONVGATE_TEST_REPRO_RUNTIME: '1' });
    expect(r.text).toMatch(/test_repro_shows_the_mismatch_and_the_fix .* ok/);
    expect(r.code).toBe(0);
  });
});
