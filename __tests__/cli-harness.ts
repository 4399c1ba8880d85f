// Runs the convgate CLI in-process with captured output, as the user's terminal would see it.
import { main } from '../src/cli/index.js';
import type { CliIo } from '../src/cli/io.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runCli(...args: string[]): Promise<CliRun> {
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
