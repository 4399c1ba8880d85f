import { readFile, readdir } from 'node:fs/promises';
import { residentMb } from '../util/rss.js';

async function children(pid: number): Promise<number[]> {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = await readdir(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      const text = await readFile(`/proc/${pid}/task/${t}/children`, 'utf8');
      for (const c of text.trim().split(/\s+/)) if (c) out.push(Number(c));
    } catch {
      // task ended
    }
  }
  return out;
}

/** Resident memory of a process and all its descendants, MiB. */
export async function treeResidentMb(pid: number): Promise<number> {
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    total += (await residentMb(p)) ?? 0;
    stack.push(...(await children(p)));
  }
  return total;
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
