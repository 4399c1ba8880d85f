/**
 * One view model of a report, built from a run's results or a gate's verdict (plus, when at
 * hand, the results documents of both sides for the plots). Pure: every renderer (markdown for
 * the CLI, the job summary and the PR comment; the self-contained HTML page) reads this, and
 * escapes the text for its own medium -- every string here may come from a converter run or a
 * fork and is untrusted.
 */
import { OUTCOMES, type Outcome } from '../../results/outcome.js';
import type { CaseResult, ResultsDoc } from '../../results/schema.js';
import type { CaseChange, GateReport, SlowChange, Verdict } from '../../gate/schema.js';
import { changeError, changeNote, firstLine, formatDuration, formatError, plural } from './format.js';

export interface Fact {
  label: string;
  value: string;
}

/** One number of the counts line ("3 regressions"); `alarm` ones are shown strong. */
export interface CountItem {
  key: string;
  n: number;
  text: string;
  alarm: boolean;
}

export interface FamilyOutcomes {
  family: string;
  /** Cases per outcome on the candidate (or the run). */
  after: Partial<Record<Outcome, number>>;
  /** The same on the baseline, when there is one. */
  before: Partial<Record<Outcome, number>> | null;
}

/** One case row of a table: a change of a gate, or a case of a run that is not ok. */
export interface CaseRow {
  id: string;
  family: string;
  before: Outcome | null;
  after: Outcome | null;
  errBefore: number | null | undefined;
  errAfter: number | null | undefined;
  output: string | null;
  /** "stage: Type: first line", or the worst output difference. */
  problem: string;
  operators: string[];
  note: string;
  reruns: Outcome[];
  reproducer: string | null;
}

export interface CaseSection {
  key: string;
  /** "Regressions (3)". */
  title: string;
  /** What the section means for the verdict, after the title ("not counted"); '' when nothing. */
  note: string;
  /** Makes the gate fail (regressions, missing, lost coverage). */
  failing: boolean;
  /** Shown folded by default. */
  folded: boolean;
  rows: CaseRow[];
}

export interface StageTimes {
  stage: string;
  /** Summed over the cases, ms. */
  beforeMs: number | null;
  afterMs: number;
}

export interface SlowRow {
  id: string;
  family: string;
  metric: string;
  cpu: boolean;
  beforeMs: number;
  afterMs: number;
  ratio: number;
}

export interface ReportView {
  kind: 'run' | 'gate';
  title: string;
  verdict: Verdict | null;
  reason: string;
  facts: Fact[];
  counts: CountItem[];
  mismatches: string[];
  notes: string[];
  sections: CaseSection[];
  slow: SlowRow[];
  plots: {
    families: FamilyOutcomes[];
    /** Largest absolute error of each case that ran to a comparison; null: that side is absent. */
    errors: { before: number[] | null; after: number[]; atol: number | null };
    stages: StageTimes[];
    /** Slowest cases (export + run time on the candidate), with the baseline's time. */
    slowest: { id: string; beforeMs: number | null; afterMs: number }[];
  };
}

export const VERDICT_TITLE: Record<Verdict, string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  'no-baseline': '⚪ no baseline',
};

/** The counts line of a gate, in the order every view shows it. */
export function gateCounts(c: GateReport['counts']): CountItem[] {
  const item = (key: string, n: number, text: string, alarm = false): CountItem => ({ key, n, text, alarm });
  return [
    item('regressions', c.regressions, plural(c.regressions, 'regression'), true),
    item('fixes', c.fixes, plural(c.fixes, 'fix', 'fixes')),
    item('flaky', c.flaky, `${c.flaky} flaky`),
    item('stillFailing', c.stillFailing, `${c.stillFailing} still failing`),
    item('changedFailures', c.changedFailures, plural(c.changedFailures, 'changed failure')),
    item('new', c.new, `${c.new} new`),
    ...(c.missing ? [item('missing', c.missing, `${c.missing} missing`, true)] : []),
    item('removed', c.removed, `${c.removed} removed`),
    ...(c.lost ? [item('lost', c.lost, `${c.lost} lost coverage`, true)] : []),
    item('slow', c.slow, `${c.slow} slow`),
    item('referenceErrors', c.referenceErrors, plural(c.referenceErrors, 'reference error')),
    item('unchanged', c.unchanged, `${c.unchanged} unchanged`),
  ];
}

