import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** Resident set size of a process in MiB (Linux /proc), or null when it cannot be read. */
export async function residentMb(pid: number): Promise<number | null> {
  try {
    return vmRssMb(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}

/** The same, read synchronously (cheaper per call: used by the memory-limit poll). */
export function residentMbSync(pid: number): number | null {
  try {
    return vmRssMb(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}

function vmRssMb(status: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) / 1024 : null;
}
