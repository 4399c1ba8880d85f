/**
 * Reduction of a failing case to a small reproducer, against the converter under test:
 * - synthetic specs: delta debugging over the nodes (spec-reduce.ts keeps every candidate a valid
 *   spec; the diverging node is never removed);
 * - real models: submodules exported and checked alone with the inputs they got in the full
 *   model, top-down, descending into the first child that still reproduces.
 * A candidate reproduces when it fails the same way (sameFailure). Budgeted in trials and seconds.
 */
import path from 'node:path';
import type { CaseDef } from '../corpus/schema.js';
import { specToCase } from '../corpus/synthetic/cases.js';
import type { SyntheticSpec } from '../corpus/synthetic/spec.js';
import type { CaseResult } from '../results/schema.js';
import { ddmin, Meter, OutOfBudget, type Budget } from './ddmin.js';
import { normalizeMessage } from './fingerprint.js';
import type { ProbeModule } from './probe-summary.js';
import type { Minimal, Spend, Submodule } from './schema.js';
import type { LocalizeSession, Trial } from './session.js';
import { staticSpec, subSpec, type Ranges } from './spec-reduce.js';

/** A drifting case (still within tolerance) reproduces while its error stays this fraction of atol. */
export const DRIFT_FLOOR = 0.1;

export interface Original {
  outcome: CaseResult['outcome'];
  error?: CaseResult['error'];
  /** Regressed by precision drift (the outcome is still ok). */
  drift: boolean;
  atol: number;
}

function worstAbs(t: Pick<Trial, 'outputs'>): number {
  return Math.max(0, ...t.outputs.map((o) => (o.maxAbsErr === null ? Infinity : o.maxAbsErr)));
}

/**
 * The kind of an error type: the ONNX checker's rejection is one kind whether torch.onnx.export
 * raised it (torch.onnx.errors.CheckerError, wrapping the checker's error; torch 1.13 checks some
 * models and not others) or convgate's own check after the export did (onnx's ValidationError).
 */
export function errorKind(type: string): string {
  return /(?:^|\.)CheckerError$|(?:^|\.)checker\.ValidationError$/.test(type) ? 'onnx checker' : type;
}

/** Does a trial fail the way the original case did? */
export function sameFailure(o: Original, t: Trial): boolean {
  if (o.drift)
    return t.outcome === 'wrong-output' || (t.outcome === 'ok' && worstAbs(t) >= DRIFT_FLOOR * o.atol);
  if (o.outcome === 'wrong-output') return t.outcome === 'wrong-output';
  if (t.outcome !== o.outcome || !o.error || !t.error) return t.outcome === o.outcome && !o.error;
  return (
    t.error.stage === o.error.stage &&
    errorKind(t.error.type) === errorKind(o.error.type) &&
    normalizeMessage(t.error.message) === normalizeMessage(o.error.message)
  );
}

export interface ReduceContext {
  session: LocalizeSession;
  /** Folder for trials (emptied per trial). */
  workDir: string;
  original: Original;
  budget: Budget;
  log?(line: string): void;
}

/** Spec node index of a synthetic module path `n<i>`. */
export function specNodeIndex(module: string | null | undefined): number | null {
  const m = module ? /^n(\d+)$/.exec(module) : null;
  return m ? Number(m[1]) : null;
}

/**
 * Delta-debugs a failing synthetic spec. Returns the minimal spec found (the original when nothing
 * smaller reproduces) and the spend.
 */
export async function minimizeSpec(
  ctx: ReduceContext,
  spec: SyntheticSpec,
  ranges: Ranges,
  keepNode: number | null,
): Promise<{ spec: SyntheticSpec; minimal: Minimal }> {
  const meter = new Meter(ctx.budget, { interrupt: () => ctx.session.interrupt() });
  let trial = 0;
  const reproduces = async (s: SyntheticSpec): Promise<boolean> => {
    const def = specToCase(s);
    const wc = await ctx.session.resolve(def);
    const t = await ctx.session.trial(`${def.id}~${++trial}`, wc, path.join(ctx.workDir, 'trial'));
    return !meter.interrupted && sameFailure(ctx.original, t); // killed at the deadline: no result
  };
  let base = spec;
  const flat = staticSpec(spec);
  try {
    if (flat && (await meter.test(([s]: SyntheticSpec[]) => reproduces(s), [flat]))) base = flat;
  } catch (e) {
    if (!(e instanceof OutOfBudget)) throw e;
  }
  const all = base.nodes.map((_, i) => i);
  const fixed = keepNode !== null && keepNode < all.length ? [keepNode] : [];
  const oracle = async (kept: number[]) => {
    const s = subSpec(base, new Set(kept), ranges);
    return s ? reproduces(s) : false;
  };
  const kept = await ddmin(
    all.filter((i) => !fixed.includes(i)),
    oracle,
    meter,
    fixed,
  );
  const result = kept.length === all.length ? base : (subSpec(base, new Set(kept), ranges) ?? base);
  return {
    spec: result,
    minimal: {
      ...meter.spend(),
      opsBefore: spec.nodes.map((n) => n.op),
      opsAfter: result.nodes.map((n) => n.op),
    },
  };
}

