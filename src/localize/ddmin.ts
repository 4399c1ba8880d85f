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

/** Counts trials and time against a budget; `test` throws OutOfBudget when it is spent. */
export class Meter {
  trials = 0;
  readonly started = Date.now();
  exhausted = false;
  constructor(
    readonly budget: Budget,
    private readonly now: () => number = Date.now,
  ) {}

  get elapsedMs(): number {
    return this.now() - this.started;
  }

  async test<T>(oracle: Oracle<T>, kept: T[]): Promise<boolean> {
    if (this.trials >= this.budget.trials || this.elapsedMs >= this.budget.seconds * 1000) {
      this.exhausted = true;
      throw new OutOfBudget();
    }
    this.trials++;
    return oracle(kept);
  }

  spend(): Spend {
    return {
      trials: this.trials,
      elapsedMs: this.elapsedMs,
      budget: { trials: this.budget.trials, seconds: this.budget.seconds },
      exhausted: this.exhausted,
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
