// End to end over real HTTP: the app server (serveFromEnv, as `npm run app` starts it) on
// 127.0.0.1, webhooks POSTed with real signatures, and a stand-in for the GitHub REST API on
// another local port that records every request and serves artifact zips.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProbotOctokit } from 'probot';
import { labelHistory, planLabels } from '../../src/app/label-plan.js';
import { parseAppConfig, type AppConfig } from '../../src/app/config.js';
import { decodeMarker } from '../../src/app/marker.js';
import { serveFromEnv, type RunningServer } from '../../src/app/server.js';
import { classifyIssue } from '../../src/triage/index.js';
import { BOT, FakeGitHub } from './support/fake-github.js';
import { gateReport, gateZip } from './support/gate-fixture.js';
import { recordingLogger, type LogEntry } from './support/log.js';
import {
  INSTALLATION_ID,
  OWNER,
  REPO,
  issueEvent,
  pullRequestSynchronize,
  sha,
  workflowRunCompleted,
} from './support/payloads.js';

const SECRET = 'e2e-webhook-secret-0123456789';
const PR = 2;
const REPO_PATH = `/repos/${OWNER}/${REPO}`;

let fake: FakeGitHub;
let standIn: Server;
let standInUrl: string;
let app: RunningServer;
const log: LogEntry[] = [];

