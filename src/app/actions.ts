// Runs the same handlers inside a GitHub Actions job, for repositories that cannot host a
// server: the event comes from the runner (GITHUB_EVENT_NAME / GITHUB_EVENT_PATH), API calls
// use the job's GITHUB_TOKEN. No webhook, so no signature: the runner is the trusted source.
// (@probot/adapter-github-actions targets probot 13 and never fails the step; this is the
// few lines it would do, with a failing step on error.)

import { readFile } from 'node:fs/promises';
import * as core from '@actions/core';
import { Probot, type Logger, type Options } from 'probot';
import { createApp, type AppOptions } from './app.js';

/** Workflow events whose payload is a webhook event of another name. */
const EVENT_ALIASES: Record<string, string> = { pull_request_target: 'pull_request' };

/** Comments and labels made with GITHUB_TOKEN are by this bot. */
export const ACTIONS_BOT_LOGIN = 'github-actions[bot]';

export interface ActionsRunOptions {
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  Octokit?: Options['Octokit'];
  app?: AppOptions;
}

export class ActionsEnvError extends Error {
  override name = 'ActionsEnvError';
}

export async function runInActions(options: ActionsRunOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const eventName = env.GITHUB_EVENT_NAME;
  const eventPath = env.GITHUB_EVENT_PATH;
  if (!eventName || !eventPath) {
    throw new ActionsEnvError(
      'not inside a GitHub Actions job: GITHUB_EVENT_NAME and GITHUB_EVENT_PATH are not set',
    );
  }
  const token = env['INPUT_GITHUB-TOKEN'] || env.INPUT_GITHUB_TOKEN || env.GITHUB_TOKEN;
  if (!token) {
    throw new ActionsEnvError('no token: set `env: { GITHUB_TOKEN: ${{ github.token }} }` on the step');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(await readFile(eventPath, 'utf8'));
  } catch (error) {
    throw new ActionsEnvError(`cannot read the event payload ${eventPath}: ${(error as Error).message}`);
  }
  const probot = new Probot({
    githubToken: token,
    baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
    logLevel: (env.LOG_LEVEL as Options['logLevel']) || 'info',
    ...(options.log ? { log: options.log } : {}),
    ...(options.Octokit ? { Octokit: options.Octokit } : {}),
  });
  await probot.load(
    createApp({ identity: { botLogin: env.CONVGATE_BOT_LOGIN || ACTIONS_BOT_LOGIN }, ...options.app }),
  );
  const name = EVENT_ALIASES[eventName] ?? eventName;
  await probot.receive({ id: env.GITHUB_RUN_ID ?? 'actions', name, payload } as Parameters<
    Probot['receive']
  >[0]);
}

/**
 * Entry for a workflow step: any failure fails the step (whatever was thrown) with an ::error::
 * line, and the exit code to use is returned (callers set it: the CLI's own exit code would
 * otherwise replace the one core.setFailed set).
 */
export async function actionsMain(): Promise<number> {
  try {
    await runInActions();
    return 0;
  } catch (error) {
    const errors = error instanceof AggregateError ? error.errors : [error];
    core.setFailed(
      errors.map((e) => (e instanceof Error ? e.message : String(e))).join('\n') || 'convgate app failed',
    );
    return 1;
  }
}
