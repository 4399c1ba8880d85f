/**
 * Outcomes of one case, ordered by how early the pipeline stops (shared/DESIGN.md).
 * "Worse" in the gate means earlier in this list; `reference-error` is a corpus problem,
 * never blamed on the converter.
 */
export const OUTCOMES = [
  'conversion-crash',
  'hang',
  'invalid-model',
  'runtime-crash',
  'wrong-output',
  'slow',
  'ok',
  'reference-error',
] as const;

export type Outcome = (typeof OUTCOMES)[number];

/** The paper's symptom for each outcome (for reports and labels). */
export const OUTCOME_SYMPTOM: Record<Outcome, string> = {
  'conversion-crash': 'Crash',
  hang: 'Hang',
  'invalid-model': 'Crash (unsuccessful ORT loading)',
  'runtime-crash': 'Crash',
  'wrong-output': 'Wrong model',
  slow: 'Bad performance',
  ok: '—',
  'reference-error': '— (corpus problem)',
};

export function isFailure(outcome: Outcome): boolean {
  return outcome !== 'ok' && outcome !== 'reference-error';
}
