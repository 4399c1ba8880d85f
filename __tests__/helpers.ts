import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON = process.env.CONVGATE_TEST_PYTHON ?? '/usr/bin/python3';
export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const FAULT_CORPUS = path.join(FIXTURES, 'fault-corpus', 'cases.json');

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `convgate-${prefix}-`));
}
export const PROCESS_FAULT_CORPUS = path.join(FIXTURES, 'fault-corpus', 'process-faults.json');
