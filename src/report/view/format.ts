/**
 * Plain-text formatting shared by every view of a report (markdown, HTML, annotations). Nothing
 * here escapes: each renderer escapes for its own medium.
 */
import type { CaseChange } from '../../gate/schema.js';
import { firstLine } from '../../util/text.js';

/** The first non-blank line (util/text.ts), for the views. */
export { firstLine };

/** A largest output error: '—' when there is none, 3 significant digits or an exponent. */
export function formatError(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (value === 0) return '0';
  return value >= 0.01 && value < 1e4 ? value.toPrecision(3) : value.toExponential(2);
}

/** "12.3 s". */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** "12.3 s", "4 min 2 s", "1 h 3 min"; '—' when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return formatSeconds(ms);
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "+12.5%" of `after` against `before` ('' when there is no base). */
export function signedPercent(after: number, before: number): string {
  if (before <= 0) return '';
  const p = ((after - before) / before) * 100;
  return `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "stage: Type: first line of the message" of a change's candidate error, or ''. */
export function changeError(c: Pick<CaseChange, 'error'>): string {
  return c.error ? `${c.error.stage}: ${c.error.type}: ${firstLine(c.error.message)}` : '';
}

/** What a change's note adds to its before → after transition ('' when it only repeats it). */
export function changeNote(c: Pick<CaseChange, 'note' | 'before' | 'after'>): string {
  return (c.note ?? '').replace(`${c.before} → ${c.after}`, '').replace(/^;\s*/, '').trim();
}

/** "0.5 → 3.2" of the largest error before and after ('—' when neither side has one). */
export function errorTransition(c: Pick<CaseChange, 'maxAbsErrBefore' | 'maxAbsErrAfter'>): string {
  if (c.maxAbsErrBefore === undefined && c.maxAbsErrAfter === undefined) return '—';
  return `${formatError(c.maxAbsErrBefore)} → ${formatError(c.maxAbsErrAfter)}`;
}

/** "ok → wrong-output" ('—' for a missing side). */
export function outcomeTransition(c: Pick<CaseChange, 'before' | 'after'>): string {
  return `${c.before ?? '—'} → ${c.after ?? '—'}`;
}
