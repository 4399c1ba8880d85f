/**
 * Outcomes of one case, ordered by how early the pipeline stops (docs/taxonomy.md).
 * "Worse" in the gate means earlier in this list; `reference-error` is a corpus problem,
 * never blamed on the converter; `unsupported` means the build lacks what the case requires
 * (`requires` in cases.json): listed, never a failure — but a case that ran in the baseline
 * and is unsupported in the candidate is lost coverage, which fails the gate. Slowness is not an
 * outcome: the gate compares the times of two runs (`slow` in gate.json, src/gate/diff.ts).
 */
export const OUTCOMES = [
  'conversion-crash',
  'hang',
  'invalid-model',
  'runtime-crash',
  'wrong-output',
  'ok',
  'reference-error',
  'unsupported',
] as const;

export type Outcome = (typeof OUTCOMES)[number];

export function isFailure(outcome: Outcome): boolean {
  return outcome !== 'ok' && outcome !== 'reference-error' && outcome !== 'unsupported';
}
