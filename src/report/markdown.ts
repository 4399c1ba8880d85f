import { isFailure } from '../results/outcome.js';
import type { CaseResult, ResultsDoc } from '../results/schema.js';
import { escapeInline } from './escape.js';
import { formatSeconds } from './view/format.js';
import { runView } from './view/model.js';
import { runCoverage, type CoverageSummary } from './coverage.js';
import { renderSurfaceSection } from './surface.js';
import { surfaceStatus } from '../surface/summary.js';
import { runLocalization } from '../localize/render-run.js';

export { formatError } from './view/format.js';
export { caseProblem, countOutcomes } from './view/model.js';

/** Cases whose written model has another opset than the one requested (the exporter kept its own). */
export function opsetDrift(cases: readonly CaseResult[]): CaseResult[] {
  return cases.filter(
    (c) => typeof c.opset === 'number' && c.settings.opset !== null && c.opset !== c.settings.opset,
  );
}

function renderOpsetDrift(cases: readonly CaseResult[]): string[] {
  const drift = opsetDrift(cases);
  if (!drift.length) return [];
  const shown = drift.slice(0, 20).map((c) => {
    const built = c.opsetBuilt !== undefined && c.opsetBuilt !== null ? `, built at ${c.opsetBuilt}` : '';
    return `\`${escapeInline(c.id, 80)}\` (asked ${c.settings.opset}${built}, wrote ${c.opset})`;
  });
  return [
    `### Opset not as requested (${drift.length})`,
    '',
    `The converter wrote these models at another opset than the case asked for, without an error: ${shown.join(', ')}${drift.length > shown.length ? `, and ${drift.length - shown.length} more` : ''}.`,
    '',
  ];
}

/** The markdown summary of one run (`convgate report DIR`). */
export function renderRunReport(doc: ResultsDoc): string {
  const view = runView(doc);
  const lines: string[] = [];
  const failing = doc.cases.filter((c) => c.outcome !== 'ok');
  lines.push(
    `## convgate: ${escapeInline(doc.corpus.name)} corpus on ${escapeInline(doc.converter.name)} ${escapeInline(doc.converter.version)}`,
  );
  lines.push('');
  lines.push(
    `${doc.cases.length} case(s) in ${formatSeconds(doc.durationMs)}` +
      ` · corpus \`${escapeInline(doc.corpus.hash)}\`` +
      ` · atol ${doc.settings.atol}, rtol ${doc.settings.rtol}` +
      ` · opset ${doc.settings.opset ?? `converter default (${String(doc.converter.defaultOpset ?? '?')})`}` +
      (doc.complete ? '' : ` · **incomplete run** (${doc.cases.length}/${doc.corpus.cases} cases)`),
  );
  lines.push('');
  lines.push('| outcome | cases |', '|---|---:|');
  for (const c of view.counts) lines.push(`| ${c.key} | ${c.n} |`);
  lines.push('');
  for (const section of view.sections) {
    lines.push(`### ${section.title}`, '');
    lines.push('| case | family | outcome | problem |', '|---|---|---|---|');
    for (const c of section.rows)
      lines.push(
        `| ${escapeInline(c.id, 80)} | ${escapeInline(c.family, 40)} | ${c.after} | ${escapeInline(c.problem, 240)} |`,
      );
    lines.push('');
    const kept = failing.filter((c) => c.artifacts && isFailure(c.outcome));
    if (kept.length)
      lines.push(
        `Models and tensors of failing cases are kept under \`cases/<id>/\` in the results folder.`,
        '',
      );
  }
  if (!failing.length) lines.push('All cases ok.', '');
  lines.push(...renderOpsetDrift(doc.cases));
  lines.push(...runLocalization(doc));
  lines.push(...renderCoverage(doc));
  if (doc.surface) lines.push(...renderSurfaceSection(surfaceStatus(doc)));
  return lines.join('\n');
}

function coverageRow(label: string, c: CoverageSummary | null | undefined): string | null {
  if (!c) return null;
  const kinds = c.totalKinds ? `${c.opKinds}/${c.totalKinds}` : String(c.opKinds);
  return `| ${label} | ${c.cases} | ${kinds} | ${c.opPairs} | ${c.dtypes.join(', ')} | ${c.ranks.join(', ')} |`;
}

/** Coverage table: synthetic specs, and ONNX graphs of the real and synthetic parts. */
export function renderCoverage(doc: ResultsDoc): string[] {
  const cov = doc.coverage ?? runCoverage(doc.cases);
  const rows = [
    coverageRow('synthetic specs (operator kinds of the generator)', cov.synthetic),
    coverageRow('synthetic, exported ONNX graphs', cov.syntheticOnnx),
    coverageRow('real, exported ONNX graphs', cov.realOnnx),
  ].filter((r): r is string => r !== null);
  if (!rows.length) return [];
  return [
    '### Coverage',
    '',
    '| part | cases | operator kinds | operator pairs | dtypes | ranks |',
    '|---|---:|---:|---:|---|---|',
    ...rows,
    '',
  ];
}
