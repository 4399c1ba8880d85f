/**
 * `npm run bench:surface`: what surface recording (docs/coverage.md) costs and whether it changes
 * the converter's output. One Python process exports every case with the recorder uninstalled
 * (the converter as shipped) and installed, interleaved ([plain, recorded, recorded, plain] per
 * round, after a warm-up export), compares every ONNX file byte for byte with the first plain
 * one, and sums export times per mode. Prints the side-by-side table and the overhead ratio.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { filterCases, loadCorpus } from '../corpus/load.js';
import { resolveCase, type RunOptions } from '../run/settings.js';
import { PACKAGE_ROOT } from '../util/paths.js';
import { caseFilter, positiveInt, type CaseFilter } from '../util/args.js';
import { resolveStack } from '../run/stacks.js';

interface CaseLine {
  type: 'case';
  id: string;
  error?: string;
  times?: { plain: number; recorded: number };
  identical?: { plain: boolean; recorded: boolean };
  calls?: number;
}
interface TotalLine {
  type: 'total';
  plain: number;
  recorded: number;
  cases: number;
  identical: number;
  plainDeterministic: number;
  failed: number;
}

const program = new Command('bench:surface')
  .option('--corpus <name|file>', 'corpus', 'default')
  .option('--count <n>', 'synthetic cases (corpus synthetic/default)', positiveInt('--count'))
  .option('--filter <regexp>', 'only matching cases', caseFilter('--filter'))
  .option('--limit <n>', 'at most this many cases (after --filter)', positiveInt('--limit'))
  .option('--repeat <n>', 'rounds of [plain, recorded, recorded, plain] per case', positiveInt('--repeat'), 1)
  .option('--stack <name>', 'modern | debian (default: modern once scripts/setup.sh made it)')
  .option('--python <path>', 'interpreter (overrides --stack)')
  .option('--adapter <name>', 'converter adapter (default: the stack default)')
  .option('--work <dir>', 'scratch folder', path.join(os.tmpdir(), 'convgate-bench-surface'))
  .parse(process.argv);
const flags = program.opts<{
  corpus: string;
  count?: number;
  filter?: CaseFilter;
  limit?: number;
  repeat: number;
  stack?: string;
  python?: string;
  adapter?: string;
  work: string;
}>();
const stack = resolveStack({ stack: flags.stack, python: flags.python });
const adapter = flags.adapter ?? stack.defaultAdapter;
const corpus = await loadCorpus(flags.corpus, flags.count ? { syntheticCount: flags.count } : {});
const cases = filterCases(corpus.cases, flags.filter).slice(0, flags.limit);
await mkdir(flags.work, { recursive: true });
const runOptions: RunOptions = {
  out: flags.work,
  jobs: 1,
  python: stack.python,
  adapter,
  timeoutS: 600,
  memoryLimitMb: 0,
  opset: null,
  tolerance: { atol: 1e-3, rtol: 1e-3 },
  keepAll: false,
  resume: false,
};
const requestsFile = path.join(flags.work, 'requests.jsonl');
await writeFile(
  requestsFile,
  cases
    .map((def) => JSON.stringify({ id: def.id, case: resolveCase(def, runOptions, null).workerCase }))
    .join('\n') + '\n',
);
console.log(
  `bench:surface: ${cases.length} case(s) of corpus ${corpus.name}, stack ${stack.name ?? stack.python}, adapter ${adapter}, ` +
    `${flags.repeat} round(s) of [plain, recorded, recorded, plain] exports per case; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
);

const child = spawn(
  stack.python,
  [
    path.join(PACKAGE_ROOT, 'python', 'bench_surface.py'),
    requestsFile,
    '--adapter',
    adapter,
    '--repeat',
    String(flags.repeat),
    ...corpus.pythonPaths.flatMap((p) => ['--corpus-path', p]),
    ...corpus.modelLibraries.flatMap((m) => ['--model-library', m]),
  ],
  {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1' },
  },
);
let buffer = '';
let total: TotalLine | null = null;
const changed: string[] = [];
const nondeterministic: string[] = [];
child.stderr.resume();
child.stdout.on('data', (d: Buffer) => {
  buffer += d.toString();
  let nl;
  while ((nl = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, nl).trim();
    buffer = buffer.slice(nl + 1);
    if (!line.startsWith('{')) continue;
    const msg = JSON.parse(line) as CaseLine | TotalLine | { type: 'error'; message: string };
    if (msg.type === 'total') total = msg;
    else if (msg.type === 'error') console.error(msg.message);
    else if (msg.identical) {
      if (!msg.identical.plain) nondeterministic.push(msg.id);
      else if (!msg.identical.recorded) changed.push(msg.id);
    }
  }
});
const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
if (!total) {
  console.error(`bench_surface.py exited with ${code} without a total`);
  process.exit(1);
}
const t: TotalLine = total;
const perMode = 2 * flags.repeat;
const rows = [
  ['', 'export time (sum)', 'per export', 'identical ONNX bytes'],
  [
    'plain (recorder uninstalled)',
    `${t.plain.toFixed(2)} s`,
    `${((1000 * t.plain) / perMode / Math.max(1, t.cases)).toFixed(1)} ms`,
    `${t.plainDeterministic}/${t.cases} cases deterministic`,
  ],
  [
    'recorded',
    `${t.recorded.toFixed(2)} s`,
    `${((1000 * t.recorded) / perMode / Math.max(1, t.cases)).toFixed(1)} ms`,
    `${t.identical}/${t.cases} cases identical to plain`,
  ],
];
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
console.log(
  `\nratio recorded / plain export time: ${(t.recorded / t.plain).toFixed(3)} (overhead ${(100 * (t.recorded / t.plain - 1)).toFixed(1)}%, target < 10%)`,
);
if (t.failed) console.log(`${t.failed} case(s) did not export (skipped)`);
if (changed.length) console.log(`recording CHANGED the output of: ${changed.join(', ')}`);
if (nondeterministic.length)
  console.log(
    `the converter itself is not deterministic on: ${nondeterministic.join(', ')} (not attributable)`,
  );
process.exit(changed.length ? 1 : 0);
