/**
 * `npm run bench`: convgate's pipelined, parallel run against the naive sequential loop
 * (one Python process converting case after case, then one Node process checking case after
 * case), measured side by side in one invocation over the same cases. Prints wall times,
 * their ratio, and peak resident memory of each side's process tree.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { filterCases, loadCorpus } from '../corpus/load.js';
import { readResultsDoc } from '../results/writer.js';
import { resolveCase, type RunOptions } from '../run/settings.js';
import { PACKAGE_ROOT } from '../util/paths.js';
import { DEFAULT_JOBS, positiveInt } from '../cli/options.js';
import { resolveStack } from '../run/stacks.js';
import { peakSampler } from '../util/proc-tree.js';

interface Measured {
  wallMs: number;
  peakMb: number;
  stdout: string;
}

async function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  const started = performance.now();
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const sampler = peakSampler(child.pid!);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const wallMs = performance.now() - started;
  const peakMb = await sampler.stop();
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${stderr.slice(-3000)}`);
  return { wallMs, peakMb, stdout };
}

const program = new Command('bench')
  .option('--corpus <name|file>', 'corpus', 'real')
  .option('--filter <regexp>', 'only matching cases')
  .option('--jobs <n>', 'convgate workers', positiveInt('--jobs'), DEFAULT_JOBS)
  .option('--stack <name>', 'modern | debian (default: modern once scripts/setup.sh made it)')
  .option('--python <path>', 'interpreter (overrides --stack)')
  .option('--adapter <name>', 'converter adapter (default: the stack default)')
  .option('--work <dir>', 'scratch folder', path.join(os.tmpdir(), 'convgate-bench'))
  .parse(process.argv);
const flags = program.opts<{
  corpus: string;
  filter?: string;
  jobs: number;
  stack?: string;
  python?: string;
  adapter?: string;
  work: string;
}>();
const stack = resolveStack({ stack: flags.stack, python: flags.python });
const python = stack.python;
const adapter = flags.adapter ?? stack.defaultAdapter;

const corpus = await loadCorpus(flags.corpus);
const cases = filterCases(corpus.cases, flags.filter);
await rm(flags.work, { recursive: true, force: true });
await mkdir(flags.work, { recursive: true });
const node = process.execPath;

console.log(
  `bench: ${cases.length} case(s) of corpus ${corpus.name}, ${os.cpus().length} cores, convgate --jobs ${flags.jobs}, ` +
    `stack ${stack.name ?? python}, adapter ${adapter}\n`,
);

// 1. convgate run: long-lived workers in parallel, conversion and runtime check pipelined.
const convgateOut = path.join(flags.work, 'convgate');
const convgateArgs = [
  path.join(PACKAGE_ROOT, 'bin', 'convgate.js'),
  'run',
  '--corpus',
  flags.corpus,
  '--out',
  convgateOut,
  '--jobs',
  String(flags.jobs),
  '--python',
  python,
  '--adapter',
  adapter,
  '--no-progress',
  '--no-report',
];
if (flags.filter) convgateArgs.push('--filter', flags.filter);
const fast = await measure(node, convgateArgs);
const doc = await readResultsDoc(convgateOut);
const defaultOpset = typeof doc.converter.defaultOpset === 'number' ? doc.converter.defaultOpset : null;

// 2. naive: one Python process converting every case in turn, then one Node process checking them.
const naiveOut = path.join(flags.work, 'naive');
const runOptions: RunOptions = {
  out: naiveOut,
  jobs: 1,
  python,
  adapter,
  timeoutS: 600,
  memoryLimitMb: 0,
  opset: null,
  tolerance: { atol: 1e-3, rtol: 1e-3 },
  keepAll: true,
  resume: false,
};
const requests = cases.map((def) => {
  const rc = resolveCase(def, runOptions, defaultOpset);
  return { type: 'convert', id: def.id, caseDir: path.join(naiveOut, 'cases', def.id), case: rc.workerCase };
});
const requestsFile = path.join(flags.work, 'naive-requests.jsonl');
await writeFile(requestsFile, requests.map((r) => JSON.stringify(r)).join('\n') + '\n');
const pyArgs = [
  path.join(PACKAGE_ROOT, 'python', 'bench_naive.py'),
  requestsFile,
  '--adapter',
  adapter,
  ...corpus.pythonPaths.flatMap((p) => ['--corpus-path', p]),
];
const naiveConvert = await measure(python, pyArgs);
const converted = naiveConvert.stdout
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { id: string; ok: boolean; model: string; tensors: string })
  .filter((c) => c.ok)
  .map((c) => JSON.stringify({ ...c, caseDir: path.join(naiveOut, 'cases', c.id) }));
const convertedFile = path.join(flags.work, 'naive-converted.jsonl');
await writeFile(convertedFile, converted.join('\n') + '\n');
const naiveCheck = await measure(node, [
  path.join(PACKAGE_ROOT, 'build', 'bench', 'naive-check.js'),
  convertedFile,
]);

const naiveWall = naiveConvert.wallMs + naiveCheck.wallMs;
const naivePeak = Math.max(naiveConvert.peakMb, naiveCheck.peakMb);
const okConvgate = doc.cases.filter((c) => c.outcome === 'ok').length;
const naiveCounts = JSON.parse(naiveCheck.stdout.trim() || '{}') as Record<string, number>;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const rows = [
  ['', 'wall time', 'peak RSS (tree)', 'ok cases'],
  ['convgate run', s(fast.wallMs), `${Math.round(fast.peakMb)} MiB`, String(okConvgate)],
  ['naive loop: python convert', s(naiveConvert.wallMs), `${Math.round(naiveConvert.peakMb)} MiB`, ''],
  [
    'naive loop: node ORT check',
    s(naiveCheck.wallMs),
    `${Math.round(naiveCheck.peakMb)} MiB`,
    String(naiveCounts.ok ?? 0),
  ],
  ['naive loop: total', s(naiveWall), `${Math.round(naivePeak)} MiB`, ''],
];
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
console.log(`\nratio convgate / naive wall time: ${(fast.wallMs / naiveWall).toFixed(2)} (target ≤ 0.60)`);
console.log(`ratio convgate / naive peak memory: ${(fast.peakMb / naivePeak).toFixed(2)}`);
