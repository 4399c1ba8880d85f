import { Option, type Command } from 'commander';
import { converterNames } from '../convert/plugins.js';
import { DEFAULT_SOURCE_OPSET, PairingError } from '../run/pairing.js';
import { DEFAULT_TOLERANCE } from '../check/compare.js';
import { DEFAULT_RECYCLE_MB } from '../run/run-cases.js';
import { nonNegativeInt, nonNegativeNumber, positiveInt, positiveNumber } from '../util/args.js';

export {
  caseFilter,
  type CaseFilter,
  DEFAULT_JOBS,
  nonNegativeInt,
  nonNegativeNumber,
  positiveInt,
  positiveNumber,
} from '../util/args.js';
import { RUN_DEFAULTS } from '../run/defaults.js';
import type { RunOptions } from '../run/settings.js';
import type { Stack } from '../run/stacks.js';
export const INSTALL_HINT =
  'convgate needs a Python interpreter with torch and onnx. From the repository:\n' +
  '  bash scripts/setup.sh   # the modern stack (.venv/modern) and the Debian stack\n' +
  'then use --stack modern|debian, or --python PATH for another build. On Debian 12 by hand:\n' +
  '  apt-get install -y python3-torch python3-torchvision python3-numpy python3-onnx';

/** Repeatable option: each occurrence appends. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Options every command that runs cases shares (run, gate): converter, limits, tolerance. */
export function addConversionOptions(cmd: Command): Command {
  return cmd
    .option(
      '--stack <name>',
      'converter stack: modern (.venv/modern: torch 2.13, onnxscript) | debian (/usr/bin/python3: torch 1.13); default: modern once scripts/setup.sh made it',
    )
    .addOption(
      new Option(
        '--converter <name>',
        'converter under test (default: torch.onnx.dynamo on the modern stack, torch.onnx otherwise; `convgate converters` lists them)',
      ).choices(converterNames()),
    )
    .addOption(new Option('--adapter <name>', 'old name of --converter').choices(converterNames()).hideHelp())
    .option(
      '--convert-cmd <command>',
      'a command-line converter (converter `command`): "… {source} … {onnx} … {opset}", also {inputs} {outputs} {case} {python}',
    )
    .option(
      '--source-opset <n>',
      'opset torch cases are exported at when the converter takes ONNX models (onnx-version-converter)',
      positiveInt('--source-opset'),
      DEFAULT_SOURCE_OPSET,
    )
    .option(
      '--timeout <seconds>',
      'time limit per case: CPU time of the conversion (wall-time backstop 4×), wall time of the runtime check',
      positiveNumber('--timeout'),
      RUN_DEFAULTS.timeoutS,
    )
    .option(
      '--memory-limit <MiB>',
      'kill a converter worker above this resident memory',
      positiveInt('--memory-limit'),
      RUN_DEFAULTS.memoryLimitMb,
    )
    .option(
      '--recycle <MiB>',
      'replace a converter worker whose resident memory grew past this after a case (0: never)',
      nonNegativeInt('--recycle'),
      DEFAULT_RECYCLE_MB,
    )
    .option(
      '--opset <n>',
      'ONNX opset for cases that do not set one (default: the converter default)',
      positiveInt('--opset'),
    )
    .option('--atol <x>', 'absolute tolerance', nonNegativeNumber('--atol'), DEFAULT_TOLERANCE.atol)
    .option('--rtol <x>', 'relative tolerance', nonNegativeNumber('--rtol'), DEFAULT_TOLERANCE.rtol)
    .option('--keep-all', 'keep models and tensors of passing cases too', false)
    .option(
      '--no-surface',
      "do not record which of the converter's translation functions each case runs (docs/coverage.md)",
    );
}

/** The flags addConversionOptions defines that name the converter. */
export interface ConverterFlags {
  converter?: string;
  adapter?: string;
  sourceOpset?: number;
  convertCmd?: string;
}

/** The flags addConversionOptions defines, and --jobs: what `run` and both sides of `gate` share. */
export interface ConversionFlags extends ConverterFlags {
  jobs: number;
  timeout: number;
  memoryLimit: number;
  recycle: number;
  opset?: number;
  atol: number;
  rtol: number;
  keepAll: boolean;
  surface: boolean;
}

/** The run settings the conversion flags give on a stack (one place for `run` and `gate`). */
export function conversionRunOptions(
  flags: ConversionFlags,
  stack: Pick<Stack, 'name' | 'defaultAdapter'>,
): Omit<RunOptions, 'out' | 'python' | 'env' | 'resume'> {
  return {
    jobs: flags.jobs,
    stack: stack.name,
    adapter: converterOf(flags, stack.defaultAdapter),
    sourceOpset: flags.sourceOpset,
    ...(flags.convertCmd !== undefined ? { convertCommand: flags.convertCmd } : {}),
    timeoutS: flags.timeout,
    memoryLimitMb: flags.memoryLimit,
    recycleMb: flags.recycle,
    opset: flags.opset ?? null,
    tolerance: { atol: flags.atol, rtol: flags.rtol },
    keepAll: flags.keepAll,
    surface: flags.surface,
  };
}

/**
 * The converter a run names (--converter, or its old name --adapter; --convert-cmd means
 * `command`), else the stack's default. --convert-cmd with another converter is refused.
 */
export function converterOf(flags: ConverterFlags, stackDefault: string): string {
  const named = flags.converter ?? flags.adapter;
  if (flags.convertCmd !== undefined) {
    if (named !== undefined && named !== 'command')
      throw new PairingError(
        `--convert-cmd runs the command converter; it cannot be combined with --converter ${named}`,
      );
    return 'command';
  }
  if (named === 'command')
    throw new PairingError('--converter command needs --convert-cmd "… {source} … {onnx} …"');
  return named ?? stackDefault;
}
