// The hidden marker at the top of the app's PR comment: finds "our" comment again and records
// which gate run it shows, so a re-delivered webhook or a re-run updates it and an older run
// never overwrites a newer one.

import { z } from 'zod';

const PREFIX = '<!-- convgate:pr-comment ';
const SUFFIX = ' -->';

export const CommentState = z.object({
  v: z.literal(1),
  /** Workflow run id (grows with every new run of the repository's workflows). */
  runId: z.number().int().nonnegative(),
  /** Re-runs keep the run id and increase the attempt. */
  attempt: z.number().int().positive(),
  /** Commit the run tested. */
  sha: z.string().regex(/^[0-9a-f]{7,64}$/),
  /** A newer commit was pushed after this result (set on pull_request.synchronize). */
  outdated: z.boolean().optional(),
});
export type CommentState = z.infer<typeof CommentState>;

export function encodeMarker(state: CommentState): string {
  // Only numbers, a hex sha and booleans: nothing can close the HTML comment.
  return `${PREFIX}${JSON.stringify(CommentState.parse(state))}${SUFFIX}`;
}

export function hasMarker(body: string | null | undefined): boolean {
  return typeof body === 'string' && body.startsWith(PREFIX);
}

/** The state recorded in a comment body, or null when the body has no (valid) marker. */
export function decodeMarker(body: string | null | undefined): CommentState | null {
  if (!hasMarker(body)) return null;
  const end = body!.indexOf(SUFFIX, PREFIX.length);
  if (end < 0) return null;
  try {
    const parsed = CommentState.safeParse(JSON.parse(body!.slice(PREFIX.length, end)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The comment body without its marker line. */
export function stripMarker(body: string): string {
  if (!hasMarker(body)) return body;
  const end = body.indexOf(SUFFIX, PREFIX.length);
  return end < 0 ? body : body.slice(end + SUFFIX.length).replace(/^\n/, '');
}

/** Order of two runs: by run id, then attempt. */
export function compareRuns(
  a: { runId: number; attempt: number },
  b: { runId: number; attempt: number },
): number {
  return a.runId - b.runId || a.attempt - b.attempt;
}

export type CommentDecision =
  /** No comment yet. */
  | 'create'
  /** The incoming run is newer (or the same run re-delivered): rewrite the comment. */
  | 'update'
  /** The comment already shows a newer run: leave it. */
  | 'keep-newer';

export function decideComment(
  existing: CommentState | null,
  incoming: { runId: number; attempt: number },
): CommentDecision {
  if (!existing) return 'create';
  return compareRuns(incoming, existing) >= 0 ? 'update' : 'keep-newer';
}
