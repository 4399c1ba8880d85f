// Handlers for the PR comment: `workflow_run.completed` of the gate workflow writes (or
// rewrites) the one comment per PR; `pull_request.synchronize` marks it outdated.

import type { Context } from 'probot';
import { fetchGateArtifact, type GateArtifact } from './artifact.js';
import { dedupeOwnComments, findOwnComments, writeComment, type IssueRef } from './comments.js';
import { isGateWorkflow, type AppConfig } from './config.js';
import type { AppIdentity } from './identity.js';
import type { KeyedLock } from './keyed-lock.js';
import { decideComment, decodeMarker, hasMarker, type CommentState } from './marker.js';
import { markCommentOutdated, renderPrComment, type GateRunInfo } from './render-pr-comment.js';
import type { ZipLimits } from './zip.js';
import { httpStatus } from './http-status.js';

export interface PrCommentDeps {
  identity: AppIdentity;
  lock: KeyedLock;
  zipLimits?: ZipLimits;
}

/** Run conclusions that can carry a gate result (a failing gate fails its run). */
const CONCLUSIONS_WITH_RESULT = new Set(['success', 'failure', 'timed_out']);

interface PrTarget {
  number: number;
  headSha: string;
}

type RunContext = Context<'workflow_run.completed'>;

/**
 * The PR's head commit now (not the one an event carried: events can be redelivered late), or
 * null when the PR cannot be seen any more. Other GitHub errors throw (the delivery fails).
 */
async function currentHead(context: Context, ref: IssueRef): Promise<string | null> {
  try {
    const { data } = await context.octokit.rest.pulls.get({
      owner: ref.owner,
      repo: ref.repo,
      pull_number: ref.issue_number,
    });
    return data.head.sha;
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw error;
  }
}

/**
 * Whether a comment's marker tells the truth about the run it names: the run exists, belongs to
 * this repository and to its gate workflow, tested the commit the marker names, and has the
 * attempt it claims. Anyone who can comment as the bot (in Actions mode: any workflow using
 * GITHUB_TOKEN) could otherwise freeze the comment with a marker claiming a newer run.
 */
async function markerIsTrusted(
  context: RunContext,
  config: AppConfig,
  shown: CommentState,
): Promise<boolean> {
  const { repository } = context.payload;
  let run;
  try {
    ({ data: run } = await context.octokit.rest.actions.getWorkflowRun({
      owner: repository.owner.login,
      repo: repository.name,
      run_id: shown.runId,
    }));
  } catch (error) {
    const status = httpStatus(error);
    if (status === 404 || status === 410) return false;
    throw error;
  }
  return (
    run.id === shown.runId &&
    run.repository?.id === repository.id &&
    isGateWorkflow(config, run) &&
    run.head_sha === shown.sha &&
    (run.run_attempt ?? 1) >= shown.attempt
  );
}

/** PRs the run belongs to. GitHub leaves `pull_requests` empty for PRs from forks: look those up by head. */
async function pullRequestsOf(context: RunContext): Promise<PrTarget[]> {
  const { workflow_run: run, repository } = context.payload;
  const fromPayload = (run.pull_requests ?? []).flatMap((pr) =>
    pr && pr.base.repo.id === repository.id ? [{ number: pr.number, headSha: pr.head.sha }] : [],
  );
  if (fromPayload.length) return fromPayload;
  const headRepo = run.head_repository;
  if (!headRepo?.owner || !run.head_branch || !run.event.startsWith('pull_request')) return [];
  const prs = await context.octokit.paginate(context.octokit.rest.pulls.list, {
    owner: repository.owner.login,
    repo: repository.name,
    state: 'open',
    head: `${headRepo.owner.login}:${run.head_branch}`,
    per_page: 100,
  });
  return prs
    .filter((pr) => pr.head.repo?.id === headRepo.id)
    .map((pr) => ({ number: pr.number, headSha: pr.head.sha }));
}

