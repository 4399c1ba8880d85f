/**
 * Environment of one side of a gate (baseline or candidate): the converter build under test is
 * often just another PYTHONPATH, so each side may change a few variables of this process's env.
 */
export type EnvOverrides = Record<string, string | null>;

export class EnvInputError extends Error {}

/**
 * Parses `NAME=VALUE` assignments (`NAME=` sets an empty value, a bare `NAME` removes the
 * variable). `source` names the flag or input for the error message.
 */
export function parseEnvAssignments(items: readonly string[], source: string): EnvOverrides {
  const out: EnvOverrides = {};
  for (const raw of items) {
    const item = raw.trim();
    if (!item || item.startsWith('#')) continue;
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new EnvInputError(
        `${source}: ${JSON.stringify(raw)} is not NAME=VALUE (a variable name is letters, digits and _)`,
      );
    out[name] = eq < 0 ? null : item.slice(eq + 1);
  }
  return out;
}

/** One assignment per line (the Action's multi-line inputs). */
export function parseEnvLines(text: string, source: string): EnvOverrides {
  return parseEnvAssignments(text.split(/\r?\n/), source);
}

export function applyEnv(base: NodeJS.ProcessEnv, overrides: EnvOverrides): NodeJS.ProcessEnv {
  const env = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === null) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** For logs: the overrides as they would be typed on a command line. */
export function describeEnv(overrides: EnvOverrides): string {
  const parts = Object.entries(overrides).map(([k, v]) => (v === null ? `-u ${k}` : `${k}=${v}`));
  return parts.length ? parts.join(' ') : '(inherited environment)';
}
