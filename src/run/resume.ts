import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Corpus } from '../corpus/load.js';
import type { CaseResult } from '../results/schema.js';
import { readResultsJsonl, RESULTS_JSONL } from '../results/writer.js';
import type { RunOptions } from './settings.js';

/** Next to results.jsonl: how its cases were made, so `--resume` never mixes two kinds of run. */
export const RUN_SETTINGS_FILE = 'run-settings.json';

/** Everything that can change a case's outcome; a resumed run must match it exactly. */
export const RunIdentity = z.strictObject({
  corpus: z.strictObject({ name: z.string(), hash: z.string() }),
  atol: z.number(),
  rtol: z.number(),
  opset: z.number().int().nullable(),
  timeoutS: z.number(),
  memoryLimitMb: z.number(),
  adapter: z.string(),
  python: z.string(),
  pythonPath: z.string().nullable(),
  /** Known once the workers are ready. */
  converter: z.strictObject({ name: z.string(), version: z.string() }).optional(),
});
export type RunIdentity = z.infer<typeof RunIdentity>;

export class ResumeError extends Error {}

export function runIdentity(corpus: Corpus, opts: RunOptions): RunIdentity {
  return {
    corpus: { name: corpus.name, hash: corpus.hash },
    atol: opts.tolerance.atol,
    rtol: opts.tolerance.rtol,
    opset: opts.opset,
    timeoutS: opts.timeoutS,
    memoryLimitMb: opts.memoryLimitMb,
    adapter: opts.adapter,
    python: opts.python,
    pythonPath: (opts.env ?? process.env).PYTHONPATH ?? null,
  };
}

const LABELS: Record<Exclude<keyof RunIdentity, 'converter'>, string> = {
  corpus: 'corpus',
  atol: '--atol',
  rtol: '--rtol',
  opset: '--opset',
  timeoutS: '--timeout',
  memoryLimitMb: '--memory-limit',
  adapter: '--adapter',
  python: '--python',
  pythonPath: 'PYTHONPATH',
};

/** Settings of `current` that differ from `previous`, each named with the flag that sets it. */
export function identityDifferences(previous: RunIdentity, current: RunIdentity): string[] {
  const out: string[] = [];
  const show = (v: unknown) => JSON.stringify(v ?? null);
  for (const key of Object.keys(LABELS) as (keyof typeof LABELS)[]) {
    const a = key === 'corpus' ? `${previous.corpus.name}@${previous.corpus.hash}` : previous[key];
    const b = key === 'corpus' ? `${current.corpus.name}@${current.corpus.hash}` : current[key];
    if (a !== b) out.push(`${LABELS[key]} was ${show(a)}, now ${show(b)}`);
  }
  if (previous.converter && current.converter) {
    const a = `${previous.converter.name} ${previous.converter.version}`;
    const b = `${current.converter.name} ${current.converter.version}`;
    if (a !== b) out.push(`converter was ${a}, now ${b}`);
  }
  return out;
}

function refuse(outDir: string, problems: string[]): ResumeError {
  return new ResumeError(
    `--resume: the results in ${outDir} were made with other settings (${problems.join('; ')}); ` +
      'run with the same settings, or without --resume to start over',
  );
}

/**
 * The finished cases a `--resume` keeps, after checking that they were made the way this run
 * makes cases. Refuses (ResumeError) when they were not, or when that cannot be told.
 */
export async function resumableResults(outDir: string, current: RunIdentity): Promise<CaseResult[]> {
  const previous = await readResultsJsonl(path.join(outDir, RESULTS_JSONL));
  if (!previous.length) return [];
  const recorded = await readRunIdentity(outDir);
  if (!recorded)
    throw new ResumeError(
      `--resume: ${outDir} has results but no ${RUN_SETTINGS_FILE} saying how they were made; run without --resume to start over`,
    );
  const problems = identityDifferences(recorded, current);
  if (problems.length) throw refuse(outDir, problems);
  return previous;
}

/** Checks the converter the workers announced against the one the kept results were made with. */
export async function checkResumedConverter(outDir: string, current: RunIdentity): Promise<void> {
  const recorded = await readRunIdentity(outDir);
  if (!recorded) return;
  const problems = identityDifferences(recorded, current);
  if (problems.length) throw refuse(outDir, problems);
}

export async function readRunIdentity(outDir: string): Promise<RunIdentity | null> {
  const file = path.join(outDir, RUN_SETTINGS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = RunIdentity.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new ResumeError(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  } catch (e) {
    if (e instanceof ResumeError) throw e;
    throw new ResumeError(`${file}: not JSON: ${(e as Error).message}`);
  }
}

export async function writeRunIdentity(outDir: string, identity: RunIdentity): Promise<void> {
  await writeFile(path.join(outDir, RUN_SETTINGS_FILE), JSON.stringify(identity, null, 1) + '\n');
}
