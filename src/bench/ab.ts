/**
 * `npm run bench:ab`: two builds of convgate (two checkouts, or one checkout under two
 * environments) run the same cases in turn — A B A B … in one invocation, so a change in the
 * machine's load hits both sides alike — and the CPU time each side spent is printed side by side
 * with the ratio B / A: the whole process tree's (user + sys), the orchestrator's own, and every
 * case's export (`cpuMs.export` of results.json, median over the rounds). CPU time, not wall time,
 * is the figure to compare on a shared machine.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { readResultsDoc } from '../results/writer.js';
import { positiveInt } from '../util/args.js';
import { PACKAGE_ROOT } from '../util/paths.js';

interface Side {
  label: string;
  root: string;
  env: NodeJS.ProcessEnv;
}

interface RunMeasure {
  wallS: number;
  /** user + sys of the whole tree (reaped descendants included). */
  cpuS: number;
  /** the convgate process's own user + sys (last sample before it exited). */
  ownS: number;
  exportMs: Map<string, number>;
  outcomes: Map<string, string>;
  /** the converter entry points (e.g. ATen overloads) the run's exports called: its coverage. */
  overloads: Set<string>;
}

const TICKS_PER_S = 100; // Linux USER_HZ

/** utime, stime, cutime, cstime of a process, seconds: fields 14-17 of /proc/<pid>/stat. */
function statTimes(pid: number | 'self'): number[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [11, 12, 13, 14].map((i) => Number(fields[i]) / TICKS_PER_S);
  } catch {
    return null;
  }
}

function parseEnv(list: string[], flag: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const kv of list) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`${flag}: expected K=V, got ${JSON.stringify(kv)}`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

async function runSide(side: Side, runArgs: string[], out: string): Promise<RunMeasure> {
  await rm(out, { recursive: true, force: true });
  const before = statTimes('self')!;
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [path.join(side.root, 'bin', 'convgate.js'), 'run', ...runArgs, '--out', out],
    {
      env: { ...process.env, ...side.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-3000)));
  let own = 0;
  const sampler = setInterval(() => {
    const t = statTimes(child.pid!);
    if (t) own = t[0] + t[1];
  }, 250);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  const wallS = (performance.now() - started) / 1000;
  const after = statTimes('self')!;
  if (code !== 0) throw new Error(`${side.label}: convgate run exited with ${code}:\n${stderr}`);
  const doc = await readResultsDoc(out);
  const exportMs = new Map<string, number>();
  const outcomes = new Map<string, string>();
  const overloads = new Set<string>();
  for (const c of doc.cases) {
    outcomes.set(c.id, c.outcome);
    for (const [name] of c.surface?.calls ?? []) overloads.add(name);
    const ms = c.cpuMs?.export;
    if (typeof ms === 'number') exportMs.set(c.id, ms);
  }
  return {
    wallS,
    cpuS: after[2] + after[3] - before[2] - before[3],
    ownS: own,
    exportMs,
    outcomes,
    overloads,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '))
    .join('\n');
}

