// `npm run eval:triage`: cross-validated figures of the triage classifier on labeled issues.
// Usage: node build/triage/eval.js [labeled.jsonl] [--folds N] [--seed S] [--repeats R] [--ablation]
// Default file: ../shared/data/triage/dev.jsonl relative to the repo root.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { classifyWith } from './classify.js';
import { DEFAULT_CONFIDENCE_THRESHOLD, FIELD_CONFIDENCE_THRESHOLDS } from './config.js';
import { readLabeledJsonl } from './dataset.js';
import { defaultModel } from './default-model.js';
import {
  THRESHOLD_GRID,
  chooseThreshold,
  crossValidate,
  expectedCalibrationError,
  fieldMetrics,
  thresholdRow,
  type CrossValidation,
} from './evaluate.js';
import { FIELDS, LABELS_OF, type Field, type LabeledIssue } from './labels.js';
import type { TriageModel } from './model.js';
import { rulesOnlyModel, trainModel, type TrainOptions } from './train.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_DEV = resolve(REPO_ROOT, '../shared/data/triage/dev.jsonl');
const PRECISION_TARGET = 0.9;

const pct = (x: number): string => (Number.isNaN(x) ? '    –' : `${(100 * x).toFixed(1)}%`.padStart(6));
const pad = (s: string, n: number): string => s.padEnd(n);

interface Args {
  path: string;
  folds: number;
  seed: number;
  /** Cross-validation is repeated with seeds seed..seed+repeats-1 and the predictions pooled. */
  repeats: number;
  ablation: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { path: DEFAULT_DEV, folds: 10, seed: 1, repeats: 3, ablation: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--folds') args.folds = Number(argv[++i]);
    else if (a === '--seed') args.seed = Number(argv[++i]);
    else if (a === '--repeats') args.repeats = Number(argv[++i]);
    else if (a === '--ablation') args.ablation = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else args.path = resolve(a);
  }
  if (!Number.isInteger(args.folds) || args.folds < 2) throw new Error('--folds must be an integer >= 2');
  if (!Number.isInteger(args.seed)) throw new Error('--seed must be an integer');
  if (!Number.isInteger(args.repeats) || args.repeats < 1)
    throw new Error('--repeats must be an integer >= 1');
  return args;
}

type Scored = { confidence: number; correct: boolean; label: string };

/** Several cross-validation runs as one: examples repeated once per run, predictions concatenated. */
function poolRuns(
  examples: readonly LabeledIssue[],
  runs: CrossValidation[],
): { examples: LabeledIssue[]; cv: CrossValidation } {
  return {
    examples: runs.flatMap(() => examples),
    cv: { ...runs[0], predictions: runs.flatMap((r) => r.predictions) },
  };
}

function scored(examples: readonly LabeledIssue[], cv: CrossValidation, field: Field): Scored[] {
  return cv.predictions.map((p, i) => ({
    confidence: p[field].confidence,
    correct: p[field].label === examples[i].labels[field],
    label: p[field].label,
  }));
}

function metricsOf(examples: readonly LabeledIssue[], field: Field, predicted: string[]) {
  return fieldMetrics(
    examples.map((e) => e.labels[field]),
    predicted,
    LABELS_OF[field],
  );
}

function printConfusion(field: Field, gold: string[], predicted: string[]): void {
  const m = fieldMetrics(gold, predicted, LABELS_OF[field]);
  const w = Math.max(...m.labels.map((l) => l.length), 9) + 1;
  console.log(`\n  ${field} (rows: human label, columns: predicted)`);
  console.log(`  ${pad('', w)}${m.labels.map((l) => l.slice(0, 9).padStart(10)).join('')}    recall`);
  m.labels.forEach((l, r) => {
    console.log(
      `  ${pad(l, w)}${m.confusion[r].map((c) => String(c).padStart(10)).join('')}    ${pct(m.perLabel[r].recall)}`,
    );
  });
  console.log(`  ${pad('precision', w)}${m.perLabel.map((p) => pct(p.precision).padStart(10)).join('')}`);
}