export function countOutcomes(cases: readonly { outcome: Outcome }[]): Record<Outcome, number> {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const c of cases) counts[c.outcome]++;
  return counts;
}

/** The output that failed worst (or the largest error of a passing case). */
function worstOutput(c: CaseResult) {
  return c.outputs.find((o) => !o.pass) ?? null;
}

/** Largest absolute error over a case's outputs, when it ran to a comparison. */
export function caseMaxError(c: CaseResult): number | null {
  let max: number | null = null;
  for (const o of c.outputs)
    if (typeof o.maxAbsErr === 'number' && Number.isFinite(o.maxAbsErr))
      max = max === null ? o.maxAbsErr : Math.max(max, o.maxAbsErr);
  return max;
}

/** What went wrong in one case, in one line: the error, or the worst output difference. */
export function caseProblem(c: CaseResult): string {
  if (c.outcome === 'wrong-output') {
    const bad = worstOutput(c);
    if (bad) {
      const where = bad.set ? ` (input set ${bad.set})` : '';
      return bad.reason
        ? `${bad.name}${where}: ${bad.reason}`
        : `${bad.name}${where}: max abs err ${formatError(bad.maxAbsErr)}, rel ${formatError(bad.maxRelErr)}, ${bad.mismatched}/${bad.total} outside tolerance`;
    }
  }
  if (c.outcome === 'unsupported' && c.unmet?.length) return `needs ${c.unmet.join('; ')}`;
  if (c.error) {
    const step = c.error.step ? ` (${c.error.step})` : '';
    return `${c.error.stage}${step}: ${c.error.type}: ${firstLine(c.error.message)}`;
  }
  return '';
}

function caseRowOfResult(c: CaseResult): CaseRow {
  return {
    id: c.id,
    family: c.family,
    before: null,
    after: c.outcome,
    errBefore: undefined,
    errAfter: caseMaxError(c) ?? undefined,
    output: worstOutput(c)?.name ?? null,
    problem: caseProblem(c),
    operators: c.error?.node ? [c.error.node.op] : [],
    note: '',
    reruns: [],
    reproducer: c.artifacts ?? null,
  };
}

export function caseRowOfChange(c: CaseChange): CaseRow {
  const output = c.output ?? null;
  return {
    id: c.id,
    family: c.family,
    before: c.before,
    after: c.after,
    errBefore: c.maxAbsErrBefore,
    errAfter: c.maxAbsErrAfter,
    output,
    problem: changeError(c),
    operators: c.operators ?? [],
    note: changeNote(c),
    reruns: c.reruns ?? [],
    reproducer: c.reproducer ?? c.repro ?? null,
  };
}

function familyTable(after: readonly CaseResult[], before: readonly CaseResult[] | null): FamilyOutcomes[] {
  const rows = new Map<string, FamilyOutcomes>();
  const row = (family: string) => {
    let r = rows.get(family);
    if (!r) rows.set(family, (r = { family, after: {}, before: before ? {} : null }));
    return r;
  };
  for (const c of after) row(c.family).after[c.outcome] = (row(c.family).after[c.outcome] ?? 0) + 1;
  for (const c of before ?? []) {
    const b = row(c.family).before!;
    b[c.outcome] = (b[c.outcome] ?? 0) + 1;
  }
  return [...rows.values()].sort((a, b) => a.family.localeCompare(b.family));
}

function errors(cases: readonly CaseResult[]): number[] {
  return cases.map(caseMaxError).filter((e): e is number => e !== null);
}

