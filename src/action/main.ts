import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import { GATE_ARTIFACT } from '../gate/artifact-layout.js';
import { progressReporter } from '../report/progress.js';
import { caseFrontends, type Corpus } from '../corpus/load.js';
import type { CaseDef } from '../corpus/schema.js';
import { casesForConverter, PairingError } from '../run/pairing.js';
import { renderRunReport } from '../report/markdown.js';
import { readResultsDoc, writeResultsDoc } from '../results/writer.js';
import type { ResultsDoc } from '../results/schema.js';
import { runCases, RunInterrupted } from '../run/run-cases.js';
import { interruptOnSignals } from '../run/interrupt.js';
import { describeEnv, applyEnv } from '../gate/env.js';
import {
  resolveCorpus,
  runGate,
  selectCases,
  selectionSettings,
  type BaselineSource,
  type GateHooks,
  type GatePlan,
  type Selection,
} from '../gate/gate.js';
import { mergeShardDirs } from '../gate/merge.js';
import { DEFAULT_LOCALIZE_BUDGET } from '../localize/localize.js';
import { writeReproducers } from '../gate/reproduce.js';
import { formatShard } from '../gate/shard.js';
import {
  baselineKey,
  environmentKey,
  listFiles,
  LocalBaselineStore,
  toolFingerprint,
  type ArtifactStore,
  type BaselineIdentity,
  type BaselineStore,
  type EnvironmentKey,
} from '../gate/store.js';
import { PythonWorker } from '../convert/python-worker.js';
import type { EnvOverrides } from '../gate/env.js';
import { readEvent, type EventInfo } from './context.js';
import { InputError, Outputs, readConfig, type ActionConfig } from './inputs.js';
import { annotate, writeSummary } from './report.js';
import { checkOnnxRuntime } from './runtime.js';
import { ActionsArtifactStore, ActionsCacheStore, artifactsAvailable } from './stores.js';

/** What the Action talks to besides the runner's files; tests inject local folders. */
export interface ActionDeps {
  baselineStore?(config: ActionConfig): BaselineStore;
  /** null: no artifact service (outside a workflow run). */
  artifactStore?(): ArtifactStore | null;
}

function defaultBaselineStore(config: ActionConfig): BaselineStore {
  return config.baselineStore === 'actions-cache'
    ? new ActionsCacheStore(process.env.GITHUB_WORKSPACE ?? process.cwd())
    : new LocalBaselineStore(config.baselineStore.dir);
}

function defaultArtifactStore(): ArtifactStore | null {
  return artifactsAvailable() ? new ActionsArtifactStore() : null;
}

