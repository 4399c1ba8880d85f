// A logger that records what the app logs (the shape Probot and Octokit call).

import type { Logger } from 'probot';

export interface LogEntry {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

export function recordingLogger(entries: LogEntry[] = []): Logger {
  const make = (bindings: Record<string, unknown>): Record<string, unknown> => {
    const log: Record<string, unknown> = { level: 'trace' };
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) {
      log[level] = (a: unknown, b?: unknown) => {
        const fields = typeof a === 'object' && a !== null ? (a as Record<string, unknown>) : {};
        const msg =
          typeof a === 'string' ? a : typeof b === 'string' ? b : a instanceof Error ? a.message : '';
        entries.push({ level, msg, fields: { ...bindings, ...fields } });
      };
    }
    log.child = (more: Record<string, unknown>) => make({ ...bindings, ...more });
    log.isLevelEnabled = () => true;
    return log;
  };
  return make({}) as unknown as Logger;
}
