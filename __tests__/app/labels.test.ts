import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { parseAppConfig, type AppConfig } from '../../src/app/config.js';
import { FIELDS } from '../../src/triage/labels.js';
import { FIELD_THRESHOLDS } from '../../src/triage/policy.js';
import { labelHistory, planLabels } from '../../src/app/label-plan.js';
import { BOT, FakeGitHub } from './support/fake-github.js';
import { nockGitHub } from './support/nock-github.js';
import { OWNER, REPO, issueEvent } from './support/payloads.js';
import { CONFIDENT, deliver, testProbot, triageOf } from './support/probot.js';

const DEFAULTS = (parseAppConfig(null) as { ok: true; config: AppConfig }).config;
// The shipped thresholds are regenerated with the model (policy.ts; a field may even be never
// labelled automatically), so tests of the labelling mechanics pin theirs in the repo config.
const PINNED_YAML = 'labels:\n  threshold: 0.8\n';
const PINNED = (parseAppConfig({ labels: { threshold: 0.8 } }) as { ok: true; config: AppConfig }).config;
const NONE = { removedByOthers: new Set<string>(), addedBySelf: new Set<string>() };
const ISSUE = 11;
const REPO_PATH = `/repos/${OWNER}/${REPO}`;

describe('label planning (pure)', () => {
  it('applies confident labels with colour and description, nothing else', () => {
    const plan = planLabels(CONFIDENT, PINNED, ['bug'], NONE);
    expect(plan.add.map((l) => l.name)).toEqual([
      'symptom: crash',
      'cause: shape-problem',
      'stage: node-conversion',
    ]);
    expect(plan.add[0]).toMatchObject({
      color: 'd73a4a',
      description: expect.stringContaining('convgate triage'),
    });
    expect(plan.add.every((l) => l.description.length <= 100)).toBe(true);
    expect(plan.remove).toEqual([]);
  });

  it('leaves uncertain fields to a human with needs-triage', () => {
    const plan = planLabels(triageOf(['crash', 0.95], ['other', 0.4], ['unknown', 0.3]), PINNED, [], NONE);
    expect(plan.add.map((l) => l.name)).toEqual(['symptom: crash', 'needs-triage']);
    expect(plan.fields.find((f) => f.field === 'cause')).toMatchObject({
      status: 'uncertain',
      confidence: 0.4,
    });
  });

  it('does not touch a field someone already labelled, whatever the classifier thinks', () => {
    const plan = planLabels(CONFIDENT, PINNED, ['symptom: wrong-model', 'Cause: Type-Problem'], NONE);
    expect(plan.add.map((l) => l.name)).toEqual(['stage: node-conversion']);
  });

  it('never re-adds a label someone removed; the field then needs triage', () => {
    const history = labelHistory(
      [
        {
          event: 'labeled',
          label: { name: 'symptom: crash' },
          actor: { login: BOT.login, type: 'Bot' },
          performed_via_github_app: { id: BOT.appId },
        },
        {
          event: 'unlabeled',
          label: { name: 'symptom: crash' },
          actor: { login: 'maintainer', type: 'User' },
        },
      ],
      { appId: BOT.appId },
    );
    const plan = planLabels(CONFIDENT, PINNED, [], history);
    expect(plan.add.map((l) => l.name)).toEqual([
      'cause: shape-problem',
      'stage: node-conversion',
      'needs-triage',
    ]);
  });

  it('takes needs-triage off only when it added it itself and every field is now covered', () => {
    const ours = labelHistory(
      [
        {
          event: 'labeled',
          label: { name: 'needs-triage' },
          actor: { login: BOT.login, type: 'Bot' },
          performed_via_github_app: { id: BOT.appId },
        },
      ],
      { appId: BOT.appId },
    );
    expect(planLabels(CONFIDENT, PINNED, ['needs-triage'], ours).remove).toEqual(['needs-triage']);
    const theirs = labelHistory(
      [{ event: 'labeled', label: { name: 'needs-triage' }, actor: { login: 'maintainer', type: 'User' } }],
      {
        appId: BOT.appId,
      },
    );
    expect(planLabels(CONFIDENT, PINNED, ['needs-triage'], theirs).remove).toEqual([]);
  });

  it("follows the shipped policy's thresholds by default, including a field never labelled", () => {
    const sure = triageOf(['crash', 1], ['shape-problem', 1], ['node-conversion', 1]);
    const plan = planLabels(sure, DEFAULTS, [], NONE);
    const applied = plan.add.map((l) => l.name);
    for (const [field, name] of [
      ['symptom', 'symptom: crash'],
      ['cause', 'cause: shape-problem'],
      ['component', 'stage: node-conversion'],
    ] as const) {
      expect(applied.includes(name)).toBe(FIELD_THRESHOLDS[field] <= 1);
    }
    expect(applied.includes('needs-triage')).toBe(FIELDS.some((f) => FIELD_THRESHOLDS[f] > 1));
  });

  it('uses configured names, prefixes and thresholds', () => {
    const parsed = parseAppConfig({
      labels: {
        threshold: 0.99,
        symptom: { names: { crash: 'bug: crash' }, threshold: 0.5 },
        component: { prefix: 'area/' },
        needsTriage: 'triage',
      },
    });
    if (!parsed.ok) throw new Error(parsed.problems.join());
    const plan = planLabels(CONFIDENT, parsed.config, [], NONE);
    expect(plan.add.map((l) => l.name)).toEqual(['bug: crash', 'triage']);
    const low = parseAppConfig({ labels: { threshold: 0.5, component: { prefix: 'area/' } } });
    if (!low.ok) throw new Error();
    expect(planLabels(CONFIDENT, low.config, [], NONE).add.map((l) => l.name)).toContain(
      'area/node-conversion',
    );
  });
});

