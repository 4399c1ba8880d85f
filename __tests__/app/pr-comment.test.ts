import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { decodeMarker } from '../../src/app/marker.js';
import { BOT, FakeGitHub } from './support/fake-github.js';
import { gateReport, gateZip } from './support/gate-fixture.js';
import { nockGitHub } from './support/nock-github.js';
import {
  OWNER,
  REPO,
  pullRequestSynchronize,
  runEntry,
  sha,
  workflowRunCompleted,
} from './support/payloads.js';
import { deliver, testProbot } from './support/probot.js';

const PR = 2;
const CONFIG_CALLS = [
  `GET /repos/${OWNER}/${REPO}/contents/.github/convgate.yml`,
  `GET /repos/${OWNER}/.github/contents/.github/convgate.yml`,
];

let fake: FakeGitHub;
beforeEach(() => {
  nock.disableNetConnect();
  fake = new FakeGitHub(OWNER, REPO);
  nockGitHub(fake);
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

function withArtifact(runId: number, zip = gateZip(), id = runId + 1000): void {
  fake.artifacts.set(runId, { id, name: 'convgate-gate', zip });
}

describe('PR comment on workflow_run.completed', () => {
  it('creates one comment with the exact API calls, then updates it for a re-run, and leaves it on re-delivery', async () => {
    const probot = await testProbot();
    withArtifact(100);
    fake.setHead(PR, sha(1));
    await deliver(probot, 'workflow_run', workflowRunCompleted({ runId: 100, headSha: sha(1), pr: PR }));
    expect(fake.apiCalls()).toEqual([
      ...CONFIG_CALLS,
      `GET /repos/${OWNER}/${REPO}/issues/${PR}/comments`,
      `GET /repos/${OWNER}/${REPO}/pulls/${PR}`,
      `GET /repos/${OWNER}/${REPO}/actions/runs/100/artifacts`,
      `GET /repos/${OWNER}/${REPO}/actions/artifacts/1100/zip`,
      'GET /_blob/1100',
      `POST /repos/${OWNER}/${REPO}/issues/${PR}/comments`,
    ]);
    expect(fake.calls.find((c) => c.path.endsWith('/artifacts'))?.query).toMatchObject({
      name: 'convgate-gate',
    });
    const [first] = fake.commentBodies(PR);
    expect(first).toContain('### ❌ convgate: 2 regressions');
    expect(decodeMarker(first)).toEqual({ v: 1, runId: 100, attempt: 1, sha: sha(1) });

    // The same delivery again: nothing to write.
    fake.calls.length = 0;
    await deliver(probot, 'workflow_run', workflowRunCompleted({ runId: 100, headSha: sha(1), pr: PR }));
    expect(fake.apiCalls().filter((c) => !c.startsWith('GET'))).toEqual([]);
    expect(fake.commentBodies(PR)).toEqual([first]);

    // A re-run (attempt 2) that now passes: the same comment is updated.
    const passing = gateReport();
    passing.regressions = [];
    passing.counts.regressions = 0;
    passing.verdict = 'pass';
    passing.reason = 'no regressions';
    withArtifact(100, gateZip(passing), 1200);
    fake.calls.length = 0;
    await deliver(
      probot,
      'workflow_run',
      workflowRunCompleted({ runId: 100, attempt: 2, headSha: sha(1), pr: PR }),
    );
    const writes = fake.apiCalls().filter((c) => !c.startsWith('GET'));
    expect(writes).toEqual([
      expect.stringMatching(new RegExp(`^PATCH /repos/${OWNER}/${REPO}/issues/comments/\\d+$`)),
    ]);
    const bodies = fake.commentBodies(PR);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toContain('### ✅ convgate: no regressions');
    expect(decodeMarker(bodies[0])).toMatchObject({ runId: 100, attempt: 2 });
  });

  it('never lets an older run overwrite a newer one', async () => {
    const probot = await testProbot();
    withArtifact(200);
    withArtifact(150);
    fake.setHead(PR, sha(2));
    fake.runs.set(200, runEntry({ runId: 200, headSha: sha(2) }));
    await deliver(probot, 'workflow_run', workflowRunCompleted({ runId: 200, headSha: sha(2), pr: PR }));
    const newer = fake.commentBodies(PR)[0];
    fake.calls.length = 0;
    await deliver(
      probot,
      'workflow_run',
      workflowRunCompleted({ runId: 150, attempt: 3, headSha: sha(1), pr: PR }),
    );
    expect(fake.commentBodies(PR)).toEqual([newer]);
    // It did not even download the older artifact; it checked that run 200 is real.
    expect(fake.apiCalls()).toEqual([
      ...CONFIG_CALLS,
      `GET /repos/${OWNER}/${REPO}/issues/${PR}/comments`,
      `GET /repos/${OWNER}/${REPO}/actions/runs/200`,
    ]);
  });

  it('ignores human comments that imitate the marker and cleans up duplicates of its own', async () => {
    const probot = await testProbot();
    withArtifact(300);
    fake.setHead(PR, sha(3));
    fake.addHumanComment(
      PR,
      '<!-- convgate:pr-comment {"v":1,"runId":999999,"attempt":1,"sha":"aaaaaaa"} --> fake',
    );
    await deliver(probot, 'workflow_run', workflowRunCompleted({ runId: 300, headSha: sha(3), pr: PR }));
    expect(fake.commentBodies(PR)).toHaveLength(2); // the human's, untouched, and ours
    // A race in another process left a second copy of ours.
    fake.comments.get(PR)!.push({ ...fake.comments.get(PR)![1], id: 99999 });
    await deliver(probot, 'workflow_run', workflowRunCompleted({ runId: 301, headSha: sha(3), pr: PR }));
    expect(fake.apiCalls()).toContain(`DELETE /repos/${OWNER}/${REPO}/issues/comments/99999`);
    const ours = fake.comments.get(PR)!.filter((c) => c.user.login === BOT.login);
    expect(ours).toHaveLength(1);
    expect(decodeMarker(ours[0].body)?.runId).toBe(301);
  });

  it('finds the PR of a fork by its head branch (GitHub sends no pull_requests for forks)', async () => {
    const probot = await testProbot();
    withArtifact(400);
    fake.pulls = [
      { number: 7, head: { sha: sha(4), ref: 'patch-1', repo: { id: 555 }, label: 'forker:patch-1' } },
      { number: 8, head: { sha: sha(4), ref: 'patch-1', repo: { id: 556 }, label: 'forker:patch-1' } },
    ];
    await deliver(
      probot,
      'workflow_run',
      workflowRunCompleted({
        runId: 400,
        headSha: sha(4),
        fork: { owner: 'forker', repoId: 555, branch: 'patch-1' },
      }),
    );
    expect(fake.calls.find((c) => c.path.endsWith('/pulls'))?.query).toMatchObject({
      head: 'forker:patch-1',
      state: 'open',
    });
    expect(fake.commentBodies(7)).toHaveLength(1);
    expect(fake.commentBodies(8)).toHaveLength(0);
  });

  it('marks the comment outdated on a new push, and the next gate run replaces it', async () => {
    const probot = await testProbot();
    withArtifact(500);
    withArtifact(510);
    fake.setHead(PR, sha(5));
    await deliver(probot, 'workflow_run', workflowRunCompleted({ runId: 500, headSha: sha(5), pr: PR }));
    fake.calls.length = 0;
    fake.setHead(PR, sha(6));
    await deliver(probot, 'pull_request', pullRequestSynchronize({ pr: PR, headSha: sha(6) }));
    expect(fake.apiCalls()).toEqual([
      ...CONFIG_CALLS,
      `GET /repos/${OWNER}/${REPO}/issues/${PR}/comments`,
      `GET /repos/${OWNER}/${REPO}/pulls/${PR}`,
      expect.stringMatching(/^PATCH .*\/issues\/comments\/\d+$/),
    ]);
    const outdated = fake.commentBodies(PR)[0];
    expect(outdated).toContain('**Outdated:**');
    expect(decodeMarker(outdated)).toMatchObject({ runId: 500, outdated: true });
    // Re-delivering the push changes nothing.
    fake.calls.length = 0;
    await deliver(probot, 'pull_request', pullRequestSynchronize({ pr: PR, headSha: sha(6) }));
    expect(fake.apiCalls().filter((c) => !c.startsWith('GET'))).toEqual([]);

    await deliver(probot, 'workflow_run', workflowRunCompleted({ runId: 510, headSha: sha(6), pr: PR }));
    const fresh = fake.commentBodies(PR);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]).not.toContain('**Outdated:**');
    expect(decodeMarker(fresh[0])).toEqual({ v: 1, runId: 510, attempt: 1, sha: sha(6) });
  });

  it('says so in the comment when the artifact is refused (path traversal), without its contents', async () => {
    const probot = await testProbot();
    fake.setHead(PR, sha(7));
    withArtifact(600, gateZip(gateReport(), { '../../../../tmp/evil.sh': 'rm -rf /' }));
    await deliver(probot, 'workflow_run', workflowRunCompleted({ runId: 600, headSha: sha(7), pr: PR }));
    const [body] = fake.commentBodies(PR);
    expect(body).toContain('### ⚠️ convgate: no gate result');
    expect(body).toContain('path escapes the archive');
    expect(body).not.toContain('regression');
  });

  it('refuses an artifact that is too large without downloading it', async () => {
    const probot = await testProbot();
    fake.setHead(PR, sha(7));
    fake.artifacts.set(650, { id: 1650, name: 'convgate-gate', zip: gateZip(), size: 900 * 1024 * 1024 });
    await deliver(probot, 'workflow_run', workflowRunCompleted({ runId: 650, headSha: sha(7), pr: PR }));
    expect(fake.commentBodies(PR)[0]).toMatch(/the artifact is 943718400 bytes, over the limit of 33554432/);
    expect(fake.apiCalls().some((c) => c.includes('/zip') || c.includes('_blob'))).toBe(false);
  });

  it('reports a missing artifact and ignores other workflows and cancelled runs', async () => {
    const probot = await testProbot();
    fake.setHead(PR, sha(8));
    await deliver(probot, 'workflow_run', workflowRunCompleted({ runId: 700, headSha: sha(8), pr: PR }));
    expect(fake.commentBodies(PR)[0]).toContain('uploaded no artifact named');

    fake.calls.length = 0;
    await deliver(
      probot,
      'workflow_run',
      workflowRunCompleted({ runId: 701, headSha: sha(8), pr: PR, path: '.github/workflows/ci.yml' }),
    );
    await deliver(
      probot,
      'workflow_run',
      workflowRunCompleted({ runId: 702, headSha: sha(8), pr: PR, conclusion: 'cancelled' }),
    );
    expect(fake.apiCalls()).toEqual([...CONFIG_CALLS, ...CONFIG_CALLS]);
  });

  it('judges outdated against the PR head now, not the head an old event carried', async () => {
    const probot = await testProbot();
    withArtifact(800);
    withArtifact(810);
    fake.setHead(PR, sha(11));
    await deliver(probot, 'workflow_run', workflowRunCompleted({ runId: 810, headSha: sha(11), pr: PR }));
    const current = fake.commentBodies(PR)[0];
    expect(current).not.toContain('**Outdated:**');
    // GitHub redelivers the push of the older commit sha(10): the result for the head stays current.
    await deliver(probot, 'pull_request', pullRequestSynchronize({ pr: PR, headSha: sha(10) }));
    expect(fake.commentBodies(PR)).toEqual([current]);
    expect(fake.apiCalls()).toContain(`GET /repos/${OWNER}/${REPO}/pulls/${PR}`);

    // A late workflow_run for a commit the PR has moved past renders as outdated at once, whatever
    // head its payload carries.
    const other = 3;
    fake.setHead(other, sha(13));
    await deliver(probot, 'workflow_run', workflowRunCompleted({ runId: 800, headSha: sha(12), pr: other }));
    const late = fake.commentBodies(other)[0];
    expect(late).toContain('**Outdated:**');
    expect(late).toContain(`head is now \`${sha(13).slice(0, 7)}\``);
    expect(decodeMarker(late)).toMatchObject({ runId: 800, sha: sha(12), outdated: true });
  });

  it('trusts a marker claiming a newer run only after checking that run through the API', async () => {
    const probot = await testProbot();
    withArtifact(900);
    fake.setHead(PR, sha(14));
    // A comment under the app's identity claiming run 5000: no such run exists.
    fake.addBotComment(
      PR,
      '<!-- convgate:pr-comment {"v":1,"runId":5000,"attempt":1,"sha":"aaaaaaa"} --> forged',
    );
    fake.comments.get(PR)![0].performed_via_github_app = { id: BOT.appId };
    await deliver(probot, 'workflow_run', workflowRunCompleted({ runId: 900, headSha: sha(14), pr: PR }));
    expect(fake.apiCalls()).toContain(`GET /repos/${OWNER}/${REPO}/actions/runs/5000`);
    const [body] = fake.commentBodies(PR);
    expect(decodeMarker(body)).toMatchObject({ runId: 900 });
    expect(body).toContain('### ❌ convgate: 2 regressions');

    // A real newer gate run of this repository, on the commit its marker names: kept.
    fake.runs.set(950, runEntry({ runId: 950, headSha: sha(14) }));
    withArtifact(950);
    await deliver(probot, 'workflow_run', workflowRunCompleted({ runId: 950, headSha: sha(14), pr: PR }));
    const newer = fake.commentBodies(PR)[0];
    fake.calls.length = 0;
    await deliver(probot, 'workflow_run', workflowRunCompleted({ runId: 920, headSha: sha(14), pr: PR }));
    expect(fake.commentBodies(PR)).toEqual([newer]);
    expect(fake.apiCalls().some((c) => c.includes('/artifacts'))).toBe(false);
  });
});
