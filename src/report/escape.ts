/**
 * Text from converter runs and forks (error messages, case ids from a results file) is untrusted:
 * it must not inject markdown/HTML, ping people, or link issues when rendered on GitHub.
 */
const ZERO_WIDTH_SPACE = '\u200b';

/** Neutralizes @-mentions and #123 / GH-123 references (GitHub would notify or cross-link). */
export function neutralizeReferences(text: string): string {
  return text
    .replace(/@(?=[A-Za-z0-9_-])/g, `@${ZERO_WIDTH_SPACE}`)
    .replace(/#(?=\d)/g, `#${ZERO_WIDTH_SPACE}`)
    .replace(/\b(GH)-(?=\d)/gi, `$1-${ZERO_WIDTH_SPACE}`);
}

/** Caps a string to `max` characters, saying how much was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

/** For a markdown table cell or inline text: one line, HTML and markdown syntax escaped. */
export function escapeInline(text: string, max = 300): string {
  const oneLine = truncate(text.replace(/\r?\n/g, ' ').replace(/\s+/g, ' ').trim(), max);
  return neutralizeReferences(
    oneLine
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/([\\`*_{}[\]()|!~])/g, '\\$1'),
  );
}

/** For a fenced code block: the fence cannot be closed from inside. */
export function codeBlock(text: string, max = 2000): string {
  const body = neutralizeReferences(truncate(text, max)).replace(/```/g, '`\u200b``');
  return '```text\n' + body + '\n```';
}

/** First line of an error message (what a table shows). */
export function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim()) ?? '';
}
