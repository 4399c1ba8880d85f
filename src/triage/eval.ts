// `npm run eval:triage` — cross-validated figures of the triage classifier on labeled issues.
// Usage: node build/triage/eval.js [labeled.jsonl] [--folds N] [--seed S]
// Default file: ../shared/data/triage/dev.jsonl relative to the repo root.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { classifyWith } from './classify.js';
import { DEFAULT_CONFIDENCE_THRESHOLD } from './config.js';
import { readLabeledJsonl } from './dataset.js';
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
import { defaultModel } from './default-model.js';
import { rulesOnlyModel, trainModel } from './train.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_DEV = resolve(REPO_ROOT, '../shared/data/triage/dev.jsonl');
const PRECISION_TARGET = 0.9;

const pct = (x: number): string => (Number.isNaN(x) ? '   –  ' : `${(100 * x).toFixed(1).padStart(5)}%`);
const pad = (s: string, n: number): string => s.padEnd(n);

interface Args {
  path: string;
  folds: number;
  seed: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { path: DEFAULT_DEV, folds: 10, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--folds') args.folds = Number(argv[++i]);
    else if (a === '--seed') args.seed = Number(argv[++i]);
    else args.path = resolve(a);
  }
  if (!Number.isInteger(args.folds) || args.folds < 2) throw new Error('--folds must be an integer >= 2');
  if (!Number.isInteger(args.seed)) throw new Error('--seed must be an integer');
  return args;
}

function correctness(examples: readonly LabeledIssue[], cv: CrossValidation, field: Field) {
  return cv.predictions.map((p, i) => ({ confidence: p[field].confidence, correct: p[field].label === examples[i].labels[field] }));
}

function printConfusion(field: Field, gold: string[], predicted: string[]): void {
  const m = fieldMetrics(gold, predicted, LABELS_OF[field]);
  const w = Math.max(...m.labels.map((l) => l.length), 6) + 1;
  console.log(`\n  ${field} (rows: human label, columns: predicted)`);
  console.log(`  ${pad('', w)}${m.labels.map((l) => l.slice(0, 9).padStart(10)).join('')}   recall`);
  m.labels.forEach((l, r) => {
    const recall = m.perLabel[r].recall;
    console.log(`  ${pad(l, w)}${m.confusion[r].map((c) => String(c).padStart(10)).join('')}   ${pct(recall)}`);
  });
  console.log(`  ${pad('precision', w)}${m.perLabel.map((p) => pct(p.precision).padStart(10)).join('')}`);
}

