import { spawn } from 'node:child_process';
import { WORKER_SCRIPT } from '../util/paths.js';
import { TailBuffer } from '../util/tail-buffer.js';
import { BoundedLineSplitter, MAX_REPLY_LINE_BYTES } from '../util/bounded-lines.js';
import {
  descendantsOf,
  killProcessTree,
  processTableSync,
  treeCpuMs,
  treeMemory,
  type ProcEntry,
} from '../util/proc-tree.js';
import { AnyReply, type ConvertRequest, type ReadyReply, type ResultReply } from './protocol.js';
import { RUN_DEFAULTS } from '../run/defaults.js';
import { spawnedProcess, ZygoteUnavailable, type WorkerProcess, type Zygote } from './zygote.js';

export interface PythonWorkerOptions {
  /** Interpreter of the converter build under test. */
  python: string;
  /** Converter adapter name known to the worker (python/convgate_worker/converters). */
  adapter?: string;
  /** Folders appended to the worker's sys.path (corpus model modules). */
  corpusPaths?: string[];
  /** Libraries corpus factories may call besides the corpus' own modules (`modelLibraries`). */
  modelLibraries?: string[];
  /** Frontends of the cases this worker will convert (default: torch); checked at start-up. */
  frontends?: string[];
  /** The command line of the `command` converter (--convert-cmd). */
  convertCommand?: string;
  /** Environment of the converter build (PYTHONPATH etc.); passed through untouched. */
  env?: NodeJS.ProcessEnv;
  /** torch intra-op threads per worker (parallelism comes from several workers). */
  threads?: number;
  /** Kill the worker when the resident memory of its process tree exceeds this many MiB. */
  memoryLimitMb?: number;
  /** Record the converter's translation calls (docs/coverage.md); default true. */
  surface?: boolean;
  startTimeoutMs?: number;
  /** Longest reply line accepted on fd 3; a longer one fails the case (default 64 MiB). */
  maxReplyBytes?: number;
  /** Aborting it kills a worker that is still starting (the run is being interrupted). */
  signal?: AbortSignal;
  /**
   * Fork the worker from this zygote (started with the same options) instead of spawning one;
   * when the zygote cannot fork, the worker is spawned.
   */
  zygote?: Zygote;
}

/** How one request ended. Anything but `result` leaves the worker dead. */
export type RequestOutcome<R> =
  | { kind: 'result'; reply: R }
  /**
   * The time limit fired: `cpu` when the worker's process tree used the limit in CPU time, `wall`
   * when the wall-time backstop expired first (a worker blocked without computing: a deadlock, a
   * sleep, a read that never returns). `cpuMs` is what the tree used during the request (absent
   * where it cannot be measured).
   */
  | { kind: 'timeout'; stage: string; elapsedMs: number; limit: TimeLimitKind; cpuMs?: number }
  | { kind: 'crashed'; stage: string; exitCode: number | null; signal: string | null; stderr: string }
  | { kind: 'memory'; stage: string; rssMb: number }
  /** The worker broke the reply protocol (e.g. a reply line over the size limit). */
  | { kind: 'protocol'; stage: string; message: string }
  /** The worker was killed from outside (the run is being interrupted): no verdict on the case. */
  | { kind: 'killed'; stage: string };

export type TimeLimitKind = 'cpu' | 'wall';

/**
 * A request's time limits. `timeoutMs` is judged on the CPU time (user+sys) of the worker's whole
 * process tree, so a worker starved by a loaded machine is not taken for a hang; the wall-time
 * backstop (`wallTimeoutMs`, default WALL_BACKSTOP_FACTOR × timeoutMs) ends a worker that is
 * blocked without using CPU. Where CPU time cannot be read (no /proc), `timeoutMs` is wall time.
 */
export interface RequestLimits {
  timeoutMs: number;
  wallTimeoutMs?: number;
}

export const WALL_BACKSTOP_FACTOR = 4;

/** How one convert request ended. */
export type ConvertOutcome = RequestOutcome<ResultReply>;

export class WorkerStartError extends Error {}

/** A package the converter or a frontend needs is missing: one line naming it and how to install it. */
export class MissingDependencyError extends WorkerStartError {
  constructor(
    readonly missing: { package: string; neededBy: string; install: string },
    python: string,
  ) {
    super(`${missing.neededBy} needs ${missing.package}, which ${python} cannot import: ${missing.install}`);
  }
}

