/**
 * Localization of failing cases, after a run or a gate: for each case the diverging node (probe
 * or error), its fingerprint; then, one case per fingerprint first, a minimal reproducer (delta
 * debugging of synthetic specs, submodule reduction of real models) and the reproducer bundle
 * `cases/<id>/repro/`. Runs only for the cases it is given, each within a budget, and the whole
 * within a total time: a passing run never gets here.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CaseDef } from '../corpus/schema.js';
import { parseSpec } from '../corpus/synthetic/cases.js';
import type { CaseResult, ResultsDoc } from '../results/schema.js';
import { writeBundle, type BundleSource } from './bundle.js';
import type { Budget } from './ddmin.js';
import { divergingNodeFromError } from './error-node.js';
import { fingerprintOf } from './fingerprint.js';
import { locateDivergence, refineDivergence, regionOfNode, regionValues, type Located } from './locate.js';
import type { ProbeSummary } from './probe-summary.js';
import {
  minimizeSpec,
  noSubmoduleNote,
  reduceSubmodule,
  specNodeIndex,
  type Original,
  type ReduceContext,
} from './reduce.js';
import type { DivergingNode, Localization } from './schema.js';
import { LocalizeSession, type SessionRun } from './session.js';

export interface LocalizeBudget extends Budget {
  /** Seconds for the whole localization of a run; a case starts only while some are left. */
  totalSeconds: number;
}

export const DEFAULT_LOCALIZE_BUDGET: LocalizeBudget = { trials: 40, seconds: 60, totalSeconds: 600 };

export interface LocalizeTarget {
  id: string;
  /** A precision-drift regression: still within tolerance, error grew. */
  drift?: boolean;
}

export interface LocalizePlan {
  /** Results folder (cases/<id>/ of failing cases). */
  outDir: string;
  doc: ResultsDoc;
  targets: LocalizeTarget[];
  defs: Map<string, CaseDef>;
  corpusPaths: string[];
  /** Libraries corpus factories may call besides the corpus' own modules. */
  modelLibraries: string[];
  run: SessionRun;
  budget: LocalizeBudget;
  /** Write cases/<id>/repro/ (default true). */
  bundles?: boolean;
  log?(line: string): void;
}

interface CaseState {
  target: LocalizeTarget;
  result: CaseResult;
  def: CaseDef;
  caseDir: string;
  workerCase: Record<string, unknown>;
  probe: ProbeSummary | null;
  loc: Localization;
  started: number;
}

const LOCALIZE_DIR = 'localize';
const REFINE_DIR = path.join(LOCALIZE_DIR, 'refine');

