import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  BUNDLED_CORPORA,
  CorpusError,
  DEFAULT_SYNTHETIC_COUNT,
  DEFAULT_SYNTHETIC_SEED,
  filterCases,
  loadCorpus,
  syntheticSpec,
  type Corpus,
  type SyntheticRequest,
} from '../corpus/load.js';
import type { CaseDef } from '../corpus/schema.js';
import type { ResultsDoc, SelectionSettings } from '../results/schema.js';
import { runCases, type RunEvents } from '../run/run-cases.js';
import type { RunOptions } from '../run/settings.js';
import { confirmRegressions } from './confirm.js';
import {
  checkComparability,
  DiffInputError,
  diffResults,
  noBaselineReport,
  type CheckedComparability,
  type DiffOptions,
} from './diff.js';
import { applyEnv, describeEnv, type EnvOverrides } from './env.js';
import { renderGateReport, type RenderOptions } from './render.js';
import { writeReproducers } from './reproduce.js';
import type { GateReport } from './schema.js';
import { formatShard, shardCases, type Shard } from './shard.js';
import { localizeGate } from '../localize/apply.js';
import { DEFAULT_LOCALIZE_BUDGET, type LocalizeBudget } from '../localize/localize.js';
import { writeResultsDoc } from '../results/writer.js';
import { gateView } from '../report/view/model.js';
import { renderHtml } from '../report/view/html.js';
import { withCpu } from '../util/cpu.js';
import type { CaseFilter } from '../util/args.js';

/** One side of the gate: the interpreter and environment changes that make its converter build. */
export interface SideSpec {
  python: string;
  env: EnvOverrides;
  /** The adapter (exporter) of this side when it differs from the shared one (a cross-exporter gate). */
  adapter?: string;
  /** The named stack this side's interpreter belongs to, when it differs from the shared one. */
  stack?: string | null;
}

export type BaselineSource =
  | { kind: 'doc'; doc: ResultsDoc; source: 'cache' | 'file' }
  | { kind: 'run'; side: SideSpec }
  | { kind: 'none'; reason: string };

export interface Selection {
  /** --filter, compiled where it entered (CLI option, Action input). */
  filter: CaseFilter | null;
  shard: Shard | null;
}

/** Run settings shared by both sides (everything but where results go and which converter build). */
export type SharedRunOptions = Omit<RunOptions, 'out' | 'python' | 'env' | 'resume'>;

export interface GatePlan {
  corpus: Corpus;
  selection: Selection;
  /** The cases `selection` gives (selectCases), when the front end computed them already. */
  cases?: CaseDef[];
  run: SharedRunOptions;
  /** Folder for baseline/, candidate/, confirm-<k>/, gate.json, gate.md and gate.html. */
  out: string;
  /** How gate.md is rendered (e.g. where the Action's artifact keeps the reproducers). */
  render?: RenderOptions;
  candidate: SideSpec;
  /** Candidate results made elsewhere (merged shards, an earlier run): the candidate is not run again. */
  candidateDoc?: ResultsDoc;
  /**
   * The folder candidateDoc was read from when it is not `<out>/candidate` (`gate --candidate`):
   * copied there first, so that its models and tensors are where reproducers and localization look.
   */
  candidateFrom?: string;
  baseline: BaselineSource;
  /** Confirmation: re-runs of each regressing (and slow) case (0 = off). */
  reruns: number;
  /**
   * Re-run slow cases too, so that only a slowdown seen every time is reported (default true).
   * false: slow cases are reported as measured — for a comparison where slower is the expected
   * change (another exporter), re-running every case would double the gate's time for nothing.
   */
  confirmSlow?: boolean;
  /**
   * Folder of torch.export captures: the baseline run saves each case's capture there and the
   * candidate (runs, re-runs, localization) starts from it when its torch build, the case and the
   * worker are the same (python/convgate_worker/converters/captures.py). null/undefined: off.
   */
  captures?: string | null;
  /** How the comparison is made, every setting explicit (the same object decides the confirmation). */
  diff: DiffOptions;
  shas?: { baseline?: string | null; candidate?: string | null };
  /** How the generated part of the corpus was made (recorded in the results). */
  synthetic?: SyntheticRequest;
  /** Localize confirmed regressions within this budget (default DEFAULT_LOCALIZE_BUDGET; null: off). */
  localize?: LocalizeBudget | null;
}

export interface GateHooks {
  /** Runs one phase (a collapsible log group in Actions). */
  group?<T>(title: string, fn: () => Promise<T>): Promise<T>;
  log?(line: string): void;
  /** Progress of a run (one line per finished case in CI). */
  events?(phase: 'baseline' | 'candidate' | 'confirm'): RunEvents | undefined;
}

