/**
 * Delta debugging (Zeller & Hildebrandt's ddmin) over a list of items, with a budget in trials
 * and seconds. Deterministic: the same test results give the same trials in the same order; the
 * time limit only ever cuts the search short (the result then says `exhausted`).
 */
import type { Spend } from './schema.js';

export interface Budget {
  trials: number;
  seconds: number;
}

/** Test of a configuration (the items kept): true when the failure still reproduces. */
export type Oracle<T> = (kept: T[]) => Promise<boolean>;

export interface DdminResult<T> {
  kept: T[];
  spend: Spend;
}

/** Splits `items` into n nearly equal consecutive chunks. */
function split<T>(items: T[], n: number): T[][] {
  const out: T[][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = start + Math.floor((items.length - start) / (n - i));
    out.push(items.slice(start, end));
    start = end;
  }
  return out.filter((c) => c.length);
}

export class OutOfBudget extends Error {}

export interface MeterOptions {
  now?: () => number;
  /**
   * Called when the time budget runs out while a trial is running: stops it (kills the
   * processes it runs in). The trial is then inconclusive — never counted as reproduced.
   */
  interrupt?: () => void;
}

/**
 * Counts trials and time against a budget; `test` throws OutOfBudget when it is spent — also in
 * the middle of a trial: at the deadline the running trial is interrupted and its result dropped.
 */
export class Meter {
  trials = 0;
  readonly started: number;
  exhausted = false;
  /** A trial was stopped at the deadline (inconclusive). */
  interrupted = false;
  private readonly now: () => number;
  constructor(
    readonly budget: Budget,
    private readonly options: MeterOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
  }

  get elapsedMs(): number {
    return this.now() - this.started;
  }

  async test<T>(oracle: Oracle<T>, kept: T[]): Promise<boolean> {
    const left = this.budget.seconds * 1000 - this.elapsedMs;
    if (this.trials >= this.budget.trials || left <= 0) {
      this.exhausted = true;
      throw new OutOfBudget();
    }
    this.trials++;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), left);
    });
    const running = oracle(kept);
    try {
      const r = await Promise.race([running, deadline]);
      if (r !== 'deadline') return r;
    } finally {
      clearTimeout(timer);
    }
    this.exhausted = true;
    this.interrupted = true;
    running.catch(() => undefined); // its outcome no longer matters
    this.options.interrupt?.();
    await running.catch(() => undefined); // let it unwind before the next step reuses anything
    throw new OutOfBudget();
  }

  spend(): Spend {
    return {
      trials: this.trials,
      elapsedMs: this.elapsedMs,
      budget: { trials: this.budget.trials, seconds: this.budget.seconds },
      exhausted: this.exhausted,
      ...(this.interrupted ? { interrupted: true } : {}),
    };
  }
}

/**
 * ddmin: the smallest subset of `items` (1-minimal when the budget lasts) for which `oracle`
 * holds, assuming it holds for all of `items`. `fixed` items are always kept and never tested
 * for removal. Results are cached by configuration, so no configuration is tried twice.
 */
export async function ddmin<T>(items: T[], oracle: Oracle<T>, meter: Meter, fixed: T[] = []): Promise<T[]> {
  const key = (c: T[]) => c.map((x) => items.indexOf(x)).join(',');
  const cache = new Map<string, boolean>();
  const test = async (c: T[]): Promise<boolean> => {
    const k = key(c);
    const hit = cache.get(k);
    if (hit !== undefined) return hit;
    const r = await meter.test(
      oracle,
      [...fixed, ...c].sort((a, b) => order(a) - order(b)),
    );
    cache.set(k, r);
    return r;
  };
  const all = [...fixed, ...items];
  const order = (x: T) => all.indexOf(x);
  let current = items;
  let n = 2;
  try {
    while (current.length >= 1) {
      if (current.length === 1) {
        // Can the last removable item go too?
        if (await test([])) current = [];
        break;
      }
      const chunks = split(current, Math.min(n, current.length));
      let reduced = false;
      for (const chunk of chunks) {
        if (chunks.length > 2 || n === 2) {
          if (await test(chunk)) {
            current = chunk;
            n = 2;
            reduced = true;
            break;
          }
        }
      }
      if (!reduced) {
        for (const chunk of chunks) {
          const complement = current.filter((x) => !chunk.includes(x));
          if (await test(complement)) {
            current = complement;
            n = Math.max(n - 1, 2);
            reduced = true;
            break;
          }
        }
      }
      if (!reduced) {
        if (n >= current.length) break;
        n = Math.min(current.length, 2 * n);
      }
    }
  } catch (e) {
    if (!(e instanceof OutOfBudget)) throw e;
  }
  return [...fixed, ...current].sort((a, b) => order(a) - order(b));
}
