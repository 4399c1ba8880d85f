import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { z } from 'zod';
import { BoundedLineSplitter } from '../util/bounded-lines.js';
import { killProcessTree } from '../util/proc-tree.js';
import { TailBuffer } from '../util/tail-buffer.js';

/**
 * The zygote (python/convgate_worker/zygote.py): one Python process that prepares a converter
 * worker once — torch, the exporter and the model libraries imported, the warm-up export done —
 * and forks workers on request. Forked workers share its pages copy-on-write, so two workers cost
 * far less memory than two spawned ones, and a new worker costs a fork instead of ~4 s of imports
 * (docs/performance.md).
 *
 * Channels: the zygote's stdin/fd 3 carry control lines (fork requests; `forked`, `exited`
 * replies). Each forked worker connects twice to this side's unix socket (in a private folder),
 * naming the fork's token: `protocol` (requests in, replies out) and `output` (its stdout and
 * stderr). fd 4 of the zygote is a lifeline only this process holds open: a forked worker kills
 * its own process group when it reads end-of-file there (this process died), whether or not the
 * zygote still lives. A zygote that dies only stops new forks: running workers finish their cases.
 */

/** The process behind a PythonWorker: spawned by convgate or forked by the zygote. */
export interface WorkerProcess {
  readonly pid: number | undefined;
  /** Request lines go here. */
  readonly input: Writable;
  /** Reply lines come from here. */
  readonly replies: Readable;
  /** What the worker prints (stdout, stderr). */
  readonly output: Readable[];
  /** Called once, when the process has exited (status unknown: both null). */
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  /** Called once the worker's channels are all closed. */
  onClose(listener: () => void): void;
  /** The process could not be started. */
  onError(listener: (e: Error) => void): void;
  /** Closes this side of every channel. */
  destroy(): void;
}

/** A spawned process as a WorkerProcess (stdin requests, fd 3 replies). */
export function spawnedProcess(child: ChildProcess): WorkerProcess {
  return {
    pid: child.pid,
    input: child.stdin!,
    replies: child.stdio[3] as Readable,
    output: [child.stdout!, child.stderr!],
    onExit: (l) => void child.once('exit', l),
    onClose: (l) => void child.once('close', l),
    onError: (l) => void child.once('error', l),
    destroy: () => {
      for (const s of [child.stdin, child.stdout, child.stderr, child.stdio[3]]) s?.destroy();
    },
  };
}

/** Worker options the zygote depends on (every worker it forks has these). */
export interface ZygoteOptions {
  python: string;
  /** The worker's command line (worker.py and its arguments); `--zygote` is added. */
  args: string[];
  env: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
}

/** Converters and frontends whose workers may be forked (torch-based; TensorFlow is not fork-safe). */
export function zygoteApplies(o: {
  adapter?: string;
  frontends?: string[];
  convertCommand?: string;
}): boolean {
  if (o.convertCommand !== undefined) return false;
  if (o.adapter && ['command', 'keras.onnx', 'tf2onnx'].includes(o.adapter)) return false;
  return (o.frontends ?? ['torch']).every((f) => f === 'torch' || f === 'onnx');
}

const ControlReply = z.discriminatedUnion('type', [
  z.object({ type: z.literal('zygote-ready'), pid: z.number().int(), threads: z.number().int() }),
  z.object({ type: z.literal('forked'), token: z.string(), pid: z.number().int() }),
  z.object({
    type: z.literal('exited'),
    pid: z.number().int(),
    code: z.number().int().nullable(),
    signal: z.string().nullable(),
  }),
  z.object({ type: z.literal('fatal'), error: z.string() }),
  z.object({ type: z.literal('protocol-error'), message: z.string() }),
]);
type ControlReply = z.infer<typeof ControlReply>;

const Hello = z.object({ token: z.string(), role: z.enum(['protocol', 'output']) });

/** A fork waiting for its pid and its two connections. */
interface Waiting {
  pid?: number;
  protocol?: { socket: net.Socket; rest: Buffer };
  output?: { socket: net.Socket; rest: Buffer };
  resolve: (p: ForkedProcess) => void;
  reject: (e: Error) => void;
}

export class ZygoteUnavailable extends Error {}

export class Zygote {
  private state: 'starting' | 'running' | 'dead' = 'starting';
  private readonly output = new TailBuffer();
  private readonly waiting = new Map<string, Waiting>();
  private readonly forked = new Map<number, ForkedProcess>();
  private onReady: ((r: ControlReply) => void) | undefined;
  /** Why workers are no longer forked (the zygote died), null while it serves. */
  private deathNote: string | null = null;

  private constructor(
    private readonly child: ChildProcess,
    private readonly server: net.Server,
    private readonly dir: string,
  ) {
    child.stdout!.on('data', (d: Buffer) => this.output.push(d));
    child.stderr!.on('data', (d: Buffer) => this.output.push(d));
    const splitter = new BoundedLineSplitter(
      1 << 20,
      (line) => this.onControl(line),
      () => this.kill(),
    );
    (child.stdio[3] as Readable).on('data', (d: Buffer) => splitter.push(d));
    for (const s of child.stdio) s?.on('error', () => undefined);
    child.once('exit', (code, signal) => this.onZygoteExit(code, signal));
    server.on('connection', (socket) => this.onConnection(socket));
  }

