// The repository stands alone and installs as documented: the lock file is one `npm ci` accepts,
// dependencies are used, nothing cites files outside the repository, and the vendored ONNX Runtime
// binaries ship with their license.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  license: string;
  dependencies: Record<string, string>;
};

function filesUnder(rel: string, ext: RegExp): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(path.join(ROOT, dir))) {
      if (name === 'node_modules' || name === '__pycache__' || name.startsWith('.')) continue;
      const r = path.join(dir, name);
      if (statSync(path.join(ROOT, r)).isDirectory()) walk(r);
      else if (ext.test(name)) out.push(r);
    }
  };
  walk(rel);
  return out;
}

describe('install', () => {
  it('has a lock file npm ci accepts as it is (checked offline, nothing installed)', async () => {
    const dir = await tempDir('lock');
    await copyFile(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    await copyFile(path.join(ROOT, 'package-lock.json'), path.join(dir, 'package-lock.json'));
    const r = spawnSync(
      'npm',
      ['ci', '--dry-run', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'],
      {
        cwd: dir,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
      },
    );
    expect({ status: r.status, err: r.stderr.match(/npm error .*/g)?.slice(0, 5) ?? [] }).toEqual({
      status: 0,
      err: [],
    });
    // The set-up script uses npm ci alone: no fallback that would hide a broken lock.
    expect(read('scripts/setup.sh')).not.toMatch(/npm install/);
  });

  it('configures onnxruntime-node through the environment, not an unknown npm project config', () => {
    expect(existsSync(path.join(ROOT, '.npmrc')) ? read('.npmrc') : '').not.toMatch(
      /onnxruntime-node-install/,
    );
    expect(read('scripts/setup.sh')).toMatch(/export ONNXRUNTIME_NODE_INSTALL=skip/);
  });

  it('uses every dependency it declares', () => {
    const sources = [...filesUnder('src', /\.ts$/), 'bin/convgate.js'].map(read).join('\n');
    const unused = Object.keys(pkg.dependencies).filter(
      (name) =>
        !new RegExp(`from '${name}(/[^']*)?'|import\\('${name}(/[^']*)?'\\)|'${name}/package\\.json'`).test(
          sources,
        ),
    );
    expect(unused).toEqual([]);
  });
});

describe('the repository stands alone', () => {
  it('cites no file outside the repository (../shared, DESIGN.md) in src, python, docs, README or tests', () => {
    const files = [
      ...filesUnder('src', /\.(ts|md)$/),
      ...filesUnder('python', /\.py$/),
      ...filesUnder('docs', /\.(md|ya?ml)$/),
      ...filesUnder('__tests__', /\.(ts|py|json)$/).filter((f) => !f.endsWith('hygiene.test.ts')),
      'README.md',
    ];
    const citing = files.filter((f) => /\.\.\/shared\b|\bshared\/DESIGN\.md|\bDESIGN\.md\b/.test(read(f)));
    expect(citing).toEqual([]);
  });

  it('has an MIT license, and ships ONNX Runtime’s license and notices with its vendored binaries', () => {
    expect(pkg.license).toBe('MIT');
    expect(read('LICENSE')).toMatch(/^MIT License/);
    const ortVersion = pkg.dependencies['onnxruntime-node'];
    expect(read('third_party/onnxruntime/README.md')).toContain(`Release: **${ortVersion}**`);
    for (const vendored of ['onnxruntime-node', 'onnxruntime-common'])
      for (const file of ['LICENSE', 'ThirdPartyNotices.txt'])
        expect(read(`dist/node_modules/${vendored}/${file}`)).toBe(read(`third_party/onnxruntime/${file}`));
    expect(read('third_party/onnxruntime/LICENSE')).toMatch(
      /^MIT License\s+Copyright \(c\) Microsoft Corporation/,
    );
  });
});

describe('test temp files', () => {
  it('go under the run’s temp root (removed by the global teardown), also for workers the tests start', () => {
    const root = process.env.CONVGATE_JEST_TMP;
    expect(root).toBeTruthy();
    expect(os.tmpdir()).toBe(root);
    expect(process.env.TMPDIR).toBe(root);
    expect(path.dirname(root!)).toBe(process.env.CONVGATE_JEST_TMP_PARENT);
  });
});
