import os from 'node:os';
import path from 'node:path';
import { DEFAULT_TOLERANCE } from '../check/compare.js';
import { converterNames } from '../convert/plugins.js';
import { CLOCKS, type Clock } from '../gate/diff.js';
import { EnvInputError, parseEnvLines, type EnvOverrides } from '../gate/env.js';
import { parseShard, ShardError, type Shard } from '../gate/shard.js';
import { RUN_DEFAULTS } from '../run/defaults.js';

/** Input names, as in action.yml. */
export const Inputs = {
  Mode: 'mode',
  Corpus: 'corpus',
  SyntheticCount: 'synthetic-count',
  SyntheticSeed: 'synthetic-seed',
  Filter: 'filter',
  Python: 'python',
  Adapter: 'adapter',
  ConvertCmd: 'convert-cmd',
  SourceOpset: 'source-opset',
  Opset: 'opset',
  Atol: 'atol',
  Rtol: 'rtol',
  Jobs: 'jobs',
  Timeout: 'timeout',
  MemoryLimit: 'memory-limit',
  Shard: 'shard',
  Baseline: 'baseline',
  OnBaselineMiss: 'on-baseline-miss',
  BaselinePython: 'baseline-python',
  BaselineEnv: 'baseline-env',
  CandidateEnv: 'candidate-env',
  SaveBaseline: 'save-baseline',
  BaselineStore: 'baseline-store',
  Reruns: 'reruns',
  FailOn: 'fail-on',
  SlowFactor: 'slow-factor',
  SlowFloor: 'slow-floor',
  SlowClock: 'slow-clock',
  DriftFactor: 'drift-factor',
  DriftFloor: 'drift-floor',
  Force: 'force',
  Localize: 'localize',
  LocalizeSeconds: 'localize-seconds',
  Across: 'across',
  ResultsDir: 'results-dir',
  ArtifactName: 'artifact-name',
} as const;

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

/** Defaults of the inputs (action.yml states the same; a test keeps them in sync). */
export const INPUT_DEFAULTS: Record<(typeof Inputs)[keyof typeof Inputs], string> = {
  mode: 'gate',
  corpus: 'real',
  'synthetic-count': '',
  'synthetic-seed': '',
  filter: '',
  python: 'python3',
  adapter: RUN_DEFAULTS.adapter,
  'convert-cmd': '',
  'source-opset': '11',
  opset: '',
  atol: String(DEFAULT_TOLERANCE.atol),
  rtol: String(DEFAULT_TOLERANCE.rtol),
  jobs: '',
  timeout: String(RUN_DEFAULTS.timeoutS),
  'memory-limit': String(RUN_DEFAULTS.memoryLimitMb),
  shard: '',
  baseline: 'cache',
  'on-baseline-miss': 'skip',
  'baseline-python': '',
  'baseline-env': '',
  'candidate-env': '',
  'save-baseline': 'auto',
  'baseline-store': 'actions-cache',
  reruns: String(RUN_DEFAULTS.reruns),
  'fail-on': 'regressions',
  'slow-factor': '2',
  'slow-floor': '20',
  'slow-clock': 'cpu',
  'drift-factor': '10',
  'drift-floor': '0.1',
  force: 'false',
  localize: 'true',
  'localize-seconds': '600',
  across: 'false',
  'results-dir': '.convgate',
  'artifact-name': 'convgate',
};

export const MODES = ['gate', 'shard', 'merge'] as const;
export const MISS_POLICIES = ['skip', 'run', 'fail'] as const;
export const SAVE_POLICIES = ['auto', 'always', 'never'] as const;
export const FAIL_ON = ['regressions', 'regressions-or-slow', 'never'] as const;

export interface ActionConfig {
  mode: (typeof MODES)[number];
  corpus: string;
  syntheticCount: number | null;
  syntheticSeed: number | null;
  filter: string | null;
  python: string;
  adapter: string;
  /** The command line of the `command` converter (input convert-cmd); null: none. */
  convertCommand: string | null;
  /** Opset torch cases are exported at for a converter that takes ONNX models. */
  sourceOpset: number;
  opset: number | null;
  atol: number;
  rtol: number;
  jobs: number;
  timeoutS: number;
  memoryLimitMb: number;
  shard: Shard | null;
  /** 'cache' (the base commit's stored baseline) or a path to baseline results. */
  baseline: 'cache' | { file: string };
  onBaselineMiss: (typeof MISS_POLICIES)[number];
  baselinePython: string;
  baselineEnv: EnvOverrides;
  candidateEnv: EnvOverrides;
  saveBaseline: (typeof SAVE_POLICIES)[number];
  /** 'actions-cache' or a folder (self-hosted runners, tests). */
  baselineStore: 'actions-cache' | { dir: string };
  reruns: number;
  failOn: (typeof FAIL_ON)[number];
  slowFactor: number;
  slowFloorMs: number;
  slowClock: Clock;
  driftFactor: number;
  driftFloor: number;
  force: boolean;
  /** Localize confirmed regressions (docs/localize.md); seconds for all of them. */
  localize: boolean;
  localizeSeconds: number;
  /** Compare across converter stacks (torch release, exporter) on purpose. */
  across: boolean;
  resultsDir: string;
  /** null: no artifact upload. */
  artifactName: string | null;
}

