import { describe, expect, it } from '@jest/globals';
import { COVERAGE_METRICS, type CaseChange, type GateReport } from '../../src/gate/schema.js';
import { decideComment, decodeMarker, encodeMarker } from '../../src/app/marker.js';
import {
  markCommentOutdated,
  MAX_COMMENT_CHARS,
  renderPrComment,
  type GateRunInfo,
} from '../../src/app/render-pr-comment.js';
import { gateReport } from './support/gate-fixture.js';

const SHA = 'ab12cd34'.repeat(5);
const RUN: GateRunInfo = {
  runId: 501,
  attempt: 1,
  headSha: SHA,
  runUrl: 'https://github.com/o/r/actions/runs/501',
  artifactUrl: 'https://github.com/o/r/actions/runs/501/artifacts/9',
  conclusion: 'failure',
};

function render(
  report: GateReport,
  extra: Partial<Parameters<typeof renderPrComment>[0]> = {},
  maxRows = 25,
): string {
  return renderPrComment(
    { run: RUN, outcome: { kind: 'report', report }, prHeadSha: SHA, ...extra },
    { maxRows },
  );
}

function regression(id: string, message: string): CaseChange {
  return {
    id,
    kind: 'real',
    family: 'x',
    before: 'ok',
    after: 'conversion-crash',
    maxAbsErrBefore: 1e-7,
    maxAbsErrAfter: null,
    error: { stage: 'export', type: 'RuntimeError', message },
    operators: ['aten::stft'],
  };
}

