/**
 * `npm run bench:triage`: how fast the shipped triage classifier is, and that it stays linear
 * (no regex backtracking) on hostile input. Timing lives here, not in unit tests (a loaded CI
 * machine makes wall-time assertions flaky).
 *
 * Prints, side by side: the time per ordinary issue (convgate's own labelled issues in
 * src/triage/data/), then for each pathological body the time at size n and at 4n, their ratio
 * (linear input handling: <= ~4; the head/tail cut makes it ~1) and the ratio to an ordinary
 * issue. Each time is the fastest of --rounds runs. Targets: < 5 ms per ordinary issue; < 100 ms
 * for any single input; 4n/n <= 5. On a saturated machine even the fastest run is noisy.
 */
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { positiveInt } from '../cli/options.js';
import { OWN_LABELED_FILES, readLabeledJsonl } from '../triage/dataset.js';
import { readFrames } from '../triage/frames.js';
import { classifyIssue } from '../triage/index.js';

const program = new Command('bench:triage')
  .option(
    '--rounds <n>',
    'timed repetitions per measurement (the fastest is printed)',
    positiveInt('--rounds'),
    5,
  )
  .parse(process.argv);
const { rounds } = program.opts<{ rounds: number }>();

function timeMs(fn: () => void): number {
  fn(); // warm-up
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  // The fastest round: on a busy machine every slower one includes time the process did not run.
  return Math.min(...samples);
}

const issues = OWN_LABELED_FILES.flatMap((p) => readLabeledJsonl(p));
const ordinaryMs = timeMs(() => issues.forEach((e) => classifyIssue(e))) / issues.length;

/** Body generators of size ~n characters (n is scaled by 4 for the ratio). */
const LOG_LINE = 'I0101 12:00:00.000 converter.cc:42] processing node conv_block/weights\n';
const hostile: [name: string, body: (n: number) => string][] = [
  ['letters', (n) => 'a'.repeat(n)],
  ['spaces', (n) => ' '.repeat(n)],
  ['"Error: " repeated', (n) => 'Error: '.repeat(n / 7)],
  ['code fences', (n) => '```\n'.repeat(n / 4)],
  ['quotes', (n) => '"'.repeat(n)],
  [
    'log + final exception',
    (n) =>
      `${LOG_LINE.repeat(n / LOG_LINE.length)}Traceback (most recent call last):\nValueError: tensorflow op Bucketize is not supported`,
  ],
];
const FRAME_PARTS = (n: number): string => `${'  File "'.repeat(n / 16)}\n${'x.py in '.repeat(n / 16)}`;

const rows: string[][] = [['input', 'size n', 'ms at n', 'ms at 4n', '4n / n', 'vs ordinary issue']];
const row = (name: string, n: number, at: (k: number) => number): void => {
  const a = at(n);
  const b = at(4 * n);
  rows.push([
    name,
    n.toLocaleString('en'),
    a.toFixed(2),
    b.toFixed(2),
    (b / a).toFixed(2),
    `${(b / ordinaryMs).toFixed(1)}×`,
  ]);
};
for (const [name, body] of hostile) {
  const n = 1_000_000;
  row(`classifyIssue: ${name}`, n, (k) => {
    const text = body(k);
    return timeMs(() => classifyIssue({ title: 'x'.repeat(5_000), body: text }));
  });
}
row('readFrames: broken frame lines', 640_000, (k) => {
  const text = FRAME_PARTS(k);
  return timeMs(() => readFrames(text));
});

console.log(
  `Triage classifier: ${ordinaryMs.toFixed(3)} ms per ordinary issue (${issues.length} issues, fastest of ${rounds} rounds; target < 5 ms)`,
);
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows)
  console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
console.log(
  'Targets: any single input < 100 ms; 4n / n <= 5 (linear); the body is cut to its head and tail first.',
);
