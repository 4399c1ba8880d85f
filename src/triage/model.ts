// The triage model: per field, a multinomial logistic regression over named features
// (hand-written signals, words, exception names). Calibration divides the evidence part of
// the score (not the label bias) by a fitted temperature: an issue that says nothing keeps
// the plain base rate instead of a sharpened one.

import type { FeatureValues } from './features.js';
import { FIELDS, LABELS_OF, type Field } from './labels.js';

export interface FieldModel {
  /** Label values, in the order of `bias` and of each weight vector. */
  labels: string[];
  bias: number[];
  /** Feature name -> one weight per label. Features not listed weigh 0. */
  weights: Record<string, number[]>;
  /** Divides the evidence score; fitted on held-out predictions so confidences are calibrated. */
  temperature: number;
}

export interface TriageModel {
  format: 'convgate-triage/1';
  /** Learned features (w:/exc:) known to the model; others are ignored. */
  vocabulary: string[];
  bowScale: number;
  fields: Record<Field, FieldModel>;
  /** Where the weights came from, for people reading the generated file. */
  provenance: string;
}

export interface LabelScores {
  labels: string[];
  /** Scores before calibration: bias + evidence. */
  logits: number[];
  /** Calibrated probabilities. */
  probabilities: number[];
}

export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Calibrated probabilities: softmax(bias + evidence / temperature). */
export function calibrated(
  bias: readonly number[],
  evidence: readonly number[],
  temperature: number,
): number[] {
  return softmax(bias.map((b, k) => b + evidence[k] / temperature));
}

export function scoreField(field: FieldModel, x: FeatureValues): LabelScores {
  const evidence = field.bias.map(() => 0);
  for (const [name, value] of x) {
    const w = field.weights[name];
    if (!w) continue;
    for (let k = 0; k < evidence.length; k++) evidence[k] += value * w[k];
  }
  return {
    labels: field.labels,
    logits: field.bias.map((b, k) => b + evidence[k]),
    probabilities: calibrated(field.bias, evidence, field.temperature),
  };
}

/** Checks a model (e.g. the generated default) against the label sets of this version. */
export function assertModelShape(model: TriageModel): void {
  if (model.format !== 'convgate-triage/1')
    throw new Error(`unknown triage model format ${String(model.format)}`);
  for (const f of FIELDS) {
    const fm = model.fields[f];
    const expected = LABELS_OF[f] as readonly string[];
    if (!fm || fm.labels.join() !== expected.join())
      throw new Error(`triage model: labels of ${f} do not match`);
    if (fm.bias.length !== expected.length)
      throw new Error(`triage model: bias of ${f} has the wrong length`);
    for (const [name, w] of Object.entries(fm.weights)) {
      if (w.length !== expected.length)
        throw new Error(`triage model: weights of ${f}/${name} have the wrong length`);
    }
  }
}
