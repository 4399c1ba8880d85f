// Training: multinomial logistic regression per field, with a Gaussian prior centred on
// the hand-written signal weights (signals.ts) instead of on zero. Learned word weights
// are centred on zero. With few examples of a label the rules stay in charge; with many,
// the data corrects them. Confidence is calibrated by a temperature on the evidence score,
// fitted on out-of-fold predictions inside the training set (never on the examples scored).
// Optionally (bowScale > 0) words and exception names are learned too; off by default.

import { extractOf, featureValues, type Extracted, type FeatureValues } from './features.js';
import { FIELDS, LABELS_OF, groupOf, type Field, type LabeledIssue } from './labels.js';
import { calibrated, type FieldModel, type TriageModel } from './model.js';
import {
  SIGNALS,
  STAGE_CAUSE_PRIORS,
  STAGE_FEATURE_PREFIX,
  STAGE_FIELDS,
  stageFeature,
  type StageField,
} from './signals.js';

export interface TrainOptions {
  /** A word becomes a feature when at least this many training issues contain it. */
  minDocFreq: number;
  /** Cap on the learned vocabulary of single words and exception names (most frequent first). */
  maxVocabulary: number;
  /** Cap on learned adjacent word pairs (`b:` features, most frequent first); 0 = no pairs. */
  maxBigrams: number;
  /** Scale of the normalized bag-of-words block relative to a signal (value 1); 0 = no words. */
  bowScale: number;
  /** Pull of signal weights towards their hand-written priors. */
  lambdaSignal: number;
  /** Pull of word weights towards zero. */
  lambdaWord: number;
  /**
   * Cause reads the predicted symptom and stage (`stage:` features, see signals.ts); their
   * weights are pulled towards STAGE_CAUSE_PRIORS with this strength. `stageFeatures: false`
   * predicts cause from the issue's signals alone.
   */
  stageFeatures: boolean;
  lambdaStage: number;
  /**
   * Class balance of the cause loss: each issue weighs (n / (k · n_label))^causeBalance, so rare
   * causes are not drowned by incompatibility (0 = plain likelihood, 1 = fully balanced).
   */
  causeBalance: number;
  /** Pull of label biases towards the smoothed label frequencies. */
  lambdaBias: number;
  /** Pseudo-examples of LABEL_PRIORS mixed into the label frequencies. */
  priorStrength: number;
  iterations: number;
  learningRate: number;
  /** Inner folds for fitting the temperature; 0 or 1 keeps temperature 1. */
  calibrationFolds: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  minDocFreq: 3,
  maxVocabulary: 1500,
  maxBigrams: 0,
  // Words and exception names are learned, and signal weights move freely with the data: with
  // own-labelled issues added (337 in all), this generalises better to issues the cues were not
  // written from than rules held near their hand-written weights (README.md, issue 15 round 2).
  // On the 100 dev issues alone, learned words did not beat the signals.
  bowScale: 2,
  lambdaSignal: 2,
  lambdaWord: 0.5,
  stageFeatures: false,
  lambdaStage: 5,
  causeBalance: 0,
  lambdaBias: 5,
  priorStrength: 10,
  iterations: 300,
  learningRate: 0.05,
  calibrationFolds: 5,
};

/**
 * Label frequencies assumed before any data (biases of the rules-only model, and the floor
 * for labels a training set lacks). Rough shares of converter issue trackers after the
 * seed paper: most reports are crashes, a third are wrong models.
 */
export const LABEL_PRIORS: { [F in Field]: Record<string, number> } = {
  symptom: {
    crash: 0.55,
    'wrong-model': 0.3,
    'build-failure': 0.04,
    'bad-performance': 0.03,
    hang: 0.02,
    unreported: 0.06,
  },
  cause: {
    incompatibility: 0.3,
    'type-problem': 0.25,
    'shape-problem': 0.1,
    'algorithmic-error': 0.13,
    'api-misuse': 0.08,
    other: 0.14,
  },
  component: {
    'node-conversion': 0.72,
    'graph-optimization': 0.1,
    tracer: 0.03,
    validation: 0.02,
    serialization: 0.02,
    unknown: 0.11,
  },
};

const MODEL_FORMAT = 'convgate-triage/1' as const;

