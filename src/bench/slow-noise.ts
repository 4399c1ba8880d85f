/**
 * `npm run bench:slow-noise`: how many false "slow" alarms two runs of the SAME converter raise
 * when the machine gets busy. Runs the gate with the baseline and the candidate being the same
 * build; the baseline runs as the machine is, the candidate (and its re-runs) with CPU hogs
 * (`yes > /dev/null`) taking cores — as a cached baseline from a quiet runner meets a busy one.
 * Prints side by side the slow cases found on wall time, on CPU time, and on CPU time after the
 * gate's re-measurement of suspects. Target: at most one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { caseFilter, DEFAULT_JOBS, positiveInt, nonNegativeInt, type CaseFilter } from '../util/args.js';
import { DEFAULT_DIFF_OPTIONS, diffResults, type DiffOptions } from '../gate/diff.js';
import { resolveCorpus, runGate } from '../gate/gate.js';
import type { SlowChange } from '../gate/schema.js';
import { resolveStack } from '../run/stacks.js';
import { RUN_DEFAULTS } from '../run/defaults.js';

const program = new Command('bench:slow-noise')
  .option('--corpus <name|file>', 'corpus', 'real')
  .option('--filter <regexp>', 'only matching cases', caseFilter('--filter'))
  .option('--jobs <n>', 'convgate workers', positiveInt('--jobs'), DEFAULT_JOBS)
  .option('--stack <name>', 'modern | debian')
  .option('--python <path>', 'interpreter (overrides --stack)')
  .option('--adapter <name>', 'converter adapter (default: the stack default)')
  .option('--hogs <n>', 'CPU hogs (yes > /dev/null) running meanwhile', nonNegativeInt('--hogs'), 1)
  .option('--reruns <n>', 're-measurements of each suspect', nonNegativeInt('--reruns'), RUN_DEFAULTS.reruns)
  .option('--work <dir>', 'scratch folder', path.join(os.tmpdir(), 'convgate-slow-noise'))
  .parse(process.argv);
const flags = program.opts<{
  corpus: string;
  filter?: CaseFilter;
  jobs: number;
  stack?: string;
  python?: string;
  adapter?: string;
  hogs: number;
  reruns: number;
  work: string;
}>();

const stack = resolveStack({ stack: flags.stack, python: flags.python });
const corpus = await resolveCorpus(flags.corpus);
await rm(flags.work, { recursive: true, force: true });
let hogs: ChildProcess[] = [];
const startHogs = () => {
  if (hogs.length || !flags.hogs) return;
  console.log(`  starting ${flags.hogs} CPU hog(s): yes > /dev/null`);
  hogs = Array.from({ length: flags.hogs }, () =>
    spawn('yes', [], { stdio: ['ignore', 'ignore', 'ignore'] }),
  );
};
const stopHogs = () => hogs.forEach((h) => h.kill('SIGKILL'));
process.once('exit', stopHogs);

const diff: DiffOptions = { ...DEFAULT_DIFF_OPTIONS, slowClock: 'cpu' };
const side = { python: stack.python, env: {} };
console.log(
  `slow-noise: corpus ${corpus.name}${flags.filter ? ` (filter ${flags.filter.pattern})` : ''}, the same converter on both sides ` +
    `(${stack.python}), ${flags.hogs} CPU hog(s) on ${os.cpus().length} cores during the candidate run and re-runs, --jobs ${flags.jobs}\n`,
);
const started = performance.now();
const result = await runGate(
  {
    corpus,
    selection: { filter: flags.filter ?? null, shard: null },
    run: {
      jobs: flags.jobs,
      adapter: flags.adapter ?? stack.defaultAdapter,
      stack: stack.name,
      timeoutS: 600,
      memoryLimitMb: 8192,
      opset: null,
      tolerance: { atol: 1e-3, rtol: 1e-3 },
      keepAll: false,
    },
    out: flags.work,
    candidate: side,
    baseline: { kind: 'run', side },
    reruns: flags.reruns,
    diff,
  },
  {
    log: (line) => console.log(`  ${line}`),
    events: (phase) => {
      if (phase !== 'baseline') startHogs();
      return undefined;
    },
  },
);
stopHogs();
const baseline = result.baseline!;
const wall = diffResults(baseline, result.candidate, { ...diff, slowClock: 'wall' });
const cpu = diffResults(baseline, result.candidate, diff);
const show = (list: SlowChange[]) =>
  list
    .slice(0, 6)
    .map((s) => `${s.id} ${s.metric} ${s.beforeMs.toFixed(0)}→${s.afterMs.toFixed(0)} ms`)
    .join(', ') + (list.length > 6 ? ', …' : '');
const rows = [
  ['clock', 're-measured', 'slow cases', 'examples'],
  ['wall', 'no', String(wall.slow.length), show(wall.slow)],
  ['cpu', 'no', String(cpu.slow.length), show(cpu.slow)],
  ['cpu', `yes (${flags.reruns} re-runs)`, String(result.report.slow.length), show(result.report.slow)],
];
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
console.log(
  `\n${result.candidate.cases.length} case(s) per run, ${((performance.now() - started) / 1000).toFixed(0)} s in all\n`,
);
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
const ok = result.report.slow.length <= 1;
console.log(
  `\nfalse slow alarms the gate reports: ${result.report.slow.length} (target ≤ 1: ${ok ? 'met' : 'NOT met'}); ` +
    `ratio cpu/wall alarms before re-measuring: ${wall.slow.length ? (cpu.slow.length / wall.slow.length).toFixed(2) : '—'}`,
);
process.exitCode = ok ? 0 : 1;
