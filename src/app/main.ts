#!/usr/bin/env node
// `node build/app/main.js [serve|actions]`: the app server (default) or one event inside a
// GitHub Actions job. Exit codes: 0 ok, 1 failure, 2 bad environment.

import { actionsMain } from './actions.js';
import { serveMain } from './server.js';

const mode = process.argv[2] ?? 'serve';
if (mode === 'serve') await serveMain();
else if (mode === 'actions') process.exitCode = await actionsMain();
else {
  console.error(`usage: main.js [serve|actions] (got "${mode}")`);
  process.exit(2);
}