/** Hand-written prior weight of each signal feature, per label of a field. */
function signalPriorWeights(field: Field, withStage = false): Record<string, number[]> {
  const labels = LABELS_OF[field] as readonly string[];
  const out: Record<string, number[]> = {};
  for (const s of SIGNALS) {
    const prior = (s.prior[field] ?? {}) as Record<string, number>;
    out[`sig:${s.id}`] = labels.map((l) => prior[l] ?? 0);
  }
  if (field === 'cause' && withStage) {
    for (const sf of STAGE_FIELDS) {
      for (const l of LABELS_OF[sf]) {
        const name = stageFeature(sf, l);
        const prior = (STAGE_CAUSE_PRIORS[name] ?? {}) as Record<string, number>;
        out[name] = labels.map((c) => prior[c] ?? 0);
      }
    }
  }
  return out;
}

/** The model before any learning: hand-written signals and label priors only. */
export function rulesOnlyModel(): TriageModel {
  const fields = {} as Record<Field, FieldModel>;
  for (const f of FIELDS) {
    const labels = [...LABELS_OF[f]] as string[];
    fields[f] = {
      labels,
      bias: labels.map((l) => Math.log(LABEL_PRIORS[f][l])),
      weights: signalPriorWeights(f),
      temperature: 1,
    };
  }
  return {
    format: MODEL_FORMAT,
    vocabulary: [],
    bowScale: 0,
    fields,
    provenance: 'rules only (no training data)',
  };
}

// ---- dense training problem -----------------------------------------------------------

interface SparseRow {
  index: number[];
  value: number[];
}

interface Problem {
  featureNames: string[];
  rows: SparseRow[];
}

function buildVocabulary(extracted: Extracted[], opts: TrainOptions): string[] {
  const df = new Map<string, number>();
  for (const ex of extracted) {
    for (const t of ex.terms) df.set(t, (df.get(t) ?? 0) + 1);
  }
  const frequent = (keep: (t: string) => boolean, cap: number): string[] =>
    [...df.entries()]
      .filter(([t, n]) => n >= opts.minDocFreq && keep(t))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, cap)
      .map(([t]) => t);
  const isPair = (t: string): boolean => t.startsWith('b:');
  return [
    ...frequent((t) => !isPair(t), opts.maxVocabulary),
    ...(opts.maxBigrams > 0 ? frequent(isPair, opts.maxBigrams) : []),
  ];
}

function toProblem(values: FeatureValues[], featureNames: string[]): Problem {
  const indexOf = new Map(featureNames.map((n, i) => [n, i]));
  const rows = values.map((x) => {
    const row: SparseRow = { index: [], value: [] };
    for (const [name, v] of x) {
      const i = indexOf.get(name);
      if (i !== undefined && v !== 0) {
        row.index.push(i);
        row.value.push(v);
      }
    }
    return row;
  });
  return { featureNames, rows };
}

interface FieldFit {
  bias: number[];
  /** [label][feature] */
  weights: number[][];
}

/**
 * Centre of each label's bias: log of the label frequency in the training set, smoothed
 * towards LABEL_PRIORS with `priorStrength` pseudo-examples (a Dirichlet prior).
 */
function biasCentre(field: Field, y: number[], priorStrength: number): number[] {
  const labels = LABELS_OF[field] as readonly string[];
  const counts = new Array<number>(labels.length).fill(0);
  for (const c of y) counts[c]++;
  const n = y.length;
  // Floored at the prior: a label a small training set lacks is rare, not impossible, and
  // its rules (signals.ts) must still be able to win.
  return labels.map((l, c) => {
    const prior = LABEL_PRIORS[field][l];
    return Math.log(Math.max((counts[c] + priorStrength * prior) / (n + priorStrength), prior));
  });
}

/** Distinct feature rows among `rowsUsed`, with how many of them carry each label. */
function distinctRows(
  problem: Problem,
  rowsUsed: readonly number[],
  y: readonly number[],
  k: number,
  labelWeight: readonly number[] = new Array<number>(k).fill(1),
): { row: SparseRow; counts: number[]; total: number }[] {
  const byKey = new Map<string, { row: SparseRow; counts: number[]; total: number }>();
  rowsUsed.forEach((r, i) => {
    const row = problem.rows[r];
    const key = row.index.map((f, j) => `${f}:${row.value[j]}`).join(',');
    let entry = byKey.get(key);
    if (!entry) {
      entry = { row, counts: new Array<number>(k).fill(0), total: 0 };
      byKey.set(key, entry);
    }
    entry.counts[y[i]] += labelWeight[y[i]];
    entry.total += labelWeight[y[i]];
  });
  return [...byKey.values()];
}

