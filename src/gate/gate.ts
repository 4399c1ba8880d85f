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
  comparability,
  DiffInputError,
  diffResults,
  noBaselineReport,
  refusal,
  type DiffOptions,
} from './diff.js';
import { applyEnv, describeEnv, type EnvOverrides } from './env.js';
import { renderGateReport, type RenderOptions } from './render.js';
import { writeReproducers } from './reproduce.js';
import type { CaseChange, GateReport } from './schema.js';
import { formatShard, shardCases, type Shard } from './shard.js';
import { localizeGate } from '../localize/apply.js';
import { DEFAULT_LOCALIZE_BUDGET, type LocalizeBudget } from '../localize/localize.js';
import { writeResultsDoc } from '../results/writer.js';
import { gateView } from '../report/view/model.js';
import { renderHtml } from '../report/view/html.js';
import { withCpu } from '../util/cpu.js';

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
  filter: string | null;
  shard: Shard | null;
}

/** Run settings shared by both sides (everything but where results go and which converter build). */
export type SharedRunOptions = Omit<RunOptions, 'out' | 'python' | 'env' | 'resume'>;

export interface GatePlan {
  corpus: Corpus;
  selection: Selection;
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
    filter: selection.filter,
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
export function restrictBaseline(baseline: ResultsDoc, corpus: Corpus, selection: Selection): ResultsDoc {
  if (!selection.filter && !selection.shard) return baseline;
  const selected = new Set(selectCases(corpus, selection).map((c) => c.id));
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

/**
 * One gate: runs (or takes) the baseline and the candidate, diffs them case by case, re-runs the
 * regressing cases on the candidate to tell regressions from flakes, writes reproducers, gate.json
 * and gate.md. Used by `convgate gate` and the Action.
 */
export async function runGate(given: GatePlan, hooks: GateHooks = {}): Promise<GateResult> {
  const plan = withCaptures(given);
  const group = hooks.group ?? (<T>(_title: string, fn: () => Promise<T>) => fn());
  const log = hooks.log ?? (() => undefined);
  const cases = selectCases(plan.corpus, plan.selection);
  const extra = selectionSettings(plan.selection, plan.corpus, plan.synthetic);
  const dirs = {
    out: plan.out,
    candidate: path.join(plan.out, 'candidate'),
    baseline: path.join(plan.out, 'baseline'),
    json: path.join(plan.out, GATE_JSON),
    markdown: path.join(plan.out, GATE_MD),
    html: path.join(plan.out, GATE_HTML),
  };
  await mkdir(plan.out, { recursive: true });
  const force = plan.diff.force;
  const runSide = (
    side: SideSpec,
    out: string,
    defs: CaseDef[],
    phase: 'baseline' | 'candidate' | 'confirm',
  ) =>
    runCases(
      plan.corpus,
      defs,
      { ...sideRun(plan.run, side), out, resume: false },
      hooks.events?.(phase),
      extra,
    );

  // Refuse before spending minutes on runs that could not be compared.
  const planned = {
    corpus: { name: plan.corpus.name, hash: plan.corpus.hash },
    settings: { atol: plan.run.tolerance.atol, rtol: plan.run.tolerance.rtol, opset: plan.run.opset },
  };
  const stored = [
    ...(plan.baseline.kind === 'doc' ? [plan.baseline.doc] : [planned]),
    ...(plan.candidateDoc ? [plan.candidateDoc] : [planned]),
  ];
  const problems = comparability(stored[0], stored[1]);
  if (problems.length && !force) throw refusal(problems);
  const acrossPlan = plannedStackDifferences(plan);
  if (acrossPlan.length && !plan.diff.across && !force)
    throw new DiffInputError(
      `refusing to gate across converter stacks (${acrossPlan.join('; ')}) without --across (use --across to compare stacks on purpose)`,
    );
  // Leftovers of an earlier gate in the same folder would mix with this one's results.
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

  // CPU time of each phase's whole process tree (the workers are stopped at the end of a run).
  const cpu: { baselineCpuMs?: number; candidateCpuMs?: number; confirmCpuMs?: number } = {};
  let baseline: ResultsDoc | null = null;
  if (plan.baseline.kind === 'doc') baseline = plan.baseline.doc;
  else if (plan.baseline.kind === 'run') {
    const side = plan.baseline.side;
    const ran = await withCpu(() =>
      group(`convgate: baseline run (${cases.length} cases, ${side.python})`, () =>
        runSide(side, dirs.baseline, cases, 'baseline'),
      ),
    );
    baseline = ran.value;
    if (ran.cpuMs !== null) cpu.baselineCpuMs = ran.cpuMs;
  }

  let candidate: ResultsDoc;
  if (plan.candidateDoc) candidate = plan.candidateDoc;
  else {
    const ran = await withCpu(() =>
      group(`convgate: candidate run (${cases.length} cases, ${plan.candidate.python})`, () =>
        runSide(plan.candidate, dirs.candidate, cases, 'candidate'),
      ),
    );
    candidate = ran.value;
    if (ran.cpuMs !== null) cpu.candidateCpuMs = ran.cpuMs;
  }

  let report: GateReport;
  if (!baseline) {
    report = noBaselineReport(
      candidate,
      plan.baseline.kind === 'none' ? plan.baseline.reason : 'no baseline',
    );
  } else {
    const base = restrictBaseline(baseline, plan.corpus, plan.selection);
    report = diffResults(base, candidate, plan.diff);
    const reuse = plan.captures ? captureNote(candidate) : null;
    if (reuse) report.notes = [...(report.notes ?? []), reuse];
    log(
      `diff: ${report.counts.regressions} regression(s), ${report.counts.fixes} fixed, ${report.counts.stillFailing} still failing, ${report.counts.slow} slow`,
    );
    const confirmSlow = plan.confirmSlow ?? true;
    const slowIds = confirmSlow ? new Set(report.slow.map((x) => x.id)).size : 0;
    if (!confirmSlow && report.slow.length)
      report.notes = [
        ...(report.notes ?? []),
        `${new Set(report.slow.map((x) => x.id)).size} slower case(s) are reported as measured, not re-run (slow confirmation off)`,
      ];
    if ((report.regressions.length || slowIds) && plan.reruns > 0) {
      const defs = new Map(plan.corpus.cases.map((c) => [c.id, c]));
      const what = [
        ...(report.regressions.length ? [`${report.regressions.length} regression(s)`] : []),
        ...(slowIds ? [`${slowIds} slower case(s)`] : []),
      ].join(' and ');
      const suspects = report;
      const confirmed = await withCpu(() =>
        group(`convgate: confirming ${what}, ${plan.reruns} re-run(s) each`, () =>
          confirmRegressions(
            suspects,
            base,
            (ids, attempt) =>
              runSide(
                plan.candidate,
                path.join(plan.out, `confirm-${attempt}`),
                ids.map((id) => defs.get(id)).filter((d): d is CaseDef => d !== undefined),
                'confirm',
              ).then((d) => d.cases),
            {
              reruns: plan.reruns,
              diff: plan.diff,
              confirmSlow,
              onRound: (k, ids) => log(`re-run ${k}/${plan.reruns}: ${ids.join(', ')}`),
            },
          ),
        ),
      );
      report = confirmed.value;
      if (confirmed.cpuMs !== null) cpu.confirmCpuMs = confirmed.cpuMs;
      log(
        `confirmed: ${report.counts.regressions} regression(s), ${report.counts.flaky} flaky, ${report.counts.slow} slow`,
      );
    }
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
  }
  let candidateDoc = candidate;
  const budget = plan.localize === undefined ? DEFAULT_LOCALIZE_BUDGET : plan.localize;
  if (budget && report.regressions.length) {
    const localized = await group(`convgate: localizing ${report.regressions.length} regression(s)`, () =>
      localizeGate(report, candidate, dirs.candidate, {
        corpus: plan.corpus,
        run: sideRun(plan.run, plan.candidate),
        budget,
        log,
      }),
    );
    report = localized.report;
    candidateDoc = localized.candidate;
    await writeResultsDoc(dirs.candidate, candidateDoc);
  }
  report.timing = { ...report.timing, ...cpu };
  if (plan.shas?.candidate !== undefined) report.candidate.sha = plan.shas.candidate;
  report.selection = {
    filter: plan.selection.filter,
    shard: plan.selection.shard ? formatShard(plan.selection.shard) : null,
    cases: candidate.cases.length,
  };

  const reproducers = await writeReproducers(dirs.candidate, candidate, plan.corpus);
  const link = (list: CaseChange[]) => {
    for (const c of list) {
      const r = reproducers.get(c.id);
      if (r) c.reproducer = r;
    }
  };
  for (const list of [
    report.regressions,
    report.flaky,
    report.stillFailing,
    report.changedFailures,
    report.new,
  ])
    link(list);

  const markdown = await writeReport(dirs, report, plan.render ?? {}, { candidate: candidateDoc, baseline });
  return { report, candidate: candidateDoc, baseline, markdown, paths: dirs };
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
