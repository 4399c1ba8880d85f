import * as core from '@actions/core';
import { changeError, changeNote, errorTransition } from '../report/view/format.js';
import { clipChars } from '../util/text.js';
import type { CaseChange, GateReport } from '../gate/schema.js';

/** GitHub shows at most 10 annotations of a kind per step; the rest are summarised in one. */
const MAX_ANNOTATIONS = 9;

function describe(c: CaseChange): string {
  const what = c.error
    ? clipChars(changeError(c), 400)
    : c.maxAbsErrAfter !== undefined
      ? `max abs error ${errorTransition(c)}${c.output ? ` on ${c.output}` : ''}`
      : '';
  const ops = c.operators?.length ? ` [operators: ${c.operators.join(' ')}]` : '';
  const d = c.divergingNode;
  const where = d
    ? ` Diverges at ${d.op}${d.function ? ` (${d.function})` : ''}${d.node ? ` node ${d.node}` : ''}${d.module ? ` in ${d.module}` : ''}.`
    : '';
  const note = changeNote(c);
  const repro = c.reproducer ? ` Reproducer: ${c.reproducer} in the results artifact.` : '';
  return `${c.id} (${c.family}): ${c.before ?? '—'} → ${c.after ?? '—'}${what ? `. ${what}` : ''}${ops}${note ? ` (${note})` : ''}.${where}${repro}`;
}

/** One error annotation per confirmed regression, a warning per flaky case. */
export function annotate(report: GateReport): void {
  const emit = (list: CaseChange[], kind: 'error' | 'warning', title: (c: CaseChange) => string) => {
    for (const c of list.slice(0, MAX_ANNOTATIONS)) core[kind](describe(c), { title: title(c) });
    if (list.length > MAX_ANNOTATIONS)
      core[kind](`${list.length - MAX_ANNOTATIONS} more; see the job summary and gate.json`, {
        title: `convgate: ${list.length} cases`,
      });
  };
  emit(report.regressions, 'error', (c) => `convgate regression: ${c.id}`);
  emit(report.missing, 'error', (c) => `convgate: case missing from the candidate: ${c.id}`);
  emit(report.flaky, 'warning', (c) => `convgate flaky (not counted): ${c.id}`);
}

/** Appends markdown to the job summary; outside a runner (no GITHUB_STEP_SUMMARY) prints it. */
export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.info(markdown);
    return;
  }
  await core.summary.addRaw(markdown, true).write();
}