/** Per label, (n / (k · n_label))^power over the labels present (1 for absent ones). */
function balancedWeights(y: readonly number[], k: number, power: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (const c of y) counts[c]++;
  const present = counts.filter((n) => n > 0).length;
  return counts.map((n) => (n > 0 && power > 0 ? (y.length / (present * n)) ** power : 1));
}

/**
 * Gradient of the negative log-likelihood of the distinct rows under `fit`, into `gW` / `gB`
 * (overwritten); `z` is scratch space of one entry per label.
 */
function dataGradient(
  distinct: readonly { row: SparseRow; counts: number[]; total: number }[],
  fit: FieldFit,
  gW: Float64Array[],
  gB: Float64Array,
  z: Float64Array,
): void {
  const { bias: b, weights: w } = fit;
  const k = b.length;
  for (let c = 0; c < k; c++) gW[c].fill(0);
  gB.fill(0);
  for (const { row, counts, total } of distinct) {
    for (let c = 0; c < k; c++) z[c] = b[c];
    for (let j = 0; j < row.index.length; j++) {
      const f = row.index[j];
      const v = row.value[j];
      for (let c = 0; c < k; c++) z[c] += v * w[c][f];
    }
    // softmax, in place
    let max = -Infinity;
    for (let c = 0; c < k; c++) if (z[c] > max) max = z[c];
    let sum = 0;
    for (let c = 0; c < k; c++) {
      z[c] = Math.exp(z[c] - max);
      sum += z[c];
    }
    for (let c = 0; c < k; c++) {
      const err = (total * z[c]) / sum - counts[c];
      gB[c] += err;
      for (let j = 0; j < row.index.length; j++) gW[c][row.index[j]] += err * row.value[j];
    }
  }
}

/** `y[i]` is the label index of `problem.rows[rowsUsed[i]]`. */
function fitField(
  field: Field,
  problem: Problem,
  rowsUsed: number[],
  y: number[],
  opts: TrainOptions,
): FieldFit {
  const labels = LABELS_OF[field] as readonly string[];
  const k = labels.length;
  const d = problem.featureNames.length;
  const priors = signalPriorWeights(field, opts.stageFeatures);
  // Centres and strengths of the Gaussian prior, per feature.
  const centre: number[][] = labels.map((_, c) => problem.featureNames.map((n) => priors[n]?.[c] ?? 0));
  const lambda = problem.featureNames.map((n) =>
    n.startsWith('sig:')
      ? opts.lambdaSignal
      : n.startsWith(STAGE_FEATURE_PREFIX)
        ? opts.lambdaStage
        : opts.lambdaWord,
  );
  const b0 = biasCentre(field, y, opts.priorStrength);

  const w = centre.map((row) => [...row]);
  const b = [...b0];
  const mW = labels.map(() => new Float64Array(d));
  const vW = labels.map(() => new Float64Array(d));
  const mB = new Float64Array(k);
  const vB = new Float64Array(k);
  const beta1 = 0.9;
  const beta2 = 0.999;
  const eps = 1e-8;

  // Issues with the same features and label contribute the same gradient: fit on the distinct
  // (row, label) pairs with their counts (same optimum, far fewer rows when words are off).
  const distinct = distinctRows(
    problem,
    rowsUsed,
    y,
    k,
    balancedWeights(y, k, field === 'cause' ? opts.causeBalance : 0),
  );

  const gW = labels.map(() => new Float64Array(d));
  const gB = new Float64Array(k);
  const z = new Float64Array(k);
  for (let it = 1; it <= opts.iterations; it++) {
    dataGradient(distinct, { bias: b, weights: w }, gW, gB, z);
    const corr1 = 1 - beta1 ** it;
    const corr2 = 1 - beta2 ** it;
    for (let c = 0; c < k; c++) {
      const gb = gB[c] + opts.lambdaBias * (b[c] - b0[c]);
      mB[c] = beta1 * mB[c] + (1 - beta1) * gb;
      vB[c] = beta2 * vB[c] + (1 - beta2) * gb * gb;
      b[c] -= (opts.learningRate * (mB[c] / corr1)) / (Math.sqrt(vB[c] / corr2) + eps);
      const wc = w[c];
      for (let f = 0; f < d; f++) {
        const g = gW[c][f] + lambda[f] * (wc[f] - centre[c][f]);
        mW[c][f] = beta1 * mW[c][f] + (1 - beta1) * g;
        vW[c][f] = beta2 * vW[c][f] + (1 - beta2) * g * g;
        wc[f] -= (opts.learningRate * (mW[c][f] / corr1)) / (Math.sqrt(vW[c][f] / corr2) + eps);
      }
    }
  }
  return { bias: b, weights: w };
}

