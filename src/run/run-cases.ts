import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { residentMb } from '../util/rss.js';
import { PythonWorker, type ConvertOutcome, type PythonWorkerOptions } from '../convert/python-worker.js';
import { Zygote, zygoteApplies } from '../convert/zygote.js';
import type { ConvertedReply, ReadyReply } from '../convert/protocol.js';
import { OrtWorker } from '../check/ort-client.js';
import { caseFrontends, caseKind, syntheticSpec, type Corpus } from '../corpus/load.js';
import { casesForConverter } from './pairing.js';
import type { CaseDef } from '../corpus/schema.js';
import {
  SCHEMA_VERSION,
  type CaseResult,
  type ResultsDoc,
  type SelectionSettings,
} from '../results/schema.js';
import { ResultsStream, writeResultsDoc } from '../results/writer.js';
import { TOOL_NAME, TOOL_VERSION } from '../util/version.js';
import { classifyCheck, classifyConversion } from './classify.js';
import { runCoverage } from '../report/coverage.js';
import { SurfaceCollector } from '../surface/collect.js';
import { resolveCase, type ResolvedCase, type RunOptions } from './settings.js';
import { unmetRequirements } from './requirements.js';
import { sanitizeError, sanitizeText, type PathPlaceholders } from '../results/sanitize.js';
import { clipChars, firstLine } from '../util/text.js';
import { PACKAGE_ROOT } from '../util/paths.js';
import type { WorkerEnvironment } from '../convert/protocol.js';
import {
  checkResumedConverter,
  resumableResults,
  runIdentity,
  RUN_SETTINGS_FILE,
  writeRunIdentity,
  type RunIdentity,
} from './resume.js';

export interface RunEvents {
  onStart?(info: { total: number; skipped: number; converter: ReadyReply['converter'] }): void;
  onCaseDone?(result: CaseResult, done: number, total: number): void;
}

/**
 * torch threads per converter worker. Two workers × two threads on two cores beat one thread each
 * (measured 13.2 s vs 14.8 s on 8 real cases): one worker's Python-bound export phases leave a
 * core for the other's parallel kernels — provided idle OpenMP threads sleep instead of spinning.
 */
export const DEFAULT_THREADS = 2;

/** The converter build's environment, plus a passive OpenMP wait policy when threads are shared. */
export function workerEnv(env: NodeJS.ProcessEnv, threads: number): NodeJS.ProcessEnv {
  return threads > 1 && env.OMP_WAIT_POLICY === undefined ? { ...env, OMP_WAIT_POLICY: 'PASSIVE' } : env;
}

/** Where the model and tensors of a case live inside the results folder. */
export function caseDirOf(outDir: string, id: string): string {
  return path.join(outDir, 'cases', id);
}

/** The run was interrupted (opts.signal); `doc` is what was written, with `complete: false`. */
export class RunInterrupted extends Error {
  constructor(
    readonly reason: string,
    readonly doc: ResultsDoc,
  ) {
    super(`the run was interrupted (${reason}); partial results were written`);
  }
}

/** How a run's converter workers were started (results.json → environment.workerStart). */
export interface WorkerStart {
  /** zygote: forked from one prepared process (src/convert/zygote.ts); spawn: each its own interpreter. */
  mode: 'zygote' | 'spawn';
  /** Why workers were spawned although the zygote applies (it failed to start, or died). */
  note?: string;
}

/** Every worker process of one run, so that an interruption can kill them all at once. */
class WorkerSet {
  private readonly converters = new Set<PythonWorker>();
  private readonly runtimes = new Set<OrtWorker>();
  /** Started with the first converter worker, when forking applies (useZygote). */
  private zygote: Promise<Zygote | null> | null = null;
  private zygoteNote: string | undefined;
  private zygoteProcess: Zygote | null = null;

  constructor(
    private readonly options: PythonWorkerOptions,
    private readonly signal: AbortSignal | undefined,
    private readonly useZygote: boolean,
  ) {}