/** Share of issues that get each label of a field, or needs-triage, at a threshold. */
function labelShares(items: Scored[], field: Field, threshold: number): string {
  const share = new Map<string, number>();
  for (const it of items) {
    const key = it.confidence >= threshold ? it.label : 'needs-triage';
    share.set(key, (share.get(key) ?? 0) + 1);
  }
  return [...LABELS_OF[field], 'needs-triage']
    .filter((l) => share.has(l))
    .map((l) => `${l} ${pct(share.get(l)! / items.length).trim()}`)
    .join(', ');
}

function printAccuracyTable(examples: LabeledIssue[], cv: CrossValidation, rules: TriageModel): void {
  const rulesPred = examples.map((e) => classifyWith(rules, { title: e.title, body: e.body }));
  console.log('\n== Accuracy and macro-F1 (cross-validated) beside the majority-class baseline ==');
  console.log(
    `  ${pad('field', 10)} ${pad('accuracy', 9)} ${pad('macro-F1', 9)}| ${pad('majority label', 16)} ${pad('accuracy', 9)} ${pad('macro-F1', 9)}| rules alone: accuracy  macro-F1`,
  );
  for (const f of FIELDS) {
    const m = metricsOf(
      examples,
      f,
      cv.predictions.map((p) => p[f].label),
    );
    const b = metricsOf(
      examples,
      f,
      examples.map(() => cv.majority[f]),
    );
    const r = metricsOf(
      examples,
      f,
      rulesPred.map((t) => t[f].label),
    );
    console.log(
      `  ${pad(f, 10)} ${pad(pct(m.accuracy), 9)} ${pad(m.macroF1.toFixed(3), 9)}| ${pad(cv.majority[f], 16)} ${pad(pct(b.accuracy), 9)} ${pad(b.macroF1.toFixed(3), 9)}| ${pad(pct(r.accuracy), 21)} ${r.macroF1.toFixed(3)}`,
    );
  }
  console.log(
    '  macro-F1 averages the labels present in the human labels or the predictions. "Rules alone" is the',
  );
  console.log(
    '  hand-written signals with their prior weights, nothing fitted (not cross-validated: nothing to fit).',
  );
}

function printAblation(examples: LabeledIssue[], args: Args): void {
  // One repeat only: the ablation is a rough comparison.
  const variants: [string, Partial<TrainOptions>][] = [
    ['+ learned word weights (bag of words, scale 1)', { bowScale: 1 }],
    ['+ learned word weights (bag of words, scale 2)', { bowScale: 2 }],
    ['+ learned words, strongly regularised (lambda 5)', { bowScale: 1, lambdaWord: 5 }],
    ['signals pulled weakly to their priors (lambda 2)', { lambdaSignal: 2 }],
    ['cause also reads predicted symptom and stage', { stageFeatures: true }],
  ];
  console.log('\n== Ablation (cross-validated accuracy / macro-F1) ==');
  for (const [name, opts] of variants) {
    const cv = crossValidate(examples, (train) => trainModel(train, opts), args.folds, args.seed);
    const cells = FIELDS.map((f) => {
      const m = metricsOf(
        examples,
        f,
        cv.predictions.map((p) => p[f].label),
      );
      return `${f} ${pct(m.accuracy)} ${m.macroF1.toFixed(3)}`;
    });
    console.log(`  ${pad(name, 50)} ${cells.join(' | ')}`);
  }
}

