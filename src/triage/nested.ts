// Nested cross-validation: the honest protocol for the triage classifier.
//
// Outer loop: the labeled issues are split into `outerFolds` folds; each outer test fold is
// scored by a model AND thresholds fitted on the other folds only. Inside, `fitProcedure`
// chooses the per-field thresholds from out-of-fold predictions of an inner cross-validation
// over the outer training set (and any other choice a procedure makes, e.g. which cues to
// keep, must be made there too). The whole is repeated with different fold seeds, and every
// figure is reported as mean and spread over the repeats.

import { classifyWith } from './classify.js';
import {
  chooseThreshold,
  crossValidate,
  fieldMetrics,
  fieldPrediction,
  type Prediction,
} from './evaluate.js';
import { FIELDS, LABELS_OF, type Field, type LabeledIssue } from './labels.js';
import type { TriageModel } from './model.js';
import { isApplied } from './policy.js';
import { issueFolds } from './train.js';

/** A model and the confidence each field needs before its label is applied. */
export interface FittedProcedure {
  model: TriageModel;
  /** Per field; `Infinity` when no threshold on the grid reached the precision target. */
  thresholds: Record<Field, number>;
  /**
   * Experiment (round 4, off in the shipped procedure): thresholds per predicted label, which
   * replace the field's threshold for that label (`thresholdsFor`).
   */
  labelThresholds?: Partial<Record<Field, Record<string, number>>>;
}

/** The thresholds that decide whether each field of `prediction` is applied. */
export function thresholdsFor(fitted: FittedProcedure, prediction: Prediction): Record<Field, number> {
  return Object.fromEntries(
    FIELDS.map((f) => [f, fitted.labelThresholds?.[f]?.[prediction[f].label] ?? fitted.thresholds[f]]),
  ) as Record<Field, number>;
}

/**
 * Fewest inner out-of-fold predictions of a label for it to get a threshold of its own (a
 * precision estimate on fewer is too rough); other labels keep the field's threshold.
 */
export const LABEL_THRESHOLD_MIN_SUPPORT = 10;

/** Something the protocol can watch, for tests: which issues a step was given. */
export type Observer = (step: 'train' | 'thresholds', ids: readonly string[]) => void;

export interface ProcedureOptions {
  /** Fits a model on labeled issues (e.g. `trainModel`). */
  train: (examples: LabeledIssue[]) => TriageModel;
  innerFolds: number;
  seed: number;
  /** Applied-label precision the thresholds aim for. */
  precisionTarget: number;
  /** Experiment (round 4): also choose a threshold per predicted label (`labelThresholds`). */
  perLabel?: boolean;
  observe?: Observer;
}

export const PRECISION_TARGET = 0.9;

/**
 * The full training procedure on one labeled set: thresholds from an inner cross-validation
 * (never from the examples' own resubstitution predictions), then the model on all of them.
 */
export function fitProcedure(examples: readonly LabeledIssue[], opts: ProcedureOptions): FittedProcedure {
  const train = (ex: LabeledIssue[]): TriageModel => {
    opts.observe?.(
      'train',
      ex.map((e) => e.id),
    );
    return opts.train(ex);
  };
  const inner = crossValidate(examples, train, opts.innerFolds, opts.seed);
  opts.observe?.(
    'thresholds',
    examples.map((e) => e.id),
  );
  // A label no cue supports is never applied, whatever its confidence (policy.ts).
  const itemsOf = (f: Field, keep: (p: Prediction) => boolean = () => true) =>
    inner.predictions.flatMap((p, i) =>
      keep(p)
        ? [{ confidence: p[f].backed ? p[f].confidence : -1, correct: p[f].label === examples[i].labels[f] }]
        : [],
    );
  const thresholds = Object.fromEntries(
    FIELDS.map((f) => [f, chooseThreshold(itemsOf(f), opts.precisionTarget) ?? Infinity]),
  ) as Record<Field, number>;
  const fitted: FittedProcedure = { model: train([...examples]), thresholds };
  if (opts.perLabel) fitted.labelThresholds = labelThresholds(itemsOf, opts.precisionTarget);
  return fitted;
}

/** Per field and predicted label with enough inner predictions: its own threshold (Infinity: never). */
function labelThresholds(
  itemsOf: (f: Field, keep: (p: Prediction) => boolean) => { confidence: number; correct: boolean }[],
  target: number,
): Partial<Record<Field, Record<string, number>>> {
  return Object.fromEntries(
    FIELDS.map((f) => {
      const own: Record<string, number> = {};
      for (const label of LABELS_OF[f]) {
        const items = itemsOf(f, (p) => p[f].label === label && p[f].backed);
        if (items.length >= LABEL_THRESHOLD_MIN_SUPPORT)
          own[label] = chooseThreshold(items, target) ?? Infinity;
      }
      return [f, own];
    }),
  );
}

