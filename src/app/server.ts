// A small HTTP server around Probot's webhook middleware: health endpoint, structured request
// logs, a body size cap, and signature checking before anything else happens (a request with a
// missing or wrong X-Hub-Signature-256 is answered 401 without parsing or dispatching it).

import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProbot, type ApplicationFunction, type Logger, type Options, type Probot } from 'probot';
import { createApp } from './app.js';
import { baseUrlOf, EnvError, identityOf, parseServerEnv, withDotEnv } from './env.js';

/** GitHub caps webhook payloads at 25 MB. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

export interface ServerOptions {
  probot: Probot;
  app: ApplicationFunction;
  secret: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  webhookPath: string;
  maxBodyBytes?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Constant-time check of GitHub's `sha256=<hex>` HMAC of the raw body. */
export function signatureMatches(secret: string, body: Buffer, signature: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': 'application/json', connection: 'close' })
    .end(JSON.stringify(body));
}

/** The request body, or null when it exceeds `max` bytes. */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { probot, secret, webhookPath } = options;
  const maxBody = options.maxBodyBytes ?? MAX_WEBHOOK_BYTES;
  if (!secret || secret === 'development') throw new Error('a real webhook secret is required');
  await probot.load(options.app);
  const webhooks = await probot.getNodeMiddleware({ path: webhookPath });
  const log = probot.log.child({ component: 'convgate-app' });
  const startedAt = Date.now();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && (path === '/healthz' || path === '/ping')) {
      return reply(res, 200, { status: 'ok', uptimeS: Math.round((Date.now() - startedAt) / 1000) });
    }
    if (path !== webhookPath) return reply(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return reply(res, 405, { error: 'webhooks are POSTed' });
    const signature = req.headers['x-hub-signature-256'];
    if (typeof signature !== 'string' || !signature) {
      return reply(res, 401, { error: 'missing X-Hub-Signature-256: unsigned webhooks are rejected' });
    }
    if (Number(req.headers['content-length'] ?? 0) > maxBody)
      return reply(res, 413, { error: 'payload too large' });
    const body = await readBody(req, maxBody);
    if (body === null) return reply(res, 413, { error: 'payload too large' });
    if (!signatureMatches(secret, body, signature)) {
      return reply(res, 401, { error: 'signature does not match the payload and the webhook secret' });
    }
    // The middleware reads a string body instead of the (consumed) stream, and verifies again.
    req.body = body.toString('utf8');
    await webhooks(req, res);
  }

  const server = createServer((req, res) => {
    const t0 = performance.now();
    res.on('finish', () => {
      log.info(
        {
          method: req.method,
          path: (req.url ?? '').split('?')[0],
          status: res.statusCode,
          ms: Math.round(performance.now() - t0),
          event: req.headers['x-github-event'],
          delivery: req.headers['x-github-delivery'],
        },
        'http request',
      );
    });
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'request failed');
      if (!res.headersSent) reply(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => resolve());
  });
  const { port, address, family } = server.address() as AddressInfo;
  const url = `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
  log.info({ url, webhookPath }, 'convgate app listening');
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

export interface ServeOverrides {
  /** Replace Probot's logger (tests). */
  log?: Logger;
  /** Replace the Octokit class (tests: e.g. without throttling). */
  Octokit?: Options['Octokit'];
}

/**
 * Starts the server from environment variables (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, …; see
 * docs/app.md). The process entry (serveMain) adds the working directory's `.env` first.
 */
export async function serveFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  overrides: ServeOverrides = {},
): Promise<RunningServer> {
  const e = parseServerEnv(env);
  const probot = createProbot({
    env: {
      PRIVATE_KEY: e.PRIVATE_KEY,
      PRIVATE_KEY_PATH: e.PRIVATE_KEY_PATH,
      LOG_LEVEL: e.LOG_LEVEL,
      LOG_FORMAT: e.LOG_FORMAT,
    },
    overrides: {
      appId: e.APP_ID,
      secret: e.WEBHOOK_SECRET,
      baseUrl: baseUrlOf(e),
      webhookPath: e.WEBHOOK_PATH,
      ...(overrides.log ? { log: overrides.log } : {}),
      ...(overrides.Octokit ? { Octokit: overrides.Octokit } : {}),
    },
  });
  return startServer({
    probot,
    app: createApp({ identity: identityOf(e) }),
    secret: e.WEBHOOK_SECRET,
    host: e.HOST,
    port: e.PORT,
    webhookPath: e.WEBHOOK_PATH,
  });
}

/**
 * Process entry for `serve`: starts from the environment, stops cleanly on SIGTERM/SIGINT.
 * Exit codes: 2 bad environment, 1 start-up failure.
 */
export async function serveMain(): Promise<void> {
  let server: RunningServer;
  try {
    server = await serveFromEnv(withDotEnv(process.env));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(error instanceof EnvError ? 2 : 1);
  }
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