function printThresholds(examples: LabeledIssue[], cv: CrossValidation): void {
  const perField = Object.fromEntries(FIELDS.map((f) => [f, scored(examples, cv, f)])) as Record<
    Field,
    Scored[]
  >;
  const pooled = FIELDS.flatMap((f) => perField[f]);

  console.log('\n== Calibration of the confidence (cross-validated) ==');
  for (const f of FIELDS) {
    const items = perField[f];
    const meanConf = items.reduce((a, it) => a + it.confidence, 0) / items.length;
    const acc = items.filter((it) => it.correct).length / items.length;
    console.log(
      `  ${pad(f, 10)} mean confidence ${pct(meanConf)}   accuracy ${pct(acc)}   expected calibration error ${expectedCalibrationError(items).toFixed(3)}`,
    );
  }

  console.log('\n== Precision / coverage by confidence threshold (cross-validated) ==');
  console.log(
    `  threshold | pooled: precision coverage | ${FIELDS.map((f) => pad(`${f}: precision coverage`, 30)).join('')}`,
  );
  for (const t of THRESHOLD_GRID) {
    const row = thresholdRow(pooled, t);
    const cells = FIELDS.map((f) => {
      const r = thresholdRow(perField[f], t);
      return pad(`${pct(r.precision).padStart(f.length + 11)} ${pct(r.coverage).padStart(8)}`, 30);
    });
    console.log(
      `  ${t.toFixed(2).padStart(9)} | ${pct(row.precision).padStart(17)} ${pct(row.coverage).padStart(8)} | ${cells.join('')}`,
    );
  }
  const suggested = chooseThreshold(pooled, PRECISION_TARGET);
  const perFieldSuggested = FIELDS.map(
    (f) => `${f} ${chooseThreshold(perField[f], PRECISION_TARGET) ?? 'none'}`,
  );
  console.log(
    `  Lowest threshold from which precision stays >= ${PRECISION_TARGET * 100}% at every higher threshold:`,
  );
  console.log(
    `    pooled over the fields: ${suggested ?? 'none on the grid'} (DEFAULT_CONFIDENCE_THRESHOLD = ${DEFAULT_CONFIDENCE_THRESHOLD})`,
  );
  console.log(
    `    per field: ${perFieldSuggested.join(', ')} (FIELD_CONFIDENCE_THRESHOLDS = ${JSON.stringify(FIELD_CONFIDENCE_THRESHOLDS)})`,
  );

  const report = (title: string, thresholdOf: (f: Field) => number): void => {
    const applied = FIELDS.flatMap((f) => perField[f].filter((it) => it.confidence >= thresholdOf(f)));
    const right = applied.filter((it) => it.correct).length;
    console.log(`\n== ${title} (cross-validated) ==`);
    console.log(
      `  all fields: precision ${pct(right / applied.length).trim()}, coverage ${pct(applied.length / pooled.length).trim()} (${applied.length} of ${pooled.length} labels applied)`,
    );
    for (const f of FIELDS) {
      const r = thresholdRow(perField[f], thresholdOf(f));
      console.log(
        `  ${pad(f, 10)} t=${thresholdOf(f).toFixed(2)} precision ${pct(r.precision)}, coverage ${pct(r.coverage)} | ${labelShares(perField[f], f, thresholdOf(f))}`,
      );
    }
    const left = cv.predictions.filter((p) => FIELDS.some((f) => p[f].confidence < thresholdOf(f))).length;
    console.log(
      `  issues with at least one field left to a human: ${pct(left / cv.predictions.length).trim()}`,
    );
  };
  report(
    `At DEFAULT_CONFIDENCE_THRESHOLD = ${DEFAULT_CONFIDENCE_THRESHOLD}`,
    () => DEFAULT_CONFIDENCE_THRESHOLD,
  );
  report('At FIELD_CONFIDENCE_THRESHOLDS', (f) => FIELD_CONFIDENCE_THRESHOLDS[f]);
}

