import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { MissingDependencyError, WorkerStartError } from '../convert/python-worker.js';
import { casesForConverter, PairingError } from '../run/pairing.js';
import { CorpusError, DEFAULT_SYNTHETIC_COUNT, DEFAULT_SYNTHETIC_SEED } from '../corpus/load.js';
import { DiffInputError } from '../gate/diff.js';
import { EnvInputError, parseEnvAssignments } from '../gate/env.js';
import {
  resolveCorpus,
  runGate,
  selectCases,
  type BaselineSource,
  type GatePlan,
  type SideSpec,
} from '../gate/gate.js';
import { renderGateReport } from '../gate/render.js';
import { parseShard, ShardError, type Shard } from '../gate/shard.js';
import { readResultsDoc, ResultsError } from '../results/writer.js';
import type { ResultsDoc } from '../results/schema.js';
import { addDiffOptions, diffOptions, OutputFileError, writeJson, type DiffFlags } from './diff-command.js';
import { progressReporter } from '../report/progress.js';
import {
  addConversionOptions,
  converterOf,
  conversionRunOptions,
  type ConversionFlags,
  DEFAULT_JOBS,
  INSTALL_HINT,
  nonNegativeInt,
  positiveInt,
  caseFilter,
  type CaseFilter,
} from './options.js';
import type { CliIo } from './io.js';
import { resolveStack, StackError } from '../run/stacks.js';
import { RunInterrupted } from '../run/run-cases.js';
import { interruptedExitCode, interruptOnSignals } from '../run/interrupt.js';
import { addLocalizeOptions, localizeBudget } from '../localize/cli-options.js';
import { RUN_DEFAULTS } from '../run/defaults.js';

