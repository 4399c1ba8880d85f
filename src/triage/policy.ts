// The one place that says how a triage verdict becomes a label: label names and meanings,
// the per-field confidence thresholds, and the `needs-triage` fallback. The CLI (cli.ts), the
// GitHub App (src/app/config.ts, label-plan.ts) and the evaluation (eval.ts) all read it, so
// they cannot disagree about whether a label is applied.

import { DEFAULT_THRESHOLDS } from './default-thresholds.generated.js';
import type { Field } from './labels.js';

/**
 * Confidence at or above which a field's label is applied; below it the field is left to a
 * human (`needs-triage`), never guessed. Chosen with the shipped model by the same procedure
 * the nested evaluation checks (nested.ts, `fitProcedure`): the lowest grid value from which
 * precision on inner cross-validation predictions stays >= 90%. `Infinity`: the field is
 * never labelled automatically (no threshold reached the target).
 */
export const FIELD_THRESHOLDS: Readonly<Record<Field, number>> = Object.freeze({
  symptom: DEFAULT_THRESHOLDS.symptom ?? Infinity,
  cause: DEFAULT_THRESHOLDS.cause ?? Infinity,
  component: DEFAULT_THRESHOLDS.component ?? Infinity,
});

/**
 * The one rule: a label is applied when its confidence reaches the field's threshold AND some
 * cue in the issue supports it over the runner-up. A label that only the base rate chose
 * ("no specific cue": e.g. node-conversion for an issue that names no stage) is a guess, and
 * is left to a human however common the label is. Verdicts of the classifier always list
 * their `contributions`; a verdict without the list is judged by its confidence alone.
 */
export function isApplied(
  verdict: { confidence: number; contributions?: readonly unknown[] },
  threshold: number,
): boolean {
  const backed = verdict.contributions === undefined || verdict.contributions.length > 0;
  return backed && verdict.confidence >= threshold;
}

/** Label of a field left to a human. */
export const NEEDS_TRIAGE_LABEL = 'needs-triage';
export const NEEDS_TRIAGE_COLOR = 'ededed';
export const NEEDS_TRIAGE_DESCRIPTION = 'convgate triage: a maintainer should classify this issue';

/** Default label name prefix and colour per field ("stage: node-conversion"). */
export const LABEL_PREFIX: Readonly<Record<Field, string>> = {
  symptom: 'symptom: ',
  cause: 'cause: ',
  component: 'stage: ',
};
export const LABEL_COLOR: Readonly<Record<Field, string>> = {
  symptom: 'd73a4a',
  cause: 'fbca04',
  component: '1d76db',
};

/** GitHub's limit for label names. */
export const MAX_LABEL_NAME = 50;

/** The default label name of a field's value. */
export function defaultLabelName(field: Field, value: string): string {
  return `${LABEL_PREFIX[field]}${value}`.slice(0, MAX_LABEL_NAME);
}

export const FIELD_TITLE: Readonly<Record<Field, string>> = {
  symptom: 'symptom',
  cause: 'root cause',
  component: 'converter stage',
};

/** One-line meaning of each label value (label descriptions, CLI output). */
export const LABEL_MEANING: Readonly<Record<string, string>> = {
  crash: 'the converter or the converted model crashes',
  'wrong-model': 'the converted model computes something else',
  'build-failure': 'the converter cannot be built or installed',
  'bad-performance': 'conversion or the converted model is too slow or too big',
  hang: 'conversion or inference does not finish',
  unreported: 'a problem without a visible symptom',
  incompatibility: 'versions or components do not fit together',
  'type-problem': 'a wrong or unsupported data type',
  'shape-problem': 'a wrong or unsupported tensor shape',
  'algorithmic-error': 'a mistake in the conversion logic',
  'api-misuse': 'an API used the wrong way',
  other: 'another cause',
  'node-conversion': 'translating single operators',
  'graph-optimization': 'graph rewriting and optimization passes',
  tracer: 'capturing the source graph',
  validation: 'checking the converted model',
  serialization: 'writing the model (protobuf)',
  unknown: 'stage not determined',
};

/** GitHub caps label descriptions at 100 characters. */
export function labelDescription(field: Field, value: string): string {
  const meaning = LABEL_MEANING[value] ? `: ${LABEL_MEANING[value]}` : '';
  return `convgate triage, ${FIELD_TITLE[field]}${meaning}`.slice(0, 100);
}