  private startZygote(): Promise<Zygote | null> {
    this.zygote ??= Zygote.start({
      python: this.options.python,
      args: PythonWorker.args(this.options),
      env: this.options.env ?? process.env,
      ...(this.options.startTimeoutMs !== undefined ? { startTimeoutMs: this.options.startTimeoutMs } : {}),
    }).then(
      (z) => {
        this.zygoteProcess = z;
        if (this.signal?.aborted) z.kill();
        return z;
      },
      (e: unknown) => {
        // Spawned workers then say what is wrong (a missing package, a broken interpreter).
        this.zygoteNote = `${e instanceof Error ? e.message : String(e)}; workers were spawned`;
        return null;
      },
    );
    return this.zygote;
  }

  async converter(): Promise<PythonWorker> {
    const zygote = this.useZygote ? await this.startZygote() : null;
    const w = await PythonWorker.start({
      ...this.options,
      ...(this.signal ? { signal: this.signal } : {}),
      ...(zygote ? { zygote } : {}),
    });
    this.converters.add(w);
    if (this.signal?.aborted) w.kill();
    return w;
  }

  /** How converter workers were started, for results.json. */
  workerStart(): WorkerStart {
    if (!this.useZygote) return { mode: 'spawn' };
    const note = this.zygoteNote ?? this.zygoteProcess?.note ?? undefined;
    if (this.zygoteProcess === null) return { mode: 'spawn', ...(note ? { note } : {}) };
    return { mode: 'zygote', ...(note && note !== 'stopped' ? { note } : {}) };
  }

  async runtime(): Promise<OrtWorker> {
    const w = await OrtWorker.start();
    this.runtimes.add(w);
    if (this.signal?.aborted) w.kill();
    return w;
  }

  /** Synchronous: safe to call from a signal handler. */
  killAll(): void {
    for (const w of this.converters) w.kill();
    for (const w of this.runtimes) w.kill();
    this.zygoteProcess?.kill();
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.converters, ...this.runtimes].map((w) => w.stop()));
    const zygote = await this.zygote;
    await zygote?.stop();
  }
}

/** What a run has produced so far; turned into results.json however the run ends. */
interface RunState {
  started: Date;
  ready: ReadyReply | null;
  results: Map<string, CaseResult>;
  /** Converter workers replaced because their memory grew past opts.recycleMb. */
  recycled: number;
  /** Surface coverage (docs/coverage.md): known once a converter worker is ready. */
  surface: SurfaceCollector | null;
}

/**
 * Runs cases through the converter (Python workers) and ONNX Runtime (Node workers), pipelined:
 * a converter worker moves on to the next case while the previous one is being checked.
 * Results stream to <out>/results.jsonl; <out>/results.json is written at the end — also when
 * the run is interrupted through opts.signal (then with `complete: false`, and RunInterrupted is
 * thrown). `--resume` keeps earlier results only when they were made with the same settings.
 */
