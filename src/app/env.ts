// Environment of the app server, validated once at start-up. Every error names the variable.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import type { AppIdentity } from './identity.js';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export const ServerEnv = z.object({
  APP_ID: z
    .string({ error: 'APP_ID is required (the numeric id on the GitHub App settings page)' })
    .regex(/^\d+$/, 'APP_ID must be the numeric GitHub App id'),
  WEBHOOK_SECRET: z
    .string({ error: 'WEBHOOK_SECRET is required: unsigned webhooks are never accepted' })
    .min(1, 'WEBHOOK_SECRET is required: unsigned webhooks are never accepted')
    .refine(
      (s) => s !== 'development',
      'WEBHOOK_SECRET must be a real secret, not Probot\'s placeholder "development"',
    ),
  PRIVATE_KEY: z.string().min(1).optional(),
  PRIVATE_KEY_PATH: z.string().min(1).optional(),
  PORT: z.coerce
    .number()
    .int()
    .min(0, 'PORT must be 0..65535')
    .max(65535, 'PORT must be 0..65535')
    .default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  WEBHOOK_PATH: z.string().startsWith('/', 'WEBHOOK_PATH must start with /').default('/api/github/webhooks'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  /** GitHub Enterprise Server host (and protocol), as in Probot. */
  GHE_HOST: z.string().min(1).optional(),
  GHE_PROTOCOL: z.enum(['https', 'http']).default('https'),
  /** The app's bot login, e.g. "convgate[bot]" (recognises its comments even without app id data). */
  APP_BOT_LOGIN: z.string().min(1).optional(),
});
export type ServerEnv = z.infer<typeof ServerEnv>;

export class EnvError extends Error {
  override name = 'EnvError';
}

/** The file `npm run app` / `convgate app serve` reads variables from, in the working directory. */
export const DOTENV_FILE = '.env';

/**
 * The environment with the variables of `<dir>/.env` added (Probot's setup page writes APP_ID,
 * PRIVATE_KEY and WEBHOOK_SECRET there). Parsed as Probot's own `run` does (node:util parseEnv);
 * unlike Probot, variables already set in the real environment win over the file, so a
 * deployment can override it. A missing file adds nothing; an unreadable one is an error naming it.
 */
export function withDotEnv(env: NodeJS.ProcessEnv, dir: string = process.cwd()): NodeJS.ProcessEnv {
  const file = path.join(dir, DOTENV_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return env;
    throw new EnvError(`convgate app: cannot read ${file}: ${(error as Error).message}`);
  }
  return { ...parseEnv(text), ...env };
}

export function parseServerEnv(env: NodeJS.ProcessEnv): ServerEnv {
  const parsed = ServerEnv.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  if (!env.PRIVATE_KEY && !env.PRIVATE_KEY_PATH) {
    problems.push(
      'PRIVATE_KEY (the PEM text, or base64 of it) or PRIVATE_KEY_PATH (a .pem file) is required',
    );
  }
  if (!parsed.success || problems.length) {
    throw new EnvError(`convgate app: bad environment: ${problems.join('; ')}`);
  }
  return parsed.data;
}

export function baseUrlOf(env: Pick<ServerEnv, 'GHE_HOST' | 'GHE_PROTOCOL'>): string {
  return env.GHE_HOST ? `${env.GHE_PROTOCOL}://${env.GHE_HOST}/api/v3` : 'https://api.github.com';
}

export function identityOf(env: Pick<ServerEnv, 'APP_ID' | 'APP_BOT_LOGIN'>): AppIdentity {
  return {
    appId: Number(env.APP_ID),
    ...(env.APP_BOT_LOGIN ? { botLogin: env.APP_BOT_LOGIN } : {}),
  };
}
