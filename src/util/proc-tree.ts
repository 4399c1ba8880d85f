import { readFileSync, readdirSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { residentMbSync } from './rss.js';

/**
 * Process trees on Linux, read from /proc/<pid>/stat (the kernel here has no
 * /proc/<pid>/task/<tid>/children, so children are found through every process's parent pid).
 */
export interface ProcEntry {
  pid: number;
  ppid: number;
  pgid: number;
  /** Clock ticks after boot when the process started: a pid with another start time is another process. */
  start: number;
}

/** Parses /proc/<pid>/stat: "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses. */
export function parseStat(text: string): ProcEntry | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const fields = text
    .slice(close + 2)
    .trim()
    .split(' ');
  // fields[0] is field 3 (state) of proc(5): field n is fields[n - 3].
  const ppid = Number(fields[1]);
  const pgid = Number(fields[2]);
  const start = Number(fields[19]);
  return [pid, ppid, pgid, start].every(Number.isInteger) ? { pid, ppid, pgid, start } : null;
}

const isPid = (name: string) => /^\d+$/.test(name);

/** Every process visible in /proc (synchronous: used on kill paths, where order matters). */
export function processTableSync(): ProcEntry[] {
  const out: ProcEntry[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc').filter(isPid);
  } catch {
    return out;
  }
  for (const name of names) {
    try {
      const e = parseStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (e) out.push(e);
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

export async function processTable(): Promise<ProcEntry[]> {
  let names: string[];
  try {
    names = (await readdir('/proc')).filter(isPid);
  } catch {
    return [];
  }
  const entries = await Promise.all(
    names.map((name) =>
      readFile(`/proc/${name}/stat`, 'utf8').then(
        (text) => parseStat(text),
        () => null,
      ),
    ),
  );
  return entries.filter((e): e is ProcEntry => e !== null);
}

/** `root` and all its descendants (by parent pid), root first. */
export function descendantsOf(table: readonly ProcEntry[], root: number): ProcEntry[] {
  const children = new Map<number, ProcEntry[]>();
  for (const e of table) {
    const list = children.get(e.ppid);
    if (list) list.push(e);
    else children.set(e.ppid, [e]);
  }
  const self = table.find((e) => e.pid === root);
  const out: ProcEntry[] = [];
  const seen = new Set<number>();
  const stack: ProcEntry[] = self ? [self] : (children.get(root) ?? []).slice();
  while (stack.length) {
    const p = stack.pop()!;
    if (seen.has(p.pid)) continue;
    seen.add(p.pid);
    out.push(p);
    stack.push(...(children.get(p.pid) ?? []));
  }
  return out;
}

/**
 * Resident memory of a process and all its descendants, MiB (each process's RSS, so pages shared
 * after a fork count once per process: a conservative total).
 */
export async function treeResidentMb(pid: number): Promise<number> {
  return (await treeMemory(pid)).rssMb;
}

/**
 * The tree's total resident memory and its members (to kill later even if re-parented).
 * Synchronous reads: each converter worker's memory limit polls this several times a second, and
 * a scan of /proc (every process's stat file, ~100-1000 of them) through promise-based reads cost
 * ~6x the CPU of plain reads (a libuv round trip per open/fstat/read/close) — tens of seconds of
 * the orchestrator's CPU over a default run. A scan takes ~1-2 ms.
 */
export async function treeMemory(pid: number): Promise<{ rssMb: number; members: ProcEntry[] }> {
  return Promise.resolve(treeMemorySync(pid));
}

/**
 * The process table of a scan at most TABLE_REUSE_MS old: the memory and time limits of every
 * worker poll several times a second, and one scan serves them all (a limit check judged on a
 * tree 0.1 s old is as good as a fresh one; kill paths always scan afresh).
 */
const TABLE_REUSE_MS = 100;
let recent: { at: number; table: ProcEntry[] } | null = null;
function recentProcessTable(): ProcEntry[] {
  const now = performance.now();
  if (!recent || now - recent.at > TABLE_REUSE_MS) recent = { at: now, table: processTableSync() };
  return recent.table;
}

function treeMemorySync(pid: number): { rssMb: number; members: ProcEntry[] } {
  const members = descendantsOf(recentProcessTable(), pid);
  const rssMb = members.reduce((sum, p) => sum + (residentMbSync(p.pid) ?? 0), 0);
  return { rssMb, members };
}

/**
 * Linux reports CPU time in /proc/<pid>/stat in USER_HZ ticks, which the kernel ABI fixes at 100
 * per second on every architecture (sysconf(_SC_CLK_TCK)).
 */
const MS_PER_TICK = 10;

/**
 * CPU time of one process from its /proc/<pid>/stat text, ms: its own user+sys (fields 14-15) and
 * that of the children it has reaped (fields 16-17, cutime/cstime); null when unreadable.
 */
export function parseCpu(text: string): { ownMs: number; reapedMs: number } | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const f = text
    .slice(close + 2)
    .trim()
    .split(' ')
    .map(Number);
  // fields[n - 3] is field n of proc(5).
  const [utime, stime, cutime, cstime] = [f[11], f[12], f[13], f[14]];
  if (![utime, stime, cutime, cstime].every((v) => Number.isInteger(v) && v! >= 0)) return null;
  return { ownMs: (utime! + stime!) * MS_PER_TICK, reapedMs: (cutime! + cstime!) * MS_PER_TICK };
}

function cpuOf(pid: number): { ownMs: number; reapedMs: number } | null {
  try {
    return parseCpu(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * CPU time (user+sys, ms) a process tree has used so far: every living member's own time plus the
 * time of the children it has reaped. Null when the root's stat cannot be read (the process
 * is gone, or there is no /proc): callers then judge by wall time alone. Synchronous reads, like
 * treeMemory: the time limit polls it several times a second per worker.
 */
export async function treeCpuMs(pid: number): Promise<number | null> {
  return Promise.resolve(treeCpuMsSync(pid));
}

function treeCpuMsSync(pid: number): number | null {
  const root = cpuOf(pid);
  if (!root) return null;
  const others = descendantsOf(recentProcessTable(), pid).filter((m) => m.pid !== pid);
  const times = others.map((m) => cpuOf(m.pid));
  // A living member's reaped time counts too (a child that waited for its own children).
  return times.reduce<number>((sum, t) => sum + (t ? t.ownMs + t.reapedMs : 0), root.ownMs + root.reapedMs);
}

function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch {
    // already gone (ESRCH) or not ours (EPERM): nothing to do
  }
}

/**
 * SIGKILLs a process started as the leader of its own process group (spawn `detached`), its whole
 * group, and every descendant that left the group (setsid). Descendants are looked up before
 * anything is killed: once a parent dies, its children are re-parented and cannot be traced.
 */
export function killProcessTree(pid: number, known: Iterable<ProcEntry> = []): void {
  const table = processTableSync();
  const tree = descendantsOf(table, pid);
  // Members seen earlier (e.g. by the memory poll) that have since been re-parented: killed only
  // if the pid still names the same process (same start time).
  const now = new Map(table.map((e) => [e.pid, e]));
  for (const k of known) {
    const e = now.get(k.pid);
    if (e && e.start === k.start && !tree.some((t) => t.pid === e.pid)) tree.push(e);
  }
  signal(-pid, 'SIGKILL');
  for (const p of tree) signal(p.pid, 'SIGKILL');
}

/** Samples a process tree's memory until stopped; returns the peak. */
export function peakSampler(pid: number, everyMs = 100): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await treeResidentMb(pid));
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}
