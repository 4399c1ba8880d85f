import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Root of the convgate installation (works from src/ under ts-jest and from build/ or dist/). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WORKER_SCRIPT = path.join(PACKAGE_ROOT, 'python', 'worker.py');
export const CORPUS_DIR = path.join(PACKAGE_ROOT, 'corpus');