export interface NestedOptions {
  /** Fits model and thresholds on an outer training set. */
  fit: (train: LabeledIssue[], seed: number) => FittedProcedure;
  outerFolds: number;
  repeats: number;
  seed: number;
}

export interface OuterFold {
  repeat: number;
  fold: number;
  testIds: string[];
  thresholds: Record<Field, number>;
}

export interface NestedRun {
  /** Out-of-fold prediction of each example (input order), and the thresholds of its fold. */
  predictions: Prediction[];
  thresholds: Record<Field, number>[];
}

export interface NestedResult {
  runs: NestedRun[];
  folds: OuterFold[];
}

export function nestedCrossValidate(examples: readonly LabeledIssue[], opts: NestedOptions): NestedResult {
  const runs: NestedRun[] = [];
  const folds: OuterFold[] = [];
  for (let r = 0; r < opts.repeats; r++) {
    const seed = opts.seed + r;
    const fold = issueFolds(examples, opts.outerFolds, seed);
    const run: NestedRun = {
      predictions: new Array(examples.length),
      thresholds: new Array(examples.length),
    };
    for (let k = 0; k < opts.outerFolds; k++) {
      const trainSet = examples.filter((_, i) => fold[i] !== k);
      const test = examples.map((e, i) => ({ e, i })).filter(({ i }) => fold[i] === k);
      if (test.length === 0) continue;
      const fitted = opts.fit(trainSet, seed * 1000 + k);
      folds.push({ repeat: r, fold: k, testIds: test.map(({ e }) => e.id), thresholds: fitted.thresholds });
      for (const { e, i } of test) {
        const t = classifyWith(fitted.model, e);
        run.predictions[i] = {
          symptom: fieldPrediction(t.symptom),
          cause: fieldPrediction(t.cause),
          component: fieldPrediction(t.component),
        };
        run.thresholds[i] = thresholdsFor(fitted, run.predictions[i]);
      }
    }
    runs.push(run);
  }
  return { runs, folds };
}

// ---- figures ----------------------------------------------------------------------------

export interface FieldFigures {
  accuracy: number;
  macroF1: number;
  /** Share of applied labels (confidence >= threshold) that are right; NaN when none applied. */
  precision: number;
  /** Share of issues whose label was applied. */
  coverage: number;
}

/** Figures of one run for one field, with per-example thresholds (`thresholdOf(i)`). */
export function fieldFigures(
  examples: readonly LabeledIssue[],
  predictions: readonly Prediction[],
  field: Field,
  thresholdOf: (i: number) => number,
): FieldFigures {
  const gold = examples.map((e) => e.labels[field]);
  const predicted = predictions.map((p) => p[field].label);
  const m = fieldMetrics(gold, predicted, LABELS_OF[field]);
  let applied = 0;
  let right = 0;
  predictions.forEach((p, i) => {
    if (
      isApplied(
        { confidence: p[field].confidence, contributions: p[field].backed ? [1] : [] },
        thresholdOf(i),
      )
    ) {
      applied++;
      if (p[field].label === gold[i]) right++;
    }
  });
  return {
    accuracy: m.accuracy,
    macroF1: m.macroF1,
    precision: applied ? right / applied : NaN,
    coverage: predictions.length ? applied / predictions.length : 0,
  };
}

export interface Spread {
  mean: number;
  sd: number;
  min: number;
  max: number;
  /** Values that were not NaN. */
  n: number;
}

export function spread(values: readonly number[]): Spread {
  const xs = values.filter((v) => !Number.isNaN(v));
  if (xs.length === 0) return { mean: NaN, sd: NaN, min: NaN, max: NaN, n: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** Per field: each figure's spread over the repeats. */
export function summarize(
  examples: readonly LabeledIssue[],
  result: NestedResult,
  thresholdOf?: (field: Field) => number,
): Record<Field, Record<keyof FieldFigures, Spread>> {
  const out = {} as Record<Field, Record<keyof FieldFigures, Spread>>;
  for (const f of FIELDS) {
    const perRun = result.runs.map((run) =>
      fieldFigures(examples, run.predictions, f, (i) => thresholdOf?.(f) ?? run.thresholds[i][f]),
    );
    out[f] = {
      accuracy: spread(perRun.map((x) => x.accuracy)),
      macroF1: spread(perRun.map((x) => x.macroF1)),
      precision: spread(perRun.map((x) => x.precision)),
      coverage: spread(perRun.map((x) => x.coverage)),
    };
  }
  return out;
}
