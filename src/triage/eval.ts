// `npm run eval:triage`: the triage classifier under nested cross-validation (see nested.ts).
// Usage: node build/triage/eval.js [labeled.jsonl] [--outer K] [--inner J] [--repeats R] [--seed S]
//        [--extra labeled.jsonl] [--rules]
// The labeled file: the first argument, else $CONVGATE_TRIAGE_DATA, else the developers' dev
// split (../shared/data/triage/dev.jsonl next to the repository), which users do not have.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { classifyWith } from './classify.js';
import { readLabeledJsonl } from './dataset.js';
import { defaultModel } from './default-model.js';
import { fieldMetrics, fieldPrediction, majorityLabel, type Prediction } from './evaluate.js';
import { FIELDS, LABELS_OF, type Field, type LabeledIssue } from './labels.js';
import {
  PRECISION_TARGET,
  fitProcedure,
  nestedCrossValidate,
  summarize,
  type NestedResult,
  type Spread,
} from './nested.js';
import { FIELD_THRESHOLDS } from './policy.js';
import { rulesOnlyModel, trainModel } from './train.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_DATA = resolve(REPO_ROOT, '../shared/data/triage/dev.jsonl');

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
  /** A further labeled set (not the paper's): reported both as extra training data and as a test set. */
  extra?: string;
  /** Evaluate the hand-written rules alone (nothing fitted; thresholds still chosen in-fold). */
  rules: boolean;
}

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): EvalArgs {
  const args: EvalArgs = {
    path: env.CONVGATE_TRIAGE_DATA ? resolve(env.CONVGATE_TRIAGE_DATA) : DEFAULT_DATA,
    outer: 5,
    inner: 4,
    repeats: 5,
    seed: 1,
    rules: false,
  };
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
    else if (a === '--extra') args.extra = resolve(argv[++i] ?? '');
    else if (a === '--rules') args.rules = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else args.path = resolve(a);
  }
  return args;
}

function load(path: string, what: string): LabeledIssue[] {
  if (!existsSync(path))
    throw new Error(
      `${what} not found at ${path}; give a labeled JSONL file as the first argument or in CONVGATE_TRIAGE_DATA`,
    );
  return readLabeledJsonl(path);
}

const trainOf =
  (rules: boolean, extra: readonly LabeledIssue[]) =>
  (ex: LabeledIssue[]): ReturnType<typeof trainModel> =>
    rules ? rulesOnlyModel() : trainModel([...ex, ...extra]);

function run(examples: LabeledIssue[], args: EvalArgs, extra: LabeledIssue[] = []): NestedResult {
  const train = trainOf(args.rules, extra);
  return nestedCrossValidate(examples, {
    outerFolds: args.outer,
    repeats: args.repeats,
    seed: args.seed,
    fit: (trainSet, seed) =>
      fitProcedure(trainSet, { train, innerFolds: args.inner, seed, precisionTarget: PRECISION_TARGET }),
  });
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

/** Trained on all of `train` (thresholds from its inner CV), scored on `test`. */
function printExternal(title: string, train: LabeledIssue[], test: LabeledIssue[], args: EvalArgs): void {
  const fitted = fitProcedure(train, {
    train: trainOf(args.rules, []),
    innerFolds: args.inner,
    seed: args.seed,
    precisionTarget: PRECISION_TARGET,
  });
  const predictions: Prediction[] = test.map((e) => {
    const t = classifyWith(fitted.model, { title: e.title, body: e.body });
    return {
      symptom: fieldPrediction(t.symptom),
      cause: fieldPrediction(t.cause),
      component: fieldPrediction(t.component),
    };
  });
  const result: NestedResult = {
    runs: [{ predictions, thresholds: test.map(() => fitted.thresholds) }],
    folds: [{ repeat: 0, fold: 0, testIds: test.map((e) => e.id), thresholds: fitted.thresholds }],
  };
  printSummary(title, test, result);
  printConfusions(test, result);
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

export function main(argv: string[]): number {
  let args: EvalArgs;
  let examples: LabeledIssue[];
  let extra: LabeledIssue[] = [];
  try {
    args = parseArgs(argv);
    examples = load(args.path, 'labeled data');
    if (args.extra) extra = load(args.extra, 'extra labeled data');
    if (examples.length < args.outer * args.inner)
      throw new Error(
        `${examples.length} labeled issues are too few for ${args.outer} outer × ${args.inner} inner folds`,
      );
    const seen = new Set(examples.map((e) => e.id));
    const dup = extra.find((e) => seen.has(e.id));
    if (dup) throw new Error(`extra labeled issue ${dup.id} is also in ${args.path}`);
  } catch (e) {
    console.error(`eval:triage: ${(e as Error).message}`);
    return 2;
  }
  console.log(`Triage classifier evaluation: ${args.path}`);
  console.log(
    `${examples.length} labeled issues; input = title + description (the text before the first '--- comment ---').`,
  );
  console.log(
    `Protocol: nested cross-validation, ${args.repeats} repeats × (${args.outer} outer × ${args.inner} inner folds), stratified by symptom/component, seeds ${args.seed}..${args.seed + args.repeats - 1}.`,
  );
  console.log(
    `  Each outer test fold is scored by a model AND per-field thresholds fitted on the other outer folds only; thresholds are the lowest grid value from which precision on the inner folds' out-of-fold predictions stays >= ${PRECISION_TARGET * 100}%.`,
  );
  console.log(
    '  Figures: mean ± standard deviation over the repeats, in % (macro-F1 as a fraction). A 100-issue sample adds ±4–5 points of its own (binomial).',
  );
  console.log(
    `  Model: ${args.rules ? 'hand-written rules alone (nothing fitted)' : 'trainModel (signals + fitted weights)'}.`,
  );
  const started = performance.now();
  const result = run(examples, args);
  printSummary('Without extra data', examples, result);
  printConfusions(examples, result);
  printErrorPatterns(examples, result);
  if (extra.length) {
    const withExtra = run(examples, args, extra);
    printSummary(
      `With the ${extra.length} extra labeled issues added to every outer training set (scored on the same outer test folds)`,
      examples,
      withExtra,
    );
    printErrorPatterns(examples, withExtra);
    printExternal(
      `The ${extra.length} extra labeled issues as a test set (trained on all ${examples.length} issues of the main file)`,
      examples,
      extra,
      args,
    );
  }
  printTiming(examples, (performance.now() - started) / 1000);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
