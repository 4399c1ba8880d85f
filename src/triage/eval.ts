// `npm run eval:triage`: the triage classifier under nested cross-validation (see nested.ts).
// Usage: node build/triage/eval.js [labeled.jsonl] [--outer K] [--inner J] [--repeats R] [--seed S]
//        [--extra labeled.jsonl] [--no-extra] [--sealed labeled.jsonl] [--rules] [--parts A,B,C,D,S]
//        [--train-options JSON] [--per-label-thresholds]
// The labeled file of the paper's dev split: the first argument, else $CONVGATE_TRIAGE_DATA. It is
// not in the repository (the developers keep it apart); convgate's own labelled files are
// (src/triage/data/). Protocol and figures: docs/triage.md.

import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { classifyWith } from './classify.js';
import { OWN_LABELED_FILES, readLabeledJsonl, sourceTagOf } from './dataset.js';
import { defaultModel } from './default-model.js';
import { fieldMetrics, fieldPrediction, majorityLabel, type Prediction } from './evaluate.js';
import { FIELDS, LABELS_OF, groupOf, type Field, type LabeledIssue } from './labels.js';
import type { TriageModel } from './model.js';
import {
  LABEL_THRESHOLD_MIN_SUPPORT,
  PRECISION_TARGET,
  fitProcedure,
  nestedCrossValidate,
  summarize,
  thresholdsFor,
  type FittedProcedure,
  type NestedResult,
  type Spread,
} from './nested.js';
import { FIELD_THRESHOLDS } from './policy.js';
import { DEFAULT_TRAIN_OPTIONS, rulesOnlyModel, trainModel, type TrainOptions } from './train.js';

