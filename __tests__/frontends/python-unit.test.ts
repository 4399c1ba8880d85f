/**
 * The worker's own unit tests (python/tests: factory scope, dtype table, command-converter
 * parsing, tf2onnx step rules, the plugin table), run with the Debian interpreter.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { PYTHON } from '../helpers.js';

describe('python/tests', () => {
  it('pass', () => {
    const r = spawnSync(PYTHON, ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.'], {
      cwd: path.join(PACKAGE_ROOT, 'python'),
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(r.stderr).toMatch(/Ran (\d+) tests/);
    expect(Number(/Ran (\d+) tests/.exec(r.stderr)![1])).toBeGreaterThanOrEqual(20);
    expect(r.stderr.trim().split('\n').slice(-1)[0]).toBe('OK');
    expect(r.status).toBe(0);
  });
});
