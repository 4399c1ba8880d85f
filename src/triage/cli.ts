// `convgate triage`: classify issues from a JSONL file, or one issue given on the command line.

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Triage } from './classify.js';
import { classifyIssue } from './index.js';
import { FIELDS, type Field } from './labels.js';
import { parseJsonl } from './jsonl.js';
import { FIELD_THRESHOLDS, NEEDS_TRIAGE_LABEL, defaultLabelName, isApplied } from './policy.js';

export interface TriageOptions {
  /** File of lines {id, title, body}; '-' reads stdin. */
  jsonl?: string;
  title?: string;
  /** File holding the body of the single issue given by `title`; '-' reads stdin. */
  bodyFile?: string;
  /** Per field: the evidence with its weight, and the runner-up label's probability. */
  explain?: boolean;
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
  return parseJsonl(text, source, IssueLine, {
    where: (s, n) => `${s}, line ${n}`,
    fail: (message) => new InputError(message),
    expected: '{"id", "title", "body"}',
  }).map((row) => row.data);
}

/** The label the App would apply for a field with its default names, or null (needs-triage). */
export function appliedLabel(t: Triage, field: Field, thresholds = FIELD_THRESHOLDS): string | null {
  return isApplied(t[field], thresholds[field]) ? defaultLabelName(field, t[field].label) : null;
}

/** The JSONL record of one classified issue. */
export function triageRecord(id: string | number, t: Triage, explain = false) {
  const perField = <T>(f: (field: Field) => T): Record<Field, T> =>
    Object.fromEntries(FIELDS.map((field) => [field, f(field)])) as Record<Field, T>;
  return {
    id,
    symptom: t.symptom.label,
    cause: t.cause.label,
    component: t.component.label,
    confidence: perField((f) => t[f].confidence),
    /** Label applied at the shipped thresholds (the App's defaults), null = needs-triage. */
    applied: perField((f) => appliedLabel(t, f)),
    evidence: perField((f) => t[f].evidence),
    ...(explain
      ? {
          runnerUp: perField((f) => t[f].runnerUp),
          contributions: perField((f) => t[f].contributions),
        }
      : {}),
  };
}

const threshold = (t: number): string => (Number.isFinite(t) ? t.toFixed(2) : 'never');

/** Human-readable report of one issue, with the App's decision per field. */
export function formatTriage(t: Triage, opts: { explain?: boolean } = {}): string {
  const lines: string[] = [];
  for (const f of FIELDS) {
    const v = t[f];
    const label = appliedLabel(t, f);
    const decision = label
      ? `applies "${label}"`
      : v.contributions.length === 0
        ? `no supporting cue: ${NEEDS_TRIAGE_LABEL}`
        : `below ${threshold(FIELD_THRESHOLDS[f])}: ${NEEDS_TRIAGE_LABEL}`;
    lines.push(`${f.padEnd(10)} ${v.label.padEnd(19)} confidence ${v.confidence.toFixed(2)}  ${decision}`);
    if (opts.explain) {
      lines.push(`    runner-up: ${v.runnerUp.label} (probability ${v.runnerUp.probability.toFixed(2)})`);
      if (v.contributions.length === 0) lines.push(`    - ${v.evidence[0]}`);
      for (const c of v.contributions) lines.push(`    - +${c.logit.toFixed(2)} ${c.evidence}`);
    } else {
      for (const e of v.evidence.slice(0, 2)) lines.push(`    - ${e}`);
    }
  }
  lines.push(
    `(thresholds ${FIELDS.map((f) => `${f} ${threshold(FIELD_THRESHOLDS[f])}`).join(', ')}: the App applies a label at or above its field's threshold and backed by a cue, else ${NEEDS_TRIAGE_LABEL})`,
  );
  if (opts.explain) lines.push('(+x: logits the cue adds to the label over the runner-up; strongest first)');
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
        io.stdout(`${JSON.stringify(triageRecord(issue.id, t, opts.explain))}\n`);
      }
      return 0;
    }
    if (opts.title !== undefined) {
      const body = opts.bodyFile !== undefined ? await readInput(opts.bodyFile) : null;
      io.stdout(formatTriage(classifyIssue({ title: opts.title, body }), { explain: opts.explain }));
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
