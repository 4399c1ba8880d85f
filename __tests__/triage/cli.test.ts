import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAppConfig, type AppConfig } from '../../src/app/config.js';
import { planLabels } from '../../src/app/label-plan.js';
import type { Triage } from '../../src/triage/classify.js';
import { appliedLabel, formatTriage, triageCommand } from '../../src/triage/cli.js';
import { FIELDS } from '../../src/triage/labels.js';
import { FIELD_THRESHOLDS, defaultLabelName } from '../../src/triage/policy.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'convgate-triage-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function capture() {
  let out = '';
  let err = '';
  return {
    io: { stdout: (s: string) => void (out += s), stderr: (s: string) => void (err += s) },
    out: () => out,
    err: () => err,
  };
}

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('convgate triage --jsonl', () => {
  it('writes one JSON line per issue with labels, confidences and evidence', async () => {
    const path = file(
      'issues.jsonl',
      [
        JSON.stringify({
          id: 'a',
          title: 'Export hangs forever',
          body: 'The export is stuck and never finishes.',
        }),
        '',
        JSON.stringify({ id: 7, title: 'Mish is not supported', body: null }),
        JSON.stringify({ id: 'c', title: 'No body field' }),
      ].join('\n'),
    );
    const c = capture();
    expect(await triageCommand({ jsonl: path }, c.io)).toBe(0);
    const lines = c
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(['a', 7, 'c']);
    expect(lines[0]).toMatchObject({ symptom: 'hang' });
    expect(lines[1]).toMatchObject({ symptom: 'crash', cause: 'incompatibility' });
    for (const l of lines) {
      expect(Object.keys(l).sort()).toEqual([
        'applied',
        'cause',
        'component',
        'confidence',
        'evidence',
        'id',
        'symptom',
      ]);
      expect(Object.keys(l.confidence).sort()).toEqual(['cause', 'component', 'symptom']);
      expect(Array.isArray(l.evidence.symptom)).toBe(true);
      for (const f of ['symptom', 'cause', 'component'] as const) {
        const backed = !l.evidence[f][0].startsWith('no specific cue');
        const applied = backed && l.confidence[f] >= FIELD_THRESHOLDS[f];
        expect(l.applied[f]).toBe(applied ? defaultLabelName(f, l[f]) : null);
      }
    }
    expect(c.err()).toBe('');
  });

  it('names the line and field of malformed input, before writing anything', async () => {
    const path = file(
      'bad.jsonl',
      `${JSON.stringify({ id: 'ok', title: 't', body: '' })}\n${JSON.stringify({ id: 'x', title: 42 })}\n`,
    );
    const c = capture();
    expect(await triageCommand({ jsonl: path }, c.io)).toBe(2);
    expect(c.err()).toContain('line 2');
    expect(c.err()).toContain("field 'title'");
    expect(c.out()).toBe('');
  });

  it('reports invalid JSON and a missing id', async () => {
    const c = capture();
    expect(await triageCommand({ jsonl: file('broken.jsonl', '{"id": "a", "title": ') }, c.io)).toBe(2);
    expect(c.err()).toMatch(/line 1: not valid JSON/);
    const d = capture();
    expect(await triageCommand({ jsonl: file('noid.jsonl', '{"title": "t"}') }, d.io)).toBe(2);
    expect(d.err()).toContain("field 'id'");
  });

  it('reports a missing file', async () => {
    const c = capture();
    expect(await triageCommand({ jsonl: join(dir, 'nope.jsonl') }, c.io)).toBe(2);
    expect(c.err()).toMatch(/cannot read .*nope\.jsonl: ENOENT/);
  });
});