/** Commander parser for `--shard i/n` (also meant for `convgate run --shard`). */
export function shardOption(name = '--shard') {
  return (value: string): Shard => {
    try {
      return parseShard(value, name);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

interface GateFlags extends DiffFlags, ConversionFlags {
  out: string;
  corpus: string;
  filter?: CaseFilter;
  count: number;
  seed: number;
  shard?: Shard;
  python?: string;
  stack?: string;
  sourceOpset: number;
  baseline?: string;
  candidate?: string;
  confirmSlow: boolean;
  baselineEnv?: string[];
  baselinePython?: string;
  baselineStack?: string;
  baselineAdapter?: string;
  candidateEnv?: string[];
  candidatePython?: string;
  candidateStack?: string;
  candidateAdapter?: string;
  reruns: number;
  progress: boolean;
  reuseCaptures?: string | boolean;
  localize: boolean;
  localizeTrials: number;
  localizeSeconds: number;
  localizeTotal: number;
}

export function gateCommand(io: CliIo): Command {
  const cmd = addConversionOptions(new Command('gate'))
    .description(
      'run the baseline and the candidate converter builds (or take stored baseline results), diff them, ' +
        're-run regressing cases to rule out flakes; exit 1 on confirmed regressions, 0 otherwise, 2 on bad input',
    )
    .requiredOption('--out <dir>', 'folder for baseline/, candidate/, confirm-<k>/, gate.json and gate.md')
    .option(
      '--corpus <name|file>',
      'real | synthetic | default (real + synthetic) | onnx | keras | tensorflow | path to a cases.json',
      'real',
    )
    .option(
      '--count <n>',
      'synthetic cases (corpus synthetic/default)',
      positiveInt('--count'),
      DEFAULT_SYNTHETIC_COUNT,
    )
    .option('--seed <n>', 'synthetic generator seed', nonNegativeInt('--seed'), DEFAULT_SYNTHETIC_SEED)
    .option('--filter <regexp>', 'only cases whose id or family matches', caseFilter('--filter'))
    .option('--shard <i/n>', 'only the i-th of n deterministic slices of the (filtered) cases', shardOption())
    .option(
      '--baseline <results>',
      'compare with stored baseline results (folder or results.json) instead of running the baseline',
    )
    .option(
      '--candidate <results>',
      'take stored candidate results (folder or results.json of a `convgate run` of the candidate build) instead of running the candidate; confirmation re-runs and localization still run the candidate build',
    )
    .option(
      '--baseline-env <NAME=VALUE...>',
      'environment changes of the baseline converter build (NAME alone unsets)',
    )
    .option('--baseline-python <path>', 'interpreter of the baseline converter build (default: --python)')
    .option(
      '--candidate-env <NAME=VALUE...>',
      'environment changes of the candidate converter build (NAME alone unsets)',
    )
    .option('--candidate-python <path>', 'interpreter of the candidate converter build (default: --python)')
    .option(
      '--baseline-stack <name>',
      'stack of the baseline build (modern | debian): its interpreter and default exporter; needs --across when it differs',
    )
    .option(
      '--candidate-stack <name>',
      'stack of the candidate build (modern | debian); needs --across when it differs',
    )
    .option(
      '--baseline-adapter <name>',
      'exporter of the baseline build (e.g. torch.onnx for TorchScript); needs --across when it differs',
    )
    .option('--candidate-adapter <name>', 'exporter of the candidate build; needs --across when it differs')
    .option(
      '--reruns <n>',
      'confirmation: re-run each regressing case n more times on the candidate (0: off)',
      nonNegativeInt('--reruns'),
      RUN_DEFAULTS.reruns,
    )
    .option(
      '--no-confirm-slow',
      'report slow cases as measured instead of re-running them (when slower is the expected change, e.g. another exporter); not with --fail-on-slow',
    )
    .option(
      '--reuse-captures [dir]',
      "dynamo exporter: the baseline saves each case's torch.export capture (in dir, default <out>/captures), the candidate starts from it when its torch build, the case and the worker are the same",
    )
    .option('--jobs <n>', 'parallel converter / runtime workers', positiveInt('--jobs'), DEFAULT_JOBS)
    .option('--python <path>', 'Python interpreter of both sides unless --baseline-python/--candidate-python')
    .option('--no-progress', 'no per-case progress output');
  return addLocalizeOptions(addDiffOptions(cmd), true).action(async (flags: GateFlags) => {
    io.exitCode = await gate(flags, io);
  });
}

/**
 * One side's own stack and exporter (--baseline-stack/--baseline-adapter, --candidate-…): a named
 * stack brings its interpreter and, unless an adapter is named, its default exporter.
 */
function sideBuild(
  flags: GateFlags,
  which: 'baseline' | 'candidate',
  shared: string,
): { python?: string; adapter?: string; spec: Pick<SideSpec, 'adapter' | 'stack'> } {
  const stackName = which === 'baseline' ? flags.baselineStack : flags.candidateStack;
  const adapterFlag = which === 'baseline' ? flags.baselineAdapter : flags.candidateAdapter;
  const own = stackName !== undefined ? resolveStack({ stack: stackName }) : null;
  const explicitShared = flags.converter ?? flags.adapter;
  const adapter = adapterFlag ?? (own ? (explicitShared ?? own.defaultAdapter) : undefined);
  return {
    ...(own ? { python: own.python } : {}),
    ...(adapter ? { adapter } : {}),
    spec: {
      ...(own ? { stack: own.name } : {}),
      ...(adapter && adapter !== shared ? { adapter } : {}),
    },
  };
}

class CandidateResultsError extends Error {}

/** The converter build the candidate side runs (for re-runs): its exporter and stack. */
function candidateBuild(side: SideSpec, shared: string, sharedStack: string | null) {
  return { adapter: side.adapter ?? shared, stack: side.stack !== undefined ? side.stack : sharedStack };
}

/**
 * Candidate results made earlier (`--candidate`): read once, and refused when they were made by
 * another exporter or stack than the candidate build the confirmation re-runs would use.
 */
async function storedCandidate(
  given: string,
  build: { adapter: string; stack: string | null },
): Promise<{ doc: ResultsDoc; dir: string }> {
  const doc = await readResultsDoc(given);
  const dir = given.endsWith('.json') ? path.dirname(path.resolve(given)) : path.resolve(given);
  const made = {
    adapter: doc.converter.name,
    stack: (doc.environment.stack as string | null | undefined) ?? null,
  };
  const differ = [
    ...(made.adapter !== build.adapter ? [`exporter ${made.adapter}, candidate build ${build.adapter}`] : []),
    ...(build.stack && made.stack !== build.stack
      ? [`stack ${made.stack ?? 'none recorded'}, candidate build ${build.stack}`]
      : []),
  ];
  if (differ.length)
    throw new CandidateResultsError(
      `--candidate ${given}: the results were made by another build than the candidate (${differ.join('; ')}); confirmation re-runs would test something else — give the candidate's --stack/--candidate-adapter`,
    );
  return { doc, dir };
}

async function gate(flags: GateFlags, io: CliIo): Promise<number> {
  const fail = (message: string) => {
    io.stderr(`convgate gate: ${message}\n`);
    return 2;
  };
  const conflict = conflictingFlags(flags);
  if (conflict) return fail(conflict);
  let plan: GatePlan;
  try {
    plan = await planGate(flags);
  } catch (e) {
    if (
      e instanceof CorpusError ||
      e instanceof ResultsError ||
      e instanceof EnvInputError ||
      e instanceof ShardError ||
      e instanceof StackError ||
      e instanceof PairingError ||
      e instanceof CandidateResultsError
    )
      return fail(e.message);
    throw e;
  }
  return executeGate(plan, flags, io, fail);
}

/** Flags that cannot be given together, as the message that says so (null: none). */
function conflictingFlags(flags: GateFlags): string | null {
  if (
    flags.baseline &&
    (flags.baselineEnv || flags.baselinePython || flags.baselineStack || flags.baselineAdapter)
  )
    return '--baseline takes stored results; --baseline-env/--baseline-python/--baseline-stack/--baseline-adapter describe a baseline to run — give one or the other';
  if (flags.allowLostCoverage && !flags.across)
    return '--allow-lost-coverage applies only to a gate across stacks (--across): within one stack, a build that runs fewer cases fails';
  if (!flags.confirmSlow && flags.failOnSlow)
    return '--fail-on-slow fails on slowdowns seen in every re-run; --no-confirm-slow skips those re-runs — give one or the other';
  return null;
}

/** The gate the flags describe: corpus and selected cases, both sides, the shared run settings. */
async function planGate(flags: GateFlags): Promise<GatePlan> {
  const stack = resolveStack({ stack: flags.stack, python: flags.python });
  const synthetic = { syntheticCount: flags.count, syntheticSeed: flags.seed };
  const corpus = await resolveCorpus(flags.corpus, synthetic);
  const selection = { filter: flags.filter ?? null, shard: flags.shard ?? null };
  const cases = selectCases(corpus, selection);
  const shared = converterOf(flags, stack.defaultAdapter);
  const sides = {
    candidate: sideBuild(flags, 'candidate', shared),
    baseline: sideBuild(flags, 'baseline', shared),
  };
  for (const adapter of new Set([shared, sides.candidate.adapter, sides.baseline.adapter]))
    if (adapter) casesForConverter(cases, adapter, flags.sourceOpset);
  if (cases.length === 0)
    throw new CorpusError(
      `the selection (${flags.filter ? `--filter ${JSON.stringify(flags.filter.pattern)}` : ''}${flags.shard ? ` --shard ${flags.shard.index}/${flags.shard.count}` : ''}) matches none of the ${corpus.cases.length} cases of corpus ${corpus.name}`,
    );
  const candidate = {
    python: flags.candidatePython ?? sides.candidate.python ?? stack.python,
    env: parseEnvAssignments(flags.candidateEnv ?? [], '--candidate-env'),
    ...sides.candidate.spec,
  };
  const stored = flags.candidate
    ? await storedCandidate(flags.candidate, candidateBuild(candidate, shared, stack.name))
    : null;
  return {
    corpus,
    selection,
    cases,
    run: conversionRunOptions(flags, stack),
    out: path.resolve(flags.out),
    synthetic,
    candidate,
    baseline: await baselineSource(flags, sides.baseline, stack.python),
    ...(stored ? { candidateDoc: stored.doc, candidateFrom: stored.dir } : {}),
    reruns: flags.reruns,
    confirmSlow: flags.confirmSlow,
    captures: capturesDir(flags),
    diff: diffOptions(flags),
    localize: localizeBudget(flags),
  };
}

/** Stored baseline results (--baseline), or the baseline build to run. */
async function baselineSource(
  flags: GateFlags,
  side: ReturnType<typeof sideBuild>,
  stackPython: string,
): Promise<BaselineSource> {
  if (flags.baseline) return { kind: 'doc', doc: await readResultsDoc(flags.baseline), source: 'file' };
  return {
    kind: 'run',
    side: {
      python: flags.baselinePython ?? side.python ?? stackPython,
      env: parseEnvAssignments(flags.baselineEnv ?? [], '--baseline-env'),
      ...side.spec,
    },
  };
}

/** Where torch.export captures are shared (--reuse-captures [dir]), or null. */
function capturesDir(flags: GateFlags): string | null {
  if (flags.reuseCaptures === undefined || flags.reuseCaptures === false) return null;
  return typeof flags.reuseCaptures === 'string'
    ? path.resolve(flags.reuseCaptures)
    : path.join(path.resolve(flags.out), 'captures');
}

/** Runs the planned gate with progress and interruption; prints the report; the exit code. */
async function executeGate(
  plan: GatePlan,
  flags: GateFlags,
  io: CliIo,
  fail: (message: string) => number,
): Promise<number> {
  const log = (line: string) => io.stderr(line + '\n');
  const stream = io.interactive ? process.stderr : { write: (t: string) => (io.stderr(t), true) };
  let active: ReturnType<typeof progressReporter> | undefined;
  const interrupt = interruptOnSignals((name) => {
    active?.stop();
    log(`\nconvgate gate: ${name}: stopping every worker and writing partial results…`);
  });
  plan.run.signal = interrupt.signal;
  try {
    const result = await runGate(plan, {
      log,
      group: async (title, fn) => {
        log(`── ${title}`);
        try {
          return await fn();
        } finally {
          active?.stop();
          active = undefined;
        }
      },
      events: () => {
        if (!flags.progress) return undefined;
        active = progressReporter(stream, io.interactive);
        return active;
      },
    });
    if (flags.json) await writeJson(flags.json, result.report);
    io.stdout(renderGateReport(result.report) + '\n');
    log(`verdict: ${result.report.verdict} (${result.paths.json})`);
    return result.report.verdict === 'fail' ? 1 : 0;
  } catch (e) {
    active?.stop();
    return gateFailure(e, plan, io, fail);
  } finally {
    interrupt.dispose();
  }
}

/** The exit code (and message) of a gate that stopped before its verdict. */
function gateFailure(e: unknown, plan: GatePlan, io: CliIo, fail: (message: string) => number): number {
  if (e instanceof RunInterrupted) {
    io.stderr(`convgate gate: interrupted (${e.reason}); no verdict. Partial results: ${plan.out}\n`);
    return interruptedExitCode(e.reason);
  }
  if (e instanceof DiffInputError || e instanceof OutputFileError) return fail(e.message);
  if (e instanceof MissingDependencyError) {
    io.stderr(`convgate gate: ${e.message}\n`);
    return 3;
  }
  if (e instanceof WorkerStartError) {
    io.stderr(`convgate gate: ${e.message}\n\n${INSTALL_HINT}\n`);
    return 3;
  }
  throw e;
}
