import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { WORKER_SCRIPT } from '../util/paths.js';
import { TailBuffer } from '../util/tail-buffer.js';
import { residentMb } from '../util/rss.js';
import { AnyReply, type ConvertRequest, type ReadyReply, type ResultReply } from './protocol.js';

export interface PythonWorkerOptions {
  /** Interpreter of the converter build under test. */
  python: string;
  /** Converter adapter name known to the worker (python/convgate_worker/adapters). */
  adapter?: string;
  /** Folders appended to the worker's sys.path (corpus model modules). */
  corpusPaths?: string[];
  /** Environment of the converter build (PYTHONPATH etc.); passed through untouched. */
  env?: NodeJS.ProcessEnv;
  /** torch intra-op threads per worker (parallelism comes from several workers). */
  threads?: number;
  /** Kill the worker when its resident memory exceeds this many MiB. */
  memoryLimitMb?: number;
  startTimeoutMs?: number;
}

/** How one convert request ended. Anything but `result` leaves the worker dead. */
export type ConvertOutcome =
  | { kind: 'result'; reply: ResultReply }
  | { kind: 'timeout'; stage: string; elapsedMs: number }
  | { kind: 'crashed'; stage: string; exitCode: number | null; signal: string | null; stderr: string }
  | { kind: 'memory'; stage: string; rssMb: number };

export class WorkerStartError extends Error {}

type Pending = {
  id: string;
  stage: string;
  resolve: (o: ConvertOutcome) => void;
};

/**
 * One long-lived Python converter worker. Requests go as JSON lines on stdin; replies come on
 * fd 3 so whatever the converter prints on stdout/stderr cannot corrupt the protocol.
 */
export class PythonWorker {
  private pending: Pending | null = null;
  private exited = false;
  private readonly stderr = new TailBuffer();

  private constructor(
    private readonly child: ChildProcess,
    readonly ready: ReadyReply,
    private readonly options: PythonWorkerOptions,
    private readonly lines: AsyncIterator<string>,
  ) {}

  static async start(options: PythonWorkerOptions): Promise<PythonWorker> {
    const args = [
      WORKER_SCRIPT,
      '--adapter',
      options.adapter ?? 'torch.onnx',
      '--threads',
      String(options.threads ?? 1),
    ];
    for (const p of options.corpusPaths ?? []) args.push('--corpus-path', p);
    const child = spawn(options.python, args, {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    const startup = new TailBuffer();
    child.stdout!.on('data', (d) => startup.push(d));
    child.stderr!.on('data', (d) => startup.push(d));
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (e) =>
        reject(new WorkerStartError(`cannot start Python interpreter ${options.python}: ${e.message}`)),
      ),
    );
    const lines = createInterface({ input: child.stdio[3] as Readable, crlfDelay: Infinity })[
      Symbol.asyncIterator
    ]();
    const timeoutMs = options.startTimeoutMs ?? 180_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new WorkerStartError(`the Python worker did not start within ${timeoutMs / 1000}s`)),
        timeoutMs,
      );
    });
    try {
      const first = await Promise.race([lines.next(), spawnError, timeout]);
      if (first.done) {
        const code = await exitCode(child);
        throw new WorkerStartError(
          `the Python worker (${options.python}) exited with ${code} before it was ready:\n${startup.toString().trim()}`,
        );
      }
      const reply = AnyReply.parse(JSON.parse(first.value));
      if (reply.type === 'fatal')
        throw new WorkerStartError(`the Python worker (${options.python}) could not start: ${reply.error}`);
      if (reply.type !== 'ready')
        throw new WorkerStartError(`the Python worker sent ${reply.type} before ready`);
      spawnError.catch(() => undefined); // later process errors surface as exits
      const worker = new PythonWorker(child, reply, options, lines);
      worker.attach(startup);
      return worker;
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  private attach(startup: TailBuffer): void {
    this.stderr.push(startup.toString());
    this.child.stdout!.removeAllListeners('data');
    this.child.stderr!.removeAllListeners('data');
    // Drain the converter's own output; keep the tail to explain crashes.
    this.child.stdout!.on('data', (d) => this.stderr.push(d));
    this.child.stderr!.on('data', (d) => this.stderr.push(d));
    this.child.once('exit', (code, signal) => {
      this.exited = true;
      const p = this.pending;
      this.pending = null;
      p?.resolve({ kind: 'crashed', stage: p.stage, exitCode: code, signal, stderr: this.stderr.toString() });
    });
    void this.readReplies();
  }

  private async readReplies(): Promise<void> {
    for (;;) {
      let next: IteratorResult<string>;
      try {
        next = await this.lines.next();
      } catch {
        return;
      }
      if (next.done) return;
      let reply: AnyReply;
      try {
        reply = AnyReply.parse(JSON.parse(next.value));
      } catch (e) {
        this.stderr.push(`\n[convgate] malformed worker reply: ${String(e).slice(0, 300)}\n`);
        continue;
      }
      const p = this.pending;
      if (!p) continue;
      if (reply.type === 'stage' && reply.id === p.id) p.stage = reply.stage;
      else if (reply.type === 'result' && reply.id === p.id) {
        this.pending = null;
        p.resolve({ kind: 'result', reply });
      }
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Converts one case. On timeout or memory blow-up the worker is killed; start a new one. */
  convert(request: ConvertRequest, limits: { timeoutMs: number }): Promise<ConvertOutcome> {
    if (this.exited) throw new Error('convert() on a dead worker');
    if (this.pending) throw new Error('convert() while another request is in flight');
    const started = Date.now();
    return new Promise<ConvertOutcome>((resolve) => {
      let memoryPoll: NodeJS.Timeout | undefined;
      const pending: Pending = {
        id: request.id,
        stage: 'queued',
        resolve: (o) => {
          clearTimeout(watchdog);
          clearInterval(memoryPoll);
          resolve(o);
        },
      };
      this.pending = pending;
      const killWith = (outcome: ConvertOutcome) => {
        if (this.pending !== pending) return;
        this.pending = null;
        this.child.kill('SIGKILL');
        pending.resolve(outcome);
      };
      const watchdog = setTimeout(
        () => killWith({ kind: 'timeout', stage: pending.stage, elapsedMs: Date.now() - started }),
        limits.timeoutMs,
      );
      const limitMb = this.options.memoryLimitMb;
      if (limitMb && this.child.pid) {
        const pid = this.child.pid;
        memoryPoll = setInterval(() => {
          void residentMb(pid).then((rss) => {
            if (rss !== null && rss > limitMb)
              killWith({ kind: 'memory', stage: pending.stage, rssMb: Math.round(rss) });
          });
        }, 200);
      }
      (this.child.stdin as Writable).write(JSON.stringify({ type: 'convert', ...request }) + '\n');
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = exitCode(this.child);
    (this.child.stdin as Writable).end(JSON.stringify({ type: 'shutdown' }) + '\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
