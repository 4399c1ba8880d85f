import { describe, expect, it } from '@jest/globals';
import { Probot } from 'probot';
import { baseUrlOf, EnvError, parseServerEnv } from '../../src/app/env.js';
import probotApp from '../../src/app/index.js';
import { serveFromEnv } from '../../src/app/server.js';

const GOOD = {
  APP_ID: '12',
  PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----',
  WEBHOOK_SECRET: 's3cret',
};

describe('server environment', () => {
  it('requires a webhook secret, the app id and a private key, naming each', () => {
    expect(() => parseServerEnv({ ...GOOD, WEBHOOK_SECRET: undefined })).toThrow(
      /WEBHOOK_SECRET is required/,
    );
    expect(() => parseServerEnv({ ...GOOD, WEBHOOK_SECRET: '' })).toThrow(/WEBHOOK_SECRET is required/);
    expect(() => parseServerEnv({ ...GOOD, WEBHOOK_SECRET: 'development' })).toThrow(
      /not Probot's placeholder/,
    );
    expect(() => parseServerEnv({ ...GOOD, APP_ID: 'my-app' })).toThrow(/APP_ID must be the numeric/);
    expect(() => parseServerEnv({ ...GOOD, PRIVATE_KEY: undefined })).toThrow(
      /PRIVATE_KEY .* or PRIVATE_KEY_PATH/,
    );
    expect(() => parseServerEnv({ ...GOOD, PORT: '99999' })).toThrow(/PORT must be 0\.\.65535/);
    expect(() => parseServerEnv({})).toThrow(EnvError);
  });

  it('has safe defaults: loopback, JSON logs, Probot’s webhook path', () => {
    expect(parseServerEnv(GOOD)).toMatchObject({
      HOST: '127.0.0.1',
      PORT: 3000,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      WEBHOOK_PATH: '/api/github/webhooks',
    });
    expect(baseUrlOf({ GHE_PROTOCOL: 'https' })).toBe('https://api.github.com');
    expect(baseUrlOf({ GHE_HOST: 'ghe.example.com', GHE_PROTOCOL: 'https' })).toBe(
      'https://ghe.example.com/api/v3',
    );
  });

  it('does not start without a secret', async () => {
    await expect(serveFromEnv({ ...GOOD, WEBHOOK_SECRET: undefined })).rejects.toThrow(/WEBHOOK_SECRET/);
  });

  it('refuses to load under `probot run` without a real secret', async () => {
    const saved = process.env.WEBHOOK_SECRET;
    delete process.env.WEBHOOK_SECRET;
    try {
      const probot = new Probot({ githubToken: 't', logLevel: 'fatal' });
      await expect(probot.load(probotApp)).rejects.toThrow(/WEBHOOK_SECRET is required/);
    } finally {
      if (saved !== undefined) process.env.WEBHOOK_SECRET = saved;
    }
  });
});
