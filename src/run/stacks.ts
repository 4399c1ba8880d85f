import { existsSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../util/paths.js';
import { RUN_DEFAULTS } from './defaults.js';

/**
 * A stack is an interpreter plus its environment: the converter build convgate drives. Each is a
 * venv scripts/setup.sh makes from python/stacks/<name>.txt (docs/stacks.md):
 * - `modern`: torch 2.13 CPU, onnx, onnxscript, onnxruntime, transformers, timm, keras;
 * - `debian`: Debian 12's packaged torch 1.13 and onnx 1.12 (/usr/bin/python3, seen through a
 *   venv that adds onnxruntime for Python; /usr/bin/python3 itself until setup made it);
 * - `tf`: TensorFlow 2.21 CPU and Keras 3 (the tensorflow and keras frontends on TF).
 * `--python` overrides the interpreter (a custom build).
 */
export const STACKS = ['modern', 'debian', 'tf'] as const;
export type StackName = (typeof STACKS)[number];

export interface Stack {
  /** null: an interpreter given with --python. */
  name: StackName | null;
  python: string;
  /** The converter used when --converter is not given: what the stack's users export with by default. */
  defaultAdapter: string;
}

export const DEBIAN_PYTHON = '/usr/bin/python3';

const DEFAULT_ADAPTER: Record<StackName, string> = {
  // torch >= 2.9 exports with dynamo (onnxscript) by default: that is what users ship today.
  modern: 'torch.onnx.dynamo',
  debian: RUN_DEFAULTS.adapter,
  tf: 'tf2onnx',
};

export function venvPython(name: StackName, root: string = PACKAGE_ROOT): string {
  return path.join(root, '.venv', name, 'bin', 'python');
}

export function modernPython(root: string = PACKAGE_ROOT): string {
  return venvPython('modern', root);
}

export class StackError extends Error {}

/** The stamp is written last by scripts/setup-venv.sh: a venv without it is half-made. */
function venvReady(name: StackName, root: string): boolean {
  return existsSync(venvPython(name, root)) && existsSync(path.join(root, '.venv', name, '.convgate-stamp'));
}

/** The modern stack once setup.sh has made it, else the Debian stack. */
export function defaultStackName(root: string = PACKAGE_ROOT): StackName {
  return venvReady('modern', root) ? 'modern' : 'debian';
}

/**
 * The interpreter and default converter of a run: `--python` wins over `--stack`; neither means
 * the default stack. A named stack that is not installed is an error naming the set-up command;
 * the Debian stack falls back to /usr/bin/python3 (no onnxruntime for Python) until setup made it.
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
  if (name === 'debian')
    return {
      name,
      python: venvReady('debian', root) ? venvPython('debian', root) : DEBIAN_PYTHON,
      defaultAdapter: DEFAULT_ADAPTER.debian,
    };
  const python = venvPython(name, root);
  if (!venvReady(name, root))
    throw new StackError(
      `the ${name} stack is not installed (${python} is missing or half-made): run bash scripts/setup.sh` +
        (name === 'tf' ? ' (without CONVGATE_SETUP_TF=0)' : ', or use --stack debian'),
    );
  return { name, python, defaultAdapter: DEFAULT_ADAPTER[name] };
}