export async function runCases(
  corpus: Corpus,
  requested: CaseDef[],
  opts: RunOptions,
  events: RunEvents = {},
  selection: Partial<SelectionSettings> = {},
): Promise<ResultsDoc> {
  // Refused before anything starts when the converter cannot take a case (PairingError).
  const cases = casesForConverter(requested, opts.adapter, opts.sourceOpset);
  await mkdir(opts.out, { recursive: true });
  const identity = runIdentity(corpus, opts);
  const { state, kept, todo } = await resumedState(cases, opts, identity);
  const stream = await ResultsStream.open(opts.out, opts.resume);

  const jobs = Math.max(1, Math.min(opts.jobs, todo.length || 1));
  const workerOptions = workerOptionsOf(corpus, cases, opts);
  const useZygote = (opts.zygote ?? process.env.CONVGATE_ZYGOTE !== '0') && zygoteApplies(workerOptions);
  const workers = new WorkerSet(workerOptions, opts.signal, useZygote);
  const onAbort = () => workers.killAll();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const finish = (complete: boolean) =>
    writeFinal({ corpus, cases, opts, selection, state, complete, workerStart: workers.workerStart() });
  try {
    const started = await startWorkers(workers, jobs, opts.signal);
    if (!started) {
      await workers.stopAll();
      return await interrupted(opts, await finish(false));
    }
    const ready = await recordReady(state, started, opts, identity, kept);
    events.onStart?.({ total: cases.length, skipped: kept, converter: ready.converter });

    let failure: { error: unknown } | null = null;
    try {
      await runAll({
        placeholders: pathPlaceholders(opts.out, ready.environment),
        packages: { ...ready.environment?.packages, python: ready.python.version },
        todo,
        opts,
        events,
        total: cases.length,
        state,
        stream,
        workers,
        started,
      });
    } catch (error) {
      failure = { error };
    }
    await workers.stopAll();
    await stream.flush();
    // Written however the run ended, so that what was done is never lost.
    const doc = await finish(failure === null && !opts.signal?.aborted);
    if (opts.signal?.aborted) return await interrupted(opts, doc);
    if (failure) throw failure.error;
    return doc;
  } catch (e) {
    workers.killAll();
    await workers.stopAll();
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** A run's state, with the results `--resume` keeps (same settings); the cases still to run. */
async function resumedState(
  cases: CaseDef[],
  opts: RunOptions,
  identity: RunIdentity,
): Promise<{ state: RunState; kept: number; todo: CaseDef[] }> {
  const state: RunState = {
    started: new Date(),
    ready: null,
    results: new Map(),
    recycled: 0,
    surface: null,
  };
  const wanted = new Set(cases.map((c) => c.id));
  const kept = opts.resume
    ? (await resumableResults(opts.out, identity)).filter((r) => wanted.has(r.id))
    : [];
  for (const r of kept) state.results.set(r.id, r);
  const todo = cases.filter((c) => !state.results.has(c.id));
  // A fresh run's settings are recorded once its workers are ready; an older record must not
  // vouch for the new lines meanwhile.
  if (!opts.resume) await rm(path.join(opts.out, RUN_SETTINGS_FILE), { force: true });
  return { state, kept: kept.length, todo };
}

/** How each converter worker is started for these cases. */
function workerOptionsOf(corpus: Corpus, cases: CaseDef[], opts: RunOptions): PythonWorkerOptions {
  const threads = opts.threads ?? DEFAULT_THREADS;
  return {
    python: opts.python,
    adapter: opts.adapter,
    corpusPaths: corpus.pythonPaths,
    modelLibraries: corpus.modelLibraries,
    frontends: caseFrontends(cases),
    ...(opts.convertCommand !== undefined ? { convertCommand: opts.convertCommand } : {}),
    env: workerEnv(opts.env ?? process.env, threads),
    threads,
    memoryLimitMb: opts.memoryLimitMb,
    surface: opts.surface !== false,
  };
}

/** What the first ready worker said: kept in the state and recorded as the run's identity. */
async function recordReady(
  state: RunState,
  started: StartedWorkers,
  opts: RunOptions,
  identity: RunIdentity,
  kept: number,
): Promise<ReadyReply> {
  const ready = started.converters[0].ready;
  state.ready = ready;
  state.surface = new SurfaceCollector(ready.surface ?? null, opts.surface !== false);
  const ranAs: RunIdentity = { ...identity, converter: converterOf(ready) };
  if (opts.resume && kept) await checkResumedConverter(opts.out, ranAs);
  await writeRunIdentity(opts.out, ranAs);
  return ready;
}

function converterOf(ready: ReadyReply): { name: string; version: string } {
  return { name: ready.converter.name, version: ready.converter.version };
}

async function interrupted(opts: RunOptions, doc: ResultsDoc): Promise<never> {
  const reason = opts.signal?.reason;
  throw new RunInterrupted(typeof reason === 'string' ? reason : 'aborted', doc);
}

interface StartedWorkers {
  converters: PythonWorker[];
  runtimes: OrtWorker[];
}

/**
 * ONNX Runtime workers per run: one per two converter workers. A check (load + run) takes a few
 * milliseconds to a few hundred next to seconds of export, and each runtime worker holds
 * 100-250 MiB: two converters sharing one keep the run's memory down at no cost in time.
 */
export function runtimeWorkers(jobs: number): number {
  return Math.max(1, Math.ceil(jobs / 2));
}

/**
 * A converter worker whose resident memory grew past this (MiB) after a case is replaced by a
 * fresh one (torch is loaded once per worker; models, exporter caches and allocator slack
 * accumulate). A modern-stack worker sits at 350-650 MiB; the default only catches real growth.
 */
export const DEFAULT_RECYCLE_MB = 1200;

async function recycleIfGrown(worker: PythonWorker, limitMb: number): Promise<boolean> {
  const pid = worker.processId;
  if (!worker.alive || pid === undefined || limitMb <= 0) return false;
  const rss = await residentMb(pid);
  if (rss === null || rss <= limitMb) return false;
  await worker.stop(); // the slot starts a new one
  return true;
}

/**
 * An export that fails in a worker that has already run other cases is repeated once in a fresh
 * worker, and that result counts: exporters keep process-wide state, and a case's verdict must
 * not depend on which cases happened to run before it in the same process (torch 2.13: after a
 * static nn.LSTM export, a dynamic-length LSTM export fails in torch.export; docs/findings.md).
 * Only conversion failures the worker reported (not hangs, memory kills or worker deaths, which
 * already end the worker) and only after earlier cases: a first case is already isolated.
 */
export function isolatedRetryNeeded(outcome: ConvertOutcome, earlierCases: number): boolean {
  return (
    earlierCases > 0 &&
    outcome.kind === 'result' &&
    !outcome.reply.ok &&
    outcome.reply.error.stage === 'export' &&
    !outcome.reply.error.missingPackage
  );
}

async function convertInFreshWorker(
  workers: WorkerSet,
  request: Parameters<PythonWorker['convert']>[0],
  limits: Parameters<PythonWorker['convert']>[1],
): Promise<ConvertOutcome> {
  await rm(request.caseDir, { recursive: true, force: true });
  const fresh = await workers.converter();
  try {
    return await fresh.convert(request, limits);
  } finally {
    await fresh.stop();
  }
}

/** The warning a result carries when a fresh worker's export differed from the first one. */
export function taintWarning(
  first: ConvertOutcome,
  fresh: ConvertOutcome,
  earlierCases: number,
): string | null {
  if (first.kind !== 'result' || first.reply.ok) return null;
  const before = firstLineOf(first.reply.error.message);
  const same =
    fresh.kind === 'result' && !fresh.reply.ok && firstLineOf(fresh.reply.error.message) === before;
  if (same) return null;
  const now =
    fresh.kind === 'result' ? (fresh.reply.ok ? 'exported' : 'failed differently') : `ended: ${fresh.kind}`;
  return (
    `export failed in a worker that had run ${earlierCases} earlier case(s) ` +
    `(${first.reply.error.type}: ${before}); in a fresh worker it ${now} — this result is the fresh worker's`
  );
}

/** The first non-blank line of an error message, at most 200 characters. */
function firstLineOf(text: string): string {
  return clipChars(firstLine(text), 200);
}

/** Starts the converter and runtime workers in parallel; null when interrupted meanwhile. */
async function startWorkers(
  workers: WorkerSet,
  jobs: number,
  signal: AbortSignal | undefined,
): Promise<StartedWorkers | null> {
  // Runtime workers start while the converter workers import torch.
  const runtimes = startAll(runtimeWorkers(jobs), () => workers.runtime());
  const converters = await startAll(jobs, () => workers.converter()).catch(async (e: unknown) => {
    await runtimes.catch(() => []);
    if (signal?.aborted) return null;
    throw e;
  });
  const ort = await runtimes.catch((e: unknown) => {
    if (signal?.aborted) return null;
    throw e;
  });
  if (!converters || !ort || signal?.aborted) return null;
  return { converters, runtimes: ort };
}

interface RunContext {
  /** Where recorded error text must not show this machine's folders. */
  placeholders: PathPlaceholders;
  /** Python packages of the converter build, for case requirements. */
  packages: Record<string, string | null>;
  todo: CaseDef[];
  opts: RunOptions;
  events: RunEvents;
  total: number;
  state: RunState;
  stream: ResultsStream;
  workers: WorkerSet;
  started: StartedWorkers;
}

/** The pipeline: one slot per converter worker; each converted case is checked by a runtime worker. */
async function runAll(ctx: RunContext): Promise<void> {
  const { todo, opts, state, workers, started } = ctx;
  const defaultOpset =
    typeof state.ready!.converter.defaultOpset === 'number' ? state.ready!.converter.defaultOpset : null;
  const aborted = () => opts.signal?.aborted === true;
  const idleOrt = [...started.runtimes];
  const ortLimit = pLimit(started.runtimes.length);
  const record = (rc: ResolvedCase, partial: PartialResult) => recordCase(ctx, rc, partial);

  const check = (rc: ResolvedCase, conversion: Record<string, number>, reply: ConvertedReply) =>
    ortLimit(async () => {
      if (aborted()) return;
      let worker = idleOrt.pop();
      if (!worker || !worker.alive) worker = await workers.runtime();
      const r = await worker.check(
        {
          id: rc.def.id,
          caseDir: caseDirOf(opts.out, rc.def.id),
          model: reply.model,
          tensors: reply.tensors,
          tolerance: { atol: rc.settings.atol, rtol: rc.settings.rtol },
        },
        { timeoutMs: rc.settings.timeoutS * 1000 },
      );
      if (worker.alive) idleOrt.push(worker);
      if (r.kind === 'killed' || aborted()) return;
      await record(rc, {
        ...checkedResult(classifyCheck(r, rc.settings.timeoutS), conversion, reply),
        ...state.surface!.take(reply.surface),
      });
    });

  let next = 0;
  const checks: Promise<void>[] = [];
  const converters = started.converters;
  /** Cases each converter slot has run, for isolatedRetryNeeded. */
  const casesRun = converters.map(() => 0);
  const slot = async (index: number) => {
    for (;;) {
      const def = todo[next++];
      if (!def || aborted()) return;
      if (!converters[index].alive) converters[index] = await workers.converter();
      const rc = resolveCase(def, opts, defaultOpset);
      const caseDir = caseDirOf(opts.out, def.id);
      await rm(caseDir, { recursive: true, force: true });
      const unmet = unmetRequirements(def.requires, ctx.packages);
      if (unmet.length) {
        await record(rc, {
          outcome: 'unsupported',
          outputs: [],
          timingsMs: { export: null, load: null, run: null, build: null, reference: null },
          unmet,
        });
        continue;
      }
      const request = { id: def.id, caseDir, case: rc.workerCase };
      const limits = { timeoutMs: rc.settings.timeoutS * 1000 };
      const first = await converters[index].convert(request, limits);
      if (first.kind === 'killed' || aborted()) return;
      const earlier = casesRun[index]++;
      if (await recycleIfGrown(converters[index], opts.recycleMb ?? DEFAULT_RECYCLE_MB)) ctx.state.recycled++;
      const retried = isolatedRetryNeeded(first, earlier)
        ? await convertInFreshWorker(workers, request, limits)
        : null;
      if (retried?.kind === 'killed' || aborted()) return;
      const outcome = retried ?? first;
      const taint = retried ? taintWarning(first, retried, earlier) : null;
      const v = classifyConversion(outcome, rc.settings.timeoutS);
      if (v.done)
        await record(rc, {
          ...failedConversion(
            v,
            outcome.kind === 'result' && !outcome.reply.ok ? outcome.reply.sourceOps : null,
          ),
          ...(outcome.kind === 'result' && outcome.reply.captureReused ? { captureReused: true } : {}),
          ...(outcome.kind === 'result' ? state.surface!.take(outcome.reply.surface) : {}),
          ...(taint ? { warnings: [taint] } : {}),
        });
      else if (outcome.kind === 'result' && outcome.reply.ok && taint)
        checks.push(
          check(rc, v.timingsMs, { ...outcome.reply, warnings: [...outcome.reply.warnings, taint] }),
        );
      else if (outcome.kind === 'result' && outcome.reply.ok)
        checks.push(check(rc, v.timingsMs, outcome.reply));
    }
  };
  try {
    await Promise.all(converters.map((_, i) => slot(i)));
  } finally {
    await Promise.allSettled(checks);
  }
  await Promise.all(checks);
}

type PartialResult = Omit<CaseResult, 'id' | 'kind' | 'family' | 'settings'>;

function failedConversion(
  v: Extract<ReturnType<typeof classifyConversion>, { done: true }>,
  sourceOps?: string[] | null,
): PartialResult {
  return {
    ...(sourceOps ? { sourceOps } : {}),
    outcome: v.outcome,
    outputs: [],
    timingsMs: {
      export: v.timingsMs.export ?? null,
      load: null,
      run: null,
      build: v.timingsMs.build ?? null,
      reference: v.timingsMs.reference ?? null,
    },
    error: v.error,
    ...(v.unmet ? { unmet: v.unmet } : {}),
  };
}

function checkedResult(
  v: ReturnType<typeof classifyCheck>,
  conversion: Record<string, number>,
  reply: ConvertedReply,
): PartialResult {
  return {
    outcome: v.outcome,
    outputs: v.outputs,
    timingsMs: {
      export: conversion.export ?? null,
      load: v.timingsMs.load,
      run: v.timingsMs.run,
      build: conversion.build ?? null,
      reference: conversion.reference ?? null,
    },
    cpuMs: { export: reply.cpuMs?.export ?? null, run: v.cpuMs?.run ?? null },
    ...(v.error ? { error: v.error } : {}),
    opTypes: reply.opTypes,
    ...(reply.opPairs ? { opPairs: reply.opPairs } : {}),
    ...(reply.sourceOps ? { sourceOps: reply.sourceOps } : {}),
    ...(reply.warnings.length ? { warnings: reply.warnings } : {}),
    opset: reply.opset,
    ...(reply.opsetBuilt !== undefined ? { opsetBuilt: reply.opsetBuilt } : {}),
    ...(reply.captureReused ? { captureReused: true } : {}),
  };
}

/** Stores one finished case: its folder (kept unless ok), the JSONL line, the progress event. */
async function recordCase(ctx: RunContext, rc: ResolvedCase, partial: PartialResult): Promise<void> {
  const { opts, state } = ctx;
  const dir = caseDirOf(opts.out, rc.def.id);
  const places: PathPlaceholders = { ...ctx.placeholders, caseDir: dir };
  const result: CaseResult = {
    id: rc.def.id,
    kind: caseKind(rc.def),
    family: rc.def.family,
    settings: rc.settings,
    ...partial,
    ...(partial.error ? { error: sanitizeError(partial.error, places) } : {}),
    ...(partial.warnings ? { warnings: partial.warnings.map((w) => sanitizeText(w, places)) } : {}),
    ...(syntheticSpec(rc.def) ? { spec: syntheticSpec(rc.def) } : {}),
  };
  if (result.outcome === 'ok' && !opts.keepAll) {
    await rm(dir, { recursive: true, force: true });
  } else {
    result.artifacts = path.relative(opts.out, dir);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'case.json'), JSON.stringify(rc.workerCase, null, 1) + '\n');
  }
  state.results.set(result.id, result);
  await ctx.stream.write(result);
  ctx.events.onCaseDone?.(result, state.results.size, ctx.total);
}

