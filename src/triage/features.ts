// Feature extraction: an issue becomes named features with values, plus the text that
// fired each hand-written signal (kept for the evidence shown to maintainers).
//   sig:<id>   hand-written signal (signals.ts), value 1
//   w:<token>  word from title + body (learned), value bowScale / sqrt(#words in vocabulary)
//   exc:<Name> exception class named in the text (learned), same scaling as words
//   b:<w1 w2>  adjacent word pair (learned when the model keeps pairs), same scaling as words

import { readFrames } from './frames.js';
import { DERIVED_SIGNALS, FRAME_SIGNALS, PATTERN_SIGNALS } from './signals.js';
import { exceptionNames, prepareText, tokenize, wordBigrams } from './text.js';

export interface IssueText {
  title: string;
  body: string | null;
}

export interface Extracted {
  /** Signal id -> the matched snippet ('' for derived signals). */
  signals: Map<string, string>;
  /** Candidate learned features (w:/exc:), before the vocabulary filter. */
  terms: Set<string>;
  truncated: boolean;
}

const SNIPPET_CONTEXT = 30;
const SNIPPET_MAX = 120;

function snippetAround(text: string, index: number, length: number): string {
  const start = Math.max(0, index - SNIPPET_CONTEXT);
  const end = Math.min(text.length, index + length + SNIPPET_CONTEXT);
  let s = text.slice(start, end).replace(/\s+/g, ' ').trim();
  if (s.length > SNIPPET_MAX) s = `${s.slice(0, SNIPPET_MAX)}…`;
  return s;
}

/**
 * Signals of an issue, and its candidate learned terms when `withTerms` (tokenizing costs
 * as much as all the patterns, so it is skipped for models that learned no words).
 */
export function extract(issue: IssueText, withTerms = true): Extracted {
  const text = prepareText(issue.title, issue.body);
  const signals = new Map<string, string>();
  for (const signal of PATTERN_SIGNALS) {
    const where =
      signal.scope === 'title' ? text.title : signal.scope === 'failure' ? text.failure : text.all;
    const m = signal.pattern.exec(where);
    if (m) signals.set(signal.id, snippetAround(where, m.index, m[0].length));
  }
  const frames = readFrames(text.all);
  for (const signal of FRAME_SIGNALS) {
    const frame = signal.deepest
      ? frames.deepest?.stage === signal.stage
        ? frames.deepest.frame
        : undefined
      : frames.stages.get(signal.stage);
    if (frame !== undefined) signals.set(signal.id, frame);
  }
  const fired = new Set(signals.keys());
  const textLength = text.all.trim().length;
  for (const signal of DERIVED_SIGNALS) if (signal.when(fired, textLength)) signals.set(signal.id, '');
  const terms = new Set<string>();
  if (withTerms) {
    for (const token of tokenize(text.all)) terms.add(`w:${token}`);
    for (const name of exceptionNames(text.all)) terms.add(`exc:${name}`);
    for (const pair of wordBigrams(text.all)) terms.add(`b:${pair}`);
  }
  return { signals, terms, truncated: text.truncated };
}

// Extraction is pure, and evaluation classifies the same issue objects many times (once per
// fold and repeat): results are kept per issue object while it lives.
const cache = [new WeakMap<IssueText, Extracted>(), new WeakMap<IssueText, Extracted>()];

/** `extract`, remembered per issue object (the object must not be changed afterwards). */
export function extractOf(issue: IssueText, withTerms = true): Extracted {
  const memo = cache[withTerms ? 1 : 0];
  let ex = memo.get(issue);
  if (!ex) {
    ex = extract(issue, withTerms);
    memo.set(issue, ex);
  }
  return ex;
}

/** Sparse feature vector keyed by feature name. */
export type FeatureValues = Map<string, number>;

/** Feature values of an extraction, given the learned vocabulary and the bag-of-words scale. */
export function featureValues(
  ex: Extracted,
  vocabulary: ReadonlySet<string>,
  bowScale: number,
): FeatureValues {
  const values: FeatureValues = new Map();
  for (const id of ex.signals.keys()) values.set(`sig:${id}`, 1);
  const known = [...ex.terms].filter((t) => vocabulary.has(t));
  // Normalized so long bodies do not outvote the signals merely by having more words.
  const v = known.length > 0 ? bowScale / Math.sqrt(known.length) : 0;
  for (const t of known) values.set(t, v);
  return values;
}