/** A bad input value; the message names the input. */
export class InputError extends Error {}

type Get = (name: string) => string;

/** The converter (input adapter) and, for the `command` converter, its command line (convert-cmd). */
function converterInputs(get: Get): Pick<ActionConfig, 'adapter' | 'convertCommand' | 'sourceOpset'> {
  const command = get(Inputs.ConvertCmd).trim();
  const adapter = command && get(Inputs.Adapter) === INPUT_DEFAULTS.adapter ? 'command' : get(Inputs.Adapter);
  if (!converterNames().includes(adapter))
    throw new InputError(
      `input ${Inputs.Adapter} must be one of ${converterNames().join(', ')}; got ${JSON.stringify(adapter)}`,
    );
  if (adapter === 'command' && !command)
    throw new InputError(
      `input ${Inputs.Adapter} command needs input ${Inputs.ConvertCmd} (the converter's command line)`,
    );
  if (command && adapter !== 'command')
    throw new InputError(
      `input ${Inputs.ConvertCmd} runs the command converter; it cannot be combined with ${Inputs.Adapter} ${adapter}`,
    );
  return { adapter, convertCommand: command || null, sourceOpset: positiveInt(get, Inputs.SourceOpset) };
}

function oneOf<T extends readonly string[]>(get: Get, name: string, allowed: T): T[number] {
  const v = get(name);
  if (!(allowed as readonly string[]).includes(v))
    throw new InputError(`input ${name} must be one of ${allowed.join(', ')}; got ${JSON.stringify(v)}`);
  return v as T[number];
}

function number(get: Get, name: string, check: (n: number) => boolean, what: string): number {
  const v = get(name);
  const n = Number(v);
  if (v === '' || !Number.isFinite(n) || !check(n))
    throw new InputError(`input ${name} must be ${what}; got ${JSON.stringify(v)}`);
  return n;
}

const positiveInt = (get: Get, name: string) =>
  number(get, name, (n) => Number.isInteger(n) && n > 0, 'a positive whole number');
const nonNegativeInt = (get: Get, name: string) =>
  number(get, name, (n) => Number.isInteger(n) && n >= 0, 'a whole number ≥ 0');

function optional<T>(get: Get, name: string, parse: (g: Get, n: string) => T): T | null {
  return get(name) === '' ? null : parse(get, name);
}

function bool(get: Get, name: string): boolean {
  const v = get(name).toLowerCase();
  if (['true', 'yes', '1'].includes(v)) return true;
  if (['false', 'no', '0'].includes(v)) return false;
  throw new InputError(`input ${name} must be true or false; got ${JSON.stringify(get(name))}`);
}

/**
 * Reads and validates every input once, at the edge. `read` is how an input is read
 * (core.getInput in the Action); empty values fall back to INPUT_DEFAULTS.
 */