export interface GateResult {
  report: GateReport;
  candidate: ResultsDoc;
  baseline: ResultsDoc | null;
  /** The gate report as markdown (what gate.md holds). */
  markdown: string;
  /** Results folders and report files. */
  paths: { out: string; candidate: string; baseline: string; json: string; markdown: string; html: string };
}

export const GATE_JSON = 'gate.json';
export const GATE_MD = 'gate.md';
export const GATE_HTML = 'gate.html';

export type CorpusRequest = SyntheticRequest;

/** A corpus by name (real, synthetic, default) or file, with one clear line when it is neither. */
export async function resolveCorpus(nameOrFile: string, request: CorpusRequest = {}): Promise<Corpus> {
  const bundled = (BUNDLED_CORPORA as readonly string[]).includes(nameOrFile);
  if (!bundled && !existsSync(nameOrFile))
    throw new CorpusError(
      `unknown corpus ${JSON.stringify(nameOrFile)}: not a bundled corpus (${BUNDLED_CORPORA.join(', ')}) and no such file`,
    );
  return loadCorpus(nameOrFile, request);
}

/** The cases a run covers: the corpus, filtered (--filter), then sliced (--shard). */
export function selectCases(corpus: Corpus, selection: Selection): CaseDef[] {
  return shardCases(filterCases(corpus.cases, selection.filter), selection.shard);
}

/**
 * Extra settings recorded in results.json so that shards and filters can be told apart (and, for
 * generated cases, the generator's count and seed, as `convgate run` records them).
 */
export function selectionSettings(
  selection: Selection,
  corpus?: Corpus,
  synthetic: SyntheticRequest = {},
): SelectionSettings {
  const generated = corpus?.cases.some((c) => syntheticSpec(c) !== null) ?? false;
  return {
    filter: selection.filter?.pattern ?? null,
    ...(selection.shard ? { shard: formatShard(selection.shard) } : {}),
    ...(generated
      ? {
          syntheticCount: synthetic.syntheticCount ?? DEFAULT_SYNTHETIC_COUNT,
          syntheticSeed: synthetic.syntheticSeed ?? DEFAULT_SYNTHETIC_SEED,
        }
      : {}),
  };
}

/** Keeps the baseline cases this run is comparable with (a filtered or sharded run covers fewer). */
export function restrictBaseline(
  baseline: ResultsDoc,
  corpus: Corpus,
  selection: Selection,
  /** The cases the selection gives, when the caller has them already. */
  cases?: readonly CaseDef[],
): ResultsDoc {
  if (!selection.filter && !selection.shard) return baseline;
  const selected = new Set((cases ?? selectCases(corpus, selection)).map((c) => c.id));
  const inCorpus = new Set(corpus.cases.map((c) => c.id));
  return {
    ...baseline,
    // A baseline case the corpus no longer has is still reported as removed (except per shard).
    cases: baseline.cases.filter((c) => selected.has(c.id) || (!selection.shard && !inCorpus.has(c.id))),
  };
}

export const CAPTURES_ENV = 'CONVGATE_CAPTURES';

/** Capture reuse as each side's environment: the baseline saves, the candidate reuses. */
export function withCaptures(plan: GatePlan): GatePlan {
  if (!plan.captures) return plan;
  const dir = path.resolve(plan.captures);
  const add = (side: SideSpec, mode: 'save' | 'reuse'): SideSpec => ({
    ...side,
    env: { ...side.env, [CAPTURES_ENV]: `${mode}:${dir}` },
  });
  return {
    ...plan,
    candidate: add(plan.candidate, 'reuse'),
    baseline:
      plan.baseline.kind === 'run'
        ? { ...plan.baseline, side: add(plan.baseline.side, 'save') }
        : plan.baseline,
  };
}

/** A note saying how many candidate cases started from a saved capture. */
export function captureNote(candidate: ResultsDoc): string | null {
  const reused = candidate.cases.filter((c) => c.captureReused).length;
  return reused
    ? `${reused} of ${candidate.cases.length} candidate case(s) reused the baseline's torch.export capture (same torch build, case and worker; see captureReused in results.json)`
    : null;
}

/** The shared run settings with one side's interpreter, environment, stack and adapter. */
export function sideRun(
  run: SharedRunOptions,
  side: SideSpec,
): SharedRunOptions & Pick<RunOptions, 'python' | 'env'> {
  return {
    ...run,
    ...(side.adapter !== undefined ? { adapter: side.adapter } : {}),
    ...(side.stack !== undefined ? { stack: side.stack } : {}),
    python: side.python,
    env: applyEnv(process.env, side.env),
  };
}

