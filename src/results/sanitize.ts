import { stripVTControlCharacters } from 'node:util';
import type { CaseError } from './schema.js';

/**
 * Absolute paths that make error text machine-specific, each replaced by a stable placeholder:
 * two runs of the same converter on different machines (or folders) record the same text, so
 * diffs, triage and PR comments compare messages, not home folders.
 */
export interface PathPlaceholders {
  caseDir?: string;
  outDir?: string;
  sitePackages?: readonly string[];
  /** The convgate installation (its python/ worker, corpus/). */
  tool?: string;
  pythonPrefix?: string;
  pythonBasePrefix?: string;
  home?: string;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Strips ANSI colour/cursor codes and replaces the known absolute paths by placeholders. */
export function sanitizeText(text: string, p: PathPlaceholders): string {
  let out = stripVTControlCharacters(text);
  const pairs: [string | undefined, string][] = [
    [p.caseDir, '<case>'],
    [p.outDir, '<out>'],
    ...(p.sitePackages ?? []).map((s): [string, string] => [s, '<site-packages>']),
    [p.tool, '<convgate>'],
    [p.pythonPrefix, '<python>'],
    [p.pythonBasePrefix, '<python>'],
    [p.home, '~'],
  ];
  // Longest first, so a site-packages folder inside the home folder keeps its own placeholder.
  const ordered = pairs
    .filter((x): x is [string, string] => typeof x[0] === 'string' && x[0].length > 1 && x[0] !== '/')
    .map(([from, to]): [string, string] => [from.replace(/\/+$/, ''), to])
    .sort((a, b) => b[0].length - a[0].length);
  for (const [from, to] of ordered) {
    // Only whole path components: /root must not rewrite /rootfs.
    out = out.replace(new RegExp(`${escape(from)}(?=$|[/\\s'":),\\]])`, 'g'), to);
  }
  return out;
}

export function sanitizeError(error: CaseError, p: PathPlaceholders): CaseError {
  return {
    ...error,
    message: sanitizeText(error.message, p),
    ...(error.traceback ? { traceback: error.traceback.map((l) => sanitizeText(l, p)) } : {}),
  };
}