interface FinalInput {
  corpus: Corpus;
  cases: CaseDef[];
  opts: RunOptions;
  /** What selected the cases (filter, shard, the generator's count and seed): recorded in the settings. */
  selection: Partial<SelectionSettings>;
  state: RunState;
  complete: boolean;
  workerStart: WorkerStart;
}

/** Writes results.json from what the run has (cases in corpus order) and returns it. */
async function writeFinal(input: FinalInput): Promise<ResultsDoc> {
  const { corpus, cases, opts, state } = input;
  const ordered = cases.map((c) => state.results.get(c.id)).filter((r): r is CaseResult => r !== undefined);
  const finished = new Date();
  const ready = state.ready;
  const reason = opts.signal?.aborted ? opts.signal.reason : undefined;
  const doc: ResultsDoc = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    // Interrupted before any worker was ready: the converter is only known by its adapter.
    converter: ready ? { ...ready.converter } : { name: opts.adapter, version: 'unknown' },
    environment: {
      node: process.version,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      cpus: os.cpus().length,
      stack: opts.stack ?? null,
      python: ready?.python ?? { executable: opts.python, version: 'unknown' },
      torch: ready ? (ready.torch ?? null) : 'unknown',
      onnx: ready ? (ready.onnx ?? null) : 'unknown',
      frontends: ready?.frontends ?? {},
      // The checker (onnxruntime-node); the worker's Python packages are under `packages`.
      onnxruntime: await ortVersion(),
      exporter: ready?.environment?.exporter ?? ready?.converter.exporter ?? null,
      packages: ready?.environment?.packages ?? {},
      workarounds: ready?.environment?.workarounds ?? [],
      workerStart: input.workerStart,
      pythonPath: opts.env?.PYTHONPATH ?? process.env.PYTHONPATH ?? null,
    },
    settings: {
      corpus: corpus.name,
      atol: opts.tolerance.atol,
      rtol: opts.tolerance.rtol,
      opset: opts.opset,
      timeoutS: opts.timeoutS,
      jobs: opts.jobs,
      filter: null,
      adapter: opts.adapter,
      ...(opts.convertCommand !== undefined ? { convertCommand: opts.convertCommand } : {}),
      recycleMb: opts.recycleMb ?? DEFAULT_RECYCLE_MB,
      workersRecycled: state.recycled,
      ...input.selection,
    },
    corpus: { name: corpus.name, hash: corpus.hash, cases: cases.length, ids: corpus.cases.map((c) => c.id) },
    startedAt: state.started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - state.started.getTime(),
    complete: input.complete && ordered.length === cases.length,
    ...(reason !== undefined ? { interrupted: typeof reason === 'string' ? reason : 'aborted' } : {}),
    coverage: { ...runCoverage(ordered) },
    ...(state.surface ? { surface: state.surface.runSurface() } : {}),
    cases: ordered,
  };
  await writeResultsDoc(opts.out, doc);
  return doc;
}

/** Where recorded error text must not show this machine's folders (src/results/sanitize.ts). */
function pathPlaceholders(out: string, env: WorkerEnvironment | undefined): PathPlaceholders {
  return {
    outDir: out,
    tool: PACKAGE_ROOT,
    home: env?.paths.home ?? os.homedir(),
    ...(env
      ? {
          sitePackages: env.paths.sitePackages,
          pythonPrefix: env.paths.prefix,
          pythonBasePrefix: env.paths.basePrefix,
        }
      : {}),
  };
}

async function ortVersion(): Promise<string> {
  const { createRequire } = await import('node:module');
  try {
    return (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Starts n workers in parallel; if one fails, the others are killed and the error is thrown. */
async function startAll<W extends { kill(): void }>(n: number, start: () => Promise<W>): Promise<W[]> {
  const settled = await Promise.allSettled(Array.from({ length: n }, start));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    for (const s of settled) if (s.status === 'fulfilled') s.value.kill();
    throw (failed as PromiseRejectedResult).reason;
  }
  return settled.map((s) => (s as PromiseFulfilledResult<W>).value);
}
