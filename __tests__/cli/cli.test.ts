import { describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { main } from '../../src/cli/index.js';
import type { CliIo } from '../../src/cli/io.js';
import { FAULT_CORPUS, PYTHON, tempDir } from '../helpers.js';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    interactive: false,
    exitCode: 0,
  };
  const code = await main(['node', 'convgate', ...args], io);
  return { code, out, err };
}

describe('convgate CLI', () => {
  it('rejects a bad --jobs with exit 2 and names the option', async () => {
    const r = await cli('run', '--out', '/tmp/x', '--jobs', 'many');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--jobs must be a positive whole number, got "many"/);
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
    expect(r.err).toMatch(/cases\.0\.model/);
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
