// A Probot instance for unit tests, as Probot's testing docs set it up: token auth, no retries
// or throttling, and a recording logger.

import { Probot, ProbotOctokit } from 'probot';
import { createApp } from '../../../src/app/app.js';
import type { Classify } from '../../../src/app/issue-labels.js';
import type { Triage } from '../../../src/triage/index.js';
import { BOT } from './fake-github.js';
import { recordingLogger, type LogEntry } from './log.js';

export function triageOf(
  symptom: [string, number],
  cause: [string, number],
  component: [string, number],
): Triage {
  const v = ([label, confidence]: [string, number]) => ({
    label,
    confidence,
    evidence: [`cue for ${label}`],
  });
  return { symptom: v(symptom), cause: v(cause), component: v(component) } as Triage;
}

export const CONFIDENT: Triage = triageOf(['crash', 0.95], ['shape-problem', 0.93], ['node-conversion', 0.9]);

/**
 * Probot's Octokit without retries and without the throttling plugin's 1 s spacing of writes.
 * (Function form: Probot passes its own `throttle` options per instance, which would replace
 * an object default.)
 */
export const FastOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  throttle: { ...(options.throttle as object), enabled: false },
  retry: { enabled: false },
})) as typeof ProbotOctokit;

export async function testProbot(options: { classify?: Classify; log?: LogEntry[] } = {}): Promise<Probot> {
  const probot = new Probot({
    githubToken: 'test-token',
    log: recordingLogger(options.log),
    Octokit: FastOctokit,
  });
  await probot.load(
    createApp({ identity: { appId: BOT.appId }, classify: options.classify ?? (() => CONFIDENT) }),
  );
  return probot;
}

export async function deliver(
  probot: Probot,
  name: string,
  payload: unknown,
  id = 'delivery-1',
): Promise<void> {
  await probot.receive({ id, name, payload } as Parameters<Probot['receive']>[0]);
}