function startStandIn(): Promise<void> {
  standIn = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const path = (req.url ?? '/').replace(/^\/api\/v3/, '');
    const r = fake.handle(req.method ?? 'GET', path, body, req.headers.authorization);
    const payload =
      r.body === undefined
        ? ''
        : Buffer.isBuffer(r.body) || typeof r.body === 'string'
          ? r.body
          : JSON.stringify(r.body);
    res.writeHead(r.status, { 'content-type': 'application/json; charset=utf-8', ...r.headers }).end(payload);
  });
  return new Promise((resolve) =>
    standIn.listen({ host: '127.0.0.1', port: 0 }, () => {
      standInUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

let deliveries = 0;
async function post(
  event: string,
  payload: unknown,
  signature?: string | null,
  rawBody?: string,
): Promise<Response> {
  const body = rawBody ?? JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': `e2e-${++deliveries}`,
  };
  const sig = signature === undefined ? sign(body) : signature;
  if (sig !== null) headers['x-hub-signature-256'] = sig;
  return fetch(`${app.url}/api/github/webhooks`, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(15_000),
  });
}

beforeAll(async () => {
  fake = new FakeGitHub(OWNER, REPO);
  await startStandIn();
  fake.blobBase = standInUrl;
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  app = await serveFromEnv(
    {
      APP_ID: String(BOT.appId),
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      HOST: '127.0.0.1',
      PORT: '0',
      GHE_HOST: standInUrl.replace('http://', ''),
      GHE_PROTOCOL: 'http',
      APP_BOT_LOGIN: BOT.login,
    },
    {
      log: recordingLogger(log),
      // Production Octokit (retries included) minus the throttling plugin's 1 s spacing of writes.
      Octokit: ProbotOctokit.defaults((o: Record<string, unknown>) => ({
        ...o,
        throttle: { ...(o.throttle as object), enabled: false },
      })) as typeof ProbotOctokit,
    },
  );
}, 30_000);

afterAll(async () => {
  await app?.close();
  await new Promise((resolve) => standIn?.close(resolve));
});

beforeEach(() => {
  fake.calls.length = 0;
});

describe('app server over HTTP', () => {
  it('answers the health check without touching GitHub', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
    expect((await fetch(`${app.url}/nope`)).status).toBe(404);
    expect(fake.calls).toEqual([]);
  });

  it('rejects missing, forged and tampered signatures before any work: zero API calls', async () => {
    const payload = workflowRunCompleted({ runId: 50, headSha: sha(50), pr: PR });
    const body = JSON.stringify(payload);
    const missing = await post('workflow_run', payload, null);
    const forged = await post('workflow_run', payload, 'sha256=' + '0'.repeat(64));
    const wrongSecret = await post('workflow_run', payload, sign(body, 'not-the-secret'));
    const tampered = await post(
      'workflow_run',
      payload,
      sign(body),
      body.replace('"completed"', '"completed" '),
    );
    expect([missing.status, forged.status, wrongSecret.status, tampered.status]).toEqual([
      401, 401, 401, 401,
    ]);
    expect(await forged.json()).toEqual({
      error: 'signature does not match the payload and the webhook secret',
    });
    expect(fake.calls).toEqual([]);
    // Every request is logged as one structured line.
    expect(log.filter((e) => e.msg === 'http request' && e.fields.status === 401)).toHaveLength(4);
  });

  it('turns a gate run into one PR comment with exactly these API calls, as the installation', async () => {
    fake.artifacts.set(100, { id: 7100, name: 'convgate-gate', zip: gateZip() });
    fake.setHead(PR, sha(100));
    const res = await post('workflow_run', workflowRunCompleted({ runId: 100, headSha: sha(100), pr: PR }));
    expect(res.status).toBe(200);
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `POST /app/installations/${INSTALLATION_ID}/access_tokens`,
      `GET ${REPO_PATH}/contents/.github/convgate.yml`,
      `GET /repos/${OWNER}/.github/contents/.github/convgate.yml`,
      `GET ${REPO_PATH}/issues/${PR}/comments`,
      `GET ${REPO_PATH}/pulls/${PR}`,
      `GET ${REPO_PATH}/actions/runs/100/artifacts`,
      `GET ${REPO_PATH}/actions/artifacts/7100/zip`,
      'GET /_blob/7100',
      `POST ${REPO_PATH}/issues/${PR}/comments`,
    ]);
    // The app authenticates as itself (JWT) for the token, then as the installation.
    expect(fake.calls[0].authorization).toMatch(/^bearer ey/i);
    expect(
      fake.calls.slice(1, 7).every((c) => c.authorization === `token ghs_installation_${INSTALLATION_ID}`),
    ).toBe(true);
    const [body] = fake.commentBodies(PR);
    expect(body).toContain('### ❌ convgate: 2 regressions');
    expect(body).toMatch(/\| wrong-symbolic \| ok → wrong-output \| 1\.00e-7 → 0\.929/);
    expect(decodeMarker(body)).toEqual({ v: 1, runId: 100, attempt: 1, sha: sha(100) });
    expect(log.find((e) => e.msg === 'PR comment created')?.fields).toMatchObject({
      pr: PR,
      runId: 100,
      verdict: 'fail',
    });
    const logged = log.filter(
      (e) => e.msg === 'http request' && e.fields.method === 'POST' && e.fields.status === 200,
    );
    expect(logged.at(-1)?.fields).toMatchObject({
      method: 'POST',
      path: '/api/github/webhooks',
      event: 'workflow_run',
      delivery: expect.stringMatching(/^e2e-/),
    });

    // Re-delivery of the same webhook: reads only, the comment stays as it is.
    fake.calls.length = 0;
    expect(
      (await post('workflow_run', workflowRunCompleted({ runId: 100, headSha: sha(100), pr: PR }))).status,
    ).toBe(200);
    expect(fake.calls.filter((c) => c.method !== 'GET')).toEqual([]);
    expect(fake.commentBodies(PR)).toEqual([body]);
  });

  it('neutralizes hostile artifact text (mentions, HTML, a 5 MB message) and refuses a zip with path traversal', async () => {
    const report = gateReport();
    const hostile = `@octocat fixes #12 <img src=x onerror=alert(1)> <details open> https://evil.example ${'Z'.repeat(5 * 1024 * 1024)}`;
    report.regressions[0].error = { stage: 'export', type: '<script>alert(1)</script>', message: hostile };
    report.regressions[0].id = '@org/team #7';
    fake.artifacts.set(200, { id: 7200, name: 'convgate-gate', zip: gateZip(report) });
    fake.setHead(PR, sha(200));
    expect(
      (await post('workflow_run', workflowRunCompleted({ runId: 200, headSha: sha(200), pr: PR }))).status,
    ).toBe(200);
    const [body] = fake.commentBodies(PR);
    expect(decodeMarker(body)?.runId).toBe(200);
    expect(body.length).toBeLessThan(65_536);
    expect(body).not.toMatch(/@octocat|@org|#12|#7|<img|<script|<details open|https:\/\/evil/);
    expect(body).toMatch(/ZZZZ… \\\[\d+ more characters\\\]/);

    fake.artifacts.set(300, {
      id: 7300,
      name: 'convgate-gate',
      zip: gateZip(gateReport(), { '../../.github/workflows/evil.yml': 'on: push' }),
    });
    fake.setHead(PR, sha(300));
    expect(
      (await post('workflow_run', workflowRunCompleted({ runId: 300, headSha: sha(300), pr: PR }))).status,
    ).toBe(200);
    const [refused] = fake.commentBodies(PR);
    expect(refused).toContain('### ⚠️ convgate: no gate result');
    expect(refused).toContain('path escapes the archive');
    expect(fake.commentBodies(PR)).toHaveLength(1);
  });

  it('keeps the result for the current head when GitHub redelivers an older push', async () => {
    const pr = 5;
    fake.artifacts.set(400, { id: 7400, name: 'convgate-gate', zip: gateZip() });
    fake.setHead(pr, sha(401));
    expect(
      (await post('workflow_run', workflowRunCompleted({ runId: 400, headSha: sha(401), pr }))).status,
    ).toBe(200);
    const [current] = fake.commentBodies(pr);
    expect((await post('pull_request', pullRequestSynchronize({ pr, headSha: sha(399) }))).status).toBe(200);
    expect(fake.commentBodies(pr)).toEqual([current]);
    // A real push: the head moved, the result is outdated.
    fake.setHead(pr, sha(402));
    expect((await post('pull_request', pullRequestSynchronize({ pr, headSha: sha(402) }))).status).toBe(200);
    expect(fake.commentBodies(pr)[0]).toContain('**Outdated:**');
  });

  it('labels a new issue with the bundled classifier, creating the missing labels', async () => {
    const issue = {
      title:
        'torch.onnx.export fails: Exporting the operator aten::fft_rfft to ONNX opset version 17 is not supported',
      body: 'Traceback (most recent call last):\n  ...\ntorch.onnx.errors.UnsupportedOperatorError: Exporting the operator aten::fft_rfft to ONNX opset version 17 is not supported.',
    };
    const config = (parseAppConfig(null) as { ok: true; config: AppConfig }).config;
    const expected = planLabels(classifyIssue(issue), config, [], labelHistory([], {}));
    expect(expected.add.length).toBeGreaterThan(0);

    const res = await post('issues', issueEvent({ action: 'opened', number: 31, ...issue }));
    expect(res.status).toBe(200);
    const perLabel = expected.add.flatMap((l) => [
      `GET ${REPO_PATH}/labels/${l.name}`,
      `POST ${REPO_PATH}/labels`,
    ]);
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `GET ${REPO_PATH}/contents/.github/convgate.yml`,
      `GET /repos/${OWNER}/.github/contents/.github/convgate.yml`,
      `GET ${REPO_PATH}/issues/31/events`,
      ...perLabel,
      `POST ${REPO_PATH}/issues/31/labels`,
    ]);
    expect(fake.issueLabels.get(31)).toEqual(expected.add.map((l) => l.name));

    // A maintainer removes one; an edit must not bring it back.
    const removed = expected.add[0].name;
    fake.removeLabelAs(31, removed);
    fake.calls.length = 0;
    await post(
      'issues',
      issueEvent({ action: 'edited', number: 31, ...issue, labels: fake.issueLabels.get(31) }),
    );
    expect(fake.issueLabels.get(31)).not.toContain(removed);
    expect(fake.calls.filter((c) => c.method === 'DELETE')).toEqual([]);
  });
});
