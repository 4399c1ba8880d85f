/**
 * The reduction budget bounds the whole reduction, a running trial included: at the deadline the
 * trial's process group is killed and the trial is inconclusive (never "reproduced").
 */
import { describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { Meter } from '../../src/localize/ddmin.js';
import { noSubmoduleNote, reduceSubmodule, type ReduceContext } from '../../src/localize/reduce.js';
import type { LocalizeSession, Trial } from '../../src/localize/session.js';
import type { CaseDef } from '../../src/corpus/schema.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A session whose trials run a process group that never ends (a stuck export) until interrupted. */
function stuckSession() {
  const started: ChildProcess[] = [];
  const session = {
    resolve: async () => ({ id: 'big' }),
    trial: (): Promise<Trial> =>
      new Promise((resolve) => {
        // A shell and its child sleep: both must go, as a worker and the processes it started.
        const child = spawn('sh', ['-c', 'sleep 30 & wait'], { detached: true, stdio: 'ignore' });
        started.push(child);
        // Killed: the worker's request ends as a crash, which must not count as reproduced.
        child.on('exit', () => resolve({ outcome: 'conversion-crash', outputs: [] }));
      }),
    interrupt: () => {
      for (const c of started) if (c.pid && c.exitCode === null) process.kill(-c.pid, 'SIGKILL');
    },
  };
  return { session: session as unknown as LocalizeSession, started };
}

describe('reduction budget', () => {
  it('a trial still running at the deadline is killed with its process group and is inconclusive', async () => {
    const { session, started } = stuckSession();
    const ctx: ReduceContext = {
      session,
      workDir: '/nonexistent',
      original: { outcome: 'conversion-crash', drift: false, atol: 1e-3 },
      budget: { trials: 40, seconds: 1 },
    };
    const modules = [
      { path: 'features', type: 'Sequential', calls: 1 },
      { path: 'head', type: 'Linear', calls: 1 },
    ];
    const t0 = Date.now();
    const r = await reduceSubmodule(ctx, { id: 'big' } as unknown as CaseDef, modules, null);
    const elapsed = Date.now() - t0;
    expect('none' in r).toBe(true);
    if (!('none' in r)) return;
    expect(r.none.spend).toMatchObject({ trials: 1, exhausted: true, interrupted: true });
    expect(r.none.tried).toEqual([]); // the interrupted trial is no result
    expect(noSubmoduleNote(r.none)).toMatch(/stopped at the deadline, inconclusive/);
    expect(elapsed).toBeLessThan(20_000); // not the 30 s the trial would have run
    expect(started).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(started[0].pid!)).toBe(false);
  });

  it('a trial that ends in time is not interrupted', async () => {
    let interrupted = 0;
    const meter = new Meter({ trials: 5, seconds: 10 }, { interrupt: () => interrupted++ });
    expect(await meter.test(async () => true, [])).toBe(true);
    expect(meter.spend()).toMatchObject({ trials: 1, exhausted: false });
    expect(meter.spend().interrupted).toBeUndefined();
    expect(interrupted).toBe(0);
  });
});
