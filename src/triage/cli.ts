// `convgate triage`: classify issues from a JSONL file, or one issue given on the command line.

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Triage } from './classify.js';
import { DEFAULT_CONFIDENCE_THRESHOLD } from './config.js';
import { classifyIssue } from './index.js';
import { FIELDS } from './labels.js';

export interface TriageOptions {
  /** File of lines {id, title, body}; '-' reads stdin. */
  jsonl?: string;
  title?: string;
  /** File holding the body of the single issue given by `title`; '-' reads stdin. */
  bodyFile?: string;
}

export interface TriageIo {
  stdout: (s: string) => void;
  /** Error messages; process.stderr when not given. */
  stderr?: (s: string) => void;
}

const IssueLine = z.object({
  id: z.union([z.string(), z.number()]),
  title: z.string().nullable().optional(),
  body: z.string().nullable().optional(),
});
type IssueLine = z.infer<typeof IssueLine>;

class InputError extends Error {}

async function readInput(path: string): Promise<string> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Parses every line first, so a bad line stops the run before any output. */
function parseIssueLines(text: string, source: string): IssueLine[] {
  const out: IssueLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `${source}, line ${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new InputError(`${where}: not valid JSON (${(e as Error).message})`);
    }
    const parsed = IssueLine.safeParse(json);
    if (!parsed.success) {
      const problem = parsed.error.issues[0];
      const field = problem.path.length ? `field '${problem.path.join('.')}'` : 'the line';
      throw new InputError(`${where}: ${field}: ${problem.message} (expected {"id", "title", "body"})`);
    }
    out.push(parsed.data);
  });
  return out;
}

/** The JSONL record of one classified issue. */
export function triageRecord(id: string | number, t: Triage) {
  return {
    id,
    symptom: t.symptom.label,
    cause: t.cause.label,
    component: t.component.label,
    confidence: {
      symptom: t.symptom.confidence,
      cause: t.cause.confidence,
      component: t.component.confidence,
    },
    evidence: { symptom: t.symptom.evidence, cause: t.cause.evidence, component: t.component.evidence },
  };
}

/** Human-readable report of one issue. */
export function formatTriage(t: Triage, threshold = DEFAULT_CONFIDENCE_THRESHOLD): string {
  const lines: string[] = [];
  for (const f of FIELDS) {
    const v = t[f];
    const applied = v.confidence >= threshold ? 'label' : 'below threshold: needs-triage';
    lines.push(`${f.padEnd(10)} ${v.label.padEnd(19)} confidence ${v.confidence.toFixed(2)} (${applied})`);
    for (const e of v.evidence) lines.push(`    - ${e}`);
  }
  lines.push(`(threshold ${threshold}: labels at or above it are applied by the app)`);
  return `${lines.join('\n')}\n`;
}

export async function triageCommand(opts: TriageOptions, io: TriageIo): Promise<number> {
  const stderr = io.stderr ?? ((s: string) => void process.stderr.write(s));
  try {
    if (opts.jsonl !== undefined && (opts.title !== undefined || opts.bodyFile !== undefined)) {
      throw new InputError('give either --jsonl FILE, or --title T [--body-file F], not both');
    }
    if (opts.jsonl !== undefined) {
      const issues = parseIssueLines(await readInput(opts.jsonl), opts.jsonl === '-' ? 'stdin' : opts.jsonl);
      for (const issue of issues) {
        const t = classifyIssue({ title: issue.title ?? '', body: issue.body ?? null });
        io.stdout(`${JSON.stringify(triageRecord(issue.id, t))}\n`);
      }
      return 0;
    }
    if (opts.title !== undefined) {
      const body = opts.bodyFile !== undefined ? await readInput(opts.bodyFile) : null;
      io.stdout(formatTriage(classifyIssue({ title: opts.title, body })));
      return 0;
    }
    if (opts.bodyFile !== undefined)
      throw new InputError('--body-file needs --title (the issue title; may be "")');
    throw new InputError('nothing to classify: give --jsonl FILE, or --title T [--body-file F]');
  } catch (e) {
    if (e instanceof InputError) {
      stderr(`convgate triage: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
