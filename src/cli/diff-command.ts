import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import {
  CLOCKS,
  DEFAULT_DIFF_OPTIONS,
  DiffInputError,
  diffResults,
  type Clock,
  type DiffOptions,
} from '../gate/diff.js';
import { renderGateReport } from '../gate/render.js';
import { readResultsDoc, ResultsError } from '../results/writer.js';
import { nonNegativeNumber, positiveNumber } from './options.js';
import type { CliIo } from './io.js';

export interface DiffFlags {
  json?: string;
  force: boolean;
  across: boolean;
  slowFactor: number;
  slowFloor: number;
  failOnSlow: boolean;
  allowLostCoverage: boolean;
  slowClock: Clock;
  driftFactor: number;
  driftFloor: number;
}

/** Options shared by `diff` and `gate`: how a comparison is made. */
export function addDiffOptions(cmd: Command): Command {
  return cmd
    .option('--json <file>', 'also write the verdict document (GateReport JSON) to this file')
    .option('--force', 'compare results made with a different corpus, tolerance or opset anyway', false)
    .option(
      '--across',
      'compare results of different converter stacks on purpose (another torch release or exporter); corpus and tolerance must still match',
      false,
    )
    .option(
      '--slow-factor <x>',
      'a case is slow when its export or ONNX Runtime time grew by more than this factor…',
      positiveNumber('--slow-factor'),
      DEFAULT_DIFF_OPTIONS.slowFactor,
    )
    .option(
      '--slow-floor <ms>',
      '…and by more than this many milliseconds (timer noise on tiny models is not a slowdown)',
      nonNegativeNumber('--slow-floor'),
      DEFAULT_DIFF_OPTIONS.slowFloorMs,
    )
    .addOption(
      new Option(
        '--slow-clock <clock>',
        'time the slow check compares: cpu (CPU time of the converter process and the ONNX Runtime session) or wall',
      )
        .choices(CLOCKS)
        .default(DEFAULT_DIFF_OPTIONS.slowClock),
    )
    .option('--fail-on-slow', 'slow cases fail the verdict too (default: reported only)', false)
    .option(
      '--allow-lost-coverage',
      'with --across: cases the candidate stack cannot run at all (unsupported there) are listed without failing',
      false,
    )
    .option(
      '--drift-factor <x>',
      'precision drift: a passing case regresses when an output error grew by more than this factor… (0: off)',
      nonNegativeNumber('--drift-factor'),
      DEFAULT_DIFF_OPTIONS.driftFactor,
    )
    .option(
      '--drift-floor <fraction>',
      '…and reached this fraction of atol',
      nonNegativeNumber('--drift-floor'),
      DEFAULT_DIFF_OPTIONS.driftFloor,
    );
}

export function diffOptions(flags: DiffFlags): DiffOptions {
  return {
    force: flags.force,
    across: flags.across,
    slowFactor: flags.slowFactor,
    slowFloorMs: flags.slowFloor,
    failOnSlow: flags.failOnSlow,
    allowLost: flags.allowLostCoverage,
    slowClock: flags.slowClock,
    driftFactor: flags.driftFactor,
    driftFloor: flags.driftFloor,
  };
}

export class OutputFileError extends Error {}

/** Writes --json FILE; a file that cannot be written is bad input (exit 2), named in the message. */
export async function writeJson(file: string, value: unknown): Promise<void> {
  try {
    await writeFile(file, JSON.stringify(value, null, 1) + '\n');
  } catch (e) {
    throw new OutputFileError(`--json ${file}: cannot write: ${(e as Error).message}`);
  }
}

export function diffCommand(io: CliIo): Command {
  return addDiffOptions(
    new Command('diff')
      .description('compare two results case by case; exit 1 on regressions, 0 otherwise, 2 on bad input')
      .argument('<baseline>', 'baseline results folder or results.json')
      .argument('<candidate>', 'candidate results folder or results.json'),
  ).action(async (baselinePath: string, candidatePath: string, flags: DiffFlags) => {
    try {
      const baseline = await readResultsDoc(baselinePath);
      const candidate = await readResultsDoc(candidatePath);
      const report = diffResults(baseline, candidate, diffOptions(flags));
      if (flags.json) await writeJson(flags.json, report);
      io.stdout(renderGateReport(report) + '\n');
      io.exitCode = report.verdict === 'fail' ? 1 : 0;
    } catch (e) {
      if (!(e instanceof ResultsError || e instanceof DiffInputError || e instanceof OutputFileError))
        throw e;
      io.stderr(`convgate diff: ${e.message}\n`);
      io.exitCode = 2;
    }
  });
}
