import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_TOLERANCE } from '../check/compare.js';
import { converterNames } from '../convert/plugins.js';
import { CLOCKS, DEFAULT_DIFF_OPTIONS } from '../gate/diff.js';
import { EnvInputError, parseEnvLines } from '../gate/env.js';
import { parseShard, ShardError } from '../gate/shard.js';
import { DEFAULT_LOCALIZE_BUDGET } from '../localize/localize.js';
import { RUN_DEFAULTS } from '../run/defaults.js';
import { DEFAULT_SOURCE_OPSET } from '../run/pairing.js';
import {
  badValue,
  DEFAULT_JOBS,
  NON_NEGATIVE_INT,
  NON_NEGATIVE_NUMBER,
  POSITIVE_INT,
  POSITIVE_NUMBER,
  CASE_FILTER,
  type ValueKind,
} from '../util/args.js';

export const MODES = ['gate', 'shard', 'merge'] as const;
export const MISS_POLICIES = ['skip', 'run', 'fail'] as const;
export const SAVE_POLICIES = ['auto', 'always', 'never'] as const;
export const FAIL_ON = ['regressions', 'regressions-or-slow', 'never'] as const;

/** A bad input value; the message names the input and what it must be. */
export class InputError extends Error {}

/** An empty input (unset, or `''` in the workflow) takes the schema's default. */
const unsetIfEmpty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** An input read as text (trimmed), then checked by `schema`; empty: `fallback`. */
function input<T extends z.ZodType>(schema: T, fallback: z.output<T>) {
  return z.preprocess(
    (v) => (typeof v === 'string' ? unsetIfEmpty(v.trim()) : v),
    schema.default(fallback as never) as unknown as z.ZodType<z.output<T>>,
  );
}
const kind = <T>(k: ValueKind<T>, fallback: T) => input(k.schema, fallback);
const optional = <T>(k: ValueKind<T>) => input(k.schema.nullable(), null);
const oneOf = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  input(z.enum(values, { error: `one of ${values.join(', ')}` }), fallback);
const text = (fallback: string) => input(z.string(), fallback);
const bool = (fallback: boolean) =>
  input(
    z.stringbool({ truthy: ['true', 'yes', '1'], falsy: ['false', 'no', '0'], error: 'true or false' }),
    fallback,
  );
/** A multi-line input of NAME=VALUE lines (kept as written: its lines matter). */
const envLines = (name: string) =>
  z
    .string()
    .default('')
    .transform((v, ctx) => {
      try {
        return parseEnvLines(v, `input ${name}`);
      } catch (e) {
        if (!(e instanceof EnvInputError)) throw e;
        ctx.addIssue({ code: 'custom', message: e.message, params: { whole: true } });
        return z.NEVER;
      }
    });

/**
 * Every input of the Action (the keys are the names in action.yml), its kind and its default,
 * written once: the defaults shared with the CLI come from the tables the CLI reads
 * (RUN_DEFAULTS, DEFAULT_TOLERANCE, DEFAULT_DIFF_OPTIONS, …). action.yml states the same defaults
 * for GitHub's UI; __tests__/action/inputs.test.ts checks that they parse to the same values.
 */
