/**
 * Markdown of localization: the suspicious-operator table, one row per localized failure
 * (diverging node, minimal reproducer, submodule, fingerprint) and the findings grouped by
 * fingerprint. Used by the gate report / job summary, `convgate report` and (through its own
 * budgeted renderer) the PR comment. Everything from a converter run is escaped.
 */
import { escapeInline } from '../report/escape.js';
import { formatError } from '../report/markdown.js';
import { isOperatorKind } from './ochiai.js';
import type { DivergingNode, Finding, Localization, Minimal, Submodule, SuspiciousRow } from './schema.js';

export interface Escape {
  (text: string, max: number): string;
}

const KIND_LABEL: Record<SuspiciousRow['kind'], string> = {
  op: 'ONNX op',
  converter: 'converter function',
  'converter-variant': 'converter function × input kinds',
  pair: 'ONNX producer→consumer',
  source: 'source op / module',
  'source-pair': 'source producer→consumer',
};

/** Inline code for a short untrusted name (op types, node names, module paths). */
export function codeName(text: string, max = 80, esc: Escape = escapeInline): string {
  const t = text.replace(/\s+/g, ' ').trim();
  const cut = t.length > max ? `${t.slice(0, max)}…` : t;
  // Escaped text inside backticks would show its backslashes: quote only what is plainly safe.
  return /^[\w.:/\-→>[\],#() ]*$/.test(cut) ? `\`${cut}\`` : esc(cut, max);
}

/** "regressions concentrate on Transpose: 9/9 failing cases contain it, 0 of 240 passing". */
export function concentrationLine(
  rows: SuspiciousRow[],
  failingWord = 'regressions',
  esc: Escape = escapeInline,
): string | null {
  const top = rows.find((r) => isOperatorKind(r.kind));
  if (!top) return null;
  return `${failingWord[0].toUpperCase()}${failingWord.slice(1)} concentrate on ${codeName(top.name, 80, esc)} (${KIND_LABEL[top.kind]}): it is implicated in ${top.failing}/${top.failingTotal} failing cases and appears in ${top.passing} of ${top.passingTotal} passing ones.`;
}

export function suspiciousTable(rows: SuspiciousRow[], max = 15, esc: Escape = escapeInline): string[] {
  if (!rows.length) return [];
  const out = [
    '| # | operator | kind | failing with it | passing with it | diverges there | Ochiai |',
    '|---:|---|---|---:|---:|---:|---:|',
  ];
  const ops = rows.filter((r) => isOperatorKind(r.kind));
  const pairs = rows.filter((r) => !isOperatorKind(r.kind));
  [...ops, ...pairs].slice(0, max).forEach((r, i) => {
    out.push(
      `| ${i + 1} | ${codeName(r.name, 80, esc)} | ${KIND_LABEL[r.kind]} | ${r.failing}/${r.failingTotal} | ${r.passing}/${r.passingTotal} | ${r.diverging ?? 0} | ${r.score.toFixed(2)} |`,
    );
  });
  return out;
}

export function divergingCell(d: DivergingNode | undefined, esc: Escape = escapeInline): string {
  if (!d) return '—';
  const parts = [
    `**${codeName(d.op, 60, esc)}**${d.function ? ` in ${codeName(`${d.function}()`, 60, esc)}` : ''}`,
  ];
  if (d.node) parts.push(`node ${codeName(d.node, 100, esc)}`);
  if (d.module)
    parts.push(
      `module ${codeName(d.module, 100, esc)}${d.moduleType ? ` (${codeName(d.moduleType, 60, esc)})` : ''}`,
    );
  if (d.step) parts.push(`exporter step ${codeName(d.step, 80, esc)}`);
  if (d.ops && d.ops.length > 1)
    parts.push(
      `from ${d.ops
        .slice(0, 10)
        .map((o) => codeName(o, 40, esc))
        .join(' ')}${d.ops.length > 10 ? ' …' : ''}`,
    );
  if (d.maxAbsErr !== undefined && d.maxAbsErr !== null) parts.push(`error ${formatError(d.maxAbsErr)}`);
  if (d.note) parts.push(esc(d.note, 120));
  return parts.join(' · ');
}

export function minimalCell(m: Minimal | undefined, esc: Escape = escapeInline): string {
  if (!m) return '—';
  const after = m.opsAfter
    .slice(0, 8)
    .map((o) => codeName(o, 40, esc))
    .join(' ');
  return `${m.opsBefore.length} → ${m.opsAfter.length} nodes: ${after}${m.opsAfter.length > 8 ? ' …' : ''} (${m.trials} trials, ${(m.elapsedMs / 1000).toFixed(1)} s${m.exhausted ? ', budget spent' : ''})`;
}

export function submoduleCell(s: Submodule | undefined, esc: Escape = escapeInline): string {
  if (!s) return '—';
  return `${codeName(s.path, 100, esc)} (${codeName(s.type, 60, esc)}; ${s.trials} trials${s.exhausted ? ', budget spent' : ''})`;
}

export interface LocalizedRow {
  id: string;
  loc: Pick<Localization, 'divergingNode' | 'minimal' | 'submodule' | 'fingerprint' | 'repro'>;
}

export function localizationTable(rows: LocalizedRow[], max = 50, esc: Escape = escapeInline): string[] {
  if (!rows.length) return [];
  const out = [
    '| case | diverging node | minimal reproducer | submodule | fingerprint |',
    '|---|---|---|---|---|',
  ];
  for (const r of rows.slice(0, max)) {
    out.push(
      `| ${codeName(r.id, 80, esc)} | ${divergingCell(r.loc.divergingNode, esc)} | ${minimalCell(r.loc.minimal, esc)} | ${submoduleCell(r.loc.submodule, esc)} | ${codeName(r.loc.fingerprint.id, 20, esc)} |`,
    );
  }
  if (rows.length > max) out.push('', `… and ${rows.length - max} more.`);
  return out;
}

export function findingsTable(findings: Finding[], max = 20, esc: Escape = escapeInline): string[] {
  if (!findings.length) return [];
  const out = ['| fingerprint | cases | failure | members |', '|---|---:|---|---|'];
  for (const f of findings.slice(0, max)) {
    const members =
      f.cases
        .slice(0, 6)
        .map((c) => codeName(c, 60, esc))
        .join(', ') + (f.cases.length > 6 ? ` … (+${f.cases.length - 6})` : '');
    out.push(
      `| ${codeName(f.fingerprint.id, 20, esc)} | ${f.cases.length} | ${esc(f.fingerprint.text, 200)} | ${members} |`,
    );
  }
  if (findings.length > max) out.push('', `… and ${findings.length - max} more fingerprints.`);
  return out;
}

/** The sections of a report: where failures start, findings, suspicious operators. */
export function localizationSections(
  input: {
    rows: LocalizedRow[];
    findings?: Finding[];
    suspicious?: SuspiciousRow[];
    failingWord: string;
    heading: string;
  },
  max = 50,
): string[] {
  const L: string[] = [];
  const top = concentrationLine(input.suspicious ?? [], input.failingWord);
  if (top || input.rows.length) L.push(`${input.heading} Where the ${input.failingWord} start`, '');
  if (top) L.push(top, '');
  if (input.rows.length) L.push(...localizationTable(input.rows, max), '');
  if (input.findings?.length)
    L.push(
      `${input.heading}# ${input.findings.length} distinct failure${input.findings.length === 1 ? '' : 's'} (by fingerprint)`,
      '',
      ...findingsTable(input.findings),
      '',
    );
  if (input.suspicious?.length)
    L.push(
      `<details><summary>Suspicious operators (Ochiai: failing cases that contain the operator vs passing ones)</summary>`,
      '',
      ...suspiciousTable(input.suspicious),
      '',
      '</details>',
      '',
    );
  const bundles = input.rows.filter((r) => r.loc.repro).slice(0, 5);
  if (bundles.length)
    L.push(
      `Reproducer bundles (model, inputs, expected outputs, \`repro.py\`, \`repro.mjs\`; \`convgate repro <id>\` runs one): ${bundles
        .map((r) => codeName(r.loc.repro!, 120))
        .join(', ')}${input.rows.filter((r) => r.loc.repro).length > 5 ? ' …' : ''}`,
      '',
    );
  return L;
}
