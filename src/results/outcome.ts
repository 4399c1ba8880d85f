/**
 * Outcomes of one case, ordered by how early the pipeline stops (docs/taxonomy.md).
 * "Worse" in the gate means earlier in this list; `reference-error` is a corpus problem,
 * never blamed on the converter; `unsupported` means the build lacks what the case requires
 * (`requires` in cases.json): listed, never a failure — but a case that ran in the baseline
 * and is unsupported in the candidate is lost coverage, which fails the gate.
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
  'unsupported',
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
  unsupported: '— (requirement not met)',
};

export function isFailure(outcome: Outcome): boolean {
  return outcome !== 'ok' && outcome !== 'reference-error' && outcome !== 'unsupported';
}