type Pending = {
  id: string;
  stage: string;
  /** The final reply of the request (null: not this one). */
  accept: (reply: AnyReply) => unknown;
  resolve: (o: RequestOutcome<unknown>) => void;
};

const MEMORY_POLL_MS = 200;
const CPU_POLL_MS = 250;
/** After the worker exits, how long its pipes may stay open (a leftover child holding them). */
const CLOSE_GRACE_MS = 500;

/**
 * One long-lived Python converter worker. Requests go as JSON lines on stdin; replies come on
 * fd 3 so whatever the converter prints on stdout/stderr cannot corrupt the protocol.
 *
 * The worker leads its own process group (and session), so a model or converter that starts
 * processes cannot outlive it: every kill takes the whole group and every descendant, and memory
 * is measured over the whole tree. A worker is never reused once a kill has begun.
 */
export class PythonWorker {
  private pending: Pending | null = null;
  private state: 'starting' | 'running' | 'dying' | 'exited' = 'starting';
  private readonly stderr = new TailBuffer();
  private readyReply: ReadyReply | undefined;
  private onStartLine: ((line: string) => void) | undefined;
  private readonly exited: Promise<void>;
  private readonly pid: number | undefined;
  /** Processes seen in the worker's tree (by the memory poll): killed with it even if re-parented. */
  private readonly seen = new Map<number, ProcEntry>();
  private exitStatus = 'unknown';