const pct = (x: number): string => (Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)}%`);
const pad = (s: string, n: number): string => s.padEnd(n);
const fmt = (s: Spread, asPct = true): string =>
  s.n === 0
    ? 'none applied'
    : asPct
      ? `${(100 * s.mean).toFixed(1)} ± ${(100 * s.sd).toFixed(1)}`
      : `${s.mean.toFixed(3)} ± ${s.sd.toFixed(3)}`;

export interface EvalArgs {
  path: string;
  outer: number;
  inner: number;
  repeats: number;
  seed: number;
  /**
   * Further labeled sets (not the paper's labels). Default: convgate's own labelled files in
   * src/triage/data/ (OWN_LABELED_FILES); `--no-extra` runs on the main file alone.
   */
  extra: string[];
  /** A sealed labeled set, scored once with the final procedure (never used for anything else). */
  sealed?: string;
  /** Evaluate the hand-written rules alone (nothing fitted; thresholds still chosen in-fold). */
  rules: boolean;
  /** Training options of the procedure (experiments; default: DEFAULT_TRAIN_OPTIONS). */
  trainOptions: Partial<TrainOptions>;
  /**
   * Which parts of the report to compute (default: all): A/B paper's labels trained without/with
   * own labels, C/D pooled folds without/with, S the sealed set (with --sealed). Separate
   * processes can compute parts side by side; each part's figures do not depend on the others.
   */
  parts: ReadonlySet<Part>;
  /** Experiment (round 4): thresholds per predicted label as well as per field (nested.ts). */
  perLabelThresholds: boolean;
}

export const PARTS = ['A', 'B', 'C', 'D', 'S'] as const;
export type Part = (typeof PARTS)[number];

function parseParts(value: string | undefined): Set<Part> {
  const parts = (value ?? '').split(',').filter(Boolean);
  const bad = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (parts.length === 0 || bad.length)
    throw new Error(
      `--parts must be a comma-separated subset of ${PARTS.join(',')}${bad.length ? ` (got '${bad.join(',')}')` : ''}`,
    );
  return new Set(parts as Part[]);
}

/** Source tag of the paper's labeled issues. */
export const PAPER = 'paper';

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): EvalArgs {
  const args: EvalArgs = {
    path: env.CONVGATE_TRIAGE_DATA ? resolve(env.CONVGATE_TRIAGE_DATA) : '',
    outer: 5,
    inner: 4,
    repeats: 5,
    seed: 1,
    extra: [],
    rules: false,
    trainOptions: {},
    parts: new Set(PARTS),
    perLabelThresholds: false,
  };
  let noExtra = false;
  const int = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer >= ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--outer') args.outer = int(a, argv[++i], 2);
    else if (a === '--inner') args.inner = int(a, argv[++i], 2);
    else if (a === '--repeats') args.repeats = int(a, argv[++i], 1);
    else if (a === '--seed') args.seed = int(a, argv[++i], 0);
    else if (a === '--extra') args.extra.push(resolve(argv[++i] ?? ''));
    else if (a === '--no-extra') noExtra = true;
    else if (a === '--sealed') args.sealed = resolve(argv[++i] ?? '');
    else if (a === '--rules') args.rules = true;
    else if (a === '--train-options') args.trainOptions = parseTrainOptions(argv[++i]);
    else if (a === '--parts') args.parts = parseParts(argv[++i]);
    else if (a === '--per-label-thresholds') args.perLabelThresholds = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else args.path = resolve(a);
  }
  if (noExtra && args.extra.length) throw new Error('--no-extra and --extra exclude each other');
  if (!noExtra && args.extra.length === 0) args.extra = [...OWN_LABELED_FILES];
  return args;
}

function parseTrainOptions(json: string | undefined): Partial<TrainOptions> {
  let value: unknown;
  try {
    value = JSON.parse(json ?? '');
  } catch {
    throw new Error('--train-options needs a JSON object, e.g. \'{"bowScale":1}\'');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('--train-options needs a JSON object');
  for (const [k, v] of Object.entries(value)) {
    if (!(k in DEFAULT_TRAIN_OPTIONS)) throw new Error(`--train-options: unknown option '${k}'`);
    if (typeof v !== typeof DEFAULT_TRAIN_OPTIONS[k as keyof TrainOptions])
      throw new Error(
        `--train-options: '${k}' must be a ${typeof DEFAULT_TRAIN_OPTIONS[k as keyof TrainOptions]}`,
      );
  }
  return value as Partial<TrainOptions>;
}

function load(path: string, what: string, tag: string): LabeledIssue[] {
  if (!existsSync(path))
    throw new Error(
      `${what} not found at ${path}; give a labeled JSONL file as the first argument or in CONVGATE_TRIAGE_DATA`,
    );
  return readLabeledJsonl(path, tag);
}

/** The procedure under test: model training plus thresholds from inner folds. */
export function procedure(args: EvalArgs, keep: (e: LabeledIssue) => boolean = () => true) {
  const train = (ex: LabeledIssue[]): TriageModel =>
    args.rules ? rulesOnlyModel() : trainModel(ex, args.trainOptions);
  return (trainSet: LabeledIssue[], seed: number): FittedProcedure =>
    fitProcedure(trainSet.filter(keep), {
      train,
      innerFolds: args.inner,
      seed,
      precisionTarget: PRECISION_TARGET,
      perLabel: args.perLabelThresholds,
    });
}

function run(
  examples: LabeledIssue[],
  args: EvalArgs,
  fit: (train: LabeledIssue[], seed: number) => FittedProcedure,
): NestedResult {
  return nestedCrossValidate(examples, {
    outerFolds: args.outer,
    repeats: args.repeats,
    seed: args.seed,
    fit,
  });
}

/**
 * For outer folds over `main` alone: `extra` is added to every outer training set, except the
 * issues tied (same group) to one of the fold's test issues.
 */
export function withAdded(
  main: readonly LabeledIssue[],
  extra: readonly LabeledIssue[],
  fit: (t: LabeledIssue[], s: number) => FittedProcedure,
) {
  return (trainSet: LabeledIssue[], seed: number): FittedProcedure => {
    const inTrain = new Set(trainSet.map((e) => e.id));
    const testGroups = new Set(main.filter((e) => !inTrain.has(e.id)).map(groupOf));
    return fit([...trainSet, ...extra.filter((e) => !testGroups.has(groupOf(e)))], seed);
  };
}

/** The part of a result that concerns some of the examples (e.g. one source). */
function subset(result: NestedResult, keep: readonly number[]): NestedResult {
  return {
    runs: result.runs.map((r) => ({
      predictions: keep.map((i) => r.predictions[i]),
      thresholds: keep.map((i) => r.thresholds[i]),
    })),
    folds: result.folds,
  };
}

function printSummary(title: string, examples: LabeledIssue[], result: NestedResult): void {
  const inFold = summarize(examples, result);
  const shipped = summarize(examples, result, (f) => FIELD_THRESHOLDS[f]);
  console.log(`\n== ${title} ==`);
  console.log(
    `  ${pad('field', 10)} ${pad('accuracy', 12)} ${pad('macro-F1', 14)} | applied labels, thresholds chosen in-fold | at the shipped thresholds (chosen on all data)`,
  );
  console.log(
    `  ${pad('', 10)} ${pad('', 12)} ${pad('', 14)} | ${pad('precision', 14)} ${pad('coverage', 26)} | ${pad('precision', 14)} coverage`,
  );
  for (const f of FIELDS) {
    const s = inFold[f];
    const h = shipped[f];
    console.log(
      `  ${pad(f, 10)} ${pad(fmt(s.accuracy), 12)} ${pad(fmt(s.macroF1, false), 14)} | ${pad(fmt(s.precision), 14)} ${pad(fmt(s.coverage), 26)} | ${pad(fmt(h.precision), 14)} ${fmt(h.coverage)} (t=${FIELD_THRESHOLDS[f]})`,
    );
  }
  const pooled = result.runs.map((r) => {
    let applied = 0;
    let right = 0;
    r.predictions.forEach((p, i) =>
      FIELDS.forEach((f) => {
        if (p[f].backed && p[f].confidence >= r.thresholds[i][f]) {
          applied++;
          if (p[f].label === examples[i].labels[f]) right++;
        }
      }),
    );
    return { precision: applied ? right / applied : NaN, coverage: applied / (3 * r.predictions.length) };
  });
  const pp = pooled.map((x) => x.precision).filter((x) => !Number.isNaN(x));
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  console.log(
    `  all fields, thresholds in-fold: precision ${pct(mean(pp))}, coverage ${pct(mean(pooled.map((x) => x.coverage)))} (means over repeats)`,
  );
  const byField = FIELDS.map((f) => {
    const ts = result.folds.map((k) => k.thresholds[f]);
    const finite = ts.filter(Number.isFinite);
    const never = ts.length - finite.length;
    return `${f} ${finite.length ? `${Math.min(...finite)}–${Math.max(...finite)}` : '–'}${never ? ` (${never} folds: none)` : ''}`;
  });
  console.log(`  thresholds chosen across the ${result.folds.length} outer folds: ${byField.join(', ')}`);
  const majority = FIELDS.map((f) => {
    const m = majorityLabel(examples, f);
    return `${f} ${m} ${pct(examples.filter((e) => e.labels[f] === m).length / examples.length)}`;
  });
  console.log(`  majority-label baseline: ${majority.join(', ')}`);
}

function printConfusions(examples: LabeledIssue[], result: NestedResult): void {
  console.log(
    `\n== Confusion matrices (outer test folds, all ${result.runs.length} repeats summed: each issue counted ${result.runs.length} times) ==`,
  );
  for (const f of FIELDS) {
    const gold = result.runs.flatMap(() => examples.map((e) => e.labels[f]));
    const predicted = result.runs.flatMap((r) => r.predictions.map((p) => p[f].label));
    const m = fieldMetrics(gold, predicted, LABELS_OF[f]);
    const w = Math.max(...m.labels.map((l) => l.length), 9) + 1;
    console.log(`\n  ${f} (rows: human label, columns: predicted)`);
    console.log(`  ${pad('', w)}${m.labels.map((l) => l.slice(0, 9).padStart(10)).join('')}    recall`);
    m.labels.forEach((l, r) =>
      console.log(
        `  ${pad(l, w)}${m.confusion[r].map((c) => String(c).padStart(10)).join('')}    ${pct(m.perLabel[r].recall).padStart(6)}`,
      ),
    );
    console.log(`  ${pad('precision', w)}${m.perLabel.map((p) => pct(p.precision).padStart(10)).join('')}`);
  }
}

/** The most frequent (field, human label → predicted label) errors over all repeats. */
export function errorPatterns(
  examples: readonly LabeledIssue[],
  runs: readonly { predictions: Prediction[] }[],
  top = 5,
): { field: Field; gold: string; predicted: string; count: number; issues: number }[] {
  const counts = new Map<string, { count: number; ids: Set<string> }>();
  for (const r of runs) {
    r.predictions.forEach((p, i) => {
      for (const f of FIELDS) {
        if (p[f].label === examples[i].labels[f]) continue;
        const key = `${f}\t${examples[i].labels[f]}\t${p[f].label}`;
        const c = counts.get(key) ?? { count: 0, ids: new Set<string>() };
        c.count++;
        c.ids.add(examples[i].id);
        counts.set(key, c);
      }
    });
  }
  return [...counts.entries()]
    .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))
    .slice(0, top)
    .map(([key, c]) => {
      const [field, gold, predicted] = key.split('\t');
      return { field: field as Field, gold, predicted, count: c.count, issues: c.ids.size };
    });
}

function printErrorPatterns(examples: LabeledIssue[], result: NestedResult): void {
  const total = result.runs.length * examples.length;
  console.log('\n== The five most common remaining errors (outer test folds, all repeats) ==');
  for (const e of errorPatterns(examples, result.runs)) {
    console.log(
      `  ${pad(e.field, 10)} ${pad(`${e.gold} → ${e.predicted}`, 40)} ${String(e.count).padStart(4)} of ${total} predictions (${e.issues} distinct issues)`,
    );
  }
}

/** The procedure fitted once on all of `train`, scored on `test` (a result with one run). */
function scoreOnce(
  train: LabeledIssue[],
  test: LabeledIssue[],
  fit: (t: LabeledIssue[], s: number) => FittedProcedure,
  seed: number,
): NestedResult {
  const fitted = fit(train, seed);
  const predictions: Prediction[] = test.map((e) => {
    const t = classifyWith(fitted.model, e);
    return {
      symptom: fieldPrediction(t.symptom),
      cause: fieldPrediction(t.cause),
      component: fieldPrediction(t.component),
    };
  });
  return {
    runs: [{ predictions, thresholds: predictions.map((p) => thresholdsFor(fitted, p)) }],
    folds: [{ repeat: 0, fold: 0, testIds: test.map((e) => e.id), thresholds: fitted.thresholds }],
  };
}

function printTiming(examples: LabeledIssue[], seconds: number): void {
  const model = defaultModel();
  const t0 = performance.now();
  for (const e of examples) classifyWith(model, { title: e.title, body: e.body });
  const ms = (performance.now() - t0) / examples.length;
  console.log(
    `\nTiming: shipped model ${ms.toFixed(2)} ms per issue (incl. JIT warm-up); the protocol took ${seconds.toFixed(1)} s.`,
  );
}

interface Loaded {
  examples: LabeledIssue[];
  extra: LabeledIssue[];
  sealed: LabeledIssue[];
}

function loadAll(args: EvalArgs): Loaded {
  if (!args.path)
    throw new Error(
      "no labeled data: give the paper's labeled JSONL (e.g. its dev split) as the first argument or in CONVGATE_TRIAGE_DATA",
    );
  const examples = load(args.path, 'labeled data', PAPER);
  const extra = args.extra.flatMap((p) => load(p, 'extra labeled data', sourceTagOf(p)));
  const sealed = args.sealed ? load(args.sealed, 'sealed labeled data', sourceTagOf(args.sealed)) : [];
  if (examples.length < args.outer * args.inner)
    throw new Error(
      `${examples.length} labeled issues are too few for ${args.outer} outer × ${args.inner} inner folds`,
    );
  const seen = new Map(examples.map((e) => [e.id, args.path]));
  for (const [set, what] of [
    [extra, 'extra'],
    [sealed, 'sealed'],
  ] as const) {
    for (const e of set) {
      const where = seen.get(e.id);
      if (where) throw new Error(`${what} labeled issue ${e.id} is also in ${where}`);
      seen.set(e.id, `the ${what} data`);
    }
  }
  return { examples, extra, sealed };
}

function printProtocol(args: EvalArgs, loaded: Loaded): void {
  const { examples, extra } = loaded;
  console.log(`Triage classifier evaluation: ${args.path}`);
  console.log(
    `${examples.length} issues with the paper's labels; ${extra.length} with convgate's own labels (${args.extra.map((p) => basename(p)).join(', ') || 'none'}). Input = title + description (the text before the first '--- comment ---').`,
  );
  console.log(
    `Protocol: nested cross-validation, ${args.repeats} repeats × (${args.outer} outer × ${args.inner} inner folds), stratified by symptom/component, near-duplicate groups kept in one fold, seeds ${args.seed}..${args.seed + args.repeats - 1}.`,
  );
  console.log(
    `  Each outer test fold is scored by a model AND per-field thresholds fitted on the other outer folds only; thresholds are the lowest grid value from which precision on the inner folds' out-of-fold predictions stays >= ${PRECISION_TARGET * 100}%.`,
  );
  console.log(
    '  Figures: mean ± standard deviation over the repeats, in % (macro-F1 as a fraction). A 100-issue sample adds ±4–5 points of its own (binomial).',
  );
  if (args.parts.size < PARTS.length) console.log(`  Parts computed: ${[...args.parts].join(', ')}.`);
  console.log(
    `  Model: ${args.rules ? 'hand-written rules alone (nothing fitted)' : `trainModel (signals + fitted weights)${Object.keys(args.trainOptions).length ? `, options ${JSON.stringify(args.trainOptions)}` : ''}`}.`,
  );
  if (args.perLabelThresholds)
    console.log(
      `  Thresholds: per field, and per predicted label for labels with >= ${LABEL_THRESHOLD_MIN_SUPPORT} inner out-of-fold predictions (experiment, round 4).`,
    );
}

