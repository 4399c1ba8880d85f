import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveStack } from '../../src/run/stacks.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { FIXTURES, tempDir } from '../helpers.js';

const run = promisify(execFile);
const modern = resolveStack({ stack: 'modern' });
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

interface Check {
  installed: Record<string, boolean>;
  plain: Record<string, string>;
  cached: Record<string, string>;
  again: Record<string, string>;
  walks: { plain: number; cachedFirst: number; cachedAgain: number };
  registrationReadsAgain: number;
}

// docs/performance.md: the dynamo adapter pays model-independent export steps once per worker.
describe('dynamo export caches (modern stack)', () => {
  it('write byte-identical ONNX files and skip the repeated dispatcher walks', async () => {
    const out = await tempDir('dynamo-cache');
    dirs.push(out);
    const { stdout } = await run(modern.python, [path.join(FIXTURES, 'dynamo-cache', 'check.py'), out], {
      env: { ...process.env, PYTHONPATH: path.join(PACKAGE_ROOT, 'python') },
      maxBuffer: 16 * 1024 * 1024,
    });
    const check = JSON.parse(stdout.trim().split('\n').pop()!) as Check;
    expect(check.installed).toEqual({
      decompositionTable: true,
      ciaMaterialization: true,
      ciaCollection: true,
    });
    expect(Object.keys(check.plain).sort()).toEqual(['block', 'mlp']);
    expect(check.cached).toEqual(check.plain);
    expect(check.again).toEqual(check.plain);
    // Uncached, every export walks the dispatcher once per operator namespace; cached, the walks
    // stop once the registrations are materialised.
    expect(check.walks.plain).toBeGreaterThan(10);
    expect(check.walks.cachedAgain).toBe(0);
    // The registrations are read once per collection, not once per namespace (~28 per collection).
    expect(check.registrationReadsAgain).toBeGreaterThan(0);
    expect(check.registrationReadsAgain).toBeLessThanOrEqual(2 * 3);
  }, 600_000);
});
