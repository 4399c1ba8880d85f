import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { PACKAGE_ROOT } from '../util/paths.js';
import { killProcessTree } from '../util/proc-tree.js';
import { TailBuffer } from '../util/tail-buffer.js';
import type { CheckReply, CheckRequest, ProbeRequest } from './ort-protocol.js';

type Checked = Extract<CheckReply, { type: 'checked' }>;
type Probed = Extract<CheckReply, { type: 'probed' }>;

/** How a request ended: its reply, or the worker timed out / died / was killed (then it is gone). */
export type OrtOutcome<R> =
  | { kind: 'checked'; reply: R }
  | { kind: 'timeout'; stage: string; elapsedMs: number }
  | { kind: 'crashed'; stage: string; exitCode: number | null; signal: string | null; stderr: string }
  /** Killed from outside (the run is being interrupted): no verdict on the case. */
  | { kind: 'killed'; stage: string };

export type CheckResult = OrtOutcome<Checked>;
export type ProbeResult = OrtOutcome<Probed>;

/** The compiled worker next to this module (build/ or dist/), else build/ when running from src/ in tests. */
export function ortWorkerScript(): string {
  const here = fileURLToPath(new URL('./ort-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = path.join(PACKAGE_ROOT, 'build', 'check', 'ort-worker.js');
  if (existsSync(built)) return built;
  throw new Error(`ONNX Runtime worker script not found (${here}); run \`npm run build\``);
}

/**
 * One ONNX Runtime worker process; a crash or hang of a model kills only it. Like the converter
 * workers it leads its own process group, and it is never reused once a kill has begun.
 */
export class OrtWorker {
  private pending: {
    id: string;
    stage: string;
    type: 'checked' | 'probed';
    resolve: (r: OrtOutcome<CheckReply>) => void;
  } | null = null;
  private state: 'running' | 'dying' | 'exited' = 'running';
  private readonly stderr = new TailBuffer();
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly version: string,
  ) {
    child.stderr?.on('data', (d) => this.stderr.push(d));
    child.stdout?.on('data', (d) => this.stderr.push(d));
    child.on('message', (m: CheckReply) => {
      const p = this.pending;
      if (!p) return;
      if (m.type === 'stage' && m.id === p.id) p.stage = m.stage;
      if ((m.type === 'checked' || m.type === 'probed') && m.type === p.type && m.id === p.id) {
        this.pending = null;
        p.resolve({ kind: 'checked', reply: m });
      }
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        const killed = this.state === 'dying';
        this.state = 'exited';
        const p = this.pending;
        this.pending = null;
        if (p)
          p.resolve(
            killed
              ? { kind: 'killed', stage: p.stage }
              : { kind: 'crashed', stage: p.stage, exitCode: code, signal, stderr: this.stderr.toString() },
          );
        resolve();
      }),
    );
  }

  static async start(script = ortWorkerScript()): Promise<OrtWorker> {
    const child = fork(script, [], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
      detached: true,
    });
    const version = await new Promise<string>((resolve, reject) => {
      const err = new TailBuffer();
      child.stderr?.on('data', (d) => err.push(d));
      child.once('message', (m: CheckReply) =>
        m.type === 'ready' ? resolve(m.ort) : reject(new Error('unexpected first message')),
      );
      child.once('exit', (code) =>
        reject(new Error(`ONNX Runtime worker exited with ${code} at start:\n${err}`)),
      );
      child.once('error', reject);
    }).catch((e: unknown) => {
      if (child.pid !== undefined) killProcessTree(child.pid);
      throw e;
    });
    child.stderr?.removeAllListeners('data');
    child.removeAllListeners('exit');
    return new OrtWorker(child, version);
  }

  /** False as soon as a kill has begun: a dying worker never takes another case. */
  get alive(): boolean {
    return this.state === 'running';
  }

  check(req: Omit<CheckRequest, 'type'>, limits: { timeoutMs: number }): Promise<CheckResult> {
    return this.request({ type: 'check', ...req }, 'checked', limits) as Promise<CheckResult>;
  }

  /** Localization: runs a probe model and compares its exposed values (src/localize/ort-probe.ts). */
  probe(req: Omit<ProbeRequest, 'type'>, limits: { timeoutMs: number }): Promise<ProbeResult> {
    return this.request({ type: 'probe', ...req }, 'probed', limits) as Promise<ProbeResult>;
  }

  private request(
    req: CheckRequest | ProbeRequest,
    replyType: 'checked' | 'probed',
    limits: { timeoutMs: number },
  ): Promise<OrtOutcome<CheckReply>> {
    if (this.state !== 'running')
      throw new Error(`${req.type}() on an ONNX Runtime worker that is ${this.state}`);
    if (this.pending) throw new Error(`${req.type}() while another request is in flight`);
    const started = Date.now();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.pending?.id !== req.id) return;
        const stage = this.pending.stage;
        this.pending = null;
        this.kill();
        resolve({ kind: 'timeout', stage, elapsedMs: Date.now() - started });
      }, limits.timeoutMs);
      this.pending = {
        id: req.id,
        stage: 'load',
        type: replyType,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      this.child.send(req);
    });
  }

  async stop(): Promise<void> {
    if (this.state === 'running' && this.child.connected) {
      this.child.disconnect();
      const timer = setTimeout(() => this.kill(), 2000);
      await this.exited;
      clearTimeout(timer);
    } else {
      this.kill();
      await this.exited;
    }
  }

  /** Kills the worker (and anything it started) now; a check in flight ends as `killed`. */
  kill(): void {
    if (this.state === 'exited') return;
    this.state = 'dying';
    if (this.child.pid !== undefined) killProcessTree(this.child.pid);
  }
}
