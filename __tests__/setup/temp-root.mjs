// One temporary root per jest run: every temp dir a test (or a worker it starts) makes lands under
// it through TMPDIR, and the whole root goes when the run ends, whatever a test forgot to remove.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

export function setup() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'convgate-jest-'));
  process.env.CONVGATE_JEST_TMP_PARENT = os.tmpdir();
  process.env.CONVGATE_JEST_TMP = root;
  process.env.TMPDIR = root;
}

export function teardown() {
  const root = process.env.CONVGATE_JEST_TMP;
  if (process.env.CONVGATE_KEEP_TEST_TMP) {
    process.stderr.write(`test temp files kept in ${root}\n`);
    return;
  }
  if (root) rmSync(root, { recursive: true, force: true });
}