/** Nested CV on the paper's labels alone, trained without and with convgate's own labels. */
function evaluatePaperFolds(args: EvalArgs, { examples, extra }: Loaded): void {
  if (args.parts.has('A')) {
    const without = run(examples, args, procedure(args));
    printSummary("A. Paper's labels (dev), trained on the paper's labels only", examples, without);
    printConfusions(examples, without);
    printErrorPatterns(examples, without);
  }
  if (!extra.length || !args.parts.has('B')) return;
  const withOwn = run(examples, args, withAdded(examples, extra, procedure(args)));
  printSummary(
    `B. Paper's labels (dev), the ${extra.length} own-labelled issues added to every outer training set (same test folds)`,
    examples,
    withOwn,
  );
  printConfusions(examples, withOwn);
  printErrorPatterns(examples, withOwn);
}

/** Nested CV on the pooled labels (groups kept in one fold), trained without and with own labels. */
function evaluatePooled(args: EvalArgs, { examples, extra }: Loaded): void {
  if (!extra.length) return;
  const pooled = [...examples, ...extra];
  const paperIdx = pooled.flatMap((e, i) => (e.source === PAPER ? [i] : []));
  const ownIdx = pooled.flatMap((e, i) => (e.source !== PAPER ? [i] : []));
  const report = (name: string, result: NestedResult): void => {
    printSummary(`${name}: all ${pooled.length} test issues`, pooled, result);
    printSummary(
      `${name}: the ${paperIdx.length} paper-labelled test issues`,
      paperIdx.map((i) => pooled[i]),
      subset(result, paperIdx),
    );
    printSummary(
      `${name}: the ${ownIdx.length} own-labelled test issues`,
      ownIdx.map((i) => pooled[i]),
      subset(result, ownIdx),
    );
  };
  if (args.parts.has('C')) {
    const without = run(
      pooled,
      args,
      procedure(args, (e) => e.source === PAPER),
    );
    report("C. Pooled folds, trained on the paper's labels only", without);
  }
  if (!args.parts.has('D')) return;
  const withOwn = run(pooled, args, procedure(args));
  report('D. Pooled folds, trained on all labels of the training folds', withOwn);
  printConfusions(pooled, withOwn);
  printErrorPatterns(pooled, withOwn);
}

