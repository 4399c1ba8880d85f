import { existsSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../util/paths.js';

/**
 * A stack is an interpreter plus its environment: the converter build convgate drives.
 * - `modern`: the venv scripts/setup.sh makes from python/stacks/modern.txt (torch 2.13 CPU,
 *   onnx, onnxscript, onnxruntime, transformers, timm), in <repo>/.venv/modern.
 * - `debian`: Debian 12's packaged torch 1.13 and onnx, /usr/bin/python3.
 * `--python` overrides the interpreter (a custom build); docs/stacks.md.
 */
export const STACKS = ['modern', 'debian'] as const;
export type StackName = (typeof STACKS)[number];

export interface Stack {
  /** null: an interpreter given with --python. */
  name: StackName | null;
  python: string;
  /** The adapter used when --adapter is not given: what `torch.onnx.export` does by default there. */
  defaultAdapter: string;
}

export const DEBIAN_PYTHON = '/usr/bin/python3';

export function modernPython(root: string = PACKAGE_ROOT): string {
  return path.join(root, '.venv', 'modern', 'bin', 'python');
}

const DEFAULT_ADAPTER: Record<StackName, string> = {
  // torch >= 2.9 exports with dynamo (onnxscript) by default: that is what users ship today.
  modern: 'torch.onnx.dynamo',
  debian: 'torch.onnx',
};

export class StackError extends Error {}

/** Written last by scripts/setup-modern.sh: a venv without it is half-made. */
function modernReady(root: string): boolean {
  return existsSync(modernPython(root)) && existsSync(path.join(root, '.venv', 'modern', '.convgate-stamp'));
}

/** The modern stack once setup.sh has made it, else the Debian stack. */
export function defaultStackName(root: string = PACKAGE_ROOT): StackName {
  return modernReady(root) ? 'modern' : 'debian';
}

/**
 * The interpreter and default adapter of a run: `--python` wins over `--stack`; neither means the
 * default stack. A named stack that is not installed is an error naming the set-up command.
 */
export function resolveStack(
  request: { stack?: string; python?: string },
  root: string = PACKAGE_ROOT,
): Stack {
  if (request.stack !== undefined && !(STACKS as readonly string[]).includes(request.stack))
    throw new StackError(`--stack must be one of ${STACKS.join(', ')}, got ${JSON.stringify(request.stack)}`);
  const named = request.stack as StackName | undefined;
  if (request.python !== undefined)
    return { name: null, python: request.python, defaultAdapter: DEFAULT_ADAPTER[named ?? 'debian'] };
  const name = named ?? defaultStackName(root);
  if (name === 'modern') {
    const python = modernPython(root);
    if (!modernReady(root))
      throw new StackError(
        `the modern stack is not installed (${python} is missing or half-made): run bash scripts/setup.sh, or use --stack debian`,
      );
    return { name, python, defaultAdapter: DEFAULT_ADAPTER.modern };
  }
  return { name, python: DEBIAN_PYTHON, defaultAdapter: DEFAULT_ADAPTER.debian };
}
