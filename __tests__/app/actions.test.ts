// The same handlers inside a GitHub Actions job: event from GITHUB_EVENT_PATH, GITHUB_TOKEN auth.

import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { ACTIONS_BOT_LOGIN, actionsMain, runInActions } from '../../src/app/actions.js';
import { decodeMarker } from '../../src/app/marker.js';
import { FakeGitHub } from './support/fake-github.js';
import { gateZip } from './support/gate-fixture.js';
import { recordingLogger } from './support/log.js';
import { nockGitHub } from './support/nock-github.js';
import {
  OWNER,
  REPO,
  pullRequestSynchronize,
  runEntry,
  sha,
  workflowRunCompleted,
} from './support/payloads.js';
import { FastOctokit } from './support/probot.js';

const ACTIONS_BOT = { login: ACTIONS_BOT_LOGIN, appId: 15368 };
let fake: FakeGitHub;
let dir: string;

beforeEach(async () => {
  nock.disableNetConnect();
  fake = new FakeGitHub(OWNER, REPO, ACTIONS_BOT);
  nockGitHub(fake);
  dir = await mkdtemp(path.join(os.tmpdir(), 'convgate-app-actions-'));
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

async function runEvent(name: string, payload: unknown): Promise<void> {
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(payload));
  await runInActions({
    env: {
      GITHUB_EVENT_NAME: name,
      GITHUB_EVENT_PATH: file,
      GITHUB_TOKEN: 'ghs_job_token',
      GITHUB_RUN_ID: '42',
    },
    log: recordingLogger(),
    Octokit: FastOctokit,
  });
}

describe('Actions adapter', () => {
  it('comments from a workflow_run job with the job token, and marks outdated on pull_request_target', async () => {
    fake.artifacts.set(100, { id: 1, name: 'convgate-gate', zip: gateZip() });
    fake.setHead(2, sha(1));
    await runEvent('workflow_run', workflowRunCompleted({ runId: 100, headSha: sha(1), pr: 2 }));
    expect(fake.calls.every((c) => c.authorization === 'token ghs_job_token')).toBe(true);
    expect(fake.commentBodies(2)).toHaveLength(1);

    // pull_request_target carries a pull_request payload; the comment by github-actions[bot] is ours.
    fake.setHead(2, sha(2));
    await runEvent('pull_request_target', pullRequestSynchronize({ pr: 2, headSha: sha(2) }));
    const [body] = fake.commentBodies(2);
    expect(decodeMarker(body)).toMatchObject({ runId: 100, outdated: true });
  });

  it('is not frozen by another workflow’s github-actions[bot] comment forging a newer marker', async () => {
    // Any workflow of the repository comments as github-actions[bot] with GITHUB_TOKEN.
    fake.addBotComment(
      2,
      `<!-- convgate:pr-comment {"v":1,"runId":999999999,"attempt":1,"sha":"${sha(1)}"} --> frozen`,
    );
    // …or names a real run of another workflow.
    fake.runs.set(888, { ...runEntry({ runId: 888, headSha: sha(1) }), path: '.github/workflows/ci.yml' });
    fake.addBotComment(
      3,
      `<!-- convgate:pr-comment {"v":1,"runId":888,"attempt":1,"sha":"${sha(1)}"} --> frozen`,
    );
    fake.artifacts.set(100, { id: 1, name: 'convgate-gate', zip: gateZip() });
    fake.setHead(2, sha(1));
    fake.setHead(3, sha(1));
    await runEvent('workflow_run', workflowRunCompleted({ runId: 100, headSha: sha(1), pr: 2 }));
    await runEvent('workflow_run', workflowRunCompleted({ runId: 100, headSha: sha(1), pr: 3 }));
    for (const pr of [2, 3]) {
      const bodies = fake.commentBodies(pr);
      expect(bodies).toHaveLength(1);
      expect(decodeMarker(bodies[0])).toEqual({ v: 1, runId: 100, attempt: 1, sha: sha(1) });
      expect(bodies[0]).toContain('### ❌ convgate: 2 regressions');
    }
  });

  it('fails clearly outside a job or without a token', async () => {
    await expect(runInActions({ env: {} })).rejects.toThrow(
      /GITHUB_EVENT_NAME and GITHUB_EVENT_PATH are not set/,
    );
    await expect(
      runInActions({ env: { GITHUB_EVENT_NAME: 'issues', GITHUB_EVENT_PATH: '/x' } }),
    ).rejects.toThrow(/no token/);
    await expect(
      runInActions({
        env: {
          GITHUB_EVENT_NAME: 'issues',
          GITHUB_EVENT_PATH: path.join(dir, 'missing.json'),
          GITHUB_TOKEN: 't',
        },
      }),
    ).rejects.toThrow(/cannot read the event payload/);
  });

  it('lets a failing handler fail the run (GitHub errors are not swallowed)', async () => {
    fake.failures.set(`GET /repos/${OWNER}/${REPO}/issues/2/comments`, 502);
    await expect(
      runEvent('workflow_run', workflowRunCompleted({ runId: 100, headSha: sha(1), pr: 2 })),
    ).rejects.toThrow(/Server Error/);
    expect(fake.commentBodies(2)).toEqual([]);
  });

  it('fails the step (exit code 1, ::error::) on any error', async () => {
    const saved = { ...process.env };
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      for (const k of ['GITHUB_EVENT_NAME', 'GITHUB_EVENT_PATH']) delete process.env[k];
      await actionsMain();
      expect(process.exitCode).toBe(1);
      expect(write.mock.calls.map((c) => String(c[0])).join('')).toMatch(
        /::error::not inside a GitHub Actions job/,
      );
    } finally {
      write.mockRestore();
      process.exitCode = 0;
      process.env = saved;
    }
  });
});