function describeSide(side: SideSpec): string {
  return [
    side.python,
    ...(side.stack ? [`(stack ${side.stack})`] : []),
    ...(side.adapter ? [`--adapter ${side.adapter}`] : []),
    describeEnv(side.env),
  ].join(' ');
}

/**
 * Sides that will make results of different stacks (another named stack or exporter): refused
 * before any run unless the comparison across stacks is on purpose (--across) or forced.
 */
export function plannedStackDifferences(plan: Pick<GatePlan, 'run' | 'candidate' | 'baseline'>): string[] {
  if (plan.baseline.kind !== 'run') return [];
  const side = (s: SideSpec) => ({
    stack: s.stack !== undefined ? s.stack : (plan.run.stack ?? null),
    adapter: s.adapter ?? plan.run.adapter,
  });
  const b = side(plan.baseline.side);
  const a = side(plan.candidate);
  const out: string[] = [];
  if (b.stack !== a.stack) out.push(`stack ${b.stack ?? '--python build'} → ${a.stack ?? '--python build'}`);
  if (b.adapter !== a.adapter) out.push(`exporter ${b.adapter} → ${a.adapter}`);
  return out;
}

/** The files and folders of one gate (under GatePlan.out). */
type GateDirs = GateResult['paths'];

type Phase = 'baseline' | 'candidate' | 'confirm';

/** What every stage of one gate works with: the plan, its hooks, the selected cases, the folders. */
interface GateRun {
  plan: GatePlan;
  group: <T>(title: string, fn: () => Promise<T>) => Promise<T>;
  log: (line: string) => void;
  /** The selected cases, computed once for the whole gate. */
  cases: CaseDef[];
  dirs: GateDirs;
  /** The sides' comparability, checked once before the runs (diffResults takes it as checked). */
  checked: CheckedComparability;
  /** Runs cases on one side into `out`, recording the selection in the results. */
  runSide(side: SideSpec, out: string, defs: CaseDef[], phase: Phase): Promise<ResultsDoc>;
}

/** CPU time of each phase's whole process tree (the workers are stopped at the end of a run). */
type PhaseCpu = { baselineCpuMs?: number; candidateCpuMs?: number; confirmCpuMs?: number };

/**
 * One gate: runs (or takes) the baseline and the candidate, diffs them case by case, re-runs the
 * regressing cases on the candidate to tell regressions from flakes, writes reproducers, gate.json
 * and gate.md. Used by `convgate gate` and the Action.
 */
export async function runGate(given: GatePlan, hooks: GateHooks = {}): Promise<GateResult> {
  const plan = withCaptures(given);
  const cases = plan.cases ?? selectCases(plan.corpus, plan.selection);
  const selection = selectionSettings(plan.selection, plan.corpus, plan.synthetic);
  await mkdir(plan.out, { recursive: true });
  const checked = refuseIncomparable(plan);
  const g: GateRun = {
    plan,
    checked,
    group: hooks.group ?? (<T>(_title: string, fn: () => Promise<T>) => fn()),
    log: hooks.log ?? (() => undefined),
    cases,
    dirs: gateDirs(plan.out),
    runSide: (side, out, defs, phase) =>
      runCases(
        plan.corpus,
        defs,
        { ...sideRun(plan.run, side), out, resume: false },
        hooks.events?.(phase),
        selection,
      ),
  };
  await prepareOut(plan, g.dirs);
  logSides(g);

  const cpu: PhaseCpu = {};
  const baseline = await baselineResults(g, cpu);
  const candidate = await candidateResults(g, cpu);
  let report = baseline
    ? await compareSides(g, baseline, candidate, cpu)
    : noBaselineReport(candidate, plan.baseline.kind === 'none' ? plan.baseline.reason : 'no baseline');
  const localized = await localizeRegressions(g, report, candidate);
  report = localized.report;
  report.timing = { ...report.timing, ...cpu };
  if (plan.shas?.candidate !== undefined) report.candidate.sha = plan.shas.candidate;
  report.selection = {
    filter: plan.selection.filter?.pattern ?? null,
    shard: plan.selection.shard ? formatShard(plan.selection.shard) : null,
    cases: candidate.cases.length,
  };
  linkReproducers(report, await writeReproducers(g.dirs.candidate, candidate, plan.corpus));
  const markdown = await writeReport(g.dirs, report, plan.render ?? {}, {
    candidate: localized.candidate,
    baseline,
  });
  return { report, candidate: localized.candidate, baseline, markdown, paths: g.dirs };
}

