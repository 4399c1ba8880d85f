import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { REPRO_DIR } from '../localize/bundle.js';
import { DEBIAN_PYTHON, modernPython } from '../run/stacks.js';
import { PACKAGE_ROOT } from '../util/paths.js';
import type { CliIo } from './io.js';

interface ReproFlags {
  out: string;
  python?: string;
  runtime: 'node' | 'python' | 'both';
  onnxOnly: boolean;
}

/** The bundle of a case in a run folder (cases/<id>/repro) or a gate folder (candidate/cases/<id>/repro). */
export function findBundle(out: string, id: string): string | null {
  for (const dir of [
    path.join(out, 'cases', id, REPRO_DIR),
    path.join(out, 'candidate', 'cases', id, REPRO_DIR),
  ])
    if (existsSync(path.join(dir, 'bundle.json'))) return dir;
  return null;
}

/** An interpreter that can run repro.py: the modern stack has onnxruntime for Python, Debian's has not. */
function defaultPython(): string {
  const modern = modernPython();
  return existsSync(modern) ? modern : DEBIAN_PYTHON;
}

function run(cmd: string, args: string[], cwd: string, io: CliIo): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, CONVGATE_HOME: process.env.CONVGATE_HOME ?? PACKAGE_ROOT },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => io.stdout(d.toString()));
    child.stderr.on('data', (d: Buffer) => io.stderr(d.toString()));
    child.on('error', (e) => {
      io.stderr(`cannot start ${cmd}: ${e.message}\n`);
      resolve(2);
    });
    child.on('exit', (code) => resolve(code ?? 2));
  });
}

/**
 * `convgate repro ID`: runs a failing case's reproducer bundle — repro.mjs in ONNX Runtime for
 * Node and repro.py (PyTorch + onnxruntime for Python) — and exits 1 when the failure reproduces,
 * 0 when the case is ok now, 2 when nothing could run.
 */
export function reproCommand(io: CliIo): Command {
  return new Command('repro')
    .description('re-run the reproducer bundle of a failing case (cases/<id>/repro: repro.mjs, repro.py)')
    .argument('<id>', 'case id')
    .requiredOption('--out <dir>', 'results folder of a run (--localize) or a gate')
    .option(
      '--python <path>',
      'interpreter for repro.py (needs torch and onnxruntime; default: the modern stack)',
    )
    .option(
      '--runtime <which>',
      'node | python | both',
      (v: string) => {
        if (!['node', 'python', 'both'].includes(v))
          throw new InvalidArgumentError(`--runtime must be node, python or both, got ${JSON.stringify(v)}`);
        return v;
      },
      'both',
    )
    .option('--onnx-only', 'repro.py checks the bundled model.onnx instead of re-exporting', false)
    .action(async (id: string, flags: ReproFlags) => {
      const dir = findBundle(path.resolve(flags.out), id);
      if (!dir) {
        io.stderr(
          `convgate repro: no reproducer bundle for ${JSON.stringify(id)} under ${flags.out} (looked for cases/${id}/${REPRO_DIR}/bundle.json; bundles are written by \`convgate gate\` and \`convgate run --localize\`)\n`,
        );
        io.exitCode = 2;
        return;
      }
      io.stderr(`bundle: ${dir}\n`);
      const codes: number[] = [];
      if (flags.runtime !== 'python') {
        io.stdout('── repro.mjs (onnxruntime-node)\n');
        codes.push(await run(process.execPath, ['repro.mjs'], dir, io));
      }
      if (flags.runtime !== 'node') {
        const python = flags.python ?? defaultPython();
        io.stdout(`── repro.py (${python})\n`);
        codes.push(await run(python, ['repro.py', ...(flags.onnxOnly ? ['--onnx-only'] : [])], dir, io));
      }
      io.exitCode = codes.includes(1) ? 1 : codes.includes(0) ? 0 : 2;
    });
}
