import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PACKAGE_ROOT } from '../util/paths.js';

/**
 * The plugin table python/convgate_worker/plugins.json: source frontends and converters, which
 * frontends each converter takes, what each needs and how to install it. The worker reads the same
 * file, so the two sides never disagree about a pair. docs/converters.md.
 */
const Frontend = z.object({
  module: z.string(),
  needs: z.array(z.string()),
  source: z.string(),
  saves: z.string(),
});
const Converter = z.object({
  module: z.string(),
  frontends: z.array(z.string()).min(1),
  needs: z.array(z.string()),
  /** Environment the worker sets (unless already set) before importing anything: KERAS_BACKEND. */
  env: z.record(z.string(), z.string()).optional(),
  converter: z.string(),
});
export const PluginTable = z.object({
  /** The converter when nothing names one, for the worker's own defaults (= RUN_DEFAULTS.adapter). */
  defaultConverter: z.string(),
  frontends: z.record(z.string(), Frontend),
  converters: z.record(z.string(), Converter),
  install: z.record(z.string(), z.string()),
});
export type PluginTable = z.infer<typeof PluginTable>;

export const PLUGIN_TABLE_FILE = path.join(PACKAGE_ROOT, 'python', 'convgate_worker', 'plugins.json');

let cached: PluginTable | undefined;

export function pluginTable(): PluginTable {
  cached ??= PluginTable.parse(JSON.parse(readFileSync(PLUGIN_TABLE_FILE, 'utf8')));
  return cached;
}

/** The frontend a case names; cases without one are torch cases. */
export const DEFAULT_FRONTEND = 'torch';

export function frontendNames(): string[] {
  return Object.keys(pluginTable().frontends);
}

export function converterNames(): string[] {
  return Object.keys(pluginTable().converters);
}
