import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { PythonWorker, type PythonWorkerOptions } from '../convert/python-worker.js';
import type { ConvertedReply, ReadyReply } from '../convert/protocol.js';
import { OrtWorker } from '../check/ort-client.js';
import { caseKind, type Corpus } from '../corpus/load.js';
import type { CaseDef } from '../corpus/schema.js';
import { SCHEMA_VERSION, type CaseResult, type ResultsDoc } from '../results/schema.js';
import { readResultsJsonl, ResultsStream, writeResultsDoc, RESULTS_JSONL } from '../results/writer.js';
import { TOOL_NAME, TOOL_VERSION } from '../util/version.js';
import { classifyCheck, classifyConversion } from './classify.js';
import { runCoverage } from '../report/coverage.js';
import { resolveCase, type ResolvedCase, type RunOptions } from './settings.js';
import { unmetRequirements } from './requirements.js';
import { sanitizeError, sanitizeText, type PathPlaceholders } from '../results/sanitize.js';
import { PACKAGE_ROOT } from '../util/paths.js';
import type { WorkerEnvironment } from '../convert/protocol.js';

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

/**
 * Runs cases through the converter (Python workers) and ONNX Runtime (Node workers), pipelined:
 * a converter worker moves on to the next case while the previous one is being checked.
 * Results stream to <out>/results.jsonl; <out>/results.json is written at the end.
 */
