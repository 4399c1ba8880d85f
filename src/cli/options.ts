import os from 'node:os';
import { InvalidArgumentError } from 'commander';

export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive whole number, got ${JSON.stringify(value)}`);
    return n;
  };
}

export function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a whole number ≥ 0, got ${JSON.stringify(value)}`);
    return n;
  };
}

export function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive number, got ${JSON.stringify(value)}`);
    return n;
  };
}

export function nonNegativeNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a number ≥ 0, got ${JSON.stringify(value)}`);
    return n;
  };
}

export const DEFAULT_JOBS = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
export const DEFAULT_PYTHON = '/usr/bin/python3';

export const INSTALL_HINT =
  'convgate needs a Python interpreter with torch and onnx. On Debian 12:\n' +
  '  apt-get install -y python3-torch python3-torchvision python3-numpy python3-onnx\n' +
  'then pass --python /usr/bin/python3 (the default).';

/** Repeatable option: each occurrence appends. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
