// The additions to src/report/escape.ts made for the app.

import { describe, expect, it } from '@jest/globals';
import { escapeInline, neutralizeLinks, stripControls } from '../../src/report/escape.js';

describe('escape.ts additions', () => {
  it('strips control and bidi-override characters', () => {
    expect(stripControls('a\u202eb\u0007c\u2066d\td\ne')).toBe('abcd\td\ne');
    expect(escapeInline('safe\u202Etxt.exe')).toBe('safetxt.exe');
  });

  it('stops URLs from being autolinked', () => {
    const out = neutralizeLinks('see https://evil.example/x and www.evil.example');
    expect(out).not.toMatch(/https:\/\/|www\./);
    expect(out.replace(/\u200b/g, '')).toBe('see https://evil.example/x and www.evil.example');
  });

  // Behaviour only: wall-time limits belong in a bench script, not in a unit test on a shared machine.
  it('caps megabytes of text and counts what was dropped', () => {
    const out = escapeInline(`start ${'x'.repeat(5_000_000)}`, 20);
    expect(out).toBe(`start xxxxxxxxxxxxxx… \\[${5_000_006 - 20} more characters\\]`);
  });
});
