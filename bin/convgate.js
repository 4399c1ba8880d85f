#!/usr/bin/env node
// Thin launcher: the CLI is compiled to build/ by `npm run build` (run by `npm ci` through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../build/cli/index.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('convgate: build/ is missing; run `npm ci` (or `npm run build`) in the convgate checkout first.');
  process.exit(2);
}
const { main } = await import(entry.href);
const code = await main(process.argv);
// A failure recorded elsewhere (e.g. core.setFailed) is never turned into success.
if (code !== 0 || !process.exitCode) process.exitCode = code;