function main(argv: string[]): number {
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
        '  The dev set lives outside the repo (../shared/data/triage/dev.jsonl); pass another path as the first argument.',
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

  console.log(`Triage classifier evaluation: ${args.path}`);
  console.log(`${examples.length} labeled issues; input = title + description (text before the first '--- comment ---').`);
  console.log('Labels: Jajal et al., ISSTA 2024 (arXiv:2303.17708), artifact pjjajal/ONNX-Failure-Analysis, CC BY 4.0.');
  console.log(
    `Method: ${args.folds}-fold cross-validation (stratified by symptom/component, seed ${args.seed}); a fresh model is ` +
      'trained on the other folds for each fold, so no figure below is training accuracy.',
  );

  const started = performance.now();
  const cv = crossValidate(examples, (train) => trainModel(train), args.folds, args.seed);
  const cvSeconds = (performance.now() - started) / 1000;
  // The rules alone (no learning from data) need no cross-validation: nothing is fitted.
  const rules = rulesOnlyModel();
  const rulesPred = examples.map((e) => classifyWith(rules, { title: e.title, body: e.body }));

  console.log('\n== Accuracy and macro-F1 (cross-validated) beside the majority-class baseline ==');
  console.log(`  ${pad('field', 10)} ${pad('model acc', 10)} ${pad('macro-F1', 9)} | ${pad('majority acc', 13)}${pad('macro-F1', 9)}${pad('(label)', 20)} | rules-only acc  macro-F1`);
  for (const f of FIELDS) {
    const gold = examples.map((e) => e.labels[f]);
    const m = fieldMetrics(gold, cv.predictions.map((p) => p[f].label), LABELS_OF[f]);
    const majorityPred = cv.majority.map((b) => b[f]);
    const b = fieldMetrics(gold, majorityPred, LABELS_OF[f]);
    const r = fieldMetrics(gold, rulesPred.map((t) => t[f].label), LABELS_OF[f]);
    const majorityName = [...new Set(majorityPred)].join('/');
    console.log(
      `  ${pad(f, 10)} ${pad(pct(m.accuracy), 10)} ${pad(m.macroF1.toFixed(3), 9)} | ${pad(pct(b.accuracy), 13)}${pad(b.macroF1.toFixed(3), 9)}${pad(`(${majorityName})`, 20)} | ${pad(pct(r.accuracy), 15)} ${r.macroF1.toFixed(3)}`,
    );
  }
  console.log('  (macro-F1 averages the labels present in the human labels or the predictions)');

  console.log('\n== Confusion matrices (cross-validated) ==');
  for (const f of FIELDS) {
    printConfusion(
      f,
      examples.map((e) => e.labels[f]),
      cv.predictions.map((p) => p[f].label),
    );
  }

  console.log('\n== Calibration of the confidence (cross-validated) ==');
  for (const f of FIELDS) {
    const items = correctness(examples, cv, f);
    const meanConf = items.reduce((a, it) => a + it.confidence, 0) / items.length;
    const acc = items.filter((it) => it.correct).length / items.length;
    console.log(`  ${pad(f, 10)} mean confidence ${pct(meanConf)}  accuracy ${pct(acc)}  ECE ${expectedCalibrationError(items).toFixed(3)}`);
  }

  const pooled = FIELDS.flatMap((f) => correctness(examples, cv, f));
  console.log('\n== Precision / coverage by confidence threshold (cross-validated) ==');
  console.log(`  threshold | pooled: precision coverage | ${FIELDS.map((f) => pad(`${f}: prec  cov`, 22)).join('')}`);
  for (const t of THRESHOLD_GRID) {
    const row = thresholdRow(pooled, t);
    const perField = FIELDS.map((f) => {
      const r = thresholdRow(correctness(examples, cv, f), t);
      return pad(`${pct(r.precision)} ${pct(r.coverage)}`, 22);
    });
    console.log(`  ${t.toFixed(2).padStart(9)} | ${pct(row.precision).padStart(17)} ${pct(row.coverage).padStart(8)} | ${perField.join('')}`);
  }
  const suggested = chooseThreshold(pooled, PRECISION_TARGET);
  console.log(
    `  Lowest threshold from which pooled precision stays >= ${PRECISION_TARGET * 100}%: ${suggested ?? 'none on the grid'}` +
      `; the app's DEFAULT_CONFIDENCE_THRESHOLD is ${DEFAULT_CONFIDENCE_THRESHOLD}.`,
  );

  const t = DEFAULT_CONFIDENCE_THRESHOLD;
  const atDefault = thresholdRow(pooled, t);
  console.log(`\n== At the default threshold ${t} (cross-validated) ==`);
  console.log(`  all fields: precision ${pct(atDefault.precision)}, coverage ${pct(atDefault.coverage)} (${atDefault.applied} of ${pooled.length} labels applied)`);
  for (const f of FIELDS) {
    const r = thresholdRow(correctness(examples, cv, f), t);
    const share = new Map<string, number>();
    for (const p of cv.predictions) {
      const key = p[f].confidence >= t ? p[f].label : 'needs-triage';
      share.set(key, (share.get(key) ?? 0) + 1);
    }
    const parts = [...LABELS_OF[f], 'needs-triage']
      .filter((l) => share.has(l))
      .map((l) => `${l} ${pct(share.get(l)! / examples.length).trim()}`);
    console.log(`  ${pad(f, 10)} precision ${pct(r.precision)}, coverage ${pct(r.coverage)} | ${parts.join(', ')}`);
  }
  const anyNeeds = cv.predictions.filter((p) => FIELDS.some((f) => p[f].confidence < t)).length;
  console.log(`  issues with at least one field left to a human (needs-triage): ${pct(anyNeeds / examples.length).trim()}`);

  // Timing of the shipped model (its accuracy on this file would be training accuracy: not reported).
  const model = defaultModel();
  const times: number[] = [];
  for (const e of examples) {
    const t0 = performance.now();
    classifyWith(model, { title: e.title, body: e.body });
    times.push(performance.now() - t0);
  }
  const huge = 'x = torch.randn(1, 3)  # filler line of a pasted log\n'.repeat(40_000);
  const t0 = performance.now();
  classifyWith(model, { title: 'export hangs on a huge log', body: huge });
  const hugeMs = performance.now() - t0;
  times.sort((a, b) => a - b);
  console.log('\n== Timing (shipped default model) ==');
  console.log(
    `  per issue: mean ${(times.reduce((a, b) => a + b, 0) / times.length).toFixed(2)} ms, ` +
      `p95 ${times[Math.floor(0.95 * (times.length - 1))].toFixed(2)} ms, max ${times[times.length - 1].toFixed(2)} ms; ` +
      `a ${(huge.length / 1e6).toFixed(1)} MB body: ${hugeMs.toFixed(2)} ms; cross-validation took ${cvSeconds.toFixed(1)} s.`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
