/**
 * Confidence at or above which the app applies a label; below it the issue gets
 * `needs-triage` for that field. Chosen with `npm run eval:triage` as the lowest threshold
 * from which cross-validated precision on the dev set stays >= 90% (see README.md).
 */
export const DEFAULT_CONFIDENCE_THRESHOLD = 0.7;
