// Public entry of the triage classifier: what the GitHub App and the CLI call.

import { classifyWith, type FieldVerdict, type Triage } from './classify.js';
import { defaultModel } from './default-model.js';
import { boundedDescriptionOf } from './text.js';

export {
  FIELD_THRESHOLDS,
  NEEDS_TRIAGE_LABEL,
  defaultLabelName,
  isApplied,
  labelDescription,
} from './policy.js';
export { CAUSES, COMPONENTS, FIELDS, SYMPTOMS } from './labels.js';
export type { Cause, Component, Field, LabeledIssue, Symptom } from './labels.js';
export type { FieldVerdict, Triage };
export type { TriageModel } from './model.js';
export { classifyWith };
export { trainModel, rulesOnlyModel } from './train.js';

/**
 * Symptom, root cause and converter stage of an issue, each with a calibrated confidence
 * and the evidence that decided it. Pure, deterministic, no I/O. Only the description
 * counts (text after a `--- comment ---` line, as in the labeled data, is ignored), and
 * bodies of any length are cut to their head and tail before anything else reads them.
 */
export function classifyIssue(input: { title: string; body: string | null }): Triage {
  return classifyWith(defaultModel(), { title: input.title ?? '', body: boundedDescriptionOf(input.body) });
}
