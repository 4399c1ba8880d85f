import path from 'node:path';
import { Command } from 'commander';
import {
  CorpusError,
  DEFAULT_SYNTHETIC_COUNT,
  DEFAULT_SYNTHETIC_SEED,
  filterCases,
  loadCorpus,
  pickCases,
  syntheticSpec,
} from '../corpus/load.js';
import { MissingDependencyError, WorkerStartError } from '../convert/python-worker.js';
import { casesForConverter, PairingError } from '../run/pairing.js';
import { renderRunReport } from '../report/markdown.js';
import { DEFAULT_THREADS, runCases, RunInterrupted } from '../run/run-cases.js';
import { ResumeError } from '../run/resume.js';
import { interruptedExitCode, interruptOnSignals } from '../run/interrupt.js';
import type { RunOptions } from '../run/settings.js';
import { progressReporter } from '../report/progress.js';
import {
  addConversionOptions,
  DEFAULT_JOBS,
  INSTALL_HINT,
  collect,
  converterOf,
  conversionRunOptions,
  type ConversionFlags,
  nonNegativeInt,
  positiveInt,
  caseFilter,
  type CaseFilter,
} from './options.js';
import type { CliIo } from './io.js';
import { shardOption } from './gate-command.js';
import { resolveStack, StackError } from '../run/stacks.js';
import { formatShard, shardCases, type Shard } from '../gate/shard.js';
import { addLocalizeOptions, localizeBudget, type LocalizeFlags } from '../localize/cli-options.js';
import { localizeRunResults } from '../localize/apply.js';
import { writeResultsDoc } from '../results/writer.js';

interface RunFlags extends LocalizeFlags, ConversionFlags {
  corpus: string;
  out: string;
  filter?: CaseFilter;
  case: string[];
  count: number;
  seed: number;
  python?: string;
  stack?: string;
  sourceOpset: number;
  threads: number;
  shard?: Shard;
  resume: boolean;
  progress: boolean;
  report: boolean;
}

export function runCommand(io: CliIo): Command {
  return addLocalizeOptions(addConversionOptions(new Command('run')), false)
    .description('run a corpus through the converter and check every model in ONNX Runtime')
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
    .option('--shard <i/n>', 'only the i-th of n deterministic slices of the (filtered) cases', shardOption())
    .option('--threads <n>', 'torch threads per converter worker', positiveInt('--threads'), DEFAULT_THREADS)
    .option(
      '--case <id>',
      'run only this case (repeatable; synthetic ids syn-<seed>-<index> are regenerated)',
      collect,
      [],
    )
    .requiredOption(
      '--out <dir>',
      'results folder (results.jsonl, results.json, cases/<id>/ of failing cases)',
    )
    .option('--jobs <n>', 'parallel converter / runtime workers', positiveInt('--jobs'), DEFAULT_JOBS)
    .option('--filter <regexp>', 'only cases whose id or family matches', caseFilter('--filter'))
    .option('--python <path>', 'Python interpreter of the converter under test (overrides --stack)')
    .option('--resume', 'skip cases already in <out>/results.jsonl', false)
    .option('--no-progress', 'no progress output')
    .option('--no-report', 'do not print the markdown report at the end')
    .action(async (flags: RunFlags) => {
      io.exitCode = await run(flags, io);
    });
}

async function run(flags: RunFlags, io: CliIo): Promise<number> {
  const selected = await selectRunCases(flags, io);
  if (typeof selected === 'number') return selected;
  const { corpus, cases, stack } = selected;
  const options = runOptions(flags, stack);
  const progress = flags.progress
    ? progressReporter(
        io.interactive ? process.stderr : { write: (t: string) => (io.stderr(t), true) },
        io.interactive,
      )
    : undefined;
  const interrupt = interruptOnSignals((name) => {
    progress?.stop();
    io.stderr(`\nconvgate run: ${name}: stopping every worker and writing partial results…\n`);
  });
  try {
    const synthetic = corpus.cases.some((c) => syntheticSpec(c) !== null)
      ? { syntheticCount: flags.count, syntheticSeed: flags.seed }
      : {};
    let doc = await runCases(corpus, cases, { ...options, signal: interrupt.signal }, progress, {
      filter: flags.filter?.pattern ?? null,
      ...(flags.shard ? { shard: formatShard(flags.shard) } : {}),
      ...synthetic,
    });
    progress?.stop();
    const budget = localizeBudget(flags);
    if (budget) {
      doc = await localizeRunResults(doc, options.out, {
        corpus,
        run: options,
        budget,
        log: (line) => io.stderr(line + '\n'),
      });
      await writeResultsDoc(options.out, doc);
    }
    if (flags.report) io.stdout(renderRunReport(doc) + '\n');
    io.stderr(`results: ${path.join(options.out, 'results.json')}\n`);
    return 0;
  } catch (e) {
    progress?.stop();
    return runFailure(e, options, io);
  } finally {
    interrupt.dispose();
  }
}

/** The corpus, the cases the flags select and the stack; a number: the exit code of a refusal. */
async function selectRunCases(flags: RunFlags, io: CliIo) {
  let corpus;
  let cases;
  let stack;
  try {
    stack = resolveStack({ stack: flags.stack, python: flags.python });
    corpus = await loadCorpus(flags.corpus, { syntheticCount: flags.count, syntheticSeed: flags.seed });
    cases = shardCases(
      filterCases(flags.case.length ? pickCases(corpus.cases, flags.case) : corpus.cases, flags.filter),
      flags.shard ?? null,
    );
    casesForConverter(cases, converterOf(flags, stack.defaultAdapter), flags.sourceOpset);
  } catch (e) {
    if (e instanceof CorpusError || e instanceof StackError || e instanceof PairingError) {
      io.stderr(`convgate run: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (cases.length === 0) {
    io.stderr(
      `convgate run: --filter ${JSON.stringify(flags.filter?.pattern)} matches none of the ${corpus.cases.length} cases of corpus ${corpus.name}\n`,
    );
    return 2;
  }
  return { corpus, cases, stack };
}

function runOptions(flags: RunFlags, stack: ReturnType<typeof resolveStack>): RunOptions {
  return {
    ...conversionRunOptions(flags, stack),
    out: path.resolve(flags.out),
    python: stack.python,
    threads: flags.threads,
    resume: flags.resume,
  };
}

/** The exit code (and message) of a run that stopped: interrupted 130/143, refused 2, missing packages 3. */
function runFailure(e: unknown, options: RunOptions, io: CliIo): number {
  if (e instanceof RunInterrupted) {
    io.stderr(
      `convgate run: interrupted (${e.reason}) after ${e.doc.cases.length} of ${e.doc.corpus.cases} cases; partial results (complete: false): ${path.join(options.out, 'results.json')}\n`,
    );
    return interruptedExitCode(e.reason);
  }
  if (e instanceof ResumeError) {
    io.stderr(`convgate run: ${e.message}\n`);
    return 2;
  }
  if (e instanceof MissingDependencyError) {
    io.stderr(`convgate run: ${e.message}\n`);
    return 3;
  }
  if (e instanceof WorkerStartError) {
    io.stderr(`convgate run: ${e.message}\n\n${INSTALL_HINT}\n`);
    return 3;
  }
  throw e;
}
