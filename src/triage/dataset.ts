// Reading labeled issues (the dev set's JSONL format, or the same with convgate label names).

import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { causeFromSheet, componentFromSheet, symptomFromSheet, type LabeledIssue } from './labels.js';
import { descriptionOf } from './text.js';
import { parseJsonl } from './jsonl.js';

const PARAPHRASE_MARK = /\[paraphrased\] ?/g;

const LabeledRow = z.object({
  id: z.string().min(1),
  title: z.string().nullable().optional(),
  body: z.string().nullable().optional(),
  symptom: z.string(),
  cause: z.string(),
  component: z.string(),
  group: z.string().min(1).optional(),
});

/**
 * Parses labeled JSONL (further fields, e.g. `url`, `notes`, `thread`, are ignored). The body is cut at the first `--- comment ---` line: the app only
 * sees the description when an issue is opened, so training and evaluation do the same.
 */
export function parseLabeledJsonl(text: string, source: string, tag?: string): LabeledIssue[] {
  const out: LabeledIssue[] = [];
  for (const { data: r, where } of parseJsonl(text, source, LabeledRow)) {
    const symptom = symptomFromSheet(r.symptom);
    const cause = causeFromSheet(r.cause);
    const component = componentFromSheet(r.component);
    if (!symptom) throw new Error(`${where}: field 'symptom': unknown label '${r.symptom}'`);
    if (!cause) throw new Error(`${where}: field 'cause': unknown label '${r.cause}'`);
    if (!component) throw new Error(`${where}: field 'component': unknown label '${r.component}'`);
    out.push({
      id: r.id,
      title: r.title ?? '',
      // `[paraphrased]` marks condensed prose in convgate's own files (data/README.md); real
      // issues never contain it, so the classifier must not learn it.
      body: descriptionOf((r.body ?? '').replace(PARAPHRASE_MARK, '')),
      labels: { symptom, cause, component },
      ...(r.group !== undefined ? { group: r.group } : {}),
      ...(tag !== undefined ? { source: tag } : {}),
    });
  }
  return out;
}

/** `tag` marks every issue's `source` (which labelled set it comes from). */
export function readLabeledJsonl(path: string, tag?: string): LabeledIssue[] {
  return parseLabeledJsonl(readFileSync(path, 'utf8'), path, tag);
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * convgate's own labelled converter issues (src/triage/data/, README there): training data
 * kept apart from the paper's labels. The sealed set (own-sealed.jsonl) is not among them.
 */
export const OWN_LABELED_FILES: readonly string[] = [
  'extra-labeled.jsonl',
  'sealed-labeled.jsonl',
  'own-labeled.jsonl',
].map((f) => resolve(REPO_ROOT, 'src/triage/data', f));

/** Source tag of a labelled file: its name without `.jsonl`. */
export const sourceTagOf = (path: string): string => basename(path).replace(/\.jsonl$/, '');