const STAGES = ['build', 'reference', 'export', 'load', 'run'] as const;

function stageTimes(after: readonly CaseResult[], before: readonly CaseResult[] | null): StageTimes[] {
  const sum = (cases: readonly CaseResult[], s: (typeof STAGES)[number]) =>
    cases.reduce((n, c) => n + (c.timingsMs[s] ?? 0), 0);
  return STAGES.map((stage) => ({
    stage,
    beforeMs: before ? sum(before, stage) : null,
    afterMs: sum(after, stage),
  }));
}

function slowest(after: readonly CaseResult[], before: readonly CaseResult[] | null, n = 12) {
  const total = (c: CaseResult) => (c.timingsMs.export ?? 0) + (c.timingsMs.run ?? 0);
  const was = new Map((before ?? []).map((c) => [c.id, total(c)]));
  return [...after]
    .sort((a, b) => total(b) - total(a) || a.id.localeCompare(b.id))
    .slice(0, n)
    .map((c) => ({ id: c.id, beforeMs: was.get(c.id) ?? null, afterMs: total(c) }));
}

function plotsOf(after: ResultsDoc | null, before: ResultsDoc | null): ReportView['plots'] {
  const a = after?.cases ?? [];
  const b = before?.cases ?? null;
  return {
    families: familyTable(a, b),
    errors: { before: b ? errors(b) : null, after: errors(a), atol: after?.settings.atol ?? null },
    stages: stageTimes(a, b),
    slowest: slowest(a, b),
  };
}

function slowRow(s: SlowChange): SlowRow {
  return {
    id: s.id,
    family: s.family,
    metric: s.metric,
    cpu: s.clock === 'cpu',
    beforeMs: s.beforeMs,
    afterMs: s.afterMs,
    ratio: s.ratio,
  };
}

/** The view of one run (`convgate report DIR`). */
export function runView(doc: ResultsDoc): ReportView {
  const counts = countOutcomes(doc.cases);
  const order = (c: CaseResult) => OUTCOMES.indexOf(c.outcome);
  const failing = doc.cases
    .filter((c) => c.outcome !== 'ok')
    .sort((a, b) => order(a) - order(b) || a.id.localeCompare(b.id));
  const opset = doc.settings.opset ?? `converter default (${String(doc.converter.defaultOpset ?? '?')})`;
  return {
    kind: 'run',
    title: `${doc.corpus.name} corpus on ${doc.converter.name} ${doc.converter.version}`,
    verdict: null,
    reason: doc.complete ? '' : `incomplete run (${doc.cases.length}/${doc.corpus.cases} cases)`,
    facts: [
      { label: 'cases', value: String(doc.cases.length) },
      { label: 'time', value: formatDuration(doc.durationMs) },
      { label: 'corpus', value: doc.corpus.hash },
      { label: 'tolerance', value: `atol ${doc.settings.atol}, rtol ${doc.settings.rtol}` },
      { label: 'opset', value: String(opset) },
    ],
    counts: OUTCOMES.filter((o) => counts[o] || o === 'ok').map((o) => ({
      key: o,
      n: counts[o],
      text: `${counts[o]} ${o}`,
      alarm: o !== 'ok' && o !== 'reference-error' && o !== 'unsupported' && counts[o] > 0,
    })),
    mismatches: [],
    notes: [],
    sections: failing.length
      ? [
          {
            key: 'failing',
            title: `Cases that are not ok (${failing.length})`,
            note: '',
            failing: false,
            folded: false,
            rows: failing.map(caseRowOfResult),
          },
        ]
      : [],
    slow: [],
    plots: plotsOf(doc, null),
  };
}

/** Cases per outcome of the candidate alone (a gate with no baseline). */
function candidateCounts(changes: readonly CaseChange[]): CountItem[] {
  const counts = countOutcomes(changes.flatMap((c) => (c.after ? [{ outcome: c.after }] : [])));
  return OUTCOMES.filter((o) => counts[o]).map((o) => ({
    key: o,
    n: counts[o],
    text: `${counts[o]} ${o}`,
    alarm: false,
  }));
}

