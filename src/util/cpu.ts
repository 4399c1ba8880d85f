import { readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // Linux USER_HZ

/**
 * CPU time (ms) of this process and of every child it has waited for (the converter and ONNX
 * Runtime workers, once stopped): utime + stime + cutime + cstime of /proc/self/stat. The
 * difference between two readings is the CPU a phase cost its whole process tree, provided the
 * phase's workers have exited. null where /proc is not available (not Linux).
 */
export function ownTreeCpuMs(
  read: () => string = () => readFileSync('/proc/self/stat', 'utf8'),
): number | null {
  let stat: string;
  try {
    stat = read();
  } catch {
    return null;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses; fields 14-17 are the times.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = [11, 12, 13, 14].map((i) => Number(fields[i]));
  if (ticks.some((t) => !Number.isFinite(t))) return null;
  return (ticks.reduce((a, b) => a + b, 0) * 1000) / TICKS_PER_S;
}

/** Runs fn and returns its result with the CPU time its process tree used (null off Linux). */
export async function withCpu<T>(fn: () => Promise<T>): Promise<{ value: T; cpuMs: number | null }> {
  const start = ownTreeCpuMs();
  const value = await fn();
  const end = ownTreeCpuMs();
  return { value, cpuMs: start !== null && end !== null ? Math.max(0, end - start) : null };
}
