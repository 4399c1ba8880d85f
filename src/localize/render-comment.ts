import type { GateReport } from '../gate/schema.js';
import {
  codeName,
  concentrationLine,
  divergingCell,
  minimalCell,
  submoduleCell,
  suspiciousTable,
  type Escape,
} from './render.js';

/**
 * Localization in the PR comment (v2 reports; v1 reports have none): the concentration line,
 * the distinct failures (one row per fingerprint, with a representative case's diverging node and
 * minimal reproducer) and the suspicious operators, folded. `esc` is the App's escaper (links and
 * mentions neutralised). Lines are offered one at a time to `fits`, which keeps the comment in
 * its size budget; a table stops where the budget ends.
 */
export function commentLocalization(
  report: GateReport,
  esc: Escape,
  fits: (line: string) => boolean,
): string[] {
  const out: string[] = [];
  const push = (line: string) => {
    if (!fits(line)) return false;
    out.push(line);
    return true;
  };
  const top = concentrationLine(report.suspicious ?? [], 'regressions', esc);
  if (top && push(`**${top}**`)) push('');
  const byId = new Map(report.regressions.map((r) => [r.id, r]));
  const findings = report.findings ?? [];
  if (findings.length) {
    push(`#### ${findings.length} distinct failure${findings.length === 1 ? '' : 's'} (by fingerprint)`);
    push('');
    push('| cases | where it starts | minimal reproducer / submodule | example |');
    push('|---:|---|---|---|');
    for (const f of findings.slice(0, 20)) {
      const c =
        f.cases.map((id) => byId.get(id)).find((r) => r?.minimal ?? r?.submodule) ?? byId.get(f.cases[0]);
      const reduced = c?.minimal ? minimalCell(c.minimal, esc) : submoduleCell(c?.submodule, esc);
      const row = `| ${f.cases.length} | ${divergingCell(c?.divergingNode, esc)} | ${reduced} | ${codeName(c?.id ?? f.cases[0], 80, esc)}${f.cases.length > 1 ? ` +${f.cases.length - 1}` : ''} |`;
      if (!push(row)) break;
    }
    push('');
  }
  const table = suspiciousTable(report.suspicious ?? [], 10, esc);
  if (table.length) {
    push('<details>');
    push('<summary>Suspicious operators</summary>');
    push('');
    for (const line of table) if (!push(line)) break;
    push('');
    push('</details>');
    push('');
  }
  return out;
}
