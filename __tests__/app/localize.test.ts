/**
 * Gate reports v1 (before localization) and v2 (with it) in the App: both are accepted from the
 * artifact; v2's diverging nodes, findings and suspicious operators are shown, escaped.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gateReportFromZip } from '../../src/app/artifact.js';
import { renderPrComment, type GateRunInfo } from '../../src/app/render-pr-comment.js';
import { renderGateReport } from '../../src/gate/render.js';
import { GATE_SCHEMA_VERSION, GateReport } from '../../src/gate/schema.js';
import { ResultsDoc, SCHEMA_VERSION } from '../../src/results/schema.js';
import { gateZip } from './support/gate-fixture.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'app');
const v1 = () =>
  JSON.parse(readFileSync(path.join(FIXTURES, 'gate-report-v1.json'), 'utf8')) as Record<string, unknown>;
const run: GateRunInfo = {
  runId: 7,
  attempt: 1,
  headSha: 'a'.repeat(40),
  runUrl: 'https://github.com/o/r/actions/runs/7',
  conclusion: 'failure',
};

/** A v2 report: v1 plus localization, with hostile text where the converter's output goes. */
function v2(): GateReport {
  const r = GateReport.parse(v1());
  const hostile = '@octocat <img src=x> `x` | #12 https://evil.example';
  r.regressions[0] = {
    ...r.regressions[0],
    divergingNode: {
      node: `/enc/${hostile}/Softmax`,
      op: 'Softmax',
      function: 'softmax',
      module: 'enc.attn',
      moduleType: 'Attention',
      via: 'values',
      ops: ['MatMul', 'Softmax'],
    },
    minimal: {
      opsBefore: ['linear', 'softmax', 'add'],
      opsAfter: ['softmax'],
      trials: 7,
      elapsedMs: 1200,
      budget: { trials: 40, seconds: 60 },
      exhausted: false,
    },
    fingerprint: { id: 'abcdef012345', text: `wrong-output | Softmax in softmax | ${hostile}` },
  };
  r.regressions[1] = {
    ...r.regressions[1],
    submodule: {
      path: 'blocks.0.attn',
      type: 'Attention',
      call: 0,
      trials: 4,
      elapsedMs: 900,
      budget: { trials: 40, seconds: 60 },
      exhausted: false,
    },
    fingerprint: { id: 'abcdef012345', text: 'wrong-output | Softmax in softmax | values' },
  };
  r.findings = [
    {
      fingerprint: { id: 'abcdef012345', text: `wrong-output | Softmax in softmax | ${hostile}` },
      cases: r.regressions.map((c) => c.id),
      op: 'Softmax',
    },
  ];
  r.suspicious = [
    {
      kind: 'op',
      name: 'Softmax',
      score: 1,
      failing: 2,
      failingTotal: 2,
      passing: 0,
      passingTotal: 9,
      diverging: 2,
    },
    {
      kind: 'pair',
      name: 'MatMul→Softmax',
      score: 0.8,
      failing: 2,
      failingTotal: 2,
      passing: 1,
      passingTotal: 9,
    },
  ];
  return r;
}

describe('schema versions', () => {
  it('an old (v1) gate report from an artifact is accepted and read as the current version', () => {
    const report = gateReportFromZip(gateZip(v1()));
    expect(report.schemaVersion).toBe(GATE_SCHEMA_VERSION);
    expect(GATE_SCHEMA_VERSION).toBe(2);
    expect(report.regressions.length).toBe(2);
    const body = renderPrComment({ run, outcome: { kind: 'report', report } }, { maxRows: 20 });
    expect(body).toContain('#### Regressions (2)');
    expect(body).not.toContain('distinct failure');
  });

  it('a v2 report round-trips; an unknown version is refused with the field named', () => {
    const report = gateReportFromZip(gateZip(JSON.parse(JSON.stringify(v2()))));
    expect(report.regressions[0].divergingNode?.function).toBe('softmax');
    expect(() => gateReportFromZip(gateZip({ ...v1(), schemaVersion: 3 }))).toThrow(/schemaVersion/);
  });

  it('old (v1) results documents are read as well', () => {
    const doc = ResultsDoc.parse(
      JSON.parse(readFileSync(path.join(FIXTURES, 'candidate.results.json'), 'utf8')),
    );
    expect(SCHEMA_VERSION).toBe(2);
    expect(doc.schemaVersion).toBe(2);
  });
});

describe('localization in the PR comment and the job summary', () => {
  it('shows where the regressions start, one row per fingerprint, and the suspicious operators', () => {
    const body = renderPrComment({ run, outcome: { kind: 'report', report: v2() } }, { maxRows: 20 });
    expect(body).toContain(
      '**Regressions concentrate on `Softmax` (ONNX op): it is implicated in 2/2 failing cases and appears in 0 of 9 passing ones.**',
    );
    expect(body).toContain('#### 1 distinct failure (by fingerprint)');
    expect(body).toMatch(
      /\| 2 \| \*\*`Softmax`\*\* in `softmax\(\)` · node .* · module `enc\.attn` \(`Attention`\)/,
    );
    expect(body).toContain('3 → 1 nodes: `softmax` (7 trials, 1.2 s)');
    expect(body).toContain('<summary>Suspicious operators</summary>');
    // Hostile node name: no mention, no HTML, no link, no broken table.
    expect(body).not.toMatch(/@octocat/);
    expect(body).not.toContain('<img');
    expect(body).not.toContain('https://evil');
    const row = body.split('\n').find((l) => l.startsWith('| 2 | **`Softmax`**'))!;
    expect(row.split(/(?<!\\)\|/).length).toBe(6); // 4 cells: the escaped | stays inside its cell
  });

  it('stays within the comment size budget', () => {
    const r = v2();
    r.findings = Array.from({ length: 400 }, (_, i) => ({
      fingerprint: { id: `f${i}`.padEnd(12, '0'), text: 'x'.repeat(200) },
      cases: [r.regressions[0].id],
    }));
    const body = renderPrComment(
      { run, outcome: { kind: 'report', report: r } },
      { maxRows: 20, maxChars: 12_000 },
    );
    expect(body.length).toBeLessThanOrEqual(12_000);
  });

  it('the job summary (gate.md) has the same sections', () => {
    const md = renderGateReport(v2());
    expect(md).toContain('### Where the regressions start');
    expect(md).toContain('#### 1 distinct failure (by fingerprint)');
    expect(md).toContain('| 1 | `Softmax` | ONNX op | 2/2 | 0/9 | 2 | 1.00 |');
    expect(md).not.toContain('<img');
  });
});
