import { describe, expect, it } from '@jest/globals';
import { escapeInline, truncate } from '../../src/report/escape.js';
import { clipChars, clipTail } from '../../src/util/text.js';
import { TailBuffer } from '../../src/util/tail-buffer.js';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('cutting text without splitting surrogate pairs', () => {
  it('clips at a code-unit count, backing off before a pair it would split', () => {
    expect(clipChars('ab😀c', 3)).toBe('ab');
    expect(clipChars('ab😀c', 4)).toBe('ab😀');
    expect(clipChars('abc', 10)).toBe('abc');
    expect(clipTail('a😀bc', 3)).toBe('bc');
    expect(clipTail('a😀bc', 4)).toBe('😀bc');
  });

  it('is used by every cap of untrusted text', () => {
    for (let n = 1; n < 12; n++) {
      const text = `${'x'.repeat(n)}😀😀😀😀😀 tail`;
      for (const max of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
        expect(truncate(text, max)).not.toMatch(LONE_SURROGATE);
        expect(escapeInline(text, max)).not.toMatch(LONE_SURROGATE);
      }
      const tail = new TailBuffer(7);
      tail.push(text.repeat(3));
      expect(tail.toString()).not.toMatch(LONE_SURROGATE);
    }
  });
});