export const inputSchema = z.object({
  mode: oneOf(MODES, 'gate'),
  corpus: text('real'),
  'synthetic-count': optional(POSITIVE_INT),
  'synthetic-seed': optional(NON_NEGATIVE_INT),
  filter: optional(CASE_FILTER),
  python: text('python3'),
  adapter: input(
    z.enum(converterNames() as [string, ...string[]], { error: `one of ${converterNames().join(', ')}` }),
    RUN_DEFAULTS.adapter,
  ),
  'convert-cmd': text(''),
  'source-opset': kind(POSITIVE_INT, DEFAULT_SOURCE_OPSET),
  opset: optional(POSITIVE_INT),
  atol: kind(NON_NEGATIVE_NUMBER, DEFAULT_TOLERANCE.atol),
  rtol: kind(NON_NEGATIVE_NUMBER, DEFAULT_TOLERANCE.rtol),
  jobs: kind(POSITIVE_INT, DEFAULT_JOBS),
  timeout: kind(POSITIVE_NUMBER, RUN_DEFAULTS.timeoutS),
  'memory-limit': kind(POSITIVE_INT, RUN_DEFAULTS.memoryLimitMb),
  shard: input(
    z
      .string()
      .transform((v, ctx) => {
        try {
          return parseShard(v, 'input shard');
        } catch (e) {
          if (!(e instanceof ShardError)) throw e;
          ctx.addIssue({ code: 'custom', message: e.message, params: { whole: true } });
          return z.NEVER;
        }
      })
      .nullable(),
    null,
  ),
  baseline: text('cache'),
  'on-baseline-miss': oneOf(MISS_POLICIES, 'skip'),
  'baseline-python': text(''),
  'baseline-env': envLines('baseline-env'),
  'candidate-env': envLines('candidate-env'),
  'save-baseline': oneOf(SAVE_POLICIES, 'auto'),
  'baseline-store': text('actions-cache'),
  reruns: kind(NON_NEGATIVE_INT, RUN_DEFAULTS.reruns),
  'fail-on': oneOf(FAIL_ON, 'regressions'),
  'slow-factor': kind(POSITIVE_NUMBER, DEFAULT_DIFF_OPTIONS.slowFactor),
  'slow-floor': kind(NON_NEGATIVE_NUMBER, DEFAULT_DIFF_OPTIONS.slowFloorMs),
  'slow-clock': oneOf(CLOCKS, DEFAULT_DIFF_OPTIONS.slowClock),
  'drift-factor': kind(NON_NEGATIVE_NUMBER, DEFAULT_DIFF_OPTIONS.driftFactor),
  'drift-floor': kind(NON_NEGATIVE_NUMBER, DEFAULT_DIFF_OPTIONS.driftFloor),
  force: bool(DEFAULT_DIFF_OPTIONS.force),
  localize: bool(true),
  'localize-seconds': kind(POSITIVE_NUMBER, DEFAULT_LOCALIZE_BUDGET.totalSeconds),
  across: bool(DEFAULT_DIFF_OPTIONS.across),
  'results-dir': text('.convgate'),
  'artifact-name': input(
    z.string().regex(/^[^\\/":<>|*?\r\n]*$/, { error: 'a name without \\ / " : < > | * ? or newlines' }),
    'convgate',
  ),
});

/** The inputs' names, as in action.yml. */
export const INPUT_NAMES = Object.keys(inputSchema.shape) as (keyof typeof inputSchema.shape)[];
export type Inputs = z.output<typeof inputSchema>;

/** Output names, as in action.yml. */
export const Outputs = {
  Verdict: 'verdict',
  Regressions: 'regressions',
  Fixes: 'fixes',
  Flaky: 'flaky',
  Results: 'results',
  Report: 'report',
  BaselineKey: 'baseline-key',
  BaselineHit: 'baseline-hit',
} as const;

/** The first problem of a parse as one line naming the input and what it must be. */
function inputError(error: z.ZodError, raw: Record<string, unknown>): InputError {
  const issue = error.issues[0];
  const name = String(issue?.path[0] ?? '');
  if ((issue as { params?: { whole?: boolean } }).params?.whole) return new InputError(issue.message);
  return new InputError(badValue(`input ${name}`, String(raw[name] ?? '').trim(), issue?.message ?? '?'));
}

/**
 * The Action's settings: the parsed inputs combined where one input depends on another (the
 * converter and its command line, the shard and the mode), paths resolved against the workspace.
 */
function toConfig(i: Inputs, workspace: string) {
  const command = i['convert-cmd'];
  // A command line with the default adapter means the `command` converter.
  const adapter = command && i.adapter === RUN_DEFAULTS.adapter ? 'command' : i.adapter;
  if (adapter === 'command' && !command)
    throw new InputError(`input adapter command needs input convert-cmd (the converter's command line)`);
  if (command && adapter !== 'command')
    throw new InputError(
      `input convert-cmd runs the command converter; it cannot be combined with adapter ${adapter}`,
    );
  if (i.mode === 'shard' && !i.shard)
    throw new InputError(`input shard is required with mode shard (e.g. "1/3" in a matrix job)`);
  if (i.mode === 'merge' && i.shard)
    throw new InputError(`input shard does not apply to mode merge (it merges all shards)`);
  if (
    (i['synthetic-count'] !== null || i['synthetic-seed'] !== null) &&
    !['synthetic', 'default'].includes(i.corpus)
  )
    throw new InputError(
      `inputs synthetic-count/synthetic-seed apply to corpus synthetic or default, not ${JSON.stringify(i.corpus)}`,
    );
  const resolve = (p: string) => path.resolve(workspace, p);
  const resultsDir = resolve(i['results-dir']);
  const inside = path.relative(resultsDir, path.resolve(workspace));
  if (inside === '' || !inside.startsWith('..'))
    throw new InputError(
      `input results-dir must be a folder of its own (not the workspace or above it); got ${JSON.stringify(i['results-dir'])}`,
    );
  return {
    mode: i.mode,
    corpus: i.corpus,
    syntheticCount: i['synthetic-count'],
    syntheticSeed: i['synthetic-seed'],
    filter: i.filter,
    python: i.python,
    adapter,
    /** The command line of the `command` converter (input convert-cmd); null: none. */
    convertCommand: command || null,
    /** Opset torch cases are exported at for a converter that takes ONNX models. */
    sourceOpset: i['source-opset'],
    opset: i.opset,
    atol: i.atol,
    rtol: i.rtol,
    jobs: i.jobs,
    timeoutS: i.timeout,
    memoryLimitMb: i['memory-limit'],
    shard: i.shard,
    /** 'cache' (the base commit's stored baseline) or a path to baseline results. */
    baseline: i.baseline === 'cache' ? ('cache' as const) : { file: resolve(i.baseline) },
    onBaselineMiss: i['on-baseline-miss'],
    baselinePython: i['baseline-python'] || i.python,
    baselineEnv: i['baseline-env'],
    candidateEnv: i['candidate-env'],
    saveBaseline: i['save-baseline'],
    /** 'actions-cache' or a folder (self-hosted runners, tests). */
    baselineStore:
      i['baseline-store'] === 'actions-cache'
        ? ('actions-cache' as const)
        : { dir: resolve(i['baseline-store']) },
    reruns: i.reruns,
    failOn: i['fail-on'],
    slowFactor: i['slow-factor'],
    slowFloorMs: i['slow-floor'],
    slowClock: i['slow-clock'],
    driftFactor: i['drift-factor'],
    driftFloor: i['drift-floor'],
    force: i.force,
    /** Localize confirmed regressions (docs/localize.md); seconds for all of them. */
    localize: i.localize,
    localizeSeconds: i['localize-seconds'],
    /** Compare across converter stacks (torch release, exporter) on purpose. */
    across: i.across,
    resultsDir,
    /** null: no artifact upload. */
    artifactName: i['artifact-name'] === 'none' ? null : i['artifact-name'],
  };
}

export type ActionConfig = ReturnType<typeof toConfig>;

/** Parses the inputs (name → text, as action.yml names them); a bad one is an InputError. */
export function parseInputs(raw: Record<string, string>): Inputs {
  const r = inputSchema.safeParse(raw);
  if (!r.success) throw inputError(r.error, raw);
  return r.data;
}

/**
 * Reads and validates every input once, at the edge. `read` is how an input is read
 * (core.getInput in the Action); empty values take the schema's defaults.
 */
export function readConfig(read: (name: string) => string, workspace = process.cwd()): ActionConfig {
  return toConfig(parseInputs(Object.fromEntries(INPUT_NAMES.map((n) => [n, read(n)]))), workspace);
}
