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

/** The run options of the fault-corpus tests: the TorchScript exporter on the test Python, one-minute cases. */
export const FAULT_RUN_OPTIONS = {
  python: PYTHON,
  adapter: 'torch.onnx',
  timeoutS: 60,
  memoryLimitMb: 1536,
  opset: null,
  tolerance: { atol: 1e-3, rtol: 1e-3 },
  keepAll: false,
  resume: false,
};
