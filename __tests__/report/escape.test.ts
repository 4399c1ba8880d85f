import { describe, expect, it } from '@jest/globals';
import { codeBlock, escapeInline, neutralizeReferences, truncate } from '../../src/report/escape.js';

describe('escaping untrusted text', () => {
  it('neutralizes mentions and issue references', () => {
    const out = neutralizeReferences('ping @octocat about #12 and GH-3');
    expect(out).not.toMatch(/@octocat/);
    expect(out).not.toMatch(/#12/);
    expect(out).not.toMatch(/GH-3/);
    expect(out.replace(/\u200b/g, '')).toBe('ping @octocat about #12 and GH-3');
  });

  it('escapes HTML and table syntax in inline text', () => {
    const out = escapeInline('<img src=x onerror=alert(1)> | col');
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;img');
    expect(out).toContain('\\|');
  });

  it('keeps a code block closed', () => {
    const out = codeBlock('a ``` b');
    expect(out.match(/```/g)).toHaveLength(2);
  });

  it('caps long text and says how much was cut', () => {
    expect(truncate('x'.repeat(5_000_000), 100)).toBe('x'.repeat(100) + '… [4999900 more characters]');
    expect(escapeInline('y'.repeat(1000), 50).length).toBeLessThan(100);
  });
});
