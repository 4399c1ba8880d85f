/**
 * The workers localization talks to: one Python converter worker (the converter build under test)
 * and one ONNX Runtime worker, started on first use and restarted when a trial kills them. A
 * crash, hang or memory blow-up of a trial is a trial result, never an error of the session.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { OrtWorker } from '../check/ort-client.js';
import { PythonWorker, type PythonWorkerOptions } from '../convert/python-worker.js';
import type { ProbedReply } from '../convert/protocol.js';
import type { CaseDef } from '../corpus/schema.js';
import type { CaseError, OutputComparison } from '../results/schema.js';
import type { Outcome } from '../results/outcome.js';
import { classifyCheck, classifyConversion } from '../run/classify.js';
import { sanitizeError } from '../results/sanitize.js';
import { resolveCase, type RunOptions } from '../run/settings.js';
import { ProbeSummary, type ProbeRun } from './probe-summary.js';

/** What one trial (a convert + check of a derived case) ended with. */
export interface Trial {
  outcome: Outcome;
  error?: CaseError;
  outputs: OutputComparison[];
  opTypes?: string[];
}

export type SessionRun = Pick<
  RunOptions,
  'python' | 'adapter' | 'env' | 'timeoutS' | 'threads' | 'memoryLimitMb' | 'opset' | 'tolerance'
>;

export class LocalizeSession {
  private python: PythonWorker | null = null;
  private ort: OrtWorker | null = null;
  private defaultOpset: number | null = null;

  constructor(
    private readonly run: SessionRun,
    private readonly corpusPaths: string[],
    private readonly modelLibraries: string[] = [],
  ) {}

  private async pythonWorker(): Promise<PythonWorker> {
    if (!this.python?.alive) {
      const options: PythonWorkerOptions = {
        python: this.run.python,
        adapter: this.run.adapter,
        corpusPaths: this.corpusPaths,
        modelLibraries: this.modelLibraries,
        env: this.run.env ?? process.env,
        threads: this.run.threads ?? 1,
        memoryLimitMb: this.run.memoryLimitMb,
      };
      this.python = await PythonWorker.start(options);
      const d = this.python.ready.converter.defaultOpset;
      this.defaultOpset = typeof d === 'number' ? d : null;
    }
    return this.python;
  }

  private async ortWorker(): Promise<OrtWorker> {
    if (!this.ort?.alive) this.ort = await OrtWorker.start();
    return this.ort;
  }

  /** The worker request body of a case, every default explicit (as `convgate run` resolves it). */
  async resolve(def: CaseDef, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    await this.pythonWorker();
    const opts = { ...this.run, out: '', jobs: 1, keepAll: false, resume: false } as RunOptions;
    return { ...resolveCase(def, opts, this.defaultOpset).workerCase, ...extra };
  }

  /** Converts and checks one derived case in `caseDir` (emptied first). */
  async trial(id: string, workerCase: Record<string, unknown>, caseDir: string): Promise<Trial> {
    await rm(caseDir, { recursive: true, force: true });
    await mkdir(caseDir, { recursive: true });
    const timeoutMs = this.run.timeoutS * 1000;
    const py = await this.pythonWorker();
    const converted = await py.convert({ id, caseDir, case: workerCase }, { timeoutMs });
    const v = classifyConversion(converted, this.run.timeoutS);
    const places = { caseDir };
    if (v.done) return { outcome: v.outcome, error: sanitizeError(v.error, places), outputs: [] };
    if (converted.kind !== 'result' || !converted.reply.ok)
      throw new Error('unreachable: conversion not done');
    const tol = workerCase.tolerance as { atol: number; rtol: number };
    const ort = await this.ortWorker();
    const checked = await ort.check(
      { id, caseDir, model: converted.reply.model, tensors: converted.reply.tensors, tolerance: tol },
      { timeoutMs },
    );
    const c = classifyCheck(checked, this.run.timeoutS);
    return {
      outcome: c.outcome,
      outputs: c.outputs,
      ...(c.error ? { error: sanitizeError(c.error, places) } : {}),
      opTypes: converted.reply.opTypes,
    };
  }

  /**
   * Python side of a probe: eager values and module scopes of the case's converted model
   * (`values: false`: the graph and module tree only). Null summary with the reason on failure.
   */
  async probe(
    id: string,
    workerCase: Record<string, unknown>,
    caseDir: string,
    opts: {
      set: number;
      values: boolean;
      out: string;
      stopAt?: string;
      refine?: { path: string; call: number; values: string[] };
    },
  ): Promise<{ summary: ProbeSummary; file: string } | { problem: string }> {
    const py = await this.pythonWorker();
    const r = await py.request(
      {
        type: 'probe',
        id,
        caseDir,
        case: workerCase,
        set: opts.set,
        values: opts.values,
        out: opts.out,
        ...(opts.stopAt ? { stopAt: opts.stopAt } : {}),
        ...(opts.refine ? { refine: opts.refine } : {}),
      },
      { timeoutMs: this.run.timeoutS * 1000 },
      (reply): ProbedReply | null => (reply.type === 'probed' ? reply : null),
    );
    if (r.kind !== 'result')
      return {
        problem: `the converter worker ${r.kind === 'timeout' ? 'timed out' : 'died'} while probing (${r.kind})`,
      };
    const reply: ProbedReply = r.reply;
    if (!reply.ok || !reply.summary)
      return {
        problem: `probe failed: ${reply.error ? `${reply.error.type}: ${reply.error.message.split('\n')[0]}` : 'no summary'}`,
      };
    const file = path.resolve(caseDir, reply.summary);
    if (!file.startsWith(path.resolve(caseDir) + path.sep))
      return { problem: 'probe summary outside the case folder' };
    const parsed = ProbeSummary.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (!parsed.success) return { problem: `probe summary is malformed: ${parsed.error.issues[0]?.message}` };
    return { summary: parsed.data, file: path.relative(caseDir, file) };
  }

  /** ONNX Runtime side of a probe: run the probe model, compare exposed values. */
  async probeRun(
    id: string,
    caseDir: string,
    summary: string,
    tolerance: { atol: number; rtol: number },
  ): Promise<ProbeRun | { problem: string }> {
    const ort = await this.ortWorker();
    const r = await ort.probe(
      { id, caseDir, summary, tensors: 'tensors/tensors.json', tolerance },
      { timeoutMs: this.run.timeoutS * 1000 },
    );
    if (r.kind !== 'checked')
      return { problem: `ONNX Runtime ${r.kind === 'timeout' ? 'timed out' : 'crashed'} on the probe model` };
    return r.reply.ok
      ? r.reply.run
      : { problem: `ONNX Runtime could not run the probe model: ${r.reply.error.split('\n')[0]}` };
  }

  /**
   * Stops whatever runs now (a trial past its deadline): kills both workers' process groups. The
   * request in flight ends as killed; the next request starts fresh workers.
   */
  interrupt(): void {
    this.python?.kill();
    this.ort?.kill();
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.python?.stop(), this.ort?.stop()]);
  }
}
