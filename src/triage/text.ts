// Text preparation shared by the feature extractor and the evaluation:
// cut the description from comments, bound the work on very long bodies,
// and tokenize for the learned bag-of-words.

/** Line that separates the issue description from later comments in the labeled data. */
const COMMENT_SEPARATOR = /^--- comment ---\s*$/m;

/** The issue description only: what the app sees at `issues.opened`. */
export function descriptionOf(body: string | null | undefined): string {
  if (!body) return '';
  const m = COMMENT_SEPARATOR.exec(body);
  return m ? body.slice(0, m.index) : body;
}

// Long bodies are mostly logs; the head holds the prose and the tail the final exception,
// so keep both and drop the middle. Bounds regex and tokenizer work to keep < 5 ms/issue.
export const MAX_TITLE_CHARS = 1_000;
export const BODY_HEAD_CHARS = 8_000;
export const BODY_TAIL_CHARS = 4_000;

/** A line that states what failed or went wrong. */
const FAILURE_LINE =
  /error|exception|fail|assert|expected|\bgot\b|mismatch|wrong|incorrect|instead|not supported|unsupported|报错|错误|失败|エラー|오류|ошибк/i;

export interface PreparedText {
  title: string;
  body: string;
  /** Title and body joined, what the signal patterns scan. */
  all: string;
  /**
   * The title and the body lines that state the failure (error and exception lines, "expected
   * … got", "wrong", "instead of"), not the reproducer code around them: a dtype or a shape
   * named here is what went wrong, not merely what the user's model uses.
   */
  failure: string;
  truncated: boolean;
}

/** Marks the dropped middle of a long body. */
const CUT_MARK = '\n[…]\n';

/**
 * A body of any length cut to its first BODY_HEAD_CHARS and last BODY_TAIL_CHARS characters.
 * Idempotent: a body cut once comes out unchanged, so callers may cut before any other work.
 */
export function cutBody(body: string | null | undefined): string {
  const b = body ?? '';
  if (b.length <= BODY_HEAD_CHARS + BODY_TAIL_CHARS + CUT_MARK.length) return b;
  return `${b.slice(0, BODY_HEAD_CHARS)}${CUT_MARK}${b.slice(b.length - BODY_TAIL_CHARS)}`;
}

/**
 * The description of an issue body bounded by the cut: the body is cut to its head and tail
 * first, then cut at the first `--- comment ---` line, so no step reads more than the cut keeps
 * (a separator in the dropped middle is not seen; the App's issue bodies hold none).
 */
export function boundedDescriptionOf(body: string | null | undefined): string {
  return descriptionOf(cutBody(body));
}

export function prepareText(title: string | null | undefined, body: string | null | undefined): PreparedText {
  const t = (title ?? '').slice(0, MAX_TITLE_CHARS);
  const raw = body ?? '';
  let b = cutBody(raw);
  const truncated = b.length < raw.length || b.includes(CUT_MARK);
  b = b.replace(/\r\n?/g, '\n');
  const failureLines = b.split('\n').filter((line) => FAILURE_LINE.test(line));
  return { title: t, body: b, all: `${t}\n${b}`, failure: [t, ...failureLines].join('\n'), truncated };
}

// Words too common in issue templates and prose to say anything about the labels.
const STOPWORDS = new Set(
  (
    'the a an and or of to in on for with is are was were be been it its this that these those i we you he she ' +
    'they my our your me us at by as from but not no if then else when so do does did have has had can could ' +
    'would should will there here what which who how all any some such than too very just also only into out ' +
    'about after before up down over under again more most other same own both each few am being because ' +
    'while where why https http www com github html issue issues bug describe version versions python'
  ).split(' '),
);

const WORD_SPLIT = /[^\p{L}\p{N}_]+/u;
const MAX_TOKEN_CHARS = 40;

/**
 * Lower-cased word tokens with digit runs folded to '#' (opset9 and opset11 are one
 * feature); snake_case identifiers also yield their parts (symbolic_opset# -> symbolic, opset#).
 */
export function tokenize(text: string): Set<string> {
  const out = new Set<string>();
  for (const raw of text.toLowerCase().split(WORD_SPLIT)) {
    if (raw.length < 2 || raw.length > MAX_TOKEN_CHARS) continue;
    const word = raw.replace(/\d+/g, '#');
    if (/^[#_]+$/.test(word)) continue;
    if (!STOPWORDS.has(word)) out.add(word);
    if (word.includes('_')) {
      for (const part of word.split('_')) {
        if (part.length >= 2 && !STOPWORDS.has(part) && !/^#+$/.test(part)) out.add(part);
      }
    }
  }
  return out;
}

/**
 * Adjacent word pairs (lower-cased, digit runs folded to '#', joined by a space), so phrases a
 * single word misses count: "not supported", "data type", "shape inference". A pair of two
 * stopwords says nothing and is dropped; one stopword is kept ("not supported").
 */
export function wordBigrams(text: string): Set<string> {
  const out = new Set<string>();
  let previous: string | undefined;
  for (const raw of text.toLowerCase().split(WORD_SPLIT)) {
    if (raw.length < 2 || raw.length > MAX_TOKEN_CHARS) {
      previous = undefined;
      continue;
    }
    const word = raw.replace(/\d+/g, '#');
    if (previous !== undefined && !(STOPWORDS.has(previous) && STOPWORDS.has(word)))
      out.add(`${previous} ${word}`);
    previous = word;
  }
  return out;
}

// Exception class names as they appear in tracebacks and error lines: RuntimeError,
// torch.onnx.errors.UnsupportedOperatorError, onnxruntime's Fail / InvalidGraph.
const EXCEPTION_NAME = /\b(?:[a-z_][\w]*\.)*([A-Z][A-Za-z0-9]*(?:Error|Exception|Warning))\b/g;

export function exceptionNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(EXCEPTION_NAME)) out.add(m[1]);
  return out;
}
