// Handler for `issues.opened` / `issues.edited`: classify, create missing labels, apply the
// confident ones (or `needs-triage`), never re-add what someone removed.

import type { Context } from 'probot';
import type { Triage } from '../triage/index.js';
import { findOwnComments, writeComment } from './comments.js';
import type { AppConfig } from './config.js';
import type { AppIdentity } from './identity.js';
import { labelHistory, planLabels, type LabelSpec } from './label-plan.js';
import { isTriageComment, renderTriageComment } from './render-triage-comment.js';
import { httpStatus } from './http-status.js';

export type Classify = (issue: { title: string; body: string | null }) => Triage | Promise<Triage>;

export interface IssueLabelDeps {
  identity: AppIdentity;
  classify: Classify;
}

type IssueContext = Context<'issues.opened'> | Context<'issues.edited'>;

/** Makes sure the repository has the label (colour and description only set when creating it). */
async function ensureLabel(
  octokit: IssueContext['octokit'],
  repo: { owner: string; repo: string },
  spec: LabelSpec,
): Promise<'exists' | 'created'> {
  try {
    await octokit.rest.issues.getLabel({ ...repo, name: spec.name });
    return 'exists';
  } catch (error) {
    if (httpStatus(error) !== 404) throw error;
  }
  try {
    await octokit.rest.issues.createLabel({ ...repo, ...spec });
    return 'created';
  } catch (error) {
    if (httpStatus(error) === 422) return 'exists'; // created meanwhile by someone else
    throw error;
  }
}

export async function onIssueOpenedOrEdited(
  context: IssueContext,
  config: AppConfig,
  deps: IssueLabelDeps,
): Promise<void> {
  const { issue, repository } = context.payload;
  const log = context.log.child({ repository: repository.full_name, issue: issue.number });
  if (!config.labels.enabled) return log.debug('issue labels are disabled in the configuration');
  if (issue.state === 'closed') return log.debug('closed issue: not labelled');
  if (config.labels.skipBots && issue.user?.type === 'Bot')
    return log.debug('issue opened by a bot: not labelled');

  const octokit = context.octokit;
  const repo = { owner: repository.owner.login, repo: repository.name };
  const ref = { ...repo, issue_number: issue.number };
  const triage = await deps.classify({ title: issue.title, body: issue.body ?? null });
  const events = await octokit.paginate(octokit.rest.issues.listEvents, { ...ref, per_page: 100 });
  const history = labelHistory(events, deps.identity);
  const current = (issue.labels ?? []).map((l) => (typeof l === 'string' ? l : l.name));
  const plan = planLabels(triage, config, current, history);

  for (const spec of plan.add) {
    const made = await ensureLabel(octokit, repo, spec);
    if (made === 'created') log.info({ label: spec.name }, 'label created');
  }
  if (plan.add.length) {
    await octokit.rest.issues.addLabels({ ...ref, labels: plan.add.map((l) => l.name) });
  }
  for (const name of plan.remove) {
    try {
      await octokit.rest.issues.removeLabel({ ...ref, name });
    } catch (error) {
      if (httpStatus(error) !== 404) throw error;
    }
  }
  log.info(
    { added: plan.add.map((l) => l.name), removed: plan.remove, fields: plan.fields },
    plan.add.length || plan.remove.length ? 'issue labels updated' : 'issue labels unchanged',
  );

  if (config.labels.comment && plan.add.length) {
    const body = renderTriageComment(plan, config.labels.needsTriage);
    if (body) {
      const [existing] = await findOwnComments(octokit, ref, deps.identity, isTriageComment);
      await writeComment(octokit, ref, existing, body);
    }
  }
}
