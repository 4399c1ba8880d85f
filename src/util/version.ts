import { createRequire } from 'node:module';
import path from 'node:path';
import { PACKAGE_ROOT } from './paths.js';

export const TOOL_NAME = 'convgate';
export const TOOL_VERSION: string = (() => {
  try {
    return (createRequire(import.meta.url)(path.join(PACKAGE_ROOT, 'package.json')) as { version: string })
      .version;
  } catch {
    return '0.0.0';
  }
})();
