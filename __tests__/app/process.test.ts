// The app's process entries as users start them: `convgate app actions` in a workflow step and
// `convgate app serve` (= npm run app) on a server. Runs the built CLI (npm test builds first).
import { describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers.js';

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'convgate.js');

/** This environment without GitHub's job variables (the tests may themselves run in a job). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of Object.keys(env))
    if (/^(GITHUB_|INPUT_|RUNNER_|APP_ID$|PRIVATE_KEY|WEBHOOK_SECRET$|PORT$|HOST$)/.test(k)) delete env[k];
  return { ...env, ...extra };
}

describe('convgate app actions', () => {
  it('exits 1 (and prints ::error::) when it fails: a failing step is never green', () => {
    const r = spawnSync(process.execPath, [BIN, 'app', 'actions'], {
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stdout).toMatch(/::error::not inside a GitHub Actions job/);
    expect(r.status).toBe(1);
  });
});

describe('convgate app serve', () => {
  it('reads APP_ID, the key and the secret from .env in the working directory; the real environment wins', async () => {
    const dir = await tempDir('dotenv');
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    await writeFile(path.join(dir, 'key.pem'), privateKey);
    await writeFile(
      path.join(dir, '.env'),
      [
        '# written by Probot setup, edited by hand',
        'APP_ID=123456',
        'PRIVATE_KEY_PATH=key.pem',
        'WEBHOOK_SECRET="a real secret from .env"',
        'HOST=127.0.0.1',
        'PORT=1', // overridden by the real environment below
        'LOG_LEVEL=info',
      ].join('\n'),
    );
    const child = spawn(process.execPath, [BIN, 'app', 'serve'], {
      cwd: dir,
      env: cleanEnv({ PORT: '0' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${out}\n${err}`)), 60_000);
        child.stdout.on('data', (d) => {
          out += d;
          const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`exited with ${code}:\n${out}\n${err}`));
        });
      });
      expect(url).not.toMatch(/:1$/);
      const res = await fetch(`${url}/healthz`);
      expect(res.status).toBe(200);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      }
    }
  });
});
