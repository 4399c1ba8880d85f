/**
 * Validators of numeric command-line values (commander argument parsers) and the default number of
 * jobs: shared by the CLI, the benchmarks and the localize options, below all of them.
 */
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