describe('issue labels over the API (nock)', () => {
  let fake: FakeGitHub;
  beforeEach(() => {
    nock.disableNetConnect();
    fake = new FakeGitHub(OWNER, REPO);
    nockGitHub(fake);
    fake.config = PINNED_YAML;
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('creates the missing labels, then applies them in one call; posts no comment by default', async () => {
    const probot = await testProbot();
    fake.labels.set('symptom: crash', { name: 'symptom: crash', color: 'd73a4a', description: 'existing' });
    fake.issueLabels.set(ISSUE, ['bug']);
    await deliver(
      probot,
      'issues',
      issueEvent({
        action: 'opened',
        number: ISSUE,
        title: 'Export crashes',
        body: 'trace',
        labels: ['bug'],
      }),
    );
    expect(fake.apiCalls()).toEqual([
      `GET /repos/${OWNER}/${REPO}/contents/.github/convgate.yml`,
      `GET ${REPO_PATH}/issues/${ISSUE}/events`,
      `GET ${REPO_PATH}/labels/symptom: crash`,
      `GET ${REPO_PATH}/labels/cause: shape-problem`,
      `POST ${REPO_PATH}/labels`,
      `GET ${REPO_PATH}/labels/stage: node-conversion`,
      `POST ${REPO_PATH}/labels`,
      `POST ${REPO_PATH}/issues/${ISSUE}/labels`,
    ]);
    const created = fake.calls
      .filter((c) => c.method === 'POST' && c.path === `${REPO_PATH}/labels`)
      .map((c) => c.body);
    expect(created).toEqual([
      { name: 'cause: shape-problem', color: 'fbca04', description: expect.stringContaining('shape') },
      { name: 'stage: node-conversion', color: '1d76db', description: expect.stringContaining('operators') },
    ]);
    expect(fake.calls.at(-1)?.body).toEqual({
      labels: ['symptom: crash', 'cause: shape-problem', 'stage: node-conversion'],
    });
    expect(fake.issueLabels.get(ISSUE)).toEqual([
      'bug',
      'symptom: crash',
      'cause: shape-problem',
      'stage: node-conversion',
    ]);
    expect(fake.commentBodies(ISSUE)).toEqual([]);
  });

  it('does not re-add a label a maintainer removed, and never removes labels people added', async () => {
    const probot = await testProbot();
    await deliver(probot, 'issues', issueEvent({ action: 'opened', number: ISSUE, title: 't', body: 'b' }));
    fake.removeLabelAs(ISSUE, 'symptom: crash');
    fake.issueLabels.set(ISSUE, [...fake.issueLabels.get(ISSUE)!, 'priority: high']);
    fake.calls.length = 0;
    await deliver(
      probot,
      'issues',
      issueEvent({
        action: 'edited',
        number: ISSUE,
        title: 't',
        body: 'b2',
        labels: fake.issueLabels.get(ISSUE),
      }),
    );
    const writes = fake.calls.filter((c) => c.method !== 'GET');
    // Only needs-triage (the symptom is now open): the removed label stays removed.
    expect(writes.map((c) => `${c.method} ${c.path}`)).toEqual([
      `POST ${REPO_PATH}/labels`,
      `POST ${REPO_PATH}/issues/${ISSUE}/labels`,
    ]);
    expect(writes.at(-1)?.body).toEqual({ labels: ['needs-triage'] });
    expect(fake.issueLabels.get(ISSUE)).toEqual([
      'cause: shape-problem',
      'stage: node-conversion',
      'priority: high',
      'needs-triage',
    ]);
    expect(fake.calls.some((c) => c.method === 'DELETE')).toBe(false);
  });

  it('marks unclear issues needs-triage and takes it off (its own) once a later edit makes them clear', async () => {
    let triage = triageOf(['crash', 0.3], ['other', 0.3], ['unknown', 0.3]);
    const probot = await testProbot({ classify: () => triage });
    await deliver(
      probot,
      'issues',
      issueEvent({ action: 'opened', number: ISSUE, title: 'help', body: '?' }),
    );
    expect(fake.issueLabels.get(ISSUE)).toEqual(['needs-triage']);
    triage = CONFIDENT;
    await deliver(
      probot,
      'issues',
      issueEvent({ action: 'edited', number: ISSUE, title: 'help', body: 'trace', labels: ['needs-triage'] }),
    );
    expect(fake.apiCalls().at(-1)).toBe(`DELETE ${REPO_PATH}/issues/${ISSUE}/labels/needs-triage`);
    expect(fake.issueLabels.get(ISSUE)).toEqual([
      'symptom: crash',
      'cause: shape-problem',
      'stage: node-conversion',
    ]);
  });

  it('posts the optional comment when enabled, escaping the quoted issue text', async () => {
    fake.config = `${PINNED_YAML}  comment: true\n`;
    const evil = triageOf(['crash', 0.95], ['shape-problem', 0.93], ['node-conversion', 0.9]);
    evil.symptom.evidence = ['traceback: "ping @octocat <img src=x> see #3"'];
    const probot = await testProbot({ classify: () => evil });
    await deliver(probot, 'issues', issueEvent({ action: 'opened', number: ISSUE, title: 't', body: 'b' }));
    const [comment] = fake.commentBodies(ISSUE);
    expect(comment).toContain('**symptom: crash** (confidence 0.95)');
    expect(comment).not.toMatch(/@octocat|<img|#3/);
  });

  it('leaves bot-opened issues alone', async () => {
    const probot = await testProbot();
    await deliver(
      probot,
      'issues',
      issueEvent({
        action: 'opened',
        number: ISSUE,
        title: 'Dependency dashboard',
        body: '',
        userType: 'Bot',
      }),
    );
    expect(fake.apiCalls().filter((c) => !c.includes('/contents/'))).toEqual([]);
  });
});
