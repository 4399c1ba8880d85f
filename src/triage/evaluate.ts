// Evaluation helpers: k-fold cross-validation (a fresh model per fold, so figures are never
// training accuracy), accuracy / macro-F1 / confusion, calibration and threshold choice.

import { classifyWith } from './classify.js';
import { FIELDS, LABELS_OF, type Field, type LabeledIssue } from './labels.js';
import type { TriageModel } from './model.js';
import { issueFolds } from './train.js';

export interface FieldPrediction {
  label: string;
  confidence: number;
  /** Some cue supports the label over the runner-up (else it is never applied). */
  backed: boolean;
}

/** Prediction of one field from a classifier verdict. */
export function fieldPrediction(v: {
  label: string;
  confidence: number;
  contributions: readonly unknown[];
}): FieldPrediction {
  return { label: v.label, confidence: v.confidence, backed: v.contributions.length > 0 };
}

export type Prediction = Record<Field, FieldPrediction>;

export interface CrossValidation {
  folds: number;
  seed: number;
  /** Out-of-fold prediction of each example, in input order. */
  predictions: Prediction[];
  /** Majority label of the whole labeled set, per field: the baseline (slightly optimistic for it). */
  majority: Record<Field, string>;
}

export function majorityLabel(examples: readonly LabeledIssue[], field: Field): string {
  const counts = new Map<string, number>();
  for (const e of examples) counts.set(e.labels[field], (counts.get(e.labels[field]) ?? 0) + 1);
  // Ties go to the label listed first in the taxonomy, so the result is deterministic.
  return (LABELS_OF[field] as readonly string[]).reduce((best, l) =>
    (counts.get(l) ?? 0) > (counts.get(best) ?? 0) ? l : best,
  );
}

export function crossValidate(
  examples: readonly LabeledIssue[],
  train: (examples: LabeledIssue[]) => TriageModel,
  folds = 10,
  seed = 1,
): CrossValidation {
  // Stratified by symptom and component together, the two fields with rare labels; a group of
  // near-duplicate issues stays in one fold.
  const fold = issueFolds(examples, folds, seed);
  const predictions: Prediction[] = new Array(examples.length);
  const majority = Object.fromEntries(FIELDS.map((f) => [f, majorityLabel(examples, f)])) as Record<
    Field,
    string
  >;
  for (let k = 0; k < folds; k++) {
    const trainSet = examples.filter((_, i) => fold[i] !== k);
    if (trainSet.length === examples.length) continue;
    const model = train(trainSet);
    examples.forEach((e, i) => {
      if (fold[i] !== k) return;
      const t = classifyWith(model, e);
      predictions[i] = {
        symptom: fieldPrediction(t.symptom),
        cause: fieldPrediction(t.cause),
        component: fieldPrediction(t.component),
      };
    });
  }
  return { folds, seed, predictions, majority };
}

export interface FieldMetrics {
  n: number;
  accuracy: number;
  macroF1: number;
  /** Labels counted in the macro average: those present in gold or predictions. */
  labels: string[];
  /** confusion[gold][predicted] over `labels`. */
  confusion: number[][];
  perLabel: { label: string; precision: number; recall: number; f1: number; support: number }[];
}

export function fieldMetrics(
  gold: readonly string[],
  predicted: readonly string[],
  order: readonly string[],
): FieldMetrics {
  const present = new Set([...gold, ...predicted]);
  const labels = order.filter((l) => present.has(l));
  const at = new Map(labels.map((l, i) => [l, i]));
  const confusion = labels.map(() => labels.map(() => 0));
  let correct = 0;
  gold.forEach((g, i) => {
    confusion[at.get(g)!][at.get(predicted[i])!]++;
    if (g === predicted[i]) correct++;
  });
  const perLabel = labels.map((label, c) => {
    const tp = confusion[c][c];
    const support = confusion[c].reduce((a, b) => a + b, 0);
    const predictedN = confusion.reduce((a, row) => a + row[c], 0);
    const precision = predictedN ? tp / predictedN : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
  const macroF1 = perLabel.reduce((a, p) => a + p.f1, 0) / Math.max(1, perLabel.length);
  return {
    n: gold.length,
    accuracy: gold.length ? correct / gold.length : 0,
    macroF1,
    labels,
    confusion,
    perLabel,
  };
}

/** Expected calibration error over equal-width confidence bins. */
export function expectedCalibrationError(
  items: readonly { confidence: number; correct: boolean }[],
  bins = 10,
): number {
  const sum = new Array<number>(bins).fill(0);
  const hits = new Array<number>(bins).fill(0);
  const count = new Array<number>(bins).fill(0);
  for (const it of items) {
    const b = Math.min(bins - 1, Math.floor(it.confidence * bins));
    sum[b] += it.confidence;
    hits[b] += it.correct ? 1 : 0;
    count[b]++;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++)
    if (count[b]) ece += (count[b] / items.length) * Math.abs(sum[b] / count[b] - hits[b] / count[b]);
  return ece;
}

export interface ThresholdRow {
  threshold: number;
  /** Share of (issue, field) predictions at or above the threshold. */
  coverage: number;
  /** Share of those that are right; NaN when none. */
  precision: number;
  applied: number;
}

export function thresholdRow(
  items: readonly { confidence: number; correct: boolean }[],
  threshold: number,
): ThresholdRow {
  const applied = items.filter((it) => it.confidence >= threshold);
  const right = applied.filter((it) => it.correct).length;
  return {
    threshold,
    coverage: items.length ? applied.length / items.length : 0,
    precision: applied.length ? right / applied.length : NaN,
    applied: applied.length,
  };
}

export const THRESHOLD_GRID = Array.from({ length: 10 }, (_, i) => Math.round((0.5 + i * 0.05) * 100) / 100);

/**
 * Lowest threshold on the grid from which pooled precision stays at or above the target
 * for every higher threshold too (a threshold that only happens to hit the target on a
 * lucky bin is not chosen).
 */
export function chooseThreshold(
  items: readonly { confidence: number; correct: boolean }[],
  target = 0.9,
  grid: readonly number[] = THRESHOLD_GRID,
): number | undefined {
  let chosen: number | undefined;
  for (let i = grid.length - 1; i >= 0; i--) {
    const row = thresholdRow(items, grid[i]);
    if (row.applied > 0 && row.precision < target) break;
    chosen = grid[i];
  }
  return chosen;
}