function printTiming(examples: LabeledIssue[], cvSeconds: number): void {
  // Timing only: the shipped model's accuracy on this file would be training accuracy.
  const model = defaultModel();
  const classifyAll = (): number[] =>
    examples.map((e) => {
      const t0 = performance.now();
      classifyWith(model, { title: e.title, body: e.body });
      return performance.now() - t0;
    });
  const cold = classifyAll(); // first pass includes JIT warm-up
  const cpuStart = process.cpuUsage();
  const warm = classifyAll().sort((a, b) => a - b);
  const cpu = process.cpuUsage(cpuStart);
  // CPU time is immune to other processes sharing the machine; wall-clock times are not.
  const cpuMsPerIssue = (cpu.user + cpu.system) / 1000 / examples.length;
  const huge = 'x = torch.randn(1, 3)  # filler line of a pasted log\n'.repeat(40_000);
  const t0 = performance.now();
  classifyWith(model, { title: 'export hangs on a huge log', body: huge });
  const hugeMs = performance.now() - t0;
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log('\n== Timing (shipped default model, this machine) ==');
  console.log(
    `  per issue: mean ${mean(warm).toFixed(2)} ms, p95 ${warm[Math.floor(0.95 * (warm.length - 1))].toFixed(2)} ms, ` +
      `max ${warm[warm.length - 1].toFixed(2)} ms (first pass, with JIT warm-up: mean ${mean(cold).toFixed(2)} ms, ` +
      `max ${Math.max(...cold).toFixed(2)} ms); a ${(huge.length / 1e6).toFixed(1)} MB body: ${hugeMs.toFixed(2)} ms.`,
  );
  console.log(`  CPU time per issue (second pass): ${cpuMsPerIssue.toFixed(2)} ms.`);
  console.log(`  Cross-validation (all repeats, including training) took ${cvSeconds.toFixed(1)} s.`);
}

export function main(argv: string[]): number {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    console.error(`eval:triage: ${(e as Error).message}`);
    return 2;
  }
  if (!existsSync(args.path)) {
    console.error(
      `eval:triage: labeled data not found at ${args.path}\n` +
        '  The dev set lives outside the repo (../shared/data/triage/dev.jsonl); pass another labeled JSONL as the first argument.',
    );
    return 2;
  }
  let examples: LabeledIssue[];
  try {
    examples = readLabeledJsonl(args.path);
  } catch (e) {
    console.error(`eval:triage: ${(e as Error).message}`);
    return 2;
  }
  if (examples.length < args.folds) {
    console.error(
      `eval:triage: ${examples.length} labeled issues are too few for ${args.folds}-fold cross-validation`,
    );
    return 2;
  }

  console.log(`Triage classifier evaluation: ${args.path}`);
  console.log(
    `${examples.length} labeled issues; input = title + description (the text before the first '--- comment ---').`,
  );
  console.log(
    'Labels: Jajal et al., ISSTA 2024 (arXiv:2303.17708), artifact pjjajal/ONNX-Failure-Analysis, CC BY 4.0.',
  );
  console.log(
    `Method: ${args.folds}-fold cross-validation stratified by symptom/component (seed ${args.seed}): for each fold a fresh ` +
      'model (weights and temperature) is trained on the other folds only, so no figure below is training accuracy.',
  );

  console.log(
    `Repeats: ${args.repeats} (seeds ${args.seed}..${args.seed + args.repeats - 1}); figures pool the ${args.repeats} × ${examples.length} ` +
      'out-of-fold predictions (accuracy = mean over repeats), except the confusion matrices (first repeat).',
  );

  const started = performance.now();
  const runs = Array.from({ length: args.repeats }, (_, r) =>
    crossValidate(examples, (train) => trainModel(train), args.folds, args.seed + r),
  );
  const cvSeconds = (performance.now() - started) / 1000;
  const pooled = poolRuns(examples, runs);

  printAccuracyTable(pooled.examples, pooled.cv, rulesOnlyModel());
  if (args.ablation) printAblation(examples, args);
  console.log(`\n== Confusion matrices (cross-validated, seed ${args.seed}) ==`);
  for (const f of FIELDS) {
    printConfusion(
      f,
      examples.map((e) => e.labels[f]),
      runs[0].predictions.map((p) => p[f].label),
    );
  }
  printThresholds(pooled.examples, pooled.cv);
  printTiming(examples, cvSeconds);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