describe('convgate triage --title', () => {
  it('prints a human-readable report of one issue', async () => {
    const body = file(
      'body.md',
      '```\nTraceback (most recent call last):\nValueError: tensorflow op Bucketize is not supported\n```',
    );
    const c = capture();
    expect(await triageCommand({ title: 'Conversion error', bodyFile: body }, c.io)).toBe(0);
    expect(c.out()).toMatch(/^symptom\s+crash\s+confidence \d\.\d\d/m);
    expect(c.out()).toMatch(/^cause\s+incompatibility/m);
    expect(c.out()).toMatch(/^component\s+node-conversion/m);
    expect(c.out()).toContain('is not supported');
  });

  it('accepts a title without a body', async () => {
    const c = capture();
    expect(await triageCommand({ title: 'Opset 19 support' }, c.io)).toBe(0);
    expect(c.out()).toMatch(/^symptom\s+unreported/m);
  });

  it('rejects missing or conflicting options', async () => {
    for (const opts of [{}, { bodyFile: 'x' }, { jsonl: 'a', title: 'b' }]) {
      const c = capture();
      expect(await triageCommand(opts, c.io)).toBe(2);
      expect(c.err()).toMatch(/convgate triage: /);
    }
  });
});

describe('convgate triage --explain', () => {
  it('shows per field the weighted evidence and the runner-up label with its probability', async () => {
    const body = file(
      'explain.md',
      'RuntimeError: Exporting the operator aten::histc to ONNX opset version 17 is not supported.\n  File "torch/onnx/symbolic_opset17.py", line 5',
    );
    const c = capture();
    expect(await triageCommand({ title: 'export of histc fails', bodyFile: body, explain: true }, c.io)).toBe(
      0,
    );
    const out = c.out();
    expect(out.match(/^ {4}runner-up: [a-z-]+ \(probability 0\.\d\d\)$/gm)).toHaveLength(3);
    expect(out).toMatch(/^ {4}- \+\d\.\d\d an operator or feature the converter does not support: "/m);
    const j = capture();
    const jsonl = file('explain.jsonl', JSON.stringify({ id: 1, title: 'export of histc fails', body: 'x' }));
    expect(await triageCommand({ jsonl, explain: true }, j.io)).toBe(0);
    const rec = JSON.parse(j.out());
    for (const f of FIELDS) {
      expect(rec.runnerUp[f].label).not.toBe(rec[f]);
      expect(rec.runnerUp[f].probability).toBeLessThanOrEqual(rec.confidence[f]);
    }
  });
});

describe('one threshold policy for the CLI and the App', () => {
  const defaults = (parseAppConfig(null) as { ok: true; config: AppConfig }).config;
  const verdict = (label: string, confidence: number, backed = true) => ({
    label,
    confidence,
    evidence: [backed ? 'cue' : 'no specific cue: the usual label for issues like this'],
    runnerUp: { label: 'other', probability: 1 - confidence },
    contributions: backed ? [{ evidence: 'cue', logit: 1 }] : [],
  });

  it('applies a label in the App exactly when the CLI says it is applied', () => {
    // 0.76 is the symptom confidence the App once applied while the CLI called it below threshold.
    const grid = [0, 0.5, 0.69, 0.7, 0.75, 0.76, 0.8, 0.85, 0.9, 0.95, 0.999, 1];
    for (const confidence of [...grid, ...FIELDS.map((f) => FIELD_THRESHOLDS[f])]) {
      const t = {
        symptom: verdict('crash', confidence),
        cause: verdict('shape-problem', confidence),
        // The base rate alone: never applied, by the CLI or the App.
        component: verdict('node-conversion', confidence, false),
      } as Triage;
      const plan = planLabels(t, defaults, [], { removedByOthers: new Set(), addedBySelf: new Set() });
      const text = formatTriage(t);
      for (const f of FIELDS) {
        const app = plan.fields.find((d) => d.field === f)!;
        const cli = appliedLabel(t, f);
        expect(app.status === 'apply' ? app.label : null).toBe(cli);
        if (f === 'component') expect(cli).toBeNull();
        else expect(cli !== null).toBe(confidence >= FIELD_THRESHOLDS[f]);
        const line = text.split('\n').find((l) => l.startsWith(`${f} `))!;
        expect(line.endsWith(cli ? `applies "${cli}"` : ': needs-triage')).toBe(true);
        if (f === 'component') expect(line).toContain('no supporting cue');
      }
    }
  });
});