function report(sides: [Side, Side], runs: [RunMeasure[], RunMeasure[]], topCases: number): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
  const ratio = (a: number, b: number) => (a > 0 && Number.isFinite(b) ? (b / a).toFixed(2) : '-');
  const [a, b] = runs;
  const sumExport = (r: RunMeasure) => [...r.exportMs.values()].reduce((t, x) => t + x, 0) / 1000;
  const per = (f1: (r: RunMeasure) => number) => [median(a.map(f1)), median(b.map(f1))] as const;
  const lines: string[][] = [['median over rounds (s)', sides[0].label, sides[1].label, 'B / A']];
  for (const [name, get] of [
    ['wall time', (r: RunMeasure) => r.wallS],
    ['CPU, process tree (user+sys)', (r: RunMeasure) => r.cpuS],
    ['CPU, convgate process itself', (r: RunMeasure) => r.ownS],
    ['CPU, export (sum of cases)', sumExport],
  ] as const) {
    const [x, y] = per(get);
    lines.push([name, f(x), f(y), ratio(x, y)]);
  }
  const ids = [...new Set([...a.flatMap((r) => [...r.exportMs.keys()])])];
  const caseRows = ids
    .map((id) => {
      const x = median(a.map((r) => r.exportMs.get(id)).filter((v): v is number => v !== undefined)) / 1000;
      const y = median(b.map((r) => r.exportMs.get(id)).filter((v): v is number => v !== undefined)) / 1000;
      return { id, x, y };
    })
    .sort((p, q) => q.x - p.x)
    .slice(0, topCases)
    .map(({ id, x, y }) => [id, f(x), f(y), ratio(x, y)]);
  const perRound = a.map((r, i) => `round ${i + 1}: A ${f(r.cpuS)} s, B ${f(b[i].cpuS)} s CPU`).join('; ');
  const changed = [...a[0].outcomes.entries()]
    .filter(([id, o]) => b[0].outcomes.get(id) !== o)
    .map(([id, o]) => `${id} ${o} → ${b[0].outcomes.get(id) ?? 'missing'}`);
  const lost = [...a[0].overloads].filter((o) => !b[0].overloads.has(o));
  const gained = [...b[0].overloads].filter((o) => !a[0].overloads.has(o));
  return [
    table(lines),
    '',
    table([['export CPU per case (s)', 'A', 'B', 'B / A'], ...caseRows]),
    '',
    perRound,
    `outcomes that differ (first round): ${changed.length ? changed.join(', ') : 'none'}`,
    `converter coverage (first round): A ${a[0].overloads.size}, B ${b[0].overloads.size} entry points; ` +
      `only in A: ${lost.length ? lost.join(', ') : 'none'}; only in B: ${gained.length ? gained.join(', ') : 'none'}`,
  ].join('\n');
}

const collect = (v: string, prev: string[]) => [...prev, v];
const program = new Command('bench:ab')
  .description('A/B: two convgate builds (or environments) on the same cases, interleaved')
  .option('--a <dir>', 'checkout A (default: this one)', PACKAGE_ROOT)
  .option('--b <dir>', 'checkout B (default: this one)', PACKAGE_ROOT)
  .option('--a-env <K=V>', 'environment of side A (repeatable)', collect, [])
  .option('--b-env <K=V>', 'environment of side B (repeatable)', collect, [])
  .option('--rounds <n>', 'A B pairs', positiveInt('--rounds'), 2)
  .option('--top <n>', 'cases listed (heaviest first)', positiveInt('--top'), 20)
  .option('--work <dir>', 'scratch folder', path.join(os.tmpdir(), 'convgate-bench-ab'))
  .allowUnknownOption(true)
  .argument('[run-args...]', 'arguments of `convgate run` after --, e.g. -- --corpus real --filter …')
  .parse(process.argv);
const flags = program.opts<{
  a: string;
  b: string;
  aEnv: string[];
  bEnv: string[];
  rounds: number;
  top: number;
  work: string;
}>();
const runArgs = [...program.args, '--no-progress', '--no-report'];
const sides: [Side, Side] = [
  { label: 'A', root: path.resolve(flags.a), env: parseEnv(flags.aEnv, '--a-env') },
  { label: 'B', root: path.resolve(flags.b), env: parseEnv(flags.bEnv, '--b-env') },
];
await mkdir(flags.work, { recursive: true });
console.log(`bench:ab: A = ${sides[0].root} ${flags.aEnv.join(' ')}`);
console.log(`          B = ${sides[1].root} ${flags.bEnv.join(' ')}`);
console.log(
  `          convgate run ${runArgs.join(' ')}; ${flags.rounds} round(s) A B, ${os.cpus().length} cores\n`,
);
const runs: [RunMeasure[], RunMeasure[]] = [[], []];
for (let round = 0; round < flags.rounds; round++)
  for (const s of [0, 1] as const) {
    const m = await runSide(sides[s], runArgs, path.join(flags.work, `${sides[s].label}-${round + 1}`));
    runs[s].push(m);
    console.log(
      `round ${round + 1} ${sides[s].label}: wall ${m.wallS.toFixed(1)} s, CPU ${m.cpuS.toFixed(1)} s`,
    );
  }
console.log('\n' + report(sides, runs, flags.top));
const load = (await readFile('/proc/loadavg', 'utf8').catch(() => '?')).split(' ').slice(0, 3).join(' ');
console.log(`load average at the end: ${load}`);
