/**
 * The kinds of value a command-line option or an Action input takes, each one zod schema with the
 * phrase its error uses ("a positive whole number"): the Action's input schema
 * (src/action/inputs.ts) and the commander parsers of the CLI, the benchmarks and the localize
 * options are built from the same kinds, below all of them. Also the default number of jobs.
 */
import os from 'node:os';
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';

/** A value kind: its schema (from the option's text) and what it must be, for error messages. */
export interface ValueKind<T> {
  schema: z.ZodType<T>;
  what: string;
}

function numberKind(what: string, check: (n: number) => boolean): ValueKind<number> {
  return { schema: z.coerce.number({ error: what }).refine(check, { error: what }), what };
}

export const POSITIVE_INT = numberKind('a positive whole number', (n) => Number.isInteger(n) && n > 0);
export const NON_NEGATIVE_INT = numberKind('a whole number ≥ 0', (n) => Number.isInteger(n) && n >= 0);
export const POSITIVE_NUMBER = numberKind('a positive number', (n) => n > 0);
export const NON_NEGATIVE_NUMBER = numberKind('a number ≥ 0', (n) => n >= 0);

/**
 * A case filter (--filter, the Action's input filter): the pattern as written (recorded in results
 * and reports) and its compiled expression, made once where the value enters.
 */
export interface CaseFilter {
  readonly pattern: string;
  readonly regexp: RegExp;
}

/** A regular expression (--filter, input filter): checked and compiled here, once. */
export const CASE_FILTER: ValueKind<CaseFilter> = {
  what: 'a valid regular expression',
  schema: z.string().transform((pattern, ctx): CaseFilter => {
    try {
      return { pattern, regexp: new RegExp(pattern) };
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `a valid regular expression (${(e as Error).message})` });
      return z.NEVER;
    }
  }),
};

/** `${name} must be <what>; got "<value>"`: the one error line of a bad value. */
export function badValue(name: string, value: string, what: string): string {
  return `${name} must be ${what}; got ${JSON.stringify(value)}`;
}

/** A commander argument parser of `kind` for the option `name` (e.g. '--jobs'). */
export function argParser<T>(kind: ValueKind<T>, name: string) {
  return (value: string): T => {
    const r = kind.schema.safeParse(value);
    if (!r.success)
      throw new InvalidArgumentError(badValue(name, value, r.error.issues[0]?.message ?? kind.what));
    return r.data;
  };
}

export const positiveInt = (name: string) => argParser(POSITIVE_INT, name);
export const nonNegativeInt = (name: string) => argParser(NON_NEGATIVE_INT, name);
export const positiveNumber = (name: string) => argParser(POSITIVE_NUMBER, name);
export const nonNegativeNumber = (name: string) => argParser(NON_NEGATIVE_NUMBER, name);
export const caseFilter = (name: string) => argParser(CASE_FILTER, name);

export const DEFAULT_JOBS = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
