// The triage model: per field, a multinomial logistic regression over named features
// (hand-written signals, words, exception names) with a softmax temperature.

import type { FeatureValues } from './features.js';
import { FIELDS, LABELS_OF, type Field } from './labels.js';

export interface FieldModel {
  /** Label values, in the order of `bias` and of each weight vector. */
  labels: string[];
  bias: number[];
  /** Feature name -> one weight per label. Features not listed weigh 0. */
  weights: Record<string, number[]>;
  /** Softmax temperature fitted on held-out predictions, so confidences are calibrated. */
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
  /** Raw scores (logits) before the temperature. */
  logits: number[];
  /** Calibrated probabilities. */
  probabilities: number[];
}

export function softmax(logits: readonly number[], temperature = 1): number[] {
  const scaled = logits.map((z) => z / temperature);
  const max = Math.max(...scaled);
  const exps = scaled.map((z) => Math.exp(z - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export function scoreField(field: FieldModel, x: FeatureValues): LabelScores {
  const logits = [...field.bias];
  for (const [name, value] of x) {
    const w = field.weights[name];
    if (!w) continue;
    for (let k = 0; k < logits.length; k++) logits[k] += value * w[k];
  }
  return { labels: field.labels, logits, probabilities: softmax(logits, field.temperature) };
}

/** Checks a model (e.g. the generated default) against the label sets of this version. */
export function assertModelShape(model: TriageModel): void {
  if (model.format !== 'convgate-triage/1') throw new Error(`unknown triage model format ${String(model.format)}`);
  for (const f of FIELDS) {
    const fm = model.fields[f];
    const expected = LABELS_OF[f] as readonly string[];
    if (!fm || fm.labels.join() !== expected.join()) throw new Error(`triage model: labels of ${f} do not match`);
    if (fm.bias.length !== expected.length) throw new Error(`triage model: bias of ${f} has the wrong length`);
    for (const [name, w] of Object.entries(fm.weights)) {
      if (w.length !== expected.length) throw new Error(`triage model: weights of ${f}/${name} have the wrong length`);
    }
  }
}
