/**
 * Cutting text that may hold any Unicode: a UTF-16 string cut between the two halves of a
 * surrogate pair (an emoji, say) leaves a lone surrogate, which GitHub shows as garbage and some
 * JSON/UTF-8 encoders refuse. These cut at code-unit counts (what length limits count) but never
 * inside a pair.
 */
const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** At most `max` UTF-16 code units from the start of `text`, never ending inside a surrogate pair. */
export function clipChars(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, Math.floor(max));
  if (end > 0 && isHigh(text.charCodeAt(end - 1)) && isLow(text.charCodeAt(end))) end--;
  return text.slice(0, end);
}

/** At most the last `max` UTF-16 code units of `text`, never starting inside a surrogate pair. */
export function clipTail(text: string, max: number): string {
  if (text.length <= max) return text;
  let start = text.length - Math.max(0, Math.floor(max));
  if (start < text.length && isLow(text.charCodeAt(start)) && isHigh(text.charCodeAt(start - 1))) start++;
  return text.slice(start);
}

/** The first non-blank line, found without splitting a possibly huge message. */
export function firstLine(text: string): string {
  const start = text.search(/\S/);
  if (start < 0) return '';
  const lineStart = text.lastIndexOf('\n', start) + 1;
  const end = text.indexOf('\n', start);
  return text.slice(lineStart, end < 0 ? text.length : end);
}
