/**
 * Text from converter runs and forks (error messages, case ids from a results file) is untrusted:
 * it must not inject markdown/HTML, ping people, or link issues when rendered on GitHub.
 */
import { clipChars } from '../util/text.js';

const ZERO_WIDTH_SPACE = '\u200b';

/** Neutralizes @-mentions and #123 / GH-123 references (GitHub would notify or cross-link). */
export function neutralizeReferences(text: string): string {
  return text
    .replace(/@(?=[A-Za-z0-9_-])/g, `@${ZERO_WIDTH_SPACE}`)
    .replace(/#(?=\d)/g, `#${ZERO_WIDTH_SPACE}`)
    .replace(/\b(GH)-(?=\d)/gi, `$1-${ZERO_WIDTH_SPACE}`);
}

/**
 * Stops GitHub from autolinking URLs (`https://…`, `www.…`) in untrusted text: a fork's error
 * message should not put a clickable link into a bot comment.
 */
export function neutralizeLinks(text: string): string {
  return text
    .replace(/\b([A-Za-z][A-Za-z0-9+.-]{1,15}):\/\//g, `$1:${ZERO_WIDTH_SPACE}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZERO_WIDTH_SPACE}.`);
}

/**
 * Removes control characters (except tab and newline) and Unicode bidi overrides/isolates,
 * which can make rendered text read differently from what it is ("Trojan Source").
 */
export function stripControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '');
}

/** Caps a string to `max` characters, saying how much was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const kept = clipChars(text, max);
  return `${kept}… [${text.length - kept.length} more characters]`;
}

/** For a markdown table cell or inline text: one line, HTML and markdown syntax escaped. */
export function escapeInline(text: string, max = 300): string {
  // Look at a bounded prefix only: untrusted text can be megabytes long.
  const head = clipChars(text, max * 4 + 64);
  const normalized = stripControls(head).replace(/\s+/g, ' ').trim();
  const kept = clipChars(normalized, max);
  const dropped = normalized.length - kept.length + (text.length - head.length);
  const shown = dropped > 0 ? `${kept}… [${dropped} more characters]` : kept;
  return neutralizeReferences(
    shown
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/([\\`*_{}[\]()|!~])/g, '\\$1'),
  );
}

/** For a fenced code block: the fence cannot be closed from inside. */
export function codeBlock(text: string, max = 2000): string {
  const body = neutralizeReferences(stripControls(truncate(text, max))).replace(/```/g, '`\u200b``');
  return '```text\n' + body + '\n```';
}

/** First line of an error message (what a table shows). */
export { firstLine } from './view/format.js';
