// Finding and writing the app's own marked comment on an issue or PR: exactly one per thread.

import type { ProbotOctokit } from 'probot';
import { isSelf, type AppIdentity } from './identity.js';

export interface IssueRef {
  owner: string;
  repo: string;
  issue_number: number;
}

export interface OwnComment {
  id: number;
  body: string;
}

/** This app's comments on the thread whose body passes `isOurs`, oldest first. */
export async function findOwnComments(
  octokit: ProbotOctokit,
  ref: IssueRef,
  identity: AppIdentity,
  isOurs: (body: string) => boolean,
): Promise<OwnComment[]> {
  const all = await octokit.paginate(octokit.rest.issues.listComments, { ...ref, per_page: 100 });
  return all
    .filter((c) => isSelf(c.user, c.performed_via_github_app, identity) && isOurs(c.body ?? ''))
    .map((c) => ({ id: c.id, body: c.body ?? '' }))
    .sort((a, b) => a.id - b.id);
}

/**
 * Keeps the oldest of our marked comments and deletes the others (left by a race between two
 * deliveries); returns the survivor.
 */
export async function dedupeOwnComments(
  octokit: ProbotOctokit,
  ref: IssueRef,
  comments: OwnComment[],
): Promise<OwnComment | undefined> {
  const [keep, ...extra] = comments;
  for (const c of extra)
    await octokit.rest.issues.deleteComment({ owner: ref.owner, repo: ref.repo, comment_id: c.id });
  return keep;
}

export type UpsertResult = 'created' | 'updated' | 'unchanged';

/** Creates the comment, or rewrites `existing` when its body differs. */
export async function writeComment(
  octokit: ProbotOctokit,
  ref: IssueRef,
  existing: OwnComment | undefined,
  body: string,
): Promise<UpsertResult> {
  if (!existing) {
    await octokit.rest.issues.createComment({ ...ref, body });
    return 'created';
  }
  if (existing.body === body) return 'unchanged';
  await octokit.rest.issues.updateComment({
    owner: ref.owner,
    repo: ref.repo,
    comment_id: existing.id,
    body,
  });
  return 'updated';
}
