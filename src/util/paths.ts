import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * Root of the convgate installation: the nearest folder above this module whose package.json is
 * convgate's. Works from src/ (ts-jest), build/ (tsc) and dist/ (the rollup bundle of the Action,
 * where this module is inlined into dist/index.js — one level up, not two).
 */
export function findPackageRoot(from: string): string {
  let dir = from;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'convgate') return dir;
      } catch {
        // not ours (or unreadable): keep walking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // No manifest found (copied without package.json): the historical layout, two levels up.
  return path.resolve(from, '..', '..');
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const PACKAGE_ROOT = findPackageRoot(HERE);
export const WORKER_SCRIPT = path.join(PACKAGE_ROOT, 'python', 'worker.py');
export const CORPUS_DIR = path.join(PACKAGE_ROOT, 'corpus');
