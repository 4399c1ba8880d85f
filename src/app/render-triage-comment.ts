// The optional short comment that says which labels the app applied and why (off by default).
// The evidence quotes the issue text: escaped like any other untrusted text.

import { escapeInline as escapeText, neutralizeLinks } from '../report/escape.js';
import type { LabelPlan } from './label-plan.js';

function escapeInline(text: string, max: number): string {
  return neutralizeLinks(escapeText(text, max));
}

export const TRIAGE_MARKER = '<!-- convgate:triage -->';

export function isTriageComment(body: string): boolean {
  return body.startsWith(TRIAGE_MARKER);
}

/** Null when nothing was applied (then there is nothing worth saying). */
export function renderTriageComment(plan: LabelPlan, needsTriage: string): string | null {
  const applied = plan.fields.flatMap((f) => (f.status === 'apply' ? [f] : []));
  if (!applied.length) return null;
  const lines = [TRIAGE_MARKER, 'convgate triage labelled this issue:', ''];
  for (const f of applied) {
    const why = f.evidence
      .slice(0, 3)
      .map((e) => escapeInline(e, 120))
      .join('; ');
    lines.push(
      `- **${escapeInline(f.label, 60)}** (confidence ${f.confidence.toFixed(2)})${why ? `: ${why}` : ''}`,
    );
  }
  const open = plan.fields.filter((f) => f.status === 'uncertain').map((f) => f.field);
  if (open.length)
    lines.push(
      '',
      `Not confident about: ${open.join(', ')} (left for a maintainer: ${escapeInline(needsTriage, 60)}).`,
    );
  lines.push('', '<sub>Remove a label to correct it; convgate never adds it back.</sub>');
  return lines.join('\n');
}
