// The one place that says how triage verdicts become labels (thresholds for now).

import { FIELD_CONFIDENCE_THRESHOLDS } from './config.js';
import type { Field } from './labels.js';

/** Confidence at or above which a field's label is applied; below it the field is left to a human. */
export const FIELD_THRESHOLDS: Readonly<Record<Field, number>> = FIELD_CONFIDENCE_THRESHOLDS;