describe('PR comment rendering', () => {
  const body = render(gateReport());

  it('starts with the hidden marker recording the run', () => {
    expect(decodeMarker(body)).toEqual({ v: 1, runId: 501, attempt: 1, sha: SHA });
  });

  it('shows the verdict and one table row per regression: case, before → after, error, operator', () => {
    expect(body).toContain('### ❌ convgate: 2 regressions');
    const rows = body
      .split('\n')
      .filter((l) => l.startsWith('| unexportable-fft') || l.startsWith('| wrong-symbolic'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(
      /\| unexportable-fft \| ok → conversion-crash \| 1\.00e-7 → — \| export: torch\.onnx\.errors\.UnsupportedOperatorError: Exporting the operator 'aten::fft\\_rfft'/,
    );
    expect(rows[0]).toMatch(/\| aten::fft\\_rfft \|$/);
    expect(rows[1]).toMatch(/\| wrong-symbolic \| ok → wrong-output \| 1\.00e-7 → 0\.929 \|/);
  });

  it('folds fixes, flakes, still failing and the rest; shows counts, timing and coverage deltas and links', () => {
    expect(body).toMatch(/<summary>Fixes \(1\)<\/summary>[\s\S]*\| tiny-mlp \| conversion-crash → ok/);
    expect(body).toMatch(
      /<summary>Flaky[^<]*\(1\)<\/summary>[\s\S]*\| invalid-transpose \| ok → invalid-model \| ok, ok \|/,
    );
    expect(body).toContain('<summary>Still failing (2)</summary>');
    expect(body).toContain('2 still failing');
    expect(body).toMatch(/\*\*Time:\*\* 32\.4 s \(baseline 25\.9 s, \+25\.0%\)/);
    expect(body).toContain('| opTypes | 31 → 33 (+2) |');
    expect(body).toContain('[#501](https://github.com/o/r/actions/runs/501)');
    expect(body).toContain('[gate artifact](https://github.com/o/r/actions/runs/501/artifacts/9)');
  });

  it('neutralizes hostile text from the artifact: mentions, #refs, HTML, markdown, huge messages', () => {
    const report = gateReport();
    const message = `@octocat please see #1 and GH-2 <script>alert(1)</script> | ](javascript:x) ${'A'.repeat(5_000_000)}`;
    report.regressions = [regression('<img src=x onerror=alert(1)>', message)];
    report.reason = '@everyone <b>pwned</b>';
    report.candidate.converter = '[click](https://evil.example) @admin';
    const out = render(finalize(report));
    expect(out.length).toBeLessThan(MAX_COMMENT_CHARS);
    expect(out).not.toMatch(/@octocat|@everyone|@admin/);
    expect(out).not.toMatch(/#1\b|GH-2/);
    expect(out).not.toMatch(/<img|<script|<b>/);
    expect(out).not.toContain('[click](');
    expect(out).not.toContain('https://evil'); // no autolink
    // The 5 MB message is cut to one cell, saying how much was dropped.
    const dropped = 'export: RuntimeError: '.length + message.length - 160;
    expect(out).toContain(`AAAA… \\[${dropped} more characters\\]`);
    // The markdown table still has its five columns.
    const row = out.split('\n').find((l) => l.includes('onerror'))!;
    expect(row.split(/(?<!\\)\|/).length).toBe(7);
  });

  it('stays under GitHub’s comment size limit with thousands of cases, folding what does not fit', () => {
    const report = gateReport();
    report.regressions = Array.from({ length: 3000 }, (_, i) =>
      regression(`case-${i}`, `boom ${'x'.repeat(300)}`),
    );
    report.stillFailing = Array.from({ length: 3000 }, (_, i) => regression(`old-${i}`, 'still'));
    const out = render(finalize(report), {}, 10);
    expect(out.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(out).toContain('### ❌ convgate: 3000 regressions');
    expect(out).toMatch(/<summary>2990 more regressions<\/summary>/);
    expect(out).toMatch(/more not shown here: see the gate artifact/);
    expect(out).toContain('[#501]'); // footer survives
  });

  /** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
  const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

  it('never exceeds GitHub’s 65,536 characters, measured on the final body, whatever the artifact holds', () => {
    // `&` becomes `&amp;` (5×) after every cap; every coverage number, mismatches, reason, notes, slow rows.
    const amp = (n: number) => '&'.repeat(n);
    const many = (prefix: string, n: number): CaseChange[] =>
      Array.from({ length: n }, (_, i) => ({
        ...regression(`${prefix}${i}${amp(200)}`, amp(5000)),
        operators: Array.from({ length: 6 }, () => amp(60)),
        note: amp(400),
        reruns: ['ok', 'hang'],
      }));
    const report = gateReport();
    report.regressions = many('r', 120);
    report.flaky = many('f', 120);
    report.fixes = many('x', 120);
    report.changedFailures = many('c', 120);
    report.stillFailing = many('s', 120);
    report.new = many('n', 120);
    report.removed = many('d', 120);
    report.missing = many('m', 120);
    report.referenceErrors = many('e', 120);
    report.slow = Array.from({ length: 200 }, (_, i) => ({
      id: `slow${i}${amp(200)}`,
      family: amp(50),
      metric: 'run' as const,
      beforeMs: 1,
      afterMs: 3,
      ratio: 3,
    }));
    report.mismatches = Array.from({ length: 5 }, () => amp(400));
    report.reason = amp(2000);
    report.candidate.converter = amp(500);
    report.coverage = Object.fromEntries(COVERAGE_METRICS.map((k) => [k, { before: 1, after: 2 }]));
    for (const maxRows of [1, 25, 200]) {
      const out = render(finalize(report), { prHeadSha: 'f'.repeat(40) }, maxRows);
      expect(out.length).toBeLessThanOrEqual(65_536);
      expect(out).toContain('### ❌ convgate');
      expect(out).toContain('[#501]'); // the footer is never cut off
      expect(out).toContain('**Outdated:**');
    }
  });

  it('never splits a surrogate pair when it shortens text', () => {
    const report = gateReport();
    // Every cap lands between the two halves of an emoji somewhere in these strings.
    const emojiAt = (n: number) => `${'a'.repeat(n)}😀😀😀`;
    report.regressions = Array.from({ length: 400 }, (_, i) => ({
      ...regression(emojiAt(100 + (i % 40)), emojiAt(140 + (i % 40))),
      operators: [emojiAt(30 + (i % 20))],
      note: emojiAt(150 + (i % 20)),
    }));
    report.reason = emojiAt(299);
    report.coverage = { cases: 3, ops: [emojiAt(59)] };
    for (const maxChars of [undefined, 5000, 20_001]) {
      const out = renderPrComment(
        { run: RUN, outcome: { kind: 'report', report: finalize(report) }, prHeadSha: SHA },
        { maxRows: 200, ...(maxChars ? { maxChars } : {}) },
      );
      expect(out).not.toMatch(LONE_SURROGATE);
      if (maxChars) expect(out.length).toBeLessThanOrEqual(maxChars);
    }
  });

  it('renders a pass and a run without a usable artifact', () => {
    const pass = gateReport();
    pass.regressions = [];
    expect(render(finalize(pass))).toContain('### ✅ convgate: no regressions (1 flaky)');
    const none = renderPrComment(
      {
        run: { ...RUN, artifactUrl: undefined },
        outcome: { kind: 'unavailable', problem: 'entry "../x": path escapes @team' },
      },
      { maxRows: 5 },
    );
    expect(none).toContain('### ⚠️ convgate: no gate result');
    expect(none).toContain('run conclusion: failure');
    expect(none).not.toContain('@team');
  });

  it('marks a result for an older commit as outdated, and can mark an existing comment outdated', () => {
    const newer = 'ff'.repeat(20);
    expect(render(gateReport(), { prHeadSha: newer })).toContain('**Outdated:**');
    expect(decodeMarker(render(gateReport(), { prHeadSha: newer }))?.outdated).toBe(true);
    const marked = markCommentOutdated(body, newer)!;
    expect(decodeMarker(marked)).toEqual({ v: 1, runId: 501, attempt: 1, sha: SHA, outdated: true });
    expect(marked).toContain(`head is now \`${newer.slice(0, 7)}\``);
    expect(marked.indexOf('**Outdated:**')).toBeGreaterThan(marked.indexOf('### ❌'));
    expect(markCommentOutdated(marked, newer)).toBeNull(); // already outdated
    expect(markCommentOutdated(body, SHA)).toBeNull(); // same commit
    expect(markCommentOutdated('a human comment', newer)).toBeNull();
  });
});

describe('run ordering', () => {
  const shown = { v: 1 as const, runId: 10, attempt: 2, sha: SHA };
  it('creates, updates for newer runs and attempts, keeps a newer comment', () => {
    expect(decideComment(null, { runId: 1, attempt: 1 })).toBe('create');
    expect(decideComment(shown, { runId: 11, attempt: 1 })).toBe('update');
    expect(decideComment(shown, { runId: 10, attempt: 3 })).toBe('update');
    expect(decideComment(shown, { runId: 10, attempt: 2 })).toBe('update'); // re-delivery
    expect(decideComment(shown, { runId: 10, attempt: 1 })).toBe('keep-newer');
    expect(decideComment(shown, { runId: 9, attempt: 5 })).toBe('keep-newer');
  });

  it('ignores forged or broken markers', () => {
    expect(decodeMarker(encodeMarker(shown).replace('"runId":10', '"runId":"x"'))).toBeNull();
    expect(decodeMarker('<!-- convgate:pr-comment {not json} -->')).toBeNull();
    expect(() => encodeMarker({ ...shown, sha: '--> <script>' })).toThrow();
  });
});

function finalize(r: GateReport): GateReport {
  r.counts.regressions = r.regressions.length;
  r.counts.stillFailing = r.stillFailing.length;
  r.verdict = r.regressions.length ? 'fail' : 'pass';
  r.reason = r.regressions.length ? r.reason : 'no confirmed regressions (1 flaky)';
  return r;
}
