import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { isGateWorkflow, parseAppConfig, thresholdFor, type AppConfig } from '../../src/app/config.js';
import { FakeGitHub } from './support/fake-github.js';
import { gateZip } from './support/gate-fixture.js';
import type { LogEntry } from './support/log.js';
import { nockGitHub } from './support/nock-github.js';
import { OWNER, REPO, issueEvent, sha, workflowRunCompleted } from './support/payloads.js';
import { deliver, testProbot } from './support/probot.js';

function ok(raw: unknown): AppConfig {
  const r = parseAppConfig(raw);
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.config;
}

describe('.github/convgate.yml parsing', () => {
  it('has sensible defaults when the file is absent', () => {
    const c = ok(null);
    expect(c.comment).toEqual({ enabled: true, workflows: ['convgate.yml'], maxRows: 25 });
    expect(c.labels).toMatchObject({
      enabled: true,
      needsTriage: 'needs-triage',
      comment: false,
      skipBots: true,
    });
    expect(c.labels.component.prefix).toBe('stage: ');
    expect(thresholdFor(c, 'cause')).toBeGreaterThan(0);
    expect(thresholdFor(ok({ labels: { threshold: 0.6 } }), 'cause')).toBe(0.6);
    expect(thresholdFor(ok({ labels: { threshold: 0.6, cause: { threshold: 0.95 } } }), 'cause')).toBe(0.95);
    expect(ok({ labels: { symptom: { color: '#ABCDEF' } } }).labels.symptom.color).toBe('abcdef');
  });

  it('names every problem with its path', () => {
    const r = parseAppConfig({
      comment: { enabeld: false, maxRows: 0 },
      labels: { threshold: 2, symptom: { names: { 'wrong-modle': 'x' } }, needsTriage: 'n'.repeat(60) },
    });
    expect(r.ok).toBe(false);
    const problems = (r as { problems: string[] }).problems.join('\n');
    expect(problems).toMatch(/comment: Unrecognized key: "enabeld"/);
    expect(problems).toMatch(/comment\.maxRows: /);
    expect(problems).toMatch(/labels\.threshold: a threshold is between 0 and 1/);
    expect(problems).toMatch(/labels\.symptom\.names\.wrong-modle: "wrong-modle" is not a symptom value/);
    expect(problems).toMatch(/labels\.needsTriage: GitHub label names have at most 50 characters/);
    expect(parseAppConfig(['a list']).ok).toBe(false);
  });

  it('recognises the gate workflow by file name or by name', () => {
    const c = ok({ comment: { workflows: ['gate.yml', 'Converter gate'] } });
    expect(isGateWorkflow(c, { path: '.github/workflows/gate.yml', name: 'x' })).toBe(true);
    expect(isGateWorkflow(c, { path: '.github/workflows/gate.yml@refs/heads/main', name: 'x' })).toBe(true);
    expect(isGateWorkflow(c, { path: '.github/workflows/ci.yml', name: 'Converter gate' })).toBe(true);
    expect(isGateWorkflow(c, { path: '.github/workflows/ci.yml', name: 'CI' })).toBe(false);
  });
});

describe('configuration errors in a repository', () => {
  let fake: FakeGitHub;
  beforeEach(() => {
    nock.disableNetConnect();
    fake = new FakeGitHub(OWNER, REPO);
    nockGitHub(fake);
    fake.artifacts.set(100, { id: 1, name: 'convgate-gate', zip: gateZip() });
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  async function deliverBoth(log: LogEntry[]): Promise<void> {
    const probot = await testProbot({ log });
    await deliver(probot, 'workflow_run', workflowRunCompleted({ runId: 100, headSha: sha(1) }));
    await deliver(probot, 'issues', issueEvent({ action: 'opened', number: 5, title: 'crash', body: 'x' }));
  }

  it('invalid values: logs a clear error naming the file and the problem, posts and labels nothing', async () => {
    fake.config = 'labels:\n  threshold: 7\ncomment:\n  workflow: gate.yml\n';
    const log: LogEntry[] = [];
    await deliverBoth(log);
    expect(fake.apiCalls().every((c) => c.startsWith('GET') && c.includes('/contents/'))).toBe(true);
    const errors = log.filter((e) => e.level === 'error');
    expect(errors).toHaveLength(2);
    expect(errors[0].msg).toContain(`invalid .github/convgate.yml in ${OWNER}/${REPO}`);
    expect(errors[0].msg).toContain('labels.threshold: a threshold is between 0 and 1');
    expect(errors[0].msg).toContain('comment: Unrecognized key: "workflow"');
    expect(errors[0].msg).toContain('Nothing was posted');
  });

  it('broken YAML: logs that the file cannot be read, posts nothing', async () => {
    fake.config = 'labels: [unclosed\n  - : :';
    const log: LogEntry[] = [];
    await deliverBoth(log);
    expect(fake.apiCalls().every((c) => c.startsWith('GET'))).toBe(true);
    const errors = log.filter((e) => e.level === 'error');
    expect(errors[0].msg).toMatch(/cannot read \.github\/convgate\.yml .*invalid YAML/);
  });

  it('features switched off: nothing happens', async () => {
    fake.config = 'comment:\n  enabled: false\nlabels:\n  enabled: false\n';
    await deliverBoth([]);
    expect(fake.apiCalls()).toEqual([
      `GET /repos/${OWNER}/${REPO}/contents/.github/convgate.yml`,
      `GET /repos/${OWNER}/${REPO}/contents/.github/convgate.yml`,
    ]);
  });
});
