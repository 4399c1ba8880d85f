// The Probot application function: wires events to handlers. Configuration is read once per
// event; handlers get it typed and validated.

import type { ApplicationFunction, Context, Probot } from 'probot';
import type { AppConfig } from './config.js';
import type { AppIdentity } from './identity.js';
import { onIssueOpenedOrEdited, type Classify } from './issue-labels.js';
import { KeyedLock } from './keyed-lock.js';
import { loadConfig } from './load-config.js';
import { onPullRequestSynchronize, onWorkflowRunCompleted } from './pr-comment.js';
import type { ZipLimits } from './zip.js';

export interface AppOptions {
  /** How the app recognises its own comments and label events. */
  identity?: AppIdentity;
  /** The triage classifier (default: the bundled model). */
  classify?: Classify;
  zipLimits?: ZipLimits;
}

/** The bundled classifier, loaded on the first issue event (the model is not needed for PR comments). */
let bundled: Promise<Classify> | undefined;
const bundledClassifier: Classify = async (issue) => {
  bundled ??= import('../triage/index.js').then((m) => m.classifyIssue);
  return (await bundled)(issue);
};

/** Runs `handler` with the repository's configuration; does nothing when it is invalid (logged). */
function withConfig<C extends Context>(handler: (context: C, config: AppConfig) => Promise<void>) {
  return async (context: C): Promise<void> => {
    const config = await loadConfig(context);
    if (config) await handler(context, config);
  };
}

export function createApp(options: AppOptions = {}): ApplicationFunction {
  const identity = options.identity ?? {};
  const classify = options.classify ?? bundledClassifier;
  return (app: Probot) => {
    const lock = new KeyedLock();
    const prDeps = { identity, lock, ...(options.zipLimits ? { zipLimits: options.zipLimits } : {}) };
    app.on(
      'workflow_run.completed',
      withConfig((context, config) => onWorkflowRunCompleted(context, config, prDeps)),
    );
    app.on(
      'pull_request.synchronize',
      withConfig((context, config) => onPullRequestSynchronize(context, config, prDeps)),
    );
    app.on(
      ['issues.opened', 'issues.edited'],
      withConfig((context, config) => onIssueOpenedOrEdited(context, config, { identity, classify })),
    );
  };
}