export async function runCases(
  corpus: Corpus,
  cases: CaseDef[],
  opts: RunOptions,
  events: RunEvents = {},
  extraSettings: Record<string, unknown> = {},
): Promise<ResultsDoc> {
  const started = new Date();
  await mkdir(opts.out, { recursive: true });
  const previous = opts.resume ? await readResultsJsonl(path.join(opts.out, RESULTS_JSONL)) : [];
  const wanted = new Set(cases.map((c) => c.id));
  const kept = previous.filter((r) => wanted.has(r.id));
  const keptIds = new Set(kept.map((r) => r.id));
  const todo = cases.filter((c) => !keptIds.has(c.id));
  const stream = await ResultsStream.open(opts.out, opts.resume);

  const jobs = Math.max(1, Math.min(opts.jobs, todo.length || 1));
  const workerOptions: PythonWorkerOptions = {
    python: opts.python,
    adapter: opts.adapter,
    corpusPaths: corpus.pythonPaths,
    env: workerEnv(opts.env ?? process.env, opts.threads ?? DEFAULT_THREADS),
    threads: opts.threads ?? DEFAULT_THREADS,
    memoryLimitMb: opts.memoryLimitMb,
  };
  // Runtime workers start while the converter workers import torch.
  const ortStarting = startAll(
    jobs,
    () => OrtWorker.start(),
    (w) => void w.stop(),
  );
  const converters = await startAll(
    jobs,
    () => PythonWorker.start(workerOptions),
    (w) => w.kill(),
  ).catch(async (e: unknown) => {
    for (const w of await ortStarting.catch(() => [])) void w.stop();
    throw e;
  });
  const ready = converters[0].ready;
  const placeholders = pathPlaceholders(opts.out, ready.environment);
  const packages = { ...ready.environment?.packages, python: ready.python.version };
  const idleOrt: OrtWorker[] = await ortStarting;
  const ortLimit = pLimit(jobs);
  const defaultOpset = typeof ready.converter.defaultOpset === 'number' ? ready.converter.defaultOpset : null;
  events.onStart?.({ total: cases.length, skipped: kept.length, converter: ready.converter });

  const results = new Map<string, CaseResult>(kept.map((r) => [r.id, r]));
  let done = kept.length;
  const finish = async (
    rc: ResolvedCase,
    partial: Omit<CaseResult, 'id' | 'kind' | 'family' | 'settings'>,
  ) => {
    const dir = caseDirOf(opts.out, rc.def.id);
    const places: PathPlaceholders = { ...placeholders, caseDir: dir };
    const result: CaseResult = {
      id: rc.def.id,
      kind: caseKind(rc.def),
      family: rc.def.family,
      settings: rc.settings,
      ...partial,
      ...(partial.error ? { error: sanitizeError(partial.error, places) } : {}),
      ...(partial.warnings ? { warnings: partial.warnings.map((w) => sanitizeText(w, places)) } : {}),
      ...(caseKind(rc.def) === 'synthetic' ? { spec: (rc.def.model as { spec: unknown }).spec } : {}),
    };
    if (result.outcome === 'ok' && !opts.keepAll) {
      await rm(dir, { recursive: true, force: true });
    } else {
      result.artifacts = path.relative(opts.out, dir);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'case.json'), JSON.stringify(rc.workerCase, null, 1) + '\n');
    }
    results.set(result.id, result);
    await stream.write(result);
    done++;
    events.onCaseDone?.(result, done, cases.length);
  };

  const check = (
    rc: ResolvedCase,
    conversion: Record<string, number>,
    reply: Pick<
      ConvertedReply,
      'opTypes' | 'opPairs' | 'warnings' | 'model' | 'tensors' | 'opset' | 'opsetBuilt'
    >,
  ) =>
    ortLimit(async () => {
      let worker = idleOrt.pop();
      if (!worker || !worker.alive) worker = await OrtWorker.start();
      const timeoutS = rc.settings.timeoutS;
      const r = await worker.check(
        {
          id: rc.def.id,
          caseDir: caseDirOf(opts.out, rc.def.id),
          model: reply.model,
          tensors: reply.tensors,
          tolerance: { atol: rc.settings.atol, rtol: rc.settings.rtol },
        },
        { timeoutMs: timeoutS * 1000 },
      );
      if (worker.alive) idleOrt.push(worker);
      const v = classifyCheck(r, timeoutS);
      await finish(rc, {
        outcome: v.outcome,
        outputs: v.outputs,
        timingsMs: {
          export: conversion.export ?? null,
          load: v.timingsMs.load,
          run: v.timingsMs.run,
          build: conversion.build ?? null,
          reference: conversion.reference ?? null,
        },
        ...(v.error ? { error: v.error } : {}),
        opTypes: reply.opTypes,
        ...(reply.opPairs ? { opPairs: reply.opPairs } : {}),
        ...(reply.warnings.length ? { warnings: reply.warnings } : {}),
        opset: reply.opset,
        ...(reply.opsetBuilt !== undefined ? { opsetBuilt: reply.opsetBuilt } : {}),
      });
    });

  let next = 0;
  const checks: Promise<void>[] = [];
  const slot = async (index: number) => {
    for (;;) {
      const def = todo[next++];
      if (!def) return;
      if (!converters[index].alive) converters[index] = await PythonWorker.start(workerOptions);
      const rc = resolveCase(def, opts, defaultOpset);
      const caseDir = caseDirOf(opts.out, def.id);
      await rm(caseDir, { recursive: true, force: true });
      const unmet = unmetRequirements(def.requires, packages);
      if (unmet.length) {
        await finish(rc, {
          outcome: 'unsupported',
          outputs: [],
          timingsMs: { export: null, load: null, run: null, build: null, reference: null },
          unmet,
        });
        continue;
      }
      const outcome = await converters[index].convert(
        { id: def.id, caseDir, case: rc.workerCase },
        { timeoutMs: rc.settings.timeoutS * 1000 },
      );
      const v = classifyConversion(outcome, rc.settings.timeoutS);
      if (v.done) {
        await finish(rc, {
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
        });
      } else if (outcome.kind === 'result' && outcome.reply.ok) {
        checks.push(check(rc, v.timingsMs, outcome.reply));
      }
    }
  };

  let complete = false;
  let doc: ResultsDoc | undefined;
  try {
    await Promise.all(converters.map((_, i) => slot(i)));
    await Promise.all(checks);
    complete = true;
  } finally {
    await Promise.allSettled([...converters.map((w) => w.stop()), ...idleOrt.map((w) => w.stop())]);
    await stream.flush();
    const ordered = cases.map((c) => results.get(c.id)).filter((r): r is CaseResult => r !== undefined);
    const finished = new Date();
    doc = {
      schemaVersion: SCHEMA_VERSION,
      tool: { name: TOOL_NAME, version: TOOL_VERSION },
      converter: { ...ready.converter, name: ready.converter.name, version: ready.converter.version },
      environment: {
        node: process.version,
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        cpus: os.cpus().length,
        stack: opts.stack ?? null,
        python: ready.python,
        torch: ready.torch,
        onnx: ready.onnx,
        // The checker (onnxruntime-node); the worker's Python packages are under `packages`.
        onnxruntime: await ortVersion(),
        exporter: ready.environment?.exporter ?? ready.converter.exporter ?? null,
        packages: ready.environment?.packages ?? {},
        workarounds: ready.environment?.workarounds ?? [],
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
        ...extraSettings,
      },
      corpus: { name: corpus.name, hash: corpus.hash, cases: cases.length },
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      complete: complete && ordered.length === cases.length,
      coverage: { ...runCoverage(ordered) },
      cases: ordered,
    };
    await writeResultsDoc(opts.out, doc);
  }
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
async function startAll<W>(n: number, start: () => Promise<W>, kill: (w: W) => void): Promise<W[]> {
  const settled = await Promise.allSettled(Array.from({ length: n }, start));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    for (const s of settled) if (s.status === 'fulfilled') kill(s.value);
    throw (failed as PromiseRejectedResult).reason;
  }
  return settled.map((s) => (s as PromiseFulfilledResult<W>).value);
}
