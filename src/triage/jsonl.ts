// One reader for the triage tools' JSON-lines files (labelled issues, reader labels, issues to
// triage): every non-empty line parsed and validated against one schema, errors naming the line
// and the field.
import type { z } from 'zod';

export interface JsonlOptions {
  /** How a line is named in errors (default: `source:N`). */
  where?: (source: string, line: number) => string;
  /** The error a bad line throws (default: Error). */
  fail?: (message: string) => Error;
  /** Appended to a schema error, e.g. what a line should hold. */
  expected?: string;
}

/** One parsed line and how errors name it. */
export interface JsonlRow<T> {
  data: T;
  where: string;
}

/** Parses every line first, so a bad line stops the caller before any output. */
export function parseJsonl<S extends z.ZodType>(
  text: string,
  source: string,
  schema: S,
  opts: JsonlOptions = {},
): JsonlRow<z.output<S>>[] {
  const where = opts.where ?? ((s: string, n: number) => `${s}:${n}`);
  const fail = opts.fail ?? ((m: string) => new Error(m));
  const out: JsonlRow<z.output<S>>[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const at = where(source, i + 1);
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw fail(`${at}: not valid JSON (${(e as Error).message})`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const problem = parsed.error.issues[0];
      const field = problem.path.length ? `field '${problem.path.join('.')}'` : 'the line';
      throw fail(`${at}: ${field}: ${problem.message}${opts.expected ? ` (expected ${opts.expected})` : ''}`);
    }
    out.push({ data: parsed.data as z.output<S>, where: at });
  });
  return out;
}
