/** A test double of the Actions artifact service: a folder of artifacts, one sub-folder per name. */
import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { safeName, type ArtifactStore } from '../src/gate/store.js';

export class LocalArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {}

  get description(): string {
    return `artifact folder ${this.root}`;
  }

  async upload(name: string, root: string, files: string[]): Promise<void> {
    const dest = path.join(this.root, safeName(name));
    await rm(dest, { recursive: true, force: true });
    for (const f of files) {
      const target = path.join(dest, path.relative(root, f));
      await mkdir(path.dirname(target), { recursive: true });
      await cp(f, target);
    }
  }

  async downloadAll(prefix: string, dest: string): Promise<string[]> {
    let names: string[] = [];
    try {
      names = (await readdir(this.root)).filter((n) => n.startsWith(prefix)).sort();
    } catch {
      return [];
    }
    for (const n of names) {
      await mkdir(path.join(dest, n), { recursive: true });
      await cp(path.join(this.root, n), path.join(dest, n), { recursive: true });
    }
    return names;
  }
}