/** The Action's entry: every error ends in core.setFailed (whatever was thrown), never a silent exit 0. */
export async function run(deps: ActionDeps = {}): Promise<void> {
  // A cancelled job gets SIGINT, then SIGTERM: stop every worker and keep the partial results.
  const interrupt = interruptOnSignals((name) =>
    core.warning(`convgate: ${name} received (job cancelled?): stopping every worker`),
  );
  try {
    await main(deps, interrupt.signal);
  } catch (e) {
    if (e instanceof RunInterrupted) {
      core.setFailed(
        `convgate: interrupted (${e.reason}) after ${e.doc.cases.length} of ${e.doc.corpus.cases} cases; no verdict`,
      );
      return;
    }
    if (e instanceof Error && !(e instanceof InputError) && e.stack) core.debug(e.stack);
    core.setFailed(`convgate: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    interrupt.dispose();
  }
}

const hooks: GateHooks = {
  group: async (title, fn) => {
    core.startGroup(title);
    try {
      return await fn();
    } finally {
      core.endGroup();
    }
  },
  log: (line) => core.info(line),
  // One plain line per finished case (no progress bar in CI logs).
  events: () => progressReporter({ write: (t: string) => (core.info(t.replace(/\n$/, '')), true) }, false),
};

async function main(deps: ActionDeps, signal: AbortSignal): Promise<void> {
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const config = readConfig((name) => core.getInput(name), workspace);
  const event = readEvent();
  checkOnnxRuntime();
  const corpus = await resolveCorpus(config.corpus, {
    syntheticCount: config.syntheticCount,
    syntheticSeed: config.syntheticSeed,
  });
  const selection: Selection = { filter: config.filter, shard: config.shard };
  const cases = selectCases(corpus, selection);
  if (cases.length === 0)
    throw new InputError(
      `the selection (filter ${JSON.stringify(config.filter?.pattern)}${config.shard ? `, shard ${formatShard(config.shard)}` : ''}) matches none of the ${corpus.cases.length} cases of corpus ${corpus.name}`,
    );
  try {
    casesForConverter(cases, config.adapter, config.sourceOpset); // refused before any run
  } catch (e) {
    if (e instanceof PairingError) throw new InputError(e.message);
    throw e;
  }
  core.info(
    `convgate ${config.mode}: corpus ${corpus.name}@${corpus.hash}, ${cases.length} case(s); ${event.description}`,
  );
  const artifacts = (deps.artifactStore ?? defaultArtifactStore)();
  if (config.mode === 'shard') return shardMode(config, corpus, selection, cases, artifacts, signal);
  return gateMode({
    signal,
    config,
    event,
    corpus,
    selection,
    cases,
    store: deps.baselineStore?.(config) ?? defaultBaselineStore(config),
    artifacts,
  });
}

function runOptions(config: ActionConfig, signal: AbortSignal) {
  return {
    signal,
    jobs: config.jobs,
    adapter: config.adapter,
    sourceOpset: config.sourceOpset,
    ...(config.convertCommand !== null ? { convertCommand: config.convertCommand } : {}),
    timeoutS: config.timeoutS,
    memoryLimitMb: config.memoryLimitMb,
    opset: config.opset,
    tolerance: { atol: config.atol, rtol: config.rtol },
    keepAll: false,
  };
}

/** mode shard: one matrix job runs its slice and uploads the results for the merge job. */
async function shardMode(
  config: ActionConfig,
  corpus: Corpus,
  selection: Selection,
  cases: CaseDef[],
  artifacts: ArtifactStore | null,
  signal: AbortSignal,
): Promise<void> {
  const shard = formatShard(config.shard!);
  const out = path.join(config.resultsDir, 'candidate');
  await clean(config.resultsDir, ['candidate']);
  core.info(`candidate: ${config.python} ${describeEnv(config.candidateEnv)}`);
  const doc = await hooks.group!(`convgate: shard ${shard}: ${cases.length} case(s)`, () =>
    runCases(
      corpus,
      cases,
      {
        ...runOptions(config, signal),
        out,
        python: config.python,
        env: applyEnv(process.env, config.candidateEnv),
        resume: false,
      },
      hooks.events!('candidate'),
      selectionSettings(selection, corpus, {
        syntheticCount: config.syntheticCount,
        syntheticSeed: config.syntheticSeed,
      }),
    ),
  );
  await writeReproducers(out, doc, corpus);
  core.setOutput(Outputs.Results, path.join(out, 'results.json'));
  await writeSummary(`### convgate shard ${shard}\n\n` + renderRunReport(doc));
  if (config.artifactName) {
    const name = `${config.artifactName}-shard-${config.shard!.index}-of-${config.shard!.count}`;
    await upload(artifacts, name, out, await listFiles(out));
  }
}

/** Removes what an earlier step left in results-dir (only convgate's own entries: it may be shared). */
async function clean(dir: string, entries: string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const e of entries) await rm(path.join(dir, e), { recursive: true, force: true });
}

async function upload(
  artifacts: ArtifactStore | null,
  name: string,
  root: string,
  files: string[],
): Promise<void> {
  if (!artifacts) {
    core.info(`artifact upload skipped (${name}): no artifact service outside a workflow run`);
    return;
  }
  try {
    await artifacts.upload(name, root, files);
    core.info(`uploaded ${files.length} file(s) as artifact ${name} (${artifacts.description})`);
  } catch (e) {
    core.warning(`artifact upload ${name} failed: ${(e as Error).message}`);
  }
}

async function identity(
  config: ActionConfig,
  corpus: Corpus,
  environment?: EnvironmentKey,
): Promise<BaselineIdentity> {
  return {
    corpusHash: corpus.hash,
    tool: await toolFingerprint(),
    atol: config.atol,
    rtol: config.rtol,
    opset: config.opset,
    adapter: config.adapter,
    filter: config.filter?.pattern ?? null,
    ...(environment ? { environment } : {}),
  };
}

/**
 * The converter build a side would run, as the baseline key names it: a worker is started with
 * that interpreter and environment and asked for its ready message (package versions, exporter).
 */
async function probeEnvironment(
  side: { python: string; env: EnvOverrides },
  config: ActionConfig,
  corpus: Corpus,
): Promise<EnvironmentKey> {
  const worker = await PythonWorker.start({
    python: side.python,
    adapter: config.adapter,
    // The frontends the run will start with (torch cases become onnx ones for an ONNX converter).
    frontends: caseFrontends(casesForConverter(corpus.cases, config.adapter, config.sourceOpset)),
    ...(config.convertCommand !== null ? { convertCommand: config.convertCommand } : {}),
    env: applyEnv(process.env, side.env),
  });
  try {
    const r = worker.ready;
    return environmentKey({
      python: r.python,
      exporter: r.environment?.exporter ?? r.converter.exporter ?? null,
      packages: r.environment?.packages ?? {},
      converter: r.converter,
      frontends: r.frontends ?? {},
    });
  } finally {
    await worker.stop();
  }
}

/** What gateMode works with besides the config: the event, the corpus and the stores. */
interface GateContext {
  signal: AbortSignal;
  config: ActionConfig;
  event: EventInfo;
  corpus: Corpus;
  selection: Selection;
  /** The cases the selection gives, computed once (main). */
  cases: CaseDef[];
  store: BaselineStore;
  artifacts: ArtifactStore | null;
}

/** mode gate (run here) and merge (take the shards' results): baseline, diff, confirm, report. */
async function gateMode(ctx: GateContext): Promise<void> {
  const { config } = ctx;
  await clean(config.resultsDir, [
    'candidate',
    'baseline',
    'shards',
    '.app-artifact',
    'baseline-save',
    'gate.json',
    'gate.md',
    'gate.html',
  ]);
  const candidateDoc = config.mode === 'merge' ? await mergeShardResults(ctx) : undefined;
  const baseline = await findBaseline(ctx);
  const result = await runGate(gatePlan(ctx, baseline.source, candidateDoc), hooks);
  const savedKey = await saveBaseline(ctx, result);
  // gate.md and gate.html are written by runGate; the job summary is the same markdown.
  await writeSummary(result.markdown);
  annotate(result.report);
  if (config.artifactName) await uploadGateArtifacts(ctx, config.artifactName, result);
  setGateOutputs(result, savedKey ?? baseline.lookedUp ?? '', baseline.hit);
  const { report } = result;
  core.info(`verdict: ${report.verdict} — ${report.reason}`);
  if (report.verdict === 'fail' && config.failOn !== 'never') core.setFailed(`convgate: ${report.reason}`);
}

/** mode merge: the candidate's results, merged from the shard jobs' artifacts. */
async function mergeShardResults({ config, corpus, artifacts }: GateContext): Promise<ResultsDoc> {
  const out = config.resultsDir;
  if (!config.artifactName)
    throw new InputError(
      'mode merge needs artifact-name (the shard artifacts are named <artifact-name>-shard-<i>-of-<n>)',
    );
  if (!artifacts)
    throw new Error(
      'mode merge needs the workflow artifact service (run it in a workflow, after the shard jobs)',
    );
  const prefix = `${config.artifactName}-shard-`;
  return hooks.group!(`convgate: merge shard results (${prefix}*)`, async () => {
    const names = await artifacts.downloadAll(prefix, path.join(out, 'shards'));
    if (!names.length)
      throw new Error(
        `no artifacts named ${prefix}* in this workflow run: run the shard jobs (mode shard) first`,
      );
    core.info(`shards: ${names.join(', ')}`);
    const merged = await mergeShardDirs(
      names.map((n) => path.join(out, 'shards', n)),
      path.join(out, 'candidate'),
    );
    if (merged.corpus.hash !== corpus.hash)
      throw new Error(
        `the shards ran corpus ${merged.corpus.hash}, this job has ${corpus.hash}: use the same convgate version and corpus inputs in both jobs`,
      );
    core.info(`merged ${merged.cases.length} case(s)`);
    return merged;
  });
}

interface FoundBaseline {
  source: BaselineSource;
  /** The cache key looked up (null: none was). */
  lookedUp: string | null;
  hit: boolean;
}

/** Baseline: stored results of the base commit, a file, or a run of the base build. */
async function findBaseline(ctx: GateContext): Promise<FoundBaseline> {
  const { config } = ctx;
  if (config.baseline !== 'cache')
    return {
      source: { kind: 'doc', doc: await readResultsDoc(config.baseline.file), source: 'file' },
      lookedUp: null,
      hit: false,
    };
  const found = await restoreBaseline(ctx);
  if (found.source.kind !== 'none') return found;
  const miss = found.source.reason;
  if (config.onBaselineMiss === 'fail') throw new Error(`${miss} and on-baseline-miss is fail`);
  if (config.onBaselineMiss === 'run') {
    core.info(
      `${miss}: running the baseline build (${config.baselinePython} ${describeEnv(config.baselineEnv)})`,
    );
    return { ...found, source: { kind: 'run', side: baselineSide(config) } };
  }
  core.notice(`${miss}: reporting the candidate's results without a verdict (on-baseline-miss: skip)`);
  return found;
}

const baselineSide = (config: ActionConfig) => ({ python: config.baselinePython, env: config.baselineEnv });

/** The base commit's baseline from the store; a miss says why in its reason. */
async function restoreBaseline({ config, corpus, event, store }: GateContext): Promise<FoundBaseline> {
  if (!event.baseSha)
    return {
      source: { kind: 'none', reason: `no base commit to compare with (${event.description})` },
      lookedUp: null,
      hit: false,
    };
  const baseSha = event.baseSha;
  // The base commit's baseline was made by the build the baseline side describes.
  const id = await identity(config, corpus, await probeEnvironment(baselineSide(config), config, corpus));
  const key = baselineKey(id, baseSha);
  const dir = path.join(config.resultsDir, 'baseline');
  const hit = await hooks.group!(`convgate: restore baseline of ${baseSha.slice(0, 12)}`, async () => {
    core.info(`key ${key} (${store.description})`);
    const found = await store.restore(key, dir);
    core.info(found ? 'baseline found' : 'no baseline stored under this key');
    return found;
  });
  return {
    source: hit
      ? { kind: 'doc', doc: await readResultsDoc(dir), source: 'cache' }
      : { kind: 'none', reason: `no stored baseline for base commit ${baseSha.slice(0, 12)}` },
    lookedUp: key,
    hit,
  };
}

/** The gate the inputs describe. */
function gatePlan(
  { config, corpus, selection, cases, signal, event, artifacts }: GateContext,
  baseline: BaselineSource,
  candidateDoc: ResultsDoc | undefined,
): GatePlan {
  return {
    corpus,
    selection,
    cases,
    run: runOptions(config, signal),
    out: config.resultsDir,
    candidate: { python: config.python, env: config.candidateEnv },
    ...(candidateDoc ? { candidateDoc } : {}),
    baseline,
    reruns: config.reruns,
    diff: {
      force: config.force,
      across: config.across,
      slowFactor: config.slowFactor,
      slowFloorMs: config.slowFloorMs,
      slowClock: config.slowClock,
      failOnSlow: config.failOn === 'regressions-or-slow',
      allowLost: false,
      driftFactor: config.driftFactor,
      driftFloor: config.driftFloor,
    },
    shas: { baseline: event.baseSha, candidate: event.sha },
    localize: config.localize ? { ...DEFAULT_LOCALIZE_BUDGET, totalSeconds: config.localizeSeconds } : null,
    synthetic: { syntheticCount: config.syntheticCount, syntheticSeed: config.syntheticSeed },
    render:
      config.artifactName && artifacts
        ? { artifactHint: `artifact \`${config.artifactName}\`, under candidate/` }
        : {},
  };
}

type GateResult = Awaited<ReturnType<typeof runGate>>;

/** Results of the default branch become the baseline of its commit; returns the key saved under. */
async function saveBaseline(
  { config, corpus, event, store }: GateContext,
  result: GateResult,
): Promise<string | null> {
  const wanted =
    config.saveBaseline === 'always' || (config.saveBaseline === 'auto' && event.onDefaultBranch);
  if (!wanted) return null;
  if (!event.sha) {
    core.warning('baseline not saved: no commit SHA (GITHUB_SHA) for this run');
    return null;
  }
  if (config.shard) {
    core.notice('baseline not saved: this gate ran one shard only; save from the merge job');
    return null;
  }
  if (!result.candidate.complete) {
    core.warning('baseline not saved: the candidate run is incomplete');
    return null;
  }
  const sha = event.sha;
  const id = await identity(
    config,
    corpus,
    environmentKey({ ...result.candidate.environment, converter: result.candidate.converter }),
  );
  const key = baselineKey(id, sha);
  const dir = path.join(config.resultsDir, 'baseline-save');
  await mkdir(dir, { recursive: true });
  await writeResultsDoc(dir, result.candidate);
  const saved = await hooks.group!(`convgate: save baseline of ${sha.slice(0, 12)}`, async () => {
    core.info(`key ${key} (${store.description})`);
    return store.save(key, dir);
  });
  core.info(
    saved ? `baseline saved: ${key}` : `baseline not saved (entry exists or the store refused): ${key}`,
  );
  await rm(dir, { recursive: true, force: true });
  return saved ? key : null;
}

/** The verdict for the GitHub App, and everything a person needs to look into a failure. */
async function uploadGateArtifacts(
  { config, artifacts }: GateContext,
  artifactName: string,
  result: GateResult,
): Promise<void> {
  const out = config.resultsDir;
  // The verdict for the GitHub App (src/gate/artifact-layout.ts): small, fixed names at the root.
  const appDir = path.join(out, '.app-artifact');
  await mkdir(appDir, { recursive: true });
  const app = GATE_ARTIFACT.files;
  await copyFile(result.paths.json, path.join(appDir, app.gateReport));
  await copyFile(path.join(result.paths.candidate, 'results.json'), path.join(appDir, app.results));
  await copyFile(result.paths.markdown, path.join(appDir, app.report));
  await upload(
    artifacts,
    GATE_ARTIFACT.name,
    appDir,
    [app.gateReport, app.results, app.report].map((f) => path.join(appDir, f)),
  );
  // Results, reports, models, reproducers.
  const files = (await listFiles(out)).filter((f) => {
    const rel = path.relative(out, f).split(path.sep);
    // Baseline and confirmation runs: their results only; the shards' raw downloads are merged already.
    if (rel[0] === 'shards' || rel[0] === '.app-artifact') return false;
    if ((rel[0] === 'baseline' || rel[0].startsWith('confirm-')) && rel[1] === 'cases') return false;
    return true;
  });
  await upload(artifacts, artifactName, out, files);
}

function setGateOutputs(result: GateResult, baselineKey: string, hit: boolean): void {
  const { report } = result;
  core.setOutput(Outputs.Verdict, report.verdict);
  core.setOutput(Outputs.Regressions, String(report.counts.regressions));
  core.setOutput(Outputs.Fixes, String(report.counts.fixes));
  core.setOutput(Outputs.Flaky, String(report.counts.flaky));
  core.setOutput(Outputs.Results, path.join(result.paths.candidate, 'results.json'));
  core.setOutput(Outputs.Report, result.paths.json);
  core.setOutput(Outputs.BaselineKey, baselineKey);
  core.setOutput(Outputs.BaselineHit, String(hit));
}