function gateDirs(out: string): GateDirs {
  return {
    out,
    candidate: path.join(out, 'candidate'),
    baseline: path.join(out, 'baseline'),
    json: path.join(out, GATE_JSON),
    markdown: path.join(out, GATE_MD),
    html: path.join(out, GATE_HTML),
  };
}

/**
 * Refuses, before spending minutes on runs, a gate whose sides could not be compared: the one
 * comparability check of a gate (the runs are made with the plan's corpus and settings, so their
 * results compare as planned).
 */
function refuseIncomparable(plan: GatePlan): CheckedComparability {
  const force = plan.diff.force;
  const planned = {
    corpus: { name: plan.corpus.name, hash: plan.corpus.hash },
    settings: { atol: plan.run.tolerance.atol, rtol: plan.run.tolerance.rtol, opset: plan.run.opset },
  };
  const baseline = plan.baseline.kind === 'doc' ? plan.baseline.doc : planned;
  const candidate = plan.candidateDoc ?? planned;
  const checked = checkComparability(baseline, candidate, force);
  const acrossPlan = plannedStackDifferences(plan);
  if (acrossPlan.length && !plan.diff.across && !force)
    throw new DiffInputError(
      `refusing to gate across converter stacks (${acrossPlan.join('; ')}) without --across (use --across to compare stacks on purpose)`,
    );
  return checked;
}

/** Clears what an earlier gate left in the same folder; puts given candidate results in place. */
async function prepareOut(plan: GatePlan, dirs: GateDirs): Promise<void> {
  for (const entry of await readdir(plan.out)) {
    const stale =
      /^confirm-\d+$/.test(entry) ||
      (entry === 'candidate' && !plan.candidateDoc) ||
      (entry === 'baseline' && plan.baseline.kind === 'run');
    if (stale) await rm(path.join(plan.out, entry), { recursive: true, force: true });
  }
  if (plan.candidateFrom && path.resolve(plan.candidateFrom) !== dirs.candidate) {
    await rm(dirs.candidate, { recursive: true, force: true });
    await cp(plan.candidateFrom, dirs.candidate, { recursive: true });
  }
}

function logSides({ plan, log }: GateRun): void {
  const b = plan.baseline;
  log(
    `baseline: ${
      b.kind === 'run'
        ? `run ${describeSide(b.side)}`
        : b.kind === 'doc'
          ? `${b.source} (${b.doc.converter.name} ${b.doc.converter.version}, ${b.doc.cases.length} cases)`
          : `none — ${b.reason}`
    }`,
  );
  log(
    `candidate: ${plan.candidateDoc ? `merged results (${plan.candidateDoc.cases.length} cases)` : `run ${describeSide(plan.candidate)}`}`,
  );
}

/** The baseline's results: given, run now, or none. */
async function baselineResults(g: GateRun, cpu: PhaseCpu): Promise<ResultsDoc | null> {
  const b = g.plan.baseline;
  if (b.kind === 'doc') return b.doc;
  if (b.kind !== 'run') return null;
  const ran = await withCpu(() =>
    g.group(`convgate: baseline run (${g.cases.length} cases, ${b.side.python})`, () =>
      g.runSide(b.side, g.dirs.baseline, g.cases, 'baseline'),
    ),
  );
  if (ran.cpuMs !== null) cpu.baselineCpuMs = ran.cpuMs;
  return ran.value;
}

/** The candidate's results: given (stored or merged), or run now. */
async function candidateResults(g: GateRun, cpu: PhaseCpu): Promise<ResultsDoc> {
  if (g.plan.candidateDoc) return g.plan.candidateDoc;
  const side = g.plan.candidate;
  const ran = await withCpu(() =>
    g.group(`convgate: candidate run (${g.cases.length} cases, ${side.python})`, () =>
      g.runSide(side, g.dirs.candidate, g.cases, 'candidate'),
    ),
  );
  if (ran.cpuMs !== null) cpu.candidateCpuMs = ran.cpuMs;
  return ran.value;
}

/** The diff of both sides, confirmed by re-runs, with the notes and the baseline's source. */
async function compareSides(
  g: GateRun,
  baseline: ResultsDoc,
  candidate: ResultsDoc,
  cpu: PhaseCpu,
): Promise<GateReport> {
  const { plan, log } = g;
  const base = restrictBaseline(baseline, plan.corpus, plan.selection, g.cases);
  let report = diffResults(base, candidate, plan.diff, g.checked);
  const reuse = plan.captures ? captureNote(candidate) : null;
  if (reuse) report.notes = [...(report.notes ?? []), reuse];
  log(
    `diff: ${report.counts.regressions} regression(s), ${report.counts.fixes} fixed, ${report.counts.stillFailing} still failing, ${report.counts.slow} slow`,
  );
  report = await confirmSuspects(g, report, base, cpu);
  if (plan.candidateDoc)
    report.notes = [
      ...(report.notes ?? []),
      "the candidate's results were made before this gate (stored results): its time is that run's; confirmation re-runs ran the candidate build",
    ];
  report.baseline = {
    ...report.baseline!,
    source: plan.baseline.kind === 'run' ? 'run' : (plan.baseline as { source: 'cache' | 'file' }).source,
    ...(plan.shas?.baseline !== undefined ? { sha: plan.shas.baseline } : {}),
  };
  return report;
}

