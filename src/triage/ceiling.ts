// Round 4 of issue 15: the description-only ceiling (docs/triage.md).
//
// A person labelled the paper's dev issues from what the App sees (title + description, no thread,
// no fix; src/triage/data/round4-description-only.jsonl, with a sure/guess confidence per field).
// This compares those labels with the paper's (which were made with the whole thread and the fix
// in view), and puts the classifier's out-of-fold predictions on the same issues beside them: the
// shipped procedure under nested cross-validation (part D of eval.ts: pooled folds, own labels in
// training), one repeat per seed.
//
// Usage: node build/triage/ceiling.js DEV.jsonl READER.jsonl [--seeds 1,2,3] [--cache DIR] [--reader2 R2.jsonl]
//   --reader2 R2.jsonl compares a second reader with READER instead (agreement, Cohen's kappa, and the
//   paper's agreement on the issues where both readers give the same label); no classifier run.
//   --cache DIR keeps each seed's out-of-fold predictions (ids, labels and numbers only) in
//   DIR/oof-d-s<seed>.json, so seeds can be computed by separate processes and reports re-run.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { OWN_LABELED_FILES, readLabeledJsonl, sourceTagOf } from './dataset.js';
import { fieldMetrics, type Prediction } from './evaluate.js';
import { PAPER, procedure, parseArgs } from './eval.js';
import { FIELDS, LABELS_OF, type Field, type LabeledIssue } from './labels.js';
import { nestedCrossValidate, spread, type Spread } from './nested.js';
import { isApplied } from './policy.js';
import { parseJsonl } from './jsonl.js';

// ---- the reader's labels -----------------------------------------------------------------

const Confidence = z.enum(['sure', 'guess']);
const ReaderRowSchema = z.object({
  id: z.string().min(1),
  symptom: z.string(),
  cause: z.string(),
  component: z.string(),
  confidence: z.object({ symptom: Confidence, cause: Confidence, component: Confidence }),
  flags: z.array(z.string()).default([]),
});

export interface ReaderRow {
  id: string;
  labels: Record<Field, string>;
  /** The reader was sure of the field's label (else it is a guess or a codebook default). */
  sure: Record<Field, boolean>;
  flags: string[];
}

/** Parses the reader's JSONL (convgate label names); errors name the line and the field. */
export function parseReaderJsonl(text: string, source: string): ReaderRow[] {
  const out: ReaderRow[] = [];
  for (const { data: r, where } of parseJsonl(text, source, ReaderRowSchema)) {
    for (const f of FIELDS) {
      if (!(LABELS_OF[f] as readonly string[]).includes(r[f]))
        throw new Error(
          `${where}: field '${f}': unknown label '${r[f]}' (expected one of ${LABELS_OF[f].join(', ')})`,
        );
    }
    out.push({
      id: r.id,
      labels: { symptom: r.symptom, cause: r.cause, component: r.component },
      sure: {
        symptom: r.confidence.symptom === 'sure',
        cause: r.confidence.cause === 'sure',
        component: r.confidence.component === 'sure',
      },
      flags: r.flags,
    });
  }
  return out;
}

// ---- agreement figures ---------------------------------------------------------------------

/** Cohen's kappa of two labelings of the same items (1 = perfect, 0 = chance); NaN when undefined. */
export function cohenKappa(a: readonly string[], b: readonly string[]): number {
  if (a.length !== b.length) throw new Error(`cohenKappa: ${a.length} vs ${b.length} labels`);
  const n = a.length;
  if (n === 0) return NaN;
  const ca = new Map<string, number>();
  const cb = new Map<string, number>();
  let agree = 0;
  a.forEach((x, i) => {
    ca.set(x, (ca.get(x) ?? 0) + 1);
    cb.set(b[i], (cb.get(b[i]) ?? 0) + 1);
    if (x === b[i]) agree++;
  });
  const po = agree / n;
  let pe = 0;
  for (const [l, k] of ca) pe += (k / n) * ((cb.get(l) ?? 0) / n);
  return pe === 1 ? NaN : (po - pe) / (1 - pe);
}

export interface Agreement {
  n: number;
  accuracy: number;
  kappa: number;
  macroF1: number;
}

/** Agreement of `predicted` with `gold` on one field (macro-F1 over the labels either uses). */
export function agreement(field: Field, gold: readonly string[], predicted: readonly string[]): Agreement {
  const m = fieldMetrics(gold, predicted, LABELS_OF[field]);
  return { n: gold.length, accuracy: m.accuracy, kappa: cohenKappa(gold, predicted), macroF1: m.macroF1 };
}