export function readConfig(read: Get, workspace = process.cwd()): ActionConfig {
  const get: Get = (name) => {
    const v = read(name).trim();
    return v === '' ? (INPUT_DEFAULTS[name as keyof typeof INPUT_DEFAULTS] ?? '') : v;
  };
  const raw: Get = (name) => read(name); // multi-line inputs keep their lines
  const mode = oneOf(get, Inputs.Mode, MODES);

  let shard: Shard | null = null;
  if (get(Inputs.Shard)) {
    try {
      shard = parseShard(get(Inputs.Shard), `input ${Inputs.Shard}`);
    } catch (e) {
      if (e instanceof ShardError) throw new InputError(e.message);
      throw e;
    }
  }
  if (mode === 'shard' && !shard)
    throw new InputError(`input ${Inputs.Shard} is required with mode shard (e.g. "1/3" in a matrix job)`);
  if (mode === 'merge' && shard)
    throw new InputError(`input ${Inputs.Shard} does not apply to mode merge (it merges all shards)`);

  const filter = get(Inputs.Filter) || null;
  if (filter) {
    try {
      new RegExp(filter);
    } catch (e) {
      throw new InputError(
        `input ${Inputs.Filter} is not a valid regular expression: ${(e as Error).message}`,
      );
    }
  }
  const syntheticCount = optional(get, Inputs.SyntheticCount, positiveInt);
  const syntheticSeed = optional(get, Inputs.SyntheticSeed, nonNegativeInt);
  const corpus = get(Inputs.Corpus);
  if ((syntheticCount !== null || syntheticSeed !== null) && !['synthetic', 'default'].includes(corpus))
    throw new InputError(
      `inputs ${Inputs.SyntheticCount}/${Inputs.SyntheticSeed} apply to corpus synthetic or default, not ${JSON.stringify(corpus)}`,
    );

  const env = (name: string): EnvOverrides => {
    try {
      return parseEnvLines(raw(name), `input ${name}`);
    } catch (e) {
      if (e instanceof EnvInputError) throw new InputError(e.message);
      throw e;
    }
  };
  const baselineRaw = get(Inputs.Baseline);
  const storeRaw = get(Inputs.BaselineStore);
  const artifactName = get(Inputs.ArtifactName);
  if (/[\\/":<>|*?\r\n]/.test(artifactName))
    throw new InputError(
      `input ${Inputs.ArtifactName} cannot contain \\ / " : < > | * ? or newlines; got ${JSON.stringify(artifactName)}`,
    );
  const resolve = (p: string) => path.resolve(workspace, p);

  const resultsDir = resolve(get(Inputs.ResultsDir));
  const inside = path.relative(resultsDir, path.resolve(workspace));
  if (inside === '' || !inside.startsWith('..'))
    throw new InputError(
      `input ${Inputs.ResultsDir} must be a folder of its own (not the workspace or above it); got ${JSON.stringify(get(Inputs.ResultsDir))}`,
    );

  return {
    mode,
    corpus,
    syntheticCount,
    syntheticSeed,
    filter,
    python: get(Inputs.Python),
    ...converterInputs(get),
    opset: optional(get, Inputs.Opset, positiveInt),
    atol: number(get, Inputs.Atol, (n) => n >= 0, 'a number ≥ 0'),
    rtol: number(get, Inputs.Rtol, (n) => n >= 0, 'a number ≥ 0'),
    jobs:
      optional(get, Inputs.Jobs, positiveInt) ?? Math.max(1, os.availableParallelism?.() ?? os.cpus().length),
    timeoutS: number(get, Inputs.Timeout, (n) => n > 0, 'a positive number of seconds'),
    memoryLimitMb: positiveInt(get, Inputs.MemoryLimit),
    shard,
    baseline: baselineRaw === 'cache' ? 'cache' : { file: resolve(baselineRaw) },
    onBaselineMiss: oneOf(get, Inputs.OnBaselineMiss, MISS_POLICIES),
    baselinePython: get(Inputs.BaselinePython) || get(Inputs.Python),
    baselineEnv: env(Inputs.BaselineEnv),
    candidateEnv: env(Inputs.CandidateEnv),
    saveBaseline: oneOf(get, Inputs.SaveBaseline, SAVE_POLICIES),
    baselineStore: storeRaw === 'actions-cache' ? 'actions-cache' : { dir: resolve(storeRaw) },
    reruns: nonNegativeInt(get, Inputs.Reruns),
    failOn: oneOf(get, Inputs.FailOn, FAIL_ON),
    slowFactor: number(get, Inputs.SlowFactor, (n) => n > 0, 'a positive number'),
    slowFloorMs: number(get, Inputs.SlowFloor, (n) => n >= 0, 'a number of milliseconds ≥ 0'),
    slowClock: oneOf(get, Inputs.SlowClock, CLOCKS),
    driftFactor: number(get, Inputs.DriftFactor, (n) => n >= 0, 'a number ≥ 0 (0: off)'),
    driftFloor: number(get, Inputs.DriftFloor, (n) => n >= 0, 'a number ≥ 0'),
    force: bool(get, Inputs.Force),
    localize: bool(get, Inputs.Localize),
    localizeSeconds: number(get, Inputs.LocalizeSeconds, (n) => n > 0, 'a positive number of seconds'),
    across: bool(get, Inputs.Across),
    resultsDir,
    artifactName: artifactName === 'none' ? null : artifactName,
  };
}