/** Bias and evidence score of a row under a fit, kept apart for calibration. */
interface SplitScore {
  bias: number[];
  evidence: number[];
}

function scoreOf(fit: FieldFit, row: SparseRow): SplitScore {
  const evidence = fit.bias.map(() => 0);
  for (let j = 0; j < row.index.length; j++) {
    for (let c = 0; c < evidence.length; c++) evidence[c] += row.value[j] * fit.weights[c][row.index[j]];
  }
  return { bias: fit.bias, evidence };
}

/** Deterministic fold of each of n items: seeded shuffle, then dealt round-robin by stratum. */
export function foldAssignment(strata: readonly string[], folds: number, seed: number): number[] {
  let state = seed >>> 0;
  const random = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = strata.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  order.sort((a, b) => (strata[a] < strata[b] ? -1 : strata[a] > strata[b] ? 1 : 0));
  const fold = new Array<number>(strata.length);
  order.forEach((item, pos) => (fold[item] = pos % folds));
  return fold;
}

/**
 * Folds that keep each group together: the groups (in order of first appearance, each with the
 * stratum of its first member) are dealt as `foldAssignment` deals items. With one issue per
 * group this is exactly `foldAssignment`.
 */
export function groupedFoldAssignment(
  items: readonly { group: string; stratum: string }[],
  folds: number,
  seed: number,
): number[] {
  const index = new Map<string, number>();
  const strata: string[] = [];
  for (const it of items) {
    if (!index.has(it.group)) {
      index.set(it.group, strata.length);
      strata.push(it.stratum);
    }
  }
  const groupFold = foldAssignment(strata, folds, seed);
  return items.map((it) => groupFold[index.get(it.group)!]);
}

/** Stratified, group-keeping folds of labeled issues (by symptom and component together). */
export function issueFolds(examples: readonly LabeledIssue[], folds: number, seed: number): number[] {
  return groupedFoldAssignment(
    examples.map((e) => ({ group: groupOf(e), stratum: `${e.labels.symptom}/${e.labels.component}` })),
    folds,
    seed,
  );
}

const TEMPERATURES = Array.from({ length: 53 }, (_, i) => 0.4 + i * 0.05);

/** Temperature minimizing the log-loss of out-of-fold scores. */
function fitTemperature(scores: SplitScore[], y: number[]): number {
  let best = 1;
  let bestLoss = Infinity;
  for (const t of TEMPERATURES) {
    let loss = 0;
    scores.forEach((s, i) => (loss -= Math.log(Math.max(calibrated(s.bias, s.evidence, t)[y[i]], 1e-12))));
    if (loss < bestLoss - 1e-9) {
      bestLoss = loss;
      best = t;
    }
  }
  return Math.round(best * 100) / 100;
}

const isWord = (name: string): boolean => !name.startsWith('sig:') && !name.startsWith(STAGE_FEATURE_PREFIX);

function labelIndex(field: Field, example: LabeledIssue): number {
  return (LABELS_OF[field] as readonly string[]).indexOf(example.labels[field]);
}

/** Trains a model on labeled issues. Pure and deterministic: same examples, same model. */
export function trainModel(
  examples: readonly LabeledIssue[],
  options: Partial<TrainOptions> = {},
): TriageModel {
  const opts = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  if (examples.length === 0) return rulesOnlyModel();
  const learnsTerms = opts.bowScale > 0;
  const extracted = examples.map((e) => extractOf(e, learnsTerms));
  const vocabulary = learnsTerms ? buildVocabulary(extracted, opts) : [];
  const vocabSet = new Set(vocabulary);
  const featureNames = [...SIGNALS.map((s) => `sig:${s.id}`), ...vocabulary];
  const problem = toProblem(
    extracted.map((ex) => featureValues(ex, vocabSet, opts.bowScale)),
    featureNames,
  );
  const fit: FitContext = {
    examples,
    all: examples.map((_, i) => i),
    opts,
    stageProbabilities: new Map(),
  };
  const fields = {} as Record<Field, FieldModel>;
  // Cause last: it reads the other two fields' predictions.
  for (const f of FIELDS) if (f !== 'cause') fields[f] = fitAndCalibrate(fit, f, problem);
  fields.cause = fitAndCalibrate(
    fit,
    'cause',
    opts.stageFeatures ? withStageFeatures(problem, featureNames, fit.stageProbabilities) : problem,
  );
  const ordered = Object.fromEntries(FIELDS.map((f) => [f, fields[f]])) as Record<Field, FieldModel>;

  return {
    format: MODEL_FORMAT,
    vocabulary,
    bowScale: opts.bowScale,
    fields: ordered,
    provenance: `trained on ${examples.length} labeled issues`,
  };
}

