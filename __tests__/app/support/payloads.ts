// Webhook payloads from @octokit/webhooks-examples (real shapes), adjusted per test.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface Example {
  name: string;
  examples: Record<string, unknown>[];
}

const require = createRequire(import.meta.url);
const EXAMPLES: Example[] = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples'), 'utf8'));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function example(name: string, pick: (x: Json) => boolean): Json {
  const found = EXAMPLES.find((e) => e.name === name)?.examples.find(pick);
  if (!found) throw new Error(`no ${name} example`);
  return structuredClone(found);
}

export const INSTALLATION_ID = 77;
/** Every payload is about this repository (the workflow_run example's). */
const REPOSITORY: Json = example('workflow_run', (x) => x.workflow_run.pull_requests.length > 0).repository;
export const OWNER: string = REPOSITORY.owner.login;
export const REPO: string = REPOSITORY.name;
export const REPO_HTML: string = REPOSITORY.html_url;
export const REPO_ID: number = REPOSITORY.id;

/** The run as the REST API describes it (GET /actions/runs/{id}), for FakeGitHub.runs. */
export function runEntry(o: { runId: number; attempt?: number; headSha: string; path?: string }) {
  return {
    id: o.runId,
    run_attempt: o.attempt ?? 1,
    head_sha: o.headSha,
    name: 'convgate',
    path: o.path ?? '.github/workflows/convgate.yml',
    repository: { id: REPOSITORY.id as number, full_name: `${OWNER}/${REPO}` },
  };
}

export function sha(n: number): string {
  return n.toString(16).padStart(40, 'a');
}

export interface RunOptions {
  runId: number;
  attempt?: number;
  headSha: string;
  pr?: number;
  path?: string;
  conclusion?: string;
  /** The PR comes from a fork: GitHub sends no pull_requests. */
  fork?: { owner: string; repoId: number; branch: string };
}

export function workflowRunCompleted(o: RunOptions): Json {
  const p = example(
    'workflow_run',
    (x) => x.action === 'completed' && x.workflow_run.pull_requests.length > 0,
  );
  p.repository = structuredClone(REPOSITORY);
  p.installation = { id: INSTALLATION_ID, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNzc=' };
  const run = p.workflow_run;
  Object.assign(run, {
    id: o.runId,
    run_attempt: o.attempt ?? 1,
    head_sha: o.headSha,
    name: 'convgate',
    path: o.path ?? '.github/workflows/convgate.yml',
    conclusion: o.conclusion ?? 'failure',
    event: 'pull_request',
    html_url: `${REPO_HTML}/actions/runs/${o.runId}`,
  });
  const pr = run.pull_requests[0];
  pr.number = o.pr ?? 2;
  pr.head.sha = o.headSha;
  pr.base.repo = { ...pr.base.repo, id: p.repository.id, name: REPO };
  if (o.fork) {
    run.pull_requests = [];
    run.head_branch = o.fork.branch;
    run.head_repository = {
      ...run.head_repository,
      id: o.fork.repoId,
      full_name: `${o.fork.owner}/${REPO}`,
      owner: { ...run.head_repository.owner, login: o.fork.owner },
    };
  }
  return p;
}

export function pullRequestSynchronize(o: { pr: number; headSha: string }): Json {
  const p = example('pull_request', (x) => x.action === 'synchronize');
  p.repository = structuredClone(REPOSITORY);
  p.installation = { id: INSTALLATION_ID, node_id: 'x' };
  p.number = o.pr;
  p.pull_request.number = o.pr;
  p.pull_request.head.sha = o.headSha;
  return p;
}

export function issueEvent(o: {
  action: 'opened' | 'edited';
  number: number;
  title: string;
  body: string | null;
  labels?: string[];
  userType?: string;
}): Json {
  const p = example('issues', (x) => x.action === o.action);
  p.repository = structuredClone(REPOSITORY);
  p.installation = { id: INSTALLATION_ID, node_id: 'x' };
  const template = p.issue.labels[0];
  Object.assign(p.issue, {
    number: o.number,
    title: o.title,
    body: o.body,
    state: 'open',
    labels: (o.labels ?? []).map((name, i) => ({ ...template, id: 100 + i, name })),
  });
  p.issue.user = { ...p.issue.user, type: o.userType ?? 'User' };
  if (o.action === 'edited') p.changes = { body: { from: 'before' } };
  return p;
}
