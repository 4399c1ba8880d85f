import { describe, expect, it } from '@jest/globals';
import { extract } from '../../src/triage/features.js';
import {
  BODY_HEAD_CHARS,
  BODY_TAIL_CHARS,
  boundedDescriptionOf,
  cutBody,
  descriptionOf,
  exceptionNames,
  prepareText,
  tokenize,
  wordBigrams,
} from '../../src/triage/text.js';

describe('descriptionOf', () => {
  it.each([
    ['no comments', 'export fails', 'export fails'],
    ['cut at the first separator line', 'body\n--- comment ---\nfirst\n--- comment ---\nsecond', 'body\n'],
    ['only comments', '--- comment ---\nanswer', ''],
    ['separator inside a line is kept', 'a --- comment --- b', 'a --- comment --- b'],
    ['null', null, ''],
  ])('%s', (_name, body, expected) => {
    expect(descriptionOf(body)).toBe(expected);
  });
});

describe('prepareText', () => {
  it('keeps short bodies whole and normalizes line ends', () => {
    const p = prepareText('T', 'a\r\nb');
    expect(p.body).toBe('a\nb');
    expect(p.truncated).toBe(false);
    expect(p.all).toBe('T\na\nb');
  });

  it('keeps the head and the tail of a long body', () => {
    const body = `HEAD${'x'.repeat(100_000)}TAIL`;
    const p = prepareText('T', body);
    expect(p.truncated).toBe(true);
    expect(p.body.startsWith('HEAD')).toBe(true);
    expect(p.body.endsWith('TAIL')).toBe(true);
    expect(p.body.length).toBeLessThan(BODY_HEAD_CHARS + BODY_TAIL_CHARS + 10);
  });

  it('accepts missing title and body', () => {
    expect(prepareText(null, undefined).all).toBe('\n');
  });
});

describe('tokenize', () => {
  it('folds digits, splits identifiers and drops stopwords', () => {
    const t = tokenize('The symbolic_opset11 handler for Conv2D is not there');
    expect(t).toContain('symbolic_opset#');
    expect(t).toContain('opset#');
    expect(t).toContain('conv#d');
    expect(t).not.toContain('the');
  });

  it('keeps non-Latin words', () => {
    expect(tokenize('转换 失败')).toContain('转换');
  });
});

describe('exceptionNames', () => {
  it('finds the class names, qualified or not', () => {
    const names = exceptionNames(
      'torch.onnx.errors.UnsupportedOperatorError: x\nKeyError: y\nTracerWarning: z',
    );
    expect([...names].sort()).toEqual(['KeyError', 'TracerWarning', 'UnsupportedOperatorError']);
  });
});

describe('extract', () => {
  it('looks for title signals in the title only', () => {
    expect(extract({ title: 'Add support for Einsum', body: '' }).signals.has('title-request')).toBe(true);
    expect(extract({ title: 'Einsum', body: 'add support for Einsum' }).signals.has('title-request')).toBe(
      false,
    );
  });

  it('records a snippet of the text that fired a signal', () => {
    const ex = extract({ title: 'x', body: 'the model gets stuck forever' });
    expect(ex.signals.get('hang')).toContain('stuck');
  });

  it('marks a request with no failure, but not an empty issue as silent', () => {
    expect(
      extract({ title: 'Please add support for Einsum', body: '' }).signals.has('request-without-failure'),
    ).toBe(true);
    expect(extract({ title: '', body: '' }).signals.has('no-failure-reported')).toBe(false);
  });
});

describe('boundedDescriptionOf (the cut comes before the description step)', () => {
  const limit = BODY_HEAD_CHARS + BODY_TAIL_CHARS + '\n[…]\n'.length;

  it('reads only what the head/tail cut keeps: a separator in the dropped middle is never seen', () => {
    // Were the description taken from the whole body first, the text after the separator (and
    // so TAIL) would be gone; it survives only because the middle was cut away before.
    const body = `HEAD${'a'.repeat(40_000)}\n--- comment ---\n${'b'.repeat(40_000)}TAIL`;
    const d = boundedDescriptionOf(body);
    expect(d.length).toBeLessThanOrEqual(limit);
    expect(d.startsWith('HEAD')).toBe(true);
    expect(d.endsWith('TAIL')).toBe(true);
  });

  it('still cuts at a separator the head holds', () => {
    expect(boundedDescriptionOf(`prose\n--- comment ---\n${'x'.repeat(50_000)}`)).toBe('prose\n');
  });

  it('is the cut itself for a 4 MB body of spaces, and cutting again changes nothing', () => {
    const d = boundedDescriptionOf(' '.repeat(4_000_000));
    expect(d.length).toBe(limit);
    expect(cutBody(d)).toBe(d);
    expect(prepareText('T', d).truncated).toBe(true);
  });
});

describe('wordBigrams', () => {
  it('pairs adjacent words, folds digits and drops pairs of two stopwords', () => {
    const pairs = wordBigrams('Op Round is not supported in opset 11. It is');
    expect(pairs).toContain('not supported');
    expect(pairs).toContain('opset #');
    expect(pairs).toContain('round is');
    expect(pairs).not.toContain('it is');
  });
});
