/**
 * Localization as a stage of `convgate run --localize` and of the gate: which cases it takes, and
 * where its results go (results.json cases, gate report changes, the suspicious-operator table
 * and the findings grouped by fingerprint).
 */
import type { Corpus } from '../corpus/load.js';
import { isFailure } from '../results/outcome.js';
import type { ResultsDoc } from '../results/schema.js';
import type { RunOptions } from '../run/settings.js';
import type { CaseChange, GateReport } from '../gate/schema.js';
import { groupFindings } from './fingerprint.js';
import { localizeCases, type LocalizeBudget, type LocalizeTarget } from './localize.js';
import { suspiciousOperators } from './ochiai.js';
import type { Localization } from './schema.js';

export interface LocalizeStage {
  corpus: Corpus;
  run: Pick<
    RunOptions,
    'python' | 'adapter' | 'env' | 'timeoutS' | 'threads' | 'memoryLimitMb' | 'opset' | 'tolerance'
  >;
  budget: LocalizeBudget;
  log?(line: string): void;
}

async function localize(
  doc: ResultsDoc,
  outDir: string,
  targets: LocalizeTarget[],
  stage: LocalizeStage,
): Promise<Map<string, Localization>> {
  if (!targets.length) return new Map();
  return localizeCases({
    outDir,
    doc,
    targets,
    defs: new Map(stage.corpus.cases.map((c) => [c.id, c])),
    corpusPaths: stage.corpus.pythonPaths,
    modelLibraries: stage.corpus.modelLibraries,
    run: stage.run,
    budget: stage.budget,
    ...(stage.log ? { log: stage.log } : {}),
  });
}

/** `convgate run --localize`: every failing case of the run (not reference errors), in order. */
export async function localizeRunResults(
  doc: ResultsDoc,
  outDir: string,
  stage: LocalizeStage,
): Promise<ResultsDoc> {
  const started = Date.now();
  const targets = doc.cases.filter((c) => isFailure(c.outcome)).map((c) => ({ id: c.id }));
  const found = await localize(doc, outDir, targets, stage);
  return {
    ...doc,
    cases: doc.cases.map((c) => (found.has(c.id) ? { ...c, localization: found.get(c.id)! } : c)),
    localization: { cases: found.size, elapsedMs: Date.now() - started, budget: stage.budget },
  };
}

/** The fields a gate report change carries from a localization. */
export function changeFields(loc: Localization): Partial<CaseChange> {
  return {
    ...(loc.divergingNode ? { divergingNode: loc.divergingNode } : {}),
    ...(loc.minimal ? { minimal: loc.minimal } : {}),
    ...(loc.submodule ? { submodule: loc.submodule } : {}),
    fingerprint: loc.fingerprint,
    ...(loc.repro ? { repro: loc.repro } : {}),
  };
}

/**
 * The gate: localizes the (confirmed) regressions on the candidate, then ranks operators by how
 * strongly they go with the regressions against the candidate's passing cases and groups the
 * regressions by fingerprint. Returns the report with those fields and the candidate results with
 * each localized case's `localization`.
 */
export async function localizeGate(
  report: GateReport,
  candidate: ResultsDoc,
  candidateDir: string,
  stage: LocalizeStage,
): Promise<{ report: GateReport; candidate: ResultsDoc }> {
  const started = Date.now();
  const targets = report.regressions.map((r) => ({ id: r.id, drift: r.after === 'ok' }));
  const found = await localize(candidate, candidateDir, targets, stage);
  const withLoc = {
    ...candidate,
    cases: candidate.cases.map((c) => (found.has(c.id) ? { ...c, localization: found.get(c.id)! } : c)),
  };
  const regressions = report.regressions.map((r) => {
    const loc = found.get(r.id);
    return loc ? { ...r, ...changeFields(loc) } : r;
  });
  const failing = new Set(report.regressions.map((r) => r.id));
  const suspicious = suspiciousOperators(withLoc.cases, failing, { limit: 10 });
  const findings = groupFindings(
    regressions.flatMap((r) =>
      r.fingerprint
        ? [{ id: r.id, fingerprint: r.fingerprint, ...(r.divergingNode ? { op: r.divergingNode.op } : {}) }]
        : [],
    ),
  );
  return {
    report: {
      ...report,
      regressions,
      ...(suspicious.length ? { suspicious } : {}),
      ...(findings.length ? { findings } : {}),
      localization: { cases: found.size, elapsedMs: Date.now() - started, budget: stage.budget },
    },
    candidate: withLoc,
  };
}