/** The most frequent (field, paper label → other label) disagreements. */
export function disagreementPatterns(
  gold: readonly Record<Field, string>[],
  other: readonly Record<Field, string>[],
  top = 5,
): { field: Field; gold: string; other: string; count: number }[] {
  const counts = new Map<string, number>();
  gold.forEach((g, i) => {
    for (const f of FIELDS) {
      if (g[f] === other[i][f]) continue;
      const key = `${f}\t${g[f]}\t${other[i][f]}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  });
  return [...counts.entries()]
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .slice(0, top)
    .map(([key, count]) => {
      const [field, g, o] = key.split('\t');
      return { field: field as Field, gold: g, other: o, count };
    });
}

/** One field's agreement between two readers, and the paper's agreement where they agree. */
export interface InterReader {
  field: Field;
  n: number;
  /** Share of issues on which the two readers give the same label. */
  agreement: number;
  kappa: number;
  /** Issues on which the readers agree (coverage = agreed / n). */
  agreed: number;
  /** The paper's agreement with the readers' common label on those issues (NaN when none). */
  paperAccuracyWhereAgreed: number;
}

/** Reader 1 vs reader 2 per field, and how often the paper has their common label. */
export function interReader(
  paper: readonly Record<Field, string>[],
  r1: readonly Record<Field, string>[],
  r2: readonly Record<Field, string>[],
): InterReader[] {
  if (r1.length !== paper.length || r2.length !== paper.length)
    throw new Error(`interReader: ${paper.length} paper rows vs ${r1.length} and ${r2.length} reader rows`);
  return FIELDS.map((field) => {
    const same = paper.flatMap((_, i) => (r1[i][field] === r2[i][field] ? [i] : []));
    const right = same.filter((i) => paper[i][field] === r1[i][field]).length;
    return {
      field,
      n: paper.length,
      agreement: paper.length ? same.length / paper.length : NaN,
      kappa: cohenKappa(
        r1.map((r) => r[field]),
        r2.map((r) => r[field]),
      ),
      agreed: same.length,
      paperAccuracyWhereAgreed: same.length ? right / same.length : NaN,
    };
  });
}

/**
 * Area under the ROC curve of `score` for telling positives from negatives (Mann–Whitney: the
 * chance that a random positive scores above a random negative, ties counting half); NaN when a
 * side is empty.
 */
export function auroc(positives: readonly number[], negatives: readonly number[]): number {
  if (!positives.length || !negatives.length) return NaN;
  let wins = 0;
  for (const p of positives) for (const n of negatives) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (positives.length * negatives.length);
}

// ---- the classifier's out-of-fold predictions (part D, one repeat per seed) ----------------

/** One paper issue's out-of-fold prediction in one repeat, with its fold's thresholds. */
export interface OofRow {
  id: string;
  prediction: Prediction;
  thresholds: Record<Field, number | null>;
}

/**
 * The shipped procedure's out-of-fold predictions for the paper's issues: pooled folds over the
 * paper's and the own-labelled issues, trained on all labels of the training folds (eval.ts part
 * D), one repeat with fold seed `seed` (the same folds as `eval.js --parts D --seed k --repeats 1`).
 */
export function partDOutOfFold(paper: LabeledIssue[], own: LabeledIssue[], seed: number): OofRow[] {
  const args = parseArgs(['--parts', 'D', '--seed', String(seed), '--repeats', '1']);
  const pooled = [...paper, ...own];
  const result = nestedCrossValidate(pooled, {
    outerFolds: args.outer,
    repeats: 1,
    seed,
    fit: procedure(args),
  });
  const run = result.runs[0];
  return pooled.flatMap((e, i) =>
    e.source === PAPER
      ? [
          {
            id: e.id,
            prediction: run.predictions[i],
            // JSON has no Infinity: null = never applied.
            thresholds: Object.fromEntries(
              FIELDS.map((f) => [f, Number.isFinite(run.thresholds[i][f]) ? run.thresholds[i][f] : null]),
            ) as Record<Field, number | null>,
          },
        ]
      : [],
  );
}

export const applied = (row: OofRow, f: Field): boolean =>
  isApplied(
    { confidence: row.prediction[f].confidence, contributions: row.prediction[f].backed ? [1] : [] },
    row.thresholds[f] ?? Infinity,
  );

// ---- report --------------------------------------------------------------------------------

const pct = (x: number): string => (Number.isNaN(x) ? '–' : (100 * x).toFixed(1));
const pm = (s: Spread, scale = 100, digits = 1): string =>
  s.n === 0 ? '–' : `${(scale * s.mean).toFixed(digits)} ± ${(scale * s.sd).toFixed(digits)}`;
/** Binomial standard error of a proportion, in points. */
const se = (p: number, n: number): string => (n ? (100 * Math.sqrt((p * (1 - p)) / n)).toFixed(1) : '–');

interface Inputs {
  paper: LabeledIssue[];
  reader: ReaderRow[];
  /** Per seed, the out-of-fold rows in the paper's order. */
  oof: OofRow[][];
}

function agreementTable({ paper, reader, oof }: Inputs): void {
  console.log(
    "\n== Agreement with the paper's labels (the reader: one labelling, ± binomial SE; classifier: mean ± sd over seeds) ==",
  );
  console.log(
    '| field | subset | n | reader acc | reader kappa | reader macro-F1 | classifier acc | classifier kappa | classifier macro-F1 |',
  );
  console.log('| --- | --- | --: | --: | --: | --: | --: | --: | --: |');
  for (const f of FIELDS) {
    for (const [name, keep] of [
      ['all', () => true],
      ['reader sure', (i: number) => reader[i].sure[f]],
      ['reader guess', (i: number) => !reader[i].sure[f]],
    ] as const) {
      const idx = paper.flatMap((_, i) => (keep(i) ? [i] : []));
      const gold = idx.map((i) => paper[i].labels[f]);
      const r = agreement(
        f,
        gold,
        idx.map((i) => reader[i].labels[f]),
      );
      const c = oof.map((rows) =>
        agreement(
          f,
          gold,
          idx.map((i) => rows[i].prediction[f].label),
        ),
      );
      console.log(
        `| ${f} | ${name} | ${idx.length} | ${pct(r.accuracy)} ± ${se(r.accuracy, r.n)} | ${r.kappa.toFixed(3)} | ${r.macroF1.toFixed(3)} | ${pm(spread(c.map((x) => x.accuracy)))} | ${pm(spread(c.map((x) => x.kappa)), 1, 3)} | ${pm(spread(c.map((x) => x.macroF1)), 1, 3)} |`,
      );
    }
  }
}

function confusionTables({ paper, reader }: Inputs): void {
  console.log('\n== Reader vs paper: confusion matrices (rows: paper label, columns: reader label) ==');
  for (const f of FIELDS) {
    const m = fieldMetrics(
      paper.map((e) => e.labels[f]),
      reader.map((r) => r.labels[f]),
      LABELS_OF[f],
    );
    console.log(`\n${f}\n`);
    console.log(`| paper \\ reader | ${m.labels.join(' | ')} | recall |`);
    console.log(`| --- | ${m.labels.map(() => '--:').join(' | ')} | --: |`);
    m.labels.forEach((l, r) =>
      console.log(`| ${l} | ${m.confusion[r].join(' | ')} | ${pct(m.perLabel[r].recall)}% |`),
    );
    console.log(`| precision | ${m.perLabel.map((p) => `${pct(p.precision)}%`).join(' | ')} | |`);
  }
}

function patterns({ paper, reader, oof }: Inputs): void {
  console.log('\n== The five most common reader–paper disagreements (paper label → reader label) ==');
  for (const p of disagreementPatterns(
    paper.map((e) => e.labels),
    reader.map((r) => r.labels),
  ))
    console.log(`- ${p.field}: ${p.gold} → ${p.other}: ${p.count}`);
  console.log('\n== Who is right, per field (issues × seeds; R = reader, C = classifier) ==');
  console.log('| field | both right | R right, C wrong | C right, R wrong | both wrong |');
  console.log('| --- | --: | --: | --: | --: |');
  for (const f of FIELDS) {
    const k = [0, 0, 0, 0];
    oof.forEach((rows) =>
      paper.forEach((e, i) => {
        const r = reader[i].labels[f] === e.labels[f];
        const c = rows[i].prediction[f].label === e.labels[f];
        k[r && c ? 0 : r ? 1 : c ? 2 : 3]++;
      }),
    );
    console.log(`| ${f} | ${k.join(' | ')} |`);
  }
}

/** Applied-label precision/coverage of the classifier, split by the reader's confidence. */
function abstention({ paper, reader, oof }: Inputs): void {
  console.log(
    "\n== The classifier's applied labels (in-fold thresholds) on the reader's sure / guess issues (mean ± sd over seeds) ==",
  );
  console.log('| field | subset | n | applied precision | coverage | mean confidence |');
  console.log('| --- | --- | --: | --: | --: | --: |');
  const aucs: string[] = [];
  for (const f of FIELDS) {
    for (const [name, want] of [
      ['reader sure', true],
      ['reader guess', false],
    ] as const) {
      const idx = paper.flatMap((_, i) => (reader[i].sure[f] === want ? [i] : []));
      const prec: number[] = [];
      const cov: number[] = [];
      const conf: number[] = [];
      for (const rows of oof) {
        const ap = idx.filter((i) => applied(rows[i], f));
        prec.push(
          ap.length
            ? ap.filter((i) => rows[i].prediction[f].label === paper[i].labels[f]).length / ap.length
            : NaN,
        );
        cov.push(idx.length ? ap.length / idx.length : NaN);
        conf.push(idx.reduce((a, i) => a + rows[i].prediction[f].confidence, 0) / Math.max(1, idx.length));
      }
      console.log(
        `| ${f} | ${name} | ${idx.length} | ${pm(spread(prec))} | ${pm(spread(cov))} | ${pm(spread(conf), 1, 3)} |`,
      );
    }
    const confOf = (rows: OofRow[], want: boolean): number[] =>
      paper.flatMap((_, i) => (reader[i].sure[f] === want ? [rows[i].prediction[f].confidence] : []));
    aucs.push(`${f} ${pm(spread(oof.map((rows) => auroc(confOf(rows, true), confOf(rows, false)))), 1, 3)}`);
  }
  console.log(
    `\nAUROC of the classifier's confidence for the reader being sure (0.5 = unrelated): ${aucs.join(', ')}`,
  );
  abstentionRules({ paper, reader, oof });
}

/**
 * The classifier's labels under three abstention rules on the same issues: its own (in-fold
 * thresholds), the reader's sureness as an oracle (applied iff the reader was sure; not
 * available to the App), and both at once.
 */
function abstentionRules({ paper, reader, oof }: Inputs): void {
  console.log("\n== The classifier's labels under three abstention rules (mean ± sd over seeds) ==");
  console.log('| field | rule | applied precision | coverage |');
  console.log('| --- | --- | --: | --: |');
  const rules: [string, (rows: OofRow[], i: number, f: Field) => boolean][] = [
    ['its thresholds (in-fold)', (rows, i, f) => applied(rows[i], f)],
    ['applied iff the reader was sure (oracle)', (_rows, i, f) => reader[i].sure[f]],
    ['both', (rows, i, f) => applied(rows[i], f) && reader[i].sure[f]],
  ];
  for (const f of FIELDS) {
    for (const [name, rule] of rules) {
      const prec: number[] = [];
      const cov: number[] = [];
      for (const rows of oof) {
        const ap = paper.flatMap((_, i) => (rule(rows, i, f) ? [i] : []));
        const right = ap.filter((i) => rows[i].prediction[f].label === paper[i].labels[f]).length;
        prec.push(ap.length ? right / ap.length : NaN);
        cov.push(ap.length / paper.length);
      }
      console.log(`| ${f} | ${name} | ${pm(spread(prec))} | ${pm(spread(cov))} |`);
    }
  }
}

/** Reader 1 (READER) vs reader 2 (--reader2): agreement, kappa, and the paper where they agree. */
function interReaderTable(paper: LabeledIssue[], r1: ReaderRow[], r2: ReaderRow[]): void {
  console.log('\n== Reader 1 vs reader 2 (and the paper on the issues where both readers agree) ==');
  console.log(
    '| field | subset | n | reader 1 acc | reader 2 acc | readers agree | kappa (1 vs 2) | paper acc where both agree | coverage of that subset |',
  );
  console.log('| --- | --- | --: | --: | --: | --: | --: | --: | --: |');
  for (const f of FIELDS) {
    for (const [name, keep] of [
      ['all', () => true],
      ['both sure', (i: number) => r1[i].sure[f] && r2[i].sure[f]],
    ] as const) {
      const idx = paper.flatMap((_, i) => (keep(i) ? [i] : []));
      const acc = (r: ReaderRow[]): number =>
        idx.filter((i) => paper[i].labels[f] === r[i].labels[f]).length / idx.length;
      const x = interReader(
        idx.map((i) => paper[i].labels),
        idx.map((i) => r1[i].labels),
        idx.map((i) => r2[i].labels),
      ).find((y) => y.field === f)!;
      console.log(
        `| ${f} | ${name} | ${x.n} | ${pct(acc(r1))} | ${pct(acc(r2))} | ${pct(x.agreement)} | ${x.kappa.toFixed(3)} | ${pct(x.paperAccuracyWhereAgreed)} ± ${se(x.paperAccuracyWhereAgreed, x.agreed)} | ${x.agreed}/${x.n} |`,
      );
    }
  }
}

export function report(inputs: Inputs): void {
  const { paper, oof } = inputs;
  console.log(
    `Description-only ceiling: ${paper.length} issues; classifier = the shipped procedure's out-of-fold predictions (part D), ${oof.length} seed(s).`,
  );
  agreementTable(inputs);
  confusionTables(inputs);
  patterns(inputs);
  abstention(inputs);
}

// ---- CLI -------------------------------------------------------------------------------------

const OofFileSchema = z.array(
  z.object({
    id: z.string(),
    prediction: z.record(
      z.string(),
      z.object({ label: z.string(), confidence: z.number(), backed: z.boolean() }),
    ),
    thresholds: z.record(z.string(), z.number().nullable()),
  }),
);

function oofFor(seed: number, paper: LabeledIssue[], cache: string | undefined): OofRow[] {
  const file = cache ? resolve(cache, `oof-d-s${seed}.json`) : undefined;
  if (file && existsSync(file)) {
    const rows = OofFileSchema.parse(JSON.parse(readFileSync(file, 'utf8'))) as unknown as OofRow[];
    const want = paper.map((e) => e.id).join('\n');
    if (rows.map((r) => r.id).join('\n') !== want)
      throw new Error(`${file}: its ids are not the labeled file's (delete it to recompute)`);
    return rows;
  }
  const own = OWN_LABELED_FILES.flatMap((p) => readLabeledJsonl(p, sourceTagOf(p)));
  const rows = partDOutOfFold(paper, own, seed);
  if (file) {
    mkdirSync(cache!, { recursive: true });
    writeFileSync(file, JSON.stringify(rows));
  }
  return rows;
}

/** A reader's rows in the paper's order; every paper issue must have exactly one row. */
function readerRowsFor(paper: LabeledIssue[], readerPath: string, devPath: string): ReaderRow[] {
  const byId = new Map(
    parseReaderJsonl(readFileSync(resolve(readerPath), 'utf8'), readerPath).map((r) => [r.id, r]),
  );
  const rows = paper.map((e) => {
    const r = byId.get(e.id);
    if (!r) throw new Error(`${readerPath}: no reader labels for issue ${e.id} of ${devPath}`);
    return r;
  });
  if (byId.size !== paper.length)
    throw new Error(`${readerPath}: ${byId.size} rows, but ${devPath} has ${paper.length} issues`);
  return rows;
}

export function main(argv: string[]): number {
  const positional = argv.filter(
    (a, i) => !a.startsWith('--') && !['--seeds', '--cache', '--reader2'].includes(argv[i - 1]),
  );
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  try {
    const [devPath, readerPath] = positional;
    if (!devPath || !readerPath)
      throw new Error(
        'usage: node build/triage/ceiling.js DEV.jsonl READER.jsonl [--seeds 1,2,3] [--cache DIR] [--reader2 READER2.jsonl]',
      );
    const seeds = (flag('--seeds') ?? '1').split(',').map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--seeds: '${s}' is not a non-negative integer`);
      return n;
    });
    const paper = readLabeledJsonl(resolve(devPath), PAPER);
    const reader = readerRowsFor(paper, readerPath, devPath);
    const reader2Path = flag('--reader2');
    if (reader2Path) {
      // Only the two readers and the paper: no classifier run is needed.
      interReaderTable(paper, reader, readerRowsFor(paper, reader2Path, devPath));
      return 0;
    }
    const oof = seeds.map((s) => oofFor(s, paper, flag('--cache')));
    report({ paper, reader, oof });
    return 0;
  } catch (e) {
    console.error(`ceiling: ${(e as Error).message}`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
