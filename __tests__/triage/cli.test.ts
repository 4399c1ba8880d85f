import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { triageCommand } from '../../src/triage/cli.js';

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
        'cause',
        'component',
        'confidence',
        'evidence',
        'id',
        'symptom',
      ]);
      expect(Object.keys(l.confidence).sort()).toEqual(['cause', 'component', 'symptom']);
      expect(Array.isArray(l.evidence.symptom)).toBe(true);
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