  get socketPath(): string {
    return path.join(this.dir, 's');
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.state === 'running';
  }

  /** Why the run fell back to spawning workers (the zygote died), or null. */
  get note(): string | null {
    return this.deathNote;
  }

  static async start(options: ZygoteOptions): Promise<Zygote> {
    // A unix socket path holds at most 107 bytes.
    const parent = os.tmpdir().length > 60 ? '/tmp' : os.tmpdir();
    const dir = await mkdtemp(path.join(parent, 'convgate-zygote-'));
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path.join(dir, 's'), resolve);
    });
    const child = spawn(options.python, [...options.args, '--zygote'], {
      env: options.env,
      // 0: control requests, 1/2: output, 3: control replies, 4: lifeline (never written).
      stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const zygote = new Zygote(child, server, dir);
    try {
      await zygote.waitReady(options.startTimeoutMs ?? 180_000);
      return zygote;
    } catch (e) {
      zygote.kill();
      await zygote.stop();
      throw e;
    }
  }

  private waitReady(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(`did not start within ${timeoutMs / 1000}s`), timeoutMs);
      const fail = (why: string) => {
        clearTimeout(timer);
        this.onReady = undefined;
        reject(new ZygoteUnavailable(`the zygote ${why}`));
      };
      this.child.once('error', (e) => fail(`could not be started: ${e.message}`));
      this.child.once('exit', (code, signal) =>
        fail(
          `exited with ${code ?? signal} before it was ready: ${this.output.toString().trim().slice(-500)}`,
        ),
      );
      this.onReady = (r) => {
        if (r.type === 'zygote-ready') {
          clearTimeout(timer);
          this.onReady = undefined;
          this.state = 'running';
          resolve();
        } else if (r.type === 'fatal') fail(`could not start: ${r.error}`);
      };
    });
  }

  private onControl(line: string): void {
    let r: ControlReply;
    try {
      r = ControlReply.parse(JSON.parse(line));
    } catch {
      this.output.push(`\n[convgate] malformed zygote reply: ${line.slice(0, 200)}\n`);
      return;
    }
    if (this.onReady) return this.onReady(r);
    if (r.type === 'forked') {
      const w = this.waiting.get(r.token);
      if (w) {
        w.pid = r.pid;
        this.complete(r.token);
      }
    } else if (r.type === 'exited') {
      this.forked.get(r.pid)?.exited(r.code, r.signal as NodeJS.Signals | null);
      this.forked.delete(r.pid);
      for (const [token, w] of this.waiting)
        if (w.pid === r.pid) {
          this.waiting.delete(token);
          w.protocol?.socket.destroy();
          w.output?.socket.destroy();
          w.reject(
            new ZygoteUnavailable(`a forked worker exited with ${r.signal ?? r.code} before it connected`),
          );
        }
    }
  }

  private onConnection(socket: net.Socket): void {
    socket.on('error', () => undefined);
    let head = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      head = Buffer.concat([head, d]);
      const nl = head.indexOf(10);
      if (nl < 0) {
        if (head.length > 4096) socket.destroy();
        return;
      }
      socket.off('data', onData);
      socket.pause();
      let hello: z.infer<typeof Hello>;
      try {
        hello = Hello.parse(JSON.parse(head.subarray(0, nl).toString('utf8')));
      } catch {
        socket.destroy();
        return;
      }
      const w = this.waiting.get(hello.token);
      if (!w || w[hello.role]) {
        socket.destroy();
        return;
      }
      w[hello.role] = { socket, rest: head.subarray(nl + 1) };
      this.complete(hello.token);
    };
    socket.on('data', onData);
  }

  private complete(token: string): void {
    const w = this.waiting.get(token);
    if (!w || w.pid === undefined || !w.protocol || !w.output) return;
    this.waiting.delete(token);
    const p = new ForkedProcess(w.pid, w.protocol, w.output);
    this.forked.set(w.pid, p);
    w.resolve(p);
  }

  /** Forks a worker; rejects with ZygoteUnavailable when the zygote cannot (then spawn one). */
  fork(timeoutMs = 60_000): Promise<ForkedProcess> {
    if (this.state !== 'running')
      return Promise.reject(new ZygoteUnavailable(this.deathNote ?? 'the zygote is not running'));
    const token = randomUUID();
    return new Promise<ForkedProcess>((resolve, reject) => {
      const timer = setTimeout(() => {
        const w = this.waiting.get(token);
        this.waiting.delete(token);
        w?.protocol?.socket.destroy();
        w?.output?.socket.destroy();
        if (w?.pid !== undefined) killProcessTree(w.pid);
        reject(new ZygoteUnavailable(`a forked worker did not connect within ${timeoutMs / 1000}s`));
      }, timeoutMs);
      this.waiting.set(token, {
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      (this.child.stdin as Writable).write(
        JSON.stringify({ type: 'fork', token, socket: this.socketPath }) + '\n',
      );
    });
  }

  private onZygoteExit(code: number | null, signal: NodeJS.Signals | null): void {
    const wasRunning = this.state === 'running';
    this.state = 'dead';
    if (wasRunning && this.deathNote === null)
      this.deathNote = `the zygote (pid ${this.child.pid}) exited with ${signal ?? code}; later workers were spawned`;
    const why = new ZygoteUnavailable(this.deathNote ?? 'the zygote exited');
    for (const [token, w] of this.waiting) {
      this.waiting.delete(token);
      w.protocol?.socket.destroy();
      w.output?.socket.destroy();
      if (w.pid !== undefined) killProcessTree(w.pid);
      w.reject(why);
    }
    // Forked workers outlive it; their exit is now seen by their channels closing.
    for (const p of this.forked.values()) p.orphaned();
    this.forked.clear();
  }

  /** Kills the zygote and every worker it forked that still runs (synchronous). */
  kill(): void {
    for (const pid of this.forked.keys()) killProcessTree(pid);
    if (this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null)
      killProcessTree(this.child.pid);
  }

  /**
   * Ends the zygote (its workers must have been stopped first) and closes the socket and the
   * lifeline; any worker still running then kills itself.
   */
  async stop(): Promise<void> {
    if (this.state !== 'dead') {
      const exited = new Promise<void>((resolve) => {
        if (this.child.exitCode !== null || this.child.signalCode !== null) resolve();
        else this.child.once('exit', () => resolve());
      });
      this.deathNote ??= 'stopped';
      (this.child.stdin as Writable).end(JSON.stringify({ type: 'shutdown' }) + '\n');
      const timer = setTimeout(() => this.kill(), 3000);
      await exited;
      clearTimeout(timer);
    }
    for (const s of this.child.stdio) s?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** After its channels closed, how long to wait for an orphaned worker's process to go. */
const ORPHAN_EXIT_POLL_MS = 50;
const ORPHAN_EXIT_MAX_MS = 5000;

/** A worker forked by the zygote. */
export class ForkedProcess implements WorkerProcess {
  readonly input: Writable;
  readonly replies = new PassThrough();
  readonly output: Readable[];
  private exitListeners: ((code: number | null, signal: NodeJS.Signals | null) => void)[] = [];
  private exitStatus: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private open = 2;
  private readonly closeListeners: (() => void)[] = [];
  private isOrphan = false;
  private readonly start: string | null;

  constructor(
    readonly pid: number,
    private readonly protocol: { socket: net.Socket; rest: Buffer },
    private readonly out: { socket: net.Socket; rest: Buffer },
  ) {
    this.start = processStart(pid);
    this.input = protocol.socket;
    const output = new PassThrough();
    this.output = [output];
    for (const [{ socket, rest }, sink] of [
      [protocol, this.replies],
      [out, output],
    ] as const) {
      if (rest.length) sink.write(rest);
      socket.on('data', (d: Buffer) => sink.write(d));
      socket.once('close', () => {
        sink.end();
        if (--this.open === 0) this.closed();
      });
      socket.resume();
    }
  }

  /** Reported by the zygote. */
  exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitStatus) return;
    this.exitStatus = { code, signal };
    for (const l of this.exitListeners.splice(0)) l(code, signal);
  }

  /** The zygote died: this worker's exit is known once its channels closed and it is gone. */
  orphaned(): void {
    this.isOrphan = true;
    if (this.open === 0) this.awaitGone();
  }

  private closed(): void {
    for (const l of this.closeListeners.splice(0)) l();
    if (this.isOrphan) this.awaitGone();
  }

  private awaitGone(): void {
    const started = Date.now();
    const poll = () => {
      if (!sameProcess(this.pid, this.start) || Date.now() - started > ORPHAN_EXIT_MAX_MS)
        this.exited(null, null);
      else setTimeout(poll, ORPHAN_EXIT_POLL_MS);
    };
    poll();
  }

  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    if (this.exitStatus) listener(this.exitStatus.code, this.exitStatus.signal);
    else this.exitListeners.push(listener);
  }

  onClose(listener: () => void): void {
    if (this.open === 0) listener();
    else this.closeListeners.push(listener);
  }

  onError(): void {
    // A fork either happened or fork() rejected: there is no later start error.
  }

  destroy(): void {
    this.protocol.socket.destroy();
    this.out.socket.destroy();
  }
}

/** Start time of a process (field 22 of /proc/<pid>/stat), null when it is gone or a zombie. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? null : (fields[19] ?? null);
  } catch {
    return null;
  }
}

function sameProcess(pid: number, start: string | null): boolean {
  return existsSync(`/proc/${pid}`) && start !== null && processStart(pid) === start;
}
