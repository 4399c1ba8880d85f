// Reads `.github/convgate.yml` through Probot's config loader (default branch of the
// repository, falling back to the owner's `.github` repository; `_extends` supported) and
// validates it. An unreadable or invalid file is logged and the event is dropped: the app
// never comments or labels from a configuration it does not understand.

import type { Context } from 'probot';
import { CONFIG_FILE, CONFIG_PATH, parseAppConfig, type AppConfig } from './config.js';
import { httpStatus } from './http-status.js';

export async function loadConfig(context: Context): Promise<AppConfig | null> {
  const repository =
    (context.payload as { repository?: { full_name?: string } }).repository?.full_name ?? '?';
  let raw: unknown;
  try {
    raw = await context.config(CONFIG_FILE);
  } catch (error) {
    const s = httpStatus(error);
    if (s !== undefined && s >= 500) throw error; // GitHub trouble, not a config problem
    context.log.error(
      { err: error, repository, file: CONFIG_PATH, event: context.name },
      `convgate: cannot read ${CONFIG_PATH} in ${repository}: ${(error as Error).message}. Nothing was posted for this event.`,
    );
    return null;
  }
  const result = parseAppConfig(raw);
  if (!result.ok) {
    context.log.error(
      { repository, file: CONFIG_PATH, problems: result.problems, event: context.name },
      `convgate: invalid ${CONFIG_PATH} in ${repository}: ${result.problems.join('; ')}. Nothing was posted for this event.`,
    );
    return null;
  }
  return result.config;
}
