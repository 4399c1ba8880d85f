import { readFile } from 'node:fs/promises';
import { descendantsOf, processTable } from '../util/proc-tree.js';

/** One sample of a process tree: resident and proportional memory (MiB), CPU seconds so far. */
export interface TreeSample {
  rssMb: number;
  /** PSS: pages shared between processes (libraries, fork copy-on-write) counted once overall. */
  pssMb: number;
  cpuS: number;
}

const TICKS_PER_S = 100; // Linux USER_HZ

async function sampleProcess(pid: number): Promise<TreeSample> {
  let rssMb = 0;
  let pssMb = 0;
  let cpuS = 0;
  try {
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    rssMb = Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) / 1024;
    pssMb = Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) / 1024;
  } catch {
    // gone, or not readable
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime: fields 14-17 of stat (11-14 after the command)
    cpuS = [11, 12, 13, 14].reduce((t, i) => t + Number(fields[i] ?? 0), 0) / TICKS_PER_S;
  } catch {
    // gone
  }
  return { rssMb, pssMb, cpuS };
}

/**
 * Samples a process tree until stopped: peak RSS and peak PSS of the whole tree, and its CPU time
 * (processes' own plus reaped children's; the last interval before exit is missed).
 */
export function treeSampler(pid: number, everyMs = 200): { stop(): Promise<TreeSample> } {
  const peak: TreeSample = { rssMb: 0, pssMb: 0, cpuS: 0 };
  const cpuByPid = new Map<number, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const members = descendantsOf(await processTable(), pid);
      const samples = await Promise.all(members.map((m) => sampleProcess(m.pid)));
      peak.rssMb = Math.max(
        peak.rssMb,
        samples.reduce((t, s) => t + s.rssMb, 0),
      );
      peak.pssMb = Math.max(
        peak.pssMb,
        samples.reduce((t, s) => t + s.pssMb, 0),
      );
      members.forEach((m, i) => cpuByPid.set(m.pid, Math.max(cpuByPid.get(m.pid) ?? 0, samples[i].cpuS)));
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      // A reaped child's time is in its parent's cutime too: count only the root's total when it
      // was sampled, else the sum of what was seen.
      const root = cpuByPid.get(pid);
      const others = [...cpuByPid.entries()].filter(([p]) => p !== pid).reduce((t, [, c]) => t + c, 0);
      peak.cpuS = Math.max(root ?? 0, others);
      return peak;
    },
  };
}