/** The tables of a gate, most important first; the folded ones last. */
function gateSections(r: GateReport): CaseSection[] {
  const s = (key: string, title: string, list: CaseChange[], note = '', failing = false, folded = false) => ({
    key,
    title: `${title} (${list.length})`,
    note,
    failing,
    folded,
    rows: list.map(caseRowOfChange),
  });
  const newFailing = r.new.filter((x) => x.after !== 'ok');
  const referenceErrors = s(
    'referenceErrors',
    'Reference errors',
    r.referenceErrors,
    "the source model itself failed — a corpus problem, not the converter's",
    false,
    true,
  );
  const all =
    r.verdict === 'no-baseline'
      ? [s('new', 'Cases that are not ok', newFailing), referenceErrors]
      : [
          s('regressions', 'Regressions', r.regressions, '', true),
          s(
            'missing',
            'Missing from the candidate',
            r.missing,
            'in the baseline and still in the corpus, but no result — failing',
            true,
          ),
          s(
            'lost',
            'Lost coverage',
            r.lost ?? [],
            'ran in the baseline, did not run in the candidate — fails the gate',
            true,
          ),
          s('flaky', 'Flaky', r.flaky, 'regressed once, did not reproduce on re-run — not counted'),
          s('fixes', 'Fixed', r.fixes),
          s('changedFailures', 'Failures that changed kind', r.changedFailures),
          s('stillFailing', 'Still failing on both sides', r.stillFailing, '', false, true),
          {
            ...s('new', 'New cases', r.new, '', false, true),
            title: `New cases (${r.new.length}, ${newFailing.length} not ok)`,
          },
          s('removed', 'Removed from the corpus', r.removed, 'not failing', false, true),
          referenceErrors,
        ];
  return all.filter((x) => x.rows.length);
}

/**
 * The view of a gate verdict; `docs` (the candidate's and the baseline's results, when at hand)
 * feed the plots.
 */
export function gateView(
  r: GateReport,
  docs: { candidate?: ResultsDoc | null; baseline?: ResultsDoc | null } = {},
): ReportView {
  const sides = r.baseline
    ? `${r.candidate.converter} vs baseline ${r.baseline.converter}`
    : r.candidate.converter;
  const facts: Fact[] = [
    { label: 'candidate', value: `${r.candidate.converter} (${r.candidate.cases} cases)` },
    {
      label: 'baseline',
      value: r.baseline
        ? `${r.baseline.converter} (${r.baseline.cases} cases${r.baseline.source ? `, ${r.baseline.source}` : ''})`
        : '—',
    },
    ...(r.candidate.sha ? [{ label: 'commit', value: r.candidate.sha.slice(0, 12) }] : []),
    { label: 'corpus', value: r.candidate.corpusHash },
    ...(r.selection?.filter ? [{ label: 'filter', value: r.selection.filter }] : []),
    ...(r.selection?.shard ? [{ label: 'shard', value: r.selection.shard }] : []),
    {
      label: 'time',
      value: `candidate ${formatDuration(r.timing.candidateMs)}, baseline ${formatDuration(r.timing.baselineMs)}${r.timing.confirmMs !== undefined ? `, confirmation ${formatDuration(r.timing.confirmMs)}` : ''}`,
    },
  ];
  return {
    kind: 'gate',
    title: `gate: ${sides}`,
    verdict: r.verdict,
    reason: r.reason,
    facts,
    counts:
      r.verdict === 'no-baseline' ? candidateCounts([...r.new, ...r.referenceErrors]) : gateCounts(r.counts),
    mismatches: r.mismatches,
    notes: r.notes ?? [],
    sections: gateSections(r),
    slow: r.slow.map(slowRow),
    plots: plotsOf(docs.candidate ?? null, docs.baseline ?? null),
  };
}