/** The sealed set: the final procedure fitted once on everything else, scored once. */
function evaluateSealed(args: EvalArgs, { examples, extra, sealed }: Loaded): void {
  if (!sealed.length || !args.parts.has('S')) return;
  const trainGroups = new Set([...examples, ...extra].map(groupOf));
  const fresh = sealed.flatMap((e, i) => (trainGroups.has(groupOf(e)) ? [] : [i]));
  const report = (name: string, result: NestedResult): void => {
    printSummary(`${name}: all ${sealed.length} sealed issues`, sealed, result);
    if (fresh.length < sealed.length)
      printSummary(
        `${name}: the ${fresh.length} sealed issues with no near-duplicate in training`,
        fresh.map((i) => sealed[i]),
        subset(result, fresh),
      );
  };
  report(
    "S1. Sealed set, trained on the paper's labels only",
    scoreOnce(examples, sealed, procedure(args), args.seed),
  );
  if (extra.length) {
    const all = scoreOnce([...examples, ...extra], sealed, procedure(args), args.seed);
    report('S2. Sealed set, trained on all labels (the shipped procedure)', all);
    printConfusions(sealed, all);
    printErrorPatterns(sealed, all);
  }
}

export function main(argv: string[]): number {
  let args: EvalArgs;
  let loaded: Loaded;
  try {
    args = parseArgs(argv);
    loaded = loadAll(args);
  } catch (e) {
    console.error(`eval:triage: ${(e as Error).message}`);
    return 2;
  }
  printProtocol(args, loaded);
  const started = performance.now();
  evaluatePaperFolds(args, loaded);
  evaluatePooled(args, loaded);
  evaluateSealed(args, loaded);
  printTiming(loaded.examples, (performance.now() - started) / 1000);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