  private constructor(
    private readonly child: WorkerProcess,
    private readonly options: PythonWorkerOptions,
  ) {
    this.pid = child.pid;
    for (const s of child.output) s.on('data', (d: Buffer) => this.stderr.push(d));
    const splitter = new BoundedLineSplitter(
      options.maxReplyBytes ?? MAX_REPLY_LINE_BYTES,
      (line) => this.onLine(line),
      (bytes) => this.onOversized(bytes),
    );
    child.replies.on('data', (d: Buffer) => splitter.push(d));
    for (const s of [child.input, child.replies, ...child.output]) s.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      child.onExit((code, signal) => {
        void this.onExit(code, signal).then(resolve);
      });
    });
  }

  /** The worker's command line (after the interpreter); the zygote is started with the same. */
  static args(options: PythonWorkerOptions): string[] {
    const args = [
      WORKER_SCRIPT,
      '--converter',
      options.adapter ?? RUN_DEFAULTS.adapter,
      '--threads',
      String(options.threads ?? 1),
    ];
    if (options.surface === false) args.push('--surface', 'off');
    for (const p of options.corpusPaths ?? []) args.push('--corpus-path', p);
    for (const m of options.modelLibraries ?? []) args.push('--model-library', m);
    for (const f of options.frontends ?? []) args.push('--frontend', f);
    if (options.convertCommand !== undefined) args.push('--convert-cmd', options.convertCommand);
    return args;
  }

  static async start(options: PythonWorkerOptions): Promise<PythonWorker> {
    if (options.signal?.aborted)
      throw new WorkerStartError('the run was interrupted before the worker started');
    const worker = new PythonWorker(await PythonWorker.launch(options), options);
    const onAbort = () => worker.kill();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (options.signal?.aborted)
        throw new WorkerStartError('the run was interrupted while the worker started');
      await worker.waitReady(worker.child, options);
      return worker;
    } catch (e) {
      worker.kill();
      throw e;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Forks the worker from the zygote when there is one that can, else spawns it. */
  private static async launch(options: PythonWorkerOptions): Promise<WorkerProcess> {
    if (options.zygote?.alive) {
      try {
        return await options.zygote.fork(options.startTimeoutMs);
      } catch (e) {
        if (!(e instanceof ZygoteUnavailable)) throw e;
      }
    }
    const child = spawn(options.python, PythonWorker.args(options), {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      // Its own process group: the run kills the group, and a terminal's Ctrl-C reaches the run
      // only, which then stops every worker itself.
      detached: true,
    });
    return spawnedProcess(child);
  }

  /** Whether the zygote forked this worker (false: spawned). */
  get forked(): boolean {
    return this.readyReply?.environment?.workerStart === 'zygote';
  }

  private waitReady(child: WorkerProcess, options: PythonWorkerOptions): Promise<void> {
    const timeoutMs = options.startTimeoutMs ?? 180_000;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new WorkerStartError(`the Python worker did not start within ${timeoutMs / 1000}s`)),
        timeoutMs,
      );
      const fail = (e: Error) => {
        clearTimeout(timer);
        this.onStartLine = undefined;
        reject(e);
      };
      child.onError((e) =>
        fail(new WorkerStartError(`cannot start Python interpreter ${options.python}: ${e.message}`)),
      );
      void this.exited.then(() => {
        if (!this.readyReply)
          fail(
            new WorkerStartError(
              `the Python worker (${options.python}) exited with ${this.exitStatus} before it was ready:\n${this.stderr.toString().trim()}`,
            ),
          );
      });
      this.onStartLine = (line) => {
        let reply: AnyReply;
        try {
          reply = AnyReply.parse(JSON.parse(line));
        } catch (e) {
          return fail(
            new WorkerStartError(
              `the Python worker sent an unreadable first reply: ${String(e).slice(0, 300)}`,
            ),
          );
        }
        if (reply.type === 'fatal' && reply.missing)
          return fail(new MissingDependencyError(reply.missing, options.python));
        if (reply.type === 'fatal')
          return fail(
            new WorkerStartError(`the Python worker (${options.python}) could not start: ${reply.error}`),
          );
        if (reply.type !== 'ready')
          return fail(new WorkerStartError(`the Python worker sent ${reply.type} before ready`));
        clearTimeout(timer);
        this.onStartLine = undefined;
        this.readyReply = reply;
        this.state = 'running';
        resolve();
      };
    });
  }

  /** The worker's `ready` reply: interpreter, torch, onnx, converter and its opsets. */
  get ready(): ReadyReply {
    if (!this.readyReply) throw new Error('the Python worker is not ready');
    return this.readyReply;
  }

  private onLine(line: string): void {
    if (this.onStartLine) return this.onStartLine(line);
    let reply: AnyReply;
    try {
      reply = AnyReply.parse(JSON.parse(line));
    } catch (e) {
      this.stderr.push(`\n[convgate] malformed worker reply: ${String(e).slice(0, 300)}\n`);
      return;
    }
    const p = this.pending;
    if (!p) return;
    if (reply.type === 'stage' && reply.id === p.id) p.stage = reply.stage;
    else if ('id' in reply && reply.id === p.id && p.accept(reply) !== null) {
      this.pending = null;
      p.resolve({ kind: 'result', reply: p.accept(reply) });
    }
  }

  private onOversized(bytes: number): void {
    const message = `the converter process wrote a reply line of more than ${bytes} bytes on the reply channel (limit ${this.options.maxReplyBytes ?? MAX_REPLY_LINE_BYTES}); worker killed`;
    if (this.onStartLine) {
      this.stderr.push(`\n[convgate] ${message}\n`);
      this.kill();
      return;
    }
    const p = this.pending;
    this.kill();
    if (p) p.resolve({ kind: 'protocol', stage: p.stage, message });
  }

  private async onExit(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    this.exitStatus = String(signal ?? code);
    const wasKilled = this.state === 'dying';
    this.state = 'dying';
    // Whatever the worker started dies with it (and stops holding our pipes).
    if (this.pid !== undefined) killProcessTree(this.pid, this.seen.values());
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_GRACE_MS);
      this.child.onClose(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.child.destroy();
    this.state = 'exited';
    const p = this.pending;
    this.pending = null;
    if (!p) return;
    p.resolve(
      wasKilled
        ? { kind: 'killed', stage: p.stage }
        : { kind: 'crashed', stage: p.stage, exitCode: code, signal, stderr: this.stderr.toString() },
    );
  }

  get processId(): number | undefined {
    return this.pid;
  }

  /** False as soon as a kill has begun: a dying worker never takes another case. */
  get alive(): boolean {
    return this.state === 'running';
  }

  /** Converts one case. On timeout, memory blow-up or a broken reply the worker is killed; start a new one. */
  convert(request: ConvertRequest, limits: RequestLimits): Promise<ConvertOutcome> {
    return this.request({ type: 'convert', ...request }, limits, (r) => (r.type === 'result' ? r : null));
  }

  /**
   * Sends one request of any type (localization's `probe`) and waits for the reply `accept`
   * recognises (same id), under the same time and memory limits as a conversion.
   */
  request<R>(
    message: { type: string; id: string; [key: string]: unknown },
    limits: RequestLimits,
    accept: (reply: AnyReply) => R | null,
  ): Promise<RequestOutcome<R>> {
    if (this.state !== 'running') throw new Error(`${message.type}() on a worker that is ${this.state}`);
    if (this.pending) throw new Error(`${message.type}() while another request is in flight`);
    return new Promise<RequestOutcome<R>>((resolve) => {
      const stops: (() => void)[] = [];
      const pending: Pending = {
        id: message.id,
        stage: 'queued',
        accept,
        resolve: (o) => {
          for (const stop of stops) stop();
          resolve(o as RequestOutcome<R>);
        },
      };
      this.pending = pending;
      const killWith = (outcome: RequestOutcome<R>) => {
        if (this.pending !== pending) return;
        this.pending = null;
        this.kill();
        pending.resolve(outcome);
      };
      stops.push(this.watchTime(limits, (t) => killWith({ kind: 'timeout', stage: pending.stage, ...t })));
      stops.push(this.watchMemory((rssMb) => killWith({ kind: 'memory', stage: pending.stage, rssMb })));
      this.child.input.write(JSON.stringify(message) + '\n');
    });
  }

  /**
   * Fires `onLimit` once the worker tree has used `timeoutMs` of CPU time since now, or once the
   * wall-time backstop expires; returns the function that stops watching.
   */
  private watchTime(
    limits: RequestLimits,
    onLimit: (t: { elapsedMs: number; limit: TimeLimitKind; cpuMs?: number }) => void,
  ): () => void {
    const started = Date.now();
    const pid = this.pid;
    const wallMs = limits.wallTimeoutMs ?? limits.timeoutMs * WALL_BACKSTOP_FACTOR;
    let baseCpu: number | null | undefined; // undefined: not read yet; null: cannot be read
    let lastCpu: number | undefined;
    const used = () => (lastCpu !== undefined && baseCpu != null ? lastCpu - baseCpu : undefined);
    const fire = (limit: TimeLimitKind) =>
      onLimit({ elapsedMs: Date.now() - started, limit, ...(used() === undefined ? {} : { cpuMs: used() }) });
    let polling = false;
    const poll = async () => {
      if (polling) return;
      polling = true;
      const now = pid === undefined ? null : await treeCpuMs(pid);
      polling = false;
      if (baseCpu === undefined) baseCpu = now;
      if (now === null || baseCpu === null) {
        // No CPU time to judge by: the limit is wall time.
        if (Date.now() - started >= limits.timeoutMs) fire('wall');
        return;
      }
      lastCpu = now;
      if (now - baseCpu >= limits.timeoutMs) fire('cpu');
    };
    void poll();
    const interval = setInterval(() => void poll(), CPU_POLL_MS);
    const backstop = setTimeout(() => fire('wall'), wallMs);
    return () => {
      clearInterval(interval);
      clearTimeout(backstop);
    };
  }

  /** Fires `onLimit` when the tree's resident memory exceeds the limit (and records its members). */
  private watchMemory(onLimit: (rssMb: number) => void): () => void {
    const limitMb = this.options.memoryLimitMb;
    const pid = this.pid;
    if (!limitMb || pid === undefined) return () => undefined;
    let polling = false;
    const memoryPoll = setInterval(() => {
      if (polling) return;
      polling = true;
      void treeMemory(pid).then(({ rssMb, members }) => {
        polling = false;
        for (const m of members) if (m.pid !== pid) this.seen.set(m.pid, m);
        if (rssMb > limitMb) onLimit(Math.round(rssMb));
      });
    }, MEMORY_POLL_MS);
    return () => clearInterval(memoryPoll);
  }

  /** Asks the worker to finish; kills its tree when it does not within 3 s. Resolves once it is gone. */
  async stop(): Promise<void> {
    if (this.state === 'running') {
      // Children the models left behind, including those in sessions of their own: once the
      // worker exits they are re-parented and could no longer be traced to it.
      if (this.pid !== undefined)
        for (const m of descendantsOf(processTableSync(), this.pid))
          if (m.pid !== this.pid) this.seen.set(m.pid, m);
      this.child.input.end(JSON.stringify({ type: 'shutdown' }) + '\n');
      const timer = setTimeout(() => this.kill(), 3000);
      await this.exited;
      clearTimeout(timer);
    } else {
      this.kill();
      await this.exited;
    }
  }

  /**
   * Kills the worker's process group and every descendant now (synchronously: safe in signal
   * handlers). From this moment the worker takes no case; a request in flight ends as `killed`
   * unless its caller already settled it.
   */
  kill(): void {
    if (this.state === 'exited') return;
    this.state = 'dying';
    if (this.pid !== undefined) killProcessTree(this.pid, this.seen.values());
  }
}