async function readWorkerCase(caseDir: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await readFile(path.join(caseDir, 'case.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The model and tensors of the case, re-made when the run did not keep them (ok/drifting cases). */
async function ensureArtifacts(session: LocalizeSession, st: CaseState): Promise<void> {
  const have = existsSync(path.join(st.caseDir, 'tensors', 'tensors.json'));
  const needModel = st.result.outcome === 'ok' || st.result.outcome === 'wrong-output';
  if (have && (!needModel || existsSync(path.join(st.caseDir, 'model.onnx')))) return;
  await session.trial(st.def.id, st.workerCase, st.caseDir);
  await writeFile(path.join(st.caseDir, 'case.json'), JSON.stringify(st.workerCase, null, 1) + '\n');
}

/** The input set of the worst failing output (the probe compares on that one). */
function failingSet(r: CaseResult): number {
  const bad = [...r.outputs].sort(
    (a, b) => Number(a.pass) - Number(b.pass) || (b.maxAbsErr ?? Infinity) - (a.maxAbsErr ?? Infinity),
  )[0];
  return bad?.set ?? 0;
}

/** Probes values (all outputs, or what the node `stopAt` depends on) and locates the divergence. */
async function probeValues(session: LocalizeSession, st: CaseState, stopAt?: string) {
  const notes = (st.loc.notes ??= []);
  const probed = await session.probe(st.def.id, st.workerCase, st.caseDir, {
    set: failingSet(st.result),
    values: true,
    out: LOCALIZE_DIR,
    ...(stopAt ? { stopAt } : {}),
  });
  if ('problem' in probed) {
    notes.push(probed.problem);
    return null;
  }
  st.probe = probed.summary;
  if (!probed.summary.probeModel) return null;
  const run = await session.probeRun(st.def.id, st.caseDir, path.join(LOCALIZE_DIR, 'probe.json'), {
    atol: st.result.settings.atol,
    rtol: st.result.settings.rtol,
  });
  if ('problem' in run) {
    notes.push(run.problem);
    return null;
  }
  return locateDivergence(probed.summary, run);
}

/**
 * Stage 1: where the failure starts. Wrong outputs: compared values. Crashes: the node the error
 * names, or — when values it depends on already differ from PyTorch — where they start to.
 */
async function findDivergingNode(
  session: LocalizeSession,
  st: CaseState,
): Promise<DivergingNode | undefined> {
  const notes = (st.loc.notes ??= []);
  await ensureArtifacts(session, st);
  if (st.result.outcome === 'wrong-output' || st.result.outcome === 'ok') {
    const located = await probeValues(session, st);
    if (located && !located.found) notes.push(located.reason);
    if (located?.found) return refine(session, st, located);
    return located?.node ? refineAt(session, st, located.node, true) : undefined;
  }
  const graph = await session.probe(st.def.id, st.workerCase, st.caseDir, {
    set: failingSet(st.result),
    values: false,
    out: LOCALIZE_DIR,
  });
  if ('problem' in graph) notes.push(graph.problem);
  else st.probe = graph.summary;
  const named = st.result.error ? divergingNodeFromError(st.result.error, st.probe) : null;
  if (!named) {
    notes.push('the error names no node or operator');
    return undefined;
  }
  if (!named.node || !st.probe?.graph?.nodes.some((n) => n.name === named.node)) return named;
  const located = await probeValues(session, st, named.node);
  if (located?.found) {
    const refined = await refine(session, st, located);
    const upstream = `upstream of the failing node ${named.node} (${named.op})`;
    return { ...refined, note: refined.note ? `${refined.note}; ${upstream}` : upstream };
  }
  const base = located?.node?.ops ? { ...named, ops: located.node.ops } : named;
  const refined = await refineAt(session, st, base, false);
  if (refined === base) return base;
  const upstream = `upstream of the failing node ${named.node} (${named.op})`;
  return { ...refined, via: 'values', note: refined.note ? `${refined.note}; ${upstream}` : upstream };
}

/**
 * When no compared module value pins the failure down: refines inside the call of `node` (the
 * model's own `forward` when it is in none) over the nodes it depends on — the first torch
 * function the converted model stops reproducing before a crash (an integer division whose result
 * a later `Log` rejects), or inside the call of an output no value explains.
 */
async function refineAt(
  session: LocalizeSession,
  st: CaseState,
  node: DivergingNode,
  includeSelf: boolean,
): Promise<DivergingNode> {
  const index = st.probe?.graph?.nodes.findIndex((n) => n.name === node.node) ?? -1;
  const where = st.probe && index >= 0 ? regionOfNode(st.probe, index, includeSelf) : null;
  if (!where) return node;
  return refine(session, st, { found: true, node, call: where.call, region: where.region }, true);
}

/**
 * Second round inside the diverging module call: which torch function the converted model stops
 * reproducing, and the first ONNX node of it (a functional softmax inside an attention module).
 */
async function refine(
  session: LocalizeSession,
  st: CaseState,
  located: Extract<Located, { found: true }>,
  unknownAgrees = false,
): Promise<DivergingNode> {
  const summary = st.probe;
  if (!summary || !located.call) return located.node;
  const values = regionValues(summary, located.region);
  if (!values.length) return located.node;
  const probed = await session.probe(st.def.id, st.workerCase, st.caseDir, {
    set: failingSet(st.result),
    values: true,
    out: REFINE_DIR,
    refine: { ...located.call, values },
  });
  if ('problem' in probed || !probed.summary.probeModel) return located.node;
  const run = await session.probeRun(st.def.id, st.caseDir, path.join(REFINE_DIR, 'probe.json'), {
    atol: st.result.settings.atol,
    rtol: st.result.settings.rtol,
  });
  if ('problem' in run) {
    (st.loc.notes ??= []).push(`refinement: ${run.problem}`);
    return located.node;
  }
  return refineDivergence(probed.summary, run, located.node, { unknownAgrees });
}

function originalOf(st: CaseState): Original {
  return {
    outcome: st.result.outcome,
    ...(st.result.error ? { error: st.result.error } : {}),
    drift: st.target.drift ?? false,
    atol: st.result.settings.atol,
  };
}

/** Stage 2: the minimal reproducer (synthetic: delta debugging; real: smallest submodule). */
async function reduce(
  session: LocalizeSession,
  st: CaseState,
  budget: Budget,
  log?: (l: string) => void,
): Promise<BundleSource> {
  const ctx: ReduceContext = {
    session,
    workDir: path.join(st.caseDir, LOCALIZE_DIR),
    original: originalOf(st),
    budget,
    ...(log ? { log } : {}),
  };
  if (st.result.kind === 'synthetic' && st.result.spec) {
    const spec = parseSpec(st.result.spec);
    const keep = specNodeIndex(st.loc.divergingNode?.module);
    const { spec: min, minimal } = await minimizeSpec(ctx, spec, st.probe?.ranges ?? {}, keep);
    st.loc.minimal = minimal;
    return { kind: 'synthetic', spec: min };
  }
  if (!st.probe) {
    (st.loc.notes ??= []).push('no module tree: submodule reduction skipped');
    return { kind: 'real', workerCase: st.workerCase };
  }
  const sub = await reduceSubmodule(ctx, st.def, st.probe.modules, st.loc.divergingNode?.module ?? null);
  if ('none' in sub) {
    (st.loc.notes ??= []).push(noSubmoduleNote(sub.none));
    return { kind: 'real', workerCase: st.workerCase };
  }
  st.loc.submodule = sub;
  return { kind: 'real', workerCase: st.workerCase, submodule: { path: sub.path, call: sub.call } };
}

async function prepare(
  plan: LocalizePlan,
  session: LocalizeSession,
  t: LocalizeTarget,
): Promise<CaseState | null> {
  const result = plan.doc.cases.find((c) => c.id === t.id);
  const def = plan.defs.get(t.id);
  if (!result || !def) return null;
  const caseDir = path.join(plan.outDir, 'cases', t.id);
  await mkdir(caseDir, { recursive: true });
  const workerCase = (await readWorkerCase(caseDir)) ?? (await session.resolve(def));
  return {
    target: t,
    result,
    def,
    caseDir,
    workerCase,
    probe: null,
    loc: { fingerprint: { id: '', text: '' }, elapsedMs: 0 },
    started: Date.now(),
  };
}

/** Order of reduction: one case per fingerprint (the smallest first), then the rest. */
function reductionOrder(states: CaseState[]): CaseState[] {
  const size = (s: CaseState) => (s.result.spec as { nodes?: unknown[] } | undefined)?.nodes?.length ?? 1000;
  const sorted = [...states].sort((a, b) => size(a) - size(b) || a.result.id.localeCompare(b.result.id));
  const firsts: CaseState[] = [];
  const seen = new Set<string>();
  for (const s of sorted) {
    if (seen.has(s.loc.fingerprint.id)) continue;
    seen.add(s.loc.fingerprint.id);
    firsts.push(s);
  }
  return [...firsts, ...sorted.filter((s) => !firsts.includes(s))];
}

/**
 * Localizes the plan's targets. Returns case id → localization (cases that could not be prepared
 * are left out). Never throws for a case's failure: what went wrong is in `notes`.
 */
export async function localizeCases(plan: LocalizePlan): Promise<Map<string, Localization>> {
  const started = Date.now();
  const left = () => plan.budget.totalSeconds * 1000 - (Date.now() - started);
  const session = new LocalizeSession(plan.run, plan.corpusPaths, plan.modelLibraries);
  const states: CaseState[] = [];
  try {
    for (const t of plan.targets) {
      if (left() <= 0) break;
      const st = await prepare(plan, session, t);
      if (!st) continue;
      try {
        st.loc.divergingNode = await findDivergingNode(session, st);
      } catch (e) {
        (st.loc.notes ??= []).push(`localization failed: ${(e as Error).message}`);
      }
      if (!st.loc.divergingNode) delete st.loc.divergingNode;
      st.loc.fingerprint = fingerprintOf(st.result, st.loc.divergingNode, t.drift);
      st.loc.elapsedMs = Date.now() - st.started;
      plan.log?.(
        `localize ${t.id}: ${st.loc.divergingNode ? `${st.loc.divergingNode.op} at ${st.loc.divergingNode.node ?? st.loc.divergingNode.step ?? '?'}` : 'not localized'}`,
      );
      states.push(st);
    }
    for (const st of reductionOrder(states)) {
      if (left() <= 0) {
        (st.loc.notes ??= []).push('localization time budget spent before reduction');
        continue;
      }
      const t0 = Date.now();
      const budget = {
        trials: plan.budget.trials,
        seconds: Math.max(1, Math.min(plan.budget.seconds, left() / 1000)),
      };
      try {
        const source = await reduce(session, st, budget, plan.log);
        if (plan.bundles !== false)
          st.loc.repro = await writeBundle(session, plan, st.result, st.loc, source, st.caseDir);
      } catch (e) {
        (st.loc.notes ??= []).push(`reduction failed: ${(e as Error).message}`);
      }
      st.loc.elapsedMs += Date.now() - t0;
      await rm(path.join(st.caseDir, LOCALIZE_DIR, 'trial'), { recursive: true, force: true });
      await rm(path.join(st.caseDir, LOCALIZE_DIR, 'eager'), { recursive: true, force: true });
      await rm(path.join(st.caseDir, REFINE_DIR, 'eager'), { recursive: true, force: true });
      plan.log?.(
        `reduce ${st.result.id}: ${st.loc.minimal ? `${st.loc.minimal.opsBefore.length} → ${st.loc.minimal.opsAfter.length} nodes` : st.loc.submodule ? `submodule ${st.loc.submodule.path}` : 'no reduction'} (${st.loc.elapsedMs} ms)`,
      );
    }
  } finally {
    await session.stop();
  }
  for (const s of states) if (!s.loc.notes?.length) delete s.loc.notes;
  return new Map(states.map((s) => [s.result.id, s.loc]));
}
