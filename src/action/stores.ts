import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import * as cache from '@actions/cache';
import { DefaultArtifactClient } from '@actions/artifact';
import * as core from '@actions/core';
import type { ArtifactStore, BaselineStore } from '../gate/store.js';

/**
 * Baselines in the GitHub Actions cache. The cache version is derived from the cached paths,
 * so entries always go through one fixed workspace-relative folder, whatever results-dir is.
 */
export class ActionsCacheStore implements BaselineStore {
  static readonly PATH = '.convgate-cache/baseline';
  readonly description = 'GitHub Actions cache';

  constructor(private readonly workspace: string) {}

  private get staging(): string {
    return path.resolve(this.workspace, ActionsCacheStore.PATH);
  }

  async restore(key: string, dir: string): Promise<boolean> {
    if (!cache.isFeatureAvailable()) {
      core.warning('the Actions cache service is not available here: no stored baseline can be restored');
      return false;
    }
    await rm(this.staging, { recursive: true, force: true });
    const hit = await cache.restoreCache([ActionsCacheStore.PATH], key);
    if (hit !== key) return false; // a prefix match would be another commit's baseline
    await mkdir(dir, { recursive: true });
    await cp(this.staging, dir, { recursive: true });
    return true;
  }

  async save(key: string, dir: string): Promise<boolean> {
    if (!cache.isFeatureAvailable()) {
      core.warning('the Actions cache service is not available here: the baseline was not saved');
      return false;
    }
    await rm(this.staging, { recursive: true, force: true });
    await mkdir(this.staging, { recursive: true });
    await cp(dir, this.staging, { recursive: true });
    // saveCache logs and returns -1 when the entry exists or the service refuses (read-only token…).
    const id = await cache.saveCache([ActionsCacheStore.PATH], key);
    return id !== -1;
  }
}

/** Run outputs as workflow artifacts (@actions/artifact). */
export class ActionsArtifactStore implements ArtifactStore {
  readonly description = 'workflow artifacts';
  private readonly client = new DefaultArtifactClient();

  async upload(name: string, root: string, files: string[]): Promise<void> {
    await this.client.uploadArtifact(name, files, root);
  }

  async downloadAll(prefix: string, dest: string): Promise<string[]> {
    const { artifacts } = await this.client.listArtifacts({ latest: true });
    const wanted = artifacts
      .filter((a) => a.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const a of wanted) await this.client.downloadArtifact(a.id, { path: path.join(dest, a.name) });
    return wanted.map((a) => a.name);
  }
}

/** Artifacts need the runner's token; outside a workflow run (local act-like tests) they are skipped. */
export function artifactsAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.ACTIONS_RUNTIME_TOKEN && (env.ACTIONS_RESULTS_URL || env.ACTIONS_RUNTIME_URL));
}
