import { readFileSync } from 'node:fs';

/**
 * What the gate needs from the workflow event. Read from the runner's environment and event
 * payload directly (not @actions/github: the Action makes no API calls, so it need not bundle
 * Octokit).
 */
export interface EventInfo {
  name: string;
  /** The commit whose converter is the candidate (a pull request's head, else GITHUB_SHA). */
  sha: string | null;
  /** The commit whose baseline the candidate is compared with (base of the PR, previous push…). */
  baseSha: string | null;
  /** A run on the default branch (push, schedule, manual): its results become a baseline. */
  onDefaultBranch: boolean;
  /** For messages: "pull request #12", "push to main". */
  description: string;
}

const ZERO_SHA = /^0+$/;

interface Payload {
  pull_request?: { number?: number; base?: { sha?: string; ref?: string }; head?: { sha?: string } };
  merge_group?: { base_sha?: string; head_sha?: string };
  before?: string;
  repository?: { default_branch?: string };
}

export function readEvent(env: NodeJS.ProcessEnv = process.env): EventInfo {
  const name = env.GITHUB_EVENT_NAME ?? '';
  let payload: Payload = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as Payload;
    } catch (e) {
      throw new Error(`cannot read the event payload ${env.GITHUB_EVENT_PATH}: ${(e as Error).message}`);
    }
  }
  const sha = env.GITHUB_SHA || null;
  const ref = env.GITHUB_REF ?? '';
  const defaultBranch = payload.repository?.default_branch;
  const onDefaultBranch =
    !!defaultBranch &&
    ref === `refs/heads/${defaultBranch}` &&
    ['push', 'schedule', 'workflow_dispatch'].includes(name);

  if ((name === 'pull_request' || name === 'pull_request_target') && payload.pull_request) {
    const pr = payload.pull_request;
    return {
      name,
      sha: pr.head?.sha ?? sha,
      baseSha: pr.base?.sha ?? null,
      onDefaultBranch: false,
      description: `pull request #${pr.number ?? '?'} into ${pr.base?.ref ?? '?'}`,
    };
  }
  if (name === 'merge_group' && payload.merge_group) {
    return {
      name,
      sha: payload.merge_group.head_sha ?? sha,
      baseSha: payload.merge_group.base_sha ?? null,
      onDefaultBranch: false,
      description: 'merge queue',
    };
  }
  const before = name === 'push' && payload.before && !ZERO_SHA.test(payload.before) ? payload.before : null;
  return {
    name,
    sha,
    baseSha: before,
    onDefaultBranch,
    description: `${name || 'run'} on ${ref || '?'}`,
  };
}