/** Re-runs the regressing (and slower) cases on the candidate: regressions seen every time stay. */
async function confirmSuspects(
  g: GateRun,
  suspects: GateReport,
  base: ResultsDoc,
  cpu: PhaseCpu,
): Promise<GateReport> {
  const { plan, log } = g;
  const confirmSlow = plan.confirmSlow ?? true;
  const slowIds = confirmSlow ? new Set(suspects.slow.map((x) => x.id)).size : 0;
  if (!confirmSlow && suspects.slow.length)
    suspects.notes = [
      ...(suspects.notes ?? []),
      `${new Set(suspects.slow.map((x) => x.id)).size} slower case(s) are reported as measured, not re-run (slow confirmation off)`,
    ];
  if ((!suspects.regressions.length && !slowIds) || plan.reruns <= 0) return suspects;
  const defs = new Map(plan.corpus.cases.map((c) => [c.id, c]));
  const what = [
    ...(suspects.regressions.length ? [`${suspects.regressions.length} regression(s)`] : []),
    ...(slowIds ? [`${slowIds} slower case(s)`] : []),
  ].join(' and ');
  const rerun = (ids: string[], attempt: number) =>
    g
      .runSide(
        plan.candidate,
        path.join(plan.out, `confirm-${attempt}`),
        ids.map((id) => defs.get(id)).filter((d): d is CaseDef => d !== undefined),
        'confirm',
      )
      .then((d) => d.cases);
  const confirmed = await withCpu(() =>
    g.group(`convgate: confirming ${what}, ${plan.reruns} re-run(s) each`, () =>
      confirmRegressions(suspects, base, rerun, {
        reruns: plan.reruns,
        diff: plan.diff,
        confirmSlow,
        onRound: (k, ids) => log(`re-run ${k}/${plan.reruns}: ${ids.join(', ')}`),
      }),
    ),
  );
  if (confirmed.cpuMs !== null) cpu.confirmCpuMs = confirmed.cpuMs;
  const report = confirmed.value;
  log(
    `confirmed: ${report.counts.regressions} regression(s), ${report.counts.flaky} flaky, ${report.counts.slow} slow`,
  );
  return report;
}

/** Where each confirmed regression starts (within the localization budget); the candidate's results with it. */
async function localizeRegressions(
  g: GateRun,
  report: GateReport,
  candidate: ResultsDoc,
): Promise<{ report: GateReport; candidate: ResultsDoc }> {
  const { plan } = g;
  const budget = plan.localize === undefined ? DEFAULT_LOCALIZE_BUDGET : plan.localize;
  if (!budget || !report.regressions.length) return { report, candidate };
  const localized = await g.group(`convgate: localizing ${report.regressions.length} regression(s)`, () =>
    localizeGate(report, candidate, g.dirs.candidate, {
      corpus: plan.corpus,
      run: sideRun(plan.run, plan.candidate),
      budget,
      log: g.log,
    }),
  );
  await writeResultsDoc(g.dirs.candidate, localized.candidate);
  return localized;
}

/** Points each listed case at its reproducer folder, when one was written. */
function linkReproducers(report: GateReport, reproducers: Map<string, string>): void {
  for (const list of [
    report.regressions,
    report.flaky,
    report.stillFailing,
    report.changedFailures,
    report.new,
  ])
    for (const c of list) {
      const r = reproducers.get(c.id);
      if (r) c.reproducer = r;
    }
}

/** Writes gate.json, gate.md and the HTML report (plots from both sides' results); returns the markdown. */
export async function writeReport(
  files: { json: string; markdown: string; html: string },
  report: GateReport,
  render: RenderOptions,
  docs: { candidate: ResultsDoc; baseline: ResultsDoc | null },
): Promise<string> {
  const markdown = renderGateReport(report, render);
  await writeFile(files.json, JSON.stringify(report, null, 1) + '\n');
  await writeFile(files.markdown, markdown + '\n');
  await writeFile(files.html, renderHtml(gateView(report, docs)));
  return markdown;
}
