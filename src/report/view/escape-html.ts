import { stripControls } from '../escape.js';
import { clipChars } from '../../util/text.js';

/**
 * Untrusted text (case ids, error messages, anything from a converter run or a fork) for HTML
 * text and attribute values: controls and bidi overrides removed, capped at `max` characters,
 * and `& < > " '` escaped so it can neither open a tag nor leave an attribute.
 */
export function escapeHtml(text: string, max = 2000): string {
  const head = clipChars(text, max + 1);
  const kept = head.length > max ? `${clipChars(head, max)}…` : head;
  return stripControls(kept)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