export async function onWorkflowRunCompleted(
  context: RunContext,
  config: AppConfig,
  deps: PrCommentDeps,
): Promise<void> {
  const { workflow_run: run, repository } = context.payload;
  const log = context.log.child({
    repository: repository.full_name,
    runId: run.id,
    attempt: run.run_attempt,
  });
  if (!config.comment.enabled) return log.debug('PR comments are disabled in the configuration');
  if (!isGateWorkflow(config, run)) return log.debug({ workflow: run.path }, 'not the gate workflow');
  if (!run.conclusion || !CONCLUSIONS_WITH_RESULT.has(run.conclusion)) {
    return log.info({ conclusion: run.conclusion }, 'gate run ended without a result; comment left as is');
  }
  const prs = await pullRequestsOf(context);
  if (!prs.length) return log.info({ headSha: run.head_sha }, 'gate run belongs to no open pull request');

  const attempt = run.run_attempt ?? 1;
  const runUrl = `${repository.html_url}/actions/runs/${run.id}${attempt > 1 ? `/attempts/${attempt}` : ''}`;
  const info: GateRunInfo = {
    runId: run.id,
    attempt,
    headSha: run.head_sha,
    runUrl,
    conclusion: run.conclusion,
  };
  const owner = repository.owner.login;
  const repo = repository.name;
  // Downloaded at most once per delivery, and only if some PR needs it.
  let artifact: Promise<GateArtifact> | undefined;
  const gateArtifact = () =>
    (artifact ??= fetchGateArtifact(context.octokit, { owner, repo, runId: run.id }, deps.zipLimits));

  for (const pr of prs) {
    const ref: IssueRef = { owner, repo, issue_number: pr.number };
    await deps.lock.run(`${repository.full_name}#${pr.number}`, async () => {
      const ours = await findOwnComments(context.octokit, ref, deps.identity, hasMarker);
      const existing = await dedupeOwnComments(context.octokit, ref, ours);
      const shown = decodeMarker(existing?.body);
      if (shown && decideComment(shown, info) === 'keep-newer') {
        if (await markerIsTrusted(context, config, shown))
          return log.info({ pr: pr.number, shown }, 'comment already shows a newer gate run; left as is');
        log.warn(
          { pr: pr.number, shown },
          "the comment's marker names no newer gate run of this repository; rewriting the comment",
        );
      }
      const head = await currentHead(context, ref);
      if (head === null) return log.info({ pr: pr.number }, 'pull request not found; no comment');
      const a = await gateArtifact();
      if (!a.ok) log.warn({ pr: pr.number, problem: a.problem }, 'gate artifact unusable');
      const body = renderPrComment(
        {
          run: {
            ...info,
            ...(a.artifactId !== undefined
              ? { artifactUrl: `${repository.html_url}/actions/runs/${run.id}/artifacts/${a.artifactId}` }
              : {}),
          },
          outcome: a.ok ? { kind: 'report', report: a.report } : { kind: 'unavailable', problem: a.problem },
          prHeadSha: head,
        },
        { maxRows: config.comment.maxRows },
      );
      const result = await writeComment(context.octokit, ref, existing, body);
      log.info(
        { pr: pr.number, result, verdict: a.ok ? a.report.verdict : 'unavailable' },
        `PR comment ${result}`,
      );
    });
  }
}

export async function onPullRequestSynchronize(
  context: Context<'pull_request.synchronize'>,
  config: AppConfig,
  deps: PrCommentDeps,
): Promise<void> {
  if (!config.comment.enabled) return;
  const { pull_request: pr, repository } = context.payload;
  const ref: IssueRef = { owner: repository.owner.login, repo: repository.name, issue_number: pr.number };
  await deps.lock.run(`${repository.full_name}#${pr.number}`, async () => {
    const ours = await findOwnComments(context.octokit, ref, deps.identity, hasMarker);
    const existing = await dedupeOwnComments(context.octokit, ref, ours);
    if (!existing) return;
    // A redelivered old push must not mark the result for the current head outdated.
    const head = await currentHead(context, ref);
    if (head === null) return;
    const body = markCommentOutdated(existing.body, head);
    if (body === null) return;
    await writeComment(context.octokit, ref, existing, body);
    context.log.info(
      { repository: repository.full_name, pr: pr.number, head, event: pr.head.sha },
      'PR comment marked outdated',
    );
  });
}
