/**
 * `npm run bench`: convgate's pipelined, parallel run against the naive sequential loop
 * (one Python process converting case after case, then one Node process checking case after
 * case), measured side by side in one invocation over the same cases. Prints wall times,
 * their ratio, and peak resident memory of each side's process tree.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { filterCases, loadCorpus } from '../corpus/load.js';
import { readResultsDoc } from '../results/writer.js';
import { resolveCase, type RunOptions } from '../run/settings.js';
import { PACKAGE_ROOT } from '../util/paths.js';
import { caseFilter, DEFAULT_JOBS, positiveInt, type CaseFilter } from '../util/args.js';
import { resolveStack } from '../run/stacks.js';
import { treeSampler } from './tree-sampler.js';
import { PythonWorker, type PythonWorkerOptions } from '../convert/python-worker.js';
import { Zygote } from '../convert/zygote.js';

interface Measured {
  wallMs: number;
  peakMb: number;
  peakPssMb: number;
  cpuS: number;
  stdout: string;
}

async function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  const started = performance.now();
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const sampler = treeSampler(child.pid!);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const wallMs = performance.now() - started;
  const peak = await sampler.stop();
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${stderr.slice(-3000)}`);
  return { wallMs, peakMb: peak.rssMb, peakPssMb: peak.pssMb, cpuS: peak.cpuS, stdout };
}

const program = new Command('bench')
  .option('--corpus <name|file>', 'corpus', 'real')
  .option('--filter <regexp>', 'only matching cases', caseFilter('--filter'))
  .option('--jobs <n>', 'convgate workers', positiveInt('--jobs'), DEFAULT_JOBS)
  .option('--stack <name>', 'modern | debian (default: modern once scripts/setup.sh made it)')
  .option('--python <path>', 'interpreter (overrides --stack)')
  .option('--adapter <name>', 'converter adapter (default: the stack default)')
  .option('--work <dir>', 'scratch folder', path.join(os.tmpdir(), 'convgate-bench'))
  .option('--one-worker', 'also run convgate with --jobs 1: memory of N workers against one', false)
  .option('--spawned', 'also run convgate with spawned workers (CONVGATE_ZYGOTE=0), side by side', false)
  .parse(process.argv);
const flags = program.opts<{
  corpus: string;
  filter?: CaseFilter;
  jobs: number;
  stack?: string;
  python?: string;
  adapter?: string;
  work: string;
  oneWorker: boolean;
  spawned: boolean;
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
if (flags.filter) convgateArgs.push('--filter', flags.filter.pattern);
const fast = await measure(node, convgateArgs);
const single =
  flags.oneWorker && flags.jobs > 1
    ? await measure(node, [...convgateArgs, '--jobs', '1', '--out', path.join(flags.work, 'convgate-1')])
    : null;
// The same without the zygote: every converter worker its own interpreter.
const spawnedEnv = { ...process.env, CONVGATE_ZYGOTE: '0' };
const spawnedArgs = (jobs: number, dir: string) => [
  ...convgateArgs,
  '--jobs',
  String(jobs),
  '--out',
  path.join(flags.work, dir),
];
const fastSpawned = flags.spawned
  ? await measure(node, spawnedArgs(flags.jobs, 'spawned'), spawnedEnv)
  : null;
const singleSpawned =
  flags.spawned && flags.oneWorker && flags.jobs > 1
    ? await measure(node, spawnedArgs(1, 'spawned-1'), spawnedEnv)
    : null;
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
  ...corpus.modelLibraries.flatMap((m) => ['--model-library', m]),
];
const naiveConvert = await measure(python, pyArgs);
const converted = naiveConvert.stdout
  .trim()
  .split('\n')
  // the converter prints on stdout too (the dynamo exporter's "[torch.onnx] …" progress lines)
  .filter((l) => l.startsWith('{'))
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
const mb = (x: number) => `${Math.round(x)} MiB`;
const row = (name: string, m: Measured, ok: string) => [
  name,
  s(m.wallMs),
  `${m.cpuS.toFixed(0)} s`,
  mb(m.peakMb),
  mb(m.peakPssMb),
  ok,
];
const naivePss = Math.max(naiveConvert.peakPssMb, naiveCheck.peakPssMb);
const naiveCpu = naiveConvert.cpuS + naiveCheck.cpuS;
const rows = [
  ['', 'wall time', 'CPU (tree)', 'peak RSS (tree)', 'peak PSS (tree)', 'ok cases'],
  row(`convgate run --jobs ${flags.jobs}`, fast, String(okConvgate)),
  ...(single ? [row('convgate run --jobs 1', single, '')] : []),
  ...(fastSpawned ? [row(`  spawned workers: --jobs ${flags.jobs}`, fastSpawned, '')] : []),
  ...(singleSpawned ? [row('  spawned workers: --jobs 1', singleSpawned, '')] : []),
  row('naive loop: python convert', naiveConvert, ''),
  row('naive loop: node ORT check', naiveCheck, String(naiveCounts.ok ?? 0)),
  ['naive loop: total', s(naiveWall), `${naiveCpu.toFixed(0)} s`, mb(naivePeak), mb(naivePss), ''],
];
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
const load = (await readFile('/proc/loadavg', 'utf8').catch(() => '?')).split(' ').slice(0, 3).join(' ');
console.log(`\nratio convgate / naive wall time: ${(fast.wallMs / naiveWall).toFixed(2)} (target ≤ 0.60)`);
console.log(
  `ratio convgate / naive peak memory: RSS ${(fast.peakMb / naivePeak).toFixed(2)}, PSS ${(fast.peakPssMb / naivePss).toFixed(2)}`,
);
if (single)
  console.log(
    `ratio ${flags.jobs} workers / 1 worker peak memory: RSS ${(fast.peakMb / single.peakMb).toFixed(2)}, PSS ${(fast.peakPssMb / single.peakPssMb).toFixed(2)} (target ≤ 1.50); wall ${(fast.wallMs / single.wallMs).toFixed(2)}`,
  );
if (fastSpawned && singleSpawned)
  console.log(
    `  spawned workers: ${flags.jobs} workers / 1 worker peak memory: RSS ${(fastSpawned.peakMb / singleSpawned.peakMb).toFixed(2)}, PSS ${(fastSpawned.peakPssMb / singleSpawned.peakPssMb).toFixed(2)}; wall ${(fastSpawned.wallMs / singleSpawned.wallMs).toFixed(2)}`,
  );
if (flags.spawned)
  console.log(
    await startupCosts({
      python,
      adapter,
      corpusPaths: corpus.pythonPaths,
      modelLibraries: corpus.modelLibraries,
      threads: 2,
    }),
  );
console.log(`load average at the end: ${load} (other processes on the machine slow every row alike)`);

/** CPU seconds a process has used (utime + stime), from /proc/<pid>/stat. */
async function cpuOf(pid: number | undefined): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU a converter worker costs until it is ready: spawned, and forked from a zygote. */
async function startupCosts(options: PythonWorkerOptions): Promise<string> {
  const spawned = await PythonWorker.start(options);
  const spawnedCpu = await cpuOf(spawned.processId);
  await spawned.stop();
  const zygote = await Zygote.start({
    python: options.python,
    args: PythonWorker.args(options),
    env: process.env,
  });
  const zygoteCpu = await cpuOf(zygote.pid);
  const forked = [
    await PythonWorker.start({ ...options, zygote }),
    await PythonWorker.start({ ...options, zygote }),
  ];
  const forkedCpu = await Promise.all(forked.map((w) => cpuOf(w.processId)));
  await Promise.all(forked.map((w) => w.stop()));
  await zygote.stop();
  const f = (x: number) => `${x.toFixed(2)} s`;
  return `worker start-up CPU until ready: spawned ${f(spawnedCpu)}; zygote ${f(zygoteCpu)} once, then per forked worker ${forkedCpu.map(f).join(', ')}`;
}