/** What fitting each field shares. */
interface FitContext {
  examples: readonly LabeledIssue[];
  /** Every example's index. */
  all: number[];
  opts: TrainOptions;
  /**
   * Out-of-fold probabilities of the symptom and stage labels, per example: what the cause
   * model will see at classification time is a prediction, not the human label, so it is
   * trained on predictions made without the example (stacking).
   */
  stageProbabilities: Map<StageField, number[][]>;
}

/** One field's model: fitted on every example, its temperature from out-of-fold scores. */
function fitAndCalibrate(ctx: FitContext, f: Field, prob: Problem): FieldModel {
  const { examples, all, opts } = ctx;
  const y = examples.map((e) => labelIndex(f, e));
  const fit = fitField(f, prob, all, y, opts);
  const oofScores = outOfFoldScores(ctx, f, prob, y);
  const temperature = oofScores ? fitTemperature(oofScores, y) : 1;
  if ((STAGE_FIELDS as readonly string[]).includes(f)) {
    const scores = oofScores ?? prob.rows.map((row) => scoreOf(fit, row));
    ctx.stageProbabilities.set(
      f as StageField,
      scores.map((s) => calibrated(s.bias, s.evidence, temperature)),
    );
  }

  const labels = [...LABELS_OF[f]] as string[];
  const weights: Record<string, number[]> = {};
  prob.featureNames.forEach((name, j) => {
    const wj = labels.map((_, c) => fit.weights[c][j]);
    // Words whose weights stayed ~0 carry no information; leave them out of the model.
    if (!isWord(name) || wj.some((v) => Math.abs(v) >= 0.005)) weights[name] = wj;
  });
  return { labels, bias: fit.bias, weights, temperature };
}

/** Each example's score by a model fitted without its fold (undefined: too few examples to calibrate). */
function outOfFoldScores(ctx: FitContext, f: Field, prob: Problem, y: number[]): SplitScore[] | undefined {
  const { examples, all, opts } = ctx;
  if (!(opts.calibrationFolds > 1 && examples.length >= 2 * opts.calibrationFolds)) return undefined;
  const fold = groupedFoldAssignment(
    examples.map((e) => ({ group: groupOf(e), stratum: e.labels[f] })),
    opts.calibrationFolds,
    17,
  );
  const oofScores: SplitScore[] = new Array(examples.length);
  for (let k = 0; k < opts.calibrationFolds; k++) {
    const train = all.filter((i) => fold[i] !== k);
    const inner = fitField(
      f,
      prob,
      train,
      train.map((i) => y[i]),
      opts,
    );
    for (const i of all) if (fold[i] === k) oofScores[i] = scoreOf(inner, prob.rows[i]);
  }
  return oofScores;
}

/** The cause's problem: every row gains the out-of-fold stage probabilities as features. */
function withStageFeatures(
  problem: Problem,
  featureNames: string[],
  stageProbabilities: Map<StageField, number[][]>,
): Problem {
  const stageNames = STAGE_FIELDS.flatMap((sf) => LABELS_OF[sf].map((l) => stageFeature(sf, l)));
  return {
    featureNames: [...featureNames, ...stageNames],
    rows: problem.rows.map((row, i) => {
      const index = [...row.index];
      const value = [...row.value];
      let j = featureNames.length;
      for (const sf of STAGE_FIELDS) {
        for (const p of stageProbabilities.get(sf)![i]) {
          if (p > 0) {
            index.push(j);
            value.push(p);
          }
          j++;
        }
      }
      return { index, value };
    }),
  };
}