/** Called submodules directly below `parent` (containers that are never called are looked through). */
export function calledChildren(modules: ProbeModule[], parent: string): ProbeModule[] {
  const under = (p: string) => (parent === '' ? p !== '' : p.startsWith(parent + '.'));
  const called = modules.filter((m) => m.calls > 0 && under(m.path));
  return called.filter((m) => !called.some((o) => o.path !== m.path && m.path.startsWith(o.path + '.')));
}

/**
 * The worker case of one submodule of a real case: the same model and inputs, exported alone with
 * the arguments it gets (no dynamic axes, default output names).
 */
export function submoduleCase(
  workerCase: Record<string, unknown>,
  sub: { path: string; call: number },
): Record<string, unknown> {
  const settings: Record<string, unknown> = {
    ...(workerCase.export as Record<string, unknown>),
    dynamicAxes: null,
  };
  delete settings.outputNames;
  return { ...workerCase, submodule: sub, export: settings };
}

const isWithin = (inner: string, outer: string) => inner === outer || inner.startsWith(outer + '.');

/** A submodule reduction that found none: what it tried and whether the budget cut it short. */
export interface NoSubmodule {
  spend: Spend;
  tried: [string, boolean][];
}

/** The note for a reduction that found no submodule: the budget, or every child tried. */
export function noSubmoduleNote(none: NoSubmodule): string {
  const { trials, elapsedMs, exhausted } = none.spend;
  const spent = `${trials} trial(s), ${(elapsedMs / 1000).toFixed(1)} s`;
  const stopped = none.spend.interrupted ? '; the last trial was stopped at the deadline, inconclusive' : '';
  return exhausted
    ? `submodule reduction: the budget ran out (${spent}${stopped}) before a submodule reproduced the failure alone`
    : `no submodule reproduces the failure alone (${spent})`;
}

/**
 * Top-down: among the called children of the current module (those on the way to `hint` first),
 * the first that reproduces alone becomes current; stops when none does. `{ none }` when no
 * submodule reproduced (the whole model is the smallest, or the budget ran out first).
 */
export async function reduceSubmodule(
  ctx: ReduceContext,
  def: CaseDef,
  modules: ProbeModule[],
  hint: string | null,
): Promise<Submodule | { none: NoSubmodule }> {
  const meter = new Meter(ctx.budget, { interrupt: () => ctx.session.interrupt() });
  const base = await ctx.session.resolve(def);
  const tried: [string, boolean][] = [];
  let trial = 0;
  const reproduces = async ([m]: ProbeModule[]): Promise<boolean> => {
    const wc = submoduleCase(base, { path: m.path, call: 0 });
    const t = await ctx.session.trial(`${def.id}~s${++trial}`, wc, path.join(ctx.workDir, 'trial'));
    if (meter.interrupted) return false; // killed at the deadline: inconclusive, no result
    const ok = sameFailure(ctx.original, t);
    tried.push([m.path, ok]);
    return ok;
  };
  let current: ProbeModule | null = null;
  try {
    for (;;) {
      const kids = calledChildren(modules, current?.path ?? '');
      const ordered = hint
        ? [...kids.filter((k) => isWithin(hint, k.path)), ...kids.filter((k) => !isWithin(hint, k.path))]
        : kids;
      let next: ProbeModule | null = null;
      for (const k of ordered) {
        if (await meter.test(reproduces, [k])) {
          next = k;
          break;
        }
      }
      if (!next) break;
      current = next;
    }
  } catch (e) {
    if (!(e instanceof OutOfBudget)) throw e;
  }
  if (!current) return { none: { spend: meter.spend(), tried } };
  return { ...meter.spend(), path: current.path, type: current.type, call: 0, tried };
}
